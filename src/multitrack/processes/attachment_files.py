"""Meeting attachment files on disk, encrypted at rest (docs/decisions/0003-encryption-at-rest.md).

Each file is sealed with AES-256-GCM under the field keys (``multitrack.file_encryption``), in
chunks bound to the attachment's id: ``processes.meetingattachment.file:<pk>``. Here:

* storing a new file (sealed while it is written, under the upload folder's quota);
* reading one back for a download, checked whole (and against its recorded size and SHA-256)
  before the first byte goes out;
* re-encrypting files under the current key (``multitrack rotate_field_keys``), which also seals
  a file stored before encryption at rest, and counting files per key (``--check``);
* checking the files of a restored backup before it replaces anything.

Rewriting a file is always: write a new file beside it, flush it to disk, rename it over the old
one, flush the folder. A crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F

from multitrack.field_encryption import Keyring, keyring
from multitrack.file_encryption import (
    CHUNK_BYTES,
    FileDecryptionError,
    open_stream,
    seal_stream,
    sealed_file_check,
    sealed_header,
    sealed_size,
)
from multitrack.web.uploads import INCOMING_PREFIX, file_store

LABEL = "processes.meetingattachment"
FILE_LABEL = f"{LABEL}.file"
FOLDER = "attachments"
# Not the kind of file (a .pdf would say what the content is): the record keeps that.
SEALED_EXTENSION = ".sealed"
NOT_ENCRYPTED = "(not encrypted)"
DAMAGED = "(damaged header)"


def file_context(pk: Any) -> str:
    """The associated data naming one attachment's file: ``processes.meetingattachment.file:pk``."""
    return f"{FILE_LABEL}:{pk}"


# --- storing --------------------------------------------------------------------------------------


class _Measured:
    """Passes chunks through, counting their bytes and their SHA-256."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.size_bytes = 0
        self._digest = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.size_bytes += len(chunk)
            self._digest.update(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


@dataclass(frozen=True)
class StoredAttachmentFile:
    """A sealed file in the upload folder, and the size and SHA-256 of its plaintext."""

    name: str
    size_bytes: int
    sha256: str


def attachment_file_store(
    *, pk: int, chunks: Iterable[bytes], size_bytes: int
) -> StoredAttachmentFile:
    """Seal ``chunks`` (``size_bytes`` of plaintext) for attachment ``pk`` into a new file.

    All or nothing, under the folder's quota (``web.uploads.file_store``): UploadFolderError
    leaves no file.
    """
    ring = keyring()
    measured = _Measured(chunks)
    stored = file_store(
        chunks=seal_stream(measured, context=file_context(pk), ring=ring),
        size_bytes=sealed_size(size_bytes, key_id=ring.current_id),
        folder=FOLDER,
        extension=SEALED_EXTENSION,
    )
    return StoredAttachmentFile(
        name=stored.name, size_bytes=measured.size_bytes, sha256=measured.sha256
    )


# --- reading --------------------------------------------------------------------------------------


def _mismatch(context: str) -> FileDecryptionError:
    return FileDecryptionError(
        f"{context}: the decrypted file does not match the size and SHA-256 recorded when it "
        "was uploaded."
    )


class AttachmentContent:
    """The plaintext of an attachment's file as an iterator of chunks; ``close()`` closes the
    file (a streaming response calls it when done)."""

    def __init__(self, handle: IO[bytes], *, context: str, ring: Keyring) -> None:
        self._handle = handle
        self._chunks = open_stream(handle, context=context, ring=ring)

    def __iter__(self) -> AttachmentContent:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()
        self._handle.close()


def attachment_file_read(attachment: Any) -> AttachmentContent:
    """The plaintext of an attachment's file, in chunks.

    The whole file is read and authenticated first, so a damaged, truncated, swapped file or
    one under a key not configured raises FileDecryptionError before anything is returned
    (FileNotFoundError if it is missing). The stream then decrypts it again as it goes; if the
    file changes in between, the stream stops at the first chunk that fails.
    """
    context = file_context(attachment.pk)
    ring = keyring()
    handle = default_storage.open(attachment.file.name, "rb")
    try:
        check = sealed_file_check(handle, context=context, ring=ring)
        if (check.size_bytes, check.sha256) != (attachment.size_bytes, attachment.sha256):
            raise _mismatch(context)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return AttachmentContent(handle, context=context, ring=ring)


# --- re-encrypting --------------------------------------------------------------------------------


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _rewrite(path: Path, pieces: Iterable[bytes]) -> None:
    """Write ``pieces`` to a new file beside ``path``, then put it in place of ``path``."""
    temporary = path.with_name(f"{INCOMING_PREFIX}{secrets.token_hex(8)}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            for piece in pieces:
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _plain_chunks(source: IO[bytes]) -> Iterator[bytes]:
    yield from iter(lambda: source.read(CHUNK_BYTES), b"")


def attachment_file_reseal(
    *, name: str, pk: Any, size_bytes: int, sha256: str, ring: Keyring | None = None
) -> bool:
    """Seal attachment ``pk``'s file ``name`` again under the current key, if it is under
    another key or not encrypted at all (stored before encryption at rest). Returns whether it
    was rewritten.

    The plaintext must match the recorded ``size_bytes`` and ``sha256``; otherwise, like any
    file that does not open, FileDecryptionError, and the file stays as it was.
    FileNotFoundError if it is missing; OSError (a full disk) leaves the old file in place.
    """
    ring = ring or keyring()
    context = file_context(pk)
    path = Path(default_storage.path(name))
    with path.open("rb") as source:
        header = sealed_header(source, context=context)
        source.seek(0)
        if header is not None and header.key_id == ring.current_id:
            return False
        plaintext = (
            _plain_chunks(source)
            if header is None
            else open_stream(source, context=context, ring=ring)
        )
        measured = _Measured(plaintext)
        checked = _checked(measured, size_bytes=size_bytes, sha256=sha256, context=context)
        _rewrite(path, seal_stream(checked, context=context, ring=ring))
    return True


def _checked(measured: _Measured, *, size_bytes: int, sha256: str, context: str) -> Iterator[bytes]:
    # The check runs before the sealed stream's final chunk is written, so a mismatch leaves
    # only the temporary file, which _rewrite removes.
    yield from measured
    if (measured.size_bytes, measured.sha256) != (size_bytes, sha256):
        raise _mismatch(context)


def attachment_file_check(
    *, name: str, pk: Any, size_bytes: int, sha256: str, ring: Keyring | None = None
) -> None:
    """Check that attachment ``pk``'s file, sealed or not yet encrypted, opens and matches its
    recorded size and SHA-256; FileDecryptionError if not, FileNotFoundError if missing."""
    ring = ring or keyring()
    context = file_context(pk)
    with default_storage.open(name, "rb") as source:
        header = sealed_header(source, context=context)
        source.seek(0)
        if header is None:
            measured = _Measured(_plain_chunks(source))
            for _chunk in measured:
                pass
            found = (measured.size_bytes, measured.sha256)
        else:
            check = sealed_file_check(source, context=context, ring=ring)
            found = (check.size_bytes, check.sha256)
    if found != (size_bytes, sha256):
        raise _mismatch(context)


def attachment_file_unseal(*, name: str, pk: Any, ring: Keyring | None = None) -> bool:
    """Write an attachment's file back in plaintext (migrating back to before encryption at
    rest). Returns whether it was rewritten (False if it already is plaintext)."""
    ring = ring or keyring()
    context = file_context(pk)
    path = Path(default_storage.path(name))
    with path.open("rb") as source:
        header = sealed_header(source, context=context)
        source.seek(0)
        if header is None:
            return False
        _rewrite(path, open_stream(source, context=context, ring=ring))
    return True


# --- rotation and its census ---------------------------------------------------------------------


@dataclass
class FileCensus:
    """How many attachment files are under each key id (or not encrypted), and which are
    missing from the upload folder."""

    current_id: str
    by_key: dict[str, int] = field(default_factory=dict)
    missing: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_key.values())

    @property
    def outdated(self) -> int:
        return sum(n for key_id, n in self.by_key.items() if key_id != self.current_id)


def _attachment_model() -> Any:
    from multitrack.processes.models import MeetingAttachment

    return MeetingAttachment


def attachment_files_census() -> FileCensus:
    """Count the attachment files per key id, reading only their headers."""
    census = FileCensus(current_id=keyring().current_id)
    rows = _attachment_model()._base_manager.order_by("pk").values_list("pk", "file")
    for pk, name in rows.iterator(chunk_size=2000):
        try:
            with default_storage.open(name, "rb") as source:
                header = sealed_header(source, context=file_context(pk))
        except FileNotFoundError:
            census.missing.append(pk)
            continue
        except FileDecryptionError:
            key_id = DAMAGED
        else:
            key_id = header.key_id if header is not None else NOT_ENCRYPTED
        census.by_key[key_id] = census.by_key.get(key_id, 0) + 1
    return census


@dataclass(frozen=True)
class FileRotationProgress:
    """One batch of attachments done: how far, and how many files were sealed again."""

    files_done: int
    files_total: int
    files_rotated: int
    missing: tuple[int, ...] = ()


def attachment_files_rotate(
    *,
    batch_size: int = 200,
    on_progress: Callable[[FileRotationProgress], None] | None = None,
) -> int:
    """Seal again, under the current key, every attachment file under another key or not
    encrypted. Returns how many files were rewritten.

    One transaction per file, holding the attachment's row (an UPDATE locks it on PostgreSQL and
    takes the writer lock on SQLite) until the new file is in place, so a removal meanwhile
    waits and never leaves a file behind. Files already under the current key are skipped (read
    by their header only), so an interrupted run resumes. Missing files are skipped and
    reported. Raises FileDecryptionError on a file that does not open.
    """
    model = _attachment_model()
    ring = keyring()
    pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
    rotated_total = 0
    for start in range(0, len(pks), batch_size):
        batch = pks[start : start + batch_size]
        rotated = 0
        missing: list[int] = []
        for pk in batch:
            with transaction.atomic():
                if not model._base_manager.filter(pk=pk).update(file=F("file")):
                    continue  # removed meanwhile
                attachment = model._base_manager.get(pk=pk)
                try:
                    changed = attachment_file_reseal(
                        name=attachment.file.name,
                        pk=pk,
                        size_bytes=attachment.size_bytes,
                        sha256=attachment.sha256,
                        ring=ring,
                    )
                except FileNotFoundError:
                    missing.append(pk)
                    continue
                rotated += changed
        rotated_total += rotated
        if on_progress is not None:
            on_progress(
                FileRotationProgress(
                    files_done=start + len(batch),
                    files_total=len(pks),
                    files_rotated=rotated,
                    missing=tuple(missing),
                )
            )
    return rotated_total


# --- restoring a backup --------------------------------------------------------------------------


def attachment_files_verify(*, root: Path, using: str = DEFAULT_DB_ALIAS) -> int:
    """Check that every attachment file under ``root`` (a restored upload folder, not yet in
    place) opens with the configured keys for its attachment and matches its record.

    Raises FileDecryptionError naming the first that does not; files missing from ``root`` are
    left to the download's "missing" answer. Returns how many files were checked.
    """
    ring = keyring()
    checked = 0
    base = root.resolve()
    rows = _attachment_model()._base_manager.using(using).order_by("pk")
    for attachment in rows.iterator(chunk_size=500):
        path = (root / attachment.file.name).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            continue
        context = file_context(attachment.pk)
        with path.open("rb") as source:
            check = sealed_file_check(source, context=context, ring=ring)
        if (check.size_bytes, check.sha256) != (attachment.size_bytes, attachment.sha256):
            raise _mismatch(context)
        checked += 1
    return checked
