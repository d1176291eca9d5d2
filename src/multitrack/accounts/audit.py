"""The one way to write to the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from multitrack.accounts.models import AuditEvent


def audit(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    process: Any = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``target``; never copies the target's content."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        process=process,
    )
