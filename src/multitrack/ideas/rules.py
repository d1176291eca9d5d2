"""Pure rules for ideas, official talks and channels: plain data in, plain data out, no database.

- Which stage an idea may move to next, and what each move needs (a date, a reason, a provision
  for adoption).
- Which channels met between two parties, and when official talks are blocked while no informal
  channel including both sides has met for too long.
- Which words of a document name someone from the registry or use a contested term.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from django.db import models

from multitrack.actors.names import find_names, fold

# Idea stages.


class IdeaStage(models.TextChoices):
    """Where an idea stands on its way from an informal room to the official table."""

    RAISED = "raised", "Raised"
    DEVELOPED = "developed", "Developed"
    ENDORSED = "endorsed", "Endorsed by a Track 1.5 group"
    TRANSFERRED = "transferred", "Transferred"
    UNDER_CONSIDERATION = "under_consideration", "Under official consideration"
    ADOPTED = "adopted", "Adopted"
    SET_ASIDE = "set_aside", "Set aside"
    REJECTED = "rejected", "Rejected"


S = IdeaStage
ALLOWED_STAGE_CHANGES: dict[IdeaStage, frozenset[IdeaStage]] = {
    S.RAISED: frozenset({S.DEVELOPED, S.TRANSFERRED, S.SET_ASIDE}),
    S.DEVELOPED: frozenset({S.ENDORSED, S.TRANSFERRED, S.SET_ASIDE}),
    S.ENDORSED: frozenset({S.DEVELOPED, S.TRANSFERRED, S.SET_ASIDE}),
    S.TRANSFERRED: frozenset({S.DEVELOPED, S.UNDER_CONSIDERATION, S.SET_ASIDE, S.REJECTED}),
    S.UNDER_CONSIDERATION: frozenset({S.DEVELOPED, S.ADOPTED, S.SET_ASIDE, S.REJECTED}),
    # Adoption is the end of the road: a later change is a new idea, or a correction by an admin.
    S.ADOPTED: frozenset(),
    # Set aside or rejected ideas can be picked up again and reworked.
    S.SET_ASIDE: frozenset({S.RAISED, S.DEVELOPED}),
    S.REJECTED: frozenset({S.DEVELOPED}),
}

REACHED_OFFICIAL = frozenset({S.UNDER_CONSIDERATION, S.ADOPTED})


def stage_change_errors(
    *,
    current: IdeaStage,
    new: IdeaStage,
    date: datetime.date,
    reason: str,
    has_provision: bool,
    last_change_date: datetime.date | None,
    today: datetime.date,
) -> dict[str, str]:
    """Why a stage change is refused, by field; empty when it is allowed."""
    errors: dict[str, str] = {}
    if new not in ALLOWED_STAGE_CHANGES[current]:
        allowed = ", ".join(
            s.label.lower() for s in IdeaStage if s in ALLOWED_STAGE_CHANGES[current]
        )
        errors["stage"] = (
            f"An idea that is {current.label.lower()} cannot become {new.label.lower()}"
            + (f"; it can become: {allowed}." if allowed else "; it is at the end of its journey.")
        )
    if not reason.strip():
        errors["reason"] = "Say briefly why the stage changed."
    if date > today:
        errors["date"] = "A stage change cannot be dated in the future."
    elif last_change_date is not None and date < last_change_date:
        errors["date"] = (
            f"The previous change was on {last_change_date:%d %B %Y}; date this one on or after it."
        )
    if new == S.ADOPTED and not has_provision:
        errors["provision"] = "An adopted idea must be tied to the agreement provision it fed."
    if new != S.ADOPTED and has_provision:
        errors["provision"] = "Only an adopted idea is tied to a provision."
    return errors


@dataclass(frozen=True)
class IdeaHistory:
    """When an idea was born and, if it did, when it first reached official consideration."""

    process_id: int
    born_on: datetime.date
    reached_official_on: datetime.date | None


@dataclass(frozen=True)
class ConsiderationSummary:
    """How many of a process's ideas reached official consideration, and how long it took."""

    ideas: int
    reached: int
    median_days: float | None
    shortest_days: int | None
    longest_days: int | None

    @property
    def share(self) -> float:
        return self.reached / self.ideas if self.ideas else 0.0


def consideration_summary(histories: Iterable[IdeaHistory]) -> ConsiderationSummary:
    """Count the ideas that reached official consideration and the days each took."""
    items = list(histories)
    days = [
        (h.reached_official_on - h.born_on).days for h in items if h.reached_official_on is not None
    ]
    return ConsiderationSummary(
        ideas=len(items),
        reached=len(days),
        median_days=statistics.median(days) if days else None,
        shortest_days=min(days) if days else None,
        longest_days=max(days) if days else None,
    )


# Official talks.


class OfficialStatus(models.TextChoices):
    """The status of an official negotiation track."""

    ACTIVE = "active", "Active"
    STALLED = "stalled", "Stalled (deadlock)"
    SUSPENDED = "suspended", "Suspended"
    BROKEN_DOWN = "broken_down", "Broken down"
    AGREEMENT_SIGNED = "agreement_signed", "Agreement signed"
    IMPLEMENTATION = "implementation", "Implementation"


BLOCKED = frozenset({OfficialStatus.STALLED, OfficialStatus.SUSPENDED, OfficialStatus.BROKEN_DOWN})

BLOCKED_WORDS = {
    OfficialStatus.STALLED: "stalled",
    OfficialStatus.SUSPENDED: "suspended",
    OfficialStatus.BROKEN_DOWN: "broken down",
}


@dataclass(frozen=True)
class StatusSpell:
    """A status held from ``start`` until the day before ``end`` (``end`` None: still held)."""

    status: OfficialStatus
    start: datetime.date
    end: datetime.date | None
    reason: str = ""


def status_spells(changes: Iterable[tuple[datetime.date, str, str]]) -> list[StatusSpell]:
    """Turn dated status changes (date, status, reason) into consecutive spells."""
    ordered = sorted(changes, key=lambda change: change[0])
    spells = []
    for index, (date, status, reason) in enumerate(ordered):
        end = ordered[index + 1][0] if index + 1 < len(ordered) else None
        spells.append(StatusSpell(OfficialStatus(status), date, end, reason))
    return spells


def blocked_since(spells: Sequence[StatusSpell], today: datetime.date) -> StatusSpell | None:
    """The status on ``today`` if it blocks the talks, dated from the start of the blocked run.

    Stalled then suspended is one blocked run: the warning says since when talks have been
    blocked, in the words of the latest status.
    """
    current = [s for s in spells if s.start <= today]
    if not current or current[-1].status not in BLOCKED:
        return None
    start = current[-1].start
    for spell in reversed(current):
        if spell.status not in BLOCKED:
            break
        start = spell.start
    return StatusSpell(current[-1].status, start, None, current[-1].reason)


# Channels.


class ChannelKind(models.TextChoices):
    OFFICIAL = "official", "Official round"
    INFORMAL = "informal", "Informal meeting"


@dataclass(frozen=True)
class ChannelMeeting:
    """A meeting between parties: an official round, or an informal meeting with its track.

    ``party_ids`` are the parties present: an official round's parties at the table, an informal
    meeting's parties of the people who attended.
    """

    date: datetime.date
    kind: ChannelKind
    track: str  # "1", "1.5", "2", or "" when unknown
    party_ids: frozenset[int]
    label: str
    source_id: int = 0


Pair = tuple[int, int]


def pair_of(a: int, b: int) -> Pair:
    return (a, b) if a < b else (b, a)


@dataclass
class PairChannels:
    """Every meeting that included both parties of a pair, oldest first, and the last of each."""

    pair: Pair
    meetings: list[ChannelMeeting] = field(default_factory=list)

    def last(
        self, *, kind: ChannelKind | None = None, track: str | None = None
    ) -> ChannelMeeting | None:
        found = [
            m
            for m in self.meetings
            if (kind is None or m.kind == kind) and (track is None or m.track == track)
        ]
        return found[-1] if found else None

    def count(self, *, kind: ChannelKind | None = None, track: str | None = None) -> int:
        return sum(
            1
            for m in self.meetings
            if (kind is None or m.kind == kind) and (track is None or m.track == track)
        )

    @property
    def last_informal(self) -> ChannelMeeting | None:
        return self.last(kind=ChannelKind.INFORMAL)


def pair_channels(
    party_ids: Iterable[int], meetings: Iterable[ChannelMeeting], *, until: datetime.date
) -> dict[Pair, PairChannels]:
    """For every pair of parties, the meetings up to ``until`` that included both of them."""
    ids = sorted(set(party_ids))
    channels = {pair_of(a, b): PairChannels(pair_of(a, b)) for a, b in combinations(ids, 2)}
    for meeting in sorted(meetings, key=lambda m: (m.date, m.label)):
        if meeting.date > until:
            continue
        present = sorted(meeting.party_ids & set(ids))
        for a, b in combinations(present, 2):
            channels[pair_of(a, b)].meetings.append(meeting)
    return channels


@dataclass(frozen=True)
class QuietChannel:
    """Official talks blocked between two parties, and no informal meeting of both for too long."""

    pair: Pair
    blocked: StatusSpell
    last_informal: datetime.date | None
    gap_days: int | None  # None: no informal meeting with both sides on record
    threshold_days: int


def quiet_channel(
    *,
    pair: Pair,
    spells: Sequence[StatusSpell],
    last_informal: datetime.date | None,
    today: datetime.date,
    threshold_days: int,
) -> QuietChannel | None:
    """A warning when official talks are blocked and no informal channel met in time."""
    blocked = blocked_since(spells, today)
    if blocked is None:
        return None
    if last_informal is not None and (today - last_informal).days <= threshold_days:
        return None
    gap = None if last_informal is None else (today - last_informal).days
    return QuietChannel(pair, blocked, last_informal, gap, threshold_days)


def quiet_channel_message(warning: QuietChannel, *, talks: str, parties: str) -> str:
    """The warning in words: 'Border talks (A and B): official talks stalled since 3 March…'."""
    since = f"{warning.blocked.start.day} {warning.blocked.start:%B %Y}"
    head = (
        f"{talks} ({parties}): official talks {BLOCKED_WORDS[warning.blocked.status]} since {since}"
    )
    if warning.gap_days is None:
        return f"{head}; no Track 1.5 or Track 2 meeting with both sides on record."
    return f"{head}; no Track 1.5 or Track 2 meeting with both sides for {warning.gap_days} days."


# Documents: attribution and terminology checks.


class FlagKind(models.TextChoices):
    NAME = "name", "Names someone or something in the registry"
    TERM = "term", "Contested term"


@dataclass(frozen=True)
class Flag:
    """A word in a document that must be removed, replaced or explicitly kept."""

    kind: FlagKind
    words: str  # as written
    key: str  # folded, what an override refers to
    suggestion: str = ""
    is_overridden: bool = False


def check_text(
    text: str,
    *,
    names: Iterable[str],
    terms: Iterable[tuple[str, str]],
    overridden: Iterable[str] = (),
) -> list[Flag]:
    """Every registry name and contested term in ``text``, once each, in order of appearance.

    Matching is accent-, case- and spacing-insensitive (``actors.names.find_names``). ``terms``
    are (contested term, neutral wording); ``overridden`` are folded keys the writer chose to keep.
    """
    kept = {fold(word) for word in overridden}
    neutral = {fold(term): wording for term, wording in terms}
    hits = [(hit, FlagKind.NAME) for hit in find_names(text, names)]
    hits += [(hit, FlagKind.TERM) for hit in find_names(text, neutral)]
    flags: dict[tuple[str, str], Flag] = {}
    for hit, kind in sorted(hits, key=lambda item: item[0].start):
        key = hit.matched
        suggestion = neutral.get(key, "") if kind == FlagKind.TERM else ""
        flags.setdefault((kind, key), Flag(kind, hit.words, key, suggestion, key in kept))
    return list(flags.values())


def unresolved(flags: Iterable[Flag]) -> list[Flag]:
    """The flags neither removed nor explicitly overridden: they block an export."""
    return [flag for flag in flags if not flag.is_overridden]
