"""``multitrack generate_field_key``: print a new key for MULTITRACK_FIELD_KEYS."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from multitrack.env import ConfigurationError
from multitrack.field_encryption import field_key_generate


class Command(BaseCommand):
    help = (
        "Print a new random 256-bit key as 'id:base64', an entry for MULTITRACK_FIELD_KEYS. "
        "Put it first to encrypt new values with it, keep the old keys after it until "
        "`multitrack rotate_field_keys --check` reports nothing left under them."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--id",
            dest="key_id",
            help="The key's id (letters, digits, '-' or '_'); default k<today's date>.",
        )

    def handle(self, *args: Any, key_id: str | None, **options: Any) -> None:
        try:
            self.stdout.write(field_key_generate(key_id or f"k{timezone.now():%Y%m%d}"))
        except ConfigurationError as error:
            raise CommandError(str(error)) from None
