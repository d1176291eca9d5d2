"""A statement anyone may write is shown as text: on the participant page and in the map."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from multitrack.consultations import services
from multitrack.consultations.models import Consultation
from tests.conftest import Workspace

pytestmark = pytest.mark.django_db

PAYLOAD = '<img src=x onerror=alert(1)> and <script>alert("owned")</script>'
ESCAPED = "&lt;img src=x onerror=alert(1)&gt; and &lt;script&gt;alert(&quot;owned&quot;)"


def test_a_statement_is_shown_as_text_to_participants(consultation: Consultation) -> None:
    for statement in consultation.statements.all():
        statement.delete()
    services.statement_seed(
        actor=consultation.process.memberships.get(role="convener").user,
        consultation=consultation,
        text=PAYLOAD,
    )

    page = Client().get(reverse("participate", args=[consultation.public_key])).content.decode()

    assert "<img src=x" not in page and "<script>alert" not in page
    assert ESCAPED in page


def test_statements_on_the_opinion_map_are_escaped_for_plotly(
    workspace: Workspace, consultation: Consultation
) -> None:
    number = services.statement_seed(
        actor=workspace.convener, consultation=consultation, text=PAYLOAD
    ).number
    for index in range(12):
        client = Client()
        camp = 1 if index % 2 else -1
        for statement in range(1, number + 1):
            client.post(
                reverse("participate-vote", args=[consultation.public_key]),
                {"statement": statement, "value": camp if statement % 2 else -camp},
            )

    page = workspace.client_for(workspace.analyst).get(
        reverse("consultation-results", args=[consultation.pk])
    )
    html = page.content.decode()

    assert "<img src=x" not in html and "<script>alert" not in html
    found = re.search(r'<script id="opinion-map" type="application/json">(.*?)</script>', html)
    assert found is not None
    figure = json.loads(found.group(1))
    hover = [text for trace in figure["data"] for text in trace.get("text", [])]
    assert any("&lt;img src=x onerror=alert(1)&gt; and &lt;script&gt;" in text for text in hover)
    assert not any("<img" in text or "<script" in text for text in hover)
