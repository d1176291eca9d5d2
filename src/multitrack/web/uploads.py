"""Uploaded files: a size cap while the request is read, content checks, names, a folder quota.

Every upload (CSV imports, Pol.is exports, meeting attachments) passes
:class:`SizeLimitedUploadHandler` first (``FILE_UPLOAD_HANDLERS``): a file part larger than the
largest upload any form accepts is dropped while it arrives, so no request can fill the
temporary folder, and the view can say why the file is missing (:func:`upload_was_refused`).

What a file *is* is read from its first bytes and, for office documents, from the zip's own
content declaration: never from its name or from the type the browser sent.

:func:`file_store` writes a file into the upload folder all or nothing: under a lock, after
checking the folder's quota, through a temporary file that is renamed into place only once
every byte is on disk. A full disk (ENOSPC, EDQUOT) or any other write error leaves no file.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

_REFUSED_ATTRIBUTE = "_multitrack_refused_uploads"
LOCK_NAME = ".quota.lock"
INCOMING_PREFIX = ".incoming-"


# --- the size cap while the request is read ---------------------------------------------------


def request_file_max_bytes() -> int:
    """The largest file part any form accepts (the handler drops larger ones as they arrive)."""
    return max(
        settings.MULTITRACK_UPLOAD_MAX_BYTES,
        settings.MULTITRACK_IMPORT_MAX_BYTES,
        settings.MULTITRACK_POLIS_IMPORT_MAX_BYTES,
    )


class SizeLimitedUploadHandler(FileUploadHandler):
    """Drops a file part once it passes the largest size any form accepts; remembers which."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = request_file_max_bytes()
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                refused: set[str] = getattr(self.request, _REFUSED_ATTRIBUTE, set())
                refused.add(self.field_name)
                setattr(self.request, _REFUSED_ATTRIBUTE, refused)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) makes the file


def upload_was_refused(request: HttpRequest, field_name: str) -> bool:
    """Whether the file sent as ``field_name`` was dropped for being too large."""
    _ = request.FILES  # the body is read (and files dropped) on first use
    return field_name in getattr(request, _REFUSED_ATTRIBUTE, set())


def size_in_words(byte_count: int) -> str:
    """``10 MiB``, ``512 KiB``, ``300 bytes``: for messages."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if byte_count >= size:
            value = byte_count / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{byte_count} bytes"


# --- what a file is -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    """A kind of file the upload folder accepts."""

    label: str
    content_type: str
    extensions: tuple[str, ...]

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileKind("PDF document", "application/pdf", (".pdf",))
PNG = FileKind("PNG image", "image/png", (".png",))
JPEG = FileKind("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileKind(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileKind(
    "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
ODT = FileKind("OpenDocument text", "application/vnd.oasis.opendocument.text", (".odt",))
TEXT = FileKind("plain text", "text/plain", (".txt",))
CSV = FileKind("CSV table", "text/csv", (".csv",))
KINDS = (PDF, PNG, JPEG, DOCX, XLSX, ODT, TEXT, CSV)

# Office Open XML: the content type [Content_Types].xml gives the main part, and that part.
_OOXML_MAIN = {
    DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "word/document.xml",
    ),
    XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "xl/workbook.xml",
    ),
}
_ZIP_MAGIC = b"PK\x03\x04"
_DECLARATION_MAX_BYTES = 256 * 1024  # a [Content_Types].xml or mimetype entry is far smaller
# Text: printable characters, tabs and line ends; no other C0 control (NUL marks binary files).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def allowed_kinds_in_words() -> str:
    """The accepted kinds, for messages and the upload form's help text."""
    return "PDF, Word (.docx), Excel (.xlsx), OpenDocument text (.odt), PNG, JPEG, plain text, CSV"


def detect_kind(file: IO[bytes] | File, *, name: str) -> FileKind | None:
    """What the file's content is, among :data:`KINDS`; None if it is none of them.

    ``name`` only tells CSV from plain text, whose content is the same; it never makes a file
    count as a kind its bytes are not.
    """
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_ZIP_MAGIC):
        return _office_kind(file)
    if _is_utf8_text(file):
        return CSV if PurePath(name).suffix.lower() == ".csv" else TEXT
    return None


def _zip_entry(bundle: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = bundle.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _DECLARATION_MAX_BYTES:
        return None
    # zipfile stops at the declared size, so a lying entry cannot inflate past it.
    return bundle.read(info)


def _office_kind(file: IO[bytes] | File) -> FileKind | None:
    try:
        with zipfile.ZipFile(cast(IO[bytes], file)) as bundle:
            mimetype = _zip_entry(bundle, "mimetype")
            if mimetype is not None:
                is_odt = mimetype.strip() == ODT.content_type.encode()
                return ODT if is_odt and _zip_entry(bundle, "content.xml") is not None else None
            declaration = _zip_entry(bundle, "[Content_Types].xml")
            if declaration is None:
                return None
            for kind, (main_type, part) in _OOXML_MAIN.items():
                # Exactly this main part: a macro-enabled .docm/.xlsm declares another type.
                if f'ContentType="{main_type}"'.encode() in declaration and part in set(
                    bundle.namelist()
                ):
                    return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    finally:
        file.seek(0)
    return None


def _is_utf8_text(file: IO[bytes] | File) -> bool:
    # The whole file must decode: a stray binary byte near the end is still a binary file.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        for block in iter(lambda: file.read(64 * 1024), b""):
            if _CONTROL.search(decoder.decode(block)):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


# --- names ----------------------------------------------------------------------------------------

_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
NAME_MAX_CHARACTERS = 150


def sanitise_file_name(name: str, *, kind: FileKind) -> str:
    """The user's file name, made safe to show and to offer as a download name.

    No folders, no control or reserved characters, no leading dots, at most
    ``NAME_MAX_CHARACTERS`` characters, and an extension of the file's real kind.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"\s+", " ", unicodedata.normalize("NFC", base))
    # Bidirectional overrides can make "report\u202efdp.exe" read as "report.exe.pdf".
    base = "".join(c for c in base if unicodedata.category(c) not in {"Cf", "Cc", "Cs", "Co"})
    base = _UNSAFE_IN_NAME.sub("_", base).strip().lstrip(".").strip()
    stem, suffix = os.path.splitext(base)
    if suffix.lower() not in kind.extensions:
        stem, suffix = base, kind.extension
    stem = stem[: NAME_MAX_CHARACTERS - len(suffix)].rstrip() or "attachment"
    return stem + suffix.lower()


def name_matches_kind(name: str, kind: FileKind) -> bool:
    """Whether the file name's extension is one of the kind's."""
    return PurePath(name).suffix.lower() in kind.extensions


# --- storing under a quota ------------------------------------------------------------------------


class UploadFolderError(Exception):
    """A file could not be stored; the message is meant for the person uploading."""


def folder_usage(root: Path) -> int:
    """Bytes held by the regular files under ``root`` (symbolic links are not followed)."""
    total = 0
    for directory, _subdirectories, files in os.walk(root):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                stat = os.lstat(os.path.join(directory, name))
                total += stat.st_size
    return total


@contextlib.contextmanager
def _folder_lock(root: Path) -> Iterator[None]:
    """One writer at a time per upload folder (across processes), so quota checks hold."""
    descriptor = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


STALE_INCOMING_SECONDS = 24 * 60 * 60


def _remove_stale_incoming(folder: Path) -> None:
    """Half-written files of a process that died mid-upload: they have no row and never will."""
    cutoff = time.time() - STALE_INCOMING_SECONDS
    for path in folder.glob(f"{INCOMING_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            if path.lstat().st_mtime < cutoff:
                path.unlink()


@dataclass(frozen=True)
class StoredFile:
    """Where a file went (relative to the upload folder), its size and its SHA-256."""

    name: str
    size_bytes: int
    sha256: str


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _refusal_for(error: OSError) -> UploadFolderError:
    if error.errno in _FULL_ERRNOS:
        return UploadFolderError(
            "The upload folder is full, so the file was not saved. Nothing was changed; ask "
            "the administrator to free space."
        )
    return UploadFolderError(
        "The file could not be written to the upload folder, so it was not saved. Nothing was "
        "changed; ask the administrator to check the folder."
    )


def file_store(
    *, chunks: Iterable[bytes], size_bytes: int, folder: str, extension: str
) -> StoredFile:
    """Write ``chunks`` to a new, randomly named file under ``MEDIA_ROOT/folder``.

    All or nothing: raises UploadFolderError (and leaves no file) when the upload folder's
    quota (``MULTITRACK_UPLOAD_QUOTA_BYTES``, 0 for none) would be passed, or when writing
    fails, the disk being full included.
    """
    root = Path(settings.MEDIA_ROOT)
    quota = settings.MULTITRACK_UPLOAD_QUOTA_BYTES
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        (root / folder).mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise _refusal_for(error) from None
    relative = f"{folder}/{secrets.token_hex(16)}{extension}"
    final = root / relative
    temporary = root / folder / f"{INCOMING_PREFIX}{secrets.token_hex(8)}"
    try:
        with _folder_lock(root):
            _remove_stale_incoming(root / folder)
            if quota and folder_usage(root) + size_bytes > quota:
                raise UploadFolderError(
                    f"The upload folder holds at most {size_in_words(quota)}, and this file "
                    "would pass that, so it was not saved. Nothing was changed; remove "
                    "attachments that are no longer needed, or ask the administrator for more "
                    "room."
                )
            digest = hashlib.sha256()
            written = 0
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.rename(temporary, final)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _refusal_for(error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return StoredFile(name=relative, size_bytes=written, sha256=digest.hexdigest())
