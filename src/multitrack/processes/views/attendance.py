"""Attendance: add someone from the roster, change how they sat, take them off.

With htmx each view answers with the attendance section and, out of band, the derived track,
so the badge, its explanation and the mismatch warning follow every change. Without
JavaScript the same forms post here and are redirected back to the meeting.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from multitrack.accounts.access import require
from multitrack.accounts.permissions import Permission
from multitrack.processes.access import access_meeting_by_id
from multitrack.processes.models import Attendance, Meeting
from multitrack.processes.services import attendance_record
from multitrack.processes.services import attendance_remove as remove_attendance
from multitrack.processes.views.pages import (
    add_service_error,
    attendance_add_form,
    attendance_change_form,
    attendance_context,
    is_htmx,
    meeting_page_context,
    meeting_with_attendance,
)


def _respond(
    request: HttpRequest, meeting: Meeting, *, is_saved: bool, **forms: Any
) -> HttpResponse:
    """The attendance fragment for htmx; else back to the meeting, or the page with errors."""
    if is_htmx(request):
        context = attendance_context(request, meeting_with_attendance(meeting), **forms)
        return render(request, "processes/_attendance_changed.html", context)
    if is_saved:
        return redirect(f"{meeting.get_absolute_url()}#attendance")
    context = meeting_page_context(request, meeting, **forms)
    return render(request, "processes/meeting_detail.html", context)


def _attendance_of(meeting: Meeting, pk: int) -> Attendance:
    """An attendance row of this meeting (the meeting came from ``access_meeting_by_id``)."""
    attendance = meeting.attendance.select_related("person", "meeting").filter(pk=pk).first()
    if attendance is None:
        raise Http404("No such attendance.")
    return attendance


@login_required
@require_POST
def attendance_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that someone from the roster attended, was excused or was absent."""
    meeting = access_meeting_by_id(request.user, pk)
    require(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    form = attendance_add_form(request, meeting, request.POST)
    if form.is_valid():
        try:
            attendance_record(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _respond(request, meeting, is_saved=True)
    return _respond(request, meeting, is_saved=False, add_form=form)


@login_required
@require_POST
def attendance_change(request: HttpRequest, meeting_pk: int, pk: int) -> HttpResponse:
    """Change someone's status, capacity override or whether they acted officially."""
    meeting = access_meeting_by_id(request.user, meeting_pk)
    require(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    attendance = _attendance_of(meeting, pk)
    form = attendance_change_form(attendance, request.POST)
    if form.is_valid():
        try:
            attendance_record(
                actor=request.user, meeting=meeting, person=attendance.person, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _respond(request, meeting, is_saved=True)
    return _respond(request, meeting, is_saved=False, change_forms={attendance.pk: form})


@login_required
@require_POST
def attendance_remove(request: HttpRequest, meeting_pk: int, pk: int) -> HttpResponse:
    """Take someone off the meeting's attendance."""
    meeting = access_meeting_by_id(request.user, meeting_pk)
    require(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    remove_attendance(actor=request.user, attendance=_attendance_of(meeting, pk))
    return _respond(request, meeting, is_saved=True)
