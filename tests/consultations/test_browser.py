"""Three participants vote on their phones; the convener watches opinion groups appear."""

from __future__ import annotations

from typing import Any

import pytest

from multitrack.accounts.models import Role
from multitrack.consultations import services
from tests.conftest import PASSWORD
from tests.factories import ProcessFactory, UserFactory, member
from tests.signin import browser_sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
]

PHONE = {"width": 390, "height": 844}


def _vote_everything(tab: Any, url: str, camp: int) -> None:
    tab.goto(url)
    for _ in range(10):
        if tab.locator("#all-done").count():
            return
        number = int(tab.locator("input[name=statement]").get_attribute("value"))
        agree = (number % 2 == 1) == (camp == 0)
        tab.click("button.vote.agree" if agree else "button.vote.disagree")
        tab.wait_for_load_state()
    raise AssertionError("the participant never ran out of statements")


def test_three_participants_vote_and_the_convener_sees_groups(
    live_server: Any,
    page: Any,
    browser: Any,
) -> None:
    convener = UserFactory(username="amara", password=PASSWORD)
    process = ProcessFactory(title="Strait dialogue")
    member(convener, process, Role.CONVENER)
    consultation = services.consultation_create(
        actor=convener,
        process=process,
        title="Strait fisheries",
        question="What would make fishing fair?",
        languages=["en"],
        seed_statements=[
            "Quotas should be set jointly.",
            "Northern boats keep their historic grounds.",
            "A joint patrol would reduce incidents.",
            "Compensation must come first.",
        ],
    )
    link = f"{live_server.url}{consultation.participant_url()}"

    page.set_viewport_size(PHONE)
    for camp in (0, 0, 1):
        _vote_everything(page, link, camp)
        assert "every statement" in page.content()
        browser.clear_cookies()  # the next participant is another browser

    page.set_viewport_size({"width": 1280, "height": 900})
    browser_sign_in(page, live_server.url, "amara", PASSWORD)
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/results/")
    page.wait_for_selector("#group-cards .group-card")
    assert page.locator("#group-cards .group-card").count() == 2
    assert page.locator("#n-participants").inner_text() == "3"
    assert "Map last updated" in page.content()
    page.wait_for_selector("[data-chart=opinion-map] .main-svg")
