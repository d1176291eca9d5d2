"""Roles per process, personal API tokens and the audit trail."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, NoReturn

from django.conf import settings
from django.db import models


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
