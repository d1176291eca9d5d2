"""A Pol.is export upload is limited in size, with a message saying so; nothing is imported."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from multitrack.consultations.models import Consultation, Statement
from tests.conftest import Workspace

pytestmark = pytest.mark.django_db

VOTES = b"timestamp,datetime,comment-id,voter-id,vote\n"


def import_files(workspace: Workspace, consultation: Consultation, **files: Any) -> list[str]:
    client = workspace.client_for(workspace.convener)
    response = client.post(reverse("consultation-import", args=[consultation.pk]), files)
    assert response.status_code == 302
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_export_over_the_limit_is_refused_with_the_limit_named(
    workspace: Workspace, consultation: Consultation, settings: Any
) -> None:
    settings.MULTITRACK_POLIS_IMPORT_MAX_BYTES = 1024
    statements = Statement.objects.count()

    messages = import_files(
        workspace, consultation, votes=SimpleUploadedFile("votes.csv", VOTES + b"1" * 2048)
    )

    assert messages == ["The file is larger than 1 KiB, the most one Pol.is import accepts."]
    assert Statement.objects.count() == statements


def test_an_export_far_over_every_limit_is_dropped_while_it_arrives(
    workspace: Workspace, consultation: Consultation, settings: Any
) -> None:
    for name in ("UPLOAD", "IMPORT", "POLIS_IMPORT"):
        setattr(settings, f"MULTITRACK_{name}_MAX_BYTES", 1024)

    messages = import_files(
        workspace, consultation, archive=SimpleUploadedFile("export.zip", bytes(256 * 1024))
    )

    assert messages == ["The file is larger than 1 KiB, the most one Pol.is import accepts."]


def test_a_csv_inside_the_zip_over_the_limit_is_refused(
    workspace: Workspace, consultation: Consultation, settings: Any
) -> None:
    settings.MULTITRACK_POLIS_IMPORT_MAX_BYTES = 4096
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("votes.csv", VOTES + b"0" * 100_000)  # compresses to far under 4 KiB
    statements = Statement.objects.count()

    messages = import_files(
        workspace, consultation, archive=SimpleUploadedFile("export.zip", archive.getvalue())
    )

    assert messages == [
        "votes.csv in the .zip is larger than 4 KiB, the most one Pol.is import accepts."
    ]
    assert Statement.objects.count() == statements


def test_a_file_that_is_not_a_zip_is_refused_clearly(
    workspace: Workspace, consultation: Consultation
) -> None:
    messages = import_files(
        workspace, consultation, archive=SimpleUploadedFile("export.zip", b"not a zip")
    )

    assert messages == ["This file is not a .zip archive that can be read."]
