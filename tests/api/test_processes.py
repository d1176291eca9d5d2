"""Processes, meetings and attendance: derived tracks, summaries, writes and invalid input."""

from __future__ import annotations

import datetime
from typing import Any

from multitrack.accounts.models import AuditEvent, Membership, Role
from multitrack.actors.capacity import Capacity
from multitrack.processes.models import Attendance, Meeting, Process
from multitrack.processes.rules import Track
from tests.api.conftest import World
from tests.factories import AffiliationFactory, AttendanceFactory, ParticipantFactory

JSON = "application/json"


def _minister_in_the_room(world: World) -> Any:
    """Add a serving minister, acting officially, to the meeting: with the academic already
    there, the room runs at Track 1.5 while the process declares Track 2."""
    minister = ParticipantFactory(process=world.workspace.process).person
    AffiliationFactory(person=minister, capacity=Capacity.MINISTER)
    AttendanceFactory(meeting=world.workspace.meeting, person=minister, is_acting_officially=True)
    return minister


def test_a_meeting_carries_its_declared_and_derived_track(world: World) -> None:
    _minister_in_the_room(world)

    meeting = (
        world.client_for("observer").get(f"/api/v1/meetings/{world.mine['meeting_id']}").json()
    )

    assert meeting["declared_track"] is None
    assert meeting["effective_declared_track"] == Track.TRACK_2
    assert meeting["derived_track"] == Track.TRACK_1_5
    assert meeting["track_explanation"] == (
        "Track 1.5: 1 serving official (minister), 1 non-official"
    )
    assert meeting["has_track_mismatch"] is True


def test_a_meeting_without_attendance_has_no_derived_track(world: World) -> None:
    world.attendance.delete()

    meeting = (
        world.client_for("observer").get(f"/api/v1/meetings/{world.mine['meeting_id']}").json()
    )

    assert meeting["derived_track"] is None
    assert meeting["has_track_mismatch"] is False


def test_a_process_summarises_tracks_and_mismatches(world: World) -> None:
    _minister_in_the_room(world)

    process = (
        world.client_for("analyst").get(f"/api/v1/processes/{world.mine['process_id']}").json()
    )

    assert process["role"] == "analyst"
    summary = process["summary"]
    assert summary["meeting_count"] == 1
    assert summary["track_counts"] == {"1.5": 1}
    assert summary["counts_in_words"] == "1 at Track 1.5"
    assert [m["meeting_id"] for m in summary["mismatches"]] == [world.mine["meeting_id"]]
    assert summary["mismatches"][0]["declared_track"] == "2"
    assert summary["mismatches"][0]["derived_track"] == "1.5"


def test_meetings_filtered_by_process(world: World) -> None:
    client = world.client_for("convener")

    mine = client.get("/api/v1/meetings", {"process_id": world.mine["process_id"]}).json()
    theirs = client.get("/api/v1/meetings", {"process_id": world.theirs["process_id"]}).json()

    assert [m["id"] for m in mine["items"]] == [world.mine["meeting_id"]]
    assert theirs == {"items": [], "count": 0}


def test_convener_opens_a_process_and_becomes_its_convener(world: World) -> None:
    response = world.client_for("convener").post(
        "/api/v1/processes",
        {
            "conflict_id": world.mine["conflict_id"],
            "title": "Fisheries working group",
            "declared_track": "1.5",
            "convener_organisation_id": world.mine["organisation_id"],
        },
        content_type=JSON,
    )

    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "convener"
    assert body["convener_organisation"]["id"] == world.mine["organisation_id"]
    assert Membership.objects.get(process_id=body["id"]).role == Role.CONVENER


def test_a_process_cannot_end_before_it_starts(world: World) -> None:
    response = world.client_for("convener").patch(
        f"/api/v1/processes/{world.mine['process_id']}",
        {"start_date": "2025-06-01", "end_date": "2025-01-01"},
        content_type=JSON,
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "end_date", "message": "The process cannot end before it starts."}
    ]
    assert Process.objects.get(pk=world.mine["process_id"]).start_date is None


def test_facilitator_schedules_a_meeting_with_its_own_track(world: World) -> None:
    response = world.client_for("facilitator").post(
        "/api/v1/meetings",
        {
            "process_id": world.mine["process_id"],
            "title": "Round 2",
            "date": "2025-05-01",
            "declared_track": "1.5",
            "working_languages": ["en", "ar"],
        },
        content_type=JSON,
    )

    assert response.status_code == 201
    meeting = Meeting.objects.get(pk=response.json()["id"])
    assert (meeting.declared_track, meeting.date) == ("1.5", datetime.date(2025, 5, 1))
    assert AuditEvent.objects.filter(action="processes.meeting.scheduled").exists()


def test_a_meeting_can_follow_the_process_s_track_again(world: World) -> None:
    Meeting.objects.filter(pk=world.mine["meeting_id"]).update(declared_track="1")

    response = world.client_for("facilitator").patch(
        f"/api/v1/meetings/{world.mine['meeting_id']}", {"declared_track": None}, content_type=JSON
    )

    assert response.json()["declared_track"] is None
    assert Meeting.objects.get(pk=world.mine["meeting_id"]).declared_track == ""


def test_a_meeting_without_a_date_is_refused(world: World) -> None:
    before = Meeting.objects.count()

    response = world.client_for("facilitator").post(
        "/api/v1/meetings",
        {"process_id": world.mine["process_id"], "title": "Round 2", "date": "soon"},
        content_type=JSON,
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["date"]
    assert Meeting.objects.count() == before


def test_facilitator_records_attendance_in_a_capacity(world: World) -> None:
    newcomer = ParticipantFactory(process=world.workspace.process).person

    response = world.client_for("facilitator").post(
        f"/api/v1/meetings/{world.mine['meeting_id']}/attendance",
        {"person_id": newcomer.pk, "capacity_override": "diplomat", "is_acting_officially": True},
        content_type=JSON,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["person"] == {
        "id": newcomer.pk,
        "pseudonym": newcomer.pseudonym,
        "display_name": newcomer.display_name,
    }
    assert (body["status"], body["capacity"], body["capacity_override"]) == (
        "attended",
        "diplomat",
        "diplomat",
    )


def test_attendance_needs_the_person_on_the_roster(world: World) -> None:
    # Someone the facilitator can see through a second process, but not on this roster.
    ws = world.workspace
    second = Process.objects.create(conflict=ws.process.conflict, title="Second")
    Membership.objects.create(user=ws.facilitator, process=second, role=Role.FACILITATOR)
    elsewhere = ParticipantFactory(process=second).person
    before = Attendance.objects.count()

    response = world.client_for("facilitator").post(
        f"/api/v1/meetings/{world.mine['meeting_id']}/attendance",
        {"person_id": elsewhere.pk},
        content_type=JSON,
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "person", "message": "Add this person to the process's participants first."}
    ]
    assert Attendance.objects.count() == before


def test_attendance_of_another_process_s_person_is_not_found(world: World) -> None:
    response = world.client_for("facilitator").post(
        f"/api/v1/meetings/{world.mine['meeting_id']}/attendance",
        {"person_id": world.theirs["person_id"]},
        content_type=JSON,
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No such person."}


def test_updating_attendance_changes_only_the_fields_sent(world: World) -> None:
    world.attendance.capacity_override = Capacity.DIPLOMAT
    world.attendance.save()
    url = f"/api/v1/meetings/{world.mine['meeting_id']}/attendance/{world.mine['person_id']}"

    response = world.client_for("facilitator").patch(url, {"status": "excused"}, content_type=JSON)

    world.attendance.refresh_from_db()
    assert response.status_code == 200
    assert (world.attendance.status, world.attendance.capacity_override) == ("excused", "diplomat")


def test_a_null_capacity_override_clears_it(world: World) -> None:
    world.attendance.capacity_override = Capacity.DIPLOMAT
    world.attendance.save()
    url = f"/api/v1/meetings/{world.mine['meeting_id']}/attendance/{world.mine['person_id']}"

    response = world.client_for("facilitator").patch(
        url, {"capacity_override": None}, content_type=JSON
    )

    assert response.json()["capacity"] == "academic"  # from the affiliation again
    world.attendance.refresh_from_db()
    assert world.attendance.capacity_override == ""


def test_an_unknown_attendance_status_is_refused(world: World) -> None:
    url = f"/api/v1/meetings/{world.mine['meeting_id']}/attendance/{world.mine['person_id']}"

    response = world.client_for("facilitator").patch(url, {"status": "maybe"}, content_type=JSON)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["status"]
    world.attendance.refresh_from_db()
    assert world.attendance.status == "attended"


def test_removing_attendance_deletes_it(world: World) -> None:
    url = f"/api/v1/meetings/{world.mine['meeting_id']}/attendance/{world.mine['person_id']}"

    response = world.client_for("convener").delete(url)

    assert response.status_code == 204
    assert not Attendance.objects.filter(pk=world.attendance.pk).exists()


def test_attendance_of_someone_not_recorded_is_not_found(world: World) -> None:
    newcomer = ParticipantFactory(process=world.workspace.process).person
    url = f"/api/v1/meetings/{world.mine['meeting_id']}/attendance/{newcomer.pk}"

    response = world.client_for("convener").delete(url)

    assert response.status_code == 404
    assert response.json() == {"detail": "No such attendance."}


def test_convener_puts_a_person_they_can_see_on_another_roster(world: World) -> None:
    ws = world.workspace
    second = Process.objects.create(conflict=ws.process.conflict, title="Second")
    Membership.objects.create(user=ws.convener, process=second, role=Role.CONVENER)

    response = world.client_for("convener").post(
        f"/api/v1/processes/{second.pk}/roster",
        {"person_id": world.mine["person_id"]},
        content_type=JSON,
    )

    assert response.status_code == 200
    assert second.roster.filter(person_id=world.mine["person_id"]).exists()
