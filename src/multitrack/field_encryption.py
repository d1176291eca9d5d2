"""Encryption at rest of sensitive fields: the keys and the sealed envelope (AES-256-GCM).

A sealed value is stored as text::

    mt1:<key id>:<base64url(nonce (12 bytes) | ciphertext + tag (16 bytes))>

``mt1`` is the format version. The associated data binds the ciphertext to the version, the key
id and a *context*, ``app_label.model.field:pk``: a value copied to another row, another field or
another table fails authentication, exactly like a wrong key or a changed byte. Every failure
raises ``FieldDecryptionError``; nothing ever falls back to returning the stored text.

The plaintext is padded to a multiple of ``PAD_BYTES`` before sealing so the length of a short
value (a name, a phone number) shows only roughly.

Keys come from ``MULTITRACK_FIELD_KEYS`` (or ``MULTITRACK_FIELD_KEYS_FILE``), never from
``SECRET_KEY``: ``"k2:<base64 32 bytes>,k1:<base64 32 bytes>"``. The first key seals every new
value; the others are still accepted to open values sealed under them, until
``multitrack rotate_field_keys`` has moved everything to the first one.

This module knows nothing of models; ``multitrack.encrypted_fields`` puts it under Django fields.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from multitrack.env import ConfigurationError, envstr

VERSION = "mt1"
KEYS_ENV = "MULTITRACK_FIELD_KEYS"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
PAD_BYTES = 32
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_ENVELOPE = re.compile(rf"{VERSION}:(?P<key_id>[A-Za-z0-9_-]{{1,32}}):(?P<body>[A-Za-z0-9_-]+)")

FieldKeys = tuple[tuple[str, bytes], ...]


class FieldDecryptionError(Exception):
    """A stored value could not be opened: wrong or missing key, tampered, moved, or not sealed.

    The message names the context (model, field, row) and the key id, never any content.
    """


# --- keys -------------------------------------------------------------------------------------


def field_key_generate(key_id: str) -> str:
    """A new random 256-bit key as ``key_id:base64``, one entry of MULTITRACK_FIELD_KEYS."""
    if not KEY_ID.fullmatch(key_id):
        raise ConfigurationError(
            "A key id is 1 to 32 letters, digits, '-' or '_' (e.g. k2 or 2026-11)."
        )
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode('ascii')}"


def field_keys_parse(value: str) -> FieldKeys:
    """Parse ``"k2:base64,k1:base64"`` into ((key id, key), ...), the current key first.

    Anything doubtful is a ConfigurationError naming the problem (never the key itself).
    """
    entries = [entry.strip() for entry in value.replace("\n", ",").split(",") if entry.strip()]
    if not entries:
        raise ConfigurationError(f"{KEYS_ENV} holds no key.")
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(entries, start=1):
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not colon or not KEY_ID.fullmatch(key_id):
            raise ConfigurationError(
                f"{KEYS_ENV}: entry {position} must look like 'k1:<base64 key>' with a key id of "
                "1 to 32 letters, digits, '-' or '_'."
            )
        try:
            key = base64.b64decode(
                encoded.strip().replace("-", "+").replace("_", "/"), validate=True
            )
        except (binascii.Error, ValueError):
            raise ConfigurationError(
                f"{KEYS_ENV}: the key {key_id!r} is not valid base64."
            ) from None
        if len(key) != KEY_BYTES:
            raise ConfigurationError(
                f"{KEYS_ENV}: the key {key_id!r} must decode to {KEY_BYTES} bytes (256 bits), "
                f"not {len(key)}."
            )
        if any(key_id == known for known, _ in keys):
            raise ConfigurationError(f"{KEYS_ENV}: the key id {key_id!r} is given twice.")
        if any(key == known for _, known in keys):
            raise ConfigurationError(f"{KEYS_ENV}: the key {key_id!r} repeats another key.")
        keys.append((key_id, key))
    return tuple(keys)


def field_keys_from_environment(*, keep_in: Path | None) -> FieldKeys:
    """The field keys from MULTITRACK_FIELD_KEYS (or _FILE).

    In development (``keep_in`` set) a key is generated once and kept, private, in that file,
    as the development SECRET_KEY is. In production (``keep_in=None``) a missing key stops the
    server from starting: nothing confidential may be written under a key nobody chose.
    """
    try:
        value = envstr(KEYS_ENV)
    except OSError as error:
        raise ConfigurationError(f"{KEYS_ENV}_FILE cannot be read: {error.strerror}.") from None
    if value:
        return field_keys_parse(value)
    if keep_in is None:
        raise ConfigurationError(
            f"{KEYS_ENV} (or {KEYS_ENV}_FILE) must be set in production: a key made by "
            "`multitrack generate_field_key`."
        )
    if not keep_in.exists():
        keep_in.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: two processes starting at once (test workers)
        # never see a half-written file, and the first one's key is the one both keep.
        temporary = keep_in.with_name(f".{keep_in.name}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.write(field_key_generate("dev1") + "\n")
            os.link(temporary, keep_in)
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    return field_keys_parse(keep_in.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Keyring:
    """The configured keys: ``current`` seals, every key in ``keys`` opens."""

    current_id: str
    keys: dict[str, AESGCM]

    @classmethod
    def from_keys(cls, keys: Iterable[tuple[str, bytes]]) -> Keyring:
        pairs = list(keys)
        if not pairs:
            raise ConfigurationError(f"{KEYS_ENV} holds no key.")
        return cls(current_id=pairs[0][0], keys={key_id: AESGCM(key) for key_id, key in pairs})


@functools.lru_cache(maxsize=8)
def _keyring_for(keys: FieldKeys) -> Keyring:
    return Keyring.from_keys(keys)


def keyring() -> Keyring:
    """The keyring of the running settings (read each call, so tests can change the keys)."""
    from django.conf import settings

    keys = getattr(settings, "MULTITRACK_FIELD_KEYS", None)
    if not keys:
        raise ConfigurationError(f"{KEYS_ENV} is not configured.")
    return _keyring_for(tuple((str(key_id), bytes(key)) for key_id, key in keys))


# --- the envelope -------------------------------------------------------------------------------


def _associated_data(key_id: str, context: str) -> bytes:
    return f"multitrack-field|{VERSION}|{key_id}|{context}".encode()


def _pad(data: bytes) -> bytes:
    # ISO/IEC 7816-4: a 0x80 marker, then zeros up to the next multiple of PAD_BYTES.
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % PAD_BYTES)


def _unpad(data: bytes, context: str) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise FieldDecryptionError(f"{context}: the decrypted value has no valid padding.")
    return stripped[:-1]


def seal(plaintext: bytes, *, context: str, ring: Keyring | None = None) -> str:
    """Encrypt ``plaintext`` for ``context`` (``app.model.field:pk``) under the current key."""
    ring = ring or keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    aead = ring.keys[ring.current_id]
    sealed = aead.encrypt(nonce, _pad(plaintext), _associated_data(ring.current_id, context))
    body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{VERSION}:{ring.current_id}:{body}"


def envelope_key_id(envelope: str) -> str | None:
    """The key id an envelope names, or None if the text is not an envelope of this version."""
    match = _ENVELOPE.fullmatch(envelope) if isinstance(envelope, str) else None
    return match.group("key_id") if match else None


def unseal(envelope: str, *, context: str, ring: Keyring | None = None) -> bytes:
    """The plaintext sealed in ``envelope`` for ``context``; FieldDecryptionError otherwise."""
    ring = ring or keyring()
    match = _ENVELOPE.fullmatch(envelope) if isinstance(envelope, str) else None
    if match is None:
        raise FieldDecryptionError(
            f"{context}: the stored value is not an encrypted value of format {VERSION}."
        )
    key_id = match.group("key_id")
    aead = ring.keys.get(key_id)
    if aead is None:
        raise FieldDecryptionError(
            f"{context}: the value is encrypted under key {key_id!r}, which is not configured "
            f"in {KEYS_ENV}."
        )
    body = match.group("body")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise FieldDecryptionError(f"{context}: the stored value is damaged.") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise FieldDecryptionError(f"{context}: the stored value is too short.")
    try:
        padded = aead.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id, context)
        )
    except InvalidTag:
        raise FieldDecryptionError(
            f"{context}: the value fails authentication under key {key_id!r} (a wrong key, a "
            "changed byte, or a value moved from another row or field)."
        ) from None
    return _unpad(padded, context)
