"""Channels between parties, from the viewer's own processes, and the quiet-channel warnings."""

from __future__ import annotations

import datetime

import pytest

from multitrack.accounts.models import Role
from multitrack.actors.capacity import Capacity
from multitrack.ideas.models import Agreement, Round, StatusChange
from multitrack.ideas.rules import ChannelKind, OfficialStatus
from multitrack.ideas.selectors import (
    conflict_channels,
    engagement_after_agreements,
    quiet_channel_warnings,
)
from multitrack.processes.models import Attendance, Meeting
from tests.factories import AffiliationFactory, ProcessFactory, member
from tests.ideas.conftest import Talks

D = datetime.date
TODAY = D(2026, 5, 16)


STALLED_ON = D(2026, 3, 3)


def stall(talks: Talks, date: D = STALLED_ON) -> None:
    StatusChange.objects.create(
        official_track=talks.official_track,
        status=OfficialStatus.STALLED,
        date=date,
        reason="Deadlock",
    )


def pair_row(talks: Talks, user: object) -> list[tuple[D, str, str]]:
    channels = conflict_channels(user=user, conflict=talks.conflict, today=TODAY)
    (row,) = channels.rows
    return [(m.date, m.kind, m.track) for m in row.channels.meetings]


def test_channels_list_official_rounds_and_informal_meetings_by_track(talks: Talks) -> None:
    Round.objects.create(official_track=talks.official_track, title="R1", start_date=D(2026, 1, 9))
    talks.meeting_of_both(D(2026, 2, 1))
    official = talks.meeting_of_both(D(2026, 2, 20))
    AffiliationFactory(
        person=talks.northerner, capacity=Capacity.MID_LEVEL_OFFICIAL, start_date=D(2026, 2, 10)
    )
    assert official.pk
    assert pair_row(talks, talks.workspace.observer) == [
        (D(2026, 1, 9), ChannelKind.OFFICIAL, "1"),
        (D(2026, 2, 1), ChannelKind.INFORMAL, "2"),
        (D(2026, 2, 20), ChannelKind.INFORMAL, "1.5"),  # derived, not declared
    ]


@pytest.mark.parametrize(
    ("status", "date", "counted"),
    [
        (Meeting.Status.HELD, D(2026, 2, 1), True),
        (Meeting.Status.PLANNED, D(2026, 2, 1), True),  # attendance recorded: it took place
        (Meeting.Status.CANCELLED, D(2026, 2, 1), False),
        (Meeting.Status.PLANNED, D(2026, 6, 1), False),  # not yet
    ],
)
def test_only_meetings_that_took_place_count(
    talks: Talks, status: str, date: D, counted: bool
) -> None:
    meeting = talks.meeting_of_both(date)
    meeting.status = status
    meeting.save()
    assert bool(pair_row(talks, talks.workspace.observer)) is counted


def test_a_meeting_needs_both_sides_in_attendance(talks: Talks) -> None:
    meeting = talks.meeting_of_both(D(2026, 2, 1))
    Attendance.objects.filter(meeting=meeting, person=talks.southerner).update(
        status=Attendance.Status.EXCUSED
    )
    assert pair_row(talks, talks.workspace.observer) == []


def test_channels_come_only_from_the_viewers_processes(talks: Talks) -> None:
    secret = ProcessFactory(conflict=talks.conflict, title="Back channel")
    talks.meeting_of_both(D(2026, 4, 1), process=secret)
    assert pair_row(talks, talks.workspace.observer) == []
    member(talks.workspace.observer, secret, Role.OBSERVER)
    talks.workspace.observer.__dict__.pop("_multitrack_roles", None)
    assert [d for d, _, _ in pair_row(talks, talks.workspace.observer)] == [D(2026, 4, 1)]


@pytest.mark.parametrize(
    ("last_meeting", "threshold", "expected"),
    [
        (D(2026, 3, 3), 60, "for 74 days"),
        (D(2026, 3, 3), 80, None),
        (D(2026, 4, 20), 60, None),
        (None, 60, "on record"),
    ],
)
def test_quiet_channel_warnings_follow_the_conflicts_threshold(
    talks: Talks, last_meeting: D | None, threshold: int, expected: str | None
) -> None:
    stall(talks)
    talks.conflict.quiet_channel_days = threshold
    talks.conflict.save()
    if last_meeting:
        talks.meeting_of_both(last_meeting)
    warnings = quiet_channel_warnings(user=talks.workspace.observer, today=TODAY)
    if expected is None:
        assert warnings == []
    else:
        (warning,) = warnings
        assert warning.message.startswith(
            "Border talks (North and South): official talks stalled since 3 March 2026; "
        )
        assert expected in warning.message


def test_no_warning_while_talks_are_active_or_for_outsiders(talks: Talks) -> None:
    assert quiet_channel_warnings(user=talks.workspace.observer, today=TODAY) == []
    stall(talks)
    assert quiet_channel_warnings(user=talks.workspace.outsider, today=TODAY) == []


def test_engagement_after_an_agreement_lists_the_channels_still_meeting(talks: Talks) -> None:
    agreement = Agreement.objects.create(
        official_track=talks.official_track, title="Accord", date=D(2026, 2, 1)
    )
    agreement.signatories.set([talks.north, talks.south])
    talks.meeting_of_both(D(2026, 1, 15))
    talks.meeting_of_both(D(2026, 3, 15))
    channels = conflict_channels(
        user=talks.workspace.observer, conflict=talks.conflict, today=TODAY
    )
    (engagement,) = engagement_after_agreements(channels=channels)
    assert [m.date for m in engagement.meetings] == [D(2026, 3, 15)]
