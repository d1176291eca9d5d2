"""Reads: people, organisations and conflicts limited to what a user may see.

A user sees the people on the rosters of their processes, the conflicts those processes belong
to, and the organisations those people and processes are tied to (plus what they created
themselves and have not yet placed in a process).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from multitrack.accounts.access import processes_where, roles_of
from multitrack.accounts.permissions import Permission
from multitrack.actors.models import Conflict, Organisation, Person


def people_visible_to(*, user: Any) -> QuerySet[Person]:
    """People on the roster of a process the user is a member of."""
    if getattr(user, "is_superuser", False):
        return Person.objects.all()
    return Person.objects.filter(process_roles__process_id__in=list(roles_of(user))).distinct()


def conflicts_visible_to(*, user: Any) -> QuerySet[Conflict]:
    """Conflicts in which the user is a member of a process, or which they created."""
    if getattr(user, "is_superuser", False):
        return Conflict.objects.all()
    return Conflict.objects.filter(
        Q(processes__in=list(roles_of(user))) | Q(created_by=user)
    ).distinct()


def organisations_visible_to(*, user: Any) -> QuerySet[Organisation]:
    """Organisations tied to a visible person or process, or created by the user."""
    if getattr(user, "is_superuser", False):
        return Organisation.objects.all()
    process_ids = list(roles_of(user))
    return Organisation.objects.filter(
        Q(affiliations__person__process_roles__process_id__in=process_ids)
        | Q(convened_processes__in=process_ids)
        | Q(created_by=user)
    ).distinct()


def real_name_person_ids(*, user: Any) -> set[int] | None:
    """Ids of the people whose real names the user may see; None means everyone (superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    allowed = processes_where(user, Permission.SEE_REAL_NAMES)
    if not allowed:
        return set()
    return set(
        Person.objects.filter(process_roles__process_id__in=allowed).values_list("pk", flat=True)
    )


def can_see_real_name(*, user: Any, person: Person) -> bool:
    """Whether the user has need-to-know for this person's name and contact details."""
    allowed = real_name_person_ids(user=user)
    return allowed is None or person.pk in allowed


def name_for(*, user: Any, person: Person) -> str:
    """What the user may call a person: the real name with need-to-know, else the pseudonym."""
    return person.display_name if can_see_real_name(user=user, person=person) else person.pseudonym
