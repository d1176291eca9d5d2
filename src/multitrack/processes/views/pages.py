"""What the meeting page shows, built in one place.

The meeting page is re-rendered by several views (a refused note, an invalid agenda item, an
attendance change without JavaScript), so its context and its forms are built here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from multitrack.accounts.access import can
from multitrack.accounts.permissions import Permission
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Person
from multitrack.processes.forms import (
    AgendaItemForm,
    AttachmentForm,
    AttendanceAddForm,
    AttendanceChangeForm,
    FollowUpForm,
    NoteForm,
)
from multitrack.processes.models import Attendance, GroundRules, Meeting, Process
from multitrack.processes.rules import Track
from multitrack.processes.selectors import meeting_track_reading, with_attendance
from multitrack.web.templatetags.multitrack import name_for_request


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django-htmx sets ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def person_label(request: HttpRequest) -> Callable[[Person], str]:
    """How the request's user may call a person in a select: real name or pseudonym."""
    return lambda person: name_for_request(request, person)


def roster_people(process: Process) -> QuerySet[Person]:
    """The people on a process's roster who can be given new records (not the forgotten)."""
    people = Person.objects.filter(process_roles__process=process, forgotten_at__isnull=True)
    return people.order_by("pseudonym")


def meeting_with_attendance(meeting: Meeting) -> Meeting:
    """The meeting again, with what reading its track needs prefetched.

    Call only with a meeting that came from ``access_meeting_by_id``.
    """
    meetings = Meeting.objects.select_related("process", "process__conflict")
    return with_attendance(meetings.filter(pk=meeting.pk)).get()


def attendance_add_form(
    request: HttpRequest, meeting: Meeting, data: Any = None
) -> AttendanceAddForm:
    """The add-to-attendance form: people on the roster not yet recorded for this meeting."""
    people = roster_people(meeting.process).exclude(attendance__meeting=meeting)
    return AttendanceAddForm(
        data, people=people, label_for=person_label(request), auto_id="id_attendance_%s"
    )


def attendance_change_form(attendance: Attendance, data: Any = None) -> AttendanceChangeForm:
    """The form that changes one attendance row; ids are unique per row."""
    return AttendanceChangeForm(
        data,
        initial={
            "status": attendance.status,
            "capacity_override": attendance.capacity_override,
            "is_acting_officially": attendance.is_acting_officially,
        },
        auto_id=f"id_attendance_{attendance.pk}_%s",
    )


def agenda_item_form(data: Any = None) -> AgendaItemForm:
    """The add-an-agenda-item form."""
    return AgendaItemForm(data, auto_id="id_agenda_%s")


def note_form(data: Any = None) -> NoteForm:
    """The write-a-note form."""
    return NoteForm(data, auto_id="id_note_%s")


def follow_up_form(request: HttpRequest, meeting: Meeting, data: Any = None) -> FollowUpForm:
    """The add-a-follow-up form, owners chosen from the roster."""
    return FollowUpForm(
        data,
        people=roster_people(meeting.process),
        label_for=person_label(request),
        auto_id="id_follow_up_%s",
    )


@dataclass(frozen=True)
class AttendanceRow:
    """One line of the attendance table."""

    attendance: Attendance
    capacity_from_affiliations: Capacity | None
    form: AttendanceChangeForm | None


def attendance_context(
    request: HttpRequest,
    meeting: Meeting,
    *,
    add_form: AttendanceAddForm | None = None,
    change_forms: dict[int, AttendanceChangeForm] | None = None,
) -> dict[str, Any]:
    """The attendance table, its forms and the derived track; ``meeting`` has attendance loaded."""
    can_record = can(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    change_forms = change_forms or {}
    rows = [
        AttendanceRow(
            attendance=attendance,
            capacity_from_affiliations=attendance.person.capacity_on(meeting.date),
            # A forgotten person's attendance stays as it was: counts must not move.
            form=(change_forms.get(attendance.pk) or attendance_change_form(attendance))
            if can_record and not attendance.person.is_forgotten
            else None,
        )
        for attendance in meeting.attendance.all()
    ]
    reading = meeting_track_reading(meeting)
    declared = meeting.effective_declared_track
    if can_record and add_form is None:
        add_form = attendance_add_form(request, meeting)
    return {
        "meeting": meeting,
        "can_record": can_record,
        "attendance_rows": rows,
        "attendance_add_form": add_form if can_record else None,
        "has_people_to_add": add_form is not None
        and (add_form.is_bound or add_form.fields["person"].queryset.exists()),  # type: ignore[attr-defined]
        "reading": reading,
        "declared_track": declared,
        "declared_track_label": Track(declared).label,
        "has_mismatch": reading.differs_from(declared),
    }


def meeting_page_context(
    request: HttpRequest,
    meeting: Meeting,
    *,
    agenda_form: AgendaItemForm | None = None,
    add_form: AttendanceAddForm | None = None,
    change_forms: dict[int, AttendanceChangeForm] | None = None,
    written_note_form: NoteForm | None = None,
    written_follow_up_form: FollowUpForm | None = None,
    written_attachment_form: AttachmentForm | None = None,
) -> dict[str, Any]:
    """Everything the meeting page shows; bound forms passed in are shown with their errors."""
    meeting = meeting_with_attendance(meeting)
    process = meeting.process
    user = request.user
    can_read_notes = can(user, Permission.READ_NOTES, process.pk)
    can_read_attachments = can(user, Permission.READ_ATTACHMENTS, process.pk)
    can_manage_attachments = can(user, Permission.MANAGE_ATTACHMENTS, process.pk)
    can_write_notes = can(user, Permission.WRITE_NOTES, process.pk)
    context = attendance_context(request, meeting, add_form=add_form, change_forms=change_forms)
    can_record = context["can_record"]
    context.update(
        {
            "process": process,
            "agenda_items": list(meeting.agenda_items.all()),
            "agenda_form": (agenda_form or agenda_item_form()) if can_record else None,
            "can_edit": can_record,
            "can_read_notes": can_read_notes,
            # Observers must not learn that notes exist: the query is not even run for them.
            "notes": list(meeting.notes.select_related("written_by")) if can_read_notes else [],
            "shows_note_authors": process.ground_rules == GroundRules.ON_THE_RECORD,
            "note_form": (written_note_form or note_form()) if can_write_notes else None,
            "follow_ups": list(meeting.follow_ups.select_related("owner")),
            "follow_up_form": (written_follow_up_form or follow_up_form(request, meeting))
            if can_record
            else None,
            # Like notes, observers must not learn that attachments exist.
            "can_read_attachments": can_read_attachments,
            "attachments": list(meeting.attachments.all()) if can_read_attachments else [],
            "attachment_form": (
                written_attachment_form or AttachmentForm(auto_id="id_attachment_%s")
            )
            if can_manage_attachments
            else None,
        }
    )
    return context


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to its field when the form has that field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
