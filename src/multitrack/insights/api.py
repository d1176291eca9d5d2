"""The JSON API of best practice: a process's health, a meeting's checks, and the entries behind
them (stakeholder categories, relationship ties, surveys and responses).

The same permissions as the pages. Survey results below five respondents are suppressed here
too: a suppressed item carries no numbers at all, not even how many answered.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from multitrack.accounts.access import require
from multitrack.accounts.api import (
    MAX_NUMBER,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    RequiredText,
    caller,
    choices_schema,
)
from multitrack.accounts.permissions import Permission
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Party, Person
from multitrack.insights.measures import Reading
from multitrack.insights.selectors import UpcomingCheck, meeting_check, process_health
from multitrack.practice import services
from multitrack.practice.access import access_survey_by_id
from multitrack.practice.models import RelationshipTie, StakeholderCategory
from multitrack.practice.selectors import ties_of
from multitrack.processes.access import access_meeting_by_id, access_process_by_id

router = Router(tags=["best practice"])

CategoryKind = Annotated[
    StakeholderCategory.Kind, choices_schema(StakeholderCategory.Kind, "StakeholderCategoryKind")
]
TieKind = Annotated[RelationshipTie.Kind, choices_schema(RelationshipTie.Kind, "TieKind")]


class ReadingOut(Schema):
    value: float | None
    text: str
    level: str = Field(description="ok, gap or not_enough_data")


class SurveyChangeOut(Schema):
    label: str
    is_suppressed: bool = Field(description="True below five respondents: no numbers at all.")
    mean_before: float | None
    mean_after: float | None
    change: float | None
    low: float | None = Field(description="95% Welch interval, lower bound")
    high: float | None


class SurveyComparisonOut(Schema):
    meeting_id: int
    changes: list[SurveyChangeOut]


class IssueOut(Schema):
    kind: str
    text: str
    is_estimated: bool


class MeetingCheckOut(Schema):
    meeting_id: int
    date: datetime.date
    is_clear: bool
    issues: list[IssueOut]


class HealthOut(Schema):
    """The four sections' readings. Survey results are null without the read_surveys permission."""

    process_id: int
    gaps: list[ReadingOut]
    inclusivity: list[ReadingOut]
    engagement: list[ReadingOut]
    retention: list[ReadingOut]
    trust: list[ReadingOut]
    upcoming_checks: list[MeetingCheckOut]
    surveys: list[SurveyComparisonOut] | None


def _reading(reading: Reading) -> dict[str, Any]:
    return {"value": reading.value, "text": reading.text, "level": reading.level.value}


def _check(row: UpcomingCheck) -> dict[str, Any]:
    return {
        "meeting_id": row.meeting.pk,
        "date": row.meeting.date,
        "is_clear": row.check.is_clear,
        "issues": [
            {"kind": i.kind.value, "text": i.text, "is_estimated": i.is_estimated}
            for i in row.check.issues
        ],
    }


@router.get(
    "processes/{process_id}/health",
    response={200: HealthOut, **READ_ERRORS},
    operation_id="process_health_read",
    summary="A process's best-practice measures, each with its plain-language reading",
)
def process_health_read(request: HttpRequest, process_id: Id) -> dict[str, Any]:
    user = caller(request)
    process = access_process_by_id(user, process_id)
    health = process_health(user=user, process=process, with_names=False)
    surveys = None
    if health.may_read_surveys:
        surveys = [
            {
                "meeting_id": c.meeting.pk,
                "changes": [
                    {
                        "label": s.label,
                        "is_suppressed": s.is_suppressed,
                        "mean_before": s.mean_before,
                        "mean_after": s.mean_after,
                        "change": s.change,
                        "low": s.low,
                        "high": s.high,
                    }
                    for s in c.changes
                ],
            }
            for c in health.surveys
        ]
    return {
        "process_id": process.pk,
        "gaps": [_reading(r) for r in health.gaps],
        "inclusivity": [_reading(r) for r in health.inclusivity],
        "engagement": [_reading(r) for r in health.engagement],
        "retention": [_reading(r) for _, r in health.retention_rows],
        "trust": [_reading(r) for r in health.network],
        "upcoming_checks": [_check(row) for row in health.upcoming],
        "surveys": surveys,
    }


@router.get(
    "meetings/{meeting_id}/checks",
    response={200: MeetingCheckOut, **READ_ERRORS},
    operation_id="meeting_checks_read",
    summary="Languages, observances and venue for one meeting, before confirming it",
)
def meeting_checks_read(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    user = caller(request)
    meeting = access_meeting_by_id(user, meeting_id)
    return _check(meeting_check(user=user, meeting=meeting))


class CategoryIn(Schema):
    label: RequiredText = Field(max_length=100)
    kind: CategoryKind
    party_id: Id | None = None
    capacity: Capacity | Literal[""] = Field("", description="Empty: any capacity.")
    tag: str = Field("", max_length=50)
    minimum_count: int | None = Field(None, ge=0, le=MAX_NUMBER)
    minimum_percent: int | None = Field(None, ge=0, le=100)


class CategoryOut(Schema):
    id: int
    label: str
    kind: str
    party_id: int | None
    capacity: str
    tag: str
    minimum_count: int | None
    minimum_percent: int | None


def _party(process: Any, party_id: int | None) -> Party | None:
    if party_id is None:
        return None
    party = Party.objects.filter(pk=party_id, conflict_id=process.conflict_id).first()
    if party is None:
        raise Http404("No such party.")
    return party


def _roster_person(process: Any, person_id: int) -> Person:
    person = Person.objects.filter(pk=person_id, process_roles__process=process).first()
    if person is None:
        raise Http404("No such person on the roster.")
    return person


@router.post(
    "processes/{process_id}/stakeholder-categories",
    response={201: CategoryOut, **WRITE_ERRORS},
    operation_id="stakeholder_category_create",
    summary="Add a category of people who should be in the room, with its target",
)
def stakeholder_category_create(
    request: HttpRequest, process_id: Id, payload: CategoryIn
) -> Status:
    user = caller(request)
    process = access_process_by_id(user, process_id)
    require(user, Permission.EDIT_PRACTICE, process.pk)
    data = payload.dict()
    category = services.stakeholder_category_create(
        actor=user, process=process, party=_party(process, data.pop("party_id")), **data
    )
    return Status(201, category)


class TieIn(Schema):
    person_id: Id
    other_id: Id
    kind: TieKind = RelationshipTie.Kind.KNOWS
    strength: int = Field(3, ge=1, le=5)
    observed_on: datetime.date
    formed_at_meeting_id: Id | None = None


class TieOut(Schema):
    id: int
    person_id: int
    other_id: int
    kind: str
    strength: int
    observed_on: datetime.date
    formed_at_id: int | None


@router.get(
    "processes/{process_id}/ties",
    response={200: list[TieOut], **WRITE_ERRORS},
    operation_id="tie_list",
    summary="The relationship ties recorded in a process (read_ties)",
)
def tie_list(request: HttpRequest, process_id: Id) -> list[RelationshipTie]:
    user = caller(request)
    process = access_process_by_id(user, process_id)
    require(user, Permission.READ_TIES, process.pk)
    return list(ties_of(process=process))


@router.post(
    "processes/{process_id}/ties",
    response={201: TieOut, **WRITE_ERRORS},
    operation_id="tie_record",
    summary="Record a relationship between two people on the roster",
)
def tie_record(request: HttpRequest, process_id: Id, payload: TieIn) -> Status:
    user = caller(request)
    process = access_process_by_id(user, process_id)
    require(user, Permission.RECORD_TIES, process.pk)
    formed_at = None
    if payload.formed_at_meeting_id is not None:
        formed_at = access_meeting_by_id(user, payload.formed_at_meeting_id)
    tie = services.tie_record(
        actor=user,
        process=process,
        person=_roster_person(process, payload.person_id),
        other=_roster_person(process, payload.other_id),
        kind=payload.kind,
        strength=payload.strength,
        observed_on=payload.observed_on,
        formed_at=formed_at,
    )
    return Status(201, tie)


class ResponseIn(Schema):
    """One respondent's answers by item id. Anonymous: no respondent is ever sent or stored."""

    answers: Annotated[
        dict[Id, Annotated[float, Field(allow_inf_nan=False)]],
        # Object keys are item ids: published, so a client (or a fuzzer) knows what is accepted.
        Field(min_length=1, json_schema_extra={"propertyNames": {"pattern": "^[1-9][0-9]{0,17}$"}}),
    ]
    respondent_party_id: Id | None = None


class ResponseOut(Schema):
    survey_id: int
    answers_recorded: int


@router.post(
    "surveys/{survey_id}/responses",
    response={201: ResponseOut, **WRITE_ERRORS},
    operation_id="survey_response_record",
    summary="Enter one respondent's answers to a survey",
)
def survey_response_record(request: HttpRequest, survey_id: Id, payload: ResponseIn) -> Status:
    user = caller(request)
    survey = access_survey_by_id(user, survey_id)
    services.survey_response_record(
        actor=user,
        survey=survey,
        answers=payload.answers,
        respondent_party=_party(survey.process, payload.respondent_party_id),
    )
    return Status(201, {"survey_id": survey.pk, "answers_recorded": len(payload.answers)})
