"""Results of everyone and of invited participants only: anonymous votes are bounded by a cookie."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from multitrack.consultations import services
from multitrack.consultations.models import Consultation, OpinionMap, Participant

from .conftest import statement

pytestmark = pytest.mark.django_db

API = "/api/v1/consultations"
INVITED_VOTES = {1: 1, 2: 1, 3: -1}  # what every invited participant thinks
ANONYMOUS_VOTES = {1: -1, 2: -1, 3: 1}  # the anonymous ones vote the opposite way


def _vote(participant: Participant, votes: dict[int, int], split: int) -> None:
    consultation = participant.consultation
    for number, value in votes.items():
        services.vote_cast(
            participant=participant, statement=statement(consultation, number), value=value
        )
    # Statement 4 splits each kind in two camps, so each map has groups to show.
    services.vote_cast(participant=participant, statement=statement(consultation, 4), value=split)


def _invited(workspace: Any, consultation: Consultation, count: int) -> list[Participant]:
    tokens = services.invitations_create(
        actor=workspace.convener, consultation=consultation, count=count
    )
    return [services.invitation_redeem(consultation=consultation, token=t)[0] for t in tokens]


def _both_kinds_vote(workspace: Any, consultation: Consultation) -> list[Participant]:
    invited = _invited(workspace, consultation, 8)
    for index, participant in enumerate(invited):
        _vote(participant, INVITED_VOTES, 1 if index % 2 else -1)
    for index in range(12):
        anonymous = services.participant_join(consultation=consultation)[0]
        _vote(anonymous, ANONYMOUS_VOTES, 1 if index % 2 else -1)
    services.map_recompute(consultation_id=consultation.pk)
    return invited


def test_the_invited_only_map_reflects_only_the_invited_participants_votes(
    workspace: Any, consultation: Consultation
) -> None:
    invited = _both_kinds_vote(workspace, consultation)
    everyone = OpinionMap.objects.filter(participants="everyone").latest()
    only_invited = OpinionMap.objects.filter(participants="invited").latest()
    assert only_invited.computed_at == everyone.computed_at
    assert everyone.n_participants == 20 and only_invited.n_participants == 8
    assert only_invited.result["participants"]["ids"] == sorted(p.number for p in invited)
    assert sum(group["size"] for group in only_invited.result["groups"]) <= 8
    # Among invited participants alone, 1 and 2 are agreed on and 3 is disagreed on ...
    assert {1, 2} <= set(only_invited.result["consensus"]["agree"])
    assert 3 in only_invited.result["consensus"]["disagree"]
    assert 3 not in only_invited.result["consensus"]["agree"]
    # ... whereas the anonymous majority pulls everyone's map the other way.
    assert not {1, 2} & set(everyone.result["consensus"]["agree"])


def test_members_switch_between_everyone_and_invited_participants_only(
    workspace: Any, consultation: Consultation
) -> None:
    _both_kinds_vote(workspace, consultation)
    client = workspace.client_for(workspace.observer)
    url = reverse("consultation-results", args=[consultation.pk])
    page = client.get(url)
    assert page.context["results"].map.participants == "everyone"
    assert b'id="map-participants"' in page.content
    assert f'href="{url}?participants=invited"'.encode() in page.content
    assert b"(20 participants)" in page.content and b"(8 participants)" in page.content
    invited_page = client.get(url, {"participants": "invited"})
    results = invited_page.context["results"]
    assert results.map.participants == "invited" and results.map.n_participants == 8
    assert {1, 2} <= {s.number for s in results.consensus_agree}
    assert b'<strong aria-current="true">Invited participants only</strong>' in (
        invited_page.content
    )
    assert b"<script>" not in invited_page.content


def test_there_is_no_switch_when_only_one_kind_of_participant_voted(
    workspace: Any, consultation: Consultation
) -> None:
    for index in range(6):
        anonymous = services.participant_join(consultation=consultation)[0]
        _vote(anonymous, ANONYMOUS_VOTES, 1 if index % 2 else -1)
    _invited(workspace, consultation, 2)  # invited, but they have not voted
    services.map_recompute(consultation_id=consultation.pk)
    assert not OpinionMap.objects.filter(participants="invited").exists()
    client = workspace.client_for(workspace.analyst)
    url = reverse("consultation-results", args=[consultation.pk])
    page = client.get(url)
    assert b'id="map-participants"' not in page.content
    assert b"There is no separate map of invited participants only" in page.content
    asked = client.get(url, {"participants": "invited"})
    assert asked.status_code == 200
    assert b"There is no map of invited participants only" in asked.content
    assert b"Map last updated" not in asked.content


def test_an_unknown_choice_of_participants_is_refused_plainly(
    workspace: Any, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.analyst)
    url = reverse("consultation-results", args=[consultation.pk])
    response = client.get(url, {"participants": "verified"})
    assert response.status_code == 400 and b"use everyone or invited" in response.content
    assert client.get(f"{API}/{consultation.pk}/results?participants=verified").status_code == 422


def test_outsiders_get_404_whichever_map_they_ask_for(
    workspace: Any, consultation: Consultation
) -> None:
    _both_kinds_vote(workspace, consultation)
    client = workspace.client_for(workspace.outsider)
    url = reverse("consultation-results", args=[consultation.pk])
    for participants in ("everyone", "invited", "nonsense"):
        assert client.get(url, {"participants": participants}).status_code == 404
    for participants in ("everyone", "invited"):
        api = f"{API}/{consultation.pk}/results?participants={participants}"
        assert client.get(api).status_code == 404
    # A bad choice is refused before the consultation is looked at: the same for any id.
    for pk in (consultation.pk, consultation.pk + 1000):
        assert client.get(f"{API}/{pk}/results?participants=nonsense").status_code == 422


def test_the_api_gives_either_map(workspace: Any, consultation: Consultation) -> None:
    _both_kinds_vote(workspace, consultation)
    client = workspace.client_for(workspace.convener)
    everyone = client.get(f"{API}/{consultation.pk}/results").json()
    assert everyone["participants"] == "everyone" and everyone["invited_map_exists"]
    assert everyone["map_n_participants"] == 20
    invited = client.get(f"{API}/{consultation.pk}/results?participants=invited").json()
    assert invited["participants"] == "invited" and invited["map_n_participants"] == 8
    assert {1, 2} <= set(invited["consensus_agree"])
    assert invited["computed_at"] == everyone["computed_at"]
