"""Reads: everything the process health page, its API and the report need, in a fixed number of
queries, turned into the plain data the measures read.

The caller has already been given the process through ``access_process_by_id``; what the user
may see inside it (survey results, who is tied to whom) is decided here, from their permissions.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from multitrack.accounts.access import can
from multitrack.accounts.permissions import Permission
from multitrack.actors.models import Party, Person
from multitrack.insights import charts
from multitrack.insights.checks import CustomObservance, MeetingCheck, Participant, check_meeting
from multitrack.insights.measures import (
    Attendee,
    Category,
    CategoryKind,
    Level,
    MeetingFacts,
    Network,
    OfficialStatus,
    Reading,
    Representation,
    StatusPeriod,
    Tie,
    cadence,
    categories_below_target,
    cohort_curve,
    continuity_reading,
    diversity,
    duration,
    gaps_days,
    invited_never_came,
    missing_voices_reading,
    network_reading,
    party_balance,
    representation,
    retention,
    share_of_women,
    turnover,
)
from multitrack.insights.surveys import SurveyChange, survey_change
from multitrack.practice.models import (
    Observance,
    PartyCalendar,
    RefusedVenue,
    RelationshipTie,
    StakeholderCategory,
    StakeholderTag,
    Survey,
    SurveyAnswer,
    SurveyItem,
)
from multitrack.processes.models import Attendance, Meeting, Process
from multitrack.processes.selectors import with_attendance

# Meetings still to come: planned, or confirmed after their checks.
UPCOMING_STATUSES = frozenset({Meeting.Status.PLANNED, Meeting.Status.CONFIRMED})

# How the official talks' statuses (ideas.rules.OfficialStatus) count for continuity.
_STATUS_FOR_CONTINUITY = {
    "active": OfficialStatus.ACTIVE,
    "stalled": OfficialStatus.STALLED,
    "suspended": OfficialStatus.STALLED,
    "broken_down": OfficialStatus.STALLED,
    "agreement_signed": OfficialStatus.AGREEMENT,
    "implementation": OfficialStatus.AGREEMENT,
}


@dataclass(frozen=True)
class Chart:
    """A figure and the id its JSON is rendered under."""

    id: str
    figure: dict[str, Any]


@dataclass
class MeetingRow:
    """One held meeting's inclusivity evidence."""

    meeting: Meeting
    attendees: int
    women: Reading
    balance: Reading
    diversity: Reading
    representation: list[Representation]

    @property
    def gaps(self) -> list[Representation]:
        return [r for r in self.representation if not r.meets_target]


@dataclass
class UpcomingCheck:
    meeting: Meeting
    check: MeetingCheck
    uncovered: list[Person]


@dataclass
class SurveyComparison:
    """Before/after results for one meeting (each item already suppressed if too small)."""

    meeting: Meeting
    changes: list[SurveyChange]
    respondents_before: str
    respondents_after: str


@dataclass
class ProcessHealth:
    """Everything the four sections show. ``headline`` holds one reading per measure."""

    process: Process
    today: datetime.date
    held: list[Meeting]
    categories: list[Category]
    inclusivity: list[Reading]
    meeting_rows: list[MeetingRow]
    never_came: list[Person]
    engagement: list[Reading]
    retention_rows: list[tuple[int, Reading]]
    upcoming: list[UpcomingCheck]
    terms: list[tuple[str, str, str]]
    calendars: dict[str, list[str]]
    refused: dict[str, list[str]]
    network: list[Reading]
    bridges: list[tuple[Person, int]]
    ties_count: int
    may_read_ties: bool
    may_read_surveys: bool
    surveys: list[SurveyComparison]
    official_periods: list[StatusPeriod]
    charts: dict[str, Chart] = field(default_factory=dict)

    @property
    def gaps(self) -> list[Reading]:
        """The readings that call for action, across all four sections."""
        everything = [*self.inclusivity, *self.engagement, *self.network]
        everything += [r for _, r in self.retention_rows]
        return [r for r in everything if r.is_gap]


def _category(entry: StakeholderCategory) -> Category:
    return Category(
        key=str(entry.pk),
        label=entry.label,
        kind=CategoryKind(entry.kind),
        party_id=entry.party_id,
        capacity=entry.capacity,
        tag=entry.tag,
        minimum_count=entry.minimum_count,
        minimum_percent=entry.minimum_percent,
    )


def _attendee(
    attendance: Attendance, conflict_id: int, tags: dict[int, frozenset[str]]
) -> Attendee:
    person = attendance.person
    parties = [p for p in person.parties.all() if p.conflict_id == conflict_id]
    capacity = attendance.capacity
    return Attendee(
        person_id=person.pk,
        gender=person.gender,
        party_ids=frozenset(p.pk for p in parties),
        capacity=capacity.value if capacity else None,
        is_minority=any(p.is_minority for p in parties),
        tags=tags.get(person.pk, frozenset()),
    )


def _is_held(meeting: Meeting, today: datetime.date) -> bool:
    """Held, or planned in the past with attendance recorded (nobody marked it held yet)."""
    if meeting.status == Meeting.Status.HELD:
        return True
    attended = any(a.status == Attendance.Status.ATTENDED for a in meeting.attendance.all())
    return meeting.status in UPCOMING_STATUSES and meeting.date <= today and attended


def _official_periods(process: Process) -> list[StatusPeriod]:
    """The conflict's official talks as status periods (empty if none is recorded)."""
    from multitrack.ideas.models import Agreement, StatusChange  # the ideas app is optional here
    from multitrack.ideas.rules import status_spells

    changes: dict[int, list[tuple[datetime.date, str, str]]] = defaultdict(list)
    for track_id, status, date in StatusChange.objects.filter(
        official_track__conflict_id=process.conflict_id
    ).values_list("official_track_id", "status", "date"):
        changes[track_id].append((date, status, ""))
    periods = [
        StatusPeriod(_STATUS_FOR_CONTINUITY.get(spell.status, spell.status), spell.start, spell.end)
        for track_changes in changes.values()
        for spell in status_spells(track_changes)
    ]
    periods += [
        StatusPeriod(OfficialStatus.AGREEMENT, date)
        for date in Agreement.objects.filter(
            official_track__conflict_id=process.conflict_id
        ).values_list("date", flat=True)
    ]
    return periods


def _survey_comparisons(process: Process) -> list[SurveyComparison]:
    surveys = list(
        Survey.objects.filter(process=process)
        .select_related("meeting")
        .prefetch_related(
            Prefetch("items", queryset=SurveyItem.objects.select_related("toward_party"))
        )
    )
    values: dict[int, list[float]] = defaultdict(list)
    respondents: dict[int, set[int]] = defaultdict(set)
    for item_id, value, response_id, survey_id in SurveyAnswer.objects.filter(
        response__survey__process=process
    ).values_list("item_id", "value", "response_id", "response__survey_id"):
        values[item_id].append(value)
        respondents[survey_id].add(response_id)
    by_meeting: dict[int, dict[str, Survey]] = defaultdict(dict)
    for survey in surveys:
        by_meeting[survey.meeting_id][survey.phase] = survey

    def count(survey: Survey) -> str:
        n = len(respondents[survey.pk])
        return str(n) if n >= 5 else "fewer than 5"

    comparisons = []
    for pair in by_meeting.values():
        before, after = pair.get(Survey.Phase.BEFORE), pair.get(Survey.Phase.AFTER)
        if before is None or after is None:
            continue
        after_items = {item.key: item for item in after.items.all()}
        changes = [
            survey_change(_item_label(item), values[item.pk], values[after_items[item.key].pk])
            for item in before.items.all()
            if item.key in after_items
        ]
        comparisons.append(SurveyComparison(before.meeting, changes, count(before), count(after)))
    comparisons.sort(key=lambda c: c.meeting.date)
    return comparisons


def _item_label(item: SurveyItem) -> str:
    party = item.toward_party.name if item.toward_party else ""
    if item.kind == SurveyItem.Kind.THERMOMETER:
        return f"Feeling towards {party} (0-100)"
    if item.kind == SurveyItem.Kind.TRUST:
        return f"Trust in {party}'s participants (1-7)"
    if item.kind == SurveyItem.Kind.AGREEMENT:
        return "Agreement seen as possible (1-7)"
    return f"{item.text} ({item.scale_min}-{item.scale_max})"


def _inclusivity_readings(
    categories: list[Category],
    facts: list[MeetingFacts],
    never_came_ids: list[int],
    party_ids: list[int],
) -> list[Reading]:
    """Missing voices at the last meeting, then women, balance and diversity across everyone."""
    everyone: dict[int, Attendee] = {}
    for fact in facts:
        for attendee in fact.attendees:
            everyone[attendee.person_id] = attendee
    below = categories_below_target(categories, facts[-1:])
    readings = [
        missing_voices_reading(below, categories, never_came_ids, len(facts)),
        share_of_women(list(everyone.values())),
        party_balance(list(everyone.values()), party_ids),
        diversity(list(everyone.values())),
    ]
    if not categories:
        no_map = "No stakeholder map yet: set the categories that should be in the room."
        readings.insert(0, Reading(None, no_map, Level.GAP))
    return readings


def _network_readings(
    network: Network, party_name: dict[int, str], tie_rows: list[tuple[Any, ...]]
) -> list[Reading]:
    """Cross-party ties and bridges, densities, and how many ties formed at meetings."""
    readings = [network_reading(network)]
    across = network.density_across()
    if across is not None:
        within = [
            f"{party_name[p]} {round((network.density_within(p) or 0) * 100)}%"
            for p in network.parties()
            if network.density_within(p) is not None
        ]
        readings.append(
            Reading(
                across,
                f"Density of ties: across parties {round(across * 100)}%"
                + (f"; within {', '.join(within)}." if within else "."),
            )
        )
    if tie_rows:
        formed = sum(1 for row in tie_rows if row[5] is not None)
        readings.append(
            Reading(
                float(formed), f"Ties formed at meetings: {formed} of {len(tie_rows)} recorded."
            )
        )
    return readings


@dataclass(frozen=True)
class CheckContext:
    """What the meeting checks need from a process: calendars, observances, refused venues."""

    party_name: dict[int, str]
    calendars: dict[str, list[str]]
    refused: dict[str, list[str]]
    custom: list[CustomObservance]


def _check_context(process: Process, party_name: dict[int, str]) -> CheckContext:
    calendars: dict[str, list[str]] = defaultdict(list)
    for entry in PartyCalendar.objects.filter(process=process).select_related("party"):
        calendars[entry.party.name].append(entry.calendar)
    refused: dict[str, list[str]] = defaultdict(list)
    for venue in RefusedVenue.objects.filter(process=process).select_related("party"):
        refused[venue.party.name].append(venue.venue)
    custom = [
        CustomObservance(o.name, o.date, o.recurs_yearly, o.party.name if o.party else "")
        for o in Observance.objects.filter(process=process).select_related("party")
    ]
    return CheckContext(party_name, dict(calendars), dict(refused), custom)


def _check_one(
    meeting: Meeting, invited: list[Person], context: CheckContext, *, with_names: bool = True
) -> UpcomingCheck:
    """Check one meeting for its invitees (with ``parties`` prefetched)."""
    participants = [
        Participant(
            p.pk,
            tuple(p.languages),
            ", ".join(
                context.party_name[x.pk] for x in p.parties.all() if x.pk in context.party_name
            ),
            country=p.country,
            pseudonym=p.pseudonym,
        )
        for p in invited
    ]
    check = check_meeting(
        date=meeting.date,
        place=meeting.place,
        is_virtual=meeting.is_virtual,
        working_languages=meeting.working_languages,
        interpretation_languages=meeting.interpretation_languages,
        participants=participants,
        calendars_by_party=context.calendars,
        custom_observances=context.custom,
        refused_by_party=context.refused,
        with_names=with_names,
    )
    by_id = {p.pk: p for p in invited}
    return UpcomingCheck(meeting, check, [by_id[i] for i in check.uncovered_person_ids])


def expected_people(attendance: Iterable[Attendance]) -> list[Person] | None:
    """Who is expected at a meeting: everyone listed but those excused or absent.

    None when nobody is listed at all (the caller then falls back to the roster).
    """
    rows = list(attendance)
    if not rows:
        return None
    return [a.person for a in rows if a.status == Attendance.Status.ATTENDED]


def meeting_check(*, user: Any, meeting: Meeting) -> UpcomingCheck:
    """The language, observance and venue checks for one meeting the user may see.

    Participants are those expected on its attendance list (not excused or absent), or the
    whole roster when nobody is listed yet.
    """
    process = meeting.process
    party_name = dict(
        Party.objects.filter(conflict_id=process.conflict_id).values_list("pk", "name")
    )
    invited = expected_people(
        meeting.attendance.select_related("person").prefetch_related("person__parties")
    )
    if invited is None:
        # Forgotten people stay on the roster as placeholders, but nobody expects them.
        roster = process.roster.filter(person__forgotten_at__isnull=True)
        invited = [
            entry.person
            for entry in roster.select_related("person").prefetch_related("person__parties")
        ]
    return _check_one(meeting, invited, _check_context(process, party_name))


def process_health(
    *, user: Any, process: Process, today: datetime.date | None = None, with_names: bool = True
) -> ProcessHealth:
    """All four best-practice sections of one process, as the user may see them.

    ``with_names=False`` (the funders' report) leaves every person out: no lists of people, no
    labels on the network picture.
    """
    today = today or timezone.localdate()
    conflict_id = process.conflict_id
    parties = list(Party.objects.filter(conflict_id=conflict_id).order_by("name"))
    party_name = {p.pk: p.name for p in parties}
    tags: dict[int, set[str]] = defaultdict(set)
    for person_id, tag in StakeholderTag.objects.filter(process=process).values_list(
        "person_id", "tag"
    ):
        tags[person_id].add(tag)
    frozen_tags = {k: frozenset(v) for k, v in tags.items()}
    categories = [_category(c) for c in StakeholderCategory.objects.filter(process=process)]

    meetings = list(
        with_attendance(
            process.meetings.select_related("process").order_by("date", "pk")
        ).prefetch_related("attendance__person__parties")
    )
    held = [m for m in meetings if _is_held(m, today)]
    facts = [
        MeetingFacts(
            m.pk,
            m.date,
            tuple(
                _attendee(a, conflict_id, frozen_tags)
                for a in m.attendance.all()
                if a.status == Attendance.Status.ATTENDED
            ),
        )
        for m in held
    ]
    roster = list(
        process.roster.select_related("person")
        .prefetch_related("person__parties")
        .order_by("person__pseudonym")
    )
    people = {entry.person.pk: entry.person for entry in roster}

    # Inclusivity.
    meeting_rows = []
    for meeting, fact in zip(held, facts, strict=True):
        meeting_rows.append(
            MeetingRow(
                meeting,
                len(fact.attendees),
                share_of_women(fact.attendees),
                party_balance(fact.attendees, list(party_name)),
                diversity(fact.attendees),
                representation(categories, fact),
            )
        )
    never_came_ids = invited_never_came(list(people), facts)
    inclusivity = _inclusivity_readings(categories, facts, never_came_ids, list(party_name))

    # Sustained engagement.
    dates = [m.date for m in held]
    median_gap, longest_gap = cadence(dates)
    retention_rows = [(months, retention(facts, months).reading) for months in (6, 12)]
    official_periods = _official_periods(process)
    engagement = [
        median_gap,
        longest_gap,
        duration(dates),
        turnover(facts),
        continuity_reading(dates, official_periods),
    ]

    # Cultural sensitivity: checks for the meetings still to come.
    context = _check_context(process, party_name)
    upcoming = []
    for meeting in meetings:
        if meeting.status in UPCOMING_STATUSES and meeting.date >= today:
            invited = expected_people(meeting.attendance.all())
            upcoming.append(
                _check_one(
                    meeting,
                    [p for p in people.values() if not p.is_forgotten]
                    if invited is None
                    else invited,
                    context,
                    with_names=with_names,
                )
            )
    terms = [(t.term, t.neutral_wording, t.note) for t in process.conflict.contested_terms.all()]

    # Trust network: everyone on the roster, with their party in this conflict.
    party_of: dict[int, int | None] = {}
    for person in people.values():
        own = [p.pk for p in person.parties.all() if p.pk in party_name]
        party_of[person.pk] = own[0] if own else None
    # From instances, not values_list(): a tie's kind and strength are encrypted at rest.
    tie_rows = [
        (t.person_id, t.other_id, t.kind, t.strength, t.observed_on, t.formed_at_id)
        for t in RelationshipTie.objects.filter(process=process).order_by("pk")
    ]
    ties = [Tie(*row[:5]) for row in tie_rows]
    network = Network(party_of, ties)
    may_read_ties = can(user, Permission.READ_TIES, process.pk)
    bridges = [(people[p], n) for p, n in network.bridges()] if may_read_ties else []
    network_readings = _network_readings(network, party_name, tie_rows)

    may_read_surveys = can(user, Permission.READ_SURVEYS, process.pk)
    surveys = _survey_comparisons(process) if may_read_surveys else []

    health = ProcessHealth(
        process=process,
        today=today,
        held=held,
        categories=categories,
        inclusivity=inclusivity,
        meeting_rows=meeting_rows,
        never_came=[people[i] for i in never_came_ids],
        engagement=engagement,
        retention_rows=retention_rows,
        upcoming=upcoming,
        terms=terms,
        calendars=context.calendars,
        refused=context.refused,
        network=network_readings,
        bridges=bridges,
        ties_count=len(network.links),
        may_read_ties=may_read_ties,
        may_read_surveys=may_read_surveys,
        surveys=surveys,
        official_periods=official_periods,
    )
    if not with_names:
        health.never_came, health.bridges = [], []
        for row in health.upcoming:
            row.uncovered = []
    health.charts = _charts(health, facts, network, party_name, people, with_labels=with_names)
    return health


def _charts(
    health: ProcessHealth,
    facts: list[MeetingFacts],
    network: Network,
    party_name: dict[int, str],
    people: dict[int, Person],
    *,
    with_labels: bool,
) -> dict[str, Chart]:
    found: dict[str, Chart] = {}
    rows = health.meeting_rows
    labels = [f"{r.meeting.date:%d %b %Y}" for r in rows]
    if rows and health.categories:
        found["representation"] = Chart(
            "chart-representation",
            charts.representation_heatmap(
                labels,
                [c.label for c in health.categories],
                [[r.representation[i].count for r in rows] for i in range(len(health.categories))],
                [
                    [r.representation[i].meets_target for r in rows]
                    for i in range(len(health.categories))
                ],
            ),
        )
    if rows:
        found["inclusivity"] = Chart(
            "chart-inclusivity",
            charts.inclusivity_trend(
                [r.meeting.date for r in rows],
                [r.women.value for r in rows],
                [r.balance.value for r in rows],
                [_evenness(r.diversity, f) for r, f in zip(rows, facts, strict=True)],
            ),
        )
        curve = cohort_curve(facts)
        found["engagement"] = Chart(
            "chart-engagement",
            charts.engagement(
                [f.date for f in facts], [len(f.attendees) for f in facts], [c for _, c in curve]
            ),
        )
    if len(facts) >= 2:
        dates = [f.date for f in facts]
        found["gaps"] = Chart("chart-gaps", charts.gaps(dates, gaps_days(dates)))
    if network.links and len(network.parties()) >= 2:
        dates = [f.date for f in facts] or [health.today]
        snapshots = [network.as_of(d) for d in dates]
        found["density"] = Chart(
            "chart-density",
            charts.densities(
                dates,
                {
                    party_name[p]: [s.density_within(p) for s in snapshots]
                    for p in network.parties()
                },
                [s.density_across() for s in snapshots],
            ),
        )
        if health.may_read_ties:
            nodes = [
                (
                    pid,
                    people[pid].pseudonym if with_labels else "",
                    party_name.get(party, "No party") if party else "No party",
                )
                for pid, party in network.party_of.items()
            ]
            links: list[tuple[int, int, bool]] = []
            for link in network.links:
                first, second = sorted(link)
                links.append((first, second, network.is_cross_party(link)))
            found["network"] = Chart("chart-network", charts.network_picture(nodes, sorted(links)))
    shown = [c for comparison in health.surveys for c in comparison.changes if not c.is_suppressed]
    if shown:
        found["surveys"] = Chart("chart-surveys", charts.survey_changes(shown))
    return found


def _evenness(reading: Reading, fact: MeetingFacts) -> float | None:
    sectors = len({a.capacity for a in fact.attendees if a.capacity})
    if reading.value is None or sectors < 2:
        return None
    return reading.value / math.log(sectors)
