"""The shared CSV helper defuses cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io

import pytest

from multitrack.web.csv_safety import safe_cell, safe_writer


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("A plain statement = fine", "A plain statement = fine"),
        ("", ""),
        (" =1", " =1"),
    ],
)
def test_text_cells_starting_like_a_formula_get_a_quote(value: str, expected: str) -> None:
    assert safe_cell(value) == expected


@pytest.mark.parametrize("value", [-5, 0, 3, 1.5, -1.5, True, False, None])
def test_values_we_write_ourselves_pass_unchanged(value: object) -> None:
    assert safe_cell(value) is value


def test_the_writer_escapes_every_cell_and_stays_valid_csv() -> None:
    buffer = io.StringIO()
    writer = safe_writer(buffer, lineterminator="\n")
    writer.writerow(["number", "text"])
    writer.writerows([[1, '=HYPERLINK("http://x","a,b")'], [-2, "@cmd"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [
        ["number", "text"],
        ["1", '\'=HYPERLINK("http://x","a,b")'],
        ["-2", "'@cmd"],
    ]
