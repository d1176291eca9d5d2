"""The best-practice API: the same permissions as the pages, and the same suppression."""

from __future__ import annotations

import datetime

import pytest

from multitrack.practice.models import RelationshipTie, SurveyItem, SurveyResponse
from tests.conftest import Workspace
from tests.insights.helpers import build_scene, survey_pair

pytestmark = pytest.mark.django_db


def test_health_reads_for_members_and_404s_for_outsiders(workspace: Workspace) -> None:
    build_scene(workspace.process, workspace.convener)
    url = f"/api/v1/processes/{workspace.process.pk}/health"
    response = workspace.client_for(workspace.observer).get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["surveys"] is None  # observers do not read survey results
    assert any("Retention at 6 months" in r["text"] for r in body["retention"])
    assert workspace.client_for(workspace.outsider).get(url).status_code == 404


def test_health_suppresses_small_survey_groups(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    survey_pair(workspace.process, workspace.convener, scene.meetings[0], [1, 2, 3, 4], [6] * 9)
    body = (
        workspace.client_for(workspace.analyst)
        .get(f"/api/v1/processes/{workspace.process.pk}/health")
        .json()
    )
    changes = body["surveys"][0]["changes"]
    agreement = next(c for c in changes if c["label"].startswith("Agreement"))
    assert agreement == {
        "label": "Agreement seen as possible (1-7)",
        "is_suppressed": True,
        "mean_before": None,
        "mean_after": None,
        "change": None,
        "low": None,
        "high": None,
    }


def test_facilitator_records_a_tie_and_observer_cannot(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    url = f"/api/v1/processes/{workspace.process.pk}/ties"
    payload = {
        "person_id": scene.people[0].pk,
        "other_id": scene.people[1].pk,
        "kind": "trusts",
        "strength": 4,
        "observed_on": "2024-04-10",
    }
    observer = workspace.client_for(workspace.observer)
    assert observer.post(url, payload, content_type="application/json").status_code == 403
    facilitator = workspace.client_for(workspace.facilitator)
    response = facilitator.post(url, payload, content_type="application/json")
    assert response.status_code == 201
    assert RelationshipTie.objects.get().strength == 4
    assert observer.get(url).status_code == 403
    assert len(facilitator.get(url).json()) == 1


def test_a_tie_with_someone_off_the_roster_is_404(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    response = workspace.client_for(workspace.convener).post(
        f"/api/v1/processes/{workspace.process.pk}/ties",
        {
            "person_id": scene.people[0].pk,
            "other_id": workspace.other_person.pk,
            "observed_on": "2024-04-10",
        },
        content_type="application/json",
    )
    assert response.status_code == 404


def test_stakeholder_category_needs_a_target(workspace: Workspace) -> None:
    url = f"/api/v1/processes/{workspace.process.pk}/stakeholder-categories"
    client = workspace.client_for(workspace.convener)
    refused = client.post(
        url, {"label": "Youth", "kind": "tagged", "tag": "youth"}, content_type="application/json"
    )
    assert refused.status_code == 422
    made = client.post(
        url,
        {"label": "Youth", "kind": "tagged", "tag": "youth", "minimum_count": 2},
        content_type="application/json",
    )
    assert made.status_code == 201
    facilitator = workspace.client_for(workspace.facilitator)
    assert (
        facilitator.post(
            url,
            {"label": "X", "kind": "women", "minimum_percent": 30},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_anonymous_survey_responses_store_no_respondent(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    before, _ = survey_pair(workspace.process, workspace.convener, scene.meetings[0], [], [])
    item = before.items.get(kind=SurveyItem.Kind.AGREEMENT)
    response = workspace.client_for(workspace.facilitator).post(
        f"/api/v1/surveys/{before.pk}/responses",
        {"answers": {str(item.pk): 5}, "respondent_party_id": scene.south.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    stored = SurveyResponse.objects.get()
    assert stored.respondent_id is None
    assert stored.respondent_party_id == scene.south.pk
    assert not any(f.name in {"created_at", "submitted_at"} for f in SurveyResponse._meta.fields)


def test_out_of_scale_answers_are_refused(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    before, _ = survey_pair(workspace.process, workspace.convener, scene.meetings[0], [], [])
    item = before.items.get(kind=SurveyItem.Kind.AGREEMENT)
    response = workspace.client_for(workspace.convener).post(
        f"/api/v1/surveys/{before.pk}/responses",
        {"answers": {str(item.pk): 9}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not SurveyResponse.objects.exists()


def test_meeting_checks_read(workspace: Workspace) -> None:
    url = f"/api/v1/meetings/{workspace.meeting.pk}/checks"
    body = workspace.client_for(workspace.observer).get(url).json()
    assert body["meeting_id"] == workspace.meeting.pk
    assert body["date"] == datetime.date(2025, 3, 14).isoformat()
    assert workspace.client_for(workspace.outsider).get(url).status_code == 404
