"""Retention periods per process, applied by ``multitrack apply_retention`` on known dates."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from multitrack.accounts.models import AuditEvent
from multitrack.accounts.services import api_token_create
from multitrack.actors.models import ForgetReason, Person
from multitrack.practice.models import RelationshipTie, SurveyResponse
from multitrack.practice.services import (
    survey_create,
    survey_response_record,
    tie_record,
)
from multitrack.processes.models import Attendance, Meeting, MeetingAttachment, Note, Process
from multitrack.processes.retention import months_before, process_has_ended, retention_apply
from multitrack.processes.services import note_write
from tests.conftest import Workspace
from tests.factories import AttendanceFactory, MeetingFactory, ParticipantFactory, ProcessFactory

OLD = datetime.date(2024, 1, 10)
RECENT = datetime.date(2025, 6, 1)
# Twelve months before 1 March 2025 is 1 March 2024: OLD has expired, RECENT has not.
NOW = timezone.make_aware(datetime.datetime(2025, 3, 1, 9, 0))


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2025, 3, 1), 12, datetime.date(2024, 3, 1)),
        (datetime.date(2025, 3, 31), 1, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 3, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 1, 15), 1, datetime.date(2024, 12, 15)),
        (datetime.date(2025, 1, 15), 25, datetime.date(2022, 12, 15)),
        (datetime.date(2025, 5, 31), 3, datetime.date(2025, 2, 28)),
    ],
)
def test_months_before_counts_calendar_months(
    day: datetime.date, months: int, expected: datetime.date
) -> None:
    assert months_before(day, months) == expected


@pytest.fixture
def kept_a_year(workspace: Workspace) -> Workspace:
    """The process keeps content 12 months; one meeting long ago, one recent, both noted."""
    ws = workspace
    Process.objects.filter(pk=ws.process.pk).update(retention_months=12)
    ws.process.refresh_from_db()
    old = MeetingFactory(process=ws.process, date=OLD, title="Old round")
    recent = MeetingFactory(process=ws.process, date=RECENT, title="Recent round")
    other = ParticipantFactory(process=ws.process).person
    for meeting in (old, recent):
        note_write(actor=ws.facilitator, meeting=meeting, text=f"What was said at {meeting.title}.")
        AttendanceFactory(meeting=meeting, person=ws.person)
        tie_record(
            actor=ws.facilitator,
            process=ws.process,
            person=ws.person,
            other=other,
            observed_on=meeting.date,
        )
        survey = survey_create(
            actor=ws.convener, meeting=meeting, phase="after", is_anonymous=False
        )
        item = survey.items.first()
        assert item is not None
        survey_response_record(
            actor=ws.facilitator, survey=survey, answers={item.pk: 3}, respondent=ws.person
        )
    # The stranger's process keeps everything: nothing of it may move.
    note_write(actor=_stranger(ws), meeting=ws.other_meeting, text="Kept forever, far from here.")
    return ws


def _stranger(ws: Workspace) -> object:
    return ws.other_process.memberships.get().user


def _notes_of(meeting_title: str) -> int:
    return Note.objects.filter(meeting__title=meeting_title).count()


def test_expired_meeting_content_is_deleted_and_the_rest_kept(kept_a_year: Workspace) -> None:
    ws = kept_a_year
    report = retention_apply(now=NOW)

    assert _notes_of("Old round") == 0
    assert _notes_of("Recent round") == 1
    assert Note.objects.filter(meeting=ws.other_meeting).count() == 1
    assert list(RelationshipTie.objects.values_list("observed_on", flat=True)) == [RECENT]
    linked = SurveyResponse.objects.exclude(respondent=None)
    assert list(linked.values_list("survey__meeting__title", flat=True)) == ["Recent round"]
    assert SurveyResponse.objects.count() == 2  # answers stay, anonymous
    assert Meeting.objects.filter(title="Old round").exists()
    assert Attendance.objects.filter(meeting__title="Old round").count() == 1
    (entry,) = report.processes
    assert entry.counts() == {
        "notes": 1,
        "attachments": 0,
        "ties": 1,
        "survey_responses_unlinked": 1,
    }


def test_a_run_is_audited_with_counts_only(kept_a_year: Workspace) -> None:
    retention_apply(now=NOW)

    (event,) = AuditEvent.objects.filter(action="processes.retention.applied")
    assert (event.actor, event.process) == (None, kept_a_year.process)
    assert event.detail["notes"] == 1
    assert event.detail["ties"] == 1


def test_a_second_run_finds_nothing_to_do(kept_a_year: Workspace) -> None:
    retention_apply(now=NOW)
    events = AuditEvent.objects.count()

    report = retention_apply(now=NOW)

    assert not report.changed
    assert AuditEvent.objects.count() == events
    assert "Nothing to do." in report.lines()


def test_a_dry_run_reports_the_same_and_changes_nothing(kept_a_year: Workspace) -> None:
    notes, ties, events = (
        Note.objects.count(),
        RelationshipTie.objects.count(),
        AuditEvent.objects.count(),
    )

    dry = retention_apply(now=NOW, dry_run=True)

    assert (Note.objects.count(), RelationshipTie.objects.count()) == (notes, ties)
    assert AuditEvent.objects.count() == events
    assert SurveyResponse.objects.exclude(respondent=None).count() == 2
    real = retention_apply(now=NOW)
    assert [p.counts() for p in dry.processes] == [p.counts() for p in real.processes]


def test_content_on_the_cutoff_day_is_still_kept(kept_a_year: Workspace) -> None:
    retention_apply(now=_at(datetime.date(2025, 1, 10)))  # OLD + 12 months exactly
    assert _notes_of("Old round") == 1
    retention_apply(now=_at(datetime.date(2025, 1, 11)))
    assert _notes_of("Old round") == 0


def test_a_process_without_a_period_keeps_everything(kept_a_year: Workspace) -> None:
    Process.objects.filter(pk=kept_a_year.process.pk).update(retention_months=None)
    report = retention_apply(now=_at(datetime.date(2040, 1, 1)))
    assert report.processes == []
    assert Note.objects.count() == 3


# People.


@pytest.fixture
def ended(db: None) -> dict[str, Process]:
    """Processes that ended on 31 Dec 2023: one keeps 12 months, one 24, one forever."""
    end = datetime.date(2023, 12, 31)
    return {
        "twelve": ProcessFactory(end_date=end, retention_months=12),
        "twenty_four": ProcessFactory(end_date=end, retention_months=24),
        "forever": ProcessFactory(end_date=end, retention_months=None),
        "open": ProcessFactory(end_date=None, retention_months=12),
    }


def _person_in(*processes: Process) -> Person:
    person = ParticipantFactory(process=processes[0]).person
    for process in processes[1:]:
        ParticipantFactory(process=process, person=person)
    return person


def test_process_has_ended_after_its_period(ended: dict[str, Process]) -> None:
    day = datetime.date(2025, 2, 1)
    assert process_has_ended(ended["twelve"], day)
    assert not process_has_ended(ended["twenty_four"], day)
    assert not process_has_ended(ended["forever"], day)
    assert not process_has_ended(ended["open"], day)


def test_people_whose_every_process_expired_are_forgotten(ended: dict[str, Process]) -> None:
    only_expired = _person_in(ended["twelve"])
    meeting = MeetingFactory(process=ended["twelve"], date=datetime.date(2023, 6, 1))
    AttendanceFactory(meeting=meeting, person=only_expired)
    also_kept = _person_in(ended["twelve"], ended["forever"])
    not_yet = _person_in(ended["twelve"], ended["twenty_four"])
    still_open = _person_in(ended["open"])

    report = retention_apply(now=_at(datetime.date(2025, 2, 1)))

    assert report.forgotten_person_ids == [only_expired.pk]
    forgotten = Person.objects.get(pk=only_expired.pk)
    assert forgotten.is_forgotten
    assert forgotten.forgotten_reason == ForgetReason.RETENTION
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    for kept in (also_kept, not_yet, still_open):
        assert not Person.objects.get(pk=kept.pk).is_forgotten
    event = AuditEvent.objects.get(action="actors.person.forgotten")
    assert (event.actor, event.process, event.detail["reason"]) == (
        None,
        ended["twelve"],
        "retention",
    )

    later = retention_apply(now=_at(datetime.date(2026, 1, 2)))
    assert later.forgotten_person_ids == [not_yet.pk]


# The command.


def _command(*args: str) -> str:
    out = StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def test_command_dry_run_prints_what_it_would_do(kept_a_year: Workspace) -> None:
    output = _command("--dry-run", "--today", "2025-03-01")

    assert "dry run: nothing changed" in output
    assert (
        f"Process #{kept_a_year.process.pk} (kept 12 months; content before 2024-03-01)" in output
    )
    assert "1 notes" in output
    assert kept_a_year.process.title not in output
    assert Note.objects.count() == 3


def test_command_applies_the_periods(kept_a_year: Workspace) -> None:
    output = _command("--today", "2025-03-01")
    assert "1 ties" in output
    assert _notes_of("Old round") == 0
    assert "Nothing to do." in _command("--today", "2025-03-01")


def test_command_refuses_a_future_day_unless_dry(kept_a_year: Workspace) -> None:
    future = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    with pytest.raises(CommandError, match="dry-run only"):
        _command("--today", future)
    assert Note.objects.count() == 3
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _command("--today", "1 March")


# Setting the period.


def test_convener_sets_the_period_on_the_process_form(workspace: Workspace) -> None:
    ws = workspace
    url = reverse("process-edit", args=[ws.process.pk])
    client = ws.client_for(ws.convener)
    page = client.get(url).content.decode()
    assert 'name="retention_months"' in page
    response = client.post(
        url,
        {
            "title": ws.process.title,
            "conflict": ws.process.conflict_id,
            "declared_track": ws.process.declared_track,
            "ground_rules": ws.process.ground_rules,
            "retention_months": "18",
        },
    )
    assert response.status_code == 302
    ws.process.refresh_from_db()
    assert ws.process.retention_months == 18


def test_a_period_of_zero_is_refused(workspace: Workspace) -> None:
    ws = workspace
    response = ws.client_for(ws.convener).post(
        reverse("process-edit", args=[ws.process.pk]),
        {
            "title": ws.process.title,
            "conflict": ws.process.conflict_id,
            "declared_track": ws.process.declared_track,
            "ground_rules": ws.process.ground_rules,
            "retention_months": "0",
        },
    )
    assert response.status_code == 200
    ws.process.refresh_from_db()
    assert ws.process.retention_months is None


def test_facilitator_cannot_set_the_period(workspace: Workspace) -> None:
    ws = workspace
    response = ws.client_for(ws.facilitator).post(
        reverse("process-edit", args=[ws.process.pk]), {"retention_months": "1"}
    )
    assert response.status_code == 403


def test_the_api_reads_and_sets_the_period(workspace: Workspace) -> None:
    ws = workspace
    _token, raw = api_token_create(actor=ws.convener, name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/processes/{ws.process.pk}"
    assert client.get(url).json()["retention_months"] is None
    response = client.patch(url, {"retention_months": 6}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["retention_months"] == 6


# Attachments.


def _attach(meeting: Meeting, name: str) -> MeetingAttachment:
    stored = default_storage.save(f"attachments/{name}", ContentFile(b"%PDF-1.4 minutes"))
    return MeetingAttachment.objects.create(
        meeting=meeting,
        file=stored,
        original_name=name,
        content_type="application/pdf",
        size_bytes=16,
        sha256="0" * 64,
    )


def test_expired_attachments_go_with_their_files(
    kept_a_year: Workspace, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    old = _attach(Meeting.objects.get(title="Old round"), "old.pdf")
    recent = _attach(Meeting.objects.get(title="Recent round"), "recent.pdf")

    with django_capture_on_commit_callbacks(execute=True):
        dry = retention_apply(now=NOW, dry_run=True)
    assert dry.processes[0].attachments == 1
    assert (tmp_path / old.file.name).exists()
    assert MeetingAttachment.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        report = retention_apply(now=NOW)

    assert report.processes[0].attachments == 1
    assert not (tmp_path / old.file.name).exists()
    assert (tmp_path / recent.file.name).exists()
    # The name is encrypted at rest: read through the instances.
    assert [a.original_name for a in MeetingAttachment.objects.all()] == ["recent.pdf"]
