"""The ``multitrack`` command: Django's management commands under one name.

``multitrack migrate``, ``multitrack runserver``, ``multitrack demo``, ``multitrack opinion ...``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, as ``manage.py`` would."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["opinion"]:
        # The opinion engine is framework-free: its command line needs no Django set-up.
        from multitrack.opinion.cli import main as opinion_main

        raise SystemExit(opinion_main(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "multitrack.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["multitrack", *args])


if __name__ == "__main__":
    main()
