"""A person's capacity is read at each meeting's date, so a track can change mid-process."""

from __future__ import annotations

import datetime

import pytest

from multitrack.actors.capacity import Capacity
from multitrack.processes.models import Attendance
from multitrack.processes.rules import Track
from multitrack.processes.selectors import meeting_track_reading, process_summary
from tests.factories import (
    AffiliationFactory,
    AttendanceFactory,
    MeetingFactory,
    PersonFactory,
    ProcessFactory,
)

pytestmark = pytest.mark.django_db

BEFORE = datetime.date(2024, 3, 1)
CHANGE = datetime.date(2024, 6, 30)
AFTER = datetime.date(2024, 9, 1)


@pytest.fixture
def deputy_minister_who_leaves_office():
    person = PersonFactory(pseudonym="Heron")
    AffiliationFactory(person=person, capacity=Capacity.MINISTER, end_date=CHANGE)
    AffiliationFactory(
        person=person,
        capacity=Capacity.FORMER_OFFICIAL,
        start_date=CHANGE + datetime.timedelta(days=1),
    )
    return person


def meeting_with(process, date, *people):
    meeting = MeetingFactory(process=process, date=date)
    for person in people:
        AttendanceFactory(meeting=meeting, person=person)
    return meeting


def test_capacity_is_read_at_the_date(deputy_minister_who_leaves_office) -> None:
    person = deputy_minister_who_leaves_office
    assert person.capacity_on(BEFORE) == Capacity.MINISTER
    assert person.capacity_on(CHANGE) == Capacity.MINISTER
    assert person.capacity_on(AFTER) == Capacity.FORMER_OFFICIAL


def test_a_person_without_affiliation_on_the_date_has_unknown_capacity() -> None:
    person = PersonFactory()
    AffiliationFactory(person=person, start_date=AFTER)
    assert person.capacity_on(BEFORE) is None


def test_the_most_official_of_two_concurrent_affiliations_counts() -> None:
    person = PersonFactory()
    AffiliationFactory(person=person, capacity=Capacity.ACADEMIC)
    AffiliationFactory(person=person, capacity=Capacity.SENIOR_OFFICIAL)
    assert person.capacity_on(BEFORE) == Capacity.SENIOR_OFFICIAL


def test_the_same_people_meet_at_track_1_5_then_track_2(deputy_minister_who_leaves_office) -> None:
    process = ProcessFactory(declared_track=Track.TRACK_2)
    academic = PersonFactory()
    AffiliationFactory(person=academic, capacity=Capacity.ACADEMIC)
    first = meeting_with(process, BEFORE, deputy_minister_who_leaves_office, academic)
    second = meeting_with(process, AFTER, deputy_minister_who_leaves_office, academic)

    assert meeting_track_reading(first).track == Track.TRACK_1_5
    assert meeting_track_reading(second).track == Track.TRACK_2

    summary = process_summary(process=process)
    assert summary.track_counts == {Track.TRACK_1_5: 1, Track.TRACK_2: 1}
    assert [m.meeting for m in summary.mismatches] == [first]
    assert summary.counts_in_words() == "1 at Track 1.5, 1 at Track 2"


def test_an_explicit_capacity_at_the_meeting_overrides_the_affiliations() -> None:
    person = PersonFactory()
    AffiliationFactory(person=person, capacity=Capacity.ACADEMIC)
    meeting = MeetingFactory()
    AttendanceFactory(meeting=meeting, person=person, capacity_override=Capacity.DIPLOMAT)
    assert meeting_track_reading(meeting).explanation == (
        "Track 1.5: 1 serving official (diplomat), 1 official in a personal capacity"
    )


def test_only_people_who_attended_count_towards_the_track() -> None:
    official = PersonFactory()
    AffiliationFactory(person=official, capacity=Capacity.MID_LEVEL_OFFICIAL)
    academic = PersonFactory()
    AffiliationFactory(person=academic, capacity=Capacity.ACADEMIC)
    meeting = MeetingFactory()
    AttendanceFactory(meeting=meeting, person=academic)
    AttendanceFactory(meeting=meeting, person=official, status=Attendance.Status.EXCUSED)
    assert meeting_track_reading(meeting).track == Track.TRACK_2


def test_a_meeting_declared_track_overrides_the_process_one() -> None:
    process = ProcessFactory(declared_track=Track.TRACK_2)
    meeting = MeetingFactory(process=process, declared_track=Track.TRACK_1_5)
    assert meeting.effective_declared_track == Track.TRACK_1_5
    assert MeetingFactory(process=process).effective_declared_track == Track.TRACK_2


def test_the_summary_reads_a_process_in_a_bounded_number_of_queries(
    django_assert_max_num_queries,
) -> None:
    process = ProcessFactory()
    for day in range(1, 11):
        meeting_with(
            process,
            datetime.date(2025, 1, day),
            *[AffiliationFactory(capacity=Capacity.ACADEMIC).person for _ in range(3)],
        )
    with django_assert_max_num_queries(5):
        summary = process_summary(process=process)
    assert summary.track_counts == {Track.TRACK_2: 10}
