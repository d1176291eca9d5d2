"""The audit trail page for conveners, and the append-only audit trail underneath it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from multitrack.accounts.audit import audit
from multitrack.accounts.models import AuditEvent, AuditTrailIsAppendOnly
from multitrack.accounts.permissions import ROLE_PERMISSIONS, Permission
from multitrack.accounts.views import AUDIT_EVENTS_PER_PAGE, describe_action
from multitrack.processes.models import Process
from tests.conftest import Workspace
from tests.factories import ProcessFactory, UserFactory
from tests.signin import verified_login

pytestmark = pytest.mark.django_db


def audit_url(process: Process) -> str:
    return reverse("process-audit", args=[process.pk])


def events_of(workspace: Workspace) -> None:
    audit(
        actor=workspace.facilitator,
        action="processes.meeting.scheduled",
        target=workspace.meeting,
        process=workspace.process,
    )
    audit(
        actor=workspace.convener,
        action="actors.person.changed",
        target=workspace.person,
        process=workspace.process,
    )
    audit(
        actor=workspace.facilitator,
        action="processes.meeting.changed",
        target=workspace.other_meeting,
        process=workspace.other_process,
    )


# Who may see it ------------------------------------------------------------------------------


def test_only_conveners_hold_the_review_audit_permission() -> None:
    holders = {
        role
        for role, permissions in ROLE_PERMISSIONS.items()
        if Permission.REVIEW_AUDIT in permissions
    }
    assert holders == {"convener"}


def test_convener_sees_who_did_what_to_which_object_and_when(workspace: Workspace) -> None:
    events_of(workspace)
    response = workspace.client_for(workspace.convener).get(audit_url(workspace.process))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Meeting scheduled" in text
    assert f"processes.meeting #{workspace.meeting.pk}" in text
    assert "facilitator" in text
    assert "Person changed" in text
    assert "no-store" in response["Cache-Control"]


def test_the_page_never_shows_another_process_events(workspace: Workspace) -> None:
    events_of(workspace)
    response = workspace.client_for(workspace.convener).get(audit_url(workspace.process))
    assert f"processes.meeting #{workspace.other_meeting.pk}" not in response.content.decode()
    assert "Meeting changed" not in response.content.decode()


@pytest.mark.parametrize("role", ["facilitator", "analyst", "observer"])
def test_members_who_are_not_conveners_are_forbidden(workspace: Workspace, role: str) -> None:
    client = workspace.client_for(getattr(workspace, role))
    assert client.get(audit_url(workspace.process)).status_code == 403


def test_outsider_is_told_the_process_does_not_exist(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.outsider)
    assert client.get(audit_url(workspace.process)).status_code == 404
    assert client.get(reverse("process-audit", args=[999_999])).status_code == 404


def test_convener_of_one_process_cannot_see_another(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    assert client.get(audit_url(workspace.other_process)).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(workspace: Workspace) -> None:
    response = Client().get(audit_url(workspace.process))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_rejects_post(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    assert client.post(audit_url(workspace.process)).status_code == 405


def test_refused_visits_are_not_recorded_as_views(workspace: Workspace) -> None:
    workspace.client_for(workspace.outsider).get(audit_url(workspace.process))
    workspace.client_for(workspace.observer).get(audit_url(workspace.process))
    assert not AuditEvent.objects.filter(action="accounts.audit.viewed").exists()


def test_viewing_the_audit_trail_is_audited(workspace: Workspace) -> None:
    workspace.client_for(workspace.convener).get(audit_url(workspace.process))
    event = AuditEvent.objects.get(action="accounts.audit.viewed")
    assert event.actor == workspace.convener
    assert event.process == workspace.process
    assert (event.target_type, event.target_id) == ("processes.process", str(workspace.process.pk))


# Filters and pages ---------------------------------------------------------------------------


def test_it_filters_by_action_prefix(workspace: Workspace) -> None:
    events_of(workspace)
    client = workspace.client_for(workspace.convener)
    text = client.get(audit_url(workspace.process), {"action": "actors."}).content.decode()
    assert "Person changed" in text
    assert "Meeting scheduled" not in text


def test_it_filters_by_actor(workspace: Workspace) -> None:
    events_of(workspace)
    client = workspace.client_for(workspace.convener)
    response = client.get(audit_url(workspace.process), {"actor": workspace.facilitator.pk})
    assert [event.action for event, *_ in response.context["rows"]] == [
        "processes.meeting.scheduled"
    ]


def test_a_malformed_actor_filter_is_ignored(workspace: Workspace) -> None:
    events_of(workspace)
    client = workspace.client_for(workspace.convener)
    response = client.get(audit_url(workspace.process), {"actor": "1 OR 1=1"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_it_is_paginated_newest_first(workspace: Workspace) -> None:
    for number in range(AUDIT_EVENTS_PER_PAGE + 5):
        audit(
            actor=workspace.convener,
            action=f"test.event_{number}",
            target=workspace.meeting,
            process=workspace.process,
        )
    client = workspace.client_for(workspace.convener)
    first = client.get(audit_url(workspace.process))
    assert len(first.context["rows"]) == AUDIT_EVENTS_PER_PAGE
    assert first.context["rows"][0][0].action == f"test.event_{AUDIT_EVENTS_PER_PAGE + 4}"
    second = client.get(audit_url(workspace.process), {"page": 2})
    assert len(second.context["rows"]) == 5 + 1  # the first visit is on the trail too
    assert 'rel="prev"' in second.content.decode()


def test_the_page_makes_a_fixed_number_of_queries(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    events_of(workspace)
    with CaptureQueriesContext(connection) as few:
        client.get(audit_url(workspace.process))
    for _ in range(20):
        audit(
            actor=UserFactory(),
            action="processes.meeting.changed",
            target=workspace.meeting,
            process=workspace.process,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(audit_url(workspace.process))
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ("processes.meeting.scheduled", "Meeting scheduled"),
        ("consultations.invitations_created", "Invitations created"),
        ("insights.internal_report_viewed", "Internal report viewed"),
        ("plain", "Plain"),
    ],
)
def test_actions_read_as_words(action: str, words: str) -> None:
    assert describe_action(action) == words


# Append-only -----------------------------------------------------------------------------------


def test_an_audit_event_cannot_be_changed(workspace: Workspace) -> None:
    event = audit(actor=workspace.convener, action="test.event", process=workspace.process)
    event.action = "test.rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save(update_fields=["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_an_explicit_id_cannot_overwrite_an_audit_event(workspace: Workspace) -> None:
    event = audit(actor=workspace.convener, action="test.event")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent(pk=event.pk, action="test.forged").save()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_an_audit_event_cannot_be_deleted(workspace: Workspace) -> None:
    event = audit(actor=workspace.convener, action="test.event")
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_querysets_cannot_update_or_delete_audit_events(workspace: Workspace) -> None:
    event = audit(actor=workspace.convener, action="test.event")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditTrailIsAppendOnly), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_deleting_a_user_or_a_process_keeps_their_audit_lines(workspace: Workspace) -> None:
    user = UserFactory(username="leaving")
    process = ProcessFactory()
    process_id = process.pk
    event = audit(actor=user, action="test.event", target=process, process=process)
    user.delete()
    process.delete()
    event.refresh_from_db()
    assert (event.actor, event.process, event.target_id) == (None, None, str(process_id))


def test_the_admin_cannot_change_audit_events(workspace: Workspace) -> None:
    event = audit(actor=workspace.convener, action="test.event")
    client = Client()
    verified_login(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # read-only view
    client.post(change, {"action": "test.rewritten"})
    changelist = reverse("admin:accounts_auditevent_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk]})
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
