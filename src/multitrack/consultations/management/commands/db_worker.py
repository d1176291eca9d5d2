"""``multitrack db_worker``: django-tasks-db's worker, made safe to stop and to lose its database.

Before it takes any task it recovers what a stopped worker left (``tasks.recover_maps``); when
the database cannot be reached it waits and starts again (recovery included) instead of
exiting, so a database restart needs no worker restart.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from multitrack.consultations.tasks import recover_maps

logger = logging.getLogger(__name__)

DATABASE_RETRY_SECONDS = 5.0


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker (opinion maps). Recovers recomputes a stopped worker left "
        "unfinished, and waits for the database when it cannot be reached."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                recovered = recover_maps()
                if recovered and options["verbosity"] > 0:
                    self.stdout.write(f"Queued again the maps of consultations {recovered}.")
                super().handle(*args, **options)
                return
            except (OperationalError, InterfaceError):
                if options.get("batch"):
                    raise
                logger.warning(
                    "The database cannot be reached; trying again in %s seconds.",
                    DATABASE_RETRY_SECONDS,
                )
                connection.close()
                time.sleep(DATABASE_RETRY_SECONDS)
