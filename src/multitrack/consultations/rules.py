"""Pure rules for statements: text checks, near duplicates, scripts. No database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher

NEAR_DUPLICATE_RATIO = 0.85
MIN_LETTERS = 3
_URL = re.compile(r"(https?://|www\.)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

# The writing system each language is usually written in; anything not listed is Latin.
SCRIPT_OF_LANGUAGE = {
    "ar": "ARABIC",
    "fa": "ARABIC",
    "ur": "ARABIC",
    "ps": "ARABIC",
    "ku": "ARABIC",
    "he": "HEBREW",
    "yi": "HEBREW",
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "be": "CYRILLIC",
    "bg": "CYRILLIC",
    "sr": "CYRILLIC",
    "mk": "CYRILLIC",
    "kk": "CYRILLIC",
    "ky": "CYRILLIC",
    "mn": "CYRILLIC",
    "el": "GREEK",
    "hy": "ARMENIAN",
    "ka": "GEORGIAN",
    "zh": "CJK",
    "ja": "CJK",
    "ko": "HANGUL",
    "th": "THAI",
    "hi": "DEVANAGARI",
    "ne": "DEVANAGARI",
    "mr": "DEVANAGARI",
    "bn": "BENGALI",
    "ta": "TAMIL",
    "am": "ETHIOPIC",
    "ti": "ETHIOPIC",
}
_JAPANESE_KANA = ("HIRAGANA", "KATAKANA")


def normalise(text: str) -> str:
    """Text as compared for duplicates: case-folded, accents and punctuation dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        " " if unicodedata.category(char)[0] in "PZS" else char
        for char in decomposed
        if not unicodedata.combining(char)
    )
    return _SPACES.sub(" ", kept).strip()


def clean_text(text: str) -> str:
    """Statement text as stored: Unicode NFC, single spaces, no surrounding blanks."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def script_of(char: str) -> str:
    """The writing system of a letter, from its Unicode name ('LATIN', 'CYRILLIC', ...)."""
    name = unicodedata.name(char, "")
    if name.startswith("CJK") or name.startswith(_JAPANESE_KANA):
        return "CJK"
    return name.split(" ", 1)[0] if name else ""


def text_problems(text: str, *, max_length: int, languages: Iterable[str] = ()) -> list[str]:
    """Why a participant's statement cannot be accepted as written (empty when it can)."""
    problems = []
    if len(text) > max_length:
        problems.append(f"Keep it under {max_length} characters (this is {len(text)}).")
    letters = [char for char in text if char.isalpha()]
    if len(letters) < MIN_LETTERS:
        problems.append("Write a statement in words.")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Co") for char in text):
        problems.append("Remove the control characters.")
    if _URL.search(text):
        problems.append("Links are not allowed in statements.")
    expected = {SCRIPT_OF_LANGUAGE.get(code.split("-")[0].lower(), "LATIN") for code in languages}
    if letters and expected:
        share = sum(script_of(char) in expected for char in letters) / len(letters)
        if share < 0.5:
            problems.append("Write in one of this consultation's languages.")
    return problems


def similarity(first: str, second: str) -> float:
    """How alike two normalised texts are, 0 to 1."""
    matcher = SequenceMatcher(None, first, second, autojunk=False)
    if matcher.real_quick_ratio() < NEAR_DUPLICATE_RATIO:
        return 0.0
    if matcher.quick_ratio() < NEAR_DUPLICATE_RATIO:
        return 0.0
    return matcher.ratio()


def near_duplicates(
    text: str, existing: Iterable[tuple[int, str]], *, limit: int = 3
) -> list[tuple[int, float]]:
    """Existing statements (id, text) that read almost the same as ``text``, closest first."""
    wanted = normalise(text)
    scored = []
    for key, other in existing:
        score = similarity(wanted, normalise(other))
        if score >= NEAR_DUPLICATE_RATIO:
            scored.append((key, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
