"""The JSON API for processes, their rosters, meetings and attendance.

A meeting carries the track it actually ran at, derived from attendance, next to the track
its organisers declared; a process carries the summary of both across its meetings.
"""

import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from multitrack.accounts.access import role_in
from multitrack.accounts.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Pages,
    RequiredText,
    caller,
    choices_schema,
    omittable,
)
from multitrack.accounts.models import Role
from multitrack.actors.access import (
    access_conflict_by_id,
    access_organisation_by_id,
    access_person_by_id,
)
from multitrack.actors.api import PersonOut, PersonRefOut
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Organisation, Person
from multitrack.processes import services
from multitrack.processes.access import access_meeting_by_id, access_process_by_id
from multitrack.processes.models import Attendance, GroundRules, Meeting, Process
from multitrack.processes.rules import Track, TrackReading
from multitrack.processes.selectors import (
    MeetingTrack,
    meeting_track_reading,
    meetings_visible_to,
    process_summary,
    processes_visible_to,
    with_attendance,
)

router = Router()

MeetingStatus = Annotated[Meeting.Status, choices_schema(Meeting.Status, "MeetingStatus")]
# A new meeting is never confirmed: confirming shows its checks first (meeting_confirm).
NewMeetingStatus = Annotated[
    Meeting.Status,
    WithJsonSchema(
        {
            "title": "NewMeetingStatus",
            "type": "string",
            "enum": [s for s in Meeting.Status.values if s != Meeting.Status.CONFIRMED],
        }
    ),
]
AttendanceStatus = Annotated[
    Attendance.Status, choices_schema(Attendance.Status, "AttendanceStatus")
]

_READING = "_api_track_reading"


def _reading(meeting: Meeting) -> TrackReading:
    """The meeting's derived track, read once per meeting per request (several fields use it)."""
    reading: TrackReading | None = meeting.__dict__.get(_READING)
    if reading is None:
        reading = meeting_track_reading(meeting)
        meeting.__dict__[_READING] = reading
    return reading


def _organisation(request: HttpRequest, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    return access_organisation_by_id(caller(request), organisation_id)


# Schemas.


class ConflictRefOut(Schema):
    id: int
    name: str


class OrganisationRefOut(Schema):
    id: int
    name: str


class ProcessOut(Schema):
    id: int
    title: str
    conflict: ConflictRefOut
    declared_track: Track
    convener_organisation: OrganisationRefOut | None
    aims: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    ground_rules: GroundRules
    retention_months: int | None = Field(
        description="Months notes, ties and attachments are kept after each meeting (and people "
        "after the process ends); null: kept."
    )
    role: Role | None = Field(description="The caller's role in the process.")

    @staticmethod
    def resolve_role(obj: Process, context: dict[str, Any]) -> Role | None:
        return role_in(caller(context["request"]), obj.pk)


class MeetingTrackOut(Schema):
    """A meeting's declared and derived track, as the process summary lists it."""

    meeting_id: int
    title: str
    date: datetime.date
    declared_track: Track
    derived_track: Track | None
    track_explanation: str


class ProcessSummaryOut(Schema):
    meeting_count: int
    track_counts: dict[str, int] = Field(description="Meetings per derived track.")
    counts_in_words: str
    mismatches: list[MeetingTrackOut] = Field(
        description="Meetings whose derived track differs from the declared one."
    )


class ProcessDetailOut(ProcessOut):
    summary: ProcessSummaryOut

    @staticmethod
    def resolve_summary(obj: Process) -> dict[str, Any]:
        summary = process_summary(process=obj)
        return {
            "meeting_count": len(summary.meetings),
            "track_counts": summary.track_counts,
            "counts_in_words": summary.counts_in_words(),
            "mismatches": [_meeting_track(m) for m in summary.mismatches],
        }


def _meeting_track(item: MeetingTrack) -> dict[str, Any]:
    return {
        "meeting_id": item.meeting.pk,
        "title": item.meeting.title,
        "date": item.meeting.date,
        "declared_track": item.meeting.effective_declared_track,
        "derived_track": item.reading.track,
        "track_explanation": item.reading.explanation,
    }


class ProcessCreateIn(Schema):
    conflict_id: Id
    title: RequiredText = Field(max_length=200)
    declared_track: Track = Track.TRACK_2
    convener_organisation_id: Id | None = None
    aims: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    ground_rules: GroundRules = GroundRules.CHATHAM_HOUSE
    retention_months: int | None = Field(None, ge=1, le=1200, description="Null: keep.")


class ProcessUpdateIn(Schema):
    """Only the fields sent are changed."""

    title: RequiredText = omittable(max_length=200)
    declared_track: Track = omittable()
    convener_organisation_id: Id | None = Field(None, description="Null: none.")
    aims: str = omittable()
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    ground_rules: GroundRules = omittable()
    retention_months: int | None = Field(None, ge=1, le=1200, description="Null: keep.")


class RosterAddIn(Schema):
    person_id: Id


class MeetingOut(Schema):
    id: int
    process_id: int
    title: str
    date: datetime.date
    place: str
    is_virtual: bool
    status: MeetingStatus
    working_languages: list[str]
    interpretation_languages: list[str]
    declared_track: Track | None = Field(
        description="The meeting's own declared track; null when it follows the process's."
    )
    effective_declared_track: Track = Field(description="The meeting's own, else the process's.")
    derived_track: Track | None = Field(description="Derived from attendance; null if unknown.")
    track_explanation: str
    has_track_mismatch: bool = Field(description="Derived and declared tracks differ.")

    @staticmethod
    def resolve_declared_track(obj: Meeting) -> str | None:
        return obj.declared_track or None

    @staticmethod
    def resolve_derived_track(obj: Meeting) -> Track | None:
        return _reading(obj).track

    @staticmethod
    def resolve_track_explanation(obj: Meeting) -> str:
        return _reading(obj).explanation

    @staticmethod
    def resolve_has_track_mismatch(obj: Meeting) -> bool:
        return _reading(obj).differs_from(obj.effective_declared_track)


class MeetingCreateIn(Schema):
    process_id: Id
    title: RequiredText = Field(max_length=200)
    date: datetime.date
    place: str = Field("", max_length=200)
    is_virtual: bool = False
    declared_track: Track | None = Field(None, description="Null: follow the process's.")
    status: NewMeetingStatus = Meeting.Status.PLANNED
    working_languages: list[str] = Field(default_factory=list)
    interpretation_languages: list[str] = Field(default_factory=list)


class MeetingUpdateIn(Schema):
    """Only the fields sent are changed; ``declared_track: null`` follows the process's again."""

    title: RequiredText = omittable(max_length=200)
    date: datetime.date = omittable()
    place: str = omittable(max_length=200)
    is_virtual: bool = omittable()
    declared_track: Track | None = None
    status: MeetingStatus = omittable()
    working_languages: list[str] = omittable()
    interpretation_languages: list[str] = omittable()


class AttendanceOut(Schema):
    person: PersonRefOut
    status: AttendanceStatus
    capacity: Capacity | None = Field(
        description="Recorded here, else read from the person's affiliations on the day."
    )
    capacity_override: Capacity | None
    is_acting_officially: bool

    @staticmethod
    def resolve_capacity(obj: Attendance) -> Capacity | None:
        return obj.capacity

    @staticmethod
    def resolve_capacity_override(obj: Attendance) -> str | None:
        return obj.capacity_override or None


class AttendanceRecordIn(Schema):
    person_id: Id = Field(description="Someone on the roster of the meeting's process.")
    status: AttendanceStatus = Attendance.Status.ATTENDED
    capacity_override: Capacity | None = None
    is_acting_officially: bool = False


class AttendanceUpdateIn(Schema):
    """Only the fields sent are changed; ``capacity_override: null`` clears it."""

    status: AttendanceStatus = omittable()
    capacity_override: Capacity | None = None
    is_acting_officially: bool = omittable()


# Processes.


@router.get(
    "/processes",
    response={200: list[ProcessOut], **READ_ERRORS},
    operation_id="process_list",
    summary="List the processes the caller is a member of",
    tags=["processes"],
)
@paginate(Pages)
def process_list(request: HttpRequest) -> QuerySet[Process]:
    return processes_visible_to(user=caller(request)).order_by("title", "pk")


@router.get(
    "/processes/{process_id}",
    response={200: ProcessDetailOut, **READ_ERRORS},
    operation_id="process_read",
    summary="Read a process with its track summary: counts per derived track, mismatches",
    tags=["processes"],
)
def process_read(request: HttpRequest, process_id: Id) -> Process:
    return access_process_by_id(caller(request), process_id)


@router.post(
    "/processes",
    response={201: ProcessOut, **WRITE_ERRORS},
    operation_id="process_create",
    summary="Open a dialogue process; the caller becomes its convener",
    tags=["processes"],
)
def process_create(request: HttpRequest, payload: ProcessCreateIn) -> Status[Process]:
    user = caller(request)
    # Checked before the conflict lookup, so the answer reveals nothing about conflict ids.
    if not user.has_perm("processes.add_process"):
        raise PermissionDenied("Your account may not open new processes.")
    conflict = access_conflict_by_id(user, payload.conflict_id)
    fields = payload.model_dump(exclude={"conflict_id", "title", "convener_organisation_id"})
    process = services.process_create(
        actor=user,
        conflict=conflict,
        title=payload.title,
        convener_organisation=_organisation(request, payload.convener_organisation_id),
        **fields,
    )
    return Status(201, process)


@router.patch(
    "/processes/{process_id}",
    response={200: ProcessOut, **WRITE_ERRORS},
    operation_id="process_update",
    summary="Change a process's title, track, convener, aims, dates or ground rules",
    tags=["processes"],
)
def process_update(request: HttpRequest, process_id: Id, payload: ProcessUpdateIn) -> Process:
    user = caller(request)
    process = access_process_by_id(user, process_id)
    fields = payload.model_dump(exclude_unset=True)
    if "convener_organisation_id" in fields:
        fields["convener_organisation"] = _organisation(
            request, fields.pop("convener_organisation_id")
        )
    return services.process_update(actor=user, process=process, **fields)


@router.post(
    "/processes/{process_id}/roster",
    response={200: PersonOut, **WRITE_ERRORS},
    operation_id="roster_add",
    summary="Put a person the caller can see on a process's roster",
    tags=["processes"],
)
def roster_add(request: HttpRequest, process_id: Id, payload: RosterAddIn) -> Person:
    user = caller(request)
    process = access_process_by_id(user, process_id)
    person = access_person_by_id(user, payload.person_id)
    services.roster_add(actor=user, process=process, person=person)
    return person


# Meetings.


@router.get(
    "/meetings",
    response={200: list[MeetingOut], **READ_ERRORS},
    operation_id="meeting_list",
    summary="List the meetings of the caller's processes, with declared and derived tracks",
    tags=["meetings"],
)
@paginate(Pages)
def meeting_list(request: HttpRequest, process_id: Id | None = None) -> QuerySet[Meeting]:
    meetings = with_attendance(meetings_visible_to(user=caller(request)))
    if process_id is not None:
        meetings = meetings.filter(process_id=process_id)
    return meetings.order_by("-date", "title", "pk")


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, **READ_ERRORS},
    operation_id="meeting_read",
    summary="Read a meeting with its declared and derived track",
    tags=["meetings"],
)
def meeting_read(request: HttpRequest, meeting_id: Id) -> Meeting:
    user = caller(request)
    meeting = access_meeting_by_id(user, meeting_id)
    return with_attendance(meetings_visible_to(user=user)).get(pk=meeting.pk)


@router.post(
    "/meetings",
    response={201: MeetingOut, **WRITE_ERRORS},
    operation_id="meeting_schedule",
    summary="Add a meeting to a process",
    tags=["meetings"],
)
def meeting_schedule(request: HttpRequest, payload: MeetingCreateIn) -> Status[Meeting]:
    user = caller(request)
    process = access_process_by_id(user, payload.process_id)
    fields = payload.model_dump(exclude={"process_id", "title", "date"})
    fields["declared_track"] = fields["declared_track"] or ""
    meeting = services.meeting_schedule(
        actor=user, process=process, title=payload.title, date=payload.date, **fields
    )
    return Status(201, meeting)


@router.patch(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, **WRITE_ERRORS},
    operation_id="meeting_update",
    summary="Change a meeting's details",
    tags=["meetings"],
)
def meeting_update(request: HttpRequest, meeting_id: Id, payload: MeetingUpdateIn) -> Meeting:
    user = caller(request)
    meeting = access_meeting_by_id(user, meeting_id)
    fields = payload.model_dump(exclude_unset=True)
    if "declared_track" in fields:
        fields["declared_track"] = fields["declared_track"] or ""
    return services.meeting_update(actor=user, meeting=meeting, **fields)


# Attendance.


def _attendance(meeting: Meeting, person_id: int) -> Attendance:
    found = meeting.attendance.select_related("person", "meeting").filter(person_id=person_id)
    attendance = found.first()
    if attendance is None:
        raise Http404("No such attendance.")
    return attendance


@router.get(
    "/meetings/{meeting_id}/attendance",
    response={200: list[AttendanceOut], **READ_ERRORS},
    operation_id="attendance_list",
    summary="List who attended a meeting, and in which capacity",
    tags=["attendance"],
)
@paginate(Pages)
def attendance_list(request: HttpRequest, meeting_id: Id) -> QuerySet[Attendance]:
    meeting = access_meeting_by_id(caller(request), meeting_id)
    return meeting.attendance.select_related("person", "meeting").prefetch_related(
        "person__affiliations"
    )


@router.post(
    "/meetings/{meeting_id}/attendance",
    response={200: AttendanceOut, **WRITE_ERRORS},
    operation_id="attendance_record",
    summary="Record whether a person on the roster attended (replaces an earlier record)",
    tags=["attendance"],
)
def attendance_record(
    request: HttpRequest, meeting_id: Id, payload: AttendanceRecordIn
) -> Attendance:
    user = caller(request)
    meeting = access_meeting_by_id(user, meeting_id)
    person = access_person_by_id(user, payload.person_id)
    return services.attendance_record(
        actor=user,
        meeting=meeting,
        person=person,
        status=payload.status,
        capacity_override=payload.capacity_override or "",
        is_acting_officially=payload.is_acting_officially,
    )


@router.patch(
    "/meetings/{meeting_id}/attendance/{person_id}",
    response={200: AttendanceOut, **WRITE_ERRORS},
    operation_id="attendance_update",
    summary="Change a person's recorded attendance",
    tags=["attendance"],
)
def attendance_update(
    request: HttpRequest, meeting_id: Id, person_id: Id, payload: AttendanceUpdateIn
) -> Attendance:
    user = caller(request)
    meeting = access_meeting_by_id(user, meeting_id)
    attendance = _attendance(meeting, person_id)
    fields = payload.model_dump(exclude_unset=True)
    return services.attendance_record(
        actor=user,
        meeting=meeting,
        person=attendance.person,
        status=fields.get("status", attendance.status),
        capacity_override=fields.get("capacity_override", attendance.capacity_override) or "",
        is_acting_officially=fields.get("is_acting_officially", attendance.is_acting_officially),
    )


@router.delete(
    "/meetings/{meeting_id}/attendance/{person_id}",
    response={204: None, **WRITE_ERRORS},
    operation_id="attendance_remove",
    summary="Take a person off a meeting's attendance list",
    tags=["attendance"],
)
def attendance_remove(request: HttpRequest, meeting_id: Id, person_id: Id) -> Status[None]:
    user = caller(request)
    meeting = access_meeting_by_id(user, meeting_id)
    services.attendance_remove(actor=user, attendance=_attendance(meeting, person_id))
    return Status(204, None)
