"""Writes for people, affiliations, organisations, conflicts and parties."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from multitrack.accounts.access import require
from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.actors import forgetting
from multitrack.actors.models import (
    Affiliation,
    Conflict,
    ContestedTerm,
    ForgetReason,
    Organisation,
    Party,
    Person,
)
from multitrack.actors.selectors import (
    can_add_to_registry,
    can_edit_conflict,
    can_edit_person,
    can_forget_person,
)
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


# Forgetting -------------------------------------------------------------------------------


def _forget_records(person: Person, *, reason: str, drop_categories: bool) -> dict[str, int]:
    """Overwrite and unlink everything about ``person`` except free text; return the counts."""
    from multitrack.practice.models import RelationshipTie, StakeholderTag, SurveyResponse
    from multitrack.processes.models import FollowUp

    counts: dict[str, int] = {}
    frozen = forgetting.frozen_capacities(person)
    for record, capacity in frozen:
        if capacity:
            record.capacity_override = capacity
            record.save(update_fields=["capacity_override"])
    counts["capacities_frozen"] = sum(1 for _, capacity in frozen if capacity)
    counts["attendance"] = person.attendance.count()
    counts["affiliations"] = person.affiliations.count()
    person.affiliations.all().delete()
    ties = RelationshipTie.objects.filter(Q(person=person) | Q(other=person))
    counts["ties"] = ties.count()
    ties.delete()
    counts["survey_responses"] = SurveyResponse.objects.filter(respondent=person).update(
        respondent=None
    )
    counts["follow_ups"] = FollowUp.objects.filter(owner=person).update(
        owner=None, owner_note="forgotten participant"
    )
    if drop_categories:
        counts["stakeholder_tags"] = StakeholderTag.objects.filter(person=person).delete()[0]
        counts["parties"] = person.parties.count()
        person.parties.clear()
        person.gender = Person.Gender.UNDISCLOSED
    placeholder = forgetting.placeholder_for(person)
    person.display_name = placeholder
    person.pseudonym = placeholder
    person.aliases = []
    person.email = ""
    person.phone = ""
    person.languages = []
    person.country = ""
    person.forgotten_at = timezone.now()
    person.forgotten_reason = reason
    person.full_clean()
    person.save()
    return counts


@transaction.atomic
def forget_people(
    *,
    actor: Any,
    people: Sequence[Person],
    reason: str,
    drop_categories: bool = False,
    also_remove: Sequence[str] = (),
) -> list[Person]:
    """Forget several people at once (retention forgets everyone whose processes ended).

    No permission check: callers check (``person_forget``) or are the operator's own commands
    (``apply_retention``). Already forgotten people are left as they are. Each person's names
    are replaced only in the text of their own processes (``forgetting.scope_of``), and
    ``also_remove`` words too short or too common are refused (ValidationError, nothing
    changes). Audited per person and process, with counts and the reason's code only: never a
    name.
    """
    if reason not in ForgetReason.values:
        raise ValidationError({"reason": "Choose why the person is forgotten."})
    extra_words = forgetting.refuse_common_words(also_remove)
    people = [p for p in people if not p.is_forgotten]
    if not people:
        return []
    # Text first: a record scrubbed here may be deleted or unlinked below, never the reverse.
    # One person at a time, each within their own processes, each reading what the previous
    # one saved.
    texts: dict[int, int] = {}
    for person in people:
        names = [*forgetting.names_of(person), *extra_words]
        changes = forgetting.text_changes(names, forgetting.scope_of(person))
        forgetting.apply_text_changes(changes)
        texts[person.pk] = len(changes)
        for entry, cleaned in forgetting.admin_log_changes(person, names):
            entry.object_repr = cleaned
            entry.save(update_fields=["object_repr"])
    for person in people:
        process_ids = list(person.process_roles.values_list("process_id", flat=True))
        counts = _forget_records(person, reason=reason, drop_categories=drop_categories)
        detail = {"reason": reason, **counts}
        detail["texts"] = texts[person.pk]
        for process in Process.objects.filter(pk__in=process_ids) or [None]:
            audit(
                actor=actor,
                action="actors.person.forgotten",
                target=person,
                process=process,
                detail=detail,
            )
    return people


@transaction.atomic
def person_forget(
    *,
    actor: Any,
    person: Person,
    reason: str,
    drop_categories: bool = False,
    also_remove: Sequence[str] = (),
) -> Person:
    """Forget a person everywhere, irreversibly (see ``actors.forgetting`` for the rules).

    ``actor`` must be a superuser or hold FORGET_PEOPLE in every process the person is on;
    ``None`` is the operator at the command line. Idempotent: a forgotten person is returned
    unchanged. ``also_remove``: other words that name them (a surname used alone), replaced in
    free text too and never stored.
    """
    if actor is not None and not can_forget_person(user=actor, person=person):
        raise PermissionDenied("Only a convener of every process this person is in may do this.")
    forget_people(
        actor=actor,
        people=[person],
        reason=reason,
        drop_categories=drop_categories,
        also_remove=also_remove,
    )
    person.refresh_from_db()
    return person
