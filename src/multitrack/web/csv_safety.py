"""CSV for people: cells that a spreadsheet would run as a formula are defused.

A consultation report carries text written by anonymous participants. Opened in Excel,
LibreOffice or Google Sheets, a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return, which some spreadsheets strip before parsing) is read as a formula:
``=HYPERLINK("http://x", "click")`` can send the reader's data elsewhere, and DDE formulas can
run programs. Every human-facing CSV the app writes goes through :func:`safe_writer`, which
prefixes such cells with a single quote, as OWASP recommends; the quote shows in the cell, the
formula does not run.

Machine interchange formats (the Pol.is export in ``consultations.polis`` and
``opinion.io``) do NOT use this: they must stay byte-identical for round trips, and their
readers are programs, not spreadsheets.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, s: str, /) -> object: ...


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would read as a formula.

    Numbers, booleans and ``None`` pass unchanged: they are written by us, not by users, and a
    negative number must stay a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeWriter:
    """A ``csv.writer`` whose every text cell goes through :func:`safe_cell`."""

    def __init__(self, handle: _Writable, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(handle: _Writable, **options: Any) -> SafeWriter:
    """Like ``csv.writer(handle, **options)``, with formula injection neutralised."""
    return SafeWriter(handle, **options)
