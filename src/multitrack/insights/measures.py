"""The best-practice measures: pure functions over plain data, no database.

Every measure answers with a ``Reading``: a value (or None), and a sentence a convener can act
on. Small numbers are handled honestly: empty and one-person cases give "not enough data"
readings, never a division by zero or a percentage of one.

Inclusivity, sustained engagement and the trust network live here; survey statistics are in
``insights.surveys`` and the meeting checks in ``insights.checks``.
"""

from __future__ import annotations

import datetime
import itertools
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    """How a reading should be shown: fine, a gap to act on, or not enough data to say."""

    OK = "ok"
    GAP = "gap"
    NOT_ENOUGH_DATA = "not_enough_data"


@dataclass(frozen=True)
class Reading:
    """A measure's value and its plain-language reading."""

    value: float | None
    text: str
    level: Level = Level.OK

    @property
    def is_gap(self) -> bool:
        return self.level == Level.GAP

    @property
    def has_data(self) -> bool:
        return self.level != Level.NOT_ENOUGH_DATA


def not_enough(text: str) -> Reading:
    return Reading(None, text, Level.NOT_ENOUGH_DATA)


def percent(share: float) -> str:
    """0.4 -> '40%'."""
    return f"{round(share * 100)}%"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 meeting', '3 meetings'."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


# ---------------------------------------------------------------------------------------------
# Plain data the measures read. Selectors build these from the database.


@dataclass(frozen=True)
class Attendee:
    """One person in the room at one meeting, as the measures see them."""

    person_id: int
    gender: str = "undisclosed"
    party_ids: frozenset[int] = frozenset()
    capacity: str | None = None
    is_minority: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MeetingFacts:
    """A held meeting and who attended it."""

    meeting_id: int
    date: datetime.date
    attendees: tuple[Attendee, ...] = ()

    @property
    def person_ids(self) -> frozenset[int]:
        return frozenset(a.person_id for a in self.attendees)


class CategoryKind(StrEnum):
    """How membership of a stakeholder category is decided."""

    PARTY = "party"  # belongs to a given party or community
    CAPACITY = "capacity"  # sits in a given capacity (sector) on the day
    WOMEN = "women"  # gender recorded as woman
    MINORITY = "minority"  # belongs to a party marked as a minority
    TAGGED = "tagged"  # tagged by the convener (diaspora, youth by age, ...)


@dataclass(frozen=True)
class Category:
    """A category of people who should be in the room, and the convener's target per meeting."""

    key: str
    label: str
    kind: CategoryKind
    party_id: int | None = None
    capacity: str = ""
    tag: str = ""
    minimum_count: int | None = None
    minimum_percent: int | None = None

    def includes(self, attendee: Attendee) -> bool:
        """Whether ``attendee`` counts towards this category."""
        if self.kind == CategoryKind.PARTY:
            return self.party_id in attendee.party_ids
        if self.kind == CategoryKind.CAPACITY:
            return attendee.capacity == self.capacity
        if self.kind == CategoryKind.WOMEN:
            return attendee.gender == "woman"
        if self.kind == CategoryKind.MINORITY:
            return attendee.is_minority
        return self.tag in attendee.tags

    def target_text(self) -> str:
        parts = []
        if self.minimum_count is not None:
            parts.append(f"at least {self.minimum_count}")
        if self.minimum_percent is not None:
            parts.append(f"at least {self.minimum_percent}%")
        return " and ".join(parts) if parts else "no target"


# ---------------------------------------------------------------------------------------------
# Inclusivity


@dataclass(frozen=True)
class Representation:
    """How one category was represented at one meeting, against its target."""

    category: Category
    count: int
    total: int

    @property
    def share(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def meets_target(self) -> bool:
        minimum_count, minimum_percent = self.category.minimum_count, self.category.minimum_percent
        if minimum_count is not None and self.count < minimum_count:
            return False
        # Whole numbers, no floats: 3 of 10 meets 30% exactly. An empty room meets no share.
        return not (
            minimum_percent and (self.total == 0 or self.count * 100 < minimum_percent * self.total)
        )

    @property
    def text(self) -> str:
        return (
            f"{self.category.label}: {self.count} of {self.total} "
            f"(target {self.category.target_text()})"
        )


def representation(categories: Sequence[Category], meeting: MeetingFacts) -> list[Representation]:
    """Each category's count at ``meeting`` and whether it met its target."""
    total = len(meeting.attendees)
    return [
        Representation(c, sum(1 for a in meeting.attendees if c.includes(a)), total)
        for c in categories
    ]


def categories_below_target(
    categories: Sequence[Category], meetings: Sequence[MeetingFacts]
) -> dict[str, list[int]]:
    """For each category key, the ids of the meetings at which it fell below target."""
    below: dict[str, list[int]] = {c.key: [] for c in categories}
    for meeting in meetings:
        for row in representation(categories, meeting):
            if not row.meets_target:
                below[row.category.key].append(meeting.meeting_id)
    return below


def share_of_women(attendees: Sequence[Attendee]) -> Reading:
    """The share of women among those in the room (gender not disclosed counts as not a woman,
    and is said)."""
    if not attendees:
        return not_enough("Share of women: nobody has attended yet.")
    women = sum(1 for a in attendees if a.gender == "woman")
    undisclosed = sum(1 for a in attendees if a.gender == "undisclosed")
    share = women / len(attendees)
    text = f"Women: {women} of {len(attendees)} ({percent(share)})"
    if undisclosed:
        text += f"; gender not recorded for {undisclosed}"
    if len(attendees) == 1:
        return Reading(share, text + ". One person is not enough to judge.", Level.NOT_ENOUGH_DATA)
    return Reading(share, text + ".", Level.OK)


def party_balance(attendees: Sequence[Attendee], party_ids: Sequence[int]) -> Reading:
    """Smallest delegation divided by the largest, over the conflict's parties (1 = balanced).

    A party with nobody in the room makes the balance 0. A person in two parties counts for both.
    """
    if len(party_ids) < 2:
        return not_enough("Balance between parties: the conflict has fewer than two parties.")
    if not attendees:
        return not_enough("Balance between parties: nobody has attended yet.")
    counts = {p: sum(1 for a in attendees if p in a.party_ids) for p in party_ids}
    smallest, largest = min(counts.values()), max(counts.values())
    if largest == 0:
        return not_enough("Balance between parties: no attendee belongs to a party.")
    value = smallest / largest
    text = f"Balance between parties: smallest delegation {smallest}, largest {largest}"
    if smallest == 0:
        missing = sum(1 for c in counts.values() if c == 0)
        return Reading(0.0, text + f" ({plural(missing, 'party', 'parties')} absent).", Level.GAP)
    level = Level.GAP if value < 0.5 else Level.OK
    return Reading(value, text + f" (ratio {value:.2f}).", level)


def shannon_index(counts: Iterable[int]) -> float | None:
    """Shannon diversity H = -sum(p ln p) over the non-empty categories; None when empty.

    >>> shannon_index([1, 1])  # two equal groups: ln 2
    0.6931471805599453
    """
    values = [c for c in counts if c > 0]
    total = sum(values)
    if total == 0:
        return None
    return -sum((c / total) * math.log(c / total) for c in values) + 0.0


def diversity(attendees: Sequence[Attendee]) -> Reading:
    """Shannon index of the capacities (sectors) in the room, and its evenness (H / ln k)."""
    known = Counter(a.capacity for a in attendees if a.capacity)
    index = shannon_index(known.values())
    if index is None:
        return not_enough("Diversity: no attendee's capacity is known yet.")
    sectors = len(known)
    if sectors == 1:
        return Reading(
            0.0, "Diversity: everyone in the room sits in the same capacity (index 0).", Level.GAP
        )
    evenness = index / math.log(sectors)
    return Reading(
        index,
        f"Diversity: {sectors} capacities in the room, Shannon index {index:.2f} "
        f"(evenness {percent(evenness)}).",
        Level.OK,
    )


def invited_never_came(invited: Iterable[int], meetings: Sequence[MeetingFacts]) -> list[int]:
    """The people on the roster who have not attended any held meeting, in roster order."""
    came: set[int] = set()
    for meeting in meetings:
        came |= meeting.person_ids
    return [person_id for person_id in invited if person_id not in came]


def missing_voices_reading(
    below: dict[str, list[int]],
    categories: Sequence[Category],
    never_came: Sequence[int],
    meetings_count: int,
) -> Reading:
    """One sentence on categories below target (in ``below``, usually at the last meeting) and
    invitees who never came."""
    if meetings_count == 0:
        return not_enough("Missing voices: no meeting has been held yet.")
    labels = [c.label for c in categories if below.get(c.key)]
    parts = []
    if labels:
        parts.append("below target at the last meeting: " + ", ".join(labels))
    if never_came:
        parts.append(f"{plural(len(never_came), 'invited person', 'invited people')} never came")
    if not parts:
        return Reading(0, "Missing voices: every category met its target; every invitee came.")
    return Reading(
        len(labels) + len(never_came), "Missing voices: " + "; ".join(parts) + ".", Level.GAP
    )


# ---------------------------------------------------------------------------------------------
# Sustained engagement


def gaps_days(dates: Sequence[datetime.date]) -> list[int]:
    """Days between consecutive dates (sorted first; same-day meetings give 0)."""
    ordered = sorted(dates)
    return [(later - earlier).days for earlier, later in itertools.pairwise(ordered)]


def cadence(dates: Sequence[datetime.date]) -> tuple[Reading, Reading]:
    """(median gap, longest gap) between held meetings, in days."""
    gaps = gaps_days(dates)
    if not gaps:
        message = "at least two held meetings are needed"
        return not_enough(f"Cadence: {message}."), not_enough(f"Longest gap: {message}.")
    median = float(statistics.median(gaps))
    longest = max(gaps)
    return (
        Reading(median, f"Meetings are held every {median:g} days (median gap)."),
        Reading(
            float(longest),
            f"Longest gap between meetings: {longest} days.",
            Level.GAP if longest > 2 * median and longest > 90 else Level.OK,
        ),
    )


def duration(dates: Sequence[datetime.date]) -> Reading:
    """Days from the first held meeting to the last."""
    if not dates:
        return not_enough("Duration: no meeting has been held yet.")
    days = (max(dates) - min(dates)).days
    if len(dates) == 1:
        return Reading(0.0, "Duration: one meeting so far.", Level.NOT_ENOUGH_DATA)
    return Reading(float(days), f"The process has run {days} days across {len(dates)} meetings.")


def add_months(date: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (clamped to the month's end: 31 Aug + 6 months = 28/29 Feb)."""
    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    last_day = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(1)).day
    return datetime.date(year, month, min(date.day, last_day))


@dataclass(frozen=True)
class Retention:
    """How many of the first meeting's participants still attend ``months`` later."""

    months: int
    cohort_size: int
    retained: int | None  # None: not yet ``months`` since the first meeting
    reading: Reading


def retention(meetings: Sequence[MeetingFacts], months: int) -> Retention:
    """Share of the first meeting's attendees who attend a meeting ``months`` or more later."""
    held = sorted(meetings, key=lambda m: m.date)
    if not held or not held[0].attendees:
        return Retention(
            months, 0, None, not_enough(f"Retention at {months} months: no first meeting yet.")
        )
    first = held[0]
    cohort = first.person_ids
    horizon = add_months(first.date, months)
    later = [m for m in held if m.date >= horizon]
    if not later:
        return Retention(
            months,
            len(cohort),
            None,
            not_enough(f"Retention at {months} months: no meeting held {months} months on yet."),
        )
    retained = len(cohort & frozenset().union(*(m.person_ids for m in later)))
    share = retained / len(cohort)
    text = (
        f"Retention at {months} months: {percent(share)} — {retained} of {len(cohort)} "
        "first participants still attend."
    )
    if len(cohort) == 1:
        return Retention(months, 1, retained, Reading(share, text, Level.NOT_ENOUGH_DATA))
    return Retention(
        months, len(cohort), retained, Reading(share, text, Level.GAP if share < 0.5 else Level.OK)
    )


def cohort_curve(meetings: Sequence[MeetingFacts]) -> list[tuple[datetime.date, float]]:
    """For each held meeting, the share of the first meeting's attendees present."""
    held = sorted(meetings, key=lambda m: m.date)
    if not held or not held[0].attendees:
        return []
    cohort = held[0].person_ids
    return [(m.date, len(cohort & m.person_ids) / len(cohort)) for m in held]


def turnover(meetings: Sequence[MeetingFacts]) -> Reading:
    """Mean share of each meeting's attendees who were not at the previous meeting."""
    held = [m for m in sorted(meetings, key=lambda m: m.date) if m.attendees]
    if len(held) < 2:
        return not_enough("Turnover: at least two meetings with attendance are needed.")
    shares = [
        len(later.person_ids - earlier.person_ids) / len(later.person_ids)
        for earlier, later in itertools.pairwise(held)
    ]
    mean = statistics.fmean(shares)
    return Reading(
        mean,
        f"Turnover: on average {percent(mean)} of a meeting's participants were new "
        "since the previous meeting.",
    )


class OfficialStatus(StrEnum):
    """The state of official talks, as far as continuity of dialogue is concerned."""

    ACTIVE = "active"
    STALLED = "stalled"
    AGREEMENT = "agreement"  # after an agreement was reached


@dataclass(frozen=True)
class StatusPeriod:
    """Official talks were in ``status`` from ``start`` up to (not including) ``end``."""

    status: str
    start: datetime.date
    end: datetime.date | None = None

    def covers(self, date: datetime.date) -> bool:
        return self.start <= date and (self.end is None or date < self.end)


def continuity(
    dates: Sequence[datetime.date], periods: Sequence[StatusPeriod]
) -> dict[str, int] | None:
    """How many held meetings fell in each official status; None without any status periods.

    Periods may overlap (several official tracks in one conflict): a meeting counts once under
    every status that held on its date in some track.
    """
    if not periods:
        return None
    counts: dict[str, int] = defaultdict(int)
    for date in dates:
        for status in {period.status for period in periods if period.covers(date)}:
            counts[status] += 1
    return dict(counts)


def continuity_reading(dates: Sequence[datetime.date], periods: Sequence[StatusPeriod]) -> Reading:
    """Meetings held while official talks were stalled, and after an agreement."""
    counts = continuity(dates, periods)
    if counts is None:
        return not_enough("Continuity: no official talks status has been recorded.")
    stalled = counts.get(OfficialStatus.STALLED, 0)
    after = counts.get(OfficialStatus.AGREEMENT, 0)
    was_stalled = any(p.status == OfficialStatus.STALLED for p in periods)
    text = (
        f"Continuity: {plural(stalled, 'meeting')} held while official talks were stalled; "
        f"{plural(after, 'meeting')} after an agreement."
    )
    level = Level.GAP if was_stalled and stalled == 0 else Level.OK
    return Reading(float(stalled), text, level)


# ---------------------------------------------------------------------------------------------
# Trust network


@dataclass(frozen=True)
class Tie:
    """A relationship between two people (undirected here), with its strength and date."""

    person_id: int
    other_id: int
    kind: str = "knows"
    strength: int = 3
    date: datetime.date | None = None


@dataclass
class Network:
    """The ties between a set of people, each of whom belongs to at most one party.

    ``party_of`` maps every person in the network to their party id (None: no party known).
    Ties are undirected; several ties between the same two people count as one link.
    """

    party_of: dict[int, int | None]
    ties: Sequence[Tie]
    links: set[frozenset[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.links = {
            frozenset((t.person_id, t.other_id))
            for t in self.ties
            if t.person_id != t.other_id
            and t.person_id in self.party_of
            and t.other_id in self.party_of
        }

    def as_of(self, date: datetime.date) -> Network:
        """The network of ties dated on or before ``date`` (undated ties always count)."""
        return Network(self.party_of, [t for t in self.ties if t.date is None or t.date <= date])

    def is_cross_party(self, link: frozenset[int]) -> bool:
        first, second = (self.party_of[p] for p in link)
        return first is not None and second is not None and first != second

    def cross_party_links(self) -> list[frozenset[int]]:
        return [link for link in self.links if self.is_cross_party(link)]

    def members(self, party_id: int) -> list[int]:
        return [p for p, party in self.party_of.items() if party == party_id]

    def parties(self) -> list[int]:
        return sorted({p for p in self.party_of.values() if p is not None})

    def density_within(self, party_id: int) -> float | None:
        """Links among a party's members over the possible ones; None with fewer than two."""
        members = set(self.members(party_id))
        possible = len(members) * (len(members) - 1) // 2
        if possible == 0:
            return None
        return sum(1 for link in self.links if link <= members) / possible

    def density_across(self) -> float | None:
        """Cross-party links over the possible ones; None with fewer than two non-empty parties."""
        sizes = [len(self.members(p)) for p in self.parties()]
        possible = sum(a * b for i, a in enumerate(sizes) for b in sizes[i + 1 :])
        if possible == 0:
            return None
        return len(self.cross_party_links()) / possible

    def bridges(self) -> list[tuple[int, int]]:
        """(person, other parties reached) for everyone tied across parties, most first."""
        reached: dict[int, set[int]] = defaultdict(set)
        for link in self.cross_party_links():
            first, second = tuple(link)
            reached[first].add(self.party_of[second])  # type: ignore[arg-type]
            reached[second].add(self.party_of[first])  # type: ignore[arg-type]
        return sorted(((p, len(r)) for p, r in reached.items()), key=lambda x: (-x[1], x[0]))


def network_reading(network: Network) -> Reading:
    """Cross-party ties and bridges in one sentence."""
    if len(network.parties()) < 2:
        return not_enough("Trust network: people from at least two parties are needed.")
    if not network.links:
        return Reading(
            0.0, "Trust network: no relationship has been recorded yet.", Level.NOT_ENOUGH_DATA
        )
    cross = len(network.cross_party_links())
    bridges = len(network.bridges())
    across = network.density_across() or 0.0
    text = (
        f"Trust network: {plural(cross, 'cross-party tie')} of {len(network.links)}; "
        f"{plural(bridges, 'person', 'people')} bridge parties; "
        f"density across parties {percent(across)}."
    )
    return Reading(float(cross), text, Level.GAP if cross == 0 else Level.OK)
