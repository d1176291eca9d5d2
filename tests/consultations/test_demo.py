"""The demo consultation: a few hundred synthetic votes, groups on its map, one pending queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from multitrack.consultations.demo import (
    DEMO_PROCESS_TITLE,
    DEMO_TITLE,
    load_consultations_demo,
)
from multitrack.consultations.models import Consultation, OpinionMap, Statement, VoteRecord
from multitrack.demo import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_consultation_has_votes_groups_and_a_queue(settings: Any, tmp_path: Path) -> None:
    settings.MULTITRACK_MAP_DEBOUNCE_SECONDS = 60
    demo_load(logins_path=tmp_path / "logins.txt")
    consultation = Consultation.objects.get(title=DEMO_TITLE)
    assert consultation.process.title == DEMO_PROCESS_TITLE
    assert 300 <= VoteRecord.objects.filter(consultation=consultation).count() <= 700
    stored = OpinionMap.objects.get(consultation=consultation)
    assert len(stored.result["groups"]) >= 2
    assert consultation.statements.filter(status=Statement.Status.PENDING).count() == 2


def test_the_demo_consultation_never_lands_in_a_real_process(workspace: Any) -> None:
    assert load_consultations_demo() is None
    assert not Consultation.objects.exists()
