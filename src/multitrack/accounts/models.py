"""Roles per process, personal API tokens, the audit trail, and two-step sign-in devices
(authenticator apps with their keys encrypted at rest, recovery codes)."""

from __future__ import annotations

import hashlib
import secrets
import time
from base64 import b32encode
from binascii import unhexlify
from typing import Any, ClassVar, NoReturn
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, DeviceManager, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import hex_validator, random_hex

from multitrack.encrypted_fields import EncryptedCharField, EncryptedModel


class Role(models.TextChoices):
    """A user's role in one process; need-to-know follows from it."""

    CONVENER = "convener", "Convener"
    FACILITATOR = "facilitator", "Facilitator"
    ANALYST = "analyst", "Analyst"
    OBSERVER = "observer", "Observer"


class Membership(models.Model):
    """A user's role in a process. Without one, the process does not exist for the user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    process = models.ForeignKey(
        "processes.Process", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "process"], name="one_role_per_process")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.process}"


def hash_token(raw: str) -> str:
    """Tokens are stored only as their SHA-256: a database leak gives no working token."""
    return hashlib.sha256(raw.encode()).hexdigest()


class APIToken(models.Model):
    """A personal API token. The raw token is shown once, at creation."""

    PREFIX = "mt_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @classmethod
    def generate_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class AuditTrailIsAppendOnly(Exception):  # noqa: N818 - reads as the rule it enforces
    """Someone tried to change or delete a line of the audit trail."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Audit events can be read and added, never changed or deleted in bulk."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be changed.")

    def delete(self) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """One line of the append-only audit trail: who did what to which object, and when.

    Never the content: a target is named by its type and id only.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    process = models.ForeignKey(
        "processes.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Ids, counts and codes only (``audit`` refuses anything else): e.g. the people whose real
    # names a page showed, or how many notes a retention run deleted.
    detail = models.JSONField(default=dict, blank=True)

    # Deleting a user or a process still nulls its audit lines: Django's deletion collector
    # goes through the plain base manager, not this one.
    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert a new line; an existing line is never written again."""
        if (
            args
            or not self._state.adding
            or kwargs.get("force_update")
            or kwargs.get("update_fields")
        ):
            raise AuditTrailIsAppendOnly("Audit events cannot be changed.")
        # An explicit pk must not turn the insert into an update of someone else's line.
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")


# --- Two-step sign-in: authenticator apps and recovery codes (passkeys are django-otp-webauthn's
# WebAuthnCredential) --------------------------------------------------------------------------


def authenticator_key_default() -> str:
    """A new random authenticator app key: 20 bytes (160 bits, as RFC 4226 recommends), in hex."""
    return str(random_hex(20))


def authenticator_key_validator(value: str) -> None:
    """The key is hex, of at most 40 bytes (django-otp's rule for TOTP keys)."""
    hex_validator()(value)


class AuthenticatorAppDevice(TimestampMixin, ThrottlingMixin, EncryptedModel, Device):
    """An authenticator app (TOTP, RFC 6238) of a user, its key encrypted at rest.

    django-otp's own TOTPDevice keeps its key in the database in clear, and whoever reads the key
    can make every code. This device is the same in every other respect: the same fields, codes
    checked by django-otp's TOTP with the same tolerance and drift, a code never accepted twice
    (``last_t``: only a later time step passes), and exponential throttling of wrong codes
    (``OTP_TOTP_THROTTLE_FACTOR``). Only ``key`` is an encrypted field (decision 3).
    """

    key = EncryptedCharField(
        max_length=80,
        validators=[authenticator_key_validator],
        default=authenticator_key_default,
        help_text="A hex-encoded secret key of up to 40 bytes (encrypted at rest).",
    )
    step = models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(
        default=0, help_text="The Unix time at which to begin counting steps."
    )
    digits = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6, help_text="The number of digits in a code."
    )
    tolerance = models.PositiveSmallIntegerField(
        default=1, help_text="The number of time steps in the past or future to allow."
    )
    drift = models.SmallIntegerField(
        default=0,
        help_text="The number of time steps the app is known to deviate from our clock.",
    )
    last_t = models.BigIntegerField(
        default=-1,
        help_text="The time step of the last code accepted: the next one must be later.",
    )

    objects: ClassVar[DeviceManager] = DeviceManager()

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    @property
    def bin_key(self) -> bytes:
        """The secret key as bytes."""
        return unhexlify(self.key.encode())

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        """Whether ``token`` is a code of this app not used before; django-otp's TOTPDevice rules.

        Called through ``django_otp.verify_token``, which holds the device's row locked (SELECT
        ... FOR UPDATE), so two requests cannot both use one code.
        """
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = bool(totp.verify(code, self.tolerance, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` URL an authenticator app reads from the QR code (Key Uri Format;
        the issuer is ``OTP_TOTP_ISSUER``). It holds the key: shown once, never stored."""
        label = str(self.user.get_username())
        params = urlencode(
            {
                "secret": b32encode(self.bin_key),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        issuer = getattr(settings, "OTP_TOTP_ISSUER", None)
        if callable(issuer):
            issuer = issuer(self)
        if isinstance(issuer, str) and issuer:
            issuer = issuer.replace(":", "")
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


def hash_recovery_code(raw: str) -> str:
    """A recovery code's SHA-256, after dropping case, spaces and dashes: codes are stored
    only so. They carry 80 random bits, so a plain hash (as for API tokens) is enough."""
    normalised = "".join(character for character in raw.lower() if character.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's set of one-time recovery codes, for when their app or passkey is lost.

    django-otp's own StaticDevice keeps its codes in plain text; these are kept as hashes and
    each works once. Wrong codes slow down exponentially (django-otp's throttling).
    """

    class Meta(Device.Meta):
        verbose_name = "recovery code set"

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_RECOVERY_CODE_THROTTLE_FACTOR", 1))

    def unused_count(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()

    def verify_token(self, token: str) -> bool:
        """Use up the matching unused code; count a failure otherwise."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        # One UPDATE: of two simultaneous uses of the same code, only one finds it unused.
        used = self.codes.filter(code_hash=hash_recovery_code(token), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    """One recovery code of a set, by its hash; ``used_at`` is set when it is used."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="one_code_per_set")
        ]

    def __str__(self) -> str:
        return f"Recovery code {self.pk} ({'used' if self.used_at else 'unused'})"
