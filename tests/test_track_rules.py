"""The track rules, as a table: who is in the room decides the track."""

from __future__ import annotations

import pytest

from multitrack.actors.capacity import SERVING_OFFICIAL_CAPACITIES, Capacity
from multitrack.processes.rules import Attendee, Track, derive_track

OFFICIALS = sorted(SERVING_OFFICIAL_CAPACITIES)
NON_OFFICIALS = sorted(set(Capacity) - SERVING_OFFICIAL_CAPACITIES)


def official(capacity: Capacity = Capacity.MID_LEVEL_OFFICIAL, *, acting: bool = False) -> Attendee:
    return Attendee(capacity, is_acting_officially=acting)


def test_every_capacity_is_either_official_or_not() -> None:
    assert len(OFFICIALS) == 7
    assert len(NON_OFFICIALS) == 9
    assert Capacity.FORMER_OFFICIAL in NON_OFFICIALS


@pytest.mark.parametrize("capacity", OFFICIALS)
def test_serving_officials_acting_officially_alone_make_track_1(capacity: Capacity) -> None:
    reading = derive_track([official(capacity, acting=True), official(capacity, acting=True)])
    assert reading.track == Track.TRACK_1


@pytest.mark.parametrize("capacity", OFFICIALS)
def test_a_serving_official_with_a_non_official_makes_track_1_5(capacity: Capacity) -> None:
    reading = derive_track([official(capacity), Attendee(Capacity.ACADEMIC)])
    assert reading.track == Track.TRACK_1_5


@pytest.mark.parametrize("capacity", OFFICIALS)
def test_an_official_acting_officially_with_a_non_official_is_still_track_1_5(
    capacity: Capacity,
) -> None:
    reading = derive_track(
        [official(capacity, acting=True), Attendee(Capacity.NGO_OR_CIVIL_SOCIETY)]
    )
    assert reading.track == Track.TRACK_1_5


@pytest.mark.parametrize("capacity", NON_OFFICIALS)
def test_non_officials_alone_make_track_2(capacity: Capacity) -> None:
    reading = derive_track([Attendee(capacity), Attendee(Capacity.ACADEMIC)])
    assert reading.track == Track.TRACK_2


def test_former_officials_count_as_non_officials() -> None:
    reading = derive_track([Attendee(Capacity.FORMER_OFFICIAL)] * 3)
    assert reading.track == Track.TRACK_2
    assert reading.explanation == "Track 2: 3 non-officials"


def test_officials_all_in_a_personal_capacity_make_track_1_5() -> None:
    reading = derive_track([official(acting=True), official(acting=False)])
    assert reading.track == Track.TRACK_1_5
    assert "1 official in a personal capacity" in reading.explanation


@pytest.mark.parametrize(
    ("attendees", "expected"),
    [
        (
            [official()] * 2 + [Attendee(Capacity.ACADEMIC)] * 9,
            "Track 1.5: 2 serving officials (mid-level), 9 non-officials",
        ),
        (
            [official(Capacity.MINISTER, acting=True), official(Capacity.DIPLOMAT, acting=True)],
            "Track 1: 2 serving officials (minister, diplomat)",
        ),
        ([Attendee(Capacity.RELIGIOUS_LEADER)], "Track 2: 1 non-official"),
        (
            [official(Capacity.SENIOR_OFFICIAL), Attendee(None)],
            "Track 1.5: 1 serving official (senior), 1 participant of unknown capacity",
        ),
        ([], "No track yet: nobody is recorded as attending."),
        ([Attendee(None)], "No track yet: the capacity of 1 participant is unknown."),
    ],
)
def test_the_explanation_reads_in_words(attendees: list[Attendee], expected: str) -> None:
    assert derive_track(attendees).explanation == expected


def test_an_empty_room_has_no_track_and_never_warns() -> None:
    reading = derive_track([])
    assert reading.track is None
    assert not reading.differs_from(Track.TRACK_1)


def test_unknown_capacities_with_non_officials_stay_track_2_and_are_counted() -> None:
    reading = derive_track([Attendee(None), Attendee(Capacity.ACADEMIC)])
    assert reading.track == Track.TRACK_2
    assert reading.unknown_capacity == 1


def test_a_reading_differs_from_another_declared_track() -> None:
    reading = derive_track([official(), Attendee(Capacity.ACADEMIC)])
    assert reading.differs_from(Track.TRACK_2)
    assert not reading.differs_from(Track.TRACK_1_5)


def test_the_rules_module_examples_hold() -> None:
    import doctest

    from multitrack.processes import rules

    assert doctest.testmod(rules).failed == 0
