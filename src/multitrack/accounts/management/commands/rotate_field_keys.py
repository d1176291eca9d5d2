"""``multitrack rotate_field_keys``: re-encrypt every sensitive field and attachment file under the
current key."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from multitrack.accounts.audit import audit
from multitrack.encrypted_fields import (
    KeyCensus,
    RotationProgress,
    field_keys_census,
    field_keys_rotate,
)
from multitrack.field_encryption import FieldDecryptionError
from multitrack.processes.attachment_files import (
    FILE_LABEL,
    FileCensus,
    FileRotationProgress,
    attachment_files_census,
    attachment_files_rotate,
)


class Command(BaseCommand):
    help = (
        "Re-encrypt, under the first key of MULTITRACK_FIELD_KEYS, every encrypted value and "
        "every meeting attachment file still under another key (or, for files stored before "
        "encryption at rest, not encrypted at all): in small batches, each its own transaction, "
        "while the app keeps serving. Safe to interrupt and run again. --check only counts the "
        "values and files per key (exit status 1 while any is left under an old key)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Count values and files per key; change nothing."
        )
        parser.add_argument(
            "--batch-size", type=int, default=200, help="Rows per transaction (default 200)."
        )

    def handle(self, *args: Any, check: bool, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if check:
            self._report(field_keys_census(), attachment_files_census())
            return
        try:
            rotated = field_keys_rotate(batch_size=batch_size, on_progress=self._progress)
            files = attachment_files_rotate(batch_size=batch_size, on_progress=self._file_progress)
        except FieldDecryptionError as error:
            raise CommandError(
                f"Stopped: {error} Values and files already re-encrypted stay so; run again once "
                "the key is configured (or the value or file repaired)."
            ) from None
        except OSError as error:
            raise CommandError(
                f"Stopped: an attachment file could not be written ({error.strerror}); the old "
                "file is still in place. Free some space (or fix the folder) and run again."
            ) from None
        audit(
            actor=None,
            action="encryption.keys_rotated",
            detail={"values": rotated, "files": files},
        )
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {rotated} values and {files} attachment files.")
        )
        self._report(field_keys_census(), attachment_files_census())

    def _progress(self, progress: RotationProgress) -> None:
        self.stdout.write(
            f"{progress.model}: {progress.rows_done}/{progress.rows_total} rows, "
            f"{progress.values_rotated} values re-encrypted in this batch"
        )

    def _file_progress(self, progress: FileRotationProgress) -> None:
        self.stdout.write(
            f"{FILE_LABEL}: {progress.files_done}/{progress.files_total} attachments, "
            f"{progress.files_rotated} files re-encrypted in this batch"
        )
        if progress.missing:
            self.stderr.write(
                "Missing from the upload folder, skipped: attachment "
                + ", ".join(str(pk) for pk in progress.missing)
            )

    def _report(self, census: KeyCensus, files: FileCensus) -> None:
        for label, counts in sorted(census.by_field.items()):
            per_key = ", ".join(f"{key_id}: {n}" for key_id, n in sorted(counts.items()))
            self.stdout.write(f"{label}: {per_key}")
        if files.by_key:
            per_key = ", ".join(f"{key_id}: {n}" for key_id, n in sorted(files.by_key.items()))
            self.stdout.write(f"{FILE_LABEL}: {per_key}")
        if files.missing:
            self.stderr.write(
                f"{len(files.missing)} attachment files are missing from the upload folder "
                "(attachment " + ", ".join(str(pk) for pk in files.missing) + "); nothing can "
                "re-encrypt them."
            )
        outdated = census.outdated + files.outdated
        if outdated:
            raise CommandError(
                f"{census.outdated} of {census.total} values and {files.outdated} of "
                f"{files.total} attachment files are still under old keys or not encrypted (the "
                f"current key is {census.current_id}).",
                returncode=1,
            )
        self.stdout.write(
            f"All {census.total} encrypted values and {files.total} attachment files are under "
            f"the current key {census.current_id}."
        )
