"""Named permissions and which roles hold them (pretix-style: one place to read who may do what)."""

from __future__ import annotations

from enum import StrEnum

from multitrack.accounts.models import Role


class Permission(StrEnum):
    """Things a member of a process may do in it."""

    VIEW_PROCESS = "view_process"
    EDIT_PROCESS = "edit_process"
    MANAGE_MEMBERS = "manage_members"
    RECORD_MEETINGS = "record_meetings"  # meetings, agenda, attendance, follow-ups
    READ_NOTES = "read_notes"
    WRITE_NOTES = "write_notes"
    SEE_REAL_NAMES = "see_real_names"  # display names and contact details
    EDIT_PEOPLE = "edit_people"  # add people to the roster, edit them, import CSV


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.CONVENER: frozenset(Permission),
    Role.FACILITATOR: frozenset(
        {
            Permission.VIEW_PROCESS,
            Permission.RECORD_MEETINGS,
            Permission.READ_NOTES,
            Permission.WRITE_NOTES,
            Permission.SEE_REAL_NAMES,
            Permission.EDIT_PEOPLE,
        }
    ),
    Role.ANALYST: frozenset({Permission.VIEW_PROCESS, Permission.READ_NOTES}),
    Role.OBSERVER: frozenset({Permission.VIEW_PROCESS}),
}
