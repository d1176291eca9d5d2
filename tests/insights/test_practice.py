"""Entering best-practice data: permissions, validation, anonymity, and the entry pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from multitrack.accounts.models import AuditEvent
from multitrack.practice import services
from multitrack.practice.models import PartyCalendar, Survey, SurveyItem
from tests.conftest import Workspace
from tests.insights.helpers import build_scene

pytestmark = pytest.mark.django_db


def test_only_conveners_edit_the_stakeholder_map(workspace: Workspace) -> None:
    for user in (workspace.facilitator, workspace.analyst, workspace.observer, workspace.outsider):
        with pytest.raises(PermissionDenied):
            services.stakeholder_category_create(
                actor=user,
                process=workspace.process,
                label="Women",
                kind="women",
                minimum_percent=30,
            )


def test_a_party_category_needs_a_party_of_the_same_conflict(workspace: Workspace) -> None:
    scene = build_scene(workspace.other_process, workspace.other_process.memberships.get().user)
    with pytest.raises(ValidationError):
        services.stakeholder_category_create(
            actor=workspace.convener,
            process=workspace.process,
            label="North",
            kind="party",
            minimum_count=1,
        )
    with pytest.raises(ValidationError):
        services.stakeholder_category_create(
            actor=workspace.convener,
            process=workspace.process,
            label="North",
            kind="party",
            party=scene.north,
            minimum_count=1,
        )


def test_unknown_calendars_are_refused(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    with pytest.raises(ValidationError):
        services.party_calendar_add(
            actor=workspace.convener,
            process=workspace.process,
            party=scene.north,
            calendar="country:ZZ",
        )
    services.party_calendar_add(
        actor=workspace.convener,
        process=workspace.process,
        party=scene.north,
        calendar="country:CY",
    )
    assert PartyCalendar.objects.count() == 1


def test_ties_are_between_two_people_on_the_roster(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    on = datetime.date(2024, 1, 10)
    with pytest.raises(ValidationError):
        services.tie_record(
            actor=workspace.facilitator,
            process=workspace.process,
            person=scene.people[0],
            other=scene.people[0],
            observed_on=on,
        )
    with pytest.raises(ValidationError):
        services.tie_record(
            actor=workspace.facilitator,
            process=workspace.process,
            person=scene.people[0],
            other=workspace.other_person,
            observed_on=on,
        )
    with pytest.raises(ValidationError):
        services.tie_record(
            actor=workspace.facilitator,
            process=workspace.process,
            person=scene.people[0],
            other=scene.people[1],
            observed_on=on,
            strength=6,
        )
    with pytest.raises(PermissionDenied):
        services.tie_record(
            actor=workspace.observer,
            process=workspace.process,
            person=scene.people[0],
            other=scene.people[1],
            observed_on=on,
        )
    tie = services.tie_record(
        actor=workspace.facilitator,
        process=workspace.process,
        person=scene.people[0],
        other=scene.people[1],
        observed_on=on,
    )
    assert AuditEvent.objects.filter(action="practice.tie_recorded", target_id=str(tie.pk)).exists()


def test_a_survey_gets_the_standard_items(workspace: Workspace) -> None:
    build_scene(workspace.process, workspace.convener)
    survey = services.survey_create(
        actor=workspace.convener,
        meeting=workspace.meeting,
        phase=Survey.Phase.BEFORE,
        custom_questions=["Was it useful?", " "],
    )
    kinds = list(survey.items.values_list("kind", "scale_min", "scale_max"))
    assert kinds == [
        ("thermometer", 0, 100),
        ("trust", 1, 7),  # North
        ("thermometer", 0, 100),
        ("trust", 1, 7),  # South
        ("agreement", 1, 7),
        ("custom", 1, 7),
    ]
    assert survey.is_anonymous


def test_anonymous_surveys_refuse_a_respondent_and_audit_the_survey_only(
    workspace: Workspace,
) -> None:
    build_scene(workspace.process, workspace.convener)
    survey = services.survey_create(
        actor=workspace.convener, meeting=workspace.meeting, phase=Survey.Phase.AFTER
    )
    item = survey.items.get(kind=SurveyItem.Kind.AGREEMENT)
    with pytest.raises(ValidationError):
        services.survey_response_record(
            actor=workspace.facilitator,
            survey=survey,
            answers={item.pk: 4},
            respondent=workspace.person,
        )
    response = services.survey_response_record(
        actor=workspace.facilitator, survey=survey, answers={item.pk: 4}
    )
    recorded = AuditEvent.objects.get(action="practice.survey_response_recorded")
    assert recorded.target_type == "practice.survey"
    assert recorded.target_id == str(survey.pk)  # never the response
    assert response.respondent_id is None
    with pytest.raises(PermissionDenied):
        services.survey_response_record(
            actor=workspace.analyst, survey=survey, answers={item.pk: 4}
        )


def test_settings_page(workspace: Workspace) -> None:
    url = reverse("practice-settings", args=[workspace.process.pk])
    page = workspace.client_for(workspace.convener).get(url)
    assert page.status_code == 200 and b"Add category" in page.content
    observer = workspace.client_for(workspace.observer).get(url)
    assert observer.status_code == 200 and b"Add category" not in observer.content
    assert workspace.client_for(workspace.outsider).get(url).status_code == 404
    assert workspace.client_for(workspace.convener).post(url).status_code == 405


def test_convener_adds_a_category_through_the_page(workspace: Workspace) -> None:
    url = reverse("practice-add", args=[workspace.process.pk, "category"])
    data = {"category-label": "Women", "category-kind": "women", "category-minimum_percent": "30"}
    assert workspace.client_for(workspace.observer).post(url, data).status_code == 403
    assert workspace.client_for(workspace.outsider).post(url, data).status_code == 404
    response = workspace.client_for(workspace.convener).post(url, data)
    assert response.status_code == 302
    refused = workspace.client_for(workspace.convener).post(
        url, {"category-label": "Youth", "category-kind": "tagged"}
    )
    assert refused.status_code == 400


def test_ties_page_is_for_those_who_may_read_ties(workspace: Workspace) -> None:
    url = reverse("tie-list", args=[workspace.process.pk])
    assert workspace.client_for(workspace.analyst).get(url).status_code == 200
    assert workspace.client_for(workspace.observer).get(url).status_code == 403
    assert workspace.client_for(workspace.outsider).get(url).status_code == 404


def test_survey_pages(workspace: Workspace) -> None:
    build_scene(workspace.process, workspace.convener)
    survey = services.survey_create(
        actor=workspace.convener, meeting=workspace.meeting, phase=Survey.Phase.BEFORE
    )
    item = survey.items.get(kind=SurveyItem.Kind.AGREEMENT)
    url = reverse("survey-detail", args=[survey.pk])
    assert workspace.client_for(workspace.outsider).get(url).status_code == 404
    assert (
        workspace.client_for(workspace.observer).post(url, {f"item_{item.pk}": "3"}).status_code
        == 403
    )
    saved = workspace.client_for(workspace.facilitator).post(url, {f"item_{item.pk}": "3"})
    assert saved.status_code == 302
    listing = workspace.client_for(workspace.convener).get(
        reverse("survey-list", args=[workspace.process.pk])
    )
    assert b"fewer than 5 responses" in listing.content
