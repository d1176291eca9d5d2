"""Writes: stakeholder targets, calendars, observances, refused venues, ties and surveys.

Every service checks its permission in the process, validates, saves and leaves an audit event.
Survey responses are audited against the survey, never the response: together with the audit
time, a response id could tie an anonymous answer to the moment (and person) it was entered.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from multitrack.accounts.access import require
from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.actors.forgetting import refuse_if_forgotten
from multitrack.actors.models import Party, Person
from multitrack.practice.models import (
    Observance,
    PartyCalendar,
    RefusedVenue,
    RelationshipTie,
    StakeholderCategory,
    StakeholderTag,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyResponse,
)
from multitrack.processes.models import Meeting, Process


def _save(obj: models.Model) -> None:
    obj.full_clean()
    obj.save()


def _on_roster(process: Process, *people: Person) -> None:
    refuse_if_forgotten(*people)
    on_roster = set(
        process.roster.filter(person__in=[p.pk for p in people]).values_list("person_id", flat=True)
    )
    if any(p.pk not in on_roster for p in people):
        raise ValidationError("Everyone must be on the process's roster.")


@transaction.atomic
def stakeholder_category_create(
    *,
    actor: Any,
    process: Process,
    label: str,
    kind: str,
    party: Party | None = None,
    capacity: str = "",
    tag: str = "",
    minimum_count: int | None = None,
    minimum_percent: int | None = None,
) -> StakeholderCategory:
    """Add a category of people who should be in the room, with its target."""
    require(actor, Permission.EDIT_PRACTICE, process.pk)
    category = StakeholderCategory(
        process=process,
        label=label,
        kind=kind,
        party=party,
        capacity=capacity,
        tag=tag,
        minimum_count=minimum_count,
        minimum_percent=minimum_percent,
    )
    _save(category)
    audit(actor=actor, action="practice.category_created", target=category, process=process)
    return category


@transaction.atomic
def stakeholder_category_delete(*, actor: Any, category: StakeholderCategory) -> None:
    """Remove a stakeholder category."""
    require(actor, Permission.EDIT_PRACTICE, category.process_id)
    audit(
        actor=actor, action="practice.category_deleted", target=category, process=category.process
    )
    category.delete()


@transaction.atomic
def stakeholder_tag_add(
    *, actor: Any, process: Process, person: Person, tag: str
) -> StakeholderTag:
    """Say that a person on the roster belongs to a tagged category (diaspora, youth...)."""
    require(actor, Permission.EDIT_PRACTICE, process.pk)
    _on_roster(process, person)
    stakeholder_tag = StakeholderTag(process=process, person=person, tag=tag.strip())
    _save(stakeholder_tag)
    audit(actor=actor, action="practice.tag_added", target=stakeholder_tag, process=process)
    return stakeholder_tag


@transaction.atomic
def party_calendar_add(
    *, actor: Any, process: Process, party: Party, calendar: str
) -> PartyCalendar:
    """Say that a party observes a calendar's holidays."""
    require(actor, Permission.EDIT_PRACTICE, process.pk)
    entry = PartyCalendar(process=process, party=party, calendar=calendar)
    _save(entry)
    audit(actor=actor, action="practice.calendar_added", target=entry, process=process)
    return entry


@transaction.atomic
def observance_add(
    *,
    actor: Any,
    process: Process,
    name: str,
    date: datetime.date,
    party: Party | None = None,
    recurs_yearly: bool = False,
) -> Observance:
    """Add a day to keep meetings off, for one party or for everyone."""
    require(actor, Permission.EDIT_PRACTICE, process.pk)
    observance = Observance(
        process=process, party=party, name=name, date=date, recurs_yearly=recurs_yearly
    )
    _save(observance)
    audit(actor=actor, action="practice.observance_added", target=observance, process=process)
    return observance


@transaction.atomic
def refused_venue_add(
    *, actor: Any, process: Process, party: Party, venue: str, reason: str = ""
) -> RefusedVenue:
    """Record that a party will not meet at a venue."""
    require(actor, Permission.EDIT_PRACTICE, process.pk)
    refused = RefusedVenue(process=process, party=party, venue=venue.strip(), reason=reason)
    _save(refused)
    audit(actor=actor, action="practice.venue_refused", target=refused, process=process)
    return refused


@transaction.atomic
def practice_entry_delete(
    *, actor: Any, entry: StakeholderTag | PartyCalendar | Observance | RefusedVenue
) -> None:
    """Remove a tag, calendar, observance or refused venue."""
    require(actor, Permission.EDIT_PRACTICE, entry.process_id)
    audit(
        actor=actor,
        action=f"practice.{entry._meta.model_name}_deleted",
        target=entry,
        process=entry.process,
    )
    entry.delete()


@transaction.atomic
def tie_record(
    *,
    actor: Any,
    process: Process,
    person: Person,
    other: Person,
    kind: str = RelationshipTie.Kind.KNOWS,
    strength: int = 3,
    observed_on: datetime.date,
    formed_at: Meeting | None = None,
) -> RelationshipTie:
    """Record a relationship between two people on the roster."""
    require(actor, Permission.RECORD_TIES, process.pk)
    _on_roster(process, person, other)
    tie = RelationshipTie(
        process=process,
        person=person,
        other=other,
        kind=kind,
        strength=strength,
        observed_on=observed_on,
        formed_at=formed_at,
        recorded_by=actor,
    )
    _save(tie)
    audit(actor=actor, action="practice.tie_recorded", target=tie, process=process)
    return tie


@transaction.atomic
def tie_delete(*, actor: Any, tie: RelationshipTie) -> None:
    """Remove a relationship tie entered by mistake."""
    require(actor, Permission.RECORD_TIES, tie.process_id)
    audit(actor=actor, action="practice.tie_deleted", target=tie, process=tie.process)
    tie.delete()


STANDARD_TEXTS = {
    SurveyItem.Kind.THERMOMETER: "How warm do you feel towards {party}? (0 cold - 100 warm)",
    SurveyItem.Kind.TRUST: "How much do you trust the participants from {party}? (1-7)",
    SurveyItem.Kind.AGREEMENT: "How possible is an agreement between the parties? (1-7)",
}


@transaction.atomic
def survey_create(
    *,
    actor: Any,
    meeting: Meeting,
    phase: str,
    title: str = "",
    is_anonymous: bool = True,
    custom_questions: Sequence[str] = (),
) -> Survey:
    """Create a survey with the standard items (a thermometer and trust item for each party, and
    the possibility of agreement) and the convener's own questions on a 1-7 scale."""
    process = meeting.process
    require(actor, Permission.EDIT_PRACTICE, process.pk)
    survey = Survey(
        process=process,
        meeting=meeting,
        phase=phase,
        title=title or f"{meeting.title}: {Survey.Phase(phase).label.lower()}",
        is_anonymous=is_anonymous,
        created_by=actor,
    )
    _save(survey)
    items: list[SurveyItem] = []
    for party in Party.objects.filter(conflict_id=process.conflict_id).order_by("name"):
        for kind in (SurveyItem.Kind.THERMOMETER, SurveyItem.Kind.TRUST):
            low, high = SurveyItem.SCALES[kind]
            text = STANDARD_TEXTS[kind].format(party=party.name)
            items.append(
                SurveyItem(kind=kind, toward_party=party, text=text, scale_min=low, scale_max=high)
            )
    low, high = SurveyItem.SCALES[SurveyItem.Kind.AGREEMENT]
    items.append(
        SurveyItem(
            kind=SurveyItem.Kind.AGREEMENT,
            text=STANDARD_TEXTS[SurveyItem.Kind.AGREEMENT],
            scale_min=low,
            scale_max=high,
        )
    )
    items.extend(
        SurveyItem(kind=SurveyItem.Kind.CUSTOM, text=q.strip(), scale_min=1, scale_max=7)
        for q in custom_questions
        if q.strip()
    )
    for position, item in enumerate(items):
        item.survey = survey
        item.position = position
        _save(item)
    audit(actor=actor, action="practice.survey_created", target=survey, process=process)
    return survey


@transaction.atomic
def survey_response_record(
    *,
    actor: Any,
    survey: Survey,
    answers: Mapping[int, float],
    respondent_party: Party | None = None,
    respondent: Person | None = None,
) -> SurveyResponse:
    """Enter one respondent's answers (by item id); unanswered items stay unanswered.

    Anonymous surveys refuse a respondent: who answered is never stored for them.
    """
    require(actor, Permission.RECORD_SURVEY_RESPONSES, survey.process_id)
    refuse_if_forgotten(respondent)
    if respondent_party is not None and respondent_party.conflict_id != survey.process.conflict_id:
        raise ValidationError({"respondent_party": "The party belongs to another conflict."})
    items = {item.pk: item for item in survey.items.all()}
    unknown = set(answers) - set(items)
    if unknown:
        raise ValidationError({"answers": "Some answers are to items of another survey."})
    if not answers:
        raise ValidationError({"answers": "A response needs at least one answer."})
    response = SurveyResponse(
        survey=survey, respondent_party=respondent_party, respondent=respondent
    )
    _save(response)
    for item_id, value in answers.items():
        _save(SurveyAnswer(response=response, item=items[item_id], value=value))
    audit(
        actor=actor,
        action="practice.survey_response_recorded",
        target=survey,
        process=survey.process,
    )
    return response
