"""Background work: recompute a consultation's opinion map (django-tasks, database backend).

Run the worker with ``multitrack db_worker``. A vote never waits for a fit: it queues one,
debounced, and the pages show the latest stored map with the time it was computed.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task


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
