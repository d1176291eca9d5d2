"""Process pages: the list, one process, opening and editing one, and managing its members."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission as DjangoPermission
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from multitrack.accounts.models import AuditEvent, Membership, Role
from multitrack.actors.capacity import Capacity
from multitrack.processes.models import Process
from multitrack.processes.rules import Track
from tests.conftest import Workspace
from tests.factories import (
    AffiliationFactory,
    AttendanceFactory,
    MeetingFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def may_open_processes(user: Any) -> Any:
    user.user_permissions.add(DjangoPermission.objects.get(codename="add_process"))
    return user


def meeting_at(process: Process, *capacities: Capacity, title: str = "Round") -> Any:
    meeting = MeetingFactory(process=process, title=title)
    for capacity in capacities:
        person = ParticipantFactory(process=process).person
        AffiliationFactory(person=person, capacity=capacity)
        AttendanceFactory(meeting=meeting, person=person)
    return meeting


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# The list --------------------------------------------------------------------------------------


def test_the_list_shows_my_processes_with_meeting_counts_per_track(workspace: Workspace) -> None:
    meeting_at(workspace.process, Capacity.ACADEMIC)
    meeting_at(workspace.process, Capacity.ACADEMIC, Capacity.DIPLOMAT)
    client = workspace.client_for(workspace.observer)

    html = client.get(reverse("process-list")).content.decode()

    assert "Harbour dialogue" in html
    assert "Secret channel" not in html
    assert "3 meetings: 1 at Track 1.5, 1 at Track 2" in html
    assert "Observer" in html


def test_outsider_sees_an_empty_list(workspace: Workspace) -> None:
    html = workspace.client_for(workspace.outsider).get(reverse("process-list")).content.decode()

    assert "Harbour dialogue" not in html
    assert "Secret channel" not in html
    assert "not a member of any process" in html


def test_the_list_offers_new_process_only_to_those_allowed(workspace: Workspace) -> None:
    may_open_processes(workspace.convener)
    create = reverse("process-create")

    assert create in workspace.client_for(workspace.convener).get("/processes/").content.decode()
    assert (
        create not in workspace.client_for(workspace.observer).get("/processes/").content.decode()
    )


def test_the_list_costs_the_same_queries_for_more_processes_and_meetings(
    workspace: Workspace,
) -> None:
    client = workspace.client_for(workspace.convener)
    meeting_at(workspace.process, Capacity.ACADEMIC)
    before = count_queries(client, reverse("process-list"))

    for _ in range(3):
        process = meeting_at(
            Process.objects.create(conflict=workspace.process.conflict, title="More"),
            Capacity.DIPLOMAT,
        ).process
        Membership.objects.create(user=workspace.convener, process=process, role=Role.CONVENER)
        meeting_at(process, Capacity.ACADEMIC, Capacity.MINISTER)
    meeting_at(workspace.process, Capacity.ACADEMIC, Capacity.NGO_OR_CIVIL_SOCIETY)
    client = workspace.client_for(workspace.convener)

    assert count_queries(client, reverse("process-list")) == before


def test_the_list_rejects_post(workspace: Workspace) -> None:
    assert workspace.client_for(workspace.convener).post(reverse("process-list")).status_code == 405


# One process -----------------------------------------------------------------------------------


def test_a_process_shows_its_facts_summary_meetings_roster_and_members(
    workspace: Workspace,
) -> None:
    process = workspace.process
    process.aims = "Reopen the harbour to fishing boats."
    process.start_date = datetime.date(2025, 1, 1)
    process.save()
    meeting_at(process, Capacity.ACADEMIC, title="Academics only")
    client = workspace.client_for(workspace.analyst)

    html = client.get(process.get_absolute_url()).content.decode()

    assert process.conflict.name in html
    assert "Reopen the harbour to fishing boats." in html
    assert "1 Jan 2025" in html
    assert "Chatham House Rule" in html
    assert "2 meetings: 1 at Track 2" in html
    assert "Academics only" in html
    assert workspace.person.pseudonym in html
    for username in ("convener", "facilitator", "analyst", "observer"):
        assert f"<td>{username}</td>" in html
    assert "stranger" not in html


def test_a_meeting_whose_track_differs_is_warned_about(workspace: Workspace) -> None:
    workspace.process.declared_track = Track.TRACK_2
    workspace.process.save()
    meeting_at(workspace.process, Capacity.ACADEMIC, Capacity.MID_LEVEL_OFFICIAL, title="Mixed")
    client = workspace.client_for(workspace.observer)

    html = client.get(workspace.process.get_absolute_url()).content.decode()

    assert 'class="warning"' in html
    assert "was declared Track 2; its attendance says Track 1.5" in html
    assert "1 serving official (mid-level), 1 non-official" in html


def test_the_roster_shows_real_names_only_with_need_to_know(workspace: Workspace) -> None:
    url = workspace.process.get_absolute_url()

    facilitator_page = workspace.client_for(workspace.facilitator).get(url).content.decode()
    observer_page = workspace.client_for(workspace.observer).get(url).content.decode()

    assert workspace.person.display_name in facilitator_page
    assert workspace.person.display_name not in observer_page
    assert workspace.person.pseudonym in observer_page


def test_new_meeting_is_offered_to_those_who_record_meetings(workspace: Workspace) -> None:
    url = workspace.process.get_absolute_url()

    assert (
        ">New meeting</a>" in workspace.client_for(workspace.facilitator).get(url).content.decode()
    )
    assert "New meeting" not in workspace.client_for(workspace.analyst).get(url).content.decode()


def test_a_process_page_costs_the_same_queries_for_more_meetings(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.facilitator)
    meeting_at(workspace.process, Capacity.ACADEMIC)
    before = count_queries(client, workspace.process.get_absolute_url())

    for _ in range(4):
        meeting_at(workspace.process, Capacity.ACADEMIC, Capacity.DIPLOMAT, Capacity.MINISTER)
    client = workspace.client_for(workspace.facilitator)

    assert count_queries(client, workspace.process.get_absolute_url()) == before


def test_outsider_gets_404_for_a_process(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.outsider)
    pk = workspace.process.pk

    assert client.get(reverse("process-detail", args=[pk])).status_code == 404
    assert client.get(reverse("process-edit", args=[pk])).status_code == 404
    assert client.post(reverse("process-edit", args=[pk]), {"title": "X"}).status_code == 404
    assert (
        client.post(reverse("member-add", args=[pk]), {"username": "outsider"}).status_code == 404
    )
    assert Process.objects.get(pk=pk).title == "Harbour dialogue"
    assert not Membership.objects.filter(user=workspace.outsider).exists()


def test_a_process_page_rejects_post(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    assert client.post(workspace.process.get_absolute_url()).status_code == 405


def test_anonymous_users_are_sent_to_login(workspace: Workspace) -> None:
    pk = workspace.process.pk
    login = resolve_url(settings.LOGIN_URL)
    urls = [
        reverse("process-list"),
        reverse("process-create"),
        reverse("process-detail", args=[pk]),
        reverse("process-edit", args=[pk]),
    ]

    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url
    response = Client().post(reverse("member-add", args=[pk]), {"username": "x"})
    assert response["Location"].startswith(login)


# Opening a process -----------------------------------------------------------------------------


def process_data(workspace: Workspace, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Valley water talks",
        "conflict": workspace.process.conflict_id,
        "declared_track": Track.TRACK_1_5,
        "convener_organisation": "",
        "aims": "Share the river.",
        "start_date": "2026-01-10",
        "end_date": "",
        "ground_rules": "chatham_house",
    }
    data.update(overrides)
    return data


def test_a_permitted_user_opens_a_process_and_becomes_its_convener(workspace: Workspace) -> None:
    client = workspace.client_for(may_open_processes(workspace.analyst))

    response = client.post(reverse("process-create"), process_data(workspace))

    process = Process.objects.get(title="Valley water talks")
    assert response.status_code == 302
    assert response["Location"] == process.get_absolute_url()
    assert process.declared_track == Track.TRACK_1_5
    assert Membership.objects.get(process=process, user=workspace.analyst).role == Role.CONVENER
    assert AuditEvent.objects.filter(action="processes.process.created").exists()


def test_the_create_form_offers_only_visible_conflicts(workspace: Workspace) -> None:
    client = workspace.client_for(may_open_processes(workspace.convener))

    html = client.get(reverse("process-create")).content.decode()

    assert workspace.process.conflict.name in html
    assert workspace.other_process.conflict.name not in html


def test_a_process_cannot_be_opened_in_a_conflict_the_user_cannot_see(
    workspace: Workspace,
) -> None:
    client = workspace.client_for(may_open_processes(workspace.convener))
    data = process_data(workspace, conflict=workspace.other_process.conflict_id)

    response = client.post(reverse("process-create"), data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Process.objects.filter(title="Valley water talks").exists()


def test_an_invalid_process_keeps_what_was_typed_and_says_why(workspace: Workspace) -> None:
    client = workspace.client_for(may_open_processes(workspace.convener))
    data = process_data(workspace, start_date="2026-05-01", end_date="2026-04-01")

    response = client.post(reverse("process-create"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "The process cannot end before it starts." in html
    assert 'value="Valley water talks"' in html
    assert "Share the river." in html
    assert not Process.objects.filter(title="Valley water talks").exists()


def test_users_without_the_permission_cannot_open_a_process(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    assert client.get(reverse("process-create")).status_code == 403
    assert client.post(reverse("process-create"), process_data(workspace)).status_code == 403
    assert not Process.objects.filter(title="Valley water talks").exists()


def test_process_create_rejects_put(workspace: Workspace) -> None:
    client = workspace.client_for(may_open_processes(workspace.convener))

    assert client.put(reverse("process-create")).status_code == 405


# Editing a process -----------------------------------------------------------------------------


def test_a_convener_edits_the_process(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    url = reverse("process-edit", args=[workspace.process.pk])
    assert 'value="Harbour dialogue"' in client.get(url).content.decode()

    response = client.post(url, process_data(workspace, title="Harbour dialogue II"))

    assert response.status_code == 302
    workspace.process.refresh_from_db()
    assert workspace.process.title == "Harbour dialogue II"
    assert workspace.process.declared_track == Track.TRACK_1_5


def test_an_invalid_edit_changes_nothing_and_keeps_the_input(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    url = reverse("process-edit", args=[workspace.process.pk])

    response = client.post(url, process_data(workspace, title=""))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    assert "Share the river." in html
    workspace.process.refresh_from_db()
    assert workspace.process.title == "Harbour dialogue"


@pytest.mark.parametrize("role", ["facilitator", "analyst", "observer"])
def test_only_conveners_edit_a_process(workspace: Workspace, role: str) -> None:
    client = workspace.client_for(getattr(workspace, role))
    url = reverse("process-edit", args=[workspace.process.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, process_data(workspace, title="Taken over")).status_code == 403
    workspace.process.refresh_from_db()
    assert workspace.process.title == "Harbour dialogue"


def test_process_edit_rejects_delete(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    assert client.delete(reverse("process-edit", args=[workspace.process.pk])).status_code == 405


# Members ---------------------------------------------------------------------------------------


def test_a_convener_adds_a_member_by_username(workspace: Workspace) -> None:
    newcomer: Any = UserFactory(username="newcomer")
    client = workspace.client_for(workspace.convener)

    response = client.post(
        reverse("member-add", args=[workspace.process.pk]),
        {"username": "newcomer", "role": "analyst"},
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer, process=workspace.process).role == Role.ANALYST


def test_adding_an_unknown_username_says_so_and_keeps_the_input(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)

    response = client.post(
        reverse("member-add", args=[workspace.process.pk]),
        {"username": "nobody-here", "role": "analyst"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is no active account with that username." in html
    assert 'value="nobody-here"' in html


def test_a_convener_changes_a_role_and_removes_a_member(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    pk = workspace.process.pk

    changed = client.post(
        reverse("member-change", args=[pk, workspace.observer.pk]), {"role": "facilitator"}
    )
    assert changed.status_code == 302
    assert Membership.objects.get(user=workspace.observer, process_id=pk).role == Role.FACILITATOR

    removed = client.post(reverse("member-remove", args=[pk, workspace.analyst.pk]))
    assert removed.status_code == 302
    assert not Membership.objects.filter(user=workspace.analyst, process_id=pk).exists()


def test_the_last_convener_cannot_leave(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    pk = workspace.process.pk

    response = client.post(reverse("member-remove", args=[pk, workspace.convener.pk]), follow=True)

    assert "A process needs a convener" in response.content.decode()
    assert Membership.objects.get(user=workspace.convener, process_id=pk).role == Role.CONVENER


def test_only_conveners_see_the_member_forms(workspace: Workspace) -> None:
    url = workspace.process.get_absolute_url()

    assert "Add member" in workspace.client_for(workspace.convener).get(url).content.decode()
    assert "Add member" not in workspace.client_for(workspace.facilitator).get(url).content.decode()


@pytest.mark.parametrize("role", ["facilitator", "analyst", "observer"])
def test_only_conveners_manage_members(workspace: Workspace, role: str) -> None:
    UserFactory(username="newcomer")
    client = workspace.client_for(getattr(workspace, role))
    pk = workspace.process.pk

    added = client.post(
        reverse("member-add", args=[pk]), {"username": "newcomer", "role": "convener"}
    )
    changed = client.post(
        reverse("member-change", args=[pk, workspace.observer.pk]), {"role": "convener"}
    )
    removed = client.post(reverse("member-remove", args=[pk, workspace.convener.pk]))

    assert (added.status_code, changed.status_code, removed.status_code) == (403, 403, 403)
    assert Membership.objects.filter(process_id=pk).count() == 4


def test_a_non_member_cannot_be_changed_through_the_process(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    url = reverse("member-change", args=[workspace.process.pk, workspace.outsider.pk])

    assert client.post(url, {"role": "observer"}).status_code == 404
    assert not Membership.objects.filter(user=workspace.outsider).exists()


def test_member_urls_reject_get(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    pk = workspace.process.pk

    assert client.get(reverse("member-add", args=[pk])).status_code == 405
    assert client.get(reverse("member-change", args=[pk, workspace.observer.pk])).status_code == 405
    assert client.get(reverse("member-remove", args=[pk, workspace.observer.pk])).status_code == 405
