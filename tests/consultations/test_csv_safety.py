"""CSV injection: the human-facing report defuses formulas; the Pol.is export stays raw."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse

from multitrack.consultations import services
from multitrack.consultations.models import Consultation

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x")'
NEGATIVE = "-1 is not a vote; this statement starts with a minus"


@pytest.fixture
def hostile(workspace: Any) -> Consultation:
    return services.consultation_create(
        actor=workspace.convener,
        process=workspace.process,
        title="Hostile text",
        question="Anything?",
        languages=["en"],
        seed_statements=[FORMULA, NEGATIVE, "A plain statement."],
    )


def test_the_report_download_neutralises_formulas(workspace: Any, hostile: Consultation) -> None:
    client = workspace.client_for(workspace.observer)
    response = client.get(reverse("consultation-report", args=[hostile.pk, "csv"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    texts = {int(row[0]): row[-1] for row in rows[1:]}
    assert texts[1] == "'" + FORMULA
    assert texts[2] == "'" + NEGATIVE
    assert texts[3] == "A plain statement."
    # No cell of the download starts with a formula character.
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_the_polis_export_keeps_statement_text_unchanged(
    workspace: Any, hostile: Consultation
) -> None:
    client = workspace.client_for(workspace.convener)
    response = client.get(reverse("consultation-export", args=[hostile.pk]))
    assert response.status_code == 200
    comments = zipfile.ZipFile(io.BytesIO(response.content)).read("comments.csv").decode()
    rows = list(csv.DictReader(io.StringIO(comments)))
    assert [row["comment-body"] for row in rows] == [FORMULA, NEGATIVE, "A plain statement."]
