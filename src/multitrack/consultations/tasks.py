"""Background work: recompute a consultation's opinion map (django-tasks, database backend).

Run the worker with ``multitrack db_worker``. A vote never waits for a fit: it marks the map
stale and queues one, debounced, and the pages show the latest stored map with the time it was
computed.

A worker can be stopped at any moment (killed, the machine restarted, the database lost). A
fit writes its result with one insert, so a stopped fit leaves the previous map as it was; and
``multitrack db_worker`` starts with :func:`recover_maps`, which finds the fits a stopped
worker left half-done, records them as failed and queues them again, so the next run completes.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# How long a claimed fit may take on SQLite before recovery takes its worker for gone (on
# PostgreSQL the fit's advisory lock tells at once whether its worker is alive).
FIT_TIMEOUT_SECONDS = 15 * 60
# A live worker takes the fit's lock a moment after claiming the task: look twice, this far
# apart, before taking a claimed fit for abandoned.
CLAIM_GRACE_SECONDS = 1.0


class WorkerStopped(Exception):  # noqa: N818  (it names what happened, not an error of ours)
    """The worker running this recompute stopped before it finished; it was queued again."""


@task()
def recompute_map(consultation_id: int) -> int | None:
    """Fit and store the map; returns the stored map's id (None when there are no votes)."""
    from multitrack.consultations.services import map_recompute

    stored = map_recompute(consultation_id=consultation_id)
    return None if stored is None else stored.pk


def enqueue_recompute(*, consultation_id: int, delay_seconds: int = 0) -> None:
    """Queue a recompute, after ``delay_seconds`` where the backend can defer tasks."""
    job = recompute_map
    if delay_seconds > 0 and job.get_backend().supports_defer:
        job = job.using(run_after=timezone.now() + datetime.timedelta(seconds=delay_seconds))
    job.enqueue(consultation_id)


def _consultation_of(result: DBTaskResult) -> int | None:
    args = (result.args_kwargs or {}).get("args") or []
    return args[0] if args and isinstance(args[0], int) else None


def _abandoned(claimed: list[DBTaskResult]) -> list[DBTaskResult]:
    """The claimed recomputes whose worker is gone."""
    from multitrack.consultations.services import map_fit_running

    if connection.vendor != "postgresql":
        too_old = timezone.now() - datetime.timedelta(seconds=FIT_TIMEOUT_SECONDS)
        return [result for result in claimed if result.started_at and result.started_at < too_old]

    def unlocked() -> set[str]:
        return {
            str(result.pk)
            for result in claimed
            if (consultation_id := _consultation_of(result)) is not None
            and not map_fit_running(consultation_id)
        }

    suspects = unlocked()
    if not suspects:
        return []
    time.sleep(CLAIM_GRACE_SECONDS)
    still_running = set(
        map(
            str,
            DBTaskResult.objects.running().filter(pk__in=suspects).values_list("pk", flat=True),
        )
    )
    again = unlocked()
    return [result for result in claimed if str(result.pk) in suspects & still_running & again]


def recover_maps() -> list[int]:
    """Queue again the map recomputes a stopped worker left unfinished; returns their ids.

    Two things can be left behind: a recompute claimed by a worker that died (it stays
    "running" for ever; it is recorded as failed with :class:`WorkerStopped`), and a map marked
    stale whose recompute was never queued (queueing failed after the vote was stored). Each
    consultation concerned gets one recompute, queued to run at once.
    """
    from multitrack.consultations.models import Consultation

    backend = recompute_map.get_backend().alias
    ours = DBTaskResult.objects.filter(task_path=recompute_map.module_path, backend_name=backend)
    claimed = list(ours.running())
    consultations: set[int] = set()
    for result in _abandoned(claimed):
        result.set_failed(WorkerStopped("The worker stopped during this recompute."))
        if (consultation_id := _consultation_of(result)) is not None:
            consultations.add(consultation_id)
    waiting = {
        consultation_id
        for result in ours.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        if (consultation_id := _consultation_of(result)) is not None
    }
    marked = Consultation.objects.filter(map_requested_at__isnull=False).values_list(
        "pk", flat=True
    )
    consultations |= set(marked) - waiting
    for consultation_id in sorted(consultations):
        Consultation.objects.filter(pk=consultation_id).update(map_requested_at=timezone.now())
        enqueue_recompute(consultation_id=consultation_id)
        logger.warning("consultation %s: map recompute queued again", consultation_id)
    return sorted(consultations)
