"""A confirmed meeting is still upcoming, and "confirmed" is reached only through the checks."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from multitrack.processes.models import Meeting
from tests.conftest import Workspace
from tests.factories import MeetingFactory


def test_a_confirmed_meeting_is_listed_as_upcoming_on_the_dashboard(workspace: Workspace) -> None:
    MeetingFactory(
        process=workspace.process,
        title="Confirmed round",
        date=timezone.localdate() + datetime.timedelta(days=7),
        status=Meeting.Status.CONFIRMED,
    )
    response = workspace.client_for(workspace.observer).get(reverse("dashboard"))
    assert "Confirmed round" in response.content.decode()


def test_the_meeting_form_does_not_offer_confirmed_for_a_planned_meeting(
    workspace: Workspace,
) -> None:
    response = workspace.client_for(workspace.facilitator).get(
        reverse("meeting-edit", args=[workspace.meeting.pk])
    )
    assert response.status_code == 200
    assert 'value="confirmed"' not in response.content.decode()
    assert 'value="planned"' in response.content.decode()


def test_the_meeting_form_keeps_confirmed_for_a_confirmed_meeting(workspace: Workspace) -> None:
    workspace.meeting.status = Meeting.Status.CONFIRMED
    workspace.meeting.save()
    response = workspace.client_for(workspace.facilitator).get(
        reverse("meeting-edit", args=[workspace.meeting.pk])
    )
    assert 'value="confirmed"' in response.content.decode()
