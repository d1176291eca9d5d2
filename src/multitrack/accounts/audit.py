"""The one way to write to the audit trail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import models

from multitrack.accounts.models import AuditEvent

# A detail value may be a code such as "person-detail" or "api-1.0.0:person_list": no spaces,
# so no sentence (and no "First Last" name) can slip into the trail through it.
_CODE = re.compile(r"[A-Za-z0-9_.:/-]{0,200}")


def _is_plain(value: Any) -> bool:
    if isinstance(value, bool | int):
        return True
    if isinstance(value, str):
        return _CODE.fullmatch(value) is not None
    if isinstance(value, list | tuple):
        return all(isinstance(item, int) and not isinstance(item, bool) for item in value)
    return False


def check_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The detail as stored, if it holds only ids, counts and codes; else ValueError."""
    for key, value in detail.items():
        if not (isinstance(key, str) and _CODE.fullmatch(key) and _is_plain(value)):
            raise ValueError(f"An audit detail holds ids, counts and codes only ({key!r}).")
    return {
        key: list(value) if isinstance(value, tuple) else value for key, value in detail.items()
    }


def audit(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    process: Any = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``target``; never copies the target's content.

    ``process`` is the process (or its id) whose audit page shows the line. ``detail`` adds
    ids, counts or codes (lists of ids, numbers, words without spaces), never
    text: it is checked, and anything else raises ValueError.
    """
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        # A process or its id (an id spares a query where only the id is at hand).
        process_id=process if isinstance(process, int) or process is None else process.pk,
        detail=check_detail(detail or {}),
    )


def audit_per_process(
    *,
    actor: Any,
    action: str,
    details: Mapping[int | None, Mapping[str, Any]],
) -> list[AuditEvent]:
    """Record one ``action`` line per process (its id; None for none), each with its own
    detail, in one query whatever the number of processes (pages that show people from many
    processes must not cost a query per process)."""
    events = [
        AuditEvent(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=action,
            process_id=process_id,
            detail=check_detail(detail),
        )
        for process_id, detail in details.items()
    ]
    # bulk_create only inserts: the trail stays append-only.
    return AuditEvent.objects.bulk_create(events)
