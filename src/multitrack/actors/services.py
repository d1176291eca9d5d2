"""Writes for people, affiliations, organisations, conflicts and parties."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from multitrack.accounts.access import require
from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.actors.models import (
    Affiliation,
    Conflict,
    ContestedTerm,
    Organisation,
    Party,
    Person,
)
from multitrack.actors.selectors import can_add_to_registry, can_edit_conflict, can_edit_person
from multitrack.processes.models import Process, ProcessParticipant


@transaction.atomic
def conflict_create(*, actor: Any, name: str, summary: str = "") -> Conflict:
    """Register a conflict context."""
    if not actor.has_perm("actors.add_conflict"):
        raise PermissionDenied("Your account may not register conflicts.")
    conflict = Conflict(name=name, summary=summary, created_by=actor)
    conflict.full_clean()
    conflict.save()
    audit(actor=actor, action="actors.conflict.created", target=conflict)
    return conflict


@transaction.atomic
def party_add(
    *,
    actor: Any,
    conflict: Conflict,
    name: str,
    kind: str = Party.Kind.STATE,
    is_minority: bool = False,
) -> Party:
    """Add a party or community to a conflict."""
    if not can_edit_conflict(user=actor, conflict=conflict):
        raise PermissionDenied("Only the conflict's creator or a convener in it may add parties.")
    party = Party(conflict=conflict, name=name, kind=kind, is_minority=is_minority)
    party.full_clean()
    party.save()
    audit(actor=actor, action="actors.party.added", target=party)
    return party


@transaction.atomic
def conflict_context_update(
    *, actor: Any, conflict: Conflict, languages: list[str], customs: str, sensitivities: str
) -> Conflict:
    """Change a conflict's context profile: its languages, customs and sensitivities."""
    if not can_edit_conflict(user=actor, conflict=conflict):
        raise PermissionDenied("Only the conflict's creator or a convener in it may edit it.")
    conflict.languages = [code.strip() for code in languages if code.strip()]
    conflict.customs = customs
    conflict.sensitivities = sensitivities
    conflict.full_clean()
    conflict.save(update_fields=["languages", "customs", "sensitivities"])
    audit(actor=actor, action="actors.conflict.context_changed", target=conflict)
    return conflict


@transaction.atomic
def contested_term_add(
    *, actor: Any, conflict: Conflict, term: str, neutral_wording: str, note: str = ""
) -> ContestedTerm:
    """Add a contested term to a conflict's terminology list, with the neutral wording chosen
    for it; drafts and non-papers are checked against the list."""
    if not can_edit_conflict(user=actor, conflict=conflict):
        raise PermissionDenied("Only the conflict's creator or a convener in it may add terms.")
    term = term.strip()
    if conflict.contested_terms.filter(term__iexact=term).exists():
        raise ValidationError({"term": "This term is already on the list."})
    contested = ContestedTerm(
        conflict=conflict, term=term, neutral_wording=neutral_wording.strip(), note=note.strip()
    )
    contested.full_clean()
    contested.save()
    audit(actor=actor, action="actors.contested_term.added", target=contested)
    return contested


@transaction.atomic
def contested_term_remove(*, actor: Any, contested_term: ContestedTerm) -> None:
    """Take a term off a conflict's terminology list."""
    if not can_edit_conflict(user=actor, conflict=contested_term.conflict):
        raise PermissionDenied("Only the conflict's creator or a convener in it may remove terms.")
    audit(actor=actor, action="actors.contested_term.removed", target=contested_term)
    contested_term.delete()


@transaction.atomic
def organisation_create(
    *, actor: Any, name: str, kind: str, country: str = "", party: Party | None = None
) -> Organisation:
    """Register an organisation."""
    if not can_add_to_registry(user=actor):
        raise PermissionDenied("Your role does not allow adding organisations.")
    organisation = Organisation(
        name=name, kind=kind, country=country, party=party, created_by=actor
    )
    organisation.full_clean()
    organisation.save()
    audit(actor=actor, action="actors.organisation.created", target=organisation)
    return organisation


@transaction.atomic
def person_create(
    *,
    actor: Any,
    process: Process,
    display_name: str,
    pseudonym: str,
    parties: list[Party] | None = None,
    **fields: Any,
) -> Person:
    """Register a person and put them on a process's roster (people never float free)."""
    require(actor, Permission.EDIT_PEOPLE, process.pk)
    person = Person(display_name=display_name, pseudonym=pseudonym, created_by=actor, **fields)
    person.full_clean()
    person.save()
    if parties:
        _check_parties(parties)
        person.parties.set(parties)
    ProcessParticipant.objects.create(process=process, person=person)
    audit(actor=actor, action="actors.person.created", target=person, process=process)
    return person


def _check_parties(parties: list[Party]) -> None:
    if len({party.conflict_id for party in parties}) != len(parties):
        raise ValidationError({"parties": "A person belongs to at most one party per conflict."})


@transaction.atomic
def person_update(
    *, actor: Any, person: Person, parties: list[Party] | None = None, **fields: Any
) -> Person:
    """Change a person's details."""
    if not can_edit_person(user=actor, person=person):
        raise PermissionDenied("Your role does not allow editing this person.")
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    if parties is not None:
        _check_parties(parties)
        person.parties.set(parties)
    audit(actor=actor, action="actors.person.changed", target=person)
    return person


@transaction.atomic
def affiliation_add(
    *,
    actor: Any,
    person: Person,
    capacity: str,
    organisation: Organisation | None = None,
    role: str = "",
    start_date: Any = None,
    end_date: Any = None,
) -> Affiliation:
    """Record a role a person held, and the capacity it gave them, over a period."""
    if not can_edit_person(user=actor, person=person):
        raise PermissionDenied("Your role does not allow editing this person.")
    affiliation = Affiliation(
        person=person,
        organisation=organisation,
        role=role,
        capacity=capacity,
        start_date=start_date,
        end_date=end_date,
    )
    affiliation.full_clean()
    affiliation.save()
    audit(actor=actor, action="actors.affiliation.added", target=affiliation)
    return affiliation


@transaction.atomic
def affiliation_remove(*, actor: Any, affiliation: Affiliation) -> None:
    """Delete an affiliation entered in error."""
    if not can_edit_person(user=actor, person=affiliation.person):
        raise PermissionDenied("Your role does not allow editing this person.")
    audit(actor=actor, action="actors.affiliation.removed", target=affiliation)
    affiliation.delete()
