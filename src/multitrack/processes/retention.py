"""Retention periods: what a process keeps, and for how long (docs/operations.md, "Retention").

A process with ``retention_months = N`` keeps, for N months after each meeting:

- the meeting's notes and attachments (then deleted, files included);
- who answered its surveys, when a survey was not anonymous (then unlinked: the answers stay,
  anonymous, so survey results do not change; surveys hold no free text);

and for N months after the day they were observed, the relationship ties recorded in it.

N months after the process's end date, the people whose every process has thus expired are
forgotten (``actors.services.forget_people``, reason "retention"): their attendance stays as a
placeholder, so counts and derived tracks stay right. A process without an end date, or without a
retention period, never makes anyone expire; one process that keeps someone keeps them.

Meetings, attendance, agendas, follow-ups, ideas, surveys' numbers and consultations are kept:
they are the record of the process, and they name nobody once the people are forgotten.

``retention_apply`` is idempotent (a second run finds nothing), audited per process with counts
only, and with ``dry_run`` reports exactly what it would do and changes nothing.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from multitrack.accounts.audit import audit
from multitrack.actors.models import ForgetReason, Person
from multitrack.processes.models import Meeting, Note, Process


# Free text of survey answers, if the survey models have any (blanked when it expires).
def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter):
    ``months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)``."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def process_has_ended(process: Process, today: datetime.date) -> bool:
    """Whether the process's retention period after its end has run out on ``today``."""
    if process.retention_months is None or process.end_date is None:
        return False
    return process.end_date < months_before(today, process.retention_months)


@dataclass
class ProcessRetention:
    """What a retention run did (or would do) in one process; counts only."""

    process: Process
    cutoff: datetime.date
    notes: int = 0
    attachments: int = 0
    ties: int = 0
    survey_responses_unlinked: int = 0

    @property
    def changed(self) -> bool:
        return any(self.counts().values())

    def counts(self) -> dict[str, int]:
        return {
            "notes": self.notes,
            "attachments": self.attachments,
            "ties": self.ties,
            "survey_responses_unlinked": self.survey_responses_unlinked,
        }

    def line(self) -> str:
        """One line for the command's output: the process by number, the counts in words."""
        what = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in self.counts().items()
        )
        return (
            f"Process #{self.process.pk} (kept {self.process.retention_months} months; "
            f"content before {self.cutoff:%Y-%m-%d}): {what}"
        )


@dataclass
class RetentionReport:
    """A retention run: per process, and the people forgotten (by id; never a name)."""

    today: datetime.date
    dry_run: bool
    processes: list[ProcessRetention] = field(default_factory=list)
    forgotten_person_ids: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.forgotten_person_ids) or any(p.changed for p in self.processes)

    def lines(self) -> list[str]:
        """The report in words, for the command."""
        verb = "Would" if self.dry_run else "Did"
        dry = " (dry run: nothing changed)" if self.dry_run else ""
        lines = [f"Retention on {self.today:%Y-%m-%d}{dry}:"]
        if not self.processes:
            lines.append("No process has a retention period.")
        for entry in self.processes:
            lines.append(("  " if entry.changed else "  (nothing) ") + entry.line())
        if self.forgotten_person_ids:
            ids = ", ".join(f"#{pk}" for pk in self.forgotten_person_ids)
            lines.append(
                f"{verb} forget {len(self.forgotten_person_ids)} person(s) whose processes "
                f"have all expired: {ids}"
            )
        else:
            lines.append("Nobody to forget.")
        if not self.changed:
            lines.append("Nothing to do.")
        return lines


def _apply_to_process(process: Process, today: datetime.date) -> ProcessRetention:
    from multitrack.practice.models import RelationshipTie, SurveyResponse
    from multitrack.processes.models import MeetingAttachment

    if process.retention_months is None:
        raise ValueError(f"Process {process.pk} has no retention period; nothing to apply.")
    cutoff = months_before(today, process.retention_months)
    entry = ProcessRetention(process=process, cutoff=cutoff)
    expired_meetings = Meeting.objects.filter(process=process, date__lt=cutoff)

    notes = Note.objects.filter(meeting__in=expired_meetings)
    entry.notes = notes.count()
    notes.delete()

    attachments = MeetingAttachment.objects.filter(meeting__in=expired_meetings)
    for attachment in attachments.iterator():
        # Its file goes once the deletion commits (processes.apps, post_delete): a dry run or a
        # failure rolls back and leaves every file in place.
        attachment.delete()
        entry.attachments += 1

    ties = RelationshipTie.objects.filter(process=process, observed_on__lt=cutoff)
    entry.ties = ties.count()
    ties.delete()

    responses = SurveyResponse.objects.filter(
        survey__process=process, survey__meeting__date__lt=cutoff
    )
    entry.survey_responses_unlinked = responses.exclude(respondent=None).update(respondent=None)
    return entry


def people_to_forget(today: datetime.date) -> list[Person]:
    """People not yet forgotten whose every process has ended its retention period."""
    from multitrack.processes.models import ProcessParticipant

    expired = {
        p.pk for p in Process.objects.exclude(retention_months=None) if process_has_ended(p, today)
    }
    if not expired:
        return []
    processes_of: dict[int, set[int]] = {}
    for person_id, process_id in ProcessParticipant.objects.filter(
        person__forgotten_at__isnull=True
    ).values_list("person_id", "process_id"):
        processes_of.setdefault(person_id, set()).add(process_id)
    ids = [pk for pk, processes in processes_of.items() if processes <= expired]
    return list(Person.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def retention_apply(
    *, now: datetime.datetime | None = None, dry_run: bool = False, actor: Any = None
) -> RetentionReport:
    """Apply every process's retention period as of ``now`` (default: now); see the module.

    With ``dry_run`` everything runs and is then rolled back, so the report is exactly what a
    real run would do and nothing changes (no files are deleted either).
    """
    from multitrack.actors.services import forget_people

    today = timezone.localdate(now or timezone.now())
    report = RetentionReport(today=today, dry_run=dry_run)
    for process in Process.objects.exclude(retention_months=None).order_by("pk"):
        entry = _apply_to_process(process, today)
        report.processes.append(entry)
        if entry.changed:
            audit(
                actor=actor,
                action="processes.retention.applied",
                target=process,
                process=process,
                detail=entry.counts(),
            )
    forgotten = forget_people(
        actor=actor, people=people_to_forget(today), reason=ForgetReason.RETENTION
    )
    report.forgotten_person_ids = [person.pk for person in forgotten]
    if dry_run:
        transaction.set_rollback(True)
    return report
