"""The best-practice measures on hand-built cases with known answers."""

from __future__ import annotations

import datetime
import math

import pytest

from multitrack.insights.measures import (
    Attendee,
    Category,
    CategoryKind,
    Level,
    MeetingFacts,
    Network,
    StatusPeriod,
    Tie,
    add_months,
    cadence,
    categories_below_target,
    cohort_curve,
    continuity_reading,
    diversity,
    duration,
    invited_never_came,
    missing_voices_reading,
    network_reading,
    party_balance,
    representation,
    retention,
    shannon_index,
    share_of_women,
    turnover,
)

D = datetime.date
WOMAN = Attendee(1, gender="woman", party_ids=frozenset({10}), capacity="ngo")
MAN = Attendee(2, gender="man", party_ids=frozenset({20}), capacity="academic")
UNDISCLOSED = Attendee(3, party_ids=frozenset({20}), capacity="academic")


def meeting(meeting_id: int, date: datetime.date, *people: int) -> MeetingFacts:
    return MeetingFacts(meeting_id, date, tuple(Attendee(p) for p in people))


# Inclusivity ---------------------------------------------------------------------------------

WOMEN_30 = Category("women", "Women", CategoryKind.WOMEN, minimum_percent=30)
TWO_ACADEMICS = Category(
    "acad", "Academia", CategoryKind.CAPACITY, capacity="academic", minimum_count=2
)
PARTY_10 = Category("p10", "North", CategoryKind.PARTY, party_id=10, minimum_count=1)
DIASPORA = Category("dia", "Diaspora", CategoryKind.TAGGED, tag="diaspora", minimum_count=1)


@pytest.mark.parametrize(
    ("category", "attendees", "count", "meets"),
    [
        (WOMEN_30, [WOMAN, MAN, UNDISCLOSED], 1, True),  # 1 of 3 = 33% >= 30%
        (WOMEN_30, [WOMAN, MAN, UNDISCLOSED, MAN], 1, False),  # 25%
        (WOMEN_30, [], 0, False),  # an empty room meets no share
        (TWO_ACADEMICS, [MAN, UNDISCLOSED], 2, True),
        (TWO_ACADEMICS, [MAN], 1, False),
        (PARTY_10, [WOMAN], 1, True),
        (PARTY_10, [MAN], 0, False),
        (DIASPORA, [Attendee(9, tags=frozenset({"diaspora"}))], 1, True),
        (DIASPORA, [WOMAN], 0, False),
    ],
)
def test_representation_counts_against_the_target(
    category: Category, attendees: list[Attendee], count: int, meets: bool
) -> None:
    (row,) = representation([category], MeetingFacts(1, D(2025, 1, 1), tuple(attendees)))
    assert (row.count, row.meets_target) == (count, meets)


def test_exactly_the_target_share_meets_it() -> None:
    ten = [WOMAN, WOMAN, WOMAN, *[MAN] * 7]
    (row,) = representation([WOMEN_30], MeetingFacts(1, D(2025, 1, 1), tuple(ten)))
    assert row.meets_target


def test_categories_below_target_lists_the_meetings() -> None:
    meetings = [
        MeetingFacts(1, D(2025, 1, 1), (WOMAN, MAN)),
        MeetingFacts(2, D(2025, 2, 1), (MAN, UNDISCLOSED, MAN, MAN)),
    ]
    assert categories_below_target([WOMEN_30, PARTY_10], meetings) == {"women": [2], "p10": [2]}


@pytest.mark.parametrize(
    ("attendees", "value", "level"),
    [
        ([], None, Level.NOT_ENOUGH_DATA),
        ([WOMAN], 1.0, Level.NOT_ENOUGH_DATA),
        ([WOMAN, MAN], 0.5, Level.OK),
        ([WOMAN, MAN, UNDISCLOSED, MAN], 0.25, Level.OK),
    ],
)
def test_share_of_women(attendees: list[Attendee], value: float | None, level: Level) -> None:
    reading = share_of_women(attendees)
    assert (reading.value, reading.level) == (value, level)


def test_share_of_women_says_when_gender_is_not_recorded() -> None:
    assert "gender not recorded for 1" in share_of_women([WOMAN, UNDISCLOSED]).text


@pytest.mark.parametrize(
    ("attendees", "parties", "value", "level"),
    [
        ([WOMAN, MAN], [10], None, Level.NOT_ENOUGH_DATA),
        ([], [10, 20], None, Level.NOT_ENOUGH_DATA),
        ([WOMAN, MAN], [10, 20], 1.0, Level.OK),
        ([WOMAN, MAN, UNDISCLOSED], [10, 20], 0.5, Level.OK),
        ([MAN, UNDISCLOSED], [10, 20], 0.0, Level.GAP),
        (
            [WOMAN, MAN, UNDISCLOSED, Attendee(4, party_ids=frozenset({20}))],
            [10, 20],
            1 / 3,
            Level.GAP,
        ),
        ([Attendee(5)], [10, 20], None, Level.NOT_ENOUGH_DATA),
    ],
)
def test_party_balance(
    attendees: list[Attendee], parties: list[int], value: float | None, level: Level
) -> None:
    reading = party_balance(attendees, parties)
    assert reading.level == level
    assert reading.value == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], None),
        ([0, 0], None),
        ([5], 0.0),
        ([1, 1], math.log(2)),
        ([2, 2, 2, 2], math.log(4)),
        ([3, 1], -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))),
    ],
)
def test_shannon_index(counts: list[int], expected: float | None) -> None:
    result = shannon_index(counts)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_diversity_of_one_person_is_zero_and_a_gap() -> None:
    reading = diversity([WOMAN])
    assert (reading.value, reading.level) == (0.0, Level.GAP)


def test_diversity_without_capacities_is_not_enough_data() -> None:
    assert diversity([Attendee(1)]).level == Level.NOT_ENOUGH_DATA
    assert diversity([]).level == Level.NOT_ENOUGH_DATA


def test_diversity_of_two_even_sectors() -> None:
    reading = diversity([WOMAN, MAN])
    assert reading.value == pytest.approx(math.log(2))
    assert "evenness 100%" in reading.text


def test_invited_never_came_keeps_roster_order() -> None:
    meetings = [meeting(1, D(2025, 1, 1), 2), meeting(2, D(2025, 2, 1), 4)]
    assert invited_never_came([5, 4, 3, 2, 1], meetings) == [5, 3, 1]
    assert invited_never_came([], meetings) == []


def test_missing_voices_reading() -> None:
    assert missing_voices_reading({}, [], [], 0).level == Level.NOT_ENOUGH_DATA
    assert missing_voices_reading({"women": []}, [WOMEN_30], [], 2).level == Level.OK
    reading = missing_voices_reading({"women": [2]}, [WOMEN_30], [7, 8], 2)
    assert reading.level == Level.GAP
    assert (
        reading.text
        == "Missing voices: below target at the last meeting: Women; 2 invited people never came."
    )


# Sustained engagement ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "median", "longest"),
    [
        ([], None, None),
        ([D(2025, 1, 1)], None, None),
        ([D(2025, 1, 1), D(2025, 1, 31)], 30.0, 30.0),
        ([D(2025, 4, 1), D(2025, 1, 1), D(2025, 1, 31)], 45.0, 60.0),  # unsorted input
        ([D(2025, 1, 1), D(2025, 1, 11), D(2025, 1, 21), D(2025, 7, 20)], 10.0, 180.0),
    ],
)
def test_cadence(dates: list[datetime.date], median: float | None, longest: float | None) -> None:
    median_reading, longest_reading = cadence(dates)
    assert (median_reading.value, longest_reading.value) == (median, longest)


def test_a_long_gap_is_a_gap() -> None:
    _, longest = cadence([D(2025, 1, 1), D(2025, 1, 11), D(2025, 1, 21), D(2025, 7, 20)])
    assert longest.level == Level.GAP


def test_duration() -> None:
    assert duration([]).level == Level.NOT_ENOUGH_DATA
    assert duration([D(2025, 1, 1)]).level == Level.NOT_ENOUGH_DATA
    assert duration([D(2025, 1, 1), D(2025, 3, 2)]).value == 60.0


@pytest.mark.parametrize(
    ("date", "months", "expected"),
    [
        (D(2025, 1, 15), 6, D(2025, 7, 15)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
        (D(2025, 12, 1), 12, D(2026, 12, 1)),
    ],
)
def test_add_months(date: datetime.date, months: int, expected: datetime.date) -> None:
    assert add_months(date, months) == expected


def test_retention_counts_first_participants_who_still_attend() -> None:
    meetings = [
        meeting(1, D(2025, 1, 10), *range(1, 16)),  # 15 first participants
        meeting(2, D(2025, 4, 10), *range(1, 12)),
        meeting(3, D(2025, 7, 10), 1, 2, 3, 4, 30, 31),
        meeting(4, D(2025, 9, 10), 5, 6, 32),
    ]
    six = retention(meetings, 6)
    assert (six.cohort_size, six.retained) == (15, 6)
    assert six.reading.value == pytest.approx(0.4)
    assert six.reading.level == Level.GAP
    assert "40% — 6 of 15 first participants still attend" in six.reading.text
    twelve = retention(meetings, 12)
    assert twelve.retained is None
    assert twelve.reading.level == Level.NOT_ENOUGH_DATA


def test_retention_empty_and_one_person() -> None:
    assert retention([], 6).reading.level == Level.NOT_ENOUGH_DATA
    alone = [meeting(1, D(2025, 1, 1), 1), meeting(2, D(2025, 8, 1), 1)]
    result = retention(alone, 6)
    assert (result.retained, result.reading.level) == (1, Level.NOT_ENOUGH_DATA)


def test_cohort_curve() -> None:
    meetings = [meeting(2, D(2025, 2, 1), 1, 9), meeting(1, D(2025, 1, 1), 1, 2)]
    assert cohort_curve(meetings) == [(D(2025, 1, 1), 1.0), (D(2025, 2, 1), 0.5)]
    assert cohort_curve([]) == []


def test_turnover() -> None:
    assert turnover([meeting(1, D(2025, 1, 1), 1)]).level == Level.NOT_ENOUGH_DATA
    meetings = [
        meeting(1, D(2025, 1, 1), 1, 2),
        meeting(2, D(2025, 2, 1), 1, 3),  # 1 of 2 new
        meeting(3, D(2025, 3, 1), 1, 3),  # none new
    ]
    assert turnover(meetings).value == pytest.approx(0.25)


PERIODS = [
    StatusPeriod("active", D(2024, 1, 1), D(2025, 1, 1)),
    StatusPeriod("stalled", D(2025, 1, 1), D(2025, 6, 1)),
    StatusPeriod("agreement", D(2025, 6, 1)),
]


@pytest.mark.parametrize(
    ("dates", "periods", "value", "level"),
    [
        ([D(2025, 2, 1)], [], None, Level.NOT_ENOUGH_DATA),
        ([], PERIODS, 0.0, Level.GAP),
        ([D(2024, 5, 1), D(2025, 1, 1), D(2025, 5, 31), D(2025, 6, 1)], PERIODS, 2.0, Level.OK),
        ([D(2024, 5, 1)], PERIODS[:1], 0.0, Level.OK),  # never stalled: no gap
    ],
)
def test_continuity(
    dates: list[datetime.date], periods: list[StatusPeriod], value: float | None, level: Level
) -> None:
    reading = continuity_reading(dates, periods)
    assert (reading.value, reading.level) == (value, level)


def test_continuity_says_what_happened_after_an_agreement() -> None:
    reading = continuity_reading([D(2025, 2, 1), D(2025, 7, 1)], PERIODS)
    assert reading.text == (
        "Continuity: 1 meeting held while official talks were stalled; "
        "1 meeting after an agreement."
    )


# Trust network -------------------------------------------------------------------------------

PARTIES = {1: 10, 2: 10, 3: 20, 4: 20, 5: None}


def test_network_of_nobody() -> None:
    network = Network({}, [])
    assert network.density_across() is None
    assert network_reading(network).level == Level.NOT_ENOUGH_DATA


def test_network_of_one_person() -> None:
    network = Network({1: 10}, [Tie(1, 1)])
    assert network.links == set()
    assert network.density_within(10) is None
    assert network_reading(network).level == Level.NOT_ENOUGH_DATA


def test_network_measures_on_a_known_graph() -> None:
    ties = [
        Tie(1, 2, date=D(2025, 1, 1)),
        Tie(2, 1, kind="trusts", date=D(2025, 3, 1)),  # the same link again
        Tie(2, 3, date=D(2025, 2, 1)),
        Tie(3, 4, date=D(2025, 2, 1)),
        Tie(4, 5),  # person 5 has no party: not cross-party
        Tie(1, 99),  # outside the network: ignored
    ]
    network = Network(PARTIES, ties)
    assert len(network.links) == 4
    assert network.cross_party_links() == [frozenset({2, 3})]
    assert network.bridges() == [(2, 1), (3, 1)]
    assert network.density_within(10) == 1.0
    assert network.density_within(20) == 1.0
    assert network.density_across() == pytest.approx(1 / 4)
    early = network.as_of(D(2025, 1, 15))
    assert early.cross_party_links() == []
    assert early.density_within(20) == 0.0
    reading = network_reading(network)
    assert reading.value == 1.0
    assert "1 cross-party tie of 4; 2 people bridge parties" in reading.text


def test_a_network_without_cross_party_ties_is_a_gap() -> None:
    network = Network(PARTIES, [Tie(1, 2)])
    assert network_reading(network).level == Level.GAP


def test_continuity_counts_a_meeting_once_per_status_across_tracks() -> None:
    periods = [
        StatusPeriod("stalled", D(2025, 1, 1)),
        StatusPeriod("stalled", D(2025, 2, 1)),  # a second track, also stalled
        StatusPeriod("agreement", D(2025, 3, 1)),
    ]
    reading = continuity_reading([D(2025, 3, 15)], periods)
    assert reading.text == (
        "Continuity: 1 meeting held while official talks were stalled; "
        "1 meeting after an agreement."
    )
