"""Pol.is exports: import one, export it again in the same format, and round-trip it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from multitrack.consultations import polis, services
from multitrack.consultations.models import Consultation, OpinionMap, Statement, Vote, VoteRecord
from multitrack.opinion.io import read_comments_csv, read_export

pytestmark = pytest.mark.django_db

LONDON = Path(__file__).resolve().parents[1] / "data" / "polis" / "london.youth.policing"


def _empty(workspace: Any, title: str = "Imported") -> Consultation:
    return services.consultation_create(
        actor=workspace.convener, process=workspace.process, title=title, question="Q?"
    )


def _matrix(folder: Path) -> dict[tuple[int, int], int]:
    votes = read_export(folder).votes
    return {
        (int(votes.participant_ids[r]), int(votes.statement_ids[c])): int(v)
        for r, c, v in zip(votes.rows, votes.cols, votes.values, strict=True)
    }


def test_a_polis_export_imports_with_its_history(workspace: Any) -> None:
    consultation = _empty(workspace)
    counts = polis.polis_import(actor=workspace.convener, consultation=consultation, folder=LONDON)
    original = _matrix(LONDON)
    assert counts["votes"] == VoteRecord.objects.filter(consultation=consultation).count() == 640
    stored = {
        (p, s): v
        for p, s, v in Vote.objects.filter(consultation=consultation).values_list(
            "participant__number", "statement__number", "value"
        )
    }
    assert stored == original
    comments = {c.id: c for c in read_comments_csv(LONDON / "comments.csv")}
    for s in consultation.statements.all():
        if s.number in comments:
            assert s.text == comments[s.number].text
            expected = {1: "accepted", -1: "rejected", 0: "pending"}[comments[s.number].moderated]
            assert s.status == expected
    assert OpinionMap.objects.filter(consultation=consultation).exists()


def test_export_then_import_round_trips(workspace: Any, tmp_path: Path) -> None:
    first = _empty(workspace, "First")
    polis.polis_import(actor=workspace.convener, consultation=first, folder=LONDON)
    Statement.objects.filter(consultation=first, number=1).update(is_meta=True)
    services.map_recompute(consultation_id=first.pk)
    exported = tmp_path / "one"
    exported.mkdir()
    polis.polis_export(consultation=first, folder=exported)
    assert _matrix(exported) == _matrix(LONDON)

    second = _empty(workspace, "Second")
    polis.polis_import(actor=workspace.convener, consultation=second, folder=exported)
    again = tmp_path / "two"
    again.mkdir()
    polis.polis_export(consultation=second, folder=again)
    for name in ("votes.csv", "comments.csv"):
        assert (again / name).read_text() == (exported / name).read_text(), name
    assert Statement.objects.get(consultation=second, number=1).is_meta
    # The map of the re-imported consultation agrees with the original's.
    maps = [
        OpinionMap.objects.filter(consultation=c).order_by("-pk").first() for c in (first, second)
    ]
    assert maps[0] is not None and maps[1] is not None
    assert maps[0].n_votes == maps[1].n_votes
    assert np.allclose(
        np.abs(maps[0].result["participants"]["x"]),
        np.abs(maps[1].result["participants"]["x"]),
        atol=1e-3,
    )


def test_import_refuses_a_consultation_that_has_statements(workspace: Any) -> None:
    consultation = services.consultation_create(
        actor=workspace.convener,
        process=workspace.process,
        title="T",
        question="Q",
        seed_statements=["Something already here."],
    )
    with pytest.raises(ValidationError):
        polis.polis_import(actor=workspace.convener, consultation=consultation, folder=LONDON)


def test_a_broken_file_is_refused_with_its_line(workspace: Any, tmp_path: Path) -> None:
    (tmp_path / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n1,,1,1,1\n2,,1,2,7\n"
    )
    with pytest.raises(ValidationError) as error:
        polis.polis_import(
            actor=workspace.convener, consultation=_empty(workspace), folder=tmp_path
        )
    assert "votes.csv, line 3" in str(error.value)


def test_import_page_takes_a_zip(workspace: Any) -> None:
    consultation = _empty(workspace)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name in ("votes.csv", "comments.csv", "participants-votes.csv"):
            bundle.write(LONDON / name, arcname=f"export/{name}")
    buffer.seek(0)
    buffer.name = "export.zip"
    client = workspace.client_for(workspace.convener)
    response = client.post(
        reverse("consultation-import", args=[consultation.pk]), {"archive": buffer}
    )
    assert response.status_code == 302
    assert consultation.statements.count() > 30
    observer = workspace.client_for(workspace.observer)
    buffer.seek(0)
    other = _empty(workspace, "Other")
    response = observer.post(reverse("consultation-import", args=[other.pk]), {"archive": buffer})
    assert response.status_code == 403
