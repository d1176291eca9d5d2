"""Confirming a meeting: the observance check by the participants' countries and parties, and
the confirm service that asks for an acknowledgement when the checks found issues."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from multitrack.accounts.models import AuditEvent
from multitrack.actors.models import Person
from multitrack.insights.selectors import meeting_check, process_health
from multitrack.practice import services as practice
from multitrack.processes.models import Attendance, Meeting
from multitrack.processes.services import OpenIssuesError, meeting_confirm, meeting_update
from tests.conftest import Workspace
from tests.factories import AttendanceFactory, ParticipantFactory, PartyFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def expect(workspace: Workspace, country: str, pseudonym: str, **fields: object) -> Person:
    """A person on the roster, from ``country``, expected at the workspace's meeting."""
    person = ParticipantFactory(
        process=workspace.process,
        person__country=country,
        person__pseudonym=pseudonym,
        person__display_name=f"Real name of {pseudonym}",
        person__languages=["English"],
    ).person
    AttendanceFactory(meeting=workspace.meeting, person=person, **fields)
    return person


def planned(workspace: Workspace, date: datetime.date, place: str = "Geneva") -> Meeting:
    meeting = workspace.meeting
    meeting.date, meeting.place, meeting.status = date, place, Meeting.Status.PLANNED
    meeting.working_languages = ["English"]
    meeting.save()
    return meeting


def observances(workspace: Workspace) -> list[str]:
    row = meeting_check(user=workspace.convener, meeting=workspace.meeting)
    return [issue.text for issue in row.check.observances]


# The observance check, by the country of each expected participant --------------------------


@pytest.mark.parametrize(
    ("country", "date", "expected"),
    [
        ("KE", D(2025, 6, 1), "Madaraka Day (Public holidays: Kenya, observed by Falcon)"),
        ("EG", D(2025, 3, 30), "Eid al-Fitr (Public holidays: Egypt, observed by Falcon)"),
        ("IL", D(2025, 10, 2), "Yom Kippur (Public holidays: Israel, observed by Falcon)"),
    ],
)
def test_a_participants_public_holiday_is_found(
    workspace: Workspace, country: str, date: datetime.date, expected: str
) -> None:
    planned(workspace, date)
    expect(workspace, country, "Falcon")

    assert observances(workspace) == [f"{expected} falls on that day."]


def test_the_hit_names_pseudonyms_or_counts_never_real_names(workspace: Workspace) -> None:
    planned(workspace, D(2025, 6, 1))
    expect(workspace, "KE", "Falcon")
    expect(workspace, "KE", "Heron")

    (text,) = observances(workspace)

    assert text == (
        "Madaraka Day (Public holidays: Kenya, observed by 2 participants from KE) "
        "falls on that day."
    )
    assert "Real name" not in text


def test_an_excused_participant_is_not_expected(workspace: Workspace) -> None:
    planned(workspace, D(2025, 6, 1))
    expect(workspace, "EG", "Ibis")
    expect(workspace, "KE", "Falcon", status=Attendance.Status.EXCUSED)

    assert observances(workspace) == []


def test_without_an_attendance_list_the_roster_is_expected(workspace: Workspace) -> None:
    planned(workspace, D(2025, 6, 1))
    ParticipantFactory(process=workspace.process, person__country="KE")

    assert len(observances(workspace)) == 1


def test_a_party_calendar_counts_only_when_someone_from_the_party_is_expected(
    workspace: Workspace,
) -> None:
    planned(workspace, D(2025, 10, 2))
    north = PartyFactory(conflict=workspace.process.conflict, name="North")
    practice.party_calendar_add(
        actor=workspace.convener, process=workspace.process, party=north, calendar="jewish"
    )
    someone = expect(workspace, "", "Wren")
    assert observances(workspace) == []

    someone.parties.add(north)

    assert observances(workspace) == [
        "Yom Kippur (Jewish holidays, observed by North) falls on that day."
    ]


def test_the_funders_report_counts_even_a_single_participant(workspace: Workspace) -> None:
    planned(workspace, D(2026, 6, 1))
    expect(workspace, "KE", "Falcon")

    health = process_health(
        user=workspace.convener,
        process=workspace.process,
        today=D(2026, 1, 1),
        with_names=False,
    )

    (row,) = health.upcoming
    assert [i.text for i in row.check.observances] == [
        "Madaraka Day (Public holidays: Kenya, observed by 1 participant from KE) "
        "falls on that day."
    ]


def test_a_confirmed_meeting_is_still_checked_on_the_health_page(workspace: Workspace) -> None:
    planned(workspace, D(2026, 6, 1))
    expect(workspace, "KE", "Falcon")
    Meeting.objects.filter(pk=workspace.meeting.pk).update(status=Meeting.Status.CONFIRMED)

    health = process_health(user=workspace.convener, process=workspace.process, today=D(2026, 1, 1))

    assert [row.meeting for row in health.upcoming] == [workspace.meeting]


# Confirming ------------------------------------------------------------------------------------


def actions() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="processes.meeting.confirm").values_list(
            "action", flat=True
        )
    )


@pytest.mark.parametrize("role", ["convener", "facilitator"])
def test_a_meeting_without_issues_is_confirmed(workspace: Workspace, role: str) -> None:
    meeting = planned(workspace, D(2025, 6, 3))
    expect(workspace, "KE", "Falcon")

    meeting_confirm(actor=getattr(workspace, role), meeting=meeting)

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    assert actions() == ["processes.meeting.confirmed"]


def test_open_issues_need_an_acknowledgement(workspace: Workspace) -> None:
    meeting = planned(workspace, D(2025, 6, 1))
    expect(workspace, "KE", "Falcon")

    with pytest.raises(OpenIssuesError) as refused:
        meeting_confirm(actor=workspace.facilitator, meeting=meeting)

    assert refused.value.issues == [
        "Madaraka Day (Public holidays: Kenya, observed by Falcon) falls on that day."
    ]
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
    assert actions() == []


def test_confirming_anyway_is_audited_by_its_action_alone(workspace: Workspace) -> None:
    meeting = planned(workspace, D(2025, 6, 1))
    expect(workspace, "KE", "Falcon")

    meeting_confirm(actor=workspace.facilitator, meeting=meeting, acknowledge_issues=True)

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    event = AuditEvent.objects.get(action="processes.meeting.confirmed_anyway")
    assert (event.actor, event.process, event.target_id) == (
        workspace.facilitator,
        workspace.process,
        str(meeting.pk),
    )


@pytest.mark.parametrize("role", ["observer", "analyst", "outsider"])
def test_members_who_do_not_record_meetings_cannot_confirm(workspace: Workspace, role: str) -> None:
    meeting = planned(workspace, D(2025, 6, 3))

    with pytest.raises(PermissionDenied):
        meeting_confirm(actor=getattr(workspace, role), meeting=meeting, acknowledge_issues=True)


@pytest.mark.parametrize("status", [Meeting.Status.HELD, Meeting.Status.CANCELLED])
def test_only_a_planned_meeting_can_be_confirmed(workspace: Workspace, status: str) -> None:
    meeting = planned(workspace, D(2025, 6, 3))
    meeting.status = status
    meeting.save()

    with pytest.raises(ValidationError, match="Only a planned meeting"):
        meeting_confirm(actor=workspace.convener, meeting=meeting, acknowledge_issues=True)


def test_a_meeting_cannot_be_confirmed_by_editing_its_status(workspace: Workspace) -> None:
    meeting = planned(workspace, D(2025, 6, 1))

    with pytest.raises(ValidationError, match="Confirm meeting"):
        meeting_update(actor=workspace.convener, meeting=meeting, status=Meeting.Status.CONFIRMED)


def test_changing_the_date_of_a_confirmed_meeting_makes_it_planned_again(
    workspace: Workspace,
) -> None:
    meeting = planned(workspace, D(2025, 6, 3))
    expect(workspace, "KE", "Falcon")
    meeting_confirm(actor=workspace.convener, meeting=meeting)

    meeting_update(actor=workspace.convener, meeting=meeting, title="Renamed")
    assert meeting.status == Meeting.Status.CONFIRMED
    meeting_update(actor=workspace.convener, meeting=meeting, date=D(2025, 6, 1))

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED
