"""Under pre-moderation, nobody but the author sees a pending statement, not even through the
near-duplicate warning (a pending statement may be rejected for naming someone)."""

from __future__ import annotations

from django.test import Client

from multitrack.consultations import services
from multitrack.consultations.models import Consultation, Participant, Statement

SECRET = "Commander Halvorsen of the northern unit told me he will defect next month"


def test_another_participant_never_sees_a_pending_statement(
    consultation: Consultation, participant: Participant
) -> None:
    assert consultation.moderation == Consultation.Moderation.PRE
    services.statement_submit(participant=participant, text=SECRET)
    assert Statement.objects.get(text=SECRET).status == Statement.Status.PENDING

    response = Client().post(
        f"/c/{consultation.public_key}/write/",
        {"text": SECRET.replace("next", "this"), "language": "en"},
    )

    body = response.content.decode()
    assert "Halvorsen" not in body.replace(SECRET.replace("next", "this"), "")
    assert Statement.objects.filter(status=Statement.Status.PENDING).count() == 2


def test_the_author_is_still_warned_about_their_own_near_duplicate(
    consultation: Consultation, participant: Participant
) -> None:
    services.statement_submit(participant=participant, text=SECRET)
    from multitrack.consultations.selectors import existing_statement_texts

    refused = existing_statement_texts(consultation, participant)
    assert [text for _, text in refused if text == SECRET] == [SECRET]
