"""Pages: the participant flow on a phone, moderation, results and who may see them."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from multitrack.consultations import services
from multitrack.consultations.access import cookie_name
from multitrack.consultations.models import (
    Consultation,
    OpinionMap,
    Participant,
    Statement,
    Vote,
    VoteRecord,
)
from tests.consultations.conftest import statement

pytestmark = pytest.mark.django_db


def _url(name: str, consultation: Consultation, *args: Any) -> str:
    return reverse(name, args=[consultation.public_key, *args])


def _vote(client: Client, consultation: Consultation, number: int, value: int) -> Any:
    return client.post(
        _url("participate-vote", consultation), {"statement": number, "value": value}
    )


# --- Participant flow ---------------------------------------------------------------------


def test_a_visitor_sees_one_statement_without_an_account(consultation: Consultation) -> None:
    response = Client().get(_url("participate", consultation))
    assert response.status_code == 200
    assert response.context["statement"].status == Statement.Status.ACCEPTED
    assert b"Agree" in response.content and b"Disagree" in response.content
    assert "no-store" in response["Cache-Control"]
    assert not Participant.objects.exists()  # nobody is created by looking


def test_first_vote_gives_the_browser_an_unguessable_identity(consultation: Consultation) -> None:
    client = Client()
    response = _vote(client, consultation, 1, 1)
    assert response.status_code == 302
    cookie = response.cookies[cookie_name(consultation, secure=False)]
    assert len(cookie.value) >= 40 and cookie["httponly"] and cookie["samesite"] == "Lax"
    participant = Participant.objects.get()
    assert participant.origin == Participant.Origin.ANONYMOUS
    assert cookie.value not in participant.key_hash  # only the hash is stored
    _vote(client, consultation, 2, -1)
    assert Participant.objects.count() == 1
    assert Vote.objects.filter(participant=participant).count() == 2


def test_the_next_statement_is_one_not_yet_voted_on(consultation: Consultation) -> None:
    client = Client()
    for number in (1, 2, 3):
        _vote(client, consultation, number, 1)
    response = client.get(_url("participate", consultation))
    assert response.context["statement"].number == 4
    _vote(client, consultation, 4, 0)
    response = client.get(_url("participate", consultation))
    assert response.context["statement"] is None
    assert b"every statement" in response.content


def test_a_participant_changes_a_vote_and_history_is_kept(consultation: Consultation) -> None:
    client = Client()
    _vote(client, consultation, 1, 1)
    response = client.post(
        _url("participate-vote", consultation), {"statement": 1, "value": -1, "next": "votes"}
    )
    assert response.url == _url("participate-votes", consultation)
    page = client.get(response.url)
    assert b"Disagree" in page.content
    assert Vote.objects.get().value == -1
    assert VoteRecord.objects.count() == 2


def test_a_participant_writes_a_statement(consultation: Consultation) -> None:
    client = Client()
    response = client.post(
        _url("participate-write", consultation), {"text": "Night ferries would help families."}
    )
    assert response.status_code == 200
    assert b"moderator will read" in response.content
    written = Statement.objects.get(number=5)
    assert written.status == Statement.Status.PENDING and written.author is not None


def test_a_near_duplicate_is_shown_and_can_be_confirmed(consultation: Consultation) -> None:
    client = Client()
    text = "The harbour should be open to ships from both shores."
    response = client.post(_url("participate-write", consultation), {"text": text})
    assert response.status_code == 400
    assert b"near-duplicates" in response.content
    response = client.post(_url("participate-write", consultation), {"text": text, "confirm": "on"})
    assert response.status_code == 200
    assert Statement.objects.filter(text=text).exists()


def test_an_overlong_statement_is_refused_with_the_limit(consultation: Consultation) -> None:
    response = Client().post(_url("participate-write", consultation), {"text": "word " * 80})
    assert response.status_code == 400
    assert b"under 280 characters" in response.content


def test_votes_over_the_participant_limit_get_a_clear_message(
    settings: Any, consultation: Consultation
) -> None:
    settings.MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE = 2
    client = Client()
    for number in (1, 2):
        assert _vote(client, consultation, number, 1).status_code == 302
    response = _vote(client, consultation, 3, 1)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"voting faster than this consultation allows" in response.content
    assert VoteRecord.objects.count() == 2


def test_votes_over_the_address_limit_are_refused_for_new_browsers_too(
    settings: Any, consultation: Consultation
) -> None:
    settings.MULTITRACK_VOTES_PER_ADDRESS_PER_MINUTE = 3
    for _ in range(3):
        assert _vote(Client(), consultation, 1, 1).status_code == 302
    response = _vote(Client(), consultation, 1, 1)
    assert response.status_code == 429
    assert b"from your network" in response.content


def test_no_address_or_user_agent_is_stored(consultation: Consultation) -> None:
    client = Client(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="CanaryBrowser/9.9")
    _vote(client, consultation, 1, 1)
    client.post(_url("participate-write", consultation), {"text": "Ferries at night please."})
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if not table.startswith("consultations_"):
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from introspection)
            dump = repr(cursor.fetchall())
            assert "203.0.113.77" not in dump and "CanaryBrowser" not in dump


def test_invited_consultation_needs_an_invitation(
    workspace: Any, consultation: Consultation
) -> None:
    consultation.access = Consultation.Access.INVITED
    consultation.save()
    response = Client().get(_url("participate", consultation))
    assert b"by invitation only" in response.content
    assert _vote(Client(), consultation, 1, 1).status_code == 400
    [token] = services.invitations_create(
        actor=workspace.convener, consultation=consultation, count=1
    )
    client = Client()
    assert client.get(_url("participate-join", consultation, token)).status_code == 200
    assert not Participant.objects.exists()  # a link preview does not use the invitation up
    response = client.post(_url("participate-join", consultation, token))
    assert response.status_code == 302
    assert _vote(client, consultation, 1, 1).status_code == 302
    assert VoteRecord.objects.get().origin == Participant.Origin.INVITED
    assert Client().post(_url("participate-join", consultation, token)).status_code == 400


def test_an_unknown_link_is_404() -> None:
    assert Client().get("/c/not-a-consultation/").status_code == 404


def test_vote_needs_post(consultation: Consultation) -> None:
    assert Client().get(_url("participate-vote", consultation)).status_code == 405


def test_participants_see_the_map_only_when_allowed(consultation: Consultation) -> None:
    client = Client()
    _vote(client, consultation, 1, 1)
    assert client.get(_url("participate-map", consultation)).status_code == 404
    consultation.results_visibility = Consultation.ResultsVisibility.PARTICIPANTS
    consultation.save()
    assert client.get(_url("participate-map", consultation)).status_code == 200
    assert Client().get(_url("participate-map", consultation)).status_code == 404
    consultation.results_visibility = Consultation.ResultsVisibility.PUBLIC
    consultation.save()
    assert Client().get(_url("participate-map", consultation)).status_code == 200


# --- Staff pages --------------------------------------------------------------------------


def test_convener_creates_a_consultation_in_a_process(workspace: Any) -> None:
    client = workspace.client_for(workspace.convener)
    url = reverse("process-consultation-create", args=[workspace.process.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Fisheries",
            "question": "How should quotas be set?",
            "languages": "en, fr",
            "moderation": "post",
            "access": "link",
            "results_visibility": "members",
            "accepts_statements": "on",
            "statement_max_length": 200,
            "seed_statements": "Quotas by season.\nQuotas by boat size.\n",
        },
    )
    created = Consultation.objects.get(title="Fisheries")
    assert response.status_code == 302
    assert created.languages == ["en", "fr"] and created.statements.count() == 2


@pytest.mark.parametrize("role", ["analyst", "observer"])
def test_readers_cannot_create_consultations(workspace: Any, role: str) -> None:
    client = workspace.client_for(getattr(workspace, role))
    url = reverse("process-consultation-create", args=[workspace.process.pk])
    assert client.get(url).status_code == 403


def test_outsider_cannot_see_a_consultation(workspace: Any, consultation: Consultation) -> None:
    client = workspace.client_for(workspace.outsider)
    for name in ("consultation-detail", "consultation-results", "moderation-queue"):
        assert client.get(reverse(name, args=[consultation.pk])).status_code == 404
    assert client.get(reverse("consultation-list")).context["consultations"].count() == 0


@pytest.mark.parametrize("role", ["convener", "facilitator", "analyst", "observer"])
def test_members_see_results(workspace: Any, consultation: Consultation, role: str) -> None:
    client = workspace.client_for(getattr(workspace, role))
    response = client.get(reverse("consultation-results", args=[consultation.pk]))
    assert response.status_code == 200
    assert b"No map yet" in response.content


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("convener", 200),
        ("facilitator", 200),
        ("analyst", 403),
        ("observer", 403),
        ("outsider", 404),
    ],
)
def test_only_moderators_see_the_moderation_queue(
    workspace: Any, consultation: Consultation, role: str, status: int
) -> None:
    client = workspace.client_for(getattr(workspace, role))
    url = reverse("moderation-queue", args=[consultation.pk])
    assert client.get(url).status_code == status


def test_participants_never_reach_the_moderation_page(consultation: Consultation) -> None:
    client = Client()
    _vote(client, consultation, 1, 1)
    response = client.get(reverse("moderation-queue", args=[consultation.pk]))
    assert response.status_code == 302 and "login" in response.url


def test_bulk_moderation_with_a_reason(
    workspace: Any, consultation: Consultation, participant: Participant
) -> None:
    for text in ("Night ferries for families.", "Buy my boats now cheap", "Spam about nets"):
        services.statement_submit(participant=participant, text=text)
    client = workspace.client_for(workspace.facilitator)
    url = reverse("moderation-queue", args=[consultation.pk])
    page = client.get(url)
    assert [s.number for s in page.context["queue"]] == [5, 6, 7]
    response = client.post(url, {"numbers": [6, 7], "decision": "reject", "reason": "Spam"})
    assert response.status_code == 302
    assert list(
        Statement.objects.filter(status=Statement.Status.REJECTED).values_list("number", flat=True)
    ) == [6, 7]
    assert Statement.objects.get(number=6).moderation_reason == "Spam"
    client.post(url, {"numbers": [5], "decision": "meta", "reason": "About the process"})
    assert Statement.objects.get(number=5).is_meta


def test_results_show_groups_and_when_the_map_was_updated(
    workspace: Any, consultation: Consultation
) -> None:
    for index in range(12):
        client = Client()
        camp = 1 if index % 2 else -1
        for number in range(1, 5):
            _vote(client, consultation, number, camp if number % 2 else -camp)
    client = workspace.client_for(workspace.analyst)
    response = client.get(reverse("consultation-results", args=[consultation.pk]))
    results = response.context["results"]
    assert len(results.groups) == 2
    assert b"Map last updated" in response.content
    assert b'data-chart="opinion-map"' in response.content
    figure = results.figure
    assert {trace["name"] for trace in figure["data"]} >= {"Group A", "Group B", "Statements"}
    assert b"style=" not in response.content and b"https://" not in response.content


def test_reports_download_as_csv_and_json(workspace: Any, consultation: Consultation) -> None:
    _vote(Client(), consultation, 1, 1)
    client = workspace.client_for(workspace.observer)
    csv_response = client.get(reverse("consultation-report", args=[consultation.pk, "csv"]))
    assert csv_response.status_code == 200
    assert csv_response.content.decode().splitlines()[1].startswith("1,accepted,False,1,0,0,")
    data = json.loads(
        client.get(reverse("consultation-report", args=[consultation.pk, "json"])).content
    )
    assert data["map"]["engine_version"] and data["map"]["random_state"] == consultation.pk
    assert (
        client.get(reverse("consultation-report", args=[consultation.pk, "xml"])).status_code == 404
    )
    outsider = workspace.client_for(workspace.outsider)
    assert (
        outsider.get(reverse("consultation-report", args=[consultation.pk, "csv"])).status_code
        == 404
    )


def test_polis_export_is_for_runners(workspace: Any, consultation: Consultation) -> None:
    _vote(Client(), consultation, 1, 1)
    response = workspace.client_for(workspace.convener).get(
        reverse("consultation-export", args=[consultation.pk])
    )
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["comments.csv", "participants-votes.csv", "votes.csv"]
    observer = workspace.client_for(workspace.observer)
    assert observer.get(reverse("consultation-export", args=[consultation.pk])).status_code == 403


def test_invitation_links_are_shown_once(workspace: Any, consultation: Consultation) -> None:
    client = workspace.client_for(workspace.convener)
    response = client.post(reverse("invitations-create", args=[consultation.pk]), {"count": 3})
    assert len(response.context["links"]) == 3
    assert all("/join/" in link for link in response.context["links"])


def test_recompute_now_queues_a_fit(workspace: Any, consultation: Consultation) -> None:
    _vote(Client(), consultation, 1, 1)
    before = OpinionMap.objects.count()
    client = workspace.client_for(workspace.convener)
    response = client.post(reverse("consultation-recompute", args=[consultation.pk]))
    assert response.status_code == 302
    assert OpinionMap.objects.count() == before + 1
    observer = workspace.client_for(workspace.observer)
    assert (
        observer.post(reverse("consultation-recompute", args=[consultation.pk])).status_code == 403
    )
    assert statement(consultation, 1).votes.count() == 1
