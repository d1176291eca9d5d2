"""Meeting attachments: upload, download (access-checked, never a public URL) and removal."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from multitrack.accounts.access import require
from multitrack.accounts.permissions import Permission
from multitrack.file_encryption import FileDecryptionError
from multitrack.processes.access import access_attachment_by_id, access_meeting_by_id
from multitrack.processes.attachments import (
    attachment_open,
    attachment_remove,
    attachment_upload,
)
from multitrack.processes.forms import AttachmentForm
from multitrack.processes.views.pages import add_service_error, meeting_page_context
from multitrack.web.uploads import size_in_words, upload_was_refused

logger = logging.getLogger(__name__)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a document to the meeting; a refused file changes nothing and says why."""
    meeting = access_meeting_by_id(request.user, pk)
    require(request.user, Permission.MANAGE_ATTACHMENTS, meeting.process_id)
    form = AttachmentForm(request.POST, request.FILES, auto_id="id_attachment_%s")
    if upload_was_refused(request, "file"):
        limit = size_in_words(settings.MULTITRACK_UPLOAD_MAX_BYTES)
        form.add_error("file", f"The file is larger than {limit}, the most one attachment may be.")
    elif form.is_valid():
        try:
            attachment = attachment_upload(
                actor=request.user, meeting=meeting, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Attached “{attachment.original_name}”.")
            return redirect(f"{meeting.get_absolute_url()}#attachments")
    context = meeting_page_context(request, meeting, written_attachment_form=form)
    return render(request, "processes/meeting_detail.html", context, status=400)


@login_required
@require_GET
def attachment_download(request: HttpRequest, meeting_pk: int, pk: int) -> HttpResponseBase:
    """The document itself, decrypted, as a download; the audit trail notes who opened it.

    A file that does not open (damaged, truncated, swapped, or under a key this server lacks)
    sends nothing of it: a page says so, and the log names the attachment for the administrator.
    """
    attachment = access_attachment_by_id(request.user, meeting_pk, pk)
    try:
        content = attachment_open(actor=request.user, attachment=attachment)
    except FileNotFoundError:
        raise Http404("The file of this attachment is missing from the upload folder.") from None
    except FileDecryptionError as error:
        # The message names the attachment, its key id and what failed; never content.
        logger.error("Attachment %s cannot be opened: %s", attachment.pk, error)
        context = {"attachment": attachment, "meeting": attachment.meeting}
        return render(request, "processes/attachment_unreadable.html", context, status=409)
    response = StreamingHttpResponse(content, content_type=attachment.content_type)
    response["Content-Length"] = str(attachment.size_bytes)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=attachment.original_name)
        or "attachment"
    )
    # Never rendered by the browser as a page of this site, whatever the file holds.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def attachment_delete(request: HttpRequest, meeting_pk: int, pk: int) -> HttpResponse:
    """Remove an attachment and its file."""
    attachment = access_attachment_by_id(request.user, meeting_pk, pk)
    attachment_remove(actor=request.user, attachment=attachment)
    messages.success(request, "The attachment was removed.")
    return redirect(f"{attachment.meeting.get_absolute_url()}#attachments")
