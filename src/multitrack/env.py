"""Typed readers for settings taken from the environment (healthchecks-style).

Each reader also honours ``NAME_FILE``: the value is read from that file, which is how
container secrets and systemd credentials are usually handed over.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(RuntimeError):
    """A setting is missing or cannot be understood."""


def envstr(name: str, default: str | None = None) -> str | None:
    """The raw value of ``name`` (or of the file named by ``name``_FILE), else ``default``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, *, default: bool) -> bool:
    """A yes/no setting; anything but a clear yes or no is an error, never a guess."""
    value = envstr(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be one of yes/no, true/false, 1/0; got {value!r}")


def envint(name: str, *, default: int) -> int:
    """A whole-number setting."""
    value = envstr(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number; got {value!r}") from None


def envlist(name: str, *, default: list[str]) -> list[str]:
    """A comma-separated list setting."""
    value = envstr(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name: str, *, keep_in: Path | None) -> str:
    """A secret from the environment; in development, generated once and kept in ``keep_in``.

    With ``keep_in=None`` (production) a missing secret is a configuration error: a server
    must never start with a key nobody chose.
    """
    value = envstr(name)
    if value:
        return value
    if keep_in is None:
        raise ConfigurationError(f"{name} must be set in production (or {name}_FILE)")
    if keep_in.exists():
        return keep_in.read_text(encoding="utf-8").strip()
    keep_in.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(50)
    keep_in.write_text(generated, encoding="utf-8")
    keep_in.chmod(0o600)
    return generated
