"""The background recompute through the real django-tasks database queue and worker command."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from multitrack.consultations import services
from multitrack.consultations.models import Consultation, OpinionMap, Participant
from tests.consultations.conftest import DATABASE, statement


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_a_queued_recompute(
    settings: Any, consultation: Consultation, participant: Participant
) -> None:
    settings.TASKS = DATABASE
    services.vote_cast(participant=participant, statement=statement(consultation, 1), value=1)
    services.vote_cast(participant=participant, statement=statement(consultation, 2), value=-1)
    assert DBTaskResult.objects.count() == 1  # one queued fit for the burst, not one per vote
    assert not OpinionMap.objects.exists()  # the vote did not wait for a fit
    consultation.refresh_from_db()
    assert consultation.map_requested_at is not None

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    stored = OpinionMap.objects.get(consultation=consultation)
    assert stored.n_votes == 2
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    consultation.refresh_from_db()
    assert consultation.map_requested_at is None


@pytest.mark.django_db(transaction=True)
def test_a_deferred_recompute_waits_for_its_time(
    settings: Any, consultation: Consultation, participant: Participant
) -> None:
    settings.TASKS = DATABASE
    settings.MULTITRACK_MAP_DEBOUNCE_SECONDS = 60
    services.vote_cast(participant=participant, statement=statement(consultation, 1), value=1)
    task = DBTaskResult.objects.get()
    assert task.run_after is not None
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert not OpinionMap.objects.exists()
