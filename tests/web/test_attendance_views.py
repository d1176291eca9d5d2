"""Attendance on the meeting page: htmx fragments that carry the derived track with them."""

from __future__ import annotations

from typing import cast

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Person
from multitrack.processes.models import Attendance, Meeting
from multitrack.processes.rules import Track
from tests.conftest import Workspace
from tests.factories import AffiliationFactory, AttendanceFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def attend(*, meeting: Meeting, person: Person) -> Attendance:
    return cast(Attendance, AttendanceFactory(meeting=meeting, person=person))


def on_roster(workspace: Workspace) -> Person:
    return cast(Person, ParticipantFactory(process=workspace.process).person)


def add_url(meeting: Meeting) -> str:
    return reverse("attendance-add", args=[meeting.pk])


def change_url(attendance: Attendance) -> str:
    return reverse("attendance-change", args=[attendance.meeting_id, attendance.pk])


def remove_url(attendance: Attendance) -> str:
    return reverse("attendance-remove", args=[attendance.meeting_id, attendance.pk])


def academics_meeting(workspace: Workspace, count: int = 2) -> Meeting:
    """The workspace meeting, declared Track 2, attended by ``count`` academics."""
    workspace.process.declared_track = Track.TRACK_2
    workspace.process.save()
    for _ in range(count):
        person = on_roster(workspace)
        AffiliationFactory(person=person, capacity=Capacity.ACADEMIC)
        attend(meeting=workspace.meeting, person=person)
    return workspace.meeting


def mid_level_official(workspace: Workspace) -> Person:
    official = on_roster(workspace)
    AffiliationFactory(person=official, capacity=Capacity.MID_LEVEL_OFFICIAL)
    return official


def test_adding_an_official_in_personal_capacity_turns_track_2_into_track_1_5(
    workspace: Workspace,
) -> None:
    meeting = academics_meeting(workspace)
    official = mid_level_official(workspace)
    client = workspace.client_for(workspace.facilitator)
    before = client.get(meeting.get_absolute_url()).content.decode()
    assert "Track 2: 2 non-officials" in before
    assert "Declared as Track 2" not in before

    response = client.post(
        add_url(meeting),
        {"person": official.pk, "status": "attended", "capacity_override": ""},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert '<section id="attendance"' in html
    assert 'id="derived-track" class="card" aria-live="polite" hx-swap-oob="true"' in html
    assert "Track 1.5: 1 serving official (mid-level), 2 non-officials" in html
    assert "Declared as Track 2" in html
    assert "<html" not in html
    assert Attendance.objects.get(meeting=meeting, person=official).is_acting_officially is False


def test_without_javascript_adding_redirects_back_to_the_meeting(workspace: Workspace) -> None:
    meeting = academics_meeting(workspace)
    official = mid_level_official(workspace)
    client = workspace.client_for(workspace.convener)

    response = client.post(add_url(meeting), {"person": official.pk, "status": "attended"})

    assert response.status_code == 302
    assert response["Location"] == f"{meeting.get_absolute_url()}#attendance"
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Track 1.5: 1 serving official (mid-level), 2 non-officials" in page


def test_acting_officially_is_recorded(workspace: Workspace) -> None:
    official = mid_level_official(workspace)
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        add_url(workspace.meeting),
        {"person": official.pk, "status": "attended", "is_acting_officially": "on"},
        headers=HTMX,
    )

    assert "Track 1: 1 serving official (mid-level)" in response.content.decode()
    assert Attendance.objects.get(person=official).is_acting_officially is True


def test_a_capacity_override_wins_and_the_affiliations_are_still_shown(
    workspace: Workspace,
) -> None:
    meeting = academics_meeting(workspace, count=1)
    official = mid_level_official(workspace)
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        add_url(meeting),
        {"person": official.pk, "status": "attended", "capacity_override": Capacity.ACADEMIC},
        headers=HTMX,
    )

    html = response.content.decode()
    assert "Track 2: 2 non-officials" in html
    assert "the affiliations on 14 Mar 2025 say Mid-level official" in html
    assert Attendance.objects.get(person=official).capacity_override == Capacity.ACADEMIC


def test_marking_the_official_absent_brings_the_track_back_to_2(workspace: Workspace) -> None:
    meeting = academics_meeting(workspace)
    official = mid_level_official(workspace)
    attendance = attend(meeting=meeting, person=official)
    client = workspace.client_for(workspace.facilitator)

    response = client.post(change_url(attendance), {"status": "absent"}, headers=HTMX)

    html = response.content.decode()
    assert "Track 2: 2 non-officials" in html
    assert "Declared as" not in html
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.ABSENT


def test_changing_without_javascript_redirects_back(workspace: Workspace) -> None:
    attendance = attend(meeting=workspace.meeting, person=workspace.person)
    client = workspace.client_for(workspace.convener)

    response = client.post(change_url(attendance), {"status": "excused"})

    assert response.status_code == 302
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.EXCUSED


def test_removing_someone_updates_the_track(workspace: Workspace) -> None:
    meeting = academics_meeting(workspace)
    official = mid_level_official(workspace)
    attendance = attend(meeting=meeting, person=official)
    client = workspace.client_for(workspace.facilitator)

    response = client.post(remove_url(attendance), headers=HTMX)

    assert "Track 2: 2 non-officials" in response.content.decode()
    assert not Attendance.objects.filter(pk=attendance.pk).exists()


def test_someone_from_another_process_cannot_be_added(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    response = client.post(
        add_url(workspace.meeting), {"person": workspace.other_person.pk, "status": "attended"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_invalid_htmx_change_comes_back_with_the_error(workspace: Workspace) -> None:
    attendance = attend(meeting=workspace.meeting, person=workspace.person)
    client = workspace.client_for(workspace.convener)

    response = client.post(change_url(attendance), {"status": "teleported"}, headers=HTMX)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.ATTENDED


def test_the_add_form_offers_only_roster_people_not_yet_recorded(workspace: Workspace) -> None:
    recorded = on_roster(workspace)
    attend(meeting=workspace.meeting, person=recorded)
    client = workspace.client_for(workspace.convener)

    html = client.get(workspace.meeting.get_absolute_url()).content.decode()
    add_form = html.split('action="' + add_url(workspace.meeting) + '"')[1].split("</form>")[0]

    assert f'<option value="{workspace.person.pk}">' in add_form
    assert f'<option value="{recorded.pk}">' not in add_form
    assert f'<option value="{workspace.other_person.pk}">' not in add_form
    assert '<select name="person"' in add_form
    assert '<select name="status"' in add_form
    assert 'name="is_acting_officially"' in add_form
    assert "Add to attendance" in add_form


def test_the_add_form_names_people_only_with_need_to_know(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.facilitator)

    html = client.get(workspace.meeting.get_absolute_url()).content.decode()

    assert workspace.person.display_name in html


@pytest.mark.parametrize("role", ["observer", "analyst"])
def test_members_without_record_meetings_cannot_change_attendance(
    workspace: Workspace, role: str
) -> None:
    attendance = attend(meeting=workspace.meeting, person=workspace.person)
    client = workspace.client_for(getattr(workspace, role))

    added = client.post(add_url(workspace.meeting), {"person": workspace.person.pk})
    changed = client.post(change_url(attendance), {"status": "absent"})
    removed = client.post(remove_url(attendance))

    assert (added.status_code, changed.status_code, removed.status_code) == (403, 403, 403)
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.ATTENDED


@pytest.mark.parametrize("role", ["observer", "analyst"])
def test_members_without_record_meetings_see_attendance_but_no_forms(
    workspace: Workspace, role: str
) -> None:
    attend(meeting=workspace.meeting, person=workspace.person)
    client = workspace.client_for(getattr(workspace, role))

    html = client.get(workspace.meeting.get_absolute_url()).content.decode()

    assert workspace.person.pseudonym in html
    assert workspace.person.display_name not in html
    assert "Add to attendance" not in html
    assert reverse("attendance-add", args=[workspace.meeting.pk]) not in html


def test_outsider_cannot_touch_attendance(workspace: Workspace) -> None:
    attendance = attend(meeting=workspace.meeting, person=workspace.person)
    client = workspace.client_for(workspace.outsider)

    added = client.post(add_url(workspace.meeting), {"person": workspace.person.pk}, headers=HTMX)
    changed = client.post(change_url(attendance), {"status": "absent"}, headers=HTMX)
    removed = client.post(remove_url(attendance), headers=HTMX)

    assert (added.status_code, changed.status_code, removed.status_code) == (404, 404, 404)
    assert Attendance.objects.filter(pk=attendance.pk, status="attended").exists()


def test_attendance_of_another_meeting_is_not_found_through_this_one(
    workspace: Workspace,
) -> None:
    foreign = attend(meeting=workspace.other_meeting, person=workspace.other_person)
    client = workspace.client_for(workspace.convener)
    url = reverse("attendance-change", args=[workspace.meeting.pk, foreign.pk])

    response = client.post(url, {"status": "absent"})

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Attendance.Status.ATTENDED


def test_anonymous_users_are_sent_to_login(workspace: Workspace) -> None:
    attendance = attend(meeting=workspace.meeting, person=workspace.person)
    login = resolve_url(settings.LOGIN_URL)

    for url in (add_url(workspace.meeting), change_url(attendance), remove_url(attendance)):
        response = Client().post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login)


def test_attendance_urls_reject_get(workspace: Workspace) -> None:
    attendance = attend(meeting=workspace.meeting, person=workspace.person)
    client = workspace.client_for(workspace.convener)

    for url in (add_url(workspace.meeting), change_url(attendance), remove_url(attendance)):
        assert client.get(url).status_code == 405
