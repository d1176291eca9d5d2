"""``multitrack restore PATH``: replace the database and uploaded files with an archive's."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from multitrack.backups import BackupError, backup_key_from_environment, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `multitrack backup` into an empty, migrated database, "
        "all or nothing. --force replaces whatever the database and uploads folder hold."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="The archive to restore.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the current content (signs everyone out) instead of refusing.",
        )

    def handle(self, *args: Any, path: Path, force: bool, **options: Any) -> None:
        try:
            summary = backup_restore(path=path, key=backup_key_from_environment(), force=force)
        except BackupError as error:
            raise CommandError(f"Nothing was changed. {error}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path}: {summary.objects} rows of {summary.models} models, "
                f"{summary.files} uploaded files ({summary.file_bytes} bytes)."
            )
        )
