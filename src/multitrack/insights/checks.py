"""Meeting checks shown before a meeting is confirmed: languages, observances, venue.

Pure functions over plain data; the only outside source is the ``holidays`` library (public and
religious holidays, maintained upstream, computed offline — no network).

Observance calendars
--------------------
A party or community is given one or more calendars by the convener:

``country:XX``
    The public holidays of the country with ISO code ``XX`` (any country ``holidays`` supports).
``jewish``
    Jewish holidays, taken from Israel's public holidays (Rosh Hashanah, Yom Kippur, Sukkot,
    Simchat Torah / Shemini Atzeret, Pesach, Shavuot). They begin at sundown, so the evening
    before is flagged too.
``islamic``
    Islamic holidays, taken from Egypt's public holidays (Islamic New Year, the Prophet's
    Birthday, Eid al-Fitr, the Day of Arafah, Eid al-Adha). The Hijri calendar depends on the
    sighting of the moon: ``holidays`` marks future dates as *estimated*, and so do we. The
    actual day can differ by a day from country to country.
``orthodox``
    Orthodox Christian holidays, taken from Serbia's public holidays (Orthodox Christmas on
    7 January, Good Friday to Easter Monday on the Julian Easter).

Religious calendars keep only the named religious days of their source country, so Egypt's
Revolution Day does not count as an Islamic observance. Conveners add their own observances
(local saints' days, anniversaries of massacres, elections) as dated entries.

Whose observances count
-----------------------
Those of the people expected at the meeting: the public holidays of each participant's country
(``Person.country``) and the calendars the convener gave each participant's party or community.
When nobody is expected yet, every party's calendars count. A hit says whose calendar it is by
party, by pseudonym (one participant) or by count ("2 participants from KE"), never by real
name; with ``with_names=False`` (the funders' report) it uses counts only.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import holidays

ESTIMATED = "estimated"


@dataclass(frozen=True)
class Calendar:
    """A calendar of observances, read from a country's holidays (optionally only some days)."""

    key: str
    label: str
    country: str
    keep: tuple[str, ...] = ()  # fragments of the holiday names kept; empty keeps every holiday
    starts_evening_before: bool = False


RELIGIOUS_CALENDARS: dict[str, Calendar] = {
    "jewish": Calendar(
        "jewish",
        "Jewish holidays",
        "IL",
        keep=("Rosh Hashanah", "Yom Kippur", "Sukkot", "Simchat Torah", "Pesach", "Shavuot"),
        starts_evening_before=True,
    ),
    "islamic": Calendar(
        "islamic",
        "Islamic holidays",
        "EG",
        keep=("Islamic New Year", "Prophet's Birthday", "Eid al-Fitr", "Arafah", "Eid al-Adha"),
    ),
    "orthodox": Calendar(
        "orthodox",
        "Orthodox Christian holidays",
        "RS",
        keep=(
            "Orthodox Christmas",
            "Good Friday",
            "Holy Saturday",
            "Easter Sunday",
            "Easter Monday",
        ),
    ),
}


@cache
def _country_names() -> dict[str, str]:
    names = {}
    for class_name, code, *_ in holidays.registry.COUNTRIES.values():
        names[code] = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)
    return names


def calendar_choices() -> list[tuple[str, str]]:
    """Every calendar a convener can choose: the religious ones, then each country."""
    religious = [(c.key, c.label) for c in RELIGIOUS_CALENDARS.values()]
    countries = sorted(_country_names().items(), key=lambda item: item[1])
    return religious + [(f"country:{code}", f"Public holidays: {name}") for code, name in countries]


def calendar_for(key: str) -> Calendar:
    """The calendar for a key ('jewish', 'country:LB'); ValueError if unknown."""
    if key in RELIGIOUS_CALENDARS:
        return RELIGIOUS_CALENDARS[key]
    if key.startswith("country:"):
        code = key.removeprefix("country:")
        if code in _country_names():
            return Calendar(key, f"Public holidays: {_country_names()[code]}", code)
    raise ValueError(f"Unknown observance calendar: {key!r}")


@dataclass(frozen=True)
class Observance:
    """One day observed by a party or community (or by everyone when ``party`` is empty)."""

    date: datetime.date
    name: str
    calendar: str
    party: str = ""
    is_estimated: bool = False
    is_eve: bool = False


@cache
def _holidays_of(country: str, year: int) -> tuple[tuple[datetime.date, str], ...]:
    try:
        found = holidays.country_holidays(country, years=year, language="en_US")
    except NotImplementedError:
        found = holidays.country_holidays(country, years=year)
    return tuple(sorted(found.items()))


def observances_on(calendar: Calendar, date: datetime.date, party: str = "") -> list[Observance]:
    """The calendar's observances on ``date`` (and, where they begin at sundown, its eve)."""
    days = [(date, False)]
    if calendar.starts_evening_before:
        days.append((date + datetime.timedelta(days=1), True))
    found = []
    for day, is_eve in days:
        for holiday_date, names in _holidays_of(calendar.country, day.year):
            if holiday_date != day:
                continue
            for name in names.split("; "):
                if calendar.keep and not any(fragment in name for fragment in calendar.keep):
                    continue
                is_estimated = ESTIMATED in name
                clean = re.sub(r"\s*\((?:observed, )?estimated\)", "", name).strip()
                found.append(
                    Observance(day, clean, calendar.label, party, is_estimated, is_eve=is_eve)
                )
    return found


@dataclass(frozen=True)
class CustomObservance:
    """An observance the convener added: a date, once or every year, for a party or everyone."""

    name: str
    date: datetime.date
    recurs_yearly: bool = False
    party: str = ""

    def falls_on(self, date: datetime.date) -> bool:
        if self.recurs_yearly:
            return (self.date.month, self.date.day) == (date.month, date.day)
        return self.date == date


# ---------------------------------------------------------------------------------------------
# The three checks


class CheckKind(StrEnum):
    LANGUAGE = "language"
    OBSERVANCE = "observance"
    VENUE = "venue"


@dataclass(frozen=True)
class Issue:
    """Something to resolve before confirming a meeting."""

    kind: CheckKind
    text: str
    is_estimated: bool = False


@dataclass(frozen=True)
class Participant:
    """Someone expected at the meeting: languages, party, country (ISO code) and pseudonym."""

    person_id: int
    languages: tuple[str, ...] = ()
    party: str = ""
    country: str = ""
    pseudonym: str = ""


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def check_languages(
    participants: Sequence[Participant],
    working_languages: Iterable[str],
    interpretation_languages: Iterable[str],
) -> tuple[list[Issue], list[int]]:
    """Issues, and the ids of participants none of whose languages is worked in or interpreted.

    A participant with no language recorded is counted as an issue too (we cannot know).
    """
    covered = {_normal(lang) for lang in [*working_languages, *interpretation_languages]}
    uncovered = [
        p.person_id for p in participants if not covered & {_normal(lang) for lang in p.languages}
    ]
    issues = []
    if not covered:
        issues.append(Issue(CheckKind.LANGUAGE, "No working language is set for the meeting."))
    unknown = [p for p in participants if not p.languages]
    known_uncovered = len(uncovered) - len(unknown)
    if known_uncovered > 0:
        issues.append(
            Issue(
                CheckKind.LANGUAGE,
                f"{known_uncovered} participant(s) speak none of the working or interpretation "
                "languages.",
            )
        )
    if unknown:
        issues.append(
            Issue(CheckKind.LANGUAGE, f"No language recorded for {len(unknown)} participant(s).")
        )
    return issues, uncovered


def _participants_from(country: str, group: Sequence[Participant], *, with_names: bool) -> str:
    if with_names and len(group) == 1 and group[0].pseudonym:
        return group[0].pseudonym
    return f"{len(group)} participant{'s' if len(group) != 1 else ''} from {country}"


def _observers(
    calendars_by_party: Mapping[str, Sequence[str]],
    participants: Sequence[Participant],
    *,
    with_names: bool,
) -> list[tuple[str, str]]:
    """Who observes which calendar, as (calendar key, who): parties first, then countries."""
    sources: list[tuple[str, str]] = []
    present = {p.party for p in participants}
    for party, keys in sorted(calendars_by_party.items()):
        if participants and party not in present:
            continue
        sources.extend((key, party) for key in keys)
    by_country: dict[str, list[Participant]] = {}
    for participant in participants:
        if participant.country:
            by_country.setdefault(participant.country.upper(), []).append(participant)
    for country, group in sorted(by_country.items()):
        sources.append(
            (f"country:{country}", _participants_from(country, group, with_names=with_names))
        )
    return sources


def check_observances(
    date: datetime.date,
    calendars_by_party: Mapping[str, Sequence[str]],
    custom: Sequence[CustomObservance] = (),
    participants: Sequence[Participant] = (),
    *,
    with_names: bool = True,
) -> list[Issue]:
    """Observances falling on ``date``: of the participants' countries, of their parties'
    calendars (every party's when no participant is given) and of the convener's own list.

    Each issue says whose observance it is: the party, the participant's pseudonym, or how many
    participants come from the country; never a real name.
    """
    sources = _observers(calendars_by_party, participants, with_names=with_names)
    # One issue per observance, naming everyone who keeps it.
    hits: dict[tuple[str, str, bool], tuple[Observance, list[str]]] = {}
    for key, who in sources:
        try:
            calendar = calendar_for(key)
        except ValueError:
            continue  # a country ``holidays`` does not know: nothing to check against
        for observance in observances_on(calendar, date):
            marker = (key, observance.name, observance.is_eve)
            _, whos = hits.setdefault(marker, (observance, []))
            if who not in whos:
                whos.append(who)
    issues = []
    for observance, whos in hits.values():
        when = "begins at sundown that day" if observance.is_eve else "falls on that day"
        text = f"{observance.name} ({observance.calendar}, observed by {', '.join(whos)}) {when}"
        if observance.is_estimated:
            text += " — estimated date, confirm locally"
        issues.append(Issue(CheckKind.OBSERVANCE, text + ".", observance.is_estimated))
    for own in custom:
        if own.falls_on(date):
            whose = f"observed by {own.party}" if own.party else "observed by all"
            issues.append(Issue(CheckKind.OBSERVANCE, f"{own.name} ({whose}) falls on that day."))
    return issues


def check_venue(
    place: str, is_virtual: bool, refused_by_party: Mapping[str, Sequence[str]]
) -> list[Issue]:
    """Parties that refuse the venue (a refused name found in the place, ignoring case)."""
    if is_virtual:
        return []
    if not place.strip():
        return [Issue(CheckKind.VENUE, "No venue is set yet.")]
    venue = _normal(place)
    issues = []
    for party, refused in sorted(refused_by_party.items()):
        for name in refused:
            if _normal(name) and _normal(name) in venue:
                issues.append(Issue(CheckKind.VENUE, f"{party} refuses to meet in {name}."))
    return issues


@dataclass(frozen=True)
class MeetingCheck:
    """All three checks for one meeting."""

    languages: list[Issue]
    observances: list[Issue]
    venue: list[Issue]
    uncovered_person_ids: list[int]

    @property
    def issues(self) -> list[Issue]:
        return [*self.languages, *self.observances, *self.venue]

    @property
    def is_clear(self) -> bool:
        return not self.issues


def check_meeting(
    *,
    date: datetime.date,
    place: str,
    is_virtual: bool,
    working_languages: Sequence[str],
    interpretation_languages: Sequence[str],
    participants: Sequence[Participant],
    calendars_by_party: Mapping[str, Sequence[str]],
    custom_observances: Sequence[CustomObservance] = (),
    refused_by_party: Mapping[str, Sequence[str]] | None = None,
    with_names: bool = True,
) -> MeetingCheck:
    """Run the language, observance and venue checks for one meeting."""
    language_issues, uncovered = check_languages(
        participants, working_languages, interpretation_languages
    )
    return MeetingCheck(
        languages=language_issues,
        observances=check_observances(
            date, calendars_by_party, custom_observances, participants, with_names=with_names
        ),
        venue=check_venue(place, is_virtual, refused_by_party or {}),
        uncovered_person_ids=uncovered,
    )


def describe(check: MeetingCheck) -> dict[str, Any]:
    """A JSON-ready form of a check, for the API."""
    return {
        "is_clear": check.is_clear,
        "issues": [
            {"kind": i.kind.value, "text": i.text, "is_estimated": i.is_estimated}
            for i in check.issues
        ],
    }
