"""``multitrack forget_person ID --reason CODE [--yes]``: forget a person everywhere."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from multitrack.actors.forgetting import forget_plan, refuse_common_words
from multitrack.actors.models import ForgetReason, Person
from multitrack.actors.services import person_forget


class Command(BaseCommand):
    help = (
        "Forget a person everywhere, irreversibly: prints what will change; with --yes, does it. "
        "Output and audit trail name the person by number only."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("person_id", type=int, help="The person's number (from the URL).")
        parser.add_argument(
            "--reason",
            required=True,
            choices=[value for value in ForgetReason.values if value != ForgetReason.RETENTION],
            help="Why: request (they asked), safety, error (recorded in error).",
        )
        parser.add_argument(
            "--drop-categories",
            action="store_true",
            help="Also remove gender, parties and stakeholder tags (past measures change).",
        )
        parser.add_argument(
            "--also-remove",
            action="append",
            default=[],
            metavar="WORD",
            help="Another word that names them in texts (repeatable). Beware the shell history.",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="Act as this account (its permission is checked and it is named in the audit "
            "trail); without it, the audit trail records the operator.",
        )
        parser.add_argument(
            "--yes", action="store_true", help="Do it. Without it, only print what would change."
        )

    def handle(
        self,
        *args: Any,
        person_id: int,
        reason: str,
        drop_categories: bool,
        also_remove: list[str],
        by: str | None,
        yes: bool,
        **options: Any,
    ) -> None:
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise CommandError(f"There is no person #{person_id}.")
        actor = None
        if by is not None:
            actor = get_user_model().objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"There is no active account named {by!r}.")
        try:
            also_remove = refuse_common_words(also_remove)
        except ValidationError:  # the message quotes the word: keep names off the terminal
            raise CommandError(
                "Nothing was changed: an --also-remove word is shorter than 4 letters or a "
                "common word, and replacing it would change unrelated text."
            ) from None
        plan = forget_plan(person, drop_categories=drop_categories, also_remove=also_remove)
        self.stdout.write(f"Forgetting person #{person.pk}:")
        for line in plan.lines():
            self.stdout.write(f"  - {line}")
        if plan.already_forgotten:
            return
        if not yes:
            self.stdout.write("Nothing was changed. Run again with --yes to forget this person.")
            return
        try:
            person_forget(
                actor=actor,
                person=person,
                reason=reason,
                drop_categories=drop_categories,
                also_remove=also_remove,
            )
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(f"Nothing was changed: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Person #{person.pk} was forgotten."))
