"""Playwright driving the machine's Chromium against a live test server (a pytest plugin).

Registered once from tests/conftest.py, so every test module can ask for ``page`` or
``browser`` by name. Browser tests skip, saying why, when Chromium is absent; with
MULTITRACK_REQUIRE_BROWSER=1 (as in CI) a missing Chromium fails the run instead. No browser is
ever downloaded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MULTITRACK_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("MULTITRACK_REQUIRE_BROWSER") == "1"

# Without these, Chromium keeps calling home, which this deployment must never do.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that drives the browser is marked, and all run on one worker, in turn."""
    for item in items:
        if {"page", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        message = (
            f"Chromium not found at {CHROMIUM}: browser tests skipped (apt-get install chromium)"
        )
        if REQUIRED:
            pytest.fail(message.replace("skipped", "required"), pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's guard against using the
    # ORM from async code would otherwise refuse the tests' own database work from here on.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield context
        context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    yield page
    page.close()
    browser.clear_cookies()
