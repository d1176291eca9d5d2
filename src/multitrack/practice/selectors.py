"""Reads of best-practice entries, limited to processes the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from multitrack.accounts.access import roles_of
from multitrack.practice.models import (
    Observance,
    PartyCalendar,
    RefusedVenue,
    RelationshipTie,
    StakeholderCategory,
    StakeholderTag,
    Survey,
)
from multitrack.processes.models import Process


def surveys_visible_to(*, user: Any) -> QuerySet[Survey]:
    """Surveys of the processes the user is a member of, with their items."""
    surveys = Survey.objects.select_related("process", "meeting").prefetch_related(
        "items__toward_party"
    )
    if getattr(user, "is_superuser", False):
        return surveys
    return surveys.filter(process_id__in=list(roles_of(user)))


def practice_entries(*, process: Process) -> dict[str, list[Any]]:
    """Everything entered for a process (call with a process from ``access_process_by_id``)."""
    return {
        "category": list(
            StakeholderCategory.objects.filter(process=process).select_related("party")
        ),
        "tag": list(StakeholderTag.objects.filter(process=process).select_related("person")),
        "calendar": list(PartyCalendar.objects.filter(process=process).select_related("party")),
        "observance": list(Observance.objects.filter(process=process).select_related("party")),
        "venue": list(RefusedVenue.objects.filter(process=process).select_related("party")),
    }


def ties_of(*, process: Process) -> QuerySet[RelationshipTie]:
    """A process's relationship ties, newest first."""
    return RelationshipTie.objects.filter(process=process).select_related(
        "person", "other", "formed_at"
    )


def surveys_of(*, process: Process) -> QuerySet[Survey]:
    """A process's surveys with how many responses each has (shown as 'fewer than 5' below 5)."""
    return (
        Survey.objects.filter(process=process)
        .select_related("meeting")
        .annotate(response_count=Count("responses"))
        .order_by("-meeting__date", "phase")
    )
