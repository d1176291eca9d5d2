"""From an id to an object the user may see: 404 when missing or not theirs, the same way."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from multitrack.processes.models import Meeting, Process
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
