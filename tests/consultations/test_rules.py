"""Statement text rules: tables of cases, no database."""

from __future__ import annotations

import pytest

from multitrack.consultations import rules


@pytest.mark.parametrize(
    ("text", "languages", "problem"),
    [
        ("The harbour should stay open.", ["en"], None),
        ("Le port doit rester ouvert à tous.", ["en", "fr"], None),
        ("يجب أن يبقى الميناء مفتوحا", ["ar"], None),
        ("يجب أن يبقى الميناء مفتوحا", ["en"], "languages"),
        ("Гавань должна быть открыта", ["ru", "en"], None),
        ("Гавань должна быть открыта", ["en"], "languages"),
        ("港口应该保持开放", ["zh"], None),
        ("?! 42", ["en"], "in words"),
        ("Visit www.example.org now", ["en"], "Links"),
        ("Hidden\u200bcontrol character here", ["en"], "control"),
        ("Any script at all", [], None),
    ],
)
def test_text_problems(text: str, languages: list[str], problem: str | None) -> None:
    found = rules.text_problems(text, max_length=280, languages=languages)
    if problem is None:
        assert found == []
    else:
        assert any(problem in message for message in found), found


@pytest.mark.parametrize(
    ("first", "second", "is_near"),
    [
        ("Fishing quotas must be decided jointly.", "fishing quotas MUST be decided jointly", True),
        ("Fishing quotas must be decided jointly.", "Fishing quota must be decided jointly!", True),
        ("Fishing quotas must be decided jointly.", "Port fees should be the same.", False),
        ("Café prices are too high", "Cafe prices are too high", True),
    ],
)
def test_near_duplicates(first: str, second: str, is_near: bool) -> None:
    assert bool(rules.near_duplicates(first, [(1, second)])) is is_near


def test_clean_text_collapses_spaces() -> None:
    assert rules.clean_text("  Two\n\nlines\t here ") == "Two lines here"
