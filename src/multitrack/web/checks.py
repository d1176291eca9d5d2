"""Deployment checks Django's own ``check --deploy`` does not make (see docs/security.md).

Django 5.2 reports "no issues" for a site that keeps sessions for 14 days, names its cookies
without the ``__Host-`` prefix, hashes passwords with something weaker than Argon2, or sends no
Content Security Policy (Django 5.2 has none of its own; we use django-csp).
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


CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
UNSAFE_SCRIPT_SOURCES = {
    "'unsafe-inline'",
    "'unsafe-eval'",
    "*",
    "data:",
    "blob:",
    "http:",
    "https:",
}
# Keywords and schemes that name no other host. Hashes and nonces are quoted too.
OWN_ORIGIN_SOURCES = {"data:"}


def _directives() -> dict[str, Any]:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    return dict(policy.get("DIRECTIVES") or {})


def _sources(value: Any) -> list[Any]:
    if isinstance(value, bool):  # upgrade-insecure-requests and the like
        return []
    return [value] if isinstance(value, str) else list(value or [])


@register(Tags.security, deploy=True)
def check_content_security_policy(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """A strict CSP is sent: no inline or eval'd script, nothing from another host."""
    directives = _directives()
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE or not directives:
        return [
            Warning(
                f"No Content Security Policy: add {CSP_MIDDLEWARE} to MIDDLEWARE and set "
                "CONTENT_SECURITY_POLICY (see docs/security.md).",
                id="multitrack.W004",
            )
        ]
    warnings = []
    script_sources = _sources(directives.get("script-src", directives.get("default-src")))
    unsafe = sorted(UNSAFE_SCRIPT_SOURCES & {s for s in script_sources if isinstance(s, str)})
    if not script_sources or unsafe:
        warnings.append(
            Warning(
                f"The CSP's script-src allows {', '.join(unsafe) or 'anything'}; Multitrack runs "
                "only its own script files.",
                id="multitrack.W004",
            )
        )
    foreign = [
        f"{name} {source}"
        for name, value in directives.items()
        for source in _sources(value)
        # Quoted keywords, hashes and nonces name no host; django-csp's NONCE is not a string.
        if isinstance(source, str)
        and not source.startswith("'")
        and source not in OWN_ORIGIN_SOURCES
        # report-to names a group, not a place; a report-uri on this host is a path.
        and name != "report-to"
        and not (name == "report-uri" and source.startswith("/"))
    ]
    if foreign:
        warnings.append(
            Warning(
                f"The CSP lets pages load from other hosts: {'; '.join(foreign)}. Multitrack "
                "serves every asset itself and sends nothing to third parties.",
                id="multitrack.W005",
            )
        )
    return warnings
