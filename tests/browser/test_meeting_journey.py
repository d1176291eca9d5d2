"""A convener logs in, schedules a meeting, records attendance and sees the derived track."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from multitrack.accounts.models import Role
from multitrack.actors.capacity import Capacity
from multitrack.processes.rules import Track
from tests.conftest import PASSWORD
from tests.factories import (
    AffiliationFactory,
    ParticipantFactory,
    ProcessFactory,
    UserFactory,
    member,
)
from tests.signin import browser_sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_convener_records_attendance_and_sees_the_track_change(live_server, page) -> None:
    convener = UserFactory(username="amara", password=PASSWORD)
    convener.user_permissions.add(Permission.objects.get(codename="add_process"))
    process = ProcessFactory(title="Riverside dialogue", declared_track=Track.TRACK_2)
    member(convener, process, Role.CONVENER)
    academic = ParticipantFactory(process=process).person
    AffiliationFactory(person=academic, capacity=Capacity.ACADEMIC)
    official = ParticipantFactory(process=process).person
    AffiliationFactory(person=official, capacity=Capacity.MID_LEVEL_OFFICIAL)

    browser_sign_in(page, live_server.url, "amara", PASSWORD)

    page.goto(f"{live_server.url}{process.get_absolute_url()}")
    page.click("text=New meeting")
    page.fill("input[name=title]", "Water sharing round")
    page.fill("input[name=date]", "2026-03-12")
    page.fill("input[name=place]", "Geneva")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#derived-track")
    assert "Water sharing round" in page.content()

    add_form = page.locator("form", has=page.locator("select[name=person]"))
    add_form.locator("select[name=person]").select_option(str(academic.pk))
    add_form.locator("select[name=status]").select_option("attended")
    add_form.get_by_role("button", name="Add to attendance").click()
    expect(page.locator("#derived-track")).to_contain_text("Track 2")

    add_form = page.locator("form", has=page.locator("select[name=person]"))
    add_form.locator("select[name=person]").select_option(str(official.pk))
    add_form.locator("select[name=status]").select_option("attended")
    add_form.get_by_role("button", name="Add to attendance").click()
    expect(page.locator("#derived-track")).to_contain_text("Track 1.5")
    assert "1 serving official (mid-level), 1 non-official" in page.content()
