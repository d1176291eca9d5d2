"""Meeting attachments: checked by content, stored under random names, served only to those who
may read them, refused cleanly when too large, over quota or when the disk is full."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from multitrack import file_encryption
from multitrack.accounts.models import AuditEvent
from multitrack.encrypted_fields import field_keys_rotate
from multitrack.processes.attachment_files import attachment_files_census, attachment_files_rotate
from multitrack.processes.attachments import attachment_upload
from multitrack.processes.models import MeetingAttachment
from multitrack.web import uploads
from tests.conftest import Workspace

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 40 + b"%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64) + b"\xff\xd9"


@pytest.fixture(autouse=True)
def upload_folder(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.MULTITRACK_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.MULTITRACK_UPLOAD_QUOTA_BYTES = 0
    return Path(settings.MEDIA_ROOT)


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Agenda: water, grazing rights, the bridge.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        for name, content in entries.items():
            # The ODF rule: "mimetype" first and stored, not compressed.
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            bundle.writestr(name, content, compress_type=method)
    return out.getvalue()


def odt_bytes() -> bytes:
    return zip_bytes(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
        }
    )


def ooxml_bytes(main_type: str, part: str) -> bytes:
    declaration = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/{part}" ContentType="{main_type}"/></Types>'
    )
    return zip_bytes({"[Content_Types].xml": declaration.encode(), part: b"<workbook/>"})


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"


def upload(client: Client, workspace: Workspace, name: str, content: bytes) -> Any:
    url = reverse("attachment-add", args=[workspace.meeting.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def stored_files(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != uploads.LOCK_NAME
    )


# Uploading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["convener", "facilitator"])
def test_a_document_is_stored_under_a_random_name_with_its_own_name_kept(
    workspace: Workspace, upload_folder: Path, role: str
) -> None:
    client = workspace.client_for(getattr(workspace, role))

    response = upload(client, workspace, "Minutes of the Geneva round.pdf", PDF_BYTES)

    assert response.status_code == 302
    assert response["Location"].endswith(f"/meetings/{workspace.meeting.pk}/#attachments")
    attachment = MeetingAttachment.objects.get()
    assert attachment.original_name == "Minutes of the Geneva round.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size_bytes == len(PDF_BYTES)
    [name] = stored_files(upload_folder)
    assert name == attachment.file.name
    # Nothing in the name tells what the file is or what it is called.
    assert name.startswith("attachments/") and name.endswith(".sealed")
    assert "Geneva" not in name and "Minutes" not in name and ".pdf" not in name
    assert (upload_folder / name).read_bytes() != PDF_BYTES  # encrypted: see below
    assert (upload_folder / name).stat().st_mode & 0o077 == 0


def test_the_upload_is_audited_without_the_name_or_the_content(
    workspace: Workspace,
) -> None:
    upload(workspace.client_for(workspace.convener), workspace, "Khalid's notes.pdf", PDF_BYTES)
    attachment = MeetingAttachment.objects.get()

    event = AuditEvent.objects.get(action="processes.attachment.uploaded")

    assert event.actor == workspace.convener
    assert event.process == workspace.process
    assert event.target_id == str(attachment.pk)
    assert "Khalid" not in repr(vars(event))


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("minutes.pdf", PDF_BYTES, "application/pdf"),
        ("map.png", PNG_BYTES, "image/png"),
        ("room.jpeg", JPEG_BYTES, "image/jpeg"),
        (
            "agenda.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "budget.xlsx",
            ooxml_bytes(XLSX_TYPE, "xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("paper.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
        ("notes.txt", "Délégations : café à 10 h.\n".encode(), "text/plain"),
        ("roster.csv", b"name,role\nA,chair\n", "text/csv"),
    ],
)
def test_each_accepted_kind_is_recognised_by_its_content(
    workspace: Workspace, name: str, content: bytes, content_type: str
) -> None:
    response = upload(workspace.client_for(workspace.facilitator), workspace, name, content)

    assert response.status_code == 302
    assert MeetingAttachment.objects.get().content_type == content_type


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00" + bytes(100), "This kind of file cannot be attached"),
        ("report.pdf", b"MZ\x90\x00" + bytes(100), "This kind of file cannot be attached"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "but its name does not end"),
        ("drawing.svg", b'<svg onload="alert(1)"/>', "but its name does not end"),
        (
            "macros.docx",
            ooxml_bytes(DOCM_TYPE, "word/document.xml"),
            "This kind of file cannot be attached",
        ),
        ("archive.zip", zip_bytes({"a.txt": b"hello"}), "This kind of file cannot be attached"),
        ("binary.txt", b"text then \x00\x01\x02 binary", "This kind of file cannot be attached"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), "This kind of file cannot be attached"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_a_file_of_another_kind_is_refused_and_nothing_is_stored(
    workspace: Workspace, upload_folder: Path, name: str, content: bytes, message: str
) -> None:
    response = upload(workspace.client_for(workspace.convener), workspace, name, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MeetingAttachment.objects.exists()
    assert stored_files(upload_folder) == []
    assert not AuditEvent.objects.filter(action="processes.attachment.uploaded").exists()


def test_a_file_over_the_size_limit_is_refused(
    workspace: Workspace, upload_folder: Path, settings: Any
) -> None:
    settings.MULTITRACK_UPLOAD_MAX_BYTES = 100

    response = upload(workspace.client_for(workspace.convener), workspace, "big.pdf", PDF_BYTES)

    assert response.status_code == 400
    assert "The file is larger than 100 bytes" in response.content.decode()
    assert not MeetingAttachment.objects.exists()
    assert stored_files(upload_folder) == []


def test_a_file_far_over_every_limit_is_dropped_while_it_arrives(
    workspace: Workspace, upload_folder: Path, settings: Any
) -> None:
    settings.MULTITRACK_UPLOAD_MAX_BYTES = 1024
    settings.MULTITRACK_IMPORT_MAX_BYTES = 1024
    settings.MULTITRACK_POLIS_IMPORT_MAX_BYTES = 1024
    huge = b"%PDF-1.7\n" + bytes(256 * 1024)

    response = upload(workspace.client_for(workspace.convener), workspace, "huge.pdf", huge)

    assert uploads.upload_was_refused(response.wsgi_request, "file")
    assert response.status_code == 400
    assert "The file is larger than 1 KiB" in response.content.decode()
    assert not MeetingAttachment.objects.exists()


def test_an_upload_over_the_folder_quota_is_refused_and_leaves_nothing(
    workspace: Workspace, upload_folder: Path, settings: Any
) -> None:
    client = workspace.client_for(workspace.convener)
    upload(client, workspace, "first.pdf", PDF_BYTES)
    before = stored_files(upload_folder)
    settings.MULTITRACK_UPLOAD_QUOTA_BYTES = len(PDF_BYTES) + 100

    response = upload(client, workspace, "second.pdf", PDF_BYTES)

    assert response.status_code == 400
    assert "The upload folder holds at most" in response.content.decode()
    assert MeetingAttachment.objects.count() == 1
    assert stored_files(upload_folder) == before


@pytest.fixture
def full_disk(upload_folder: Path) -> Iterator[Path]:
    """The upload folder on a 256 KiB tmpfs (root only): real ENOSPC, no mocks."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs for the disk-full test needs root")
    upload_folder.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(upload_folder)],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"this machine cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield upload_folder
    finally:
        subprocess.run(["umount", str(upload_folder)], check=True)  # noqa: S607


def test_a_full_disk_gives_a_clear_error_and_leaves_no_partial_file(
    workspace: Workspace, full_disk: Path
) -> None:
    client = workspace.client_for(workspace.convener)
    # 200 KiB fit; the next 100 KiB run out of room halfway through the write.
    assert (
        upload(client, workspace, "first.pdf", b"%PDF-1.7\n" + bytes(200 * 1024)).status_code == 302
    )
    before = stored_files(full_disk)

    response = upload(client, workspace, "second.pdf", b"%PDF-1.7\n" + bytes(100 * 1024))

    assert response.status_code == 400
    assert "The upload folder is full, so the file was not saved" in response.content.decode()
    assert MeetingAttachment.objects.count() == 1
    assert stored_files(full_disk) == before
    assert not [p for p in full_disk.rglob("*") if p.name.startswith(uploads.INCOMING_PREFIX)]
    # And the folder still works once there is room again.
    assert upload(client, workspace, "small.pdf", PDF_BYTES).status_code == 302


def test_a_row_that_cannot_be_saved_takes_the_stored_file_away(
    workspace: Workspace, upload_folder: Path
) -> None:
    meeting = workspace.meeting
    meeting.delete()  # the row can no longer point at it

    with pytest.raises(ValidationError, match="meeting"):
        attachment_upload(
            actor=workspace.convener,
            meeting=meeting,
            upload=SimpleUploadedFile("orphan.pdf", PDF_BYTES),
        )

    assert stored_files(upload_folder) == []


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("observer", 403)])
def test_members_without_the_permission_cannot_upload(
    workspace: Workspace, upload_folder: Path, role: str, status: int
) -> None:
    response = upload(workspace.client_for(getattr(workspace, role)), workspace, "a.pdf", PDF_BYTES)

    assert response.status_code == status
    assert stored_files(upload_folder) == []


def test_an_outsider_cannot_upload_and_learns_nothing(
    workspace: Workspace, upload_folder: Path
) -> None:
    response = upload(workspace.client_for(workspace.outsider), workspace, "a.pdf", PDF_BYTES)

    assert response.status_code == 404
    assert stored_files(upload_folder) == []


def test_the_upload_url_rejects_get(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    assert client.get(reverse("attachment-add", args=[workspace.meeting.pk])).status_code == 405


# Downloading -----------------------------------------------------------------------------------


@pytest.fixture
def attachment(workspace: Workspace) -> MeetingAttachment:
    return attachment_upload(
        actor=workspace.convener,
        meeting=workspace.meeting,
        upload=SimpleUploadedFile('Délégation "A" <notes>.pdf', PDF_BYTES),
    )


def download_url(attachment: MeetingAttachment, meeting_pk: int | None = None) -> str:
    return reverse("attachment-download", args=[meeting_pk or attachment.meeting_id, attachment.pk])


@pytest.mark.parametrize("role", ["convener", "facilitator", "analyst"])
def test_readers_download_the_document_as_an_attachment(
    workspace: Workspace, attachment: MeetingAttachment, role: str
) -> None:
    response = workspace.client_for(getattr(workspace, role)).get(download_url(attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Cache-Control" in response and "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_download_name_is_the_sanitised_original_name(
    workspace: Workspace, attachment: MeetingAttachment
) -> None:
    response = workspace.client_for(workspace.convener).get(download_url(attachment))

    assert attachment.original_name == "Délégation _A_ _notes_.pdf"
    assert (
        "filename*=utf-8''D%C3%A9l%C3%A9gation%20_A_%20_notes_.pdf"
        in (response["Content-Disposition"])
    )


def test_each_download_is_audited(workspace: Workspace, attachment: MeetingAttachment) -> None:
    workspace.client_for(workspace.analyst).get(download_url(attachment))

    event = AuditEvent.objects.get(action="processes.attachment.downloaded")
    assert (event.actor, event.target_id) == (workspace.analyst, str(attachment.pk))


@pytest.mark.parametrize("role", ["observer", "outsider"])
def test_observers_and_outsiders_get_404_for_an_attachment(
    workspace: Workspace, attachment: MeetingAttachment, role: str
) -> None:
    response = workspace.client_for(getattr(workspace, role)).get(download_url(attachment))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="processes.attachment.downloaded").exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(attachment: MeetingAttachment) -> None:
    response = Client().get(download_url(attachment))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_attachment_is_not_reachable_through_another_meeting(
    workspace: Workspace, attachment: MeetingAttachment
) -> None:
    stranger_attachment = attachment_upload(
        actor=workspace.other_process.memberships.get().user,
        meeting=workspace.other_meeting,
        upload=SimpleUploadedFile("secret.pdf", PDF_BYTES),
    )
    client = workspace.client_for(workspace.convener)

    assert client.get(download_url(stranger_attachment, workspace.meeting.pk)).status_code == 404
    assert client.get(download_url(stranger_attachment)).status_code == 404
    assert client.get(download_url(attachment, workspace.other_meeting.pk)).status_code == 404


def test_the_stored_file_has_no_public_url(
    workspace: Workspace, attachment: MeetingAttachment, upload_folder: Path
) -> None:
    client = workspace.client_for(workspace.convener)
    name = attachment.file.name
    for prefix in ("/media/", "/uploads/", "/static/", "/var/uploads/", "/"):
        assert client.get(prefix + name).status_code == 404, prefix


def test_the_download_url_rejects_post(workspace: Workspace, attachment: MeetingAttachment) -> None:
    response = workspace.client_for(workspace.convener).post(download_url(attachment))
    assert response.status_code == 405


def test_a_missing_file_is_a_404_not_a_crash(
    workspace: Workspace, attachment: MeetingAttachment, upload_folder: Path
) -> None:
    (upload_folder / attachment.file.name).unlink()

    response = workspace.client_for(workspace.convener).get(download_url(attachment))

    assert response.status_code == 404


# Removing --------------------------------------------------------------------------------------


def remove_url(attachment: MeetingAttachment) -> str:
    return reverse("attachment-remove", args=[attachment.meeting_id, attachment.pk])


def test_a_facilitator_removes_an_attachment_and_its_file(
    workspace: Workspace,
    attachment: MeetingAttachment,
    upload_folder: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = workspace.client_for(workspace.facilitator).post(remove_url(attachment))

    assert response.status_code == 302
    assert not MeetingAttachment.objects.exists()
    assert stored_files(upload_folder) == []
    assert AuditEvent.objects.filter(
        action="processes.attachment.removed", target_id=str(attachment.pk)
    ).exists()


def test_deleting_a_meeting_takes_its_attachment_files_too(
    workspace: Workspace,
    attachment: MeetingAttachment,
    upload_folder: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        workspace.meeting.delete()

    assert stored_files(upload_folder) == []


@pytest.mark.parametrize(
    ("role", "status"), [("analyst", 403), ("observer", 404), ("outsider", 404)]
)
def test_others_cannot_remove_an_attachment(
    workspace: Workspace, attachment: MeetingAttachment, upload_folder: Path, role: str, status: int
) -> None:
    response = workspace.client_for(getattr(workspace, role)).post(remove_url(attachment))

    assert response.status_code == status
    assert MeetingAttachment.objects.filter(pk=attachment.pk).exists()
    assert stored_files(upload_folder) == [attachment.file.name]


def test_the_remove_url_rejects_get(workspace: Workspace, attachment: MeetingAttachment) -> None:
    assert workspace.client_for(workspace.convener).get(remove_url(attachment)).status_code == 405


# The meeting page ------------------------------------------------------------------------------


def test_the_meeting_page_lists_attachments_and_offers_the_upload_form(
    workspace: Workspace, attachment: MeetingAttachment
) -> None:
    page = workspace.client_for(workspace.facilitator).get(workspace.meeting.get_absolute_url())
    html = page.content.decode()

    assert download_url(attachment) in html
    assert "Délégation _A_ _notes_.pdf" in html
    assert 'enctype="multipart/form-data"' in html
    assert f'action="{reverse("attachment-add", args=[workspace.meeting.pk])}"' in html
    assert remove_url(attachment) in html


def test_an_analyst_sees_the_attachments_but_no_upload_form(
    workspace: Workspace, attachment: MeetingAttachment
) -> None:
    html = workspace.client_for(workspace.analyst).get(workspace.meeting.get_absolute_url())
    text = html.content.decode()

    assert download_url(attachment) in text
    assert f'action="{reverse("attachment-add", args=[workspace.meeting.pk])}"' not in text
    assert remove_url(attachment) not in text


def test_an_observer_does_not_learn_that_attachments_exist(
    workspace: Workspace, attachment: MeetingAttachment
) -> None:
    text = workspace.client_for(workspace.observer).get(workspace.meeting.get_absolute_url())

    assert "Attachments" not in text.content.decode()
    assert "notes_.pdf" not in text.content.decode()


# The rules behind it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kind", "expected"),
    [
        ("minutes.pdf", uploads.PDF, "minutes.pdf"),
        ("C:\\Users\\amal\\Desktop\\minutes.PDF", uploads.PDF, "minutes.pdf"),
        ("../../etc/passwd.pdf", uploads.PDF, "passwd.pdf"),
        ("...hidden.pdf", uploads.PDF, "hidden.pdf"),
        ("report\u202efdp.exe", uploads.PDF, "reportfdp.exe.pdf"),
        ("a<b>c:d|e?.txt", uploads.TEXT, "a_b_c_d_e_.txt"),
        ("no extension", uploads.PNG, "no extension.png"),
        ("", uploads.JPEG, "attachment.jpg"),
        ("x" * 400 + ".csv", uploads.CSV, "x" * 146 + ".csv"),
        ("tab\tand\nnewline.txt", uploads.TEXT, "tab and newline.txt"),
    ],
)
def test_file_names_are_made_safe(given: str, kind: uploads.FileKind, expected: str) -> None:
    assert uploads.sanitise_file_name(given, kind=kind) == expected


@pytest.mark.parametrize(
    ("byte_count", "words"),
    [(300, "300 bytes"), (1024, "1 KiB"), (10 * 1024 * 1024, "10 MiB"), (1536, "1.5 KiB")],
)
def test_sizes_read_in_words(byte_count: int, words: str) -> None:
    assert uploads.size_in_words(byte_count) == words


def test_a_half_written_file_left_by_a_crash_is_cleared_by_the_next_upload(
    workspace: Workspace, upload_folder: Path
) -> None:
    stale = upload_folder / "attachments" / f"{uploads.INCOMING_PREFIX}crashed"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-1.7 half")
    day_ago = stale.stat().st_mtime - uploads.STALE_INCOMING_SECONDS - 60
    os.utime(stale, (day_ago, day_ago))
    fresh = stale.with_name(f"{uploads.INCOMING_PREFIX}writing-now")
    fresh.write_bytes(b"%PDF-1.7 in progress")

    upload(workspace.client_for(workspace.convener), workspace, "next.pdf", PDF_BYTES)

    assert not stale.exists()
    assert fresh.exists()  # young: left alone, in case the lock does not hold across hosts


# Encrypted at rest -----------------------------------------------------------------------------

K1 = ("k1", bytes(range(32)))
K2 = ("k2", bytes(range(100, 132)))
CANARY = "Ysolde Quartermaine signed the Pelicanquill annex"
CHUNK = file_encryption.CHUNK_BYTES


@pytest.fixture(autouse=True)
def field_keys(settings: Any) -> Any:
    """Known keys (set before the workspace is made: autouse fixtures come first)."""
    settings.MULTITRACK_FIELD_KEYS = (K1,)
    return settings


def sealed_file(attachment: MeetingAttachment, upload_folder: Path) -> Path:
    return upload_folder / attachment.file.name


def chunk_offsets(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each sealed chunk record in a sealed file."""
    position = 8 + 1 + 1 + data[9] + file_encryption.FILE_ID_BYTES
    offsets = []
    while position < len(data):
        length = int.from_bytes(data[position + 1 : position + 5], "big")
        end = position + file_encryption.CHUNK_OVERHEAD - file_encryption.TAG_BYTES + length
        offsets.append((position, end))
        position = end
    return offsets


def download(workspace: Workspace, attachment: MeetingAttachment) -> Any:
    return workspace.client_for(workspace.analyst).get(download_url(attachment))


def test_the_file_on_disk_holds_no_trace_of_its_content_or_name(
    workspace: Workspace, upload_folder: Path, field_keys: Any
) -> None:
    text = (CANARY + "\n") * 8000  # ~400 KiB: several chunks
    upload(workspace.client_for(workspace.convener), workspace, "Ysolde.txt", text.encode())
    attachment = MeetingAttachment.objects.get()

    stored = sealed_file(attachment, upload_folder).read_bytes()

    assert stored.startswith(file_encryption.MAGIC)
    assert len(stored) == file_encryption.sealed_size(len(text.encode()), key_id="k1")
    for word in ["Ysolde", "Quartermaine", "Pelicanquill"]:
        assert word.encode() not in stored
        assert word.encode("utf-16-le") not in stored
        assert word not in attachment.file.name
    assert [p.name for p in upload_folder.rglob("*") if "Ysolde" in p.name] == []


@pytest.mark.parametrize("size", [1, CHUNK - 10, CHUNK - 9, CHUNK + 1, 3 * CHUNK - 9, 700_000])
def test_a_download_returns_exactly_the_bytes_uploaded(
    workspace: Workspace, field_keys: Any, size: int
) -> None:
    content = (b"%PDF-1.7\n" + os.urandom(size))[: max(size, 9)]
    upload(workspace.client_for(workspace.convener), workspace, "scan.pdf", content)
    attachment = MeetingAttachment.objects.get()

    response = download(workspace, attachment)

    assert response.status_code == 200
    assert response["Content-Length"] == str(len(content))
    assert b"".join(response.streaming_content) == content


def flip_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def swap_first_chunks(data: bytes) -> bytes:
    (a_start, a_end), (b_start, b_end) = chunk_offsets(data)[:2]
    return data[:a_start] + data[b_start:b_end] + data[a_start:a_end] + data[b_end:]


TAMPERINGS = {
    "a changed byte in the middle": lambda data: flip_byte(data, len(data) // 2),
    "a changed byte in the header": lambda data: flip_byte(data, 20),
    "a changed key id": lambda data: data.replace(b"k1", b"k2", 1),
    "cut off in a chunk": lambda data: data[: len(data) - 100],
    "cut off after a whole chunk": lambda data: data[: chunk_offsets(data)[0][1]],
    "the final chunk dropped": lambda data: data[: chunk_offsets(data)[-1][0]],
    "chunks swapped": swap_first_chunks,
    "bytes added at the end": lambda data: data + b"\x00",
    "only the header": lambda data: data[: chunk_offsets(data)[0][0]],
    "emptied": lambda data: b"",
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_a_tampered_file_is_refused_with_a_clear_page_and_logged(
    workspace: Workspace,
    upload_folder: Path,
    field_keys: Any,
    caplog: pytest.LogCaptureFixture,
    tampering: str,
) -> None:
    content = b"%PDF-1.7\n" + CANARY.encode() * 5000  # several chunks
    upload(workspace.client_for(workspace.convener), workspace, "Ysolde annex.pdf", content)
    attachment = MeetingAttachment.objects.get()
    path = sealed_file(attachment, upload_folder)
    path.write_bytes(TAMPERINGS[tampering](path.read_bytes()))

    response = download(workspace, attachment)

    assert response.status_code == 409
    page = response.content.decode()
    assert "This attachment cannot be opened" in page
    assert f"attachment {attachment.pk}" in page
    assert "Pelicanquill" not in page  # nothing of the content
    assert f"Attachment {attachment.pk} cannot be opened" in caplog.text
    assert f"processes.meetingattachment.file:{attachment.pk}" in caplog.text
    assert "Ysolde" not in caplog.text and "Pelicanquill" not in caplog.text
    assert not AuditEvent.objects.filter(action="processes.attachment.downloaded").exists()


def test_files_swapped_between_two_attachments_are_refused(
    workspace: Workspace, upload_folder: Path, field_keys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = workspace.client_for(workspace.convener)
    upload(client, workspace, "first.pdf", PDF_BYTES)
    upload(client, workspace, "second.pdf", PDF_BYTES)  # the same content, even
    first, second = MeetingAttachment.objects.order_by("pk")
    first_path, second_path = sealed_file(first, upload_folder), sealed_file(second, upload_folder)
    first_bytes = first_path.read_bytes()
    first_path.write_bytes(second_path.read_bytes())
    second_path.write_bytes(first_bytes)

    assert download(workspace, first).status_code == 409
    assert download(workspace, second).status_code == 409
    assert f"Attachment {first.pk} cannot be opened" in caplog.text
    assert f"Attachment {second.pk} cannot be opened" in caplog.text


def test_records_pointing_at_each_others_files_are_refused(
    workspace: Workspace, field_keys: Any
) -> None:
    client = workspace.client_for(workspace.convener)
    upload(client, workspace, "first.pdf", PDF_BYTES)
    upload(client, workspace, "second.pdf", PDF_BYTES)
    first, second = MeetingAttachment.objects.order_by("pk")
    MeetingAttachment.objects.filter(pk=first.pk).update(file=second.file.name)

    assert download(workspace, first).status_code == 409
    assert download(workspace, second).status_code == 200


def test_a_file_left_in_clear_is_not_served(
    workspace: Workspace, upload_folder: Path, field_keys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    upload(workspace.client_for(workspace.convener), workspace, "minutes.pdf", PDF_BYTES)
    attachment = MeetingAttachment.objects.get()
    sealed_file(attachment, upload_folder).write_bytes(PDF_BYTES)

    response = download(workspace, attachment)

    assert response.status_code == 409
    assert "the file is not encrypted" in caplog.text


def test_a_file_under_a_key_no_longer_configured_is_refused_and_says_which_key(
    workspace: Workspace, field_keys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    upload(workspace.client_for(workspace.convener), workspace, "minutes.pdf", PDF_BYTES)
    attachment = MeetingAttachment.objects.get()
    field_keys.MULTITRACK_FIELD_KEYS = (K2, K1)
    field_keys_rotate()  # the fields only: the file stays under k1
    field_keys.MULTITRACK_FIELD_KEYS = (K2,)

    response = download(workspace, attachment)

    assert response.status_code == 409
    assert "encrypted under key 'k1', which is not configured" in caplog.text


# Rotating the keys -------------------------------------------------------------------------------


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_field_keys", *args, stdout=out, stderr=out)
    return out.getvalue()


def key_id_of(path: Path) -> str:
    with path.open("rb") as source:
        header = file_encryption.sealed_header(source, context="test")
    return header.key_id if header else ""


def test_rotation_re_encrypts_attachment_files_so_the_old_key_can_go(
    workspace: Workspace, upload_folder: Path, field_keys: Any
) -> None:
    client = workspace.client_for(workspace.convener)
    contents = [PDF_BYTES, b"%PDF-1.7\n" + os.urandom(3 * CHUNK), PNG_BYTES]
    for number, content in enumerate(contents):
        name = "image.png" if content is PNG_BYTES else f"paper-{number}.pdf"
        assert upload(client, workspace, name, content).status_code == 302
    attachments = list(MeetingAttachment.objects.order_by("pk"))
    before = {a.pk: sealed_file(a, upload_folder).read_bytes() for a in attachments}
    field_keys.MULTITRACK_FIELD_KEYS = (K2, K1)

    with pytest.raises(CommandError, match=r"and 3 of 3 attachment files are still") as failure:
        rotate("--check")
    assert failure.value.returncode == 1
    checked = rotate_check_output(field_keys)
    assert "processes.meetingattachment.file: k1: 3" in checked

    output = rotate("--batch-size", "2")

    assert "processes.meetingattachment.file: 2/3 attachments" in output
    assert "and 3 attachment files." in output
    assert "are under the current key k2" in output
    for attachment in attachments:
        path = sealed_file(attachment, upload_folder)
        assert key_id_of(path) == "k2"
        assert path.read_bytes() != before[attachment.pk]
    assert not list(upload_folder.rglob(f"{uploads.INCOMING_PREFIX}*"))
    event = AuditEvent.objects.get(action="encryption.keys_rotated")
    assert event.detail["files"] == 3

    field_keys.MULTITRACK_FIELD_KEYS = (K2,)  # the old key removed
    for attachment, content in zip(attachments, contents, strict=True):
        response = download(workspace, attachment)
        assert b"".join(response.streaming_content) == content
    assert "under the current key k2" in rotate("--check")


def rotate_check_output(settings: Any = None) -> str:
    """What --check prints, failing or not."""
    out = io.StringIO()
    with contextlib.suppress(CommandError):
        call_command("rotate_field_keys", "--check", stdout=out, stderr=out)
    return out.getvalue()


def test_an_interrupted_file_rotation_resumes_where_it_stopped(
    workspace: Workspace, upload_folder: Path, field_keys: Any
) -> None:
    client = workspace.client_for(workspace.convener)
    for number in range(3):
        upload(client, workspace, f"paper-{number}.pdf", PDF_BYTES)
    field_keys.MULTITRACK_FIELD_KEYS = (K2, K1)

    class StopRotationError(Exception):
        pass

    def stop(progress: Any) -> None:
        raise StopRotationError

    with pytest.raises(StopRotationError):
        attachment_files_rotate(batch_size=1, on_progress=stop)
    assert attachment_files_census().by_key == {"k2": 1, "k1": 2}

    assert attachment_files_rotate(batch_size=1) == 2
    assert attachment_files_census().by_key == {"k2": 3}


def test_rotation_encrypts_a_file_stored_before_encryption_at_rest(
    workspace: Workspace, upload_folder: Path, field_keys: Any
) -> None:
    upload(workspace.client_for(workspace.convener), workspace, "minutes.pdf", PDF_BYTES)
    attachment = MeetingAttachment.objects.get()
    path = sealed_file(attachment, upload_folder)
    path.write_bytes(PDF_BYTES)  # as the upload folder held it before
    assert attachment_files_census().by_key == {"(not encrypted)": 1}
    assert "(not encrypted): 1" in rotate_check_output(field_keys)

    rotate()

    assert key_id_of(path) == "k1"
    assert b"".join(download(workspace, attachment).streaming_content) == PDF_BYTES


def test_rotation_refuses_a_clear_file_that_does_not_match_its_record(
    workspace: Workspace, upload_folder: Path, field_keys: Any
) -> None:
    upload(workspace.client_for(workspace.convener), workspace, "minutes.pdf", PDF_BYTES)
    attachment = MeetingAttachment.objects.get()
    path = sealed_file(attachment, upload_folder)
    path.write_bytes(PDF_BYTES.replace(b"Catalog", b"Catalug"))

    with pytest.raises(CommandError, match=f"meetingattachment.file:{attachment.pk}.*SHA-256"):
        rotate()

    assert path.read_bytes() == PDF_BYTES.replace(b"Catalog", b"Catalug")  # left as it was
    assert not list(upload_folder.rglob(f"{uploads.INCOMING_PREFIX}*"))


def test_rotation_stops_on_a_damaged_file_and_leaves_it_alone(
    workspace: Workspace, upload_folder: Path, field_keys: Any
) -> None:
    upload(workspace.client_for(workspace.convener), workspace, "minutes.pdf", PDF_BYTES)
    attachment = MeetingAttachment.objects.get()
    path = sealed_file(attachment, upload_folder)
    damaged = flip_byte(path.read_bytes(), len(path.read_bytes()) - 3)
    path.write_bytes(damaged)
    field_keys.MULTITRACK_FIELD_KEYS = (K2, K1)

    with pytest.raises(CommandError, match=f"Stopped: .*meetingattachment.file:{attachment.pk}"):
        rotate()

    assert path.read_bytes() == damaged


def test_a_missing_file_is_reported_but_does_not_block_rotation(
    workspace: Workspace, upload_folder: Path, field_keys: Any
) -> None:
    client = workspace.client_for(workspace.convener)
    upload(client, workspace, "first.pdf", PDF_BYTES)
    upload(client, workspace, "second.pdf", PDF_BYTES)
    lost, kept = MeetingAttachment.objects.order_by("pk")
    sealed_file(lost, upload_folder).unlink()
    field_keys.MULTITRACK_FIELD_KEYS = (K2, K1)

    output = rotate()

    assert f"skipped: attachment {lost.pk}" in output
    assert f"(attachment {lost.pk}); nothing can re-encrypt them" in output
    assert key_id_of(sealed_file(kept, upload_folder)) == "k2"


def test_the_check_counts_a_file_with_a_damaged_header_and_fails(
    workspace: Workspace, upload_folder: Path
) -> None:
    upload(workspace.client_for(workspace.convener), workspace, "minutes.pdf", PDF_BYTES)
    attachment = MeetingAttachment.objects.get()
    path = sealed_file(attachment, upload_folder)
    path.write_bytes(file_encryption.MAGIC + b"\x09" + path.read_bytes()[9:])

    with pytest.raises(CommandError, match="1 of 1 attachment files are still"):
        rotate("--check")
    assert "(damaged header): 1" in rotate_check_output(None)
