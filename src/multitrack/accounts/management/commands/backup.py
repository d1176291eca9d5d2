"""``multitrack backup PATH``: write an encrypted archive of the database and uploaded files."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from multitrack.backups import (
    BackupError,
    backup_create,
    backup_key_from_environment,
    backup_key_generate,
)


class Command(BaseCommand):
    help = (
        "Write an encrypted archive (AES-256-GCM) of the whole database and the uploaded files "
        "to PATH, with the key from MULTITRACK_BACKUP_KEY or MULTITRACK_BACKUP_KEY_FILE. "
        "--generate-key prints a new key instead."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="A new file for the archive.")
        parser.add_argument(
            "--generate-key", action="store_true", help="Print a new random key and exit."
        )

    def handle(self, *args: Any, path: Path | None, generate_key: bool, **options: Any) -> None:
        if generate_key:
            self.stdout.write(backup_key_generate())
            return
        if path is None:
            raise CommandError("Give the path of the archive to write (or --generate-key).")
        try:
            summary = backup_create(path=path, key=backup_key_from_environment())
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {path}: {summary.objects} rows of {summary.models} models, "
                f"{summary.files} uploaded files ({summary.file_bytes} bytes)."
            )
        )
