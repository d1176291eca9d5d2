"""``multitrack demo``: load the fictional demo workspace, or print how to log in to it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from multitrack.demo import DatabaseNotEmptyError, database_is_empty, demo_load, demo_logins


class Command(BaseCommand):
    help = (
        "Load a realistic but entirely fictional demo workspace into an empty database, "
        "with random passwords kept in VAR_DIR/demo-logins.txt (with the authenticator app keys "
        "of those who must use two-step sign-in)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and say so) if the database already has a process or a user.",
        )
        parser.add_argument(
            "--print-login",
            action="store_true",
            help="Print the demo logins instead of loading (after loading, with --if-empty).",
        )

    def handle(self, *args: Any, if_empty: bool, print_login: bool, **options: Any) -> None:
        if not print_login or if_empty:
            self.load(if_empty=if_empty)
        if print_login:
            self.print_logins()

    def load(self, *, if_empty: bool) -> None:
        if if_empty and not database_is_empty():
            self.stdout.write("The database already has data: the demo was not loaded.")
            return
        try:
            summary = demo_load()
        except DatabaseNotEmptyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the fictional demo workspace: {summary.processes} processes, "
                f"{summary.meetings} meetings, {summary.people} people."
            )
        )
        self.stdout.write(
            f"Passwords are in {summary.logins_path}, with the authenticator app keys of the "
            "conveners and the administrator (they must use two-step sign-in); "
            "`multitrack demo --print-login` shows them, with a current code."
        )

    def print_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            self.stdout.write("  No demo logins here: load the demo with `multitrack demo`.")
            return
        for login in logins:
            self.stdout.write(login.line())
            if login.authenticator_key:
                self.stdout.write(login.two_step_line())
