"""Finding registry names in free text: accent-, case- and spacing-insensitive.

Used by the Chatham House guard on meeting notes (and later by non-paper checks). Matching is
done on a folded copy of the text, and each hit is mapped back to the exact words the writer
typed, so the error message can quote them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = stripped.casefold()
    # Every kind of space, dash-like joiner and apostrophe reads the same.
    if folded.isspace() or folded in {"-", "\u2010", "\u2011", "\u2013", "_"}:
        return " "
    if folded in {"\u2019", "\u2018", "`"}:
        return "'"
    return folded


def fold(text: str) -> str:
    """Accents off, case folded, runs of spaces and hyphens collapsed to one space."""
    return re.sub(r" +", " ", "".join(_fold_char(c) for c in text)).strip()


def _fold_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of its source character."""
    out: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        piece = _fold_char(char)
        for folded_char in piece:
            if folded_char == " " and out and out[-1] == " ":
                continue
            out.append(folded_char)
            positions.append(index)
    return "".join(out), positions


@dataclass(frozen=True)
class NameHit:
    """A registry name found in a text: the words as written, and what they matched."""

    words: str
    start: int
    end: int
    matched: str


def find_names(text: str, names: Iterable[str]) -> list[NameHit]:
    """Every occurrence in ``text`` of any of ``names``, as whole words, longest first."""
    folded_names = {fold(n) for n in names if n and len(fold(n)) >= 3}
    if not folded_names or not text:
        return []
    folded_text, positions = _fold_with_positions(text)
    pattern = re.compile(
        r"(?<!\w)("
        + "|".join(re.escape(n) for n in sorted(folded_names, key=len, reverse=True))
        + r")(?!\w)"
    )
    hits = []
    for match in pattern.finditer(folded_text):
        start = positions[match.start()]
        end = positions[match.end() - 1] + 1
        hits.append(NameHit(text[start:end], start, end, match.group(1)))
    return hits
