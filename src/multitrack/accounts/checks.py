"""Checks that keep two-step sign-in what docs/security.md says it is."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

PASSKEY_BACKEND = "django_otp_webauthn.backends.WebAuthnBackend"


@register(Tags.security)
def check_passkeys_are_a_second_factor(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A passkey never signs anyone in without their password (django-otp-webauthn's default
    would let it); a convener's second factor must not become their only one."""
    errors = []
    if getattr(settings, "OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN", True):
        errors.append(
            Error(
                "OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN must be False: passkeys are a second "
                "factor in Multitrack, never a way to sign in without the password.",
                id="multitrack.E101",
            )
        )
    if PASSKEY_BACKEND in settings.AUTHENTICATION_BACKENDS:
        errors.append(
            Error(
                f"{PASSKEY_BACKEND} must not be in AUTHENTICATION_BACKENDS: it signs users in "
                "with a passkey alone.",
                id="multitrack.E102",
            )
        )
    return errors
