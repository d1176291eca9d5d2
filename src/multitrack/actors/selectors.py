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
from multitrack.actors.models import Conflict, Organisation, Party, Person
from multitrack.actors.names import fold


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


def people_with_real_names_for(*, user: Any) -> QuerySet[Person]:
    """The people whose names and identifying details the user has need-to-know for."""
    allowed = real_name_person_ids(user=user)
    return Person.objects.all() if allowed is None else Person.objects.filter(pk__in=allowed)


def can_see_real_name(*, user: Any, person: Person) -> bool:
    """Whether the user has need-to-know for this person's name and contact details."""
    allowed = real_name_person_ids(user=user)
    return allowed is None or person.pk in allowed


def name_for(*, user: Any, person: Person) -> str:
    """What the user may call a person: the real name with need-to-know, else the pseudonym."""
    return person.display_name if can_see_real_name(user=user, person=person) else person.pseudonym


def parties_visible_to(*, user: Any) -> QuerySet[Party]:
    """Parties to the conflicts the user may see, with their conflict."""
    return Party.objects.filter(conflict__in=conflicts_visible_to(user=user)).select_related(
        "conflict"
    )


def people_matching(*, user: Any, query: str = "", party_id: int | None = None) -> QuerySet[Person]:
    """Visible people whose pseudonym matches ``query``, or whose real name does for those the
    user has need-to-know for; optionally only those in one party."""
    people = people_visible_to(user=user)
    if query:
        # Real names are encrypted at rest, so the database cannot search them: match the
        # decrypted names here (ignoring case and accents), then narrow the query to those ids.
        wanted = fold(query)
        allowed = real_name_person_ids(user=user)
        matching = [
            person.pk
            for person in people.only("pk", "pseudonym", "display_name")
            if wanted in fold(person.pseudonym)
            or ((allowed is None or person.pk in allowed) and wanted in fold(person.display_name))
        ]
        people = people.filter(pk__in=matching)
    if party_id is not None:
        # Only parties the user may see: filtering by a hidden party would reveal its members.
        people = people.filter(
            parties__id=party_id, parties__conflict__in=conflicts_visible_to(user=user)
        )
    return people.order_by("pseudonym")


def can_edit_person(*, user: Any, person: Person) -> bool:
    """Whether the user may edit the person: EDIT_PEOPLE in a process the person is on, and
    the person was not forgotten."""
    if person.is_forgotten:
        return False  # a placeholder is never edited back into a person
    if getattr(user, "is_superuser", False):
        return True
    allowed = processes_where(user, Permission.EDIT_PEOPLE)
    return person.process_roles.filter(process_id__in=allowed).exists()


def can_forget_person(*, user: Any, person: Person) -> bool:
    """Whether the user may forget the person: a superuser, or someone who holds FORGET_PEOPLE
    (conveners) in every process the person is on. Forgetting reaches all those processes'
    records, so the convener of one process cannot erase what another relies on."""
    if not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    process_ids = set(person.process_roles.values_list("process_id", flat=True))
    return bool(process_ids) and process_ids <= processes_where(user, Permission.FORGET_PEOPLE)


def can_add_to_registry(*, user: Any) -> bool:
    """Whether the user may add organisations: EDIT_PEOPLE in some process."""
    return bool(
        getattr(user, "is_superuser", False) or processes_where(user, Permission.EDIT_PEOPLE)
    )


def can_edit_conflict(*, user: Any, conflict: Conflict) -> bool:
    """Whether the user may add parties: the conflict's creator or a convener of a process in it."""
    if getattr(user, "is_superuser", False) or conflict.created_by_id == user.pk:
        return True
    conveners_of = processes_where(user, Permission.EDIT_PROCESS)
    return conflict.processes.filter(pk__in=conveners_of).exists()
