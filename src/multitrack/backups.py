"""Encrypted backups of the whole database and the uploaded files, and their restore.

An archive is a header followed by encrypted chunks::

    header = MAGIC (8) | format version (2, big-endian) | key id (8) | archive id (16)
    chunk  = is_final (1) | ciphertext length (4, big-endian) | nonce (12) | ciphertext + tag

Each chunk is sealed with AES-256-GCM under a fresh random nonce; its associated data is the
header, the chunk's index and its ``is_final`` flag. So a changed header, chunks reordered,
moved between archives, dropped, or cut off after any chunk but the final one all fail to
decrypt. The key id is the start of the key's SHA-256 and only tells a wrong key from a
damaged archive; the archive never holds the key.

Fields encrypted at rest (``multitrack.encrypted_fields``) and meeting attachment files
(``multitrack.processes.attachment_files``) stay sealed in the archive, exactly as stored: a
restore needs ``MULTITRACK_FIELD_KEYS`` holding the keys they were sealed under, and checks that
every one opens for its row (every file for its attachment) before it changes anything.

The plaintext is JSON Lines: a manifest (format, schema, counts), every row of every model in
dependency order (Django's serializer, natural keys for foreign keys so content types and
permissions, recreated by ``migrate``, match by name), then each uploaded file with its bytes in
base64 pieces, then an end record. Writing and reading both stream: neither holds the whole
database in memory.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import os
import secrets
import shutil
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from multitrack.encrypted_fields import EncryptedFieldError
from multitrack.env import envstr
from multitrack.field_encryption import FieldDecryptionError
from multitrack.web.uploads import INCOMING_PREFIX, LOCK_NAME

MAGIC = b"MTBACKUP"
FORMAT_VERSION = 1
KEY_BYTES = 32
KEY_ID_BYTES = 8
ARCHIVE_ID_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16
CHUNK_BYTES = 1024 * 1024
FILE_PIECE_BYTES = 48 * 1024
HEADER = struct.Struct(f">8sH{KEY_ID_BYTES}s{ARCHIVE_ID_BYTES}s")
CHUNK_PREFIX = struct.Struct(">?I")
KEY_ENV = "MULTITRACK_BACKUP_KEY"

# Recreated by migrate (content types, permissions) or not worth keeping (sessions, and a
# restore signs everybody out anyway).
# Recreated by `migrate`, or transient: sessions, and the rate-limit counters of the last minutes.
EXCLUDED_MODELS = frozenset(
    {
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "consultations.ratecount",
    }
)


class BackupError(Exception):
    """A backup could not be written or restored; the message says why, never the content."""


# --- keys -------------------------------------------------------------------------------------


def backup_key_generate() -> str:
    """A new random key, base64-encoded, for MULTITRACK_BACKUP_KEY."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def backup_key_from_environment() -> bytes:
    """The key from MULTITRACK_BACKUP_KEY or MULTITRACK_BACKUP_KEY_FILE; never from SECRET_KEY."""
    try:
        value = envstr(KEY_ENV)
    except OSError as error:
        raise BackupError(f"{KEY_ENV}_FILE cannot be read: {error.strerror}.") from None
    if not value:
        raise BackupError(
            f"Set {KEY_ENV} (or {KEY_ENV}_FILE) to a key made by `multitrack backup "
            "--generate-key`."
        )
    return backup_key_decode(value)


def backup_key_decode(value: str) -> bytes:
    """Decode a base64 key (standard or URL-safe alphabet) of exactly 32 bytes."""
    text = value.strip()
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise BackupError(f"{KEY_ENV} is not valid base64.") from None
    if len(key) != KEY_BYTES:
        raise BackupError(f"{KEY_ENV} must decode to {KEY_BYTES} bytes, not {len(key)}.")
    return key


def key_id(key: bytes) -> bytes:
    """The first bytes of the key's SHA-256: names the key without revealing it."""
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


# --- the encrypted envelope ---------------------------------------------------------------------


class EncryptedWriter:
    """A write-only stream that seals what is written to it into chunks of the envelope."""

    def __init__(self, out: IO[bytes], key: bytes) -> None:
        self._out = out
        self._aead = AESGCM(key)
        self._header = HEADER.pack(
            MAGIC, FORMAT_VERSION, key_id(key), secrets.token_bytes(ARCHIVE_ID_BYTES)
        )
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        out.write(self._header)

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), is_final=False)
            del self._buffer[:CHUNK_BYTES]

    def close(self) -> None:
        """Seal the last chunk (possibly empty): its flag is what proves nothing was cut off."""
        if not self._closed:
            self._seal(bytes(self._buffer), is_final=True)
            self._buffer.clear()
            self._closed = True

    def _seal(self, plaintext: bytes, *, is_final: bool) -> None:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(
            nonce, plaintext, _chunk_aad(self._header, self._index, is_final)
        )
        self._out.write(CHUNK_PREFIX.pack(is_final, len(sealed)) + nonce + sealed)
        self._index += 1


def _chunk_aad(header: bytes, index: int, is_final: bool) -> bytes:
    return header + struct.pack(">Q?", index, is_final)


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise BackupError("The archive is truncated: it ends before its last chunk.")
    return data


def decrypted_chunks(source: IO[bytes], key: bytes) -> Iterator[bytes]:
    """The plaintext of each chunk, in order; raises BackupError on any wrong or damaged byte."""
    header = source.read(HEADER.size)
    if len(header) != HEADER.size:
        raise BackupError("This is not a Multitrack backup archive (it is too short).")
    magic, version, archive_key_id, _ = HEADER.unpack(header)
    if magic != MAGIC:
        raise BackupError("This is not a Multitrack backup archive.")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"This archive has format version {version}; this Multitrack reads version "
            f"{FORMAT_VERSION} only."
        )
    if archive_key_id != key_id(key):
        raise BackupError(
            f"This archive was made with another key (key id {archive_key_id.hex()}; "
            f"the configured key has id {key_id(key).hex()})."
        )
    aead = AESGCM(key)
    index = 0
    while True:
        prefix = source.read(CHUNK_PREFIX.size)
        if len(prefix) != CHUNK_PREFIX.size:
            raise BackupError("The archive is truncated: it ends before its last chunk.")
        is_final, length = CHUNK_PREFIX.unpack(prefix)
        if not TAG_BYTES <= length <= CHUNK_BYTES + TAG_BYTES:
            raise BackupError("The archive is damaged or was tampered with (a bad chunk length).")
        nonce = _read_exactly(source, NONCE_BYTES)
        sealed = _read_exactly(source, length)
        try:
            plaintext = aead.decrypt(nonce, sealed, _chunk_aad(header, index, is_final))
        except InvalidTag:
            raise BackupError(
                f"The archive is damaged or was tampered with (chunk {index} fails authentication)."
            ) from None
        yield plaintext
        index += 1
        if is_final:
            break
    if source.read(1):
        raise BackupError("The archive is damaged or was tampered with (bytes after the end).")


def _records(chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """JSON Lines records from a stream of plaintext chunks."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield json.loads(line)
    if pending:
        raise BackupError("The archive's content is incomplete.")


# --- what is backed up --------------------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete model of every installed app, in dependency order, minus the exclusions."""
    app_list = {
        config: [
            model
            for model in config.get_models()
            if model._meta.label_lower not in EXCLUDED_MODELS
            and not model._meta.proxy
            and model._meta.managed
        ]
        for config in apps.get_app_configs()
    }
    return serializers.sort_dependencies(app_list.items(), allow_cycles=True)


def _applied_migrations(using: str) -> list[list[str]]:
    recorder = MigrationRecorder(connections[using])
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Regular files under ``root`` (symbolic links are not followed), by relative POSIX path.

    Not the upload folder's own lock file, nor a file still being written (it has no row yet).
    """
    if not root.is_dir():
        return
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        for name in sorted(files):
            if name == LOCK_NAME or name.startswith(INCOMING_PREFIX):
                continue
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def _safe_relative_path(name: object) -> PurePosixPath:
    """An archive file name that stays inside the uploads folder, or BackupError."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise BackupError("The archive names a file badly.")
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in {"", ".", ".."} for part in name.split("/")):
        raise BackupError("The archive names a file outside the uploads folder.")
    return path


# --- backup -------------------------------------------------------------------------------------


@dataclass
class BackupSummary:
    """What a backup or restore covered: counts only, never content."""

    objects: int = 0
    models: int = 0
    files: int = 0
    file_bytes: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (it rounds them to milliseconds)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, cls=_ExactJSONEncoder, ensure_ascii=False).encode() + b"\n"


def backup_create(*, path: Path, key: bytes, using: str = DEFAULT_DB_ALIAS) -> BackupSummary:
    """Write an encrypted archive of the database and the uploaded files to a new file ``path``."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name.")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        # Created 0600 from the start: the archive is confidential even though encrypted.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            writer = EncryptedWriter(out, key)
            summary = _write_content(writer, using=using)
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        temporary.rename(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    from multitrack.accounts.audit import audit

    audit(actor=None, action="backups.created")
    return summary


def _write_content(writer: EncryptedWriter, *, using: str) -> BackupSummary:
    summary = BackupSummary()
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and connection.savepoint_ids == []:
            # One snapshot for every table, so the archive is consistent while people work.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        model_list = backed_up_models()
        writer.write(
            _line(
                {
                    "kind": "manifest",
                    "format": FORMAT_VERSION,
                    "created_at": timezone.now(),
                    "migrations": _applied_migrations(using),
                    "models": [model._meta.label_lower for model in model_list],
                }
            )
        )
        for model in model_list:
            count = 0
            queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
            batch: list[models.Model] = []
            for instance in queryset.iterator(chunk_size=1000):
                batch.append(instance)
                if len(batch) == 1000:
                    count += _write_objects(writer, batch)
                    batch = []
            count += _write_objects(writer, batch)
            summary.counts[model._meta.label_lower] = count
            summary.objects += count
        summary.models = len(model_list)
    for name, file_path in _media_files(Path(settings.MEDIA_ROOT)):
        size = file_path.stat().st_size
        writer.write(_line({"kind": "file", "path": name, "size": size}))
        with file_path.open("rb") as source:
            while piece := source.read(FILE_PIECE_BYTES):
                writer.write(_line({"kind": "data", "b64": base64.b64encode(piece).decode()}))
        summary.files += 1
        summary.file_bytes += size
    writer.write(_line({"kind": "end", "objects": summary.objects, "files": summary.files}))
    return summary


def _write_objects(writer: EncryptedWriter, batch: list[models.Model]) -> int:
    if not batch:
        return 0
    for record in serializers.serialize("python", batch, use_natural_foreign_keys=True):
        writer.write(_line({"kind": "object", **record}))
    return len(batch)


# --- restore ------------------------------------------------------------------------------------


def database_has_content(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether any backed-up model holds a row, or any file has been uploaded."""
    if any(model._base_manager.using(using).exists() for model in backed_up_models()):
        return True
    return next(_media_files(Path(settings.MEDIA_ROOT)), None) is not None


def backup_restore(
    *, path: Path, key: bytes, force: bool = False, using: str = DEFAULT_DB_ALIAS
) -> BackupSummary:
    """Replace the database and the uploaded files with an archive's content, all or nothing.

    Refuses a non-empty database unless ``force``. Any wrong key, damaged byte, truncation or
    schema mismatch raises BackupError and leaves the database and the files as they were.
    """
    if not force and database_has_content(using=using):
        raise BackupError(
            "The database or the uploads folder is not empty; restore into an empty one, or "
            "pass --force to replace everything in it."
        )
    media_root = Path(settings.MEDIA_ROOT)
    staging = media_root.with_name(f".{media_root.name}.restore-{secrets.token_hex(4)}")
    old_media: Path | None = None
    swapped = False
    try:
        with path.open("rb") as source:
            try:
                with transaction.atomic(using=using):
                    summary = _restore_content(
                        _records(decrypted_chunks(source, key)), staging=staging, using=using
                    )
                    from multitrack.accounts.audit import audit

                    audit(actor=None, action="backups.restored")
                    # Last, still inside the transaction: the files change only if the
                    # database does, and come back if the commit fails.
                    old_media = _swap_media(staging, media_root)
                    swapped = True
            except BaseException:
                if swapped:
                    _unswap_media(old_media, media_root)
                raise
    except OSError as error:
        raise BackupError(f"The archive cannot be read: {error.strerror}.") from None
    except DatabaseError as error:
        # The database's message may quote values; name only the kind of failure.
        raise BackupError(
            f"The archive cannot be restored into this database ({type(error).__name__})."
        ) from None
    except (FieldDecryptionError, EncryptedFieldError) as error:
        # Encrypted fields and files travel sealed; each must open for its row before anything
        # changes.
        raise BackupError(
            "The archive's encrypted fields or files do not open with the configured "
            f"MULTITRACK_FIELD_KEYS: {error}"
        ) from None
    except (KeyError, TypeError, ValueError):
        raise BackupError("The archive's content is malformed.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if old_media is not None:
        shutil.rmtree(old_media, ignore_errors=True)
    return summary


def _restore_content(
    records: Iterator[dict[str, Any]], *, staging: Path, using: str
) -> BackupSummary:
    _check_manifest(next(records, None), using=using)
    connection = connections[using]
    if connection.vendor == "postgresql":
        # Rows arrive model by model, not in foreign-key order: check references at the end.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    _delete_everything(using)
    summary = BackupSummary()
    staging.parent.mkdir(parents=True, exist_ok=True)
    staging.mkdir(mode=0o700)
    deferred: list[serializers.base.DeserializedObject] = []
    loaded_models: set[type[models.Model]] = set()
    file_out: IO[bytes] | None = None
    file_left = 0
    end: dict[str, Any] | None = None
    with connection.constraint_checks_disabled():
        for record in records:
            kind = record.pop("kind", None)
            if end is not None:
                raise BackupError("The archive has content after its end record.")
            if kind == "object":
                deferred += _load_object(record, using=using, loaded_models=loaded_models)
                summary.objects += 1
            elif kind == "file":
                _close_file(file_out, file_left)
                file_out, file_left = _open_staged_file(record, staging)
                summary.files += 1
                summary.file_bytes += file_left
            elif kind == "data" and file_out is not None:
                piece = base64.b64decode(record["b64"], validate=True)
                file_left -= len(piece)
                if file_left < 0:
                    raise BackupError("The archive's file sizes do not add up.")
                file_out.write(piece)
            elif kind == "end":
                _close_file(file_out, file_left)
                file_out, end = None, record
            else:
                raise BackupError("The archive holds a record this Multitrack does not know.")
        for deserialized in deferred:
            deserialized.save_deferred_fields(using=using)
    if end is None or end.get("objects") != summary.objects or end.get("files") != summary.files:
        raise BackupError("The archive's content is incomplete.")
    tables = [model._meta.db_table for model in loaded_models]
    connection.check_constraints(table_names=tables)
    _check_sealed_files(staging, using=using)
    _reset_sequences(using, loaded_models)
    summary.models = len(loaded_models)
    return summary


def _check_sealed_files(staging: Path, *, using: str) -> None:
    """Each restored attachment file must open, with the configured field keys, for its
    attachment (FileDecryptionError otherwise): a restore must not bring back files nobody can
    read, or files moved between attachments."""
    if not apps.is_installed("multitrack.processes"):
        return
    from multitrack.processes.attachment_files import attachment_files_verify

    attachment_files_verify(root=staging, using=using)


def _check_manifest(manifest: dict[str, Any] | None, *, using: str) -> None:
    if manifest is None or manifest.get("kind") != "manifest":
        raise BackupError("The archive's content does not start with a manifest.")
    if manifest.get("migrations") != _applied_migrations(using):
        raise BackupError(
            "The archive was made with a different database schema. Migrate this database to "
            "the version the archive was made with (or restore with that Multitrack version)."
        )


def _load_object(
    record: dict[str, Any], *, using: str, loaded_models: set[type[models.Model]]
) -> list[serializers.base.DeserializedObject]:
    label = record.get("model", "")
    if label in EXCLUDED_MODELS:
        raise BackupError("The archive holds rows this Multitrack does not restore.")
    deferred = []
    try:
        for deserialized in serializers.deserialize(
            "python", [record], using=using, handle_forward_references=True
        ):
            deserialized.save(using=using)
            loaded_models.add(type(deserialized.object))
            if deserialized.deferred_fields:
                deferred.append(deserialized)
    except serializers.base.DeserializationError as error:
        # Django's message may quote field values; say only which model failed.
        raise BackupError(f"A row of {label} cannot be restored.") from error
    return deferred


def _open_staged_file(record: dict[str, Any], staging: Path) -> tuple[IO[bytes], int]:
    relative = _safe_relative_path(record.get("path"))
    size = record.get("size")
    if not isinstance(size, int) or size < 0:
        raise BackupError("The archive gives a file a bad size.")
    target = staging.joinpath(*relative.parts)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(descriptor, "wb"), size


def _close_file(file_out: IO[bytes] | None, file_left: int) -> None:
    if file_out is not None:
        file_out.close()
        if file_left != 0:
            raise BackupError("The archive's file sizes do not add up.")


def _delete_everything(using: str) -> None:
    """Empty every backed-up table (and sessions: nobody stays signed in across a restore).

    Plain SQL, inside the caller's transaction: it rolls back with everything else, and it is
    the one place that may remove audit lines, because they are replaced by the archive's.
    """
    connection = connections[using]
    tables = {model._meta.db_table for model in backed_up_models()}
    for model in backed_up_models():
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            if through is not None and through._meta.auto_created:
                tables.add(through._meta.db_table)
    if apps.is_installed("django.contrib.sessions"):
        tables.add(apps.get_model("sessions", "Session")._meta.db_table)
    existing = set(connection.introspection.table_names())
    # DELETE rather than the TRUNCATE of sql_flush: PostgreSQL refuses TRUNCATE on a table with
    # pending deferred constraint checks in the same transaction, and foreign keys are deferred,
    # so the order of the tables does not matter.
    with connection.cursor() as cursor:
        for table in sorted(tables & existing):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608  # nosec B608


def _reset_sequences(using: str, loaded_models: set[type[models.Model]]) -> None:
    """Rows were inserted with their ids: move the id sequences past them (PostgreSQL)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), sorted(loaded_models, key=str))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _swap_media(staging: Path, media_root: Path) -> Path | None:
    """Put the staged files in place of the uploads folder; return where the old one went."""
    old: Path | None = None
    if media_root.exists():
        old = media_root.with_name(f".{media_root.name}.old-{secrets.token_hex(4)}")
        media_root.rename(old)
    try:
        staging.rename(media_root)
    except OSError:
        _unswap_media(old, media_root)
        raise
    return old


def _unswap_media(old: Path | None, media_root: Path) -> None:
    shutil.rmtree(media_root, ignore_errors=True)
    if old is not None and old.exists():
        old.rename(media_root)
