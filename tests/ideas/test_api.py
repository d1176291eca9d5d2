"""The /api/v1/ operations for ideas, official talks, channels and non-papers: same rules."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from multitrack.accounts.models import APIToken, hash_token
from multitrack.ideas import services
from multitrack.ideas.models import Export, Idea, StatusChange
from multitrack.ideas.rules import OfficialStatus
from tests.ideas.conftest import Talks

D = datetime.date


def api(user: Any) -> Client:
    raw = APIToken.generate_raw()
    APIToken.objects.create(user=user, name="test", token_hash=hash_token(raw))
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def idea(talks: Talks) -> Idea:
    workspace = talks.workspace
    return services.idea_record(
        actor=workspace.facilitator,
        process=workspace.process,
        origin_meeting=workspace.meeting,
        title="Joint water commission",
        summary="Share the river.",
        issue=Idea.Issue.ECONOMY,
    )


def test_anonymous_callers_get_401(talks: Talks) -> None:
    assert Client().get("/api/v1/ideas").status_code == 401
    assert Client().get("/api/v1/channel-warnings").status_code == 401


def test_ideas_are_listed_only_for_members(talks: Talks, idea: Idea) -> None:
    members = api(talks.workspace.observer).get("/api/v1/ideas").json()
    assert [item["title"] for item in members["items"]] == ["Joint water commission"]
    assert api(talks.workspace.outsider).get("/api/v1/ideas").json()["items"] == []
    assert api(talks.workspace.outsider).get(f"/api/v1/ideas/{idea.pk}").status_code == 404


def test_ideas_filter_by_stage_and_issue(talks: Talks, idea: Idea) -> None:
    client = api(talks.workspace.observer)
    assert client.get("/api/v1/ideas?issue=economy").json()["count"] == 1
    assert client.get("/api/v1/ideas?issue=security").json()["count"] == 0
    assert client.get("/api/v1/ideas?stage=adopted").json()["count"] == 0


def test_an_idea_travels_through_the_api(talks: Talks) -> None:
    client = api(talks.workspace.facilitator)
    created = client.post(
        "/api/v1/ideas",
        {
            "process_id": talks.workspace.process.pk,
            "origin_meeting_id": talks.workspace.meeting.pk,
            "title": "Hotline",
            "summary": "A military hotline.",
            "issue": "security",
            "kind": "cbm",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    idea_id = created.json()["id"]
    moved = client.post(
        f"/api/v1/ideas/{idea_id}/stage-changes",
        {"stage": "transferred", "date": "2025-04-01", "reason": "Carried to the talks"},
        content_type="application/json",
    )
    assert moved.status_code == 201
    transfer = client.post(
        f"/api/v1/ideas/{idea_id}/transfers",
        {
            "date": "2025-04-01",
            "carrier_kind": "briefing",
            "recipient_kind": "mediator_team",
            "official_track_id": talks.official_track.pk,
            "response": "Noted.",
        },
        content_type="application/json",
    )
    assert transfer.status_code == 201
    journey = client.get(f"/api/v1/ideas/{idea_id}/journey").json()
    assert [event["kind"] for event in journey] == ["born", "transfer", "stage"]


def test_refusals_are_422_with_the_field(talks: Talks, idea: Idea) -> None:
    response = api(talks.workspace.facilitator).post(
        f"/api/v1/ideas/{idea.pk}/stage-changes",
        {"stage": "adopted", "date": "2025-04-01", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} >= {"stage", "provision"}


def test_a_named_carrier_is_refused(talks: Talks, idea: Idea) -> None:
    response = api(talks.workspace.facilitator).post(
        f"/api/v1/ideas/{idea.pk}/transfers",
        {
            "date": "2025-04-01",
            "carrier_kind": "participant",
            "recipient_kind": "negotiator",
            "carrier_description": "Kwame Mensah told the delegation",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "Kwame Mensah" in response.json()["detail"][0]["message"]


def test_observers_get_403_on_writes(talks: Talks, idea: Idea) -> None:
    client = api(talks.workspace.observer)
    assert (
        client.post(
            f"/api/v1/ideas/{idea.pk}/stage-changes",
            {"stage": "developed", "date": "2025-04-01", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/official-tracks/{talks.official_track.pk}/status",
            {"status": "stalled", "date": "2025-04-01", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_official_talks_through_the_api(talks: Talks) -> None:
    client = api(talks.workspace.facilitator)
    created = client.post(
        f"/api/v1/conflicts/{talks.conflict.pk}/official-tracks",
        {
            "name": "Ceasefire commission",
            "party_ids": [talks.north.pk, talks.south.pk],
            "mediator": "Regional Union",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    track_id = created.json()["id"]
    assert (
        client.post(
            f"/api/v1/official-tracks/{track_id}/rounds",
            {"title": "Round 1", "start_date": "2025-02-01", "venue": "Geneva"},
            content_type="application/json",
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/official-tracks/{track_id}/status",
            {"status": "suspended", "date": "2025-03-01", "reason": "Incident"},
            content_type="application/json",
        ).status_code
        == 201
    )
    agreement = client.post(
        f"/api/v1/official-tracks/{track_id}/agreements",
        {
            "title": "Accord",
            "date": "2025-06-01",
            "signatory_ids": [talks.north.pk, talks.south.pk],
        },
        content_type="application/json",
    ).json()
    assert (
        client.post(
            f"/api/v1/agreements/{agreement['id']}/provisions",
            {"number": "1", "text": "…"},
            content_type="application/json",
        ).status_code
        == 201
    )
    read = client.get(f"/api/v1/official-tracks/{track_id}").json()
    assert read["status_history"][0]["status"] == "suspended"
    outsider = api(talks.workspace.outsider)
    assert outsider.get(f"/api/v1/official-tracks/{track_id}").status_code == 404
    assert outsider.get(f"/api/v1/conflicts/{talks.conflict.pk}/official-tracks").status_code == 404


def test_channels_and_warnings_in_the_api(talks: Talks) -> None:
    StatusChange.objects.create(
        official_track=talks.official_track,
        status=OfficialStatus.STALLED,
        date=D(2025, 3, 3),
        reason="Deadlock",
    )
    talks.meeting_of_both(D(2025, 3, 1))
    client = api(talks.workspace.observer)
    channels = client.get(f"/api/v1/conflicts/{talks.conflict.pk}/channels").json()
    assert channels["based_on"] == "the processes you are a member of"
    (pair,) = channels["pairs"]
    assert pair["last_informal"] == "2025-03-01"
    (warning,) = client.get("/api/v1/channel-warnings").json()
    assert warning["message"].startswith("Border talks (North and South): official talks stalled")
    assert api(talks.workspace.outsider).get("/api/v1/channel-warnings").json() == []


def test_non_papers_through_the_api(talks: Talks, idea: Idea) -> None:
    facilitator = api(talks.workspace.facilitator)
    created = facilitator.post(
        "/api/v1/non-papers",
        {
            "process_id": talks.workspace.process.pk,
            "title": "Options",
            "context": "Raised by Kwame Mensah.",
            "idea_ids": [idea.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["can_be_exported"] is False
    assert [f["words"] for f in body["flags"]] == ["Kwame Mensah"]
    non_paper_id = body["id"]
    assert facilitator.post(f"/api/v1/non-papers/{non_paper_id}/exports/pdf").status_code == 403
    convener = api(talks.workspace.convener)
    assert convener.post(f"/api/v1/non-papers/{non_paper_id}/exports/pdf").status_code == 422
    overridden = convener.post(
        f"/api/v1/non-papers/{non_paper_id}/overrides",
        {"words": ["Kwame Mensah"], "reason": "He asked to be credited, in writing."},
        content_type="application/json",
    )
    assert overridden.json()["can_be_exported"] is True
    exported = convener.post(f"/api/v1/non-papers/{non_paper_id}/exports/pdf")
    assert exported.status_code == 200 and exported["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(exported.content)).pages[0].extract_text()
    assert "Joint water commission" in text
    assert Export.objects.get().format == "pdf"
    assert (
        api(talks.workspace.outsider).get(f"/api/v1/non-papers/{non_paper_id}").status_code == 404
    )
