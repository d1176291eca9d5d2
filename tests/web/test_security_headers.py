"""Every response carries the strict CSP and the other security headers; no template needs more.

The browser tour (tests/browser/test_no_third_party.py) shows the pages work under the policy;
these tests pin the headers and keep inline code out of the templates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

import multitrack
from multitrack.web import plotly_css
from multitrack.web.middleware import PERMISSIONS_POLICY
from tests.conftest import Workspace

TEMPLATES = sorted(Path(multitrack.__file__).parent.glob("*/templates/**/*.html"))

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-hashes' 'sha256-AR/cKIZjWPcPmBUPDA6oti9XBiTbJvz0Cro2J1VzzS8='",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy_of(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return dict(directives)


@pytest.mark.django_db
def test_the_login_page_carries_the_strict_policy(client: Client) -> None:
    response = client.get(reverse("login"))
    assert policy_of(response) == EXPECTED_POLICY


@pytest.mark.django_db
def test_signed_in_pages_carry_the_policy_and_are_not_stored(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.convener).get(workspace.process.get_absolute_url())
    assert response.status_code == 200
    assert policy_of(response) == EXPECTED_POLICY
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_a_not_found_page_carries_the_policy_too(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert policy_of(response) == EXPECTED_POLICY


@pytest.mark.django_db
def test_the_api_docs_need_no_exception(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.convener).get("/api/v1/docs")
    assert response.status_code == 200
    assert policy_of(response) == EXPECTED_POLICY
    assert b"<script>" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/no-such-page/"])
def test_the_other_security_headers_are_sent(client: Client, path: str) -> None:
    response = client.get(path)
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    for feature in ("camera", "microphone", "geolocation", "display-capture", "usb"):
        assert f"{feature}=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_no_version_banner_is_sent(client: Client) -> None:
    # Django sends none; the Server header is the web server's (see docs/security.md).
    response = client.get(reverse("login"))
    assert not response.has_header("Server")
    assert not response.has_header("X-Powered-By")
    assert b"Django" not in response.content


def test_permissions_policy_leaves_webauthn_to_the_browser_default() -> None:
    assert "publickey-credentials" not in PERMISSIONS_POLICY


@pytest.mark.django_db
def test_the_favicon_is_served_by_the_app(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("multitrack/favicon.svg")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: "/".join(path.parts[-2:]))
def test_templates_hold_no_inline_script_style_or_handler(template: Path) -> None:
    text = re.sub(
        r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}",
        "",
        template.read_text(encoding="utf-8"),
        flags=re.DOTALL,
    )
    # A <script> is allowed only with a src, or as inert JSON data.
    for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<style\b", text, flags=re.IGNORECASE)
    assert not re.search(r"\sstyle\s*=", text, flags=re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", text, flags=re.IGNORECASE)
    assert not re.search(r"\shx-on", text, flags=re.IGNORECASE)
    assert "javascript:" not in text.lower()


def test_htmx_injects_no_style_and_evaluates_no_code() -> None:
    base = (Path(multitrack.__file__).parent / "web/templates/base.html").read_text()
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false, "allowScriptTags": false}\'>'
    ) in base


def test_plotly_stylesheets_match_the_installed_plotly() -> None:
    source = plotly_css.plotly_source()
    message = "Plotly changed: run .venv/bin/python -m multitrack.web.plotly_css"
    assert plotly_css.GLOBAL_CSS.read_text() == plotly_css.global_css(source), message
    maplibre_id, css = plotly_css.maplibre_style(source)
    assert plotly_css.MAPLIBRE_CSS.read_text() == css, message
    include = (Path(multitrack.__file__).parent / "web/templates/web/_plotly.html").read_text()
    assert f'id="{maplibre_id}"' in include, message
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in include
    attribute_sources = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src-attr"]
    assert f"'{plotly_css.pixelated_style_hash(source)}'" in attribute_sources, message


def test_pages_with_charts_load_plotly_only_through_the_include() -> None:
    for template in TEMPLATES:
        text = template.read_text(encoding="utf-8")
        if "plotly.min.js" in text:
            assert template.name == "_plotly.html", template
