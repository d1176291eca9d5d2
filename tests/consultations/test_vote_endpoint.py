"""The participant vote endpoint, answered before the full middleware stack (real database)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from multitrack.consultations import services
from multitrack.consultations.models import Consultation, Participant, Statement, Vote, VoteRecord
from multitrack.web.middleware import RETRY_AFTER_SECONDS
from tests.consultations.conftest import DATABASE, statement

pytestmark = pytest.mark.django_db

FAST_PATH = "multitrack.consultations.vote_endpoint.VoteEndpointMiddleware"


def _url(consultation: Consultation) -> str:
    return f"/api/v1/consultations/participate/{consultation.public_key}/votes"


def _vote(client: Client, consultation: Consultation, number: Any, value: Any, **extra: Any) -> Any:
    body = json.dumps({"statement": number, "value": value})
    return client.post(_url(consultation), body, content_type="application/json", **extra)


def test_a_vote_is_stored_and_the_browser_gets_its_identity(consultation: Consultation) -> None:
    client = Client()
    response = _vote(client, consultation, 2, 1)
    assert response.status_code == 201
    assert response.json() == {"statement": 2, "value": 1}
    assert int(response["Content-Length"]) == len(response.content)
    raw = client.cookies[f"mtc_{consultation.public_key}"].value
    participant = Participant.objects.get()
    assert participant.key_hash != raw and len(participant.key_hash) == 64
    assert _vote(client, consultation, 3, -1).status_code == 201
    assert Participant.objects.count() == 1
    assert sorted(Vote.objects.values_list("statement__number", "value")) == [(2, 1), (3, -1)]
    assert VoteRecord.objects.filter(participant=participant).count() == 2


def test_a_repeated_vote_is_counted_once_and_history_is_kept(consultation: Consultation) -> None:
    client = Client()
    for value in (1, 1, -1):
        assert _vote(client, consultation, 1, value).status_code == 201
    assert Vote.objects.get().value == -1
    assert list(VoteRecord.objects.values_list("value", flat=True)) == [1, 1, -1]


def test_a_known_browser_votes_in_one_query_on_postgresql(
    settings: Any, consultation: Consultation, django_assert_num_queries: Any
) -> None:
    settings.TASKS = DATABASE  # the recompute waits in the queue, as it does for a worker
    settings.MULTITRACK_MAP_DEBOUNCE_SECONDS = 10
    client = Client()
    _vote(client, consultation, 1, 1)  # joins, and queues the debounced recompute
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement vote is PostgreSQL's")
    # Both rate limits, the vote, its history and the map's stale mark: one statement.
    with django_assert_num_queries(1):
        assert _vote(client, consultation, 2, 1).status_code == 201
    assert DBTaskResult.objects.count() == 1


def test_a_new_browser_joins_and_votes_in_one_statement_on_postgresql(
    settings: Any, consultation: Consultation, django_assert_num_queries: Any
) -> None:
    settings.TASKS = DATABASE
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement vote is PostgreSQL's")
    _vote(Client(), consultation, 1, 1)  # the first newcomer queues the recompute
    # A participant number (one short update outside a flood), then the vote statement.
    with django_assert_num_queries(2):
        assert _vote(Client(), consultation, 1, -1).status_code == 201
    assert Participant.objects.count() == 2
    assert Vote.objects.count() == VoteRecord.objects.count() == 2


def test_another_participants_cookie_does_not_vote_as_them(consultation: Consultation) -> None:
    other = services.consultation_create(
        actor=consultation.created_by,
        process=consultation.process,
        title="Other",
        question="Other?",
        seed_statements=["One statement of the other consultation."],
    )
    first = Client()
    assert _vote(first, other, 1, 1).status_code == 201
    raw = first.cookies[f"mtc_{other.public_key}"].value
    # The same secret under this consultation's cookie name is no one here: a new participant.
    thief = Client()
    thief.cookies[f"mtc_{consultation.public_key}"] = raw
    assert _vote(thief, consultation, 1, -1).status_code == 201
    owner = Participant.objects.get(consultation=other)
    assert list(owner.votes.values_list("value", flat=True)) == [1]
    newcomer = Participant.objects.get(consultation=consultation)
    assert newcomer.key_hash != owner.key_hash
    # A made-up secret is no one either.
    stranger = Client()
    stranger.cookies[f"mtc_{consultation.public_key}"] = "x" * 43
    assert _vote(stranger, consultation, 1, 1).status_code == 201
    assert Participant.objects.filter(consultation=consultation).count() == 2


def test_a_closed_consultation_takes_no_votes(consultation: Consultation) -> None:
    client = Client()
    assert _vote(client, consultation, 1, 1).status_code == 201
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.opens_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    for browser in (client, Client()):
        response = _vote(browser, consultation, 2, 1)
        assert response.status_code == 422
        assert "not open" in response.json()["detail"][0]["message"]
    assert VoteRecord.objects.count() == 1 and Participant.objects.count() == 1


def test_a_refused_newcomer_leaves_no_participant_and_takes_no_number(
    consultation: Consultation,
) -> None:
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.opens_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    for number in (1, 99):  # a votable statement and one that does not exist
        assert _vote(Client(), consultation, number, 1).status_code in (404, 422)
    consultation.refresh_from_db()
    assert consultation.last_participant_number == 0
    assert not Participant.objects.exists() and not VoteRecord.objects.exists()


def test_a_rejected_or_unmoderated_statement_takes_no_votes(
    workspace: Any, consultation: Consultation
) -> None:
    services.statement_moderate(
        actor=workspace.convener,
        statement=statement(consultation, 2),
        decision="reject",
        reason="Off topic.",
    )
    client = Client()
    assert _vote(client, consultation, 1, 1).status_code == 201
    response = _vote(client, consultation, 2, 1)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "statement", "message": "This statement cannot be voted on."}
    ]
    participant = Participant.objects.get()
    pending = services.statement_submit(participant=participant, text="Ferries at night.")
    assert consultation.moderation == Consultation.Moderation.PRE
    assert _vote(client, consultation, pending.number, 1).status_code == 422
    assert VoteRecord.objects.count() == 1


def test_an_unknown_statement_or_link_is_404(consultation: Consultation) -> None:
    client = Client()
    assert _vote(client, consultation, 1, 1).status_code == 201
    response = _vote(client, consultation, 99, 1)
    assert response.status_code == 404 and response.json() == {"detail": "No such statement."}
    response = client.post(
        "/api/v1/consultations/participate/nope/votes",
        json.dumps({"statement": 1, "value": 1}),
        content_type="application/json",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"statement": 1, "value": 3}', "value"),
        ('{"statement": 1, "value": true}', "value"),
        ('{"statement": 0, "value": 1}', "statement"),
        ('{"statement": "1", "value": 1}', "statement"),
        ('{"value": 1}', "statement"),
        ("[1, 1]", "__all__"),
        ("statement=1&value=1", "__all__"),
        ('{"statement": 1, "value": 1, "padding": "' + "x" * 2000 + '"}', "__all__"),
    ],
)
def test_a_malformed_vote_is_422_and_stores_nothing(
    consultation: Consultation, body: str, field: str
) -> None:
    response = Client().post(_url(consultation), body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field
    assert not VoteRecord.objects.exists() and not Participant.objects.exists()


def test_invited_consultation_refuses_a_new_browser(consultation: Consultation) -> None:
    consultation.access = Consultation.Access.INVITED
    consultation.save()
    response = _vote(Client(), consultation, 1, 1)
    assert response.status_code == 422 and "invitation" in response.json()["detail"][0]["message"]
    assert not Participant.objects.exists()


def test_an_anonymous_participant_cannot_vote_once_invited_only(
    consultation: Consultation,
) -> None:
    client = Client()
    assert _vote(client, consultation, 1, 1).status_code == 201
    consultation.access = Consultation.Access.INVITED
    consultation.save()
    assert _vote(client, consultation, 2, 1).status_code == 422
    assert VoteRecord.objects.count() == 1


def test_votes_over_the_participant_limit_are_429(
    settings: Any, consultation: Consultation
) -> None:
    settings.MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE = 2
    client = Client()
    for number in (1, 2):
        assert _vote(client, consultation, number, 1).status_code == 201
    response = _vote(client, consultation, 3, 1)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == response.json()["retry_after"] > 0
    assert "voting faster" in response.json()["detail"]
    assert VoteRecord.objects.count() == 2
    assert _vote(Client(), consultation, 3, 1).status_code == 201  # others are not held up


def test_votes_over_the_address_limit_are_429_for_new_browsers_too(
    settings: Any, consultation: Consultation
) -> None:
    settings.MULTITRACK_VOTES_PER_ADDRESS_PER_MINUTE = 2
    client = Client()
    assert _vote(client, consultation, 1, 1).status_code == 201
    assert _vote(client, consultation, 2, 1).status_code == 201
    for browser in (client, Client()):
        response = _vote(browser, consultation, 3, 1)
        assert response.status_code == 429 and "your network" in response.json()["detail"]
    assert VoteRecord.objects.count() == 2 and Participant.objects.count() == 1


def test_a_vote_needs_the_csrf_token_and_a_same_site_origin(consultation: Consultation) -> None:
    client = Client(enforce_csrf_checks=True)
    response = _vote(client, consultation, 1, 1)
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    client.get(f"/c/{consultation.public_key}/")
    token = client.cookies["csrftoken"].value
    response = _vote(
        client, consultation, 1, 1, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    assert _vote(client, consultation, 1, 1, HTTP_X_CSRFTOKEN="x" * 32).status_code == 403
    assert not VoteRecord.objects.exists() and not Participant.objects.exists()
    response = _vote(
        client, consultation, 1, 1, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://testserver"
    )
    assert response.status_code == 201
    # A known participant's cookie is not enough either.
    assert _vote(client, consultation, 2, 1).status_code == 403
    assert VoteRecord.objects.count() == 1


def test_the_api_operation_answers_the_same_without_the_middleware(
    settings: Any, consultation: Consultation
) -> None:
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != FAST_PATH]
    client = Client(enforce_csrf_checks=True)
    assert _vote(client, consultation, 1, 1).status_code == 403
    client.get(f"/c/{consultation.public_key}/")
    token = client.cookies["csrftoken"].value
    assert _vote(client, consultation, 1, 1, HTTP_X_CSRFTOKEN=token).status_code == 201
    assert _vote(client, consultation, 1, -1, HTTP_X_CSRFTOKEN=token).status_code == 201
    assert _vote(client, consultation, 99, 1, HTTP_X_CSRFTOKEN=token).status_code == 404
    assert Vote.objects.get().value == -1 and VoteRecord.objects.count() == 2


def test_other_methods_and_paths_go_through_the_usual_stack(consultation: Consultation) -> None:
    assert Client().get(_url(consultation)).status_code == 405
    assert Client().post(_url(consultation) + "/extra").status_code == 404


def test_a_statement_of_another_consultation_is_not_reachable(
    consultation: Consultation,
) -> None:
    other = services.consultation_create(
        actor=consultation.created_by,
        process=consultation.process,
        title="Other",
        question="Other?",
        seed_statements=[f"Other statement {n}." for n in range(1, 7)],
    )
    assert Statement.objects.filter(consultation=other, number=6).exists()
    response = _vote(Client(), consultation, 6, 1)  # this consultation has four
    assert response.status_code == 404
    assert not VoteRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_newcomers_gets_unique_numbers(workspace: Any) -> None:
    consultation = services.consultation_create(
        actor=workspace.convener,
        process=workspace.process,
        title="Flood",
        question="Flood?",
        seed_statements=["One statement to vote on."],
    )
    for _ in range(20):
        assert _vote(Client(), consultation, 1, 1).status_code == 201
    numbers = list(Participant.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 20 and min(numbers) == 1
    consultation.refresh_from_db()
    assert consultation.last_participant_number >= max(numbers)
    assert Vote.objects.count() == VoteRecord.objects.count() == 20


@pytest.mark.django_db(transaction=True)
def test_a_vote_on_a_cut_connection_is_503_and_the_next_one_is_stored(workspace: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("cuts a PostgreSQL backend with pg_terminate_backend")
    consultation = services.consultation_create(
        actor=workspace.convener,
        process=workspace.process,
        title="Outage",
        question="Outage?",
        seed_statements=["One statement.", "Another statement."],
    )
    client = Client(raise_request_exception=False)
    assert _vote(client, consultation, 1, 1).status_code == 201
    backend = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    response = _vote(client, consultation, 2, 1)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "try again" in response.json()["detail"]
    # Django closes a broken connection when a request finishes (the test client leaves that
    # signal out); the next vote then connects afresh and is stored.
    close_old_connections()
    assert _vote(client, consultation, 2, 1).status_code == 201
    assert VoteRecord.objects.count() == Vote.objects.count() == 2
