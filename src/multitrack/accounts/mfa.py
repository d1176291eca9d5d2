"""Two-step sign-in: who needs it, what a user has set up, and what a session still owes.

After the password, a user who must (a convener in any process, staff, a superuser) or who chose
to (anyone with an authenticator app or a passkey) proves a second factor: a code from an
authenticator app (TOTP: ``accounts.models.AuthenticatorAppDevice``, a django-otp device whose
key is encrypted at rest), a passkey (WebAuthn, django-otp-webauthn, never without the password)
or a one-time recovery code. ``TwoStepSignInMiddleware`` keeps the session on the
two-step pages until then. Writes live in ``mfa_services``.
"""

from __future__ import annotations

import enum
from typing import Any

import segno
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.safestring import SafeString, mark_safe
from django_otp_webauthn.models import WebAuthnCredential

from multitrack.accounts.access import roles_of
from multitrack.accounts.models import AuthenticatorAppDevice, RecoveryCodeDevice, Role

RECOVERY_CODE_COUNT = 10


class Step(enum.Enum):
    """What a signed-in session still has to do before it may see anything else."""

    NONE = "none"
    VERIFY = "verify"  # has a second factor: prove it
    ENROL = "enrol"  # must have one and has none: set one up


def mfa_required(user: Any) -> bool:
    """Whether the user must use two-step sign-in: conveners, staff and superusers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Role.CONVENER in roles_of(user).values()


def authenticator_apps(user: Any) -> QuerySet[Any]:
    """The user's confirmed authenticator apps (TOTP devices)."""
    return AuthenticatorAppDevice.objects.filter(user=user, confirmed=True).order_by("pk")


def passkeys(user: Any) -> QuerySet[Any]:
    """The user's confirmed passkeys."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")


def recovery_codes_of(user: Any) -> RecoveryCodeDevice | None:
    """The user's set of recovery codes, if any."""
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: Any) -> bool:
    """Whether the user has an authenticator app or a passkey (recovery codes alone are not one).

    One query, since the middleware asks on every request of a session not yet verified.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    apps = AuthenticatorAppDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    keys = WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True)
    return get_user_model().objects.filter(pk=user.pk).filter(Exists(apps) | Exists(keys)).exists()


def is_verified(user: Any) -> bool:
    """Whether this session passed two-step sign-in (django-otp's middleware tells)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def pending_step(user: Any) -> Step:
    """What the session of ``user`` (``request.user``) must still do: nothing, verify or enrol."""
    if not getattr(user, "is_authenticated", False) or is_verified(user):
        return Step.NONE
    if has_second_factor(user):
        return Step.VERIFY
    if mfa_required(user):
        return Step.ENROL
    return Step.NONE


def may_add_second_factor(user: Any) -> bool:
    """A new app or passkey needs a verified session, unless it is the user's first one:
    otherwise a stolen password alone could add the thief's own device."""
    return is_verified(user) or not has_second_factor(user)


def qr_code_svg(text: str, *, title: str) -> SafeString:
    """``text`` as a QR code in inline SVG, drawn here: no image service, no script, no style."""
    svg = segno.make(text, error="m").svg_inline(
        scale=4, title=title, svgclass="qr-code", lineclass=None, light="#fff"
    )
    # segno escapes the title and writes only paths from the encoded bits.
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


def grouped(text: str, size: int = 4) -> str:
    """``ABCDEFGH`` as ``ABCD EFGH``: easier to copy by hand."""
    return " ".join(text[i : i + size] for i in range(0, len(text), size))
