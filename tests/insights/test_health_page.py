"""The process health page, the report and meeting checks: permissions, readings, suppression."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from multitrack.practice import services
from multitrack.processes.models import Meeting
from tests.conftest import Workspace
from tests.factories import MeetingFactory, ParticipantFactory
from tests.insights.helpers import build_scene, survey_pair

pytestmark = pytest.mark.django_db


def health_url(workspace: Workspace) -> str:
    return reverse("process-health", args=[workspace.process.pk])


def test_members_see_the_health_page(workspace: Workspace) -> None:
    build_scene(workspace.process, workspace.convener)
    for user in (workspace.convener, workspace.facilitator, workspace.analyst, workspace.observer):
        response = workspace.client_for(user).get(health_url(workspace))
        assert response.status_code == 200
        assert b"Process health" in response.content


def test_outsider_gets_404(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.outsider).get(health_url(workspace))
    assert response.status_code == 404


def test_another_process_is_404(workspace: Workspace) -> None:
    url = reverse("process-health", args=[workspace.other_process.pk])
    assert workspace.client_for(workspace.convener).get(url).status_code == 404


def test_post_is_refused(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.convener).post(health_url(workspace))
    assert response.status_code == 405


def test_anonymous_is_sent_to_login(workspace: Workspace) -> None:
    from django.test import Client

    response = Client().get(health_url(workspace))
    assert response.status_code == 302


def test_health_page_shows_readings_and_charts(workspace: Workspace) -> None:
    build_scene(workspace.process, workspace.convener)
    content = workspace.client_for(workspace.convener).get(health_url(workspace)).content.decode()
    assert "Meetings are held every" in content
    assert "Retention at 6 months: 33% — 2 of 6 first participants still attend." in content
    assert 'data-chart="chart-engagement"' in content
    assert 'id="chart-engagement" type="application/json"' in content
    assert "style=" not in content  # the CSP forbids style attributes


def test_empty_process_says_not_enough_data(workspace: Workspace) -> None:
    content = workspace.client_for(workspace.convener).get(health_url(workspace)).content.decode()
    assert "No stakeholder map yet" in content
    assert "at least two held meetings are needed" in content
    assert "no meeting has been held yet" in content.lower()


def test_health_page_query_count_does_not_grow_with_the_process(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener, people=4)
    client = workspace.client_for(workspace.convener)
    with CaptureQueriesContext(connection) as small:
        client.get(health_url(workspace))
    for index in range(3):
        MeetingFactory(
            process=workspace.process,
            date=datetime.date(2025, 1, 10 + index),
            status=Meeting.Status.HELD,
        )
    for person in scene.people:
        services.tie_record(
            actor=workspace.convener,
            process=workspace.process,
            person=person,
            other=scene.people[0] if person != scene.people[0] else scene.people[1],
            observed_on=datetime.date(2024, 5, 1),
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(health_url(workspace))
    assert response.status_code == 200
    assert len(large) == len(small)
    assert len(large) <= 30


def test_observer_sees_no_survey_results_nor_who_is_tied(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    survey_pair(workspace.process, workspace.convener, scene.meetings[0], [2] * 6, [5] * 6)
    services.tie_record(
        actor=workspace.convener,
        process=workspace.process,
        person=scene.people[0],
        other=scene.people[1],
        observed_on=datetime.date(2024, 2, 1),
    )
    observer = workspace.client_for(workspace.observer).get(health_url(workspace)).content.decode()
    assert "Your role does not include survey results." in observer
    assert "Agreement seen as possible" not in observer
    assert "chart-network" not in observer
    analyst = workspace.client_for(workspace.analyst).get(health_url(workspace)).content.decode()
    assert "Agreement seen as possible" in analyst
    assert "chart-network" in analyst


def test_small_survey_groups_are_suppressed_on_the_page(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    survey_pair(
        workspace.process, workspace.convener, scene.meetings[0], [1, 2, 3, 4], [7, 7, 7, 7, 7]
    )
    content = workspace.client_for(workspace.convener).get(health_url(workspace)).content.decode()
    assert "Not shown: fewer than 5 respondents" in content
    assert "fewer than 5" in content
    assert "chart-surveys" not in content


def test_five_respondents_are_shown_with_an_interval(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    survey_pair(
        workspace.process, workspace.convener, scene.meetings[0], [1, 2, 3, 2, 2], [5, 6, 5, 6, 6]
    )
    content = workspace.client_for(workspace.convener).get(health_url(workspace)).content.decode()
    assert "chart-surveys" in content
    row = content.split("Agreement seen as possible (1-7)</td>")[1].split("</tr>")[0]
    assert "Not shown" not in row
    assert "<td>2.0</td><td>5.6</td><td>3.6 (" in row  # the change in means: 5.6 - 2.0


def test_funders_report_has_no_names(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    services.tie_record(
        actor=workspace.convener,
        process=workspace.process,
        person=scene.people[0],
        other=scene.people[1],
        observed_on=datetime.date(2024, 2, 1),
    )
    url = reverse("process-report", args=[workspace.process.pk])
    never_came = ParticipantFactory(process=workspace.process).person
    content = workspace.client_for(workspace.convener).get(url).content.decode()
    assert "process report" in content
    assert "2 invited people never came" in content  # and the workspace's own person
    for person in [*scene.people, never_came, workspace.person]:
        assert person.pseudonym not in content
        assert person.display_name not in content


def test_internal_report_is_for_conveners_only(workspace: Workspace) -> None:
    build_scene(workspace.process, workspace.convener, people=6)
    named = ParticipantFactory(process=workspace.process).person  # invited, never came
    url = reverse("process-report", args=[workspace.process.pk]) + "?internal=1"
    assert workspace.client_for(workspace.facilitator).get(url).status_code == 403
    response = workspace.client_for(workspace.convener).get(url)
    assert response.status_code == 200
    assert b"INTERNAL" in response.content
    assert named.display_name.encode() in response.content


def test_meeting_checks_page(workspace: Workspace) -> None:
    scene = build_scene(workspace.process, workspace.convener)
    services.party_calendar_add(
        actor=workspace.convener, process=workspace.process, party=scene.north, calendar="jewish"
    )
    services.refused_venue_add(
        actor=workspace.convener, process=workspace.process, party=scene.south, venue="Athens"
    )
    meeting = MeetingFactory(
        process=workspace.process,
        date=datetime.date(2025, 10, 2),
        place="Athens",
        working_languages=["English"],
    )
    url = reverse("meeting-checks", args=[meeting.pk])
    content = workspace.client_for(workspace.observer).get(url).content.decode()
    assert "Yom Kippur (Jewish holidays, observed by North) falls on that day." in content
    assert "South refuses to meet in Athens." in content
    assert "1 participant(s) speak none of the working or interpretation languages." in content
    assert workspace.client_for(workspace.outsider).get(url).status_code == 404
    assert workspace.client_for(workspace.convener).post(url).status_code == 405
