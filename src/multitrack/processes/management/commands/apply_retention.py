"""``multitrack apply_retention [--dry-run]``: apply every process's retention period."""

from __future__ import annotations

import datetime
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from multitrack.processes.retention import retention_apply


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today takes a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Delete what processes keep no longer (notes, attachments, ties, who answered surveys) "
        "and forget people whose processes have all expired; see docs/operations.md. Prints "
        "counts and numbers, never names. Run daily; a second run finds nothing to do."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be done; change nothing."
        )
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Apply the periods as of this day (to preview a later run); default: today.",
        )

    def handle(self, *args: Any, dry_run: bool, today: str | None, **options: Any) -> None:
        now = None
        if today is not None:
            day = _day(today)
            now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
            if day > timezone.localdate() and not dry_run:
                raise CommandError("A day in the future is for --dry-run only.")
        report = retention_apply(now=now, dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)
