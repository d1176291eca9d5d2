"""HTML in anything a user types is shown as text: pages, charts and exports never run it.

Two payloads throughout: a ``<script>`` element and an ``<img onerror>`` attribute, in a note,
a person's name, an idea and a non-paper (statements: tests/consultations).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from docx import Document as WordDocument
from pypdf import PdfReader

from multitrack.ideas import documents, services
from multitrack.ideas.models import Idea
from multitrack.processes.services import note_write
from multitrack.web.text_safety import markdown_safe, plotly_safe
from tests.conftest import Workspace
from tests.factories import AttendanceFactory, ParticipantFactory, PersonFactory

SCRIPT = '<script>alert("owned")</script>'
IMG = "<img src=x onerror=alert(1)>"
SRC = Path(__file__).resolve().parents[2] / "src" / "multitrack"


def assert_shown_as_text(html: str) -> None:
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.django_db
def test_a_note_is_shown_as_text(workspace: Workspace) -> None:
    note_write(actor=workspace.facilitator, meeting=workspace.meeting, text=f"{SCRIPT} and {IMG}")

    page = workspace.client_for(workspace.convener).get(workspace.meeting.get_absolute_url())

    assert_shown_as_text(page.content.decode())


@pytest.mark.django_db
def test_a_person_s_names_are_shown_as_text(workspace: Workspace) -> None:
    person = PersonFactory(pseudonym=f"P {SCRIPT}", display_name=f"Real {IMG} {SCRIPT}")
    ParticipantFactory(process=workspace.process, person=person)
    AttendanceFactory(meeting=workspace.meeting, person=person)
    client = workspace.client_for(workspace.convener)  # with need-to-know: the real name

    for url in (reverse("person-detail", args=[person.pk]), workspace.meeting.get_absolute_url()):
        assert_shown_as_text(client.get(url).content.decode())
    # Observers see the pseudonym only.
    listed = workspace.client_for(workspace.observer).get(reverse("person-list")).content.decode()
    assert SCRIPT not in listed and IMG not in listed
    assert "P &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in listed


@pytest.fixture
def idea(workspace: Workspace) -> Idea:
    return services.idea_record(
        actor=workspace.facilitator,
        process=workspace.process,
        origin_meeting=workspace.meeting,
        title=f"Commission {SCRIPT}",
        summary=f"Shares water {IMG}",
        issue=Idea.Issue.ECONOMY,
    )


@pytest.mark.django_db
def test_an_idea_is_shown_as_text(workspace: Workspace, idea: Idea) -> None:
    client = workspace.client_for(workspace.facilitator)

    assert_shown_as_text(client.get(reverse("idea-detail", args=[idea.pk])).content.decode())
    board = client.get(reverse("idea-board")).content.decode()  # titles only
    assert SCRIPT not in board and "Commission &lt;script&gt;" in board


@pytest.mark.django_db
def test_non_paper_exports_carry_the_text_but_no_markup(workspace: Workspace, idea: Idea) -> None:
    non_paper = services.non_paper_create(
        actor=workspace.facilitator,
        process=workspace.process,
        title=f"Options {SCRIPT}",
        context=f"Context {IMG} & more",
        ideas=[idea],
    )
    document = documents.non_paper_document(non_paper)

    markdown = documents.render(document, "md").decode()
    assert "<script" not in markdown and "<img" not in markdown and "onerror=alert" not in markdown
    assert "Context  &amp; more" in markdown  # the words stay, the tag is gone
    assert "Shares water" in markdown

    word = WordDocument(io.BytesIO(documents.render(document, "docx")))
    assert f"Options {SCRIPT}" in [p.text for p in word.paragraphs]  # literal text, not markup
    with zipfile.ZipFile(io.BytesIO(documents.render(document, "docx"))) as bundle:
        assert b"<script>" not in bundle.read("word/document.xml")

    pdf = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(documents.render(document, "pdf"))).pages
    )
    assert "alert(1)" in pdf  # printed as the characters typed; a PDF runs no HTML


def test_markdown_sanitising_drops_tags_and_keeps_words() -> None:
    assert markdown_safe(f"Before {SCRIPT}{IMG} after a < b") == "Before  after a &lt; b"


def test_every_text_in_a_chart_is_escaped_but_its_templates_are_not() -> None:
    figure = {
        "data": [
            {
                "name": f"Party {IMG}",
                "text": [SCRIPT, "plain"],
                "y": [f"<b>{IMG}</b>"],
                "hovertemplate": "%{text}<extra>%{fullData.name}</extra>",
                "marker": {"size": 12, "color": "#37474f"},
            }
        ],
        "layout": {"title": {"text": f"Title {SCRIPT}"}},
    }

    safe = plotly_safe(figure)

    trace = safe["data"][0]
    assert trace["name"] == "Party &lt;img src=x onerror=alert(1)&gt;"
    assert trace["text"] == ['&lt;script&gt;alert("owned")&lt;/script&gt;', "plain"]
    assert trace["y"] == ["&lt;b&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/b&gt;"]
    assert trace["hovertemplate"] == "%{text}<extra>%{fullData.name}</extra>"
    assert trace["marker"] == {"size": 12, "color": "#37474f"}
    assert safe["layout"]["title"]["text"].startswith("Title &lt;script&gt;")


def test_the_chart_filter_escapes_for_plotly_and_for_the_script_element() -> None:
    rendered = Template('{% load charts %}{{ figure|plotly_json:"map" }}').render(
        Context({"figure": {"data": [{"text": [f"</script>{IMG}"]}]}})
    )

    assert "</script><img" not in rendered
    payload = re.search(r'<script id="map" type="application/json">(.*)</script>', rendered)
    assert payload is not None
    assert json.loads(payload.group(1)) == {
        "data": [{"text": ["&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"]}]
    }


# Guards: no way around the escaping is added without a test failing. -----------------------------

# Places that may mark HTML safe, and why.
MARKED_SAFE_ALLOWED = {
    # The QR code of a new authenticator: an SVG drawn by the qrcode library from the otpauth URI;
    # it holds paths only, no text of any user.
    "accounts/mfa.py",
    # track_badge: format_html with a track value from a fixed set, escaped by format_html anyway.
    "web/templatetags/multitrack.py",
    # plotly_json: json_script output (it escapes <, > and &), after plotly_safe.
    "web/templatetags/charts.py",
}


def test_no_template_turns_escaping_off() -> None:
    offending = [
        f"{path.relative_to(SRC)}: {match}"
        for path in SRC.rglob("*.html")
        if "static" not in path.parts
        for match in re.findall(r"\|\s*safe\b|\|\s*safeseq\b|autoescape\s+off", path.read_text())
    ]
    assert offending == []


def test_only_the_allowed_modules_mark_html_safe() -> None:
    marking = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
        and re.search(
            r"\bmark_safe\(|\bSafeString\(|\bformat_html\(|json_script\(", path.read_text()
        )
    }
    assert marking <= MARKED_SAFE_ALLOWED


def test_every_chart_goes_through_the_escaping_filter() -> None:
    templates = [path for path in SRC.rglob("*.html") if "static" not in path.parts]
    charts = [path for path in templates if "data-chart=" in path.read_text()]

    assert charts, "no chart templates found"
    for path in charts:
        text = path.read_text()
        assert "plotly_json" in text and "json_script" not in text, path.relative_to(SRC)
