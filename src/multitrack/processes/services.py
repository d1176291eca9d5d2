"""Writes for processes, meetings, attendance, notes and follow-ups.

Each service checks the actor's permission, validates, records an audit event and returns the
object; it runs in one transaction, so a failure changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from multitrack.accounts.access import forget_roles, require
from multitrack.accounts.audit import audit
from multitrack.accounts.models import Membership, Role
from multitrack.accounts.permissions import Permission
from multitrack.actors.forgetting import refuse_if_forgotten
from multitrack.actors.models import Conflict, Organisation, Person
from multitrack.actors.names import find_names
from multitrack.processes.models import (
    AgendaItem,
    Attendance,
    FollowUp,
    GroundRules,
    Meeting,
    Note,
    Process,
    ProcessParticipant,
)


@transaction.atomic
def process_create(*, actor: Any, conflict: Conflict, title: str, **fields: Any) -> Process:
    """Open a dialogue process; its creator becomes its convener."""
    if not actor.has_perm("processes.add_process"):
        raise PermissionDenied("Your account may not open new processes.")
    process = Process(conflict=conflict, title=title, **fields)
    process.full_clean()
    process.save()
    Membership.objects.create(user=actor, process=process, role=Role.CONVENER)
    forget_roles(actor)
    audit(actor=actor, action="processes.process.created", target=process, process=process)
    return process


@transaction.atomic
def process_update(*, actor: Any, process: Process, **fields: Any) -> Process:
    """Change a process's title, track, aims, dates or ground rules."""
    require(actor, Permission.EDIT_PROCESS, process.pk)
    for name, value in fields.items():
        setattr(process, name, value)
    process.full_clean()
    process.save()
    audit(actor=actor, action="processes.process.changed", target=process, process=process)
    return process


@transaction.atomic
def membership_set(*, actor: Any, process: Process, user: Any, role: Role | None) -> None:
    """Give a user a role in a process, change it, or (role None) remove them."""
    require(actor, Permission.MANAGE_MEMBERS, process.pk)
    is_convener = Membership.objects.filter(process=process, user=user, role=Role.CONVENER)
    others = Membership.objects.filter(process=process, role=Role.CONVENER).exclude(user=user)
    if role != Role.CONVENER and is_convener.exists() and not others.exists():
        raise ValidationError("A process needs a convener: make someone else convener first.")
    if role is None:
        Membership.objects.filter(process=process, user=user).delete()
        audit(actor=actor, action="accounts.membership.removed", target=user, process=process)
    else:
        Membership.objects.update_or_create(process=process, user=user, defaults={"role": role})
        audit(actor=actor, action="accounts.membership.set", target=user, process=process)
    forget_roles(user)


@transaction.atomic
def roster_add(*, actor: Any, process: Process, person: Person) -> ProcessParticipant:
    """Put a person on a process's roster (idempotent)."""
    require(actor, Permission.EDIT_PEOPLE, process.pk)
    refuse_if_forgotten(person)
    participant, created = ProcessParticipant.objects.get_or_create(process=process, person=person)
    if created:
        audit(actor=actor, action="processes.roster.added", target=person, process=process)
    return participant


@transaction.atomic
def meeting_schedule(
    *, actor: Any, process: Process, title: str, date: datetime.date, **fields: Any
) -> Meeting:
    """Add a meeting to a process (planned, held or cancelled; confirming comes after checks)."""
    require(actor, Permission.RECORD_MEETINGS, process.pk)
    meeting = Meeting(process=process, title=title, date=date, **fields)
    if meeting.status == Meeting.Status.CONFIRMED:
        raise ValidationError({"status": _CONFIRM_THROUGH_CHECKS})
    meeting.full_clean()
    meeting.save()
    audit(actor=actor, action="processes.meeting.scheduled", target=meeting, process=process)
    return meeting


# What the meeting checks read: changing one of these on a confirmed meeting undoes the
# confirmation, so the new date, place or languages are checked again before it stands.
CHECKED_FIELDS = ("date", "place", "is_virtual", "working_languages", "interpretation_languages")

_CONFIRM_THROUGH_CHECKS = (
    "A meeting is confirmed with “Confirm meeting”, which shows its checks first."
)


@transaction.atomic
def meeting_update(*, actor: Any, meeting: Meeting, **fields: Any) -> Meeting:
    """Change a meeting's details.

    A meeting becomes confirmed only through ``meeting_confirm``; changing what the checks read
    (date, place, languages) on a confirmed meeting makes it planned again.
    """
    require(actor, Permission.RECORD_MEETINGS, meeting.process_id)
    was_confirmed = meeting.status == Meeting.Status.CONFIRMED
    before = {name: getattr(meeting, name) for name in CHECKED_FIELDS}
    for name, value in fields.items():
        setattr(meeting, name, value)
    if meeting.status == Meeting.Status.CONFIRMED:
        if not was_confirmed:
            raise ValidationError({"status": _CONFIRM_THROUGH_CHECKS})
        if any(getattr(meeting, name) != value for name, value in before.items()):
            meeting.status = Meeting.Status.PLANNED
    meeting.full_clean()
    meeting.save()
    audit(actor=actor, action="processes.meeting.changed", target=meeting, process=meeting.process)
    return meeting


class OpenIssuesError(ValidationError):
    """The meeting's checks found issues and nobody acknowledged them; ``issues`` lists them."""

    def __init__(self, issues: list[str]) -> None:
        super().__init__(
            f"The checks found {len(issues)} open issue(s). Resolve them, or confirm anyway.",
            code="open_issues",
        )
        self.issues = issues


@transaction.atomic
def meeting_confirm(*, actor: Any, meeting: Meeting, acknowledge_issues: bool = False) -> Meeting:
    """Confirm a planned meeting after its language, observance and venue checks.

    With open issues it is confirmed only when ``acknowledge_issues`` is set ("Confirm anyway");
    the audit trail then says so, by the action's name alone (no issue text, no names).
    """
    from multitrack.insights.selectors import meeting_check  # checks read the practice data

    require(actor, Permission.RECORD_MEETINGS, meeting.process_id)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(
            f"Only a planned meeting can be confirmed; this one is {meeting.get_status_display()}.",
            code="not_planned",
        )
    issues = [issue.text for issue in meeting_check(user=actor, meeting=meeting).check.issues]
    if issues and not acknowledge_issues:
        raise OpenIssuesError(issues)
    meeting.status = Meeting.Status.CONFIRMED
    meeting.full_clean()
    meeting.save(update_fields=["status"])
    audit(
        actor=actor,
        action="processes.meeting.confirmed_anyway" if issues else "processes.meeting.confirmed",
        target=meeting,
        process=meeting.process,
    )
    return meeting


@transaction.atomic
def attendance_record(
    *,
    actor: Any,
    meeting: Meeting,
    person: Person,
    status: str = Attendance.Status.ATTENDED,
    capacity_override: str = "",
    is_acting_officially: bool = False,
) -> Attendance:
    """Record (or change) whether a person attended a meeting and in which capacity.

    The person must be on the process's roster, so attendance never reveals someone to members
    of a process they do not belong to.
    """
    require(actor, Permission.RECORD_MEETINGS, meeting.process_id)
    refuse_if_forgotten(person)
    if not ProcessParticipant.objects.filter(process_id=meeting.process_id, person=person).exists():
        raise ValidationError({"person": "Add this person to the process's participants first."})
    attendance = Attendance.objects.filter(meeting=meeting, person=person).first() or Attendance(
        meeting=meeting, person=person
    )
    attendance.status = status
    attendance.capacity_override = capacity_override
    attendance.is_acting_officially = is_acting_officially
    attendance.full_clean()
    attendance.save()
    audit(
        actor=actor,
        action="processes.attendance.recorded",
        target=attendance,
        process=meeting.process,
    )
    return attendance


@transaction.atomic
def attendance_remove(*, actor: Any, attendance: Attendance) -> None:
    """Take a person off a meeting's attendance list."""
    meeting = attendance.meeting
    require(actor, Permission.RECORD_MEETINGS, meeting.process_id)
    audit(
        actor=actor,
        action="processes.attendance.removed",
        target=attendance,
        process=meeting.process,
    )
    attendance.delete()


@transaction.atomic
def agenda_item_add(
    *, actor: Any, meeting: Meeting, title: str, description: str = ""
) -> AgendaItem:
    """Append a point to a meeting's agenda."""
    require(actor, Permission.RECORD_MEETINGS, meeting.process_id)
    position = meeting.agenda_items.count() + 1
    item = AgendaItem(meeting=meeting, title=title, description=description, position=position)
    item.full_clean()
    item.save()
    audit(actor=actor, action="processes.agenda.added", target=item, process=meeting.process)
    return item


def registry_names(*, process: Process) -> list[str]:
    """The names a text about this process must not contain: its participants' names,
    pseudonyms and aliases, and the organisations tied to them or convening the process.

    Only this process's: checking against the whole registry would tell a writer whether a
    name they type belongs to someone in a dialogue they are not part of.
    """
    names: list[str] = []
    # Forgotten people's placeholders name nobody: they are not checked.
    # Instances, not values_list(): names and aliases are encrypted and open only on a model.
    for person in Person.objects.filter(
        process_roles__process=process, forgotten_at__isnull=True
    ).only("pk", "display_name", "pseudonym", "aliases"):
        names.extend([person.display_name, person.pseudonym, *(person.aliases or [])])
    names.extend(
        Organisation.objects.filter(
            Q(affiliations__person__process_roles__process=process) | Q(convened_processes=process)
        )
        .distinct()
        .values_list("name", flat=True)
    )
    return names


def attributions_in(text: str, *, process: Process) -> list[str]:
    """The words in ``text`` that name a participant of the process or a related organisation."""
    seen: dict[str, None] = {}
    for hit in find_names(text, registry_names(process=process)):
        seen.setdefault(hit.words, None)
    return list(seen)


def attribution_guard(
    *, process: Process, text: str, override_reason: str, field: str, refusal: str
) -> list[str]:
    """Under the Chatham House Rule, refuse ``text`` if it names one of the process's people or
    organisations, unless the writer gives a reason; return the names found, to be kept with
    the record when overridden. ``refusal`` is the message, with ``{quoted}`` for the names.

    The one guard for notes, ideas, versions and transfers.
    """
    if process.ground_rules != GroundRules.CHATHAM_HOUSE:
        return []
    terms = attributions_in(text, process=process)
    if terms and not override_reason.strip():
        quoted = ", ".join(f"“{t}”" for t in terms)
        # The code goes on the field's error: Django drops a code given beside a dict.
        raise ValidationError(
            {field: ValidationError(refusal.format(quoted=quoted), code="attribution")}
        )
    return terms


@transaction.atomic
def note_write(*, actor: Any, meeting: Meeting, text: str, override_reason: str = "") -> Note:
    """Add a note to a meeting.

    Under the Chatham House Rule a note that names someone from the registry is refused, with
    the offending words quoted, unless the writer gives a reason to override, which is kept.
    """
    require(actor, Permission.WRITE_NOTES, meeting.process_id)
    if not text.strip():
        raise ValidationError({"text": "A note cannot be empty."})
    terms = attribution_guard(
        process=meeting.process,
        text=text,
        override_reason=override_reason,
        field="text",
        refusal="This meeting is under the Chatham House Rule, so notes must not say who said "
        "what. The note names: {quoted}. Remove them, or give a reason to save it anyway.",
    )
    note = Note(
        meeting=meeting,
        text=text,
        written_by=actor,
        attribution_override_reason=override_reason.strip() if terms else "",
        attribution_override_terms=terms,
    )
    note.full_clean()
    note.save()
    audit(
        actor=actor,
        action="processes.note.overridden" if terms else "processes.note.written",
        target=note,
        process=meeting.process,
    )
    return note


@transaction.atomic
def follow_up_add(
    *,
    actor: Any,
    meeting: Meeting,
    description: str,
    owner: Person | None = None,
    owner_note: str = "",
    due_date: datetime.date | None = None,
) -> FollowUp:
    """Record an action agreed at a meeting."""
    require(actor, Permission.RECORD_MEETINGS, meeting.process_id)
    refuse_if_forgotten(owner)
    if (
        owner is not None
        and not ProcessParticipant.objects.filter(
            process_id=meeting.process_id, person=owner
        ).exists()
    ):
        raise ValidationError({"owner": "The owner must be one of the process's participants."})
    follow_up = FollowUp(
        meeting=meeting,
        description=description,
        owner=owner,
        owner_note=owner_note,
        due_date=due_date,
    )
    follow_up.full_clean()
    follow_up.save()
    audit(
        actor=actor, action="processes.follow_up.added", target=follow_up, process=meeting.process
    )
    return follow_up


@transaction.atomic
def follow_up_set_done(*, actor: Any, follow_up: FollowUp, is_done: bool) -> FollowUp:
    """Mark a follow-up done or open again."""
    require(actor, Permission.RECORD_MEETINGS, follow_up.meeting.process_id)
    follow_up.is_done = is_done
    follow_up.save(update_fields=["is_done"])
    audit(
        actor=actor,
        action="processes.follow_up.changed",
        target=follow_up,
        process=follow_up.meeting.process,
    )
    return follow_up
