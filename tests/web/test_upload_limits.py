"""Every upload passes one size cap while it arrives; the people import says why a file is gone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from multitrack.actors.models import Person
from multitrack.web.uploads import request_file_max_bytes
from tests.conftest import Workspace

pytestmark = pytest.mark.django_db


def test_the_cap_is_the_largest_upload_any_form_accepts(settings: Any) -> None:
    settings.MULTITRACK_UPLOAD_MAX_BYTES = 10
    settings.MULTITRACK_IMPORT_MAX_BYTES = 30
    settings.MULTITRACK_POLIS_IMPORT_MAX_BYTES = 20

    assert request_file_max_bytes() == 30


def test_a_people_import_far_over_every_limit_says_it_is_too_large(
    workspace: Workspace, settings: Any
) -> None:
    for name in ("UPLOAD", "IMPORT", "POLIS_IMPORT"):
        setattr(settings, f"MULTITRACK_{name}_MAX_BYTES", 2048)
    people = Person.objects.count()
    content = b"pseudonym,display_name\n" + b"a,b\n" * 100_000

    response = workspace.client_for(workspace.convener).post(
        reverse("people-import", args=[workspace.process.pk]),
        {"file": SimpleUploadedFile("people.csv", content, content_type="text/csv")},
    )

    assert response.status_code == 200
    assert [str(p) for p in response.context["problems"]] == [
        "The file is larger than 2 KB, the most one import accepts. Split it into smaller files."
    ]
    assert "This field is required" not in response.content.decode()
    assert Person.objects.count() == people


def test_the_django_upload_settings_keep_uploads_bounded(settings: Any) -> None:
    assert settings.FILE_UPLOAD_HANDLERS[0] == "multitrack.web.uploads.SizeLimitedUploadHandler"
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 10
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 4 * 1024 * 1024
