"""From an id to an object the user may see: 404 when missing or not theirs, the same way."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from multitrack.accounts.access import can
from multitrack.accounts.permissions import Permission
from multitrack.processes.models import Meeting, MeetingAttachment, Process
from multitrack.processes.selectors import meetings_visible_to, processes_visible_to


def access_process_by_id(user: Any, process_id: int) -> Process:
    """The process, if the user is a member of it; else Http404."""
    try:
        return processes_visible_to(user=user).get(pk=process_id)
    except Process.DoesNotExist:
        raise Http404("No such process.") from None


def access_meeting_by_id(user: Any, meeting_id: int) -> Meeting:
    """The meeting, if the user is a member of its process; else Http404."""
    try:
        return meetings_visible_to(user=user).get(pk=meeting_id)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def access_attachment_by_id(user: Any, meeting_id: int, attachment_id: int) -> MeetingAttachment:
    """The meeting's attachment, if the user may read its process's attachments; else Http404.

    Members without that permission (observers) get the same 404 as outsiders: they must not
    learn that a confidential document exists.
    """
    meeting = access_meeting_by_id(user, meeting_id)
    if not can(user, Permission.READ_ATTACHMENTS, meeting.process_id):
        raise Http404("No such attachment.")
    try:
        return meeting.attachments.select_related("meeting__process").get(pk=attachment_id)
    except MeetingAttachment.DoesNotExist:
        raise Http404("No such attachment.") from None
