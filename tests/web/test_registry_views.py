"""The dashboard, the shared template tags and the registry pages: people, organisations,
conflicts. Every page is tried by the standing users; outsiders must learn nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Permission as AuthPermission
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from multitrack.accounts.models import AuditEvent, Role
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Affiliation, Conflict, Organisation, Party, Person
from multitrack.processes.models import FollowUp, ProcessParticipant
from multitrack.processes.rules import Track
from tests.conftest import Workspace
from tests.factories import (
    AffiliationFactory,
    AttendanceFactory,
    MeetingFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartyFactory,
    ProcessFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is right for production and far too slow for six standing users per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


HTMX = {"HTTP_HX_REQUEST": "true"}
READERS = ["analyst", "observer"]  # members without need-to-know or the right to edit people


def text_of(response: Any) -> str:
    return response.content.decode()


def client_of(workspace: Workspace, role: str) -> Client:
    return workspace.client_for(getattr(workspace, role))


def person_with_details(workspace: Workspace) -> Person:
    person = workspace.person
    person.aliases = ["Abu Karim"]
    person.email = "secret@example.org"
    person.phone = "+961 1 234 567"
    person.save()
    return person


def allow_conflict_creation(user: Any) -> None:
    user.user_permissions.add(
        AuthPermission.objects.get(codename="add_conflict", content_type__app_label="actors")
    )


# Anonymous visitors and wrong methods ------------------------------------------------------


def registry_urls(workspace: Workspace) -> list[str]:
    organisation = OrganisationFactory(created_by=workspace.convener)
    return [
        reverse("dashboard"),
        reverse("person-list"),
        reverse("person-create"),
        reverse("person-detail", args=[workspace.person.pk]),
        reverse("person-edit", args=[workspace.person.pk]),
        reverse("organisation-list"),
        reverse("organisation-create"),
        reverse("organisation-detail", args=[organisation.pk]),
        reverse("conflict-list"),
        reverse("conflict-create"),
        reverse("conflict-detail", args=[workspace.process.conflict_id]),
    ]


def test_anonymous_visitor_is_redirected_to_login_from_every_registry_page(
    workspace: Workspace, client: Client
) -> None:
    for url in registry_urls(workspace):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_anonymous_visitor_is_redirected_to_login_from_every_registry_action(
    workspace: Workspace, client: Client
) -> None:
    affiliation = AffiliationFactory(person=workspace.person)
    for url in [
        reverse("affiliation-add", args=[workspace.person.pk]),
        reverse("affiliation-remove", args=[workspace.person.pk, affiliation.pk]),
        reverse("party-add", args=[workspace.process.conflict_id]),
    ]:
        response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert Affiliation.objects.filter(pk=affiliation.pk).exists()


@pytest.mark.parametrize("name", ["dashboard", "person-list", "organisation-list", "conflict-list"])
def test_list_pages_reject_post(workspace: Workspace, name: str) -> None:
    response = workspace.client_for(workspace.convener).post(reverse(name))
    assert response.status_code == 405


def test_detail_pages_reject_post(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    assert client.post(reverse("person-detail", args=[workspace.person.pk])).status_code == 405
    conflict_url = reverse("conflict-detail", args=[workspace.process.conflict_id])
    assert client.post(conflict_url).status_code == 405


def test_action_urls_reject_get(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    affiliation = AffiliationFactory(person=workspace.person)
    for url in [
        reverse("affiliation-add", args=[workspace.person.pk]),
        reverse("affiliation-remove", args=[workspace.person.pk, affiliation.pk]),
        reverse("party-add", args=[workspace.process.conflict_id]),
    ]:
        assert client.get(url).status_code == 405, url


def test_forms_reject_put(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    for url in [
        reverse("person-create"),
        reverse("person-edit", args=[workspace.person.pk]),
        reverse("organisation-create"),
        reverse("conflict-create"),
    ]:
        assert client.put(url).status_code == 405, url


# Template tags -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("track", "html"),
    [
        (Track.TRACK_1, '<span class="badge track-1">Track 1</span>'),
        ("1.5", '<span class="badge track-1-5">Track 1.5</span>'),
        (Track.TRACK_2, '<span class="badge track-2">Track 2</span>'),
        (None, '<span class="badge track-none">No track</span>'),
        ("", '<span class="badge track-none">No track</span>'),
    ],
)
def test_track_badge_renders_a_badge_for_each_track(track: Any, html: str) -> None:
    rendered = Template("{% load multitrack %}{% track_badge track %}").render(
        Context({"track": track})
    )
    assert rendered == html


def render_person_name(user: Any, person: Person) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load multitrack %}{% person_name person %}")
    return template.render(Context({"request": request, "person": person}))


def test_person_name_tag_shows_real_name_to_facilitator(workspace: Workspace) -> None:
    assert render_person_name(workspace.facilitator, workspace.person) == (
        workspace.person.display_name
    )


@pytest.mark.parametrize("role", [*READERS, "outsider"])
def test_person_name_tag_shows_pseudonym_without_need_to_know(
    workspace: Workspace, role: str
) -> None:
    rendered = render_person_name(getattr(workspace, role), workspace.person)
    assert rendered == workspace.person.pseudonym


def test_person_name_tag_escapes_names() -> None:
    person = Person(pseudonym="<b>P</b>", display_name="x")
    rendered = Template("{% load multitrack %}{% person_name person %}").render(
        Context({"person": person})
    )
    assert rendered == "&lt;b&gt;P&lt;/b&gt;"


def test_person_name_tag_asks_the_database_once_per_request(
    workspace: Workspace, django_assert_num_queries: Any
) -> None:
    people = [ParticipantFactory(process=workspace.process).person for _ in range(5)]
    request = RequestFactory().get("/")
    request.user = workspace.facilitator
    template = Template(
        "{% load multitrack %}{% for p in people %}{% person_name p %};{% endfor %}"
    )
    with django_assert_num_queries(2):  # the user's roles, then the people they may name
        rendered = template.render(Context({"request": request, "people": people}))
    assert all(p.display_name in rendered for p in people)


# Dashboard ---------------------------------------------------------------------------------


def test_dashboard_lists_the_users_processes_only(workspace: Workspace) -> None:
    page = text_of(workspace.client_for(workspace.observer).get(reverse("dashboard")))
    assert workspace.process.title in page
    assert workspace.other_process.title not in page
    assert '<span class="badge track-2">Track 2</span>' in page


def test_dashboard_warns_when_a_meeting_ran_at_another_track_than_declared(
    workspace: Workspace,
) -> None:
    official = ParticipantFactory(process=workspace.process).person
    AffiliationFactory(person=official, capacity=Capacity.MID_LEVEL_OFFICIAL)
    AttendanceFactory(meeting=workspace.meeting, person=official)
    academic = ParticipantFactory(process=workspace.process).person
    AffiliationFactory(person=academic, capacity=Capacity.ACADEMIC)
    AttendanceFactory(meeting=workspace.meeting, person=academic)
    page = text_of(workspace.client_for(workspace.analyst).get(reverse("dashboard")))
    assert 'class="warning"' in page
    assert "Track 1.5: 1 serving official (mid-level), 1 non-official" in page
    assert "1 at Track 1.5" in page


def test_dashboard_shows_upcoming_meetings_and_follow_ups_due(workspace: Workspace) -> None:
    today = timezone.localdate()
    upcoming = MeetingFactory(
        process=workspace.process, title="Next round", date=today + datetime.timedelta(days=3)
    )
    MeetingFactory(
        process=workspace.other_process,
        title="Stranger round",
        date=today + datetime.timedelta(days=3),
    )
    FollowUp.objects.create(
        meeting=upcoming,
        description="Circulate the non-paper",
        owner=workspace.person,
        due_date=today - datetime.timedelta(days=1),
    )
    FollowUp.objects.create(
        meeting=workspace.other_meeting, description="Stranger task", due_date=today
    )
    FollowUp.objects.create(
        meeting=upcoming, description="Done already", due_date=today, is_done=True
    )
    FollowUp.objects.create(
        meeting=upcoming, description="Far away", due_date=today + datetime.timedelta(days=90)
    )
    page = text_of(workspace.client_for(workspace.observer).get(reverse("dashboard")))
    assert "Next round" in page
    assert "Stranger round" not in page
    assert "Circulate the non-paper" in page
    assert "overdue" in page
    assert workspace.person.pseudonym in page
    assert workspace.person.display_name not in page
    assert "Stranger task" not in page
    assert "Done already" not in page
    assert "Far away" not in page


def test_dashboard_shows_follow_up_owner_by_real_name_to_facilitator(
    workspace: Workspace,
) -> None:
    FollowUp.objects.create(
        meeting=workspace.meeting,
        description="Call back",
        owner=workspace.person,
        due_date=timezone.localdate(),
    )
    page = text_of(workspace.client_for(workspace.facilitator).get(reverse("dashboard")))
    assert workspace.person.display_name in page


def test_dashboard_queries_do_not_grow_with_processes_and_meetings(
    workspace: Workspace, django_assert_max_num_queries: Any
) -> None:
    today = timezone.localdate()
    for _ in range(4):
        process = ProcessFactory()
        member(workspace.convener, process, Role.CONVENER)
        for days in (-10, 5):
            meeting = MeetingFactory(process=process, date=today + datetime.timedelta(days=days))
            for _ in range(3):
                person = ParticipantFactory(process=process).person
                AffiliationFactory(person=person, capacity=Capacity.DIPLOMAT)
                AttendanceFactory(meeting=meeting, person=person)
            FollowUp.objects.create(
                meeting=meeting,
                description="Task",
                owner=person,
                due_date=today,
            )
    client = workspace.client_for(workspace.convener)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200


def test_dashboard_tells_a_user_without_processes_what_to_do(workspace: Workspace) -> None:
    page = text_of(workspace.client_for(workspace.outsider).get(reverse("dashboard")))
    assert "not a member of any process" in page
    assert workspace.process.title not in page


# People: list and search -------------------------------------------------------------------


def test_person_list_shows_real_names_to_facilitator(workspace: Workspace) -> None:
    page = text_of(workspace.client_for(workspace.facilitator).get(reverse("person-list")))
    assert workspace.person.display_name in page


@pytest.mark.parametrize("role", READERS)
def test_person_list_shows_only_pseudonyms_to_analyst_and_observer(
    workspace: Workspace, role: str
) -> None:
    page = text_of(client_of(workspace, role).get(reverse("person-list")))
    assert workspace.person.pseudonym in page
    assert workspace.person.display_name not in page


def test_person_list_never_shows_people_of_other_processes(workspace: Workspace) -> None:
    page = text_of(workspace.client_for(workspace.convener).get(reverse("person-list")))
    assert workspace.other_person.pseudonym not in page
    assert workspace.other_person.display_name not in page


def test_outsider_sees_no_one_in_person_list(workspace: Workspace) -> None:
    page = text_of(workspace.client_for(workspace.outsider).get(reverse("person-list")))
    assert workspace.person.pseudonym not in page
    assert "No one matches." in page


def test_person_search_finds_by_pseudonym(workspace: Workspace) -> None:
    found = ParticipantFactory(process=workspace.process, person__pseudonym="Cedar").person
    response = workspace.client_for(workspace.observer).get(reverse("person-list"), {"q": "ced"})
    assert found.pseudonym in text_of(response)
    assert workspace.person.pseudonym not in text_of(response)


def test_person_search_finds_by_real_name_with_need_to_know(workspace: Workspace) -> None:
    ParticipantFactory(process=workspace.process, person__display_name="Layla Haddad")
    response = workspace.client_for(workspace.facilitator).get(
        reverse("person-list"), {"q": "haddad"}
    )
    assert "Layla Haddad" in text_of(response)


@pytest.mark.parametrize("role", READERS)
def test_person_search_by_real_name_finds_nothing_without_need_to_know(
    workspace: Workspace, role: str
) -> None:
    hidden = ParticipantFactory(process=workspace.process, person__display_name="Layla Haddad")
    response = client_of(workspace, role).get(reverse("person-list"), {"q": "haddad"})
    assert hidden.person.pseudonym not in text_of(response)
    assert "No one matches." in text_of(response)


def test_person_search_by_real_name_does_not_reach_other_processes(
    workspace: Workspace,
) -> None:
    response = workspace.client_for(workspace.facilitator).get(
        reverse("person-list"), {"q": workspace.other_person.display_name}
    )
    assert workspace.other_person.pseudonym not in text_of(response)


def test_person_list_filters_by_party(workspace: Workspace) -> None:
    party = PartyFactory(conflict=workspace.process.conflict, name="Coastal League")
    in_party = ParticipantFactory(process=workspace.process).person
    in_party.parties.add(party)
    response = workspace.client_for(workspace.observer).get(
        reverse("person-list"), {"party": party.pk}
    )
    assert in_party.pseudonym in text_of(response)
    assert workspace.person.pseudonym not in text_of(response)


def test_filtering_by_a_hidden_party_reveals_nothing(workspace: Workspace) -> None:
    hidden = PartyFactory(conflict=workspace.other_process.conflict, name="Hidden Front")
    workspace.person.parties.add(hidden)  # also on the stranger's roster, say
    response = workspace.client_for(workspace.observer).get(
        reverse("person-list"), {"party": hidden.pk}
    )
    assert workspace.person.pseudonym not in text_of(response)


def test_person_list_offers_only_parties_of_visible_conflicts(workspace: Workspace) -> None:
    PartyFactory(conflict=workspace.process.conflict, name="Coastal League")
    PartyFactory(conflict=workspace.other_process.conflict, name="Hidden Front")
    page = text_of(workspace.client_for(workspace.observer).get(reverse("person-list")))
    assert "Coastal League" in page
    assert "Hidden Front" not in page


def test_person_search_as_you_type_returns_only_the_results(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.observer).get(
        reverse("person-list"), {"q": workspace.person.pseudonym}, **HTMX
    )
    page = text_of(response)
    assert page.lstrip().startswith('<div id="person-results">')
    assert "<html" not in page
    assert workspace.person.pseudonym in page


def test_person_list_is_paginated_and_keeps_the_search(workspace: Workspace) -> None:
    for number in range(30):
        ParticipantFactory(process=workspace.process, person__pseudonym=f"Olive {number:02d}")
    client = workspace.client_for(workspace.observer)
    first = text_of(client.get(reverse("person-list"), {"q": "olive"}))
    assert "Olive 00" in first
    assert "Olive 29" not in first
    assert "?q=olive&amp;page=2" in first
    second = text_of(client.get(reverse("person-list"), {"q": "olive", "page": 2}))
    assert "Olive 29" in second


def test_person_list_queries_do_not_grow_with_people(
    workspace: Workspace, django_assert_max_num_queries: Any
) -> None:
    party = PartyFactory(conflict=workspace.process.conflict)
    for _ in range(20):
        person = ParticipantFactory(process=workspace.process).person
        person.parties.add(party)
    client = workspace.client_for(workspace.facilitator)
    # 10, plus the one insert that records, for the audit trail, whose real names were shown.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("person-list"))
    assert response.status_code == 200


# People: detail ----------------------------------------------------------------------------


def test_facilitator_sees_real_name_and_contact_details(workspace: Workspace) -> None:
    person = person_with_details(workspace)
    page = text_of(workspace.client_for(workspace.facilitator).get(person.get_absolute_url()))
    for secret in [person.display_name, "Abu Karim", "secret@example.org", "+961 1 234 567"]:
        assert secret in page
    assert person.pseudonym in page


@pytest.mark.parametrize("role", READERS)
def test_analyst_and_observer_see_the_pseudonym_only_on_person_detail(
    workspace: Workspace, role: str
) -> None:
    person = person_with_details(workspace)
    response = client_of(workspace, role).get(person.get_absolute_url())
    assert response.status_code == 200
    page = text_of(response)
    assert person.pseudonym in page
    for secret in [person.display_name, "Abu Karim", "secret@example.org", "+961 1 234 567"]:
        assert secret not in page
    assert reverse("person-edit", args=[person.pk]) not in page


def test_outsider_gets_404_for_person_detail(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.outsider).get(workspace.person.get_absolute_url())
    assert response.status_code == 404


def test_member_gets_404_for_a_person_in_another_process(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.convener).get(
        workspace.other_person.get_absolute_url()
    )
    assert response.status_code == 404


def test_missing_person_gets_the_same_404(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.convener).get(reverse("person-detail", args=[999]))
    assert response.status_code == 404
    assert "nothing you have access to" in text_of(response)


def test_person_detail_never_reveals_processes_the_viewer_is_not_in(
    workspace: Workspace,
) -> None:
    shared = workspace.person
    ParticipantFactory(process=workspace.other_process, person=shared)
    AttendanceFactory(meeting=workspace.meeting, person=shared)
    AttendanceFactory(meeting=workspace.other_meeting, person=shared)
    other_party = PartyFactory(conflict=workspace.other_process.conflict, name="Hidden Front")
    shared.parties.add(other_party)
    page = text_of(workspace.client_for(workspace.facilitator).get(shared.get_absolute_url()))
    assert workspace.process.title in page
    assert workspace.meeting.title in page
    assert workspace.other_process.title not in page
    assert workspace.other_meeting.title not in page
    assert "Hidden Front" not in page


def test_person_detail_shows_affiliations_over_time_with_capacity(
    workspace: Workspace,
) -> None:
    organisation = OrganisationFactory(name="Ministry of Ports")
    AffiliationFactory(
        person=workspace.person,
        organisation=organisation,
        capacity=Capacity.MID_LEVEL_OFFICIAL,
        role="Deputy director",
        start_date=datetime.date(2019, 1, 1),
        end_date=datetime.date(2022, 6, 30),
    )
    AffiliationFactory(person=workspace.person, capacity=Capacity.FORMER_OFFICIAL)
    page = text_of(
        workspace.client_for(workspace.facilitator).get(workspace.person.get_absolute_url())
    )
    assert "Mid-level official" in page
    assert "Ministry of Ports" in page
    assert "Deputy director" in page
    assert "30 Jun 2022" in page
    assert "Former official" in page
    assert "ongoing" in page


def test_observer_sees_capacity_and_dates_but_not_where_a_person_works(
    workspace: Workspace,
) -> None:
    AffiliationFactory(
        person=workspace.person,
        organisation=OrganisationFactory(name="Ministry of Ports"),
        capacity=Capacity.MID_LEVEL_OFFICIAL,
        role="Deputy director",
        end_date=datetime.date(2022, 6, 30),
    )
    page = text_of(
        workspace.client_for(workspace.observer).get(workspace.person.get_absolute_url())
    )
    assert "Mid-level official" in page
    assert "30 Jun 2022" in page
    assert "Ministry of Ports" not in page
    assert "Deputy director" not in page


# People: create ----------------------------------------------------------------------------


def person_form_data(workspace: Workspace, **overrides: Any) -> dict[str, Any]:
    return {
        "process": workspace.process.pk,
        "pseudonym": "Juniper",
        "display_name": "Nadia Saleh",
        "aliases": "Umm Tariq, N. Saleh",
        "gender": Person.Gender.WOMAN,
        "languages": "Arabic, English, Arabic",
        "email": "nadia@example.org",
        "phone": "",
        **overrides,
    }


@pytest.mark.parametrize("role", ["convener", "facilitator"])
def test_editor_adds_a_person_to_the_roster_of_their_process(
    workspace: Workspace, role: str
) -> None:
    response = client_of(workspace, role).post(
        reverse("person-create"), person_form_data(workspace)
    )
    person = Person.objects.get(pseudonym="Juniper")
    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    assert person.display_name == "Nadia Saleh"
    assert person.aliases == ["Umm Tariq", "N. Saleh"]
    assert person.languages == ["Arabic", "English"]
    assert ProcessParticipant.objects.filter(process=workspace.process, person=person).exists()
    assert AuditEvent.objects.filter(action="actors.person.created", target_id=person.pk).exists()


@pytest.mark.parametrize("role", [*READERS, "outsider"])
def test_users_without_edit_people_cannot_add_people(workspace: Workspace, role: str) -> None:
    client = client_of(workspace, role)
    assert client.get(reverse("person-create")).status_code == 403
    response = client.post(reverse("person-create"), person_form_data(workspace))
    assert response.status_code == 403
    assert not Person.objects.filter(pseudonym="Juniper").exists()


def test_person_create_offers_only_processes_where_the_user_edits_people(
    workspace: Workspace,
) -> None:
    viewer_only = ProcessFactory(title="Observed dialogue")
    member(workspace.facilitator, viewer_only, Role.OBSERVER)
    page = text_of(workspace.client_for(workspace.facilitator).get(reverse("person-create")))
    assert workspace.process.title in page
    assert "Observed dialogue" not in page
    assert workspace.other_process.title not in page


def test_person_cannot_be_put_on_a_process_the_user_does_not_edit(
    workspace: Workspace,
) -> None:
    response = workspace.client_for(workspace.facilitator).post(
        reverse("person-create"), person_form_data(workspace, process=workspace.other_process.pk)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in text_of(response)
    assert not Person.objects.filter(pseudonym="Juniper").exists()


def test_person_form_keeps_values_and_shows_errors_next_to_the_field(
    workspace: Workspace,
) -> None:
    data = person_form_data(workspace, pseudonym=workspace.person.pseudonym, email="not-an-email")
    response = workspace.client_for(workspace.facilitator).post(reverse("person-create"), data)
    page = text_of(response)
    assert response.status_code == 200
    assert 'value="Nadia Saleh"' in page
    assert 'value="Umm Tariq, N. Saleh"' in page
    assert 'value="Arabic, English, Arabic"' in page
    assert "Enter a valid email address." in page
    assert Person.objects.count() == 2


def test_duplicate_pseudonym_is_reported_next_to_the_pseudonym(workspace: Workspace) -> None:
    data = person_form_data(workspace, pseudonym=workspace.person.pseudonym)
    response = workspace.client_for(workspace.facilitator).post(reverse("person-create"), data)
    form = response.context["form"]
    assert "pseudonym" in form.errors
    assert 'value="Nadia Saleh"' in text_of(response)


def test_person_cannot_belong_to_two_parties_in_one_conflict(workspace: Workspace) -> None:
    first = PartyFactory(conflict=workspace.process.conflict)
    second = PartyFactory(conflict=workspace.process.conflict)
    data = person_form_data(workspace, parties=[first.pk, second.pk])
    response = workspace.client_for(workspace.facilitator).post(reverse("person-create"), data)
    assert "parties" in response.context["form"].errors
    assert not Person.objects.filter(pseudonym="Juniper").exists()


# People: edit ------------------------------------------------------------------------------


def test_facilitator_edits_a_person(workspace: Workspace) -> None:
    url = reverse("person-edit", args=[workspace.person.pk])
    client = workspace.client_for(workspace.facilitator)
    form_page = text_of(client.get(url))
    assert workspace.person.display_name in form_page
    data = person_form_data(workspace, pseudonym="Willow", languages="French")
    response = client.post(url, data)
    assert response.status_code == 302
    workspace.person.refresh_from_db()
    assert workspace.person.pseudonym == "Willow"
    assert workspace.person.languages == ["French"]
    assert AuditEvent.objects.filter(action="actors.person.changed").exists()


def test_person_edit_shows_lists_as_comma_separated_text(workspace: Workspace) -> None:
    person = workspace.person
    person.languages = ["Arabic", "French"]
    person.save()
    page = text_of(
        workspace.client_for(workspace.convener).get(reverse("person-edit", args=[person.pk]))
    )
    assert 'value="Arabic, French"' in page


@pytest.mark.parametrize("role", READERS)
def test_analyst_and_observer_cannot_edit_a_person(workspace: Workspace, role: str) -> None:
    url = reverse("person-edit", args=[workspace.person.pk])
    client = client_of(workspace, role)
    assert client.get(url).status_code == 403
    assert client.post(url, person_form_data(workspace, pseudonym="Willow")).status_code == 403
    workspace.person.refresh_from_db()
    assert workspace.person.pseudonym != "Willow"


def test_outsider_gets_404_for_person_edit(workspace: Workspace) -> None:
    url = reverse("person-edit", args=[workspace.person.pk])
    client = workspace.client_for(workspace.outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, person_form_data(workspace)).status_code == 404


def test_editing_keeps_parties_in_conflicts_the_editor_cannot_see(workspace: Workspace) -> None:
    person = workspace.person
    ParticipantFactory(process=workspace.other_process, person=person)
    hidden = PartyFactory(conflict=workspace.other_process.conflict, name="Hidden Front")
    person.parties.add(hidden)
    url = reverse("person-edit", args=[person.pk])
    client = workspace.client_for(workspace.facilitator)
    assert "Hidden Front" not in text_of(client.get(url))
    client.post(url, person_form_data(workspace, pseudonym=person.pseudonym))
    assert list(person.parties.all()) == [hidden]


# Affiliations ------------------------------------------------------------------------------


def affiliation_data(organisation: Organisation | None = None, **overrides: Any) -> dict[str, Any]:
    return {
        "capacity": Capacity.DIPLOMAT,
        "organisation": organisation.pk if organisation else "",
        "role": "Counsellor",
        "start_date": "2020-01-01",
        "end_date": "",
        **overrides,
    }


def visible_organisation(workspace: Workspace) -> Organisation:
    return OrganisationFactory(name="Foreign Ministry", created_by=workspace.facilitator)


def test_facilitator_adds_an_affiliation_without_javascript(workspace: Workspace) -> None:
    organisation = visible_organisation(workspace)
    response = workspace.client_for(workspace.facilitator).post(
        reverse("affiliation-add", args=[workspace.person.pk]), affiliation_data(organisation)
    )
    assert response.status_code == 302
    assert response["Location"] == workspace.person.get_absolute_url()
    affiliation = workspace.person.affiliations.get()
    assert affiliation.capacity == Capacity.DIPLOMAT
    assert affiliation.organisation == organisation
    assert affiliation.start_date == datetime.date(2020, 1, 1)


def test_facilitator_adds_an_affiliation_inline_with_htmx(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.facilitator).post(
        reverse("affiliation-add", args=[workspace.person.pk]),
        affiliation_data(visible_organisation(workspace)),
        **HTMX,
    )
    page = text_of(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="affiliations"')
    assert "<html" not in page
    assert "Diplomat" in page
    assert "Foreign Ministry" in page


def test_affiliation_that_ends_before_it_starts_is_refused_next_to_the_end_date(
    workspace: Workspace,
) -> None:
    data = affiliation_data(start_date="2021-05-01", end_date="2020-01-01", role="Envoy")
    response = workspace.client_for(workspace.facilitator).post(
        reverse("affiliation-add", args=[workspace.person.pk]), data
    )
    assert response.status_code == 200
    assert "end_date" in response.context["affiliation_form"].errors
    page = text_of(response)
    assert 'value="Envoy"' in page
    assert 'value="2021-05-01"' in page
    assert not workspace.person.affiliations.exists()


def test_affiliation_errors_come_back_inline_with_htmx(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.facilitator).post(
        reverse("affiliation-add", args=[workspace.person.pk]),
        affiliation_data(capacity="emperor"),
        **HTMX,
    )
    page = text_of(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="affiliations"')
    assert "Select a valid choice" in page


def test_affiliation_cannot_name_an_organisation_the_user_cannot_see(
    workspace: Workspace,
) -> None:
    unseen = OrganisationFactory(name="Unseen Institute")
    response = workspace.client_for(workspace.facilitator).post(
        reverse("affiliation-add", args=[workspace.person.pk]), affiliation_data(unseen)
    )
    assert "organisation" in response.context["affiliation_form"].errors
    assert not workspace.person.affiliations.exists()


@pytest.mark.parametrize("role", READERS)
def test_analyst_and_observer_cannot_add_or_remove_affiliations(
    workspace: Workspace, role: str
) -> None:
    affiliation = AffiliationFactory(person=workspace.person)
    client = client_of(workspace, role)
    page = text_of(client.get(workspace.person.get_absolute_url()))
    assert reverse("affiliation-add", args=[workspace.person.pk]) not in page
    add = client.post(reverse("affiliation-add", args=[workspace.person.pk]), affiliation_data())
    remove = client.post(reverse("affiliation-remove", args=[workspace.person.pk, affiliation.pk]))
    assert add.status_code == 403
    assert remove.status_code == 403
    assert list(workspace.person.affiliations.all()) == [affiliation]


def test_outsider_gets_404_for_affiliation_actions(workspace: Workspace) -> None:
    affiliation = AffiliationFactory(person=workspace.person)
    client = workspace.client_for(workspace.outsider)
    add = client.post(reverse("affiliation-add", args=[workspace.person.pk]), affiliation_data())
    remove = client.post(reverse("affiliation-remove", args=[workspace.person.pk, affiliation.pk]))
    assert add.status_code == 404
    assert remove.status_code == 404
    assert Affiliation.objects.filter(pk=affiliation.pk).exists()


def test_facilitator_removes_an_affiliation(workspace: Workspace) -> None:
    affiliation = AffiliationFactory(person=workspace.person)
    client = workspace.client_for(workspace.facilitator)
    url = reverse("affiliation-remove", args=[workspace.person.pk, affiliation.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert not Affiliation.objects.filter(pk=affiliation.pk).exists()
    assert AuditEvent.objects.filter(action="actors.affiliation.removed").exists()


def test_facilitator_removes_an_affiliation_inline_with_htmx(workspace: Workspace) -> None:
    affiliation = AffiliationFactory(person=workspace.person)
    url = reverse("affiliation-remove", args=[workspace.person.pk, affiliation.pk])
    response = workspace.client_for(workspace.facilitator).post(url, **HTMX)
    assert text_of(response).lstrip().startswith('<section id="affiliations"')
    assert "No affiliations recorded." in text_of(response)


def test_an_affiliation_of_another_person_cannot_be_removed_through_a_visible_person(
    workspace: Workspace,
) -> None:
    hidden = AffiliationFactory(person=workspace.other_person)
    url = reverse("affiliation-remove", args=[workspace.person.pk, hidden.pk])
    response = workspace.client_for(workspace.facilitator).post(url)
    assert response.status_code == 404
    assert Affiliation.objects.filter(pk=hidden.pk).exists()


# Organisations -----------------------------------------------------------------------------


def test_organisation_list_shows_organisations_tied_to_the_users_processes(
    workspace: Workspace,
) -> None:
    seen = OrganisationFactory(name="Harbour Institute")
    AffiliationFactory(person=workspace.person, organisation=seen)
    unseen = OrganisationFactory(name="Secret Foundation")
    AffiliationFactory(person=workspace.other_person, organisation=unseen)
    page = text_of(workspace.client_for(workspace.observer).get(reverse("organisation-list")))
    assert "Harbour Institute" in page
    assert "Secret Foundation" not in page


def test_organisation_list_hides_parties_of_conflicts_the_user_cannot_see(
    workspace: Workspace,
) -> None:
    hidden_party = PartyFactory(conflict=workspace.other_process.conflict, name="Hidden Front")
    organisation = OrganisationFactory(name="Front office", party=hidden_party)
    AffiliationFactory(person=workspace.person, organisation=organisation)
    client = workspace.client_for(workspace.observer)
    assert "Hidden Front" not in text_of(client.get(reverse("organisation-list")))
    assert "Hidden Front" not in text_of(client.get(organisation.get_absolute_url()))


def test_organisation_list_searches_by_name_and_filters_by_kind(workspace: Workspace) -> None:
    for name, kind in [
        ("Harbour University", Organisation.Kind.UNIVERSITY_OR_THINK_TANK),
        ("Harbour Church", Organisation.Kind.RELIGIOUS),
        ("Mountain University", Organisation.Kind.UNIVERSITY_OR_THINK_TANK),
    ]:
        OrganisationFactory(name=name, kind=kind, created_by=workspace.convener)
    page = text_of(
        workspace.client_for(workspace.convener).get(
            reverse("organisation-list"), {"q": "harbour", "kind": "university"}
        )
    )
    assert "Harbour University" in page
    assert "Harbour Church" not in page
    assert "Mountain University" not in page


def test_organisation_detail_lists_only_people_the_viewer_has_need_to_know_for(
    workspace: Workspace,
) -> None:
    organisation = OrganisationFactory(name="Harbour Institute")
    AffiliationFactory(person=workspace.person, organisation=organisation, role="Fellow")
    AffiliationFactory(person=workspace.other_person, organisation=organisation)
    observer_page = text_of(
        workspace.client_for(workspace.observer).get(organisation.get_absolute_url())
    )
    # "Pseudonym X works here" identifies X as surely as a name would.
    assert workspace.person.pseudonym not in observer_page
    assert workspace.person.display_name not in observer_page
    facilitator_page = text_of(
        workspace.client_for(workspace.facilitator).get(organisation.get_absolute_url())
    )
    assert workspace.person.display_name in facilitator_page
    assert workspace.other_person.pseudonym not in facilitator_page


def test_outsider_gets_404_for_organisation_detail(workspace: Workspace) -> None:
    organisation = OrganisationFactory()
    AffiliationFactory(person=workspace.person, organisation=organisation)
    response = workspace.client_for(workspace.outsider).get(organisation.get_absolute_url())
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["convener", "facilitator"])
def test_editor_adds_an_organisation(workspace: Workspace, role: str) -> None:
    party = PartyFactory(conflict=workspace.process.conflict)
    response = client_of(workspace, role).post(
        reverse("organisation-create"),
        {"name": "Peace Forum", "kind": "ngo", "country": "Cyprus", "party": party.pk},
    )
    organisation = Organisation.objects.get(name="Peace Forum")
    assert response.status_code == 302
    assert response["Location"] == organisation.get_absolute_url()
    assert organisation.party == party
    assert organisation.created_by == getattr(workspace, role)


@pytest.mark.parametrize("role", [*READERS, "outsider"])
def test_users_without_edit_people_cannot_add_organisations(
    workspace: Workspace, role: str
) -> None:
    client = client_of(workspace, role)
    assert client.get(reverse("organisation-create")).status_code == 403
    response = client.post(reverse("organisation-create"), {"name": "Peace Forum", "kind": "ngo"})
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="Peace Forum").exists()


def test_organisation_form_keeps_values_on_error(workspace: Workspace) -> None:
    OrganisationFactory(name="Peace Forum")
    response = workspace.client_for(workspace.facilitator).post(
        reverse("organisation-create"),
        {"name": "Peace Forum", "kind": "religious", "country": "Cyprus"},
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert 'value="Cyprus"' in page
    assert '<option value="religious" selected>' in page


def test_organisation_form_offers_no_party_of_a_conflict_the_user_cannot_see(
    workspace: Workspace,
) -> None:
    hidden = PartyFactory(conflict=workspace.other_process.conflict, name="Hidden Front")
    client = workspace.client_for(workspace.facilitator)
    assert "Hidden Front" not in text_of(client.get(reverse("organisation-create")))
    response = client.post(
        reverse("organisation-create"), {"name": "Peace Forum", "kind": "ngo", "party": hidden.pk}
    )
    assert "party" in response.context["form"].errors


# Conflicts ---------------------------------------------------------------------------------


def test_conflict_list_shows_only_conflicts_of_the_users_processes(workspace: Workspace) -> None:
    PartyFactory(conflict=workspace.process.conflict, name="Coastal League")
    page = text_of(workspace.client_for(workspace.observer).get(reverse("conflict-list")))
    assert workspace.process.conflict.name in page
    assert "Coastal League" in page
    assert workspace.other_process.conflict.name not in page


def test_conflict_detail_shows_parties_and_only_the_users_processes(
    workspace: Workspace,
) -> None:
    conflict = workspace.process.conflict
    PartyFactory(conflict=conflict, name="Coastal League", is_minority=True)
    ProcessFactory(conflict=conflict, title="Parallel back channel")
    page = text_of(workspace.client_for(workspace.observer).get(conflict.get_absolute_url()))
    assert "Coastal League" in page
    assert workspace.process.title in page
    assert "Parallel back channel" not in page


def test_conflict_detail_shows_the_context_a_mediator_needs(workspace: Workspace) -> None:
    conflict = workspace.process.conflict
    conflict.languages = ["Greek", "Turkish"]
    conflict.sensitivities = "Avoid maps of the buffer zone."
    conflict.save()
    page = text_of(workspace.client_for(workspace.observer).get(conflict.get_absolute_url()))
    assert "Greek, Turkish" in page
    assert "Avoid maps of the buffer zone." in page


def test_person_create_preselects_the_only_process_the_user_edits(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.facilitator).get(reverse("person-create"))
    assert f'<option value="{workspace.process.pk}" selected>' in text_of(response)


def test_outsider_gets_404_for_conflict_detail(workspace: Workspace) -> None:
    url = workspace.process.conflict.get_absolute_url()
    assert workspace.client_for(workspace.outsider).get(url).status_code == 404


def test_member_gets_404_for_a_conflict_of_another_process(workspace: Workspace) -> None:
    url = workspace.other_process.conflict.get_absolute_url()
    assert workspace.client_for(workspace.convener).get(url).status_code == 404


def test_user_with_the_permission_registers_a_conflict(workspace: Workspace) -> None:
    allow_conflict_creation(workspace.outsider)
    client = workspace.client_for(workspace.outsider)
    response = client.post(
        reverse("conflict-create"), {"name": "Island dispute", "summary": "Two communities."}
    )
    conflict = Conflict.objects.get(name="Island dispute")
    assert response.status_code == 302
    assert response["Location"] == conflict.get_absolute_url()
    assert conflict.created_by == workspace.outsider
    assert client.get(conflict.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role", ["convener", "facilitator", *READERS])
def test_users_without_the_permission_cannot_register_conflicts(
    workspace: Workspace, role: str
) -> None:
    client = client_of(workspace, role)
    assert client.get(reverse("conflict-create")).status_code == 403
    assert client.post(reverse("conflict-create"), {"name": "Island dispute"}).status_code == 403
    assert not Conflict.objects.filter(name="Island dispute").exists()


def test_conflict_form_keeps_values_on_error(workspace: Workspace) -> None:
    allow_conflict_creation(workspace.convener)
    response = workspace.client_for(workspace.convener).post(
        reverse("conflict-create"),
        {"name": workspace.process.conflict.name, "summary": "Kept summary"},
    )
    assert "name" in response.context["form"].errors
    assert "Kept summary" in text_of(response)


def test_convener_adds_a_party_to_a_conflict(workspace: Workspace) -> None:
    conflict = workspace.process.conflict
    response = workspace.client_for(workspace.convener).post(
        reverse("party-add", args=[conflict.pk]),
        {"name": "Coastal League", "kind": Party.Kind.COMMUNITY, "is_minority": "on"},
    )
    assert response.status_code == 302
    party = conflict.parties.get()
    assert party.name == "Coastal League"
    assert party.is_minority


@pytest.mark.parametrize("role", ["facilitator", *READERS])
def test_members_who_are_not_conveners_cannot_add_parties(workspace: Workspace, role: str) -> None:
    conflict = workspace.process.conflict
    client = client_of(workspace, role)
    assert "Add a party" not in text_of(client.get(conflict.get_absolute_url()))
    response = client.post(reverse("party-add", args=[conflict.pk]), {"name": "X", "kind": "state"})
    assert response.status_code == 403
    assert not conflict.parties.exists()


def test_outsider_gets_404_when_adding_a_party(workspace: Workspace) -> None:
    conflict = workspace.process.conflict
    response = workspace.client_for(workspace.outsider).post(
        reverse("party-add", args=[conflict.pk]), {"name": "X", "kind": "state"}
    )
    assert response.status_code == 404
    assert not conflict.parties.exists()


def test_duplicate_party_is_refused_with_values_kept(workspace: Workspace) -> None:
    conflict = workspace.process.conflict
    PartyFactory(conflict=conflict, name="Coastal League")
    response = workspace.client_for(workspace.convener).post(
        reverse("party-add", args=[conflict.pk]), {"name": "Coastal League", "kind": "community"}
    )
    assert response.status_code == 200
    assert response.context["party_form"].errors
    assert '<option value="community" selected>' in text_of(response)
    assert conflict.parties.count() == 1


# Pages carry no inline script or style and no external address ------------------------------


def test_registry_pages_have_no_inline_script_style_or_external_urls(
    workspace: Workspace,
) -> None:
    allow_conflict_creation(workspace.convener)
    AffiliationFactory(person=workspace.person, organisation=visible_organisation(workspace))
    client = workspace.client_for(workspace.convener)
    for url in registry_urls(workspace):
        page = text_of(client.get(url))
        assert "style=" not in page, url
        assert "<script>" not in page, url
        assert "http://" not in page, url
        assert "https://" not in page, url


# The conflict's terminology list and context profile.


def _terms_page(workspace: Workspace) -> str:
    return reverse("conflict-detail", args=[workspace.process.conflict_id])


def test_convener_adds_a_contested_term_on_the_conflict_page(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    conflict_id = workspace.process.conflict_id

    response = client.post(
        reverse("contested-term-add", args=[conflict_id]),
        {"term": "Northgate", "neutral_wording": "the northern crossing", "note": "North's name"},
    )

    assert response.status_code == 302
    assert response["Location"] == _terms_page(workspace) + "#terminology"
    content = client.get(_terms_page(workspace)).content.decode()
    assert "Northgate" in content and "the northern crossing" in content
    assert AuditEvent.objects.filter(action="actors.contested_term.added").exists()


def test_a_term_already_on_the_list_is_refused_on_the_page(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    url = reverse("contested-term-add", args=[workspace.process.conflict_id])
    client.post(url, {"term": "Northgate", "neutral_wording": "the northern crossing"})

    response = client.post(url, {"term": "northgate", "neutral_wording": "the crossing"})

    assert response.status_code == 200
    assert "already on the list" in response.content.decode()


def test_convener_removes_a_contested_term(workspace: Workspace) -> None:
    conflict = workspace.process.conflict
    term = conflict.contested_terms.create(term="Northgate", neutral_wording="the crossing")
    client = workspace.client_for(workspace.convener)

    response = client.post(reverse("contested-term-remove", args=[conflict.pk, term.pk]))

    assert response.status_code == 302
    assert not conflict.contested_terms.exists()


def test_observer_sees_the_terms_but_no_forms(workspace: Workspace) -> None:
    conflict = workspace.process.conflict
    conflict.contested_terms.create(term="Northgate", neutral_wording="the crossing")

    content = workspace.client_for(workspace.observer).get(_terms_page(workspace)).content.decode()

    assert "Northgate" in content
    assert reverse("contested-term-add", args=[conflict.pk]) not in content
    assert "Remove" not in content


@pytest.mark.parametrize("role", ["facilitator", "observer"])
def test_members_who_may_not_add_parties_may_not_change_terms(
    workspace: Workspace, role: str
) -> None:
    conflict = workspace.process.conflict
    term = conflict.contested_terms.create(term="Northgate", neutral_wording="the crossing")
    client = workspace.client_for(getattr(workspace, role))

    added = client.post(
        reverse("contested-term-add", args=[conflict.pk]),
        {"term": "Southgate", "neutral_wording": "the southern crossing"},
    )
    removed = client.post(reverse("contested-term-remove", args=[conflict.pk, term.pk]))

    assert (added.status_code, removed.status_code) == (403, 403)
    assert list(conflict.contested_terms.values_list("term", flat=True)) == ["Northgate"]


def test_outsider_cannot_learn_or_change_another_conflict_s_terms(workspace: Workspace) -> None:
    conflict = workspace.process.conflict
    term = conflict.contested_terms.create(term="Northgate", neutral_wording="the crossing")
    client = workspace.client_for(workspace.outsider)

    responses = [
        client.post(
            reverse("contested-term-add", args=[conflict.pk]),
            {"term": "Southgate", "neutral_wording": "the southern crossing"},
        ),
        client.post(reverse("contested-term-remove", args=[conflict.pk, term.pk])),
        client.get(reverse("conflict-context-edit", args=[conflict.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]


def test_a_term_of_another_conflict_cannot_be_removed_through_this_one(
    workspace: Workspace,
) -> None:
    theirs = workspace.other_process.conflict.contested_terms.create(
        term="Southgate", neutral_wording="the crossing"
    )
    client = workspace.client_for(workspace.convener)

    response = client.post(
        reverse("contested-term-remove", args=[workspace.process.conflict_id, theirs.pk])
    )

    assert response.status_code == 404
    assert Conflict.objects.get(pk=workspace.other_process.conflict_id).contested_terms.exists()


def test_term_actions_reject_get(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    conflict = workspace.process.conflict
    term = conflict.contested_terms.create(term="Northgate", neutral_wording="the crossing")

    assert client.get(reverse("contested-term-add", args=[conflict.pk])).status_code == 405
    remove = reverse("contested-term-remove", args=[conflict.pk, term.pk])
    assert client.get(remove).status_code == 405


def test_convener_edits_the_conflict_s_context_profile(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    url = reverse("conflict-context-edit", args=[workspace.process.conflict_id])

    response = client.post(
        url,
        {"languages": "en, fr", "customs": "Tea before talks.", "sensitivities": "The 1974 war."},
    )

    conflict = Conflict.objects.get(pk=workspace.process.conflict_id)
    assert response.status_code == 302
    assert conflict.languages == ["en", "fr"] and conflict.customs == "Tea before talks."
    content = client.get(_terms_page(workspace)).content.decode()
    assert "Tea before talks." in content and "The 1974 war." in content


def test_facilitator_may_not_edit_the_context_profile(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.facilitator)
    url = reverse("conflict-context-edit", args=[workspace.process.conflict_id])

    assert client.get(url).status_code == 403
    assert client.post(url, {"languages": "en"}).status_code == 403
