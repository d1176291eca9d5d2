"""Deployment checks Django's own ``check --deploy`` does not make (see docs/security.md).

Django 5.2 reports "no issues" for a site that keeps sessions for 14 days, names its cookies
without the ``__Host-`` prefix, or hashes passwords with something weaker than Argon2.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

MAX_SESSION_SECONDS = 8 * 60 * 60


@register(Tags.security, deploy=True)
def check_sessions_and_cookies(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Sessions end within a working day; cookies are bound to the host."""
    warnings = []
    if settings.SESSION_COOKIE_AGE > MAX_SESSION_SECONDS:
        warnings.append(
            Warning(
                f"SESSION_COOKIE_AGE is {settings.SESSION_COOKIE_AGE} s; Multitrack keeps "
                f"sessions at most {MAX_SESSION_SECONDS} s (8 hours).",
                id="multitrack.W001",
            )
        )
    for name in ("SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME"):
        if not getattr(settings, name).startswith("__Host-"):
            warnings.append(
                Warning(
                    f"{name} should start with '__Host-' so the cookie is bound to this host.",
                    id="multitrack.W002",
                )
            )
    return warnings


@register(Tags.security, deploy=True)
def check_password_hashing(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """New passwords are hashed with Argon2."""
    if not settings.PASSWORD_HASHERS or "Argon2" not in settings.PASSWORD_HASHERS[0]:
        return [Warning("The first password hasher should be Argon2.", id="multitrack.W003")]
    return []
