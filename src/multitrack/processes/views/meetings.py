"""Meeting pages: scheduling, the meeting itself, editing and confirming it, and its agenda."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.accounts.access import require
from multitrack.accounts.permissions import Permission
from multitrack.insights.selectors import UPCOMING_STATUSES, meeting_check
from multitrack.processes.access import access_meeting_by_id, access_process_by_id
from multitrack.processes.forms import MeetingForm
from multitrack.processes.models import Meeting
from multitrack.processes.services import OpenIssuesError, meeting_schedule, meeting_update
from multitrack.processes.services import agenda_item_add as add_agenda_item
from multitrack.processes.services import meeting_confirm as confirm_meeting
from multitrack.processes.views.pages import (
    add_service_error,
    agenda_item_form,
    meeting_page_context,
)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Schedule a meeting in a process."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.RECORD_MEETINGS, process.pk)
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, instance=Meeting(process=process))
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            meeting = meeting_schedule(
                actor=request.user,
                process=process,
                title=fields.pop("title"),
                date=fields.pop("date"),
                **fields,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The meeting is scheduled.")
            return redirect(meeting)
    return render(
        request, "processes/meeting_form.html", {"form": form, "process": process, "meeting": None}
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting: facts, agenda, derived track, attendance, notes and follow-ups."""
    meeting = access_meeting_by_id(request.user, pk)
    context = meeting_page_context(request, meeting)
    if meeting.status in UPCOMING_STATUSES:
        context["checks"] = meeting_check(user=request.user, meeting=meeting)
    return render(request, "processes/meeting_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a meeting's details."""
    meeting = access_meeting_by_id(request.user, pk)
    require(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    data = request.POST if request.method == "POST" else None
    # The form works on a copy, so an invalid entry never shows up in the page's heading.
    form = MeetingForm(data, instance=access_meeting_by_id(request.user, pk))
    if request.method == "POST" and form.is_valid():
        was_confirmed = meeting.status == Meeting.Status.CONFIRMED
        try:
            meeting_update(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Saved.")
            if was_confirmed and meeting.status == Meeting.Status.PLANNED:
                messages.warning(request, "The meeting is planned again: confirm it once more.")
            return redirect(meeting)
    return render(
        request,
        "processes/meeting_form.html",
        {"form": form, "process": meeting.process, "meeting": meeting},
    )


@login_required
@require_POST
def agenda_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Append a point to the meeting's agenda."""
    meeting = access_meeting_by_id(request.user, pk)
    require(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    form = agenda_item_form(request.POST)
    if form.is_valid():
        try:
            add_agenda_item(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{meeting.get_absolute_url()}#agenda")
    context = meeting_page_context(request, meeting, agenda_form=form)
    return render(request, "processes/meeting_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a planned meeting's checks, then confirm it (with open issues only if acknowledged)."""
    meeting = access_meeting_by_id(request.user, pk)
    require(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    if meeting.status != Meeting.Status.PLANNED:
        messages.info(request, f"This meeting is {meeting.get_status_display().lower()}.")
        return redirect(meeting)
    error = None
    if request.method == "POST":
        acknowledged = request.POST.get("acknowledge_issues") == "1"
        try:
            confirm_meeting(actor=request.user, meeting=meeting, acknowledge_issues=acknowledged)
        except OpenIssuesError as refusal:
            error = refusal.messages[0]
        else:
            messages.success(request, "The meeting is confirmed.")
            return redirect(meeting)
    row = meeting_check(user=request.user, meeting=meeting)
    context = {"meeting": meeting, "row": row, "error": error}
    return render(request, "processes/meeting_confirm.html", context)
