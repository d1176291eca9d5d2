"""A convener opens the process health page and sees the readings and the charts drawn."""

from __future__ import annotations

import pytest

from multitrack.accounts.models import Role
from tests.conftest import PASSWORD
from tests.factories import ProcessFactory, UserFactory, member
from tests.insights.helpers import build_scene
from tests.signin import browser_sign_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
]


def test_convener_reads_the_process_health_page(live_server, page) -> None:  # type: ignore[no-untyped-def]
    convener = UserFactory(username="amara", password=PASSWORD)
    process = ProcessFactory(title="Riverside dialogue")
    member(convener, process, Role.CONVENER)
    build_scene(process, convener)

    browser_sign_in(page, live_server.url, "amara", PASSWORD)

    page.goto(f"{live_server.url}/processes/{process.pk}/health/")
    assert page.locator("h1").inner_text() == "Process health"
    assert "Retention at 6 months: 33% — 2 of 6 first participants still attend." in page.content()
    # Plotly, served by the app, draws the charts (an SVG appears inside each chart element).
    page.wait_for_selector("[data-chart=chart-engagement] .main-svg")
    page.wait_for_selector("[data-chart=chart-representation] .main-svg")
    page.click("text=Evidence: each meeting against the targets")
    assert page.url.endswith("#evidence-inclusivity")
    page.click("text=Report for funders (no names)")
    page.wait_for_selector("article.report")
    assert "no personal names" in page.content()
