"""Every view of a real name or contact details writes an audit line naming people by number;
pseudonym-only views write none."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from multitrack.accounts.audit import audit
from multitrack.accounts.models import AuditEvent
from multitrack.accounts.services import api_token_create
from multitrack.actors.models import Person
from multitrack.actors.real_name_log import ACTION
from multitrack.actors.services import person_forget
from multitrack.processes.services import follow_up_add
from tests.conftest import Workspace
from tests.factories import AttendanceFactory, ParticipantFactory, UserFactory

REAL_NAME = "Amara Lindqvist"


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    workspace.person.display_name = REAL_NAME
    workspace.person.email = "amara@example.org"
    workspace.person.save()
    AttendanceFactory(meeting=workspace.meeting, person=workspace.person)
    return workspace


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=ACTION).order_by("pk"))


def _get(ws: Workspace, role: str, url: str, **extra: Any) -> str:
    response = ws.client_for(getattr(ws, role)).get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _pages(ws: Workspace) -> dict[str, str]:
    """Pages that show the roster's names to whoever may see them."""
    return {
        "person-detail": reverse("person-detail", args=[ws.person.pk]),
        "person-list": reverse("person-list"),
        "meeting-detail": reverse("meeting-detail", args=[ws.meeting.pk]),
        "process-detail": reverse("process-detail", args=[ws.process.pk]),
    }


@pytest.mark.parametrize(
    "page", ["person-detail", "person-list", "meeting-detail", "process-detail"]
)
def test_showing_real_names_on_a_page_is_logged(ws: Workspace, page: str) -> None:
    content = _get(ws, "facilitator", _pages(ws)[page])

    assert REAL_NAME in content
    (event,) = _events()
    assert event.actor == ws.facilitator
    assert event.process == ws.process
    assert event.detail == {"person_ids": [ws.person.pk], "via": page}
    assert (event.target_type, event.target_id) == ("", "")


@pytest.mark.parametrize(
    "page", ["person-detail", "person-list", "meeting-detail", "process-detail"]
)
@pytest.mark.parametrize("role", ["analyst", "observer"])
def test_pseudonym_only_pages_log_nothing(ws: Workspace, page: str, role: str) -> None:
    content = _get(ws, role, _pages(ws)[page])

    assert REAL_NAME not in content
    assert ws.person.pseudonym in content
    assert _events() == []


def test_a_list_logs_once_with_every_name_it_showed(ws: Workspace) -> None:
    others = [ParticipantFactory(process=ws.process).person for _ in range(2)]

    _get(ws, "facilitator", reverse("person-list"))

    (event,) = _events()
    assert event.detail["person_ids"] == sorted([ws.person.pk, *(p.pk for p in others)])


def test_a_search_is_logged_without_what_was_typed(ws: Workspace) -> None:
    _get(ws, "facilitator", reverse("person-list") + "?q=Lindqvist")

    (event,) = _events()
    assert event.detail == {"person_ids": [ws.person.pk], "via": "person-list"}
    assert "Lindqvist" not in str(event.detail)


def test_an_htmx_search_is_logged_too(ws: Workspace) -> None:
    _get(ws, "facilitator", reverse("person-list") + "?q=Amara", HTTP_HX_REQUEST="true")
    assert len(_events()) == 1


def test_the_edit_form_is_logged(ws: Workspace) -> None:
    content = _get(ws, "facilitator", reverse("person-edit", args=[ws.person.pk]))
    assert "amara@example.org" in content
    assert _events()[0].detail["via"] == "person-edit"


def test_the_internal_report_is_logged_and_the_funders_report_is_not(ws: Workspace) -> None:
    url = reverse("process-report", args=[ws.process.pk])
    _get(ws, "convener", url)
    assert _events() == []
    # With names: people who never came are listed by name.
    never_came = ParticipantFactory(process=ws.process).person
    content = _get(ws, "convener", url + "?internal=1")
    assert never_came.display_name in content
    assert never_came.pk in _events()[0].detail["person_ids"]


def test_follow_up_owners_on_the_dashboard_are_logged(ws: Workspace) -> None:
    follow_up_add(
        actor=ws.facilitator,
        meeting=ws.meeting,
        description="Send the minutes",
        owner=ws.person,
        due_date=timezone.localdate(),
    )
    content = _get(ws, "facilitator", reverse("dashboard"))
    assert REAL_NAME in content
    assert _events()[0].detail == {"person_ids": [ws.person.pk], "via": "dashboard"}


def test_each_process_sees_its_own_line(ws: Workspace) -> None:
    ParticipantFactory(process=ws.other_process, person=ws.person)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)

    _get(ws, "facilitator", reverse("person-detail", args=[ws.person.pk]))
    (event,) = _events()
    assert event.process == ws.process  # the facilitator's need-to-know comes from there only

    client = ws.client_for(admin)
    assert client.get(reverse("person-detail", args=[ws.person.pk])).status_code == 200
    by_superuser = [e for e in _events() if e.actor == admin]
    assert {e.process for e in by_superuser} == {ws.process, ws.other_process}


def test_a_forgotten_placeholder_is_not_a_real_name(ws: Workspace) -> None:
    person_forget(actor=ws.convener, person=ws.person, reason="request")
    _get(ws, "facilitator", reverse("person-detail", args=[ws.person.pk]))
    _get(ws, "facilitator", reverse("meeting-detail", args=[ws.meeting.pk]))
    assert _events() == []


def test_the_admin_page_of_a_person_is_logged(ws: Workspace) -> None:
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = ws.client_for(admin)
    response = client.get(reverse("admin:actors_person_change", args=[ws.person.pk]))
    assert response.status_code == 200
    assert _events()[0].detail["person_ids"] == [ws.person.pk]


# The API.


def _api(ws: Workspace, role: str, path: str) -> Any:
    _token, raw = api_token_create(actor=getattr(ws, role), name="script")
    response = Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("path", "via"),
    [
        ("/people/{person}", "api:person_get"),
        ("/people", "api:person_list"),
        ("/meetings/{meeting}/attendance", "api:attendance_list"),
    ],
)
def test_the_api_logs_real_names_it_returns(ws: Workspace, path: str, via: str) -> None:
    url = path.format(person=ws.person.pk, meeting=ws.meeting.pk)
    body = _api(ws, "facilitator", url)

    assert REAL_NAME in str(body)
    (event,) = _events()
    assert event.actor == ws.facilitator
    assert event.detail["person_ids"] == [ws.person.pk]
    assert event.detail["via"].startswith("api")


@pytest.mark.parametrize("path", ["/people/{person}", "/people", "/meetings/{meeting}/attendance"])
def test_the_api_without_need_to_know_logs_nothing(ws: Workspace, path: str) -> None:
    body = _api(ws, "analyst", path.format(person=ws.person.pk, meeting=ws.meeting.pk))
    assert REAL_NAME not in str(body)
    assert _events() == []


# The audit line itself.


def test_an_audit_detail_refuses_text(db: None) -> None:
    with pytest.raises(ValueError, match="ids, counts and codes"):
        audit(actor=None, action="test.detail", detail={"note": f"{REAL_NAME} viewed"})
    with pytest.raises(ValueError, match="ids, counts and codes"):
        audit(actor=None, action="test.detail", detail={"names": [REAL_NAME]})
    assert not AuditEvent.objects.filter(action="test.detail").exists()


def test_the_audit_page_shows_who_viewed_which_numbers(ws: Workspace) -> None:
    _get(ws, "facilitator", reverse("person-detail", args=[ws.person.pk]))
    page = _get(ws, "convener", reverse("process-audit", args=[ws.process.pk]))
    assert f"#{ws.person.pk}" in page
    assert "person-detail" in page
    assert REAL_NAME not in page
    assert Person.objects.filter(pk=ws.person.pk).exists()
