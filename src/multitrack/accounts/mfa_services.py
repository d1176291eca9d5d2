"""Writes for two-step sign-in: set up and remove a second factor, recovery codes, verification.

Every change is audited (``accounts.mfa.*``) by the kind of device and its id, never a code or a
secret. Reads and rules are in ``multitrack.accounts.mfa``.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token

from multitrack.accounts import mfa
from multitrack.accounts.audit import audit
from multitrack.accounts.models import (
    AuthenticatorAppDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    hash_recovery_code,
)

AUTHENTICATOR_APP_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
# Lower-case RFC 4648 base32 (a-z, 2-7: no 0, 1, 8 or 9 to mistake for o, l, b or g).
# 16 characters are 80 random bits.
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
RECOVERY_CODE_LENGTH = 16
# The unconfirmed authenticator app a browser session is setting up: its id, in that session.
PENDING_APP_SESSION_KEY = "multitrack_pending_authenticator_app"
# An authenticator app not confirmed within this long is deleted; its set-up starts again.
PENDING_APP_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Verification:
    """The outcome of a code: the device that accepted it, or why it was refused."""

    device: Any = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.device is not None


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def _looks_like_app_code(code: str) -> bool:
    return code.isdigit() and len(code) in {6, 8}


def _clean(code: str) -> str:
    return "".join(code.split())


@transaction.atomic
def authenticator_app_start(*, actor: Any, pending_id: object = None) -> Any:
    """The unconfirmed authenticator app this browser session is setting up.

    ``pending_id`` is the device this session started (kept in the session under
    ``PENDING_APP_SESSION_KEY``); it is reused while it is unconfirmed, the actor's and younger
    than ``PENDING_APP_LIFETIME``, so a reload shows the same key. Otherwise a new device with a
    new key is made and the actor's other unconfirmed ones are deleted: a key is only ever shown
    to the session that made it, so whoever opened the page elsewhere (with the password alone)
    cannot note a key the real user later scans and confirms. Stale unconfirmed devices of
    anyone are deleted on the way.
    """
    cutoff = timezone.now() - PENDING_APP_LIFETIME
    AuthenticatorAppDevice.objects.filter(confirmed=False).filter(
        Q(created_at__lt=cutoff) | Q(created_at__isnull=True)
    ).delete()
    unconfirmed = AuthenticatorAppDevice.objects.filter(user=actor, confirmed=False)
    if isinstance(pending_id, int):
        device = unconfirmed.filter(pk=pending_id).first()
        if device is not None:
            return device
    unconfirmed.delete()
    return AuthenticatorAppDevice.objects.create(
        user=actor, name=AUTHENTICATOR_APP_NAME, confirmed=False
    )


@transaction.atomic
def authenticator_app_create(*, actor: Any) -> Any:
    """A confirmed authenticator app with a new key, set up outside the browser (the demo)."""
    device = AuthenticatorAppDevice.objects.create(
        user=actor, name=AUTHENTICATOR_APP_NAME, confirmed=True
    )
    audit(actor=actor, action="accounts.mfa.authenticator_app_added", target=device)
    return device


def authenticator_app_confirm(*, actor: Any, device: Any, code: str) -> Verification:
    """Confirm a new authenticator app with a code it shows; audited when it succeeds.

    ``device`` must be the one this session started (``authenticator_app_start``), and not stale.
    Not one transaction: a wrong code must still count towards the device's throttling.
    """
    stale = device.created_at is None or device.created_at < timezone.now() - PENDING_APP_LIFETIME
    if device.user_id != actor.pk or device.confirmed or stale:
        raise AuthenticatorAppDevice.DoesNotExist
    allowed, details = device.verify_is_allowed()
    if not allowed:
        return Verification(message=_wait_message(details))
    if verify_token(actor, device.persistent_id, _clean(code)) is None:
        return Verification(
            message="That code did not match. Check the time on your phone and try the newest code."
        )
    device.refresh_from_db()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit(actor=actor, action="accounts.mfa.authenticator_app_added", target=device)
    return Verification(device=device)


def passkey_added(*, actor: Any, device: Any) -> None:
    """Record that the actor registered a passkey (django-otp-webauthn stored it)."""
    audit(actor=actor, action="accounts.mfa.passkey_added", target=device)


@transaction.atomic
def recovery_codes_generate(*, actor: Any) -> list[str]:
    """Issue a new set of recovery codes, replacing (and so invalidating) any old ones.

    The codes are returned once, to be shown once; only their hashes are stored.
    """
    if not mfa.has_second_factor(actor):
        raise ValidationError(
            "Recovery codes come with two-step sign-in: set up an authenticator app or a passkey "
            "first."
        )
    device, created = RecoveryCodeDevice.objects.get_or_create(
        user=actor, defaults={"name": RECOVERY_CODES_NAME, "confirmed": True}
    )
    device.codes.all().delete()
    codes = [_new_recovery_code() for _ in range(mfa.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=hash_recovery_code(code)) for code in codes
    )
    device.throttle_reset()
    action = (
        "accounts.mfa.recovery_codes_created" if created else "accounts.mfa.recovery_codes_replaced"
    )
    audit(actor=actor, action=action, target=device, detail={"count": len(codes)})
    return codes


def recovery_codes_ensure(*, actor: Any) -> list[str] | None:
    """New recovery codes if the actor has none left, else None (the old ones still work)."""
    existing = mfa.recovery_codes_of(actor)
    if existing is not None and existing.unused_count() > 0:
        return None
    return recovery_codes_generate(actor=actor)


@transaction.atomic
def second_factor_remove(*, actor: Any, device: Any) -> None:
    """Remove one of the actor's authenticator apps or passkeys.

    Conveners and administrators keep at least one. Removing the last one turns two-step
    sign-in off for the others, and their recovery codes go with it.
    """
    if device.user_id != actor.pk:
        raise type(device).DoesNotExist
    remaining = (
        mfa.authenticator_apps(actor).exclude(pk=device.pk).count()
        if isinstance(device, AuthenticatorAppDevice)
        else mfa.authenticator_apps(actor).count()
    ) + (
        mfa.passkeys(actor).count()
        if isinstance(device, AuthenticatorAppDevice)
        else mfa.passkeys(actor).exclude(pk=device.pk).count()
    )
    if remaining == 0 and mfa.mfa_required(actor):
        raise ValidationError(
            "Conveners and administrators must keep two-step sign-in: add another authenticator "
            "app or passkey before removing this one."
        )
    kind = "authenticator_app" if isinstance(device, AuthenticatorAppDevice) else "passkey"
    audit(actor=actor, action=f"accounts.mfa.{kind}_removed", target=device)
    device.delete()
    if remaining == 0:
        for codes in RecoveryCodeDevice.objects.filter(user=actor):
            audit(actor=actor, action="accounts.mfa.recovery_codes_removed", target=codes)
            codes.delete()


def _wait_message(details: dict[str, Any] | None) -> str:
    locked_until = (details or {}).get("locked_until")
    seconds = 1
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    if seconds == 1:
        wait = "a second"
    elif seconds < 120:
        wait = f"{seconds} seconds"
    else:
        wait = f"{math.ceil(seconds / 60)} minutes"
    return f"Too many wrong codes. Wait {wait}, then try again."


def second_factor_verify(*, user: Any, code: str) -> Verification:
    """Check a code from the user's authenticator app, or one of their recovery codes.

    Six (or eight) digits are tried as an app code, anything else as a recovery code. A code
    already used is refused (django-otp remembers each app's last time step). After a wrong
    code each further try waits longer (django-otp's throttling, per device). Failures are
    audited without the code.
    """
    code = _clean(code)
    if _looks_like_app_code(code):
        devices: list[Any] = list(mfa.authenticator_apps(user))
        method = "authenticator_app"
    else:
        recovery = mfa.recovery_codes_of(user)
        devices = [recovery] if recovery is not None else []
        method = "recovery_code"
    if not code or not devices:
        return _refused(user, method, "wrong_code", _wrong_code_message(method))
    waits = [device.verify_is_allowed() for device in devices]
    if not any(allowed for allowed, _ in waits):
        details = min((details for _, details in waits), key=lambda d: d["locked_until"])
        return _refused(user, method, "too_many_attempts", _wait_message(details))
    for device in devices:
        accepted = verify_token(user, device.persistent_id, code)
        if accepted is not None:
            if method == "recovery_code":
                audit(actor=user, action="accounts.mfa.recovery_code_used", target=accepted)
            return Verification(device=accepted)
    return _refused(user, method, "wrong_code", _wrong_code_message(method))


def _wrong_code_message(method: str) -> str:
    if method == "recovery_code":
        return "That recovery code is not valid, or it has been used already."
    return (
        "That code did not match, or it was used already. Wait for the next code in your "
        "authenticator app and try again."
    )


def _refused(user: Any, method: str, reason: str, message: str) -> Verification:
    audit(
        actor=user,
        action="accounts.mfa.verification_failed",
        target=user,
        detail={"method": method, "reason": reason},
    )
    return Verification(message=message)


def session_verified(request: HttpRequest, device: Any) -> None:
    """Mark the session as having passed two-step sign-in, under a new session id (ASVS 7.2.4):
    an id seen before the second factor is worth nothing after it."""
    request.session.cycle_key()
    otp_login(request, device)
    audit(
        actor=request.user,
        action="accounts.mfa.verified",
        target=device.user,
        detail={"method": device_kind(device)},
    )


def device_kind(device: Any) -> str:
    """``authenticator_app``, ``passkey`` or ``recovery_code``: for audit details and pages."""
    if isinstance(device, AuthenticatorAppDevice):
        return "authenticator_app"
    if isinstance(device, RecoveryCodeDevice):
        return "recovery_code"
    return "passkey"
