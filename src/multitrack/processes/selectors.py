"""Reads: processes and meetings already limited to what a user may see."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from multitrack.accounts.access import roles_of
from multitrack.actors.models import Affiliation
from multitrack.processes.models import Attendance, FollowUp, Meeting, Process
from multitrack.processes.rules import Attendee, Track, TrackReading, derive_track


def processes_visible_to(*, user: Any) -> QuerySet[Process]:
    """The processes a user is a member of (all of them for superusers)."""
    processes = Process.objects.select_related("conflict", "convener_organisation")
    if getattr(user, "is_superuser", False):
        return processes
    return processes.filter(pk__in=list(roles_of(user)))


def meetings_visible_to(*, user: Any) -> QuerySet[Meeting]:
    """The meetings of the processes a user is a member of."""
    meetings = Meeting.objects.select_related("process", "process__conflict")
    if getattr(user, "is_superuser", False):
        return meetings
    return meetings.filter(process_id__in=list(roles_of(user)))


def with_attendance(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Prefetch what reading a meeting's track needs: attendance, people, affiliations."""
    return meetings.prefetch_related(
        Prefetch(
            "attendance",
            queryset=Attendance.objects.select_related("person").prefetch_related(
                Prefetch("person__affiliations", queryset=Affiliation.objects.all())
            ),
        )
    )


def meeting_track_reading(meeting: Meeting) -> TrackReading:
    """The track a meeting ran at, derived from those who attended it."""
    return derive_track(
        Attendee(a.capacity, a.is_acting_officially)
        for a in meeting.attendance.all()
        if a.status == Attendance.Status.ATTENDED
    )


@dataclass(frozen=True)
class MeetingTrack:
    """A meeting with its derived track, for lists and summaries."""

    meeting: Meeting
    reading: TrackReading

    @property
    def has_mismatch(self) -> bool:
        return self.reading.differs_from(self.meeting.effective_declared_track)


@dataclass(frozen=True)
class ProcessSummary:
    """How a process's meetings actually ran, compared with what was declared."""

    meetings: list[MeetingTrack]
    track_counts: dict[str, int]
    mismatches: list[MeetingTrack]

    def counts_in_words(self) -> str:
        parts = [f"{count} at {Track(track).label}" for track, count in self.track_counts.items()]
        return ", ".join(parts) if parts else "No meeting has a derived track yet."


def process_summary(*, process: Process) -> ProcessSummary:
    """Each meeting's derived track, the count per track and the declared/derived mismatches."""
    meetings = with_attendance(process.meetings.select_related("process").order_by("date", "pk"))
    return _summarise(list(meetings))


def process_summaries(*, processes: list[Process]) -> dict[int, ProcessSummary]:
    """``process_summary`` for several processes at once, in a fixed number of queries."""
    meetings = with_attendance(
        Meeting.objects.filter(process__in=processes)
        .select_related("process")
        .order_by("date", "pk")
    )
    by_process: dict[int, list[Meeting]] = {process.pk: [] for process in processes}
    for meeting in meetings:
        by_process[meeting.process_id].append(meeting)
    return {pk: _summarise(process_meetings) for pk, process_meetings in by_process.items()}


def _summarise(meetings: list[Meeting]) -> ProcessSummary:
    readings = [MeetingTrack(m, meeting_track_reading(m)) for m in meetings]
    counts = Counter(r.reading.track for r in readings if r.reading.track is not None)
    ordered = {track.value: counts[track] for track in Track if counts[track]}
    return ProcessSummary(readings, ordered, [r for r in readings if r.has_mismatch])


def follow_ups_open_for(*, user: Any, due_by: datetime.date) -> QuerySet[FollowUp]:
    """Open follow-ups due by ``due_by`` (overdue ones included) in the user's processes."""
    return (
        FollowUp.objects.filter(
            meeting__in=meetings_visible_to(user=user), is_done=False, due_date__lte=due_by
        )
        .select_related("meeting", "meeting__process", "owner")
        .order_by("due_date", "pk")
    )
