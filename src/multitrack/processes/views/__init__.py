"""The pages of processes and meetings: thin views over access checks, services and selectors."""

from multitrack.processes.views.attendance import (
    attendance_add,
    attendance_change,
    attendance_remove,
)
from multitrack.processes.views.meetings import (
    agenda_item_add,
    meeting_create,
    meeting_detail,
    meeting_edit,
)
from multitrack.processes.views.processes import (
    member_add,
    member_change,
    member_remove,
    process_create,
    process_detail,
    process_edit,
    process_list,
)
from multitrack.processes.views.records import follow_up_add, follow_up_set_done, note_add

__all__ = [
    "agenda_item_add",
    "attendance_add",
    "attendance_change",
    "attendance_remove",
    "follow_up_add",
    "follow_up_set_done",
    "meeting_create",
    "meeting_detail",
    "meeting_edit",
    "member_add",
    "member_change",
    "member_remove",
    "note_add",
    "process_create",
    "process_detail",
    "process_edit",
    "process_list",
]
