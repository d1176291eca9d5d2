"""Importing people from a CSV file: upload, preview (nothing written), confirm or cancel.

Between the preview and the confirmation the uploaded file waits in the user's server-side
session, never in a hidden form field, and the confirmation validates it again from scratch.
The preview form carries only the file's fingerprint, so what is imported is exactly what the
user previewed (not a file uploaded meanwhile in another tab). The session copy holds real
names, so it is dropped as soon as the import is done or cancelled (and expires with the session).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.accounts.access import require
from multitrack.accounts.permissions import Permission
from multitrack.actors.capacity import Capacity
from multitrack.actors.csv_import import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportProblem,
    ImportRejectedError,
    content_digest,
    people_import,
    people_import_plan,
    too_large_message,
)
from multitrack.processes.access import access_process_by_id
from multitrack.processes.models import Process
from multitrack.web.uploads import upload_was_refused


class PeopleImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row.")


def _session_key(process: Process) -> str:
    return f"multitrack.people_import.{process.pk}"


def _process_for_import(request: HttpRequest, pk: int) -> Process:
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.EDIT_PEOPLE, process.pk)
    return process


def _pending(request: HttpRequest, process: Process) -> tuple[bytes, str, str] | None:
    """The file waiting for confirmation: its content, name and fingerprint."""
    stored = request.session.get(_session_key(process))
    if not stored:
        return None
    content = stored["content"].encode("utf-8")
    return content, stored["filename"], stored["digest"]


def _upload_page(
    request: HttpRequest, process: Process, form: PeopleImportForm, problems: list[ImportProblem]
) -> HttpResponse:
    context: dict[str, Any] = {
        "process": process,
        "form": form,
        "problems": problems,
        "required_columns": REQUIRED_COLUMNS,
        "optional_columns": OPTIONAL_COLUMNS,
        "capacities": Capacity.choices,
    }
    return render(request, "actors/import_upload.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def people_import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a CSV of people; if it is valid, keep it and show the preview."""
    process = _process_for_import(request, pk)
    is_post = request.method == "POST"
    if is_post and upload_was_refused(request, "file"):
        # Dropped while it arrived (far over any limit): say so, not "this field is required".
        return _upload_page(
            request, process, PeopleImportForm(), [ImportProblem(too_large_message())]
        )
    form = PeopleImportForm(request.POST, request.FILES) if is_post else PeopleImportForm()
    if not is_post or not form.is_valid():
        return _upload_page(request, process, form, [])
    upload = form.cleaned_data["file"]
    # One byte over the limit is enough for the import to refuse the file; never read it all.
    content = upload.read(settings.MULTITRACK_IMPORT_MAX_BYTES + 1)
    plan = people_import_plan(
        actor=request.user, process=process, content=content, filename=upload.name
    )
    if not plan.is_valid:
        return _upload_page(request, process, form, plan.problems)
    # Valid UTF-8 (the plan decoded it), so it round-trips through the JSON session exactly.
    request.session[_session_key(process)] = {
        "content": content.decode("utf-8"),
        "filename": upload.name,
        "digest": content_digest(content),
    }
    return redirect("people-import-preview", pk=process.pk)


@login_required
@require_GET
def people_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Show who the import would add; nothing has been written yet."""
    process = _process_for_import(request, pk)
    pending = _pending(request, process)
    if pending is None:
        messages.error(request, "There is no file waiting to be imported; upload one.")
        return redirect("people-import", pk=process.pk)
    content, filename, digest = pending
    plan = people_import_plan(
        actor=request.user, process=process, content=content, filename=filename
    )
    if not plan.is_valid:
        request.session.pop(_session_key(process), None)
        return _upload_page(request, process, PeopleImportForm(), plan.problems)
    context = {"process": process, "plan": plan, "filename": filename, "digest": digest}
    return render(request, "actors/import_preview.html", context)


@login_required
@require_POST
def people_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the previewed file, validating it again; everyone or no one."""
    process = _process_for_import(request, pk)
    pending = _pending(request, process)
    if pending is None or request.POST.get("digest") != pending[2]:
        messages.error(
            request,
            "The file waiting to be imported is not the one you previewed (was another file "
            "uploaded in another tab?). Check the preview again.",
        )
        return redirect("people-import-preview" if pending else "people-import", pk=process.pk)
    content, filename, _digest = pending
    try:
        people = people_import(
            actor=request.user, process=process, content=content, filename=filename
        )
    except ImportRejectedError as rejected:
        request.session.pop(_session_key(process), None)
        return _upload_page(request, process, PeopleImportForm(), rejected.problems)
    request.session.pop(_session_key(process), None)
    messages.success(request, f"Imported {len(people)} people into the roster of {process}.")
    return redirect(process.get_absolute_url())


@login_required
@require_POST
def people_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop the file waiting to be imported."""
    process = _process_for_import(request, pk)
    request.session.pop(_session_key(process), None)
    messages.success(request, "Import cancelled; nothing was imported.")
    return redirect("people-import", pk=process.pk)
