"""A tour of the app loads nothing from any other host and breaks no rule of its CSP.

The browser records every request, every console error (Chromium reports each CSP violation as
one) and every uncaught script error while a convener, an anonymous participant and the
administrator walk through the demo workspace: the pages with forms, htmx, Plotly charts, the
API docs and the Django admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from multitrack.actors.models import Conflict, Organisation, Person
from multitrack.consultations.models import Consultation
from multitrack.demo import demo_load
from multitrack.ideas.models import Idea
from multitrack.processes.models import Meeting, Process
from tests.signin import browser_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# Plotly draws heatmaps, and the API docs their icons, as data: images: the only scheme allowed
# besides the page's own origin.
ALLOWED_SCHEMES = {"data"}


@dataclass
class Watch:
    """What the browser did during the tour, and what should not have happened."""

    origin: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pages_without_csp: list[str] = field(default_factory=list)

    def on_request(self, request: Any) -> None:
        url = request.url
        self.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme in ALLOWED_SCHEMES:
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign.append(url)

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} (at {message.location.get('url')})")

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"uncaught: {error}")

    def on_response(self, response: Any) -> None:
        if response.request.resource_type != "document":
            return
        policy = response.headers.get("content-security-policy", "")
        if "default-src 'self'" not in policy or "unsafe-inline" in policy:
            self.pages_without_csp.append(f"{response.url}: {policy!r}")


def log_in(page: Any, base: str, username: str, password: str) -> None:
    # The demo's conveners and administrator have an authenticator app: a real code is typed.
    browser_sign_in(page, base, username, password)


def test_a_tour_of_the_app_loads_nothing_from_another_host(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    logins = {
        login.username: login.password
        for login in demo_load(logins_path=tmp_path / "demo-logins.txt").logins
    }
    base = live_server.url
    watch = Watch(origin=base)
    page.on("request", watch.on_request)
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("response", watch.on_response)

    def visit(url: str, *, wait_for: str | None = None) -> None:
        response = page.goto(f"{base}{url}")
        assert response is not None
        assert response.ok, f"{url} answered {response.status}"
        if wait_for:
            page.wait_for_selector(wait_for)

    # Plotly's own stylesheet rule (.main-svg is absolute) shows its CSS arrived as a file.
    chart = ".chart .main-svg"

    page.goto(f"{base}/accounts/login/")  # the login page, signed out
    log_in(page, base, "amara", logins["amara"])
    process = Process.objects.get(memberships__user__username="amara", title__contains="Coastal")
    meeting = Meeting.objects.filter(process=process).order_by("date").last()
    conflict = Conflict.objects.get()
    person = Person.objects.filter(process_roles__process=process).first()
    idea = Idea.objects.filter(process=process).first()
    consultation = Consultation.objects.get()
    assert meeting and person and idea

    visit(reverse("dashboard"))
    visit(reverse("process-list"))
    visit(process.get_absolute_url())
    visit(meeting.get_absolute_url())
    visit(reverse("person-list"))
    page.fill("input[name=q]", "a")  # htmx: the search swaps in results as you type
    page.wait_for_load_state("networkidle")
    visit(person.get_absolute_url())
    visit(reverse("organisation-list"))
    visit(Organisation.objects.first().get_absolute_url())  # type: ignore[union-attr]
    visit(reverse("conflict-list"))
    visit(conflict.get_absolute_url())
    visit(reverse("official-track-list", args=[conflict.pk]))
    visit(reverse("channel-overview", args=[conflict.pk]), wait_for=chart)
    visit(idea.get_absolute_url())
    visit(reverse("idea-board"))
    visit(reverse("process-health", args=[process.pk]), wait_for=chart)
    visit(reverse("consultation-results", args=[consultation.pk]), wait_for=chart)
    visit(reverse("two-step"))
    visit(reverse("two-step-authenticator"), wait_for="svg.qr-code")  # the QR code, drawn here
    visit(reverse("two-step-setup"), wait_for="#passkey-register-button")  # the passkey script
    visit("/api/v1/docs", wait_for=".swagger-ui .info")
    page.click(".opblock-summary >> nth=0")  # its icons are data: images
    page.wait_for_selector(".opblock-body")
    visit(reverse("dashboard"))
    page.click("form.logout button[type=submit]")
    page.wait_for_url(f"{base}/accounts/login/")

    visit(reverse("participate", args=[consultation.public_key]))  # an anonymous participant
    Consultation.objects.filter(pk=consultation.pk).update(
        results_visibility=Consultation.ResultsVisibility.PUBLIC
    )
    visit(reverse("participate-map", args=[consultation.public_key]), wait_for=chart)

    log_in(page, base, "admin", logins["admin"])
    admin_user = get_user_model().objects.get(username="admin")
    visit("/admin/")
    visit("/admin/auth/user/")
    visit(f"/admin/auth/user/{admin_user.pk}/change/")

    assert not watch.foreign, "requests to other hosts:\n" + "\n".join(watch.foreign)
    assert not watch.errors, "console errors (CSP violations among them):\n" + "\n".join(
        watch.errors
    )
    assert not watch.pages_without_csp, "pages without the strict CSP:\n" + "\n".join(
        watch.pages_without_csp
    )
    assert len(watch.requests) > 40
