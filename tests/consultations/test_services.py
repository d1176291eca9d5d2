"""Votes, history, one effective vote, moderation and the recompute that follows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from multitrack.accounts.models import AuditEvent
from multitrack.consultations import services
from multitrack.consultations.models import (
    Consultation,
    OpinionMap,
    Participant,
    Statement,
    Vote,
    VoteRecord,
)
from multitrack.opinion import ENGINE_VERSION
from tests.consultations.conftest import DATABASE, statement

pytestmark = pytest.mark.django_db


def test_convener_opens_a_consultation_with_accepted_seeds(consultation: Consultation) -> None:
    seeds = list(consultation.statements.all())
    assert [s.number for s in seeds] == [1, 2, 3, 4]
    assert all(s.status == Statement.Status.ACCEPTED and s.is_seed for s in seeds)
    assert AuditEvent.objects.filter(action="consultations.created").count() == 1


@pytest.mark.parametrize("role", ["analyst", "observer", "outsider"])
def test_only_runners_open_consultations(workspace: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.consultation_create(
            actor=getattr(workspace, role), process=workspace.process, title="T", question="Q"
        )


def test_a_vote_is_stored_once_and_its_history_kept(
    consultation: Consultation, participant: Participant
) -> None:
    first = statement(consultation, 1)
    services.vote_cast(participant=participant, statement=first, value=1)
    services.vote_cast(participant=participant, statement=first, value=-1)
    services.vote_cast(participant=participant, statement=first, value=0)
    assert Vote.objects.get(participant=participant, statement=first).value == 0
    assert Vote.objects.filter(participant=participant).count() == 1
    assert list(
        VoteRecord.objects.filter(participant=participant).values_list("value", flat=True)
    ) == [1, -1, 0]


def test_votes_are_tagged_with_their_origin(consultation: Consultation) -> None:
    anonymous = services.participant_join(consultation=consultation)[0]
    [token] = services.invitations_create(
        actor=consultation.created_by, consultation=consultation, count=1
    )
    invited = services.invitation_redeem(consultation=consultation, token=token)[0]
    for who in (anonymous, invited):
        services.vote_cast(participant=who, statement=statement(consultation, 1), value=1)
    assert sorted(VoteRecord.objects.values_list("origin", flat=True)) == [
        "anonymous",
        "invited",
    ]


def test_an_invitation_works_once(consultation: Consultation) -> None:
    [token] = services.invitations_create(
        actor=consultation.created_by, consultation=consultation, count=1
    )
    services.invitation_redeem(consultation=consultation, token=token)
    with pytest.raises(ValidationError):
        services.invitation_redeem(consultation=consultation, token=token)


def test_anonymous_participants_cannot_join_an_invited_consultation(
    consultation: Consultation,
) -> None:
    consultation.access = Consultation.Access.INVITED
    consultation.save()
    with pytest.raises(ValidationError):
        services.participant_join(consultation=consultation)


@pytest.mark.parametrize("value", [2, -2, 5])
def test_a_vote_must_be_agree_disagree_or_pass(
    consultation: Consultation, participant: Participant, value: int
) -> None:
    with pytest.raises(ValidationError):
        services.vote_cast(
            participant=participant, statement=statement(consultation, 1), value=value
        )


def test_no_votes_once_the_consultation_closes(
    consultation: Consultation, participant: Participant
) -> None:
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.save()
    with pytest.raises(ValidationError):
        services.vote_cast(participant=participant, statement=statement(consultation, 1), value=1)


def test_submitter_cannot_vote_on_own_statement_awaiting_pre_moderation(
    consultation: Consultation, participant: Participant
) -> None:
    own = services.statement_submit(participant=participant, text="Ferries should run at night.")
    assert own.status == Statement.Status.PENDING
    with pytest.raises(ValidationError):
        services.vote_cast(participant=participant, statement=own, value=1)
    assert not VoteRecord.objects.exists()


def test_post_moderated_statements_take_votes_at_once(
    consultation: Consultation, participant: Participant
) -> None:
    consultation.moderation = Consultation.Moderation.POST
    consultation.save()
    own = services.statement_submit(participant=participant, text="Ferries should run at night.")
    other = services.participant_join(consultation=consultation)[0]
    services.vote_cast(participant=other, statement=own, value=1)
    assert Vote.objects.filter(statement=own).count() == 1


def test_rejected_statements_take_no_votes(
    workspace: Any, consultation: Consultation, participant: Participant
) -> None:
    target = statement(consultation, 2)
    services.statement_moderate(
        actor=workspace.facilitator, statement=target, decision="reject", reason="Off topic"
    )
    with pytest.raises(ValidationError):
        services.vote_cast(participant=participant, statement=target, value=1)


def test_near_duplicate_statements_are_refused_until_confirmed(
    participant: Participant,
) -> None:
    text = "The harbour should be open to boats from both shores!"
    with pytest.raises(ValidationError) as error:
        services.statement_submit(participant=participant, text=text.replace("boats", "boat"))
    assert "already exists" in str(error.value)
    created = services.statement_submit(
        participant=participant,
        text="The harbour should be open to ships from both shores",
        allow_near_duplicate=True,
    )
    assert created.status == Statement.Status.PENDING


def test_an_exact_duplicate_is_refused_even_when_confirmed(participant: Participant) -> None:
    with pytest.raises(ValidationError):
        services.statement_submit(
            participant=participant,
            text="fishing QUOTAS must be decided jointly",
            allow_near_duplicate=True,
        )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x" * 281, "under 280"),
        ("!!! ???", "in words"),
        ("See https://example.org for more", "Links"),
        ("Гавань должна быть открыта для всех", "languages"),
    ],
)
def test_statement_text_is_checked(participant: Participant, text: str, reason: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.statement_submit(participant=participant, text=text)
    assert reason in str(error.value)


def test_moderators_accept_reject_and_mark_meta_with_reasons(
    workspace: Any, consultation: Consultation, participant: Participant
) -> None:
    texts = ["Night ferries would help families.", "Who pays for this survey?", "Spam spam spam"]
    for text in texts:
        services.statement_submit(participant=participant, text=text)
    moderated = services.statements_moderate(
        actor=workspace.facilitator, consultation=consultation, numbers=[5], decision="accept"
    )
    services.statement_moderate(
        actor=workspace.convener,
        statement=statement(consultation, 6),
        decision="meta",
        reason="About the process",
    )
    with pytest.raises(ValidationError):
        services.statement_moderate(
            actor=workspace.convener, statement=statement(consultation, 7), decision="reject"
        )
    services.statement_moderate(
        actor=workspace.convener,
        statement=statement(consultation, 7),
        decision="reject",
        reason="Spam",
    )
    assert moderated == 1
    assert statement(consultation, 6).is_meta
    assert statement(consultation, 7).moderation_reason == "Spam"
    assert AuditEvent.objects.filter(action="consultations.statement_rejected").exists()


@pytest.mark.parametrize("role", ["analyst", "observer", "outsider"])
def test_non_moderators_cannot_moderate(
    workspace: Any, consultation: Consultation, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.statement_moderate(
            actor=getattr(workspace, role),
            statement=statement(consultation, 1),
            decision="reject",
            reason="No",
        )


def test_audit_events_carry_no_content(consultation: Consultation) -> None:
    for event in AuditEvent.objects.all():
        assert "harbour" not in str(event).lower()


def _vote_in_two_camps(consultation: Consultation, people: int = 12) -> None:
    for index in range(people):
        who = services.participant_join(consultation=consultation)[0]
        camp = 1 if index % 2 else -1
        for number in range(1, 5):
            value = camp if number % 2 else -camp
            services.vote_cast(
                participant=who, statement=statement(consultation, number), value=value
            )


def test_votes_recompute_the_map_with_engine_version_and_random_state(
    consultation: Consultation,
) -> None:
    _vote_in_two_camps(consultation)
    stored = OpinionMap.objects.filter(consultation=consultation).first()
    assert stored is not None
    assert stored.engine_version == ENGINE_VERSION
    assert stored.random_state == consultation.pk
    assert stored.n_votes == 48
    assert len(stored.result["groups"]) == 2
    assert stored.state["participant_ids"]
    consultation.refresh_from_db()
    assert consultation.map_requested_at is None


def test_a_later_fit_warm_starts_from_the_previous_map(consultation: Consultation) -> None:
    _vote_in_two_camps(consultation)
    latest = OpinionMap.objects.filter(consultation=consultation).first()
    assert latest is not None
    assert latest.warm_start_from is not None


def test_debounce_queues_one_recompute_for_a_burst(
    settings: Any, consultation: Consultation, participant: Participant
) -> None:
    settings.TASKS = DATABASE  # a real queue: the fit runs after the debounce, not at once
    settings.MULTITRACK_MAP_DEBOUNCE_SECONDS = 30
    for number in range(1, 5):
        services.vote_cast(
            participant=participant, statement=statement(consultation, number), value=1
        )
    queued = DBTaskResult.objects.get()  # one fit for the whole burst
    assert queued.run_after >= timezone.now() + datetime.timedelta(seconds=25)
    consultation.refresh_from_db()
    assert consultation.map_requested_at is not None


def test_saving_a_stale_copy_does_not_reissue_participant_numbers(
    consultation: Consultation,
) -> None:
    stale = Consultation.objects.get(pk=consultation.pk)
    first = services.participant_join(consultation=consultation)[0]
    stale.title = "Renamed"
    stale.save()
    second = services.participant_join(consultation=consultation)[0]
    assert (first.number, second.number) == (1, 2)


def test_identical_vote_vectors_and_fast_voting_are_flagged(consultation: Consultation) -> None:
    from multitrack.consultations.selectors import abuse_signals

    clones = [services.participant_join(consultation=consultation)[0] for _ in range(3)]
    for _ in range(2):  # each clone votes on everything twice, within a second
        for clone in clones:
            for number in range(1, 5):
                services.vote_cast(
                    participant=clone, statement=statement(consultation, number), value=1
                )
    honest = services.participant_join(consultation=consultation)[0]
    services.vote_cast(participant=honest, statement=statement(consultation, 1), value=-1)
    found = abuse_signals(consultation)
    assert found.fast_voters == [c.number for c in clones]
    assert found.identical_vectors == []  # four votes each: below the five needed
    new = services.statement_seed(
        actor=consultation.created_by, consultation=consultation, text="A fifth statement here."
    )
    for clone in clones:
        services.vote_cast(participant=clone, statement=new, value=1)
    assert abuse_signals(consultation).identical_vectors == [[c.number for c in clones]]
