"""A facilitator opens an idea from the pipeline board, follows its journey across tracks, and
records the next stage."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from multitrack.accounts.models import Role
from multitrack.ideas import services
from multitrack.ideas.models import Idea
from tests.conftest import PASSWORD
from tests.factories import MeetingFactory, ProcessFactory, UserFactory, member
from tests.signin import browser_sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_facilitator_follows_an_idea_across_tracks(live_server, page) -> None:
    lina = UserFactory(username="lina", password=PASSWORD)
    process = ProcessFactory(title="Coastal dialogue")
    member(lina, process, Role.FACILITATOR)
    born = MeetingFactory(
        process=process, title="Search and rescue at sea", date=datetime.date(2025, 10, 10)
    )
    idea = services.idea_record(
        actor=lina,
        process=process,
        origin_meeting=born,
        title="Duty-officer hotline",
        summary="A direct line between duty officers.",
        issue=Idea.Issue.SECURITY,
    )
    services.idea_stage_change(
        actor=lina,
        idea=idea,
        stage="transferred",
        date=datetime.date(2025, 11, 3),
        reason="Passed to the mediation team",
    )
    services.idea_transfer(
        actor=lina,
        idea=idea,
        date=datetime.date(2025, 11, 3),
        carrier_kind="non_paper",
        recipient_kind="mediator_team",
        response="Taken into the draft.",
    )

    browser_sign_in(page, live_server.url, "lina", PASSWORD)

    page.goto(f"{live_server.url}/ideas/")
    page.locator("section[aria-label=Transferred]").get_by_role(
        "link", name="Duty-officer hotline"
    ).click()
    page.wait_for_selector("#idea-journey")
    journey = page.locator("#idea-journey li")
    assert journey.count() == 3
    assert "Raised" in journey.nth(0).text_content()
    assert "Search and rescue at sea" in journey.nth(0).text_content()
    assert "Track 1" in journey.nth(1).text_content()
    assert "Taken into the draft." in journey.nth(1).text_content()

    form = page.locator("#stage-form")
    form.locator("select[name=stage]").select_option("under_consideration")
    form.locator("input[name=date]").fill("2025-12-01")
    form.locator("input[name=reason]").fill("Tabled by the mediator")
    form.get_by_role("button", name="Change the stage").click()
    # expect() polls from Python: wait_for_function would need eval, which the CSP forbids.
    expect(page.locator("#idea-stage")).to_contain_text("Under official consideration")
    assert page.locator("#idea-journey li").count() == 4
    assert "Tabled by the mediator" in page.locator("#idea-journey").text_content()
