"""The JSON API: staff operations by role, participant operations by the participant cookie."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from multitrack.consultations import services
from multitrack.consultations.models import Consultation, Participant, Statement, VoteRecord

pytestmark = pytest.mark.django_db

API = "/api/v1/consultations"


def _post(client: Client, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def test_a_participant_votes_through_the_api(consultation: Consultation) -> None:
    client = Client()
    base = f"{API}/participate/{consultation.public_key}"
    first = client.get(f"{base}/next").json()
    assert first["statement"]["number"] in {1, 2, 3, 4} and first["total"] == 4
    response = _post(
        client, f"{base}/votes", {"statement": first["statement"]["number"], "value": 1}
    )
    assert response.status_code == 201
    assert response.json() == {"statement": first["statement"]["number"], "value": 1}
    assert client.get(f"{base}/next").json()["voted"] == 1
    _post(client, f"{base}/votes", {"statement": first["statement"]["number"], "value": -1})
    assert Participant.objects.count() == 1
    assert VoteRecord.objects.count() == 2


def test_participant_votes_need_the_csrf_token(consultation: Consultation) -> None:
    client = Client(enforce_csrf_checks=True)
    base = f"{API}/participate/{consultation.public_key}"
    response = _post(client, f"{base}/votes", {"statement": 1, "value": 1})
    assert response.status_code == 403
    client.get(f"/c/{consultation.public_key}/")
    token = client.cookies["csrftoken"].value
    response = _post(client, f"{base}/votes", {"statement": 1, "value": 1}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_a_bad_vote_value_is_422(consultation: Consultation) -> None:
    base = f"{API}/participate/{consultation.public_key}"
    assert _post(Client(), f"{base}/votes", {"statement": 1, "value": 3}).status_code == 422


def test_api_rate_limit_answers_429_with_retry_after(
    settings: Any, consultation: Consultation
) -> None:
    settings.MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE = 1
    client = Client()
    base = f"{API}/participate/{consultation.public_key}"
    assert _post(client, f"{base}/votes", {"statement": 1, "value": 1}).status_code == 201
    response = _post(client, f"{base}/votes", {"statement": 2, "value": 1})
    assert response.status_code == 429
    assert response.json()["retry_after"] > 0 and "wait" in response.json()["detail"]


def test_a_participant_writes_through_the_api(consultation: Consultation) -> None:
    client = Client()
    base = f"{API}/participate/{consultation.public_key}"
    response = _post(client, f"{base}/statements", {"text": "Ferries should run at night."})
    assert response.status_code == 201 and response.json()["status"] == "pending"
    duplicate = _post(client, f"{base}/statements", {"text": "Ferries should run at night!"})
    assert duplicate.status_code == 422


def test_unknown_consultation_key_is_404() -> None:
    assert Client().get(f"{API}/participate/nope/next").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"), [("convener", 200), ("observer", 200), ("outsider", 404)]
)
def test_results_by_role(
    workspace: Any, consultation: Consultation, role: str, status: int
) -> None:
    client = workspace.client_for(getattr(workspace, role))
    assert client.get(f"{API}/{consultation.pk}/results").status_code == status


def test_results_need_a_login(consultation: Consultation) -> None:
    assert Client().get(f"{API}/{consultation.pk}/results").status_code == 401


def test_listing_shows_only_visible_consultations(
    workspace: Any, consultation: Consultation
) -> None:
    services.consultation_create(
        actor=workspace.outsider, process=None, title="Outsider's own", question="Q"
    )
    titles = [c["title"] for c in workspace.client_for(workspace.convener).get(f"{API}/").json()]
    assert titles == ["Harbour futures"]
    titles = [c["title"] for c in workspace.client_for(workspace.outsider).get(f"{API}/").json()]
    assert titles == ["Outsider's own"]


@pytest.mark.parametrize(
    ("role", "status"), [("facilitator", 200), ("analyst", 403), ("outsider", 404)]
)
def test_moderation_through_the_api(
    workspace: Any, consultation: Consultation, participant: Participant, role: str, status: int
) -> None:
    services.statement_submit(participant=participant, text="Night ferries for families.")
    client = workspace.client_for(getattr(workspace, role))
    queue = client.get(f"{API}/{consultation.pk}/moderation")
    assert queue.status_code == status
    response = _post(
        client, f"{API}/{consultation.pk}/moderation", {"numbers": [5], "decision": "accept"}
    )
    assert response.status_code == status
    if status == 200:
        assert [s["number"] for s in queue.json()] == [5]
        assert Statement.objects.get(number=5).status == Statement.Status.ACCEPTED


def test_the_next_statement_of_an_invitation_only_consultation_needs_the_invitation(
    workspace: Any, consultation: Consultation
) -> None:
    # The page shows no statement to a browser that has only the link; the API must not either.
    consultation.access = Consultation.Access.INVITED
    consultation.save()
    (token,) = services.invitations_create(
        actor=workspace.convener, consultation=consultation, count=1
    )
    client = Client()
    base = f"{API}/participate/{consultation.public_key}"

    refused = client.get(f"{base}/next")
    client.post(f"/c/{consultation.public_key}/join/{token}/")
    invited = client.get(f"{base}/next")

    assert refused.status_code == 403
    assert "statement" not in refused.json()
    assert invited.status_code == 200
    assert invited.json()["statement"]["number"] in {1, 2, 3, 4}
