"""The background recompute through the real django-tasks database queue and worker command."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from multitrack.consultations import services, tasks
from multitrack.consultations.models import Consultation, OpinionMap, Participant, Vote
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


def _abandon_running_fit(consultation: Consultation) -> DBTaskResult:
    """Leave the queue as a worker killed in the middle of a fit leaves it.

    The task is claimed (running, by a worker that no longer exists) and the stale mark was
    cleared when the fit started; no map was stored. On SQLite only its age tells it is
    abandoned, so it started long ago.
    """
    queued = DBTaskResult.objects.get(status="READY")
    queued.claim("worker-that-was-killed")
    Consultation.objects.filter(pk=consultation.pk).update(map_requested_at=None)
    long_ago = timezone.now() - datetime.timedelta(seconds=tasks.FIT_TIMEOUT_SECONDS + 60)
    DBTaskResult.objects.filter(pk=queued.pk).update(started_at=long_ago)
    return queued


@pytest.mark.django_db(transaction=True)
def test_a_fit_left_by_a_stopped_worker_is_queued_again_and_completes(
    settings: Any, consultation: Consultation, participant: Participant
) -> None:
    settings.TASKS = DATABASE
    for number in (1, 2, 3):
        services.vote_cast(
            participant=participant, statement=statement(consultation, number), value=1
        )
    abandoned = _abandon_running_fit(consultation)

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    abandoned.refresh_from_db()
    assert abandoned.status == "FAILED"
    assert abandoned.exception_class_path.endswith("WorkerStopped")
    rerun = DBTaskResult.objects.exclude(pk=abandoned.pk).get()
    assert rerun.status == "SUCCESSFUL"
    stored = OpinionMap.objects.get(consultation=consultation)
    assert stored.n_votes == Vote.objects.filter(consultation=consultation).count() == 3
    consultation.refresh_from_db()
    assert consultation.map_requested_at is None


@pytest.mark.django_db(transaction=True)
def test_a_stale_map_whose_recompute_was_never_queued_is_queued_at_start(
    settings: Any, consultation: Consultation, participant: Participant
) -> None:
    settings.TASKS = DATABASE
    services.vote_cast(participant=participant, statement=statement(consultation, 1), value=-1)
    DBTaskResult.objects.all().delete()  # as if queueing had failed after the vote was stored
    assert tasks.recover_maps() == [consultation.pk]
    assert tasks.recover_maps() == []  # queued once, not at every start
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert OpinionMap.objects.get(consultation=consultation).n_votes == 1


@pytest.mark.django_db(transaction=True)
def test_a_running_fit_of_a_live_worker_is_left_alone(
    settings: Any, consultation: Consultation, participant: Participant
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("liveness is read from the fit's advisory lock on PostgreSQL")
    settings.TASKS = DATABASE
    services.vote_cast(participant=participant, statement=statement(consultation, 1), value=1)
    claimed = DBTaskResult.objects.get()
    claimed.claim("live-worker")
    # The live worker's own database session holds the fit's lock while it fits.
    with psycopg.connect(**_conninfo(), autocommit=True) as live_worker:
        live_worker.execute(
            "SELECT pg_advisory_lock(%s, %s)",
            [services.MAP_FIT_LOCK_NAMESPACE, consultation.pk],
        )
        assert tasks.recover_maps() == []
    claimed.refresh_from_db()
    assert claimed.status == "RUNNING"


def _conninfo() -> dict[str, Any]:
    params = connection.settings_dict
    return {
        "host": params["HOST"],
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "dbname": params["NAME"],
    }


def _database_url() -> str:
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return (
        f"postgres://{params['USER']}{password}@{params['HOST'] or '127.0.0.1'}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )


def _wait_for(condition: Any, what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_a_fit_leaves_no_half_result_and_the_next_run_completes(
    settings: Any, consultation: Consultation, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a worker subprocess needs a database it can share with the test")
    settings.TASKS = DATABASE
    for index in range(6):
        voter = services.participant_join(consultation=consultation)[0]
        for number in range(1, 5):
            value = 1 if (index + number) % 2 else -1
            services.vote_cast(
                participant=voter, statement=statement(consultation, number), value=value
            )
    env = {
        **{k: v for k, v in os.environ.items() if k != "DEBUG"},
        "DATABASE_URL": _database_url(),
        "MULTITRACK_VAR_DIR": str(tmp_path),
    }
    with (
        psycopg.connect(**_conninfo()) as blocker,
        psycopg.connect(**_conninfo(), autocommit=True) as observer,
    ):
        # Hold the votes table so the worker stops in the middle of its fit, reading the votes.
        blocker.execute("LOCK TABLE consultations_vote IN ACCESS EXCLUSIVE MODE")
        worker = subprocess.Popen(
            [sys.executable, "-m", "multitrack", "db_worker", "--no-startup-delay", "--no-reload"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            backend = _wait_for(
                lambda: observer.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE %s",
                    ["%consultations_vote%"],
                ).fetchone(),
                "the worker to start fitting",
            )[0]
            assert DBTaskResult.objects.get().status == "RUNNING"
        finally:
            worker.kill()
            worker.wait(timeout=30)
        blocker.rollback()
        # Its database session ends once PostgreSQL notices the worker is gone.
        _wait_for(
            lambda: (
                not observer.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]
                ).fetchone()
            ),
            "the killed worker's session to end",
        )

    killed = DBTaskResult.objects.get()
    assert killed.status == "RUNNING"  # claimed for ever by a worker that is gone
    assert not OpinionMap.objects.exists()  # and nothing half-written

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)  # the next run

    killed.refresh_from_db()
    assert killed.status == "FAILED" and killed.exception_class_path.endswith("WorkerStopped")
    stored = OpinionMap.objects.get(consultation=consultation)
    assert stored.n_votes == Vote.objects.filter(consultation=consultation).count() == 24
    assert stored.n_participants == 6
    assert sum(group["size"] for group in stored.result["groups"]) <= 6
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
