"""Encrypted backups: a round trip restores identical content; anything wrong changes nothing."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from multitrack import backups
from multitrack.accounts.models import AuditEvent, Membership, Role
from multitrack.backups import BackupError, backup_create, backup_restore
from multitrack.demo import demo_load
from multitrack.processes.attachment_files import attachment_file_read
from multitrack.processes.attachments import attachment_upload
from multitrack.processes.models import Meeting, MeetingAttachment, Process
from multitrack.web.uploads import INCOMING_PREFIX, LOCK_NAME
from tests.conftest import Workspace
from tests.factories import ProcessFactory

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SECRET_TITLE = "Harbour dialogue"  # the workspace process's title: must never appear in clear


@pytest.fixture(autouse=True)
def _uploads(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 1 KiB, so a small database already makes an archive of many chunks."""
    monkeypatch.setattr(backups, "CHUNK_BYTES", 1024)


def canonical_dump() -> dict[str, list[Any]]:
    """Every row of every model except sessions; content types and permissions by name."""
    dump: dict[str, list[Any]] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label == "sessions.session":
            continue
        rows = serializers.serialize(
            "python",
            model._base_manager.order_by("pk"),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=label in backups.EXCLUDED_MODELS,
        )
        if label in backups.EXCLUDED_MODELS:
            rows = sorted((row["fields"] for row in rows), key=repr)
        dump[label] = json.loads(json.dumps(rows, default=str))
    return dump


def flush() -> None:
    if connection.vendor == "postgresql":
        # Inside the test's transaction, TRUNCATE needs the deferred checks done first.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def write_uploads(root: Path) -> dict[str, bytes]:
    files = {
        "notes/2024/minutes.pdf": b"%PDF-1.7 " + bytes(range(256)) * 300,
        "photo.jpg": b"\xff\xd8\xff" + b"\x00" * 10,
        "empty.txt": b"",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return files


MINUTES = b"%PDF-1.7\nMinutes of the round; confidential.\n%%EOF\n"


def attach_minutes() -> MeetingAttachment:
    """A meeting attachment, uploaded the way the meeting page does it."""
    meeting = Meeting.objects.order_by("pk").first()
    assert meeting is not None
    convener = Membership.objects.filter(process=meeting.process, role=Role.CONVENER).first()
    assert convener is not None
    return attachment_upload(
        actor=convener.user,
        meeting=meeting,
        upload=SimpleUploadedFile("Minutes, round 3.pdf", MINUTES),
    )


def read_uploads(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and path.name != LOCK_NAME
    }


def test_round_trip_of_the_demo_restores_identical_content(
    db: None, tmp_path: Path, _uploads: Path
) -> None:
    demo_load(logins_path=tmp_path / "logins.txt")
    files = write_uploads(_uploads)
    attachment = attach_minutes()
    # Encrypted at rest: the archive carries the sealed file as it lies in the folder.
    files[attachment.file.name] = (_uploads / attachment.file.name).read_bytes()
    assert MINUTES not in files[attachment.file.name]
    before = canonical_dump()
    archive = tmp_path / "backup.mtb"

    summary = backup_create(path=archive, key=KEY)
    flush()
    for path in _uploads.rglob("*"):
        if path.is_file():
            path.unlink()
    restored = backup_restore(path=archive, key=KEY)

    after = canonical_dump()
    assert after["accounts.auditevent"].pop()["fields"]["action"] == "backups.restored"
    assert after == before
    assert restored.objects == summary.objects > 1000
    assert read_uploads(_uploads) == files
    restored_attachment = MeetingAttachment.objects.get(pk=attachment.pk)
    assert b"".join(attachment_file_read(restored_attachment)) == MINUTES
    assert restored_attachment.original_name == "Minutes, round 3.pdf"
    assert restored_attachment.sha256 == hashlib.sha256(MINUTES).hexdigest()
    # New ids continue after the restored ones (PostgreSQL sequences were moved past them).
    highest = Process.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert highest is not None
    assert ProcessFactory().pk > highest


def test_every_app_is_in_the_archive(db: None, tmp_path: Path) -> None:
    demo_load(logins_path=tmp_path / "logins.txt")
    summary = backup_create(path=tmp_path / "backup.mtb", key=KEY)
    for app in ("accounts", "actors", "processes", "ideas", "practice", "consultations"):
        assert any(
            label.startswith(f"{app}.") and count for label, count in summary.counts.items()
        ), app
    assert not set(summary.counts) & backups.EXCLUDED_MODELS


def test_the_archive_holds_neither_the_key_nor_any_content_in_clear(
    workspace: Workspace, tmp_path: Path, _uploads: Path
) -> None:
    (_uploads).mkdir()
    (_uploads / "canary.txt").write_text("CANARY-UPLOAD-7f3a")
    archive = tmp_path / "backup.mtb"
    backup_create(path=archive, key=KEY)
    data = archive.read_bytes()
    assert KEY not in data
    assert base64.b64encode(KEY) not in data
    assert SECRET_TITLE.encode() not in data
    assert b"CANARY-UPLOAD" not in data
    assert b"convener" not in data
    assert archive.stat().st_mode & 0o077 == 0


def test_backup_refuses_to_overwrite_a_file(workspace: Workspace, tmp_path: Path) -> None:
    archive = tmp_path / "backup.mtb"
    archive.write_bytes(b"precious")
    with pytest.raises(BackupError, match="already exists"):
        backup_create(path=archive, key=KEY)
    assert archive.read_bytes() == b"precious"


@pytest.fixture
def populated_archive(workspace: Workspace, tmp_path: Path, small_chunks: None) -> Path:
    """An archive of the workspace, many chunks long; the database keeps its content."""
    archive = tmp_path / "backup.mtb"
    backup_create(path=archive, key=KEY)
    return archive


def assert_refused_and_unchanged(archive: Path, match: str, *, key: bytes = KEY) -> None:
    before = canonical_dump()
    with pytest.raises(BackupError, match=match):
        backup_restore(path=archive, key=key, force=True)
    assert canonical_dump() == before


def test_restore_refuses_a_wrong_key(populated_archive: Path) -> None:
    assert_refused_and_unchanged(populated_archive, "another key", key=OTHER_KEY)


def test_restore_refuses_a_tampered_byte_in_any_chunk(populated_archive: Path) -> None:
    data = populated_archive.read_bytes()
    assert len(data) > 3 * 1024
    for position in (len(data) // 2, len(data) - 5):
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        populated_archive.write_bytes(bytes(tampered))
        assert_refused_and_unchanged(populated_archive, "damaged or was tampered with")


def test_restore_refuses_a_tampered_header(populated_archive: Path) -> None:
    data = bytearray(populated_archive.read_bytes())
    data[30] ^= 0x01  # inside the archive id, which every chunk's associated data binds
    populated_archive.write_bytes(bytes(data))
    assert_refused_and_unchanged(populated_archive, "tampered with")


def test_restore_refuses_a_truncated_archive(populated_archive: Path) -> None:
    data = populated_archive.read_bytes()
    for length in (len(data) - 1, len(data) // 2, backups.HEADER.size, 5):
        populated_archive.write_bytes(data[:length])
        assert_refused_and_unchanged(populated_archive, "truncated|not a Multitrack")


def test_restore_refuses_an_archive_whose_final_chunk_was_dropped(
    populated_archive: Path,
) -> None:
    data = populated_archive.read_bytes()
    offsets = chunk_offsets(data)
    populated_archive.write_bytes(data[: offsets[-1]])  # ends cleanly after a middle chunk
    assert_refused_and_unchanged(populated_archive, "truncated")


def test_restore_refuses_reordered_chunks(populated_archive: Path) -> None:
    data = populated_archive.read_bytes()
    offsets = chunk_offsets(data)
    first, second = data[offsets[0] : offsets[1]], data[offsets[1] : offsets[2]]
    populated_archive.write_bytes(data[: offsets[0]] + second + first + data[offsets[2] :])
    assert_refused_and_unchanged(populated_archive, "tampered with")


def test_restore_refuses_another_format_version(populated_archive: Path) -> None:
    data = bytearray(populated_archive.read_bytes())
    data[8:10] = (2).to_bytes(2, "big")
    populated_archive.write_bytes(bytes(data))
    assert_refused_and_unchanged(populated_archive, "format version 2")


def test_restore_refuses_a_file_that_is_not_an_archive(
    workspace: Workspace, tmp_path: Path
) -> None:
    archive = tmp_path / "notes.txt"
    archive.write_bytes(b"Dear diary, " * 10)
    assert_refused_and_unchanged(archive, "not a Multitrack backup")


def chunk_offsets(data: bytes) -> list[int]:
    """Where each chunk of an archive starts."""
    offsets, position = [], backups.HEADER.size
    while position < len(data):
        offsets.append(position)
        _, length = backups.CHUNK_PREFIX.unpack_from(data, position)
        position += backups.CHUNK_PREFIX.size + backups.NONCE_BYTES + length
    return offsets


def test_restore_refuses_a_non_empty_database_without_force(populated_archive: Path) -> None:
    before = canonical_dump()
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(path=populated_archive, key=KEY)
    assert canonical_dump() == before


def test_restore_refuses_non_empty_uploads_without_force(
    populated_archive: Path, _uploads: Path
) -> None:
    flush()
    _uploads.mkdir()
    (_uploads / "kept.txt").write_text("kept")
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(path=populated_archive, key=KEY)
    assert (_uploads / "kept.txt").read_text() == "kept"
    assert not Process.objects.exists()


def test_restore_with_force_replaces_everything(
    populated_archive: Path, workspace: Workspace, _uploads: Path
) -> None:
    before = canonical_dump()
    # Recorded once the archive was written, so not in it.
    assert before["accounts.auditevent"].pop()["fields"]["action"] == "backups.created"
    ProcessFactory(title="Added after the backup")
    AuditEvent.objects.create(action="test.after_backup")
    _uploads.mkdir()
    (_uploads / "later.txt").write_text("later")

    backup_restore(path=populated_archive, key=KEY, force=True)

    after = canonical_dump()
    assert after["accounts.auditevent"][-1]["fields"]["action"] == "backups.restored"
    after["accounts.auditevent"].pop()
    assert after == before
    assert not (_uploads / "later.txt").exists()
    assert ProcessFactory().pk  # the id sequence still works


def test_a_failure_midway_changes_nothing(
    populated_archive: Path, workspace: Workspace, _uploads: Path
) -> None:
    _uploads.mkdir()
    (_uploads / "kept.txt").write_text("kept")
    data = bytearray(populated_archive.read_bytes())
    offsets = chunk_offsets(bytes(data))
    assert len(offsets) >= 4
    data[offsets[-2] + 40] ^= 0x80  # late: many rows are already loaded when this fails
    populated_archive.write_bytes(bytes(data))

    assert_refused_and_unchanged(populated_archive, "chunk")
    assert read_uploads(_uploads) == {"kept.txt": b"kept"}
    assert not list(_uploads.parent.glob(".uploads.*"))


def test_uploaded_files_round_trip(workspace: Workspace, tmp_path: Path, _uploads: Path) -> None:
    _uploads.mkdir()
    files = write_uploads(_uploads)
    (_uploads / "outside-link").symlink_to(tmp_path)  # links are not followed
    archive = tmp_path / "backup.mtb"
    summary = backup_create(path=archive, key=KEY)
    assert summary.files == len(files)

    backup_restore(path=archive, key=KEY, force=True)

    assert read_uploads(_uploads) == files


def crafted_archive(path: Path, records: list[dict[str, Any]]) -> None:
    """An authentic archive (right key) with content chosen by the test."""
    with path.open("wb") as out:
        writer = backups.EncryptedWriter(out, KEY)
        for record in records:
            writer.write(json.dumps(record).encode() + b"\n")
        writer.close()


def manifest() -> dict[str, Any]:
    return {"kind": "manifest", "migrations": backups._applied_migrations("default")}


def test_restore_never_writes_outside_the_uploads_folder(
    db: None, tmp_path: Path, _uploads: Path
) -> None:
    archive = tmp_path / "evil.mtb"
    absolute = str(tmp_path / "escaped.txt")
    for name in ("../escaped.txt", absolute, "a/../../escaped.txt"):
        crafted_archive(
            archive,
            [
                manifest(),
                {"kind": "file", "path": name, "size": 1},
                {"kind": "data", "b64": "eA=="},
                {"kind": "end", "objects": 0, "files": 1},
            ],
        )
        with pytest.raises(BackupError, match="outside the uploads folder"):
            backup_restore(path=archive, key=KEY)
        assert not (tmp_path / "escaped.txt").exists()


def test_restore_refuses_an_archive_of_another_schema(db: None, tmp_path: Path) -> None:
    archive = tmp_path / "old.mtb"
    crafted_archive(
        archive,
        [{"kind": "manifest", "migrations": [["accounts", "0001_initial"]]}, {"kind": "end"}],
    )
    with pytest.raises(BackupError, match="different database schema"):
        backup_restore(path=archive, key=KEY)


def test_restore_refuses_content_without_an_end_record(db: None, tmp_path: Path) -> None:
    archive = tmp_path / "cut.mtb"
    crafted_archive(archive, [manifest()])
    with pytest.raises(BackupError, match="incomplete"):
        backup_restore(path=archive, key=KEY)


# --- keys and the commands ------------------------------------------------------------------


def test_generate_key_prints_a_new_32_byte_key() -> None:
    out = io.StringIO()
    call_command("backup", "--generate-key", stdout=out)
    first = out.getvalue().strip()
    assert len(base64.b64decode(first, validate=True)) == 32
    call_command("backup", "--generate-key", stdout=out)
    assert out.getvalue().split() == [first, out.getvalue().split()[1]]
    assert out.getvalue().split()[1] != first


def test_the_key_is_read_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key_file = tmp_path / "backup.key"
    key_file.write_text(base64.b64encode(KEY).decode() + "\n")
    monkeypatch.delenv("MULTITRACK_BACKUP_KEY", raising=False)
    monkeypatch.setenv("MULTITRACK_BACKUP_KEY_FILE", str(key_file))
    assert backups.backup_key_from_environment() == KEY


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (None, "Set MULTITRACK_BACKUP_KEY"),
        ("not base64!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "32 bytes, not 5"),
    ],
)
def test_a_missing_or_bad_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str | None, match: str
) -> None:
    monkeypatch.delenv("MULTITRACK_BACKUP_KEY_FILE", raising=False)
    if value is None:
        monkeypatch.delenv("MULTITRACK_BACKUP_KEY", raising=False)
    else:
        monkeypatch.setenv("MULTITRACK_BACKUP_KEY", value)
    with pytest.raises(BackupError, match=match):
        backups.backup_key_from_environment()


def test_the_key_is_never_derived_from_the_secret_key(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.delenv("MULTITRACK_BACKUP_KEY", raising=False)
    monkeypatch.delenv("MULTITRACK_BACKUP_KEY_FILE", raising=False)
    settings.SECRET_KEY = base64.b64encode(KEY).decode()
    with pytest.raises(BackupError):
        backups.backup_key_from_environment()


def test_the_commands_round_trip_and_print_no_content(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MULTITRACK_BACKUP_KEY", base64.b64encode(KEY).decode())
    archive = tmp_path / "backup.mtb"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), stdout=out)
    call_command("restore", str(archive), "--force", stdout=out)
    assert "Wrote" in out.getvalue()
    assert "Restored" in out.getvalue()
    assert SECRET_TITLE not in out.getvalue()
    assert "convener" not in out.getvalue()
    assert Process.objects.filter(title=SECRET_TITLE).exists()


def test_the_restore_command_says_nothing_was_changed(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MULTITRACK_BACKUP_KEY", base64.b64encode(KEY).decode())
    archive = tmp_path / "backup.mtb"
    call_command("backup", str(archive), stdout=io.StringIO())
    monkeypatch.setenv("MULTITRACK_BACKUP_KEY", base64.b64encode(OTHER_KEY).decode())
    with pytest.raises(CommandError, match=r"Nothing was changed\. This archive was made with"):
        call_command("restore", str(archive), "--force")


def test_backup_and_restore_are_audited_without_content(
    workspace: Workspace, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.mtb"
    backup_create(path=archive, key=KEY)
    assert AuditEvent.objects.filter(action="backups.created", target_id="").count() == 1
    backup_restore(path=archive, key=KEY, force=True)
    assert AuditEvent.objects.filter(action="backups.restored").count() == 1


def test_the_upload_folder_s_lock_and_unfinished_uploads_stay_out_of_the_archive(
    workspace: Workspace, tmp_path: Path, _uploads: Path
) -> None:
    (_uploads / "attachments").mkdir(parents=True)
    (_uploads / LOCK_NAME).write_bytes(b"")
    (_uploads / "attachments" / f"{INCOMING_PREFIX}half").write_bytes(b"%PDF-1.7 half")
    (_uploads / "attachments" / "done.pdf").write_bytes(b"%PDF-1.7 whole")

    summary = backup_create(path=tmp_path / "backup.mtb", key=KEY)

    assert summary.files == 1
