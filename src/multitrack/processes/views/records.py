"""What a meeting leaves behind: notes (under the ground rules) and follow-ups."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from multitrack.accounts.access import require
from multitrack.accounts.permissions import Permission
from multitrack.processes.access import access_meeting_by_id
from multitrack.processes.services import follow_up_add as add_follow_up
from multitrack.processes.services import follow_up_set_done as set_follow_up_done
from multitrack.processes.services import note_write
from multitrack.processes.views.pages import (
    add_service_error,
    follow_up_form,
    meeting_page_context,
    note_form,
)


def _is_attribution(error: ValidationError) -> bool:
    """Whether the Chatham House guard refused the note for naming someone."""
    errors = getattr(error, "error_dict", {}).get("text", [])
    return any(e.code == "attribution" for e in errors)


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Write a note; a refusal under the Chatham House Rule keeps the text and asks why."""
    meeting = access_meeting_by_id(request.user, pk)
    require(request.user, Permission.WRITE_NOTES, meeting.process_id)
    form = note_form(request.POST)
    if form.is_valid():
        try:
            note_write(
                actor=request.user,
                meeting=meeting,
                text=form.cleaned_data["text"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except ValidationError as error:
            form.needs_override_reason = form.needs_override_reason or _is_attribution(error)
            add_service_error(form, error)
        else:
            return redirect(f"{meeting.get_absolute_url()}#notes")
    context = meeting_page_context(request, meeting, written_note_form=form)
    return render(request, "processes/meeting_detail.html", context)


@login_required
@require_POST
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an action agreed at the meeting."""
    meeting = access_meeting_by_id(request.user, pk)
    require(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    form = follow_up_form(request, meeting, request.POST)
    if form.is_valid():
        try:
            add_follow_up(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{meeting.get_absolute_url()}#follow-ups")
    context = meeting_page_context(request, meeting, written_follow_up_form=form)
    return render(request, "processes/meeting_detail.html", context)


@login_required
@require_POST
def follow_up_set_done(request: HttpRequest, meeting_pk: int, pk: int) -> HttpResponse:
    """Mark a follow-up done, or open it again (``is_done`` is "1" or absent)."""
    meeting = access_meeting_by_id(request.user, meeting_pk)
    require(request.user, Permission.RECORD_MEETINGS, meeting.process_id)
    follow_up = meeting.follow_ups.select_related("meeting").filter(pk=pk).first()
    if follow_up is None:
        raise Http404("No such follow-up.")
    set_follow_up_done(
        actor=request.user, follow_up=follow_up, is_done=request.POST.get("is_done") == "1"
    )
    return redirect(f"{meeting.get_absolute_url()}#follow-ups")
