"""Meeting pages: scheduling, the page itself, editing, agenda, notes and follow-ups."""

from __future__ import annotations

import datetime
from typing import Any, cast

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from multitrack.accounts.models import AuditEvent
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Person
from multitrack.processes.models import AgendaItem, FollowUp, GroundRules, Meeting, Note
from multitrack.processes.rules import Track
from tests.conftest import Workspace
from tests.factories import (
    AffiliationFactory,
    AttendanceFactory,
    ParticipantFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def meeting_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Water sharing round",
        "date": "2026-03-12",
        "place": "Geneva",
        "declared_track": "",
        "status": "planned",
        "working_languages": "Arabic, English,  , Arabic",
        "interpretation_languages": "French",
    }
    data.update(overrides)
    return data


# Scheduling ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["convener", "facilitator"])
def test_a_meeting_is_scheduled_with_its_languages_as_lists(
    workspace: Workspace, role: str
) -> None:
    client = workspace.client_for(getattr(workspace, role))
    url = reverse("meeting-create", args=[workspace.process.pk])
    form = client.get(url).content.decode()
    for name in ("title", "date", "place"):
        assert f'name="{name}"' in form

    response = client.post(url, meeting_data())

    meeting = Meeting.objects.get(title="Water sharing round")
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.process == workspace.process
    assert meeting.date == datetime.date(2026, 3, 12)
    assert meeting.working_languages == ["Arabic", "English"]
    assert meeting.interpretation_languages == ["French"]
    assert AuditEvent.objects.filter(action="processes.meeting.scheduled").exists()


def test_an_invalid_meeting_keeps_the_input_and_says_why(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    response = client.post(
        reverse("meeting-create", args=[workspace.process.pk]), meeting_data(date="someday")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid date." in html
    assert 'value="Water sharing round"' in html
    assert 'value="Arabic, English"' in html or 'value="Arabic, English,  , Arabic"' in html
    assert not Meeting.objects.filter(title="Water sharing round").exists()


@pytest.mark.parametrize("role", ["analyst", "observer"])
def test_members_who_do_not_record_meetings_cannot_schedule_one(
    workspace: Workspace, role: str
) -> None:
    client = workspace.client_for(getattr(workspace, role))
    url = reverse("meeting-create", args=[workspace.process.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, meeting_data()).status_code == 403
    assert not Meeting.objects.filter(title="Water sharing round").exists()


def test_outsider_cannot_schedule_a_meeting(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.outsider)
    url = reverse("meeting-create", args=[workspace.process.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, meeting_data()).status_code == 404


def test_meeting_create_rejects_put(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    assert client.put(reverse("meeting-create", args=[workspace.process.pk])).status_code == 405


# The meeting page ------------------------------------------------------------------------------


def test_the_meeting_page_shows_facts_and_the_derived_track_in_words(
    workspace: Workspace,
) -> None:
    meeting = workspace.meeting
    meeting.place = "Nicosia"
    meeting.working_languages = ["Greek", "Turkish"]
    meeting.interpretation_languages = ["English"]
    meeting.save()
    for capacity in [Capacity.MID_LEVEL_OFFICIAL] * 2 + [Capacity.ACADEMIC] * 9:
        person = ParticipantFactory(process=workspace.process).person
        AffiliationFactory(person=person, capacity=capacity)
        AttendanceFactory(meeting=meeting, person=person)
    client = workspace.client_for(workspace.observer)

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert "Nicosia" in html
    assert "Greek, Turkish" in html
    assert "English" in html
    assert "Planned" in html
    derived = html.split('id="derived-track"')[1].split("</section>")[0]
    assert '<span class="badge track-1-5">Track 1.5</span>' in derived
    assert "Track 1.5: 2 serving officials (mid-level), 9 non-officials" in derived
    assert "Declared as Track 2" in derived
    assert 'id="htmx-error"' in html


def test_a_meetings_own_declared_track_is_compared(workspace: Workspace) -> None:
    meeting = workspace.meeting
    meeting.declared_track = Track.TRACK_1_5
    meeting.save()
    person = workspace.person
    AffiliationFactory(person=person, capacity=Capacity.ACADEMIC)
    AttendanceFactory(meeting=meeting, person=person)

    html = workspace.client_for(workspace.observer).get(meeting.get_absolute_url()).content
    derived = html.decode().split('id="derived-track"')[1].split("</section>")[0]

    assert "Declared as Track 1.5, but by who attended this meeting ran at Track 2." in derived


def test_the_meeting_page_costs_the_same_queries_for_more_people(workspace: Workspace) -> None:
    def add_people(count: int) -> None:
        for _ in range(count):
            person = cast(Person, ParticipantFactory(process=workspace.process).person)
            AffiliationFactory(person=person, capacity=Capacity.DIPLOMAT)
            AttendanceFactory(meeting=workspace.meeting, person=person)
            FollowUp.objects.create(meeting=workspace.meeting, description="Call", owner=person)
            Note.objects.create(meeting=workspace.meeting, text="Fine.")
            AgendaItem.objects.create(meeting=workspace.meeting, title="Point")

    def queries() -> int:
        client = workspace.client_for(workspace.convener)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(workspace.meeting.get_absolute_url()).status_code == 200
        return len(captured)

    add_people(1)
    before = queries()
    add_people(5)

    assert queries() == before


def test_outsider_gets_404_for_a_meeting(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.outsider)

    assert client.get(workspace.meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("meeting-edit", args=[workspace.meeting.pk])).status_code == 404


def test_a_member_gets_404_for_another_process_meeting(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    assert client.get(workspace.other_meeting.get_absolute_url()).status_code == 404


def test_the_meeting_page_rejects_post(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    assert client.post(workspace.meeting.get_absolute_url()).status_code == 405


def test_anonymous_users_are_sent_to_login(workspace: Workspace) -> None:
    pk = workspace.meeting.pk
    login = resolve_url(settings.LOGIN_URL)
    gets = [
        reverse("meeting-create", args=[workspace.process.pk]),
        reverse("meeting-detail", args=[pk]),
        reverse("meeting-edit", args=[pk]),
    ]
    posts = [
        reverse("agenda-item-add", args=[pk]),
        reverse("note-add", args=[pk]),
        reverse("follow-up-add", args=[pk]),
    ]

    for url in gets:
        assert Client().get(url)["Location"].startswith(login), url
    for url in posts:
        assert Client().post(url, {"text": "x"})["Location"].startswith(login), url
    assert not Note.objects.exists()


# Editing ---------------------------------------------------------------------------------------


def test_the_edit_form_shows_languages_comma_separated_and_saves_them(
    workspace: Workspace,
) -> None:
    meeting = workspace.meeting
    meeting.working_languages = ["Greek", "Turkish"]
    meeting.save()
    client = workspace.client_for(workspace.facilitator)
    url = reverse("meeting-edit", args=[meeting.pk])

    assert 'value="Greek, Turkish"' in client.get(url).content.decode()
    response = client.post(
        url, meeting_data(title="Renamed", working_languages="English", status="held")
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.working_languages, meeting.status) == (
        "Renamed",
        ["English"],
        "held",
    )


@pytest.mark.parametrize("role", ["analyst", "observer"])
def test_members_who_do_not_record_meetings_cannot_edit_one(
    workspace: Workspace, role: str
) -> None:
    client = workspace.client_for(getattr(workspace, role))
    url = reverse("meeting-edit", args=[workspace.meeting.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, meeting_data(title="Renamed")).status_code == 403
    workspace.meeting.refresh_from_db()
    assert workspace.meeting.title != "Renamed"


def test_meeting_edit_rejects_delete(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    assert client.delete(reverse("meeting-edit", args=[workspace.meeting.pk])).status_code == 405


# Agenda ----------------------------------------------------------------------------------------


def test_an_agenda_item_is_added(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        reverse("agenda-item-add", args=[workspace.meeting.pk]),
        {"title": "Fishing rights", "description": "Seasonal access"},
    )

    assert response.status_code == 302
    assert "Fishing rights" in client.get(workspace.meeting.get_absolute_url()).content.decode()
    assert AgendaItem.objects.get().position == 1


def test_an_empty_agenda_item_is_refused_next_to_the_field(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        reverse("agenda-item-add", args=[workspace.meeting.pk]),
        {"title": "", "description": "Kept text"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert "Kept text" in html
    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "observer"])
def test_members_who_do_not_record_meetings_cannot_add_agenda_items(
    workspace: Workspace, role: str
) -> None:
    client = workspace.client_for(getattr(workspace, role))

    response = client.post(
        reverse("agenda-item-add", args=[workspace.meeting.pk]), {"title": "Mine"}
    )

    assert response.status_code == 403
    assert not AgendaItem.objects.exists()


def test_outsider_cannot_add_agenda_items(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.outsider)

    response = client.post(reverse("agenda-item-add", args=[workspace.meeting.pk]), {"title": "X"})

    assert response.status_code == 404


def test_agenda_add_rejects_get(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    assert client.get(reverse("agenda-item-add", args=[workspace.meeting.pk])).status_code == 405


# Notes -----------------------------------------------------------------------------------------


def note_url(workspace: Workspace) -> str:
    return reverse("note-add", args=[workspace.meeting.pk])


def test_a_facilitator_writes_a_note(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(note_url(workspace), {"text": "Agreement on the ferry timetable."})

    assert response.status_code == 302
    assert response["Location"] == f"{workspace.meeting.get_absolute_url()}#notes"
    assert Note.objects.get().written_by == workspace.facilitator


def test_a_note_naming_someone_is_refused_keeping_the_text_and_naming_the_words(
    workspace: Workspace,
) -> None:
    ParticipantFactory(
        process=workspace.process,
        person=PersonFactory(display_name="Amira Haddad", pseudonym="Cedar"),
    )
    client = workspace.client_for(workspace.facilitator)
    text = "Then Amira Haddad proposed a joint patrol."

    response = client.post(note_url(workspace), {"text": text})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Chatham House Rule" in html
    assert "“Amira Haddad”" in html
    assert f"{text}</textarea>" in html
    assert 'name="override_reason"' in html
    assert not Note.objects.exists()


def test_the_override_reason_is_asked_for_only_after_a_refusal(workspace: Workspace) -> None:
    html = workspace.client_for(workspace.facilitator).get(workspace.meeting.get_absolute_url())

    assert 'name="text"' in html.content.decode()
    assert 'name="override_reason"' not in html.content.decode()


def test_saving_with_a_reason_records_it(workspace: Workspace) -> None:
    ParticipantFactory(
        process=workspace.process,
        person=PersonFactory(display_name="Amira Haddad", pseudonym="Cedar"),
    )
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        note_url(workspace),
        {
            "text": "Amira Haddad will host the next round.",
            "override_reason": "Logistics, agreed by all in the room.",
        },
    )

    assert response.status_code == 302
    note = Note.objects.get()
    assert note.attribution_override_reason == "Logistics, agreed by all in the room."
    assert note.attribution_override_terms == ["Amira Haddad"]
    page = client.get(workspace.meeting.get_absolute_url()).content.decode()
    assert "Reason given: Logistics, agreed by all in the room." in page


def test_an_empty_note_is_refused_next_to_the_field(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(note_url(workspace), {"text": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Note.objects.exists()


def test_notes_under_chatham_house_are_shown_without_their_author(workspace: Workspace) -> None:
    Note.objects.create(
        meeting=workspace.meeting, text="Ferries agreed.", written_by=workspace.facilitator
    )

    html = workspace.client_for(workspace.analyst).get(workspace.meeting.get_absolute_url())

    notes = html.content.decode().split('id="notes"')[1].split("</section>")[0]
    assert "Ferries agreed." in notes
    assert "facilitator" not in notes


def test_notes_on_the_record_show_their_author(workspace: Workspace) -> None:
    workspace.process.ground_rules = GroundRules.ON_THE_RECORD
    workspace.process.save()
    Note.objects.create(
        meeting=workspace.meeting, text="Ferries agreed.", written_by=workspace.facilitator
    )

    html = workspace.client_for(workspace.analyst).get(workspace.meeting.get_absolute_url())

    notes = html.content.decode().split('id="notes"')[1].split("</section>")[0]
    assert "facilitator" in notes


def test_an_analyst_reads_notes_but_cannot_write_them(workspace: Workspace) -> None:
    Note.objects.create(meeting=workspace.meeting, text="Ferries agreed.")
    client = workspace.client_for(workspace.analyst)

    html = client.get(workspace.meeting.get_absolute_url()).content.decode()

    assert "Ferries agreed." in html
    assert "Write a note" not in html
    assert client.post(note_url(workspace), {"text": "Mine."}).status_code == 403
    assert Note.objects.count() == 1


def test_an_observer_sees_no_notes_not_even_how_many(workspace: Workspace) -> None:
    Note.objects.create(meeting=workspace.meeting, text="Ferries agreed.")
    client = workspace.client_for(workspace.observer)

    html = client.get(workspace.meeting.get_absolute_url()).content.decode()

    main = html.split('<main id="main">')[1].split("</main>")[0]
    assert "Ferries agreed." not in main
    assert 'id="notes"' not in main
    assert "note" not in main.lower()
    assert client.post(note_url(workspace), {"text": "Mine."}).status_code == 403


def test_outsider_cannot_write_notes(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.outsider)

    assert client.post(note_url(workspace), {"text": "Mine."}).status_code == 404
    assert not Note.objects.exists()


def test_note_add_rejects_get(workspace: Workspace) -> None:
    assert workspace.client_for(workspace.convener).get(note_url(workspace)).status_code == 405


# Follow-ups ------------------------------------------------------------------------------------


def follow_up_url(workspace: Workspace) -> str:
    return reverse("follow-up-add", args=[workspace.meeting.pk])


def test_a_follow_up_is_added_with_an_owner_from_the_roster(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        follow_up_url(workspace),
        {"description": "Send the draft", "owner": workspace.person.pk, "due_date": "2026-04-01"},
    )

    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert (follow_up.owner, follow_up.due_date) == (workspace.person, datetime.date(2026, 4, 1))
    page = client.get(workspace.meeting.get_absolute_url()).content.decode()
    assert "Send the draft" in page
    assert workspace.person.display_name in page


def test_a_follow_up_can_have_an_owner_outside_the_registry(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    client.post(
        follow_up_url(workspace), {"description": "Book rooms", "owner_note": "convening team"}
    )

    assert FollowUp.objects.get().owner_note == "convening team"


def test_a_follow_up_owner_must_be_on_the_roster(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    response = client.post(
        follow_up_url(workspace),
        {"description": "Leak it", "owner": workspace.other_person.pk},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in html
    assert 'value="Leak it"' in html
    assert not FollowUp.objects.exists()


def test_a_follow_up_is_marked_done_and_open_again(workspace: Workspace) -> None:
    follow_up = FollowUp.objects.create(meeting=workspace.meeting, description="Send the draft")
    client = workspace.client_for(workspace.facilitator)
    url = reverse("follow-up-set-done", args=[workspace.meeting.pk, follow_up.pk])

    assert client.post(url, {"is_done": "1"}).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.is_done
    client.post(url)
    follow_up.refresh_from_db()
    assert not follow_up.is_done


@pytest.mark.parametrize("role", ["analyst", "observer"])
def test_members_who_do_not_record_meetings_cannot_change_follow_ups(
    workspace: Workspace, role: str
) -> None:
    follow_up = FollowUp.objects.create(meeting=workspace.meeting, description="Send the draft")
    client = workspace.client_for(getattr(workspace, role))
    done_url = reverse("follow-up-set-done", args=[workspace.meeting.pk, follow_up.pk])

    assert client.post(follow_up_url(workspace), {"description": "Mine"}).status_code == 403
    assert client.post(done_url, {"is_done": "1"}).status_code == 403
    follow_up.refresh_from_db()
    assert not follow_up.is_done
    assert FollowUp.objects.count() == 1


def test_outsider_cannot_touch_follow_ups(workspace: Workspace) -> None:
    follow_up = FollowUp.objects.create(meeting=workspace.meeting, description="Send the draft")
    client = workspace.client_for(workspace.outsider)
    done_url = reverse("follow-up-set-done", args=[workspace.meeting.pk, follow_up.pk])

    assert client.post(follow_up_url(workspace), {"description": "Mine"}).status_code == 404
    assert client.post(done_url, {"is_done": "1"}).status_code == 404


def test_a_follow_up_of_another_meeting_is_not_found_through_this_one(
    workspace: Workspace,
) -> None:
    foreign = FollowUp.objects.create(meeting=workspace.other_meeting, description="Secret")
    client = workspace.client_for(workspace.convener)
    url = reverse("follow-up-set-done", args=[workspace.meeting.pk, foreign.pk])

    assert client.post(url, {"is_done": "1"}).status_code == 404
    foreign.refresh_from_db()
    assert not foreign.is_done


def test_follow_up_urls_reject_get(workspace: Workspace) -> None:
    follow_up = FollowUp.objects.create(meeting=workspace.meeting, description="Send the draft")
    client = workspace.client_for(workspace.convener)

    assert client.get(follow_up_url(workspace)).status_code == 405
    done_url = reverse("follow-up-set-done", args=[workspace.meeting.pk, follow_up.pk])
    assert client.get(done_url).status_code == 405


# Confirming ------------------------------------------------------------------------------------


def confirm_url(workspace: Workspace) -> str:
    return reverse("meeting-confirm", args=[workspace.meeting.pk])


def clear_meeting(workspace: Workspace) -> Meeting:
    """The workspace's meeting with nothing for its checks to find."""
    meeting = workspace.meeting
    meeting.working_languages = ["English"]
    meeting.date = datetime.date(2025, 6, 3)
    meeting.place = "Geneva"
    meeting.save()
    workspace.person.languages = ["English"]
    workspace.person.save()
    return meeting


def test_the_meeting_page_shows_the_checks_and_a_confirm_button(workspace: Workspace) -> None:
    html = workspace.client_for(workspace.facilitator).get(workspace.meeting.get_absolute_url())

    section = html.content.decode().split('id="meeting-checks"')[1].split("</section>")[0]
    assert "3 open issues" in section
    assert "No working language is set for the meeting." in section
    assert confirm_url(workspace) in section


def test_observers_see_the_checks_but_no_confirm_button(workspace: Workspace) -> None:
    html = workspace.client_for(workspace.observer).get(workspace.meeting.get_absolute_url())

    page = html.content.decode()
    assert 'id="meeting-checks"' in page
    assert confirm_url(workspace) not in page


def test_a_held_meeting_shows_no_checks(workspace: Workspace) -> None:
    Meeting.objects.filter(pk=workspace.meeting.pk).update(status=Meeting.Status.HELD)

    html = workspace.client_for(workspace.convener).get(workspace.meeting.get_absolute_url())

    assert 'id="meeting-checks"' not in html.content.decode()


@pytest.mark.parametrize("role", ["convener", "facilitator"])
def test_a_meeting_without_issues_is_confirmed_from_its_checks(
    workspace: Workspace, role: str
) -> None:
    meeting = clear_meeting(workspace)
    client = workspace.client_for(getattr(workspace, role))

    page = client.get(confirm_url(workspace))
    assert "The checks found nothing to resolve." in page.content.decode()
    assert "Confirm anyway" not in page.content.decode()
    response = client.post(confirm_url(workspace))

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CONFIRMED
    assert AuditEvent.objects.filter(action="processes.meeting.confirmed").count() == 1


def test_the_checks_are_shown_before_confirming(workspace: Workspace) -> None:
    page = workspace.client_for(workspace.facilitator).get(confirm_url(workspace))

    html = page.content.decode()
    assert page.status_code == 200
    assert "The checks found 3 open issues." in html
    assert 'id="check-observances"' in html
    assert 'name="acknowledge_issues"' in html
    assert "Confirm anyway" in html


def test_open_issues_without_the_acknowledgement_leave_the_meeting_planned(
    workspace: Workspace,
) -> None:
    response = workspace.client_for(workspace.facilitator).post(confirm_url(workspace))

    assert response.status_code == 200
    assert "The checks found 3 open issue(s)" in response.content.decode()
    workspace.meeting.refresh_from_db()
    assert workspace.meeting.status == Meeting.Status.PLANNED
    assert not AuditEvent.objects.filter(action__startswith="processes.meeting.confirm").exists()


def test_confirm_anyway_confirms_and_is_audited_without_content(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.facilitator).post(
        confirm_url(workspace), {"acknowledge_issues": "1"}
    )

    assert response.status_code == 302
    workspace.meeting.refresh_from_db()
    assert workspace.meeting.status == Meeting.Status.CONFIRMED
    event = AuditEvent.objects.get(action__startswith="processes.meeting.confirm")
    assert (event.action, event.actor, event.target_id) == (
        "processes.meeting.confirmed_anyway",
        workspace.facilitator,
        str(workspace.meeting.pk),
    )


@pytest.mark.parametrize("role", ["observer", "analyst"])
def test_members_who_do_not_record_meetings_cannot_confirm(workspace: Workspace, role: str) -> None:
    client = workspace.client_for(getattr(workspace, role))

    assert client.get(confirm_url(workspace)).status_code == 403
    assert client.post(confirm_url(workspace), {"acknowledge_issues": "1"}).status_code == 403
    workspace.meeting.refresh_from_db()
    assert workspace.meeting.status == Meeting.Status.PLANNED


def test_outsider_cannot_confirm_a_meeting(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.outsider)

    assert client.get(confirm_url(workspace)).status_code == 404
    assert client.post(confirm_url(workspace), {"acknowledge_issues": "1"}).status_code == 404


def test_meeting_confirm_rejects_put(workspace: Workspace) -> None:
    assert workspace.client_for(workspace.convener).put(confirm_url(workspace)).status_code == 405


def test_a_confirmed_meeting_is_not_confirmed_again(workspace: Workspace) -> None:
    Meeting.objects.filter(pk=workspace.meeting.pk).update(status=Meeting.Status.CONFIRMED)

    response = workspace.client_for(workspace.convener).post(
        confirm_url(workspace), {"acknowledge_issues": "1"}
    )

    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="processes.meeting.confirm").exists()


def test_the_edit_form_cannot_confirm_a_meeting(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    response = client.post(
        reverse("meeting-edit", args=[workspace.meeting.pk]), meeting_data(status="confirmed")
    )

    assert response.status_code == 200
    # The form does not offer "confirmed" for a planned meeting; the service refuses it too.
    assert "is not one of the available choices" in response.content.decode()
    workspace.meeting.refresh_from_db()
    assert workspace.meeting.status == Meeting.Status.PLANNED
