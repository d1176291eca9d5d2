"""Files encrypted at rest under the field keys: AES-256-GCM, in chunks, each bound to its record.

A sealed file is a header followed by chunks, like a backup archive (``multitrack.backups``)::

    header = MAGIC (8) | format version (1) | key id length (1) | key id (ASCII) | file id (16)
    chunk  = is_final (1) | ciphertext length (4, big-endian) | nonce (12) | ciphertext + tag

Each chunk holds at most ``CHUNK_BYTES`` of plaintext, sealed under a fresh random nonce with the
key named in the header (one of ``MULTITRACK_FIELD_KEYS``, see ``multitrack.field_encryption``).
Its associated data is the whole header (so the key id and the random file id), a *context*
naming the record the file belongs to (``app_label.model.field:pk``, as for fields), the chunk's
index and its ``is_final`` flag. So a changed byte anywhere, chunks reordered, dropped, mixed
from two sealings of the same file, the file cut off after any chunk but the final one, or a
file moved to another record all fail to open, exactly like a wrong key. Every failure raises
``FileDecryptionError`` naming the context and the key id, never any content.

Reading is streamed too, and a chunk is only returned once it is authenticated; a caller that
must not send a partial file (a download) reads the file through once to check it
(:func:`sealed_file_check`) before streaming it.

This module knows nothing of models; ``multitrack.processes.attachment_files`` uses it for
meeting attachments.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from cryptography.exceptions import InvalidTag

from multitrack.field_encryption import (
    KEY_ID,
    KEYS_ENV,
    NONCE_BYTES,
    TAG_BYTES,
    FieldDecryptionError,
    Keyring,
    keyring,
)

MAGIC = b"MTSEALED"
FORMAT_VERSION = 1
FILE_ID_BYTES = 16
CHUNK_BYTES = 64 * 1024
_FIXED_HEADER = struct.Struct(">8sBB")
_CHUNK_PREFIX = struct.Struct(">?I")
CHUNK_OVERHEAD = _CHUNK_PREFIX.size + NONCE_BYTES + TAG_BYTES


class FileDecryptionError(FieldDecryptionError):
    """A sealed file could not be opened: wrong or missing key, tampered, truncated, moved, or
    not a sealed file at all. The message names the context and the key id, never content."""


@dataclass(frozen=True)
class SealedHeader:
    """The start of a sealed file: which key sealed it, and the header's bytes as written."""

    key_id: str
    raw: bytes


def sealed_size(plaintext_bytes: int, *, key_id: str) -> int:
    """How many bytes a file of ``plaintext_bytes`` takes once sealed under ``key_id``."""
    chunks = max(1, -(-plaintext_bytes // CHUNK_BYTES))
    header = _FIXED_HEADER.size + len(key_id.encode("ascii")) + FILE_ID_BYTES
    return header + chunks * CHUNK_OVERHEAD + plaintext_bytes


def _associated_data(header: bytes, context: str, index: int, is_final: bool) -> bytes:
    encoded = context.encode()
    return (
        b"multitrack-file|"
        + header
        + struct.pack(">H", len(encoded))
        + encoded
        + struct.pack(">Q?", index, is_final)
    )


def seal_stream(
    chunks: Iterable[bytes], *, context: str, ring: Keyring | None = None
) -> Iterator[bytes]:
    """The sealed form of the plaintext ``chunks`` (any sizes), for ``context``, under the
    current key: the header first, then one piece per sealed chunk."""
    ring = ring or keyring()
    key_id = ring.current_id.encode("ascii")
    header = (
        _FIXED_HEADER.pack(MAGIC, FORMAT_VERSION, len(key_id))
        + key_id
        + secrets.token_bytes(FILE_ID_BYTES)
    )
    aead = ring.keys[ring.current_id]
    yield header
    buffer = bytearray()
    index = 0

    def sealed(plaintext: bytes, is_final: bool) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = aead.encrypt(
            nonce, plaintext, _associated_data(header, context, index, is_final)
        )
        return _CHUNK_PREFIX.pack(is_final, len(ciphertext)) + nonce + ciphertext

    for chunk in chunks:
        buffer += chunk
        # Strictly more than a chunk: the final chunk holds the last bytes (never an empty
        # chunk after a full one), so the sealed size is known in advance (sealed_size).
        while len(buffer) > CHUNK_BYTES:
            yield sealed(bytes(buffer[:CHUNK_BYTES]), False)
            del buffer[:CHUNK_BYTES]
            index += 1
    yield sealed(bytes(buffer), True)


def sealed_header(source: IO[bytes], *, context: str) -> SealedHeader | None:
    """The header of the sealed file ``source`` (read from its current position), or None if
    the file does not start like a sealed file (a file stored before encryption at rest)."""
    fixed = source.read(_FIXED_HEADER.size)
    if len(fixed) < _FIXED_HEADER.size or not fixed.startswith(MAGIC):
        return None
    _magic, version, key_id_length = _FIXED_HEADER.unpack(fixed)
    if version != FORMAT_VERSION:
        raise FileDecryptionError(
            f"{context}: the file has format version {version}; this Multitrack reads version "
            f"{FORMAT_VERSION} only."
        )
    rest = source.read(key_id_length + FILE_ID_BYTES)
    if len(rest) != key_id_length + FILE_ID_BYTES:
        raise FileDecryptionError(f"{context}: the file is truncated (its header is cut off).")
    try:
        key_id = rest[:key_id_length].decode("ascii")
    except UnicodeDecodeError:
        key_id = ""
    if not KEY_ID.fullmatch(key_id):
        raise FileDecryptionError(f"{context}: the file's header is damaged (a bad key id).")
    return SealedHeader(key_id=key_id, raw=fixed + rest)


def _read_exactly(source: IO[bytes], size: int, context: str) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise FileDecryptionError(
            f"{context}: the file is truncated (it ends before its last chunk)."
        )
    return data


def open_stream(
    source: IO[bytes], *, context: str, ring: Keyring | None = None
) -> Generator[bytes, None, None]:
    """The plaintext of the sealed file ``source``, chunk by chunk, each one authenticated
    before it is returned; FileDecryptionError on anything wrong (see the module docstring)."""
    ring = ring or keyring()
    header = sealed_header(source, context=context)
    if header is None:
        raise FileDecryptionError(f"{context}: the file is not encrypted (no sealed-file header).")
    aead = ring.keys.get(header.key_id)
    if aead is None:
        raise FileDecryptionError(
            f"{context}: the file is encrypted under key {header.key_id!r}, which is not "
            f"configured in {KEYS_ENV}."
        )
    index = 0
    while True:
        prefix = source.read(_CHUNK_PREFIX.size)
        if len(prefix) != _CHUNK_PREFIX.size:
            raise FileDecryptionError(
                f"{context}: the file is truncated (it ends before its last chunk)."
            )
        is_final, length = _CHUNK_PREFIX.unpack(prefix)
        if not TAG_BYTES <= length <= CHUNK_BYTES + TAG_BYTES:
            raise FileDecryptionError(f"{context}: the file is damaged (a bad chunk length).")
        nonce = _read_exactly(source, NONCE_BYTES, context)
        ciphertext = _read_exactly(source, length, context)
        try:
            plaintext = aead.decrypt(
                nonce, ciphertext, _associated_data(header.raw, context, index, is_final)
            )
        except InvalidTag:
            raise FileDecryptionError(
                f"{context}: chunk {index} of the file fails authentication under key "
                f"{header.key_id!r} (a wrong key, a changed byte, chunks moved, or a file moved "
                "from another record)."
            ) from None
        yield plaintext
        if is_final:
            break
        index += 1
    if source.read(1):
        raise FileDecryptionError(f"{context}: the file has bytes after its final chunk.")


@dataclass(frozen=True)
class FileCheck:
    """What reading a whole sealed file through found: its plaintext size and SHA-256."""

    size_bytes: int
    sha256: str
    key_id: str


def sealed_file_check(source: IO[bytes], *, context: str, ring: Keyring | None = None) -> FileCheck:
    """Read the sealed file ``source`` through (from its current position) and authenticate
    every chunk, keeping nothing; FileDecryptionError if any chunk fails."""
    start = source.tell()
    header = sealed_header(source, context=context)
    source.seek(start)
    digest = hashlib.sha256()
    size = 0
    for chunk in open_stream(source, context=context, ring=ring):
        digest.update(chunk)
        size += len(chunk)
    return FileCheck(
        size_bytes=size, sha256=digest.hexdigest(), key_id=header.key_id if header else ""
    )
