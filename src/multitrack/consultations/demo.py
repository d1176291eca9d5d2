"""A demo consultation with a few hundred synthetic votes, added to the demo workspace.

Entirely fictional; deterministic for a given seed. Called by the demo loader after the
processes exist (``load_consultations_demo()``).
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from multitrack.accounts.models import Membership, Role
from multitrack.consultations import services
from multitrack.consultations.models import Consultation, OpinionMap, Vote, VoteRecord
from multitrack.processes.models import Process

DEMO_PROCESS_TITLE = "Selka Strait Coastal Dialogue"
DEMO_TITLE = "Futures of the Selka Strait fisheries"
SEED = 1515

# Each statement with how the three camps lean on it: +1 agree, -1 disagree, 0 mixed.
STATEMENTS: list[tuple[str, tuple[int, int, int]]] = [
    ("Fishing quotas in the strait should be set jointly by both coasts.", (1, 1, 1)),
    ("Boats from the northern coast should keep their historic fishing grounds.", (1, -1, 0)),
    ("Boats from the southern coast have been shut out of the best grounds.", (-1, 1, 0)),
    ("A joint coastguard patrol would reduce incidents at sea.", (1, 1, 0)),
    ("Compensation for seized boats must come before any new agreement.", (-1, 1, -1)),
    ("Scientists from both coasts should count the fish stocks together.", (1, 1, 1)),
    ("The strait should be closed to industrial trawlers.", (0, 1, 1)),
    ("Fishers' cooperatives should sit at the negotiating table.", (-1, 1, 1)),
    ("Port fees should be the same for boats from either coast.", (-1, 1, 1)),
    ("Licences should be issued by a joint commission, not by each capital.", (0, 0, 1)),
    ("Young people are leaving fishing because there is no future in it.", (1, 1, 1)),
    ("Talks should wait until the border question is settled.", (1, -1, -1)),
]
PENDING = [
    "Women who process the catch should be heard too.",
    "Night fishing bans hurt small boats the most.",
]
CAMP_SIZES = (24, 22, 14)


def _actor(process: Process) -> Any:
    membership = (
        Membership.objects.filter(process=process, role=Role.CONVENER)
        .select_related("user")
        .first()
    )
    if membership is not None:
        return membership.user
    return get_user_model().objects.filter(is_superuser=True).first()


@transaction.atomic
def load_consultations_demo(*, random_state: int = SEED) -> Consultation | None:
    """Add the demo consultation to the demo process (found by title); None if it is absent."""
    # Never falls back to another process: demo content must not land in a real one.
    process = Process.objects.filter(title=DEMO_PROCESS_TITLE).first()
    actor = _actor(process) if process is not None else None
    if process is None or actor is None:
        return None
    rng = random.Random(random_state)  # noqa: S311  # nosec B311  # synthetic data
    consultation = services.consultation_create(
        actor=actor,
        process=process,
        title=DEMO_TITLE,
        question="What would make fishing in the strait fair and safe for both coasts?",
        description="A fictional consultation for the demo workspace.",
        languages=["en"],
        moderation=Consultation.Moderation.PRE,
        results_visibility=Consultation.ResultsVisibility.PARTICIPANTS,
        seed_statements=[text for text, _ in STATEMENTS],
    )
    statements = list(consultation.statements.order_by("number"))
    participants = []
    for camp, size in enumerate(CAMP_SIZES):
        for _ in range(size):
            participant = services.participant_join(consultation=consultation)[0]
            participants.append(participant)
            for statement, (_, leanings) in zip(statements, STATEMENTS, strict=True):
                if rng.random() < 0.25:
                    continue  # not everyone votes on everything
                lean = leanings[camp]
                roll = rng.random()
                if lean == 0:
                    value = rng.choice((1, -1, 0))
                else:
                    value = lean if roll < 0.8 else (0 if roll < 0.9 else -lean)
                services.vote_cast(participant=participant, statement=statement, value=value)
    for text in PENDING:
        services.statement_submit(participant=rng.choice(participants), text=text)
    _spread_over_days(consultation, rng)
    services.map_recompute(consultation_id=consultation.pk)
    return consultation


def _spread_over_days(consultation: Consultation, rng: random.Random, days: int = 6) -> None:
    """Give the synthetic votes times over the past days, so participation has a shape."""
    now = timezone.now()
    start = {
        p: now - datetime.timedelta(hours=rng.uniform(1, days * 24))
        for p in consultation.participants.values_list("pk", flat=True)
    }
    records = list(VoteRecord.objects.filter(consultation=consultation))
    for index, record in enumerate(records):
        record.cast_at = start[record.participant_id] + datetime.timedelta(seconds=index % 600)
    VoteRecord.objects.bulk_update(records, ["cast_at"], batch_size=500)
    votes = list(Vote.objects.filter(consultation=consultation))
    for vote in votes:
        vote.cast_at = start[vote.participant_id]
    Vote.objects.bulk_update(votes, ["cast_at"], batch_size=500)
    for participant in consultation.participants.all():
        participant.created_at = start[participant.pk]
        participant.save(update_fields=["created_at"])
    OpinionMap.objects.filter(consultation=consultation).delete()
