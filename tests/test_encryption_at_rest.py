"""Encryption at rest: the database never holds the plaintext of a sensitive field, every
decryption failure raises, and key rotation re-encrypts everything (docs/decisions/0003).

Canary strings go in through the normal pages and services; then every column of every table,
the audit trail, the logs and every SQL statement sent to the database are searched for them.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from multitrack import encrypted_fields, file_encryption
from multitrack.accounts.models import AuditEvent, AuthenticatorAppDevice
from multitrack.actors.models import Person
from multitrack.actors.selectors import people_matching
from multitrack.backups import BackupError, backup_create, backup_restore
from multitrack.encrypted_fields import (
    EncryptedFieldError,
    SealedValue,
    field_keys_census,
    field_keys_rotate,
)
from multitrack.env import ConfigurationError
from multitrack.field_encryption import (
    FieldDecryptionError,
    field_key_generate,
    field_keys_from_environment,
    field_keys_parse,
    seal,
    unseal,
)
from multitrack.practice.models import RelationshipTie
from multitrack.processes.attachment_files import attachment_file_read
from multitrack.processes.models import GroundRules, MeetingAttachment, Note
from multitrack.processes.services import note_write
from tests.conftest import Workspace
from tests.factories import ParticipantFactory, PersonFactory
from tests.signin import totp_code

K1 = ("k1", bytes(range(32)))
K2 = ("k2", bytes(range(100, 132)))
K3 = ("k3", bytes(range(200, 232)))

ZEROS = base64.b64encode(bytes(32)).decode()
COUNTING = base64.b64encode(bytes(range(32))).decode()

CANARY_NAME = "Ysolde Quartermaine"
CANARY_ALIAS = "Brother Vexmoorian"
CANARY_EMAIL = "ysolde.qcanary@example.org"
CANARY_PHONE = "+254 700 918273"
CANARY_NOTE = "the Pelicanquill clause on grazing corridors"
CANARY_REASON = "quoted with written consent xylocarpine"
CANARY_FILE_NAME = "Zephrine Ondaatjequist dossier.txt"
CANARY_FILE_TEXT = "The Marrowgrave memorandum on ferry rights.\n"
CANARIES = [
    CANARY_NAME,
    CANARY_ALIAS,
    CANARY_EMAIL,
    CANARY_PHONE,
    CANARY_NOTE,
    CANARY_REASON,
    CANARY_FILE_NAME,
    CANARY_FILE_TEXT.strip(),
]
# Words of the canaries, so a piece of one (a surname, a phone number) is caught too.
CANARY_WORDS = [
    "Ysolde",
    "Quartermaine",
    "Vexmoorian",
    "qcanary",
    "918273",
    "Pelicanquill",
    "Zephrine",
    "Ondaatjequist",
    "Marrowgrave",
]


@pytest.fixture(autouse=True)
def _known_keys(settings: Any, tmp_path: Path) -> None:
    settings.MULTITRACK_FIELD_KEYS = (K1,)
    settings.MEDIA_ROOT = tmp_path / "uploads"


def keys(settings: Any, *pairs: tuple[str, bytes]) -> None:
    settings.MULTITRACK_FIELD_KEYS = pairs


def raw_value(table: str, column: str, pk: int) -> Any:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def set_raw_value(table: str, column: str, pk: int, value: Any) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", [value, pk])  # noqa: S608


def every_cell() -> Iterator[tuple[str, str]]:
    """(table, cell as text) for every cell of every table in the database."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for cell in row:
                    if isinstance(cell, memoryview | bytes):
                        yield table, bytes(cell).decode("utf-8", "replace")
                    elif isinstance(cell, dict | list):
                        yield table, json.dumps(cell, ensure_ascii=False)
                    elif cell is not None:
                        yield table, str(cell)


def leaks(text: str, secrets: list[str] | None = None) -> list[str]:
    folded = text.casefold()
    return [c for c in CANARIES + CANARY_WORDS + (secrets or []) if c.casefold() in folded]


@dataclass
class Written:
    person: Person
    note: Note
    tie: RelationshipTie
    attachment: MeetingAttachment
    authenticator_app: AuthenticatorAppDevice

    @property
    def secrets(self) -> list[str]:
        """Every authenticator app's key, as stored by django-otp (hex) and as typed (base32)."""
        return [
            form
            for device in AuthenticatorAppDevice.objects.all()
            for form in (device.key, base64.b32encode(device.bin_key).decode())
        ]


def write_canaries_through_the_pages(world: Workspace) -> Written:
    """A convener adds a person, a note that names them (overridden) and a tie, all by form."""
    client = world.client_for(world.convener)
    response = client.post(
        reverse("person-create"),
        {
            "process": world.process.pk,
            "pseudonym": "Heron",
            "display_name": CANARY_NAME,
            "aliases": CANARY_ALIAS,
            "gender": Person.Gender.WOMAN,
            "languages": "Swahili",
            "email": CANARY_EMAIL,
            "phone": CANARY_PHONE,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(pseudonym="Heron")
    text = f"{CANARY_NAME} explained {CANARY_NOTE}."
    response = client.post(
        reverse("note-add", args=[world.meeting.pk]),
        {"text": text, "override_reason": CANARY_REASON},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(
        reverse("tie-list", args=[world.process.pk]),
        {
            "person": person.pk,
            "other": world.person.pk,
            "kind": RelationshipTie.Kind.TRUSTS,
            "strength": 5,
            "observed_on": "2025-03-14",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(
        reverse("attachment-add", args=[world.meeting.pk]),
        {"file": SimpleUploadedFile(CANARY_FILE_NAME, CANARY_FILE_TEXT.encode() * 2000)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The facilitator sets up an authenticator app through the two-step pages.
    facilitator = Client()
    facilitator.force_login(world.facilitator)
    facilitator.get(reverse("two-step-authenticator"))
    app = AuthenticatorAppDevice.objects.get(user=world.facilitator, confirmed=False)
    response = facilitator.post(reverse("two-step-authenticator"), {"code": totp_code(app)})
    assert response.status_code == 200, response.content.decode()[:2000]
    # Read back through the pages that show them.
    page = client.get(reverse("person-detail", args=[person.pk])).content.decode()
    assert CANARY_NAME in page
    assert CANARY_PHONE in page
    page = client.get(reverse("meeting-detail", args=[world.meeting.pk])).content.decode()
    assert CANARY_NOTE in page
    assert CANARY_FILE_NAME in page
    attachment = MeetingAttachment.objects.get(meeting=world.meeting)
    download = client.get(reverse("attachment-download", args=[world.meeting.pk, attachment.pk]))
    assert b"".join(download.streaming_content) == CANARY_FILE_TEXT.encode() * 2000
    return Written(
        person=person,
        note=Note.objects.get(meeting=world.meeting),
        tie=RelationshipTie.objects.get(process=world.process),
        attachment=attachment,
        authenticator_app=AuthenticatorAppDevice.objects.get(user=world.facilitator),
    )


# --- the database holds no plaintext ------------------------------------------------------------


def test_no_canary_appears_in_any_column_of_any_table(workspace: Workspace) -> None:
    written = write_canaries_through_the_pages(workspace)
    assert len(written.secrets) >= 4  # the convener's app and the facilitator's, two forms each
    found = [
        (table, leaks(text, written.secrets))
        for table, text in every_cell()
        if leaks(text, written.secrets)
    ]
    assert found == []
    # And the sensitive columns hold envelopes, the tie's kind and strength included.
    for table, column, pk in [
        ("actors_person", "display_name", written.person.pk),
        ("actors_person", "aliases", written.person.pk),
        ("actors_person", "email", written.person.pk),
        ("actors_person", "phone", written.person.pk),
        ("processes_note", "text", written.note.pk),
        ("processes_note", "attribution_override_reason", written.note.pk),
        ("processes_note", "attribution_override_terms", written.note.pk),
        ("practice_relationshiptie", "kind", written.tie.pk),
        ("practice_relationshiptie", "strength", written.tie.pk),
        ("processes_meetingattachment", "original_name", written.attachment.pk),
        ("processes_meetingattachment", "sha256", written.attachment.pk),
        ("accounts_authenticatorappdevice", "key", written.authenticator_app.pk),
    ]:
        assert str(raw_value(table, column, pk)).startswith("mt1:k1:"), (table, column)


def test_no_canary_appears_in_any_file_of_the_upload_folder(
    workspace: Workspace, settings: Any
) -> None:
    written = write_canaries_through_the_pages(workspace)
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert written.attachment.file.name in [
        p.relative_to(settings.MEDIA_ROOT).as_posix() for p in files
    ]
    for path in files:
        data = path.read_bytes()
        assert leaks(data.decode("latin-1")) == [], path.name
        assert leaks(path.name) == []


def test_no_sql_statement_sent_to_the_database_carries_a_canary(workspace: Workspace) -> None:
    with CaptureQueriesContext(connection) as queries:
        written = write_canaries_through_the_pages(workspace)
    assert len(queries) > 20
    assert [q["sql"] for q in queries if leaks(q["sql"], written.secrets)] == []


def test_neither_the_audit_trail_nor_the_logs_hold_a_canary(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # Django's own loggers stop at INFO
    connection.force_debug_cursor = True  # the SQL log, with parameters, at DEBUG
    try:
        written = write_canaries_through_the_pages(workspace)
    finally:
        connection.force_debug_cursor = False
    assert "SELECT" in caplog.text  # the SQL log was captured
    assert leaks(caplog.text, written.secrets) == []
    events = list(AuditEvent.objects.all().values())
    assert len(events) >= 3
    assert leaks(json.dumps(events, default=str), written.secrets) == []


def test_equal_values_encrypt_differently(workspace: Workspace) -> None:
    first = PersonFactory(display_name=CANARY_NAME)
    second = PersonFactory(display_name=CANARY_NAME)
    assert raw_value("actors_person", "display_name", first.pk) != raw_value(
        "actors_person", "display_name", second.pk
    )


# --- the ORM round trip and what it refuses -----------------------------------------------------


def test_every_encrypted_field_round_trips_through_the_orm(workspace: Workspace) -> None:
    written = write_canaries_through_the_pages(workspace)
    person = Person.objects.get(pk=written.person.pk)
    assert (person.display_name, person.aliases, person.email, person.phone) == (
        CANARY_NAME,
        [CANARY_ALIAS],
        CANARY_EMAIL,
        CANARY_PHONE,
    )
    note = Note.objects.get(pk=written.note.pk)
    assert note.text == f"{CANARY_NAME} explained {CANARY_NOTE}."
    assert note.attribution_override_reason == CANARY_REASON
    assert note.attribution_override_terms == [CANARY_NAME]
    tie = RelationshipTie.objects.select_related("person").get(pk=written.tie.pk)
    assert (tie.kind, tie.strength) == (RelationshipTie.Kind.TRUSTS, 5)
    assert tie.person.display_name == CANARY_NAME  # through select_related too
    # Deferred, then loaded on first use.
    deferred = Person.objects.only("pseudonym").get(pk=person.pk)
    assert deferred.email == CANARY_EMAIL


def test_empty_values_are_encrypted_too(workspace: Workspace) -> None:
    person = PersonFactory(email="", phone="", aliases=[])
    assert raw_value("actors_person", "email", person.pk).startswith("mt1:")
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.email, fresh.phone, fresh.aliases) == ("", "", [])


def test_values_and_values_list_give_sealed_values_that_refuse_to_become_text(
    workspace: Workspace,
) -> None:
    [sealed] = Person.objects.filter(pk=workspace.person.pk).values_list("display_name", flat=True)
    assert isinstance(sealed, SealedValue)
    assert repr(sealed) == "<SealedValue>"
    with pytest.raises(EncryptedFieldError, match="still encrypted"):
        str(sealed)


@pytest.mark.parametrize(
    "lookup",
    [
        {"display_name": "x"},
        {"display_name__icontains": "x"},
        {"email__iexact": "x"},
        {"aliases__contains": ["x"]},
    ],
)
def test_sql_lookups_on_encrypted_fields_are_refused(
    workspace: Workspace, lookup: dict[str, Any]
) -> None:
    with pytest.raises(FieldError, match="encrypted"):
        list(Person.objects.filter(**lookup))


def test_queryset_update_and_bulk_create_are_refused(workspace: Workspace) -> None:
    with pytest.raises(EncryptedFieldError, match=r"save\(\)"), transaction.atomic():
        Person.objects.filter(pk=workspace.person.pk).update(display_name="Plain Text")
    with pytest.raises(EncryptedFieldError, match="bulk_create"), transaction.atomic():
        Person.objects.bulk_create([Person(display_name="Plain Text", pseudonym="Plain")])
    assert not Person.objects.filter(pseudonym="Plain").exists()


def test_a_failed_insert_leaves_no_placeholder_row(workspace: Workspace) -> None:
    person = Person(display_name="A Name", pseudonym="Bittern", email="not-checked")
    person.aliases = {1, 2}  # not JSON: fails while sealing, after the insert
    with pytest.raises(TypeError), transaction.atomic():
        person.save()
    assert not Person.objects.filter(pseudonym="Bittern").exists()


def test_a_copied_instance_is_sealed_for_its_own_new_row(workspace: Workspace) -> None:
    person = Person.objects.get(pk=workspace.person.pk)
    original_pk = person.pk
    person.pk = None
    person.pseudonym = "Copy of a participant"
    person.save()
    assert person.pk != original_pk
    assert Person.objects.get(pk=person.pk).display_name == workspace.person.display_name


def test_searching_people_by_real_name_still_works(workspace: Workspace) -> None:
    person = PersonFactory(display_name="Ámina Ndèye Quartermaine", pseudonym="Egret")
    ParticipantFactory(process=workspace.process, person=person)
    found = people_matching(user=workspace.convener, query="amina ndeye")
    assert list(found) == [person]
    # Without need-to-know the real name does not match; the pseudonym still does.
    assert list(people_matching(user=workspace.observer, query="amina")) == []
    assert list(people_matching(user=workspace.observer, query="egr")) == [person]


def test_the_chatham_house_guard_still_finds_encrypted_names_and_aliases(
    workspace: Workspace,
) -> None:
    person = PersonFactory(display_name=CANARY_NAME, aliases=[CANARY_ALIAS])
    ParticipantFactory(process=workspace.process, person=person)
    assert workspace.process.ground_rules == GroundRules.CHATHAM_HOUSE
    for text in [f"As {CANARY_NAME} put it", f"{CANARY_ALIAS} disagreed"]:
        with pytest.raises(Exception, match="names"):
            note_write(actor=workspace.convener, meeting=workspace.meeting, text=text)


# --- every decryption failure raises ------------------------------------------------------------


def test_a_wrong_key_raises(workspace: Workspace, settings: Any) -> None:
    person = PersonFactory(display_name=CANARY_NAME)
    keys(settings, ("k1", bytes(range(1, 33))))
    with pytest.raises(FieldDecryptionError, match="fails authentication") as failure:
        Person.objects.get(pk=person.pk)
    assert leaks(str(failure.value)) == []
    assert f"actors.person.display_name:{person.pk}" in str(failure.value)


def test_a_value_under_a_key_no_longer_configured_raises(
    workspace: Workspace, settings: Any
) -> None:
    person = PersonFactory()
    keys(settings, K2)
    with pytest.raises(FieldDecryptionError, match="'k1', which is not configured"):
        Person.objects.get(pk=person.pk)


@pytest.mark.parametrize("position", [0, 10, 40])
def test_a_changed_byte_raises(workspace: Workspace, position: int) -> None:
    person = PersonFactory(display_name=CANARY_NAME)
    stored = raw_value("actors_person", "display_name", person.pk)
    head, body = stored[:7], stored[7:]
    index = position % len(body)
    flipped = "B" if body[index] != "B" else "C"
    changed = head + body[:index] + flipped + body[index + 1 :]
    set_raw_value("actors_person", "display_name", person.pk, changed)
    with pytest.raises(FieldDecryptionError):
        Person.objects.get(pk=person.pk)


def test_a_truncated_value_raises(workspace: Workspace) -> None:
    person = PersonFactory()
    stored = raw_value("actors_person", "phone", person.pk)
    set_raw_value("actors_person", "phone", person.pk, stored[:-8])
    with pytest.raises(FieldDecryptionError):
        Person.objects.get(pk=person.pk)


def test_a_value_moved_to_another_row_raises(workspace: Workspace) -> None:
    first, second = PersonFactory(display_name=CANARY_NAME), PersonFactory()
    stolen = raw_value("actors_person", "display_name", first.pk)
    set_raw_value("actors_person", "display_name", second.pk, stolen)
    with pytest.raises(FieldDecryptionError, match="moved"):
        Person.objects.get(pk=second.pk)
    assert Person.objects.get(pk=first.pk).display_name == CANARY_NAME


def test_a_value_moved_to_another_field_of_the_same_row_raises(workspace: Workspace) -> None:
    person = PersonFactory(display_name=CANARY_NAME)
    stolen = raw_value("actors_person", "display_name", person.pk)
    set_raw_value("actors_person", "phone", person.pk, stolen)
    with pytest.raises(FieldDecryptionError, match=f"actors.person.phone:{person.pk}"):
        Person.objects.get(pk=person.pk)


def test_a_value_moved_to_another_table_raises(workspace: Workspace) -> None:
    person = PersonFactory(display_name=CANARY_NAME)
    note = note_write(actor=workspace.convener, meeting=workspace.meeting, text="Calm talks.")
    set_raw_value(
        "processes_note", "text", note.pk, raw_value("actors_person", "display_name", person.pk)
    )
    with pytest.raises(FieldDecryptionError):
        Note.objects.get(pk=note.pk)


@pytest.mark.parametrize("stored", ["Plain Name", "", "mt1:k1:", "mt2:k1:AAAA", "mt1:k 1:AAAA"])
def test_a_value_that_is_not_an_envelope_raises(workspace: Workspace, stored: str) -> None:
    person = PersonFactory()
    set_raw_value("actors_person", "display_name", person.pk, stored)
    with pytest.raises(FieldDecryptionError):
        Person.objects.get(pk=person.pk)


def test_a_page_showing_a_tampered_value_fails_instead_of_showing_it(
    workspace: Workspace,
) -> None:
    set_raw_value("actors_person", "display_name", workspace.person.pk, "Injected Plain Name")
    client = workspace.client_for(workspace.convener)
    with pytest.raises(FieldDecryptionError):
        client.get(reverse("person-detail", args=[workspace.person.pk]))


def test_the_envelope_binds_its_context() -> None:
    ring_keys = (K1,)
    from multitrack.field_encryption import Keyring

    ring = Keyring.from_keys(ring_keys)
    envelope = seal(b"secret", context="actors.person.display_name:1", ring=ring)
    assert unseal(envelope, context="actors.person.display_name:1", ring=ring) == b"secret"
    for other in ["actors.person.display_name:2", "actors.person.email:1", "x.y.display_name:1"]:
        with pytest.raises(FieldDecryptionError):
            unseal(envelope, context=other, ring=ring)
    # The key id is bound too: relabelling an envelope with another configured key id fails.
    both = Keyring.from_keys([K1, ("k9", K1[1])])
    with pytest.raises(FieldDecryptionError):
        unseal(envelope.replace(":k1:", ":k9:"), context="actors.person.display_name:1", ring=both)


def test_short_values_are_padded_so_their_length_shows_only_roughly() -> None:
    from multitrack.field_encryption import Keyring

    ring = Keyring.from_keys([K1])
    lengths = {len(seal(b"x" * n, context="c:1", ring=ring)) for n in range(31)}
    assert len(lengths) == 1


# --- keys from the environment ------------------------------------------------------------------


def test_keys_are_parsed_current_first() -> None:
    value = field_key_generate("k2") + ", " + field_key_generate("k1")
    parsed = field_keys_parse(value)
    assert [key_id for key_id, _ in parsed] == ["k2", "k1"]
    assert all(len(key) == 32 for _, key in parsed)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "holds no key"),
        ("k1", "must look like"),
        ("k 1:" + base64.b64encode(bytes(32)).decode(), "must look like"),
        ("k1:not base64!", "not valid base64"),
        ("k1:" + base64.b64encode(bytes(16)).decode(), "32 bytes"),
        (f"k1:{ZEROS},k1:{COUNTING}", "given twice"),
        (f"k1:{ZEROS},k2:{ZEROS}", "repeats another key"),
    ],
)
def test_a_doubtful_key_setting_is_an_error_that_never_quotes_the_key(
    value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as failure:
        field_keys_parse(value)
    assert ZEROS not in str(failure.value)


def test_development_generates_a_key_once_and_keeps_it_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MULTITRACK_FIELD_KEYS", raising=False)
    monkeypatch.delenv("MULTITRACK_FIELD_KEYS_FILE", raising=False)
    first = field_keys_from_environment(keep_in=tmp_path / "field_keys")
    second = field_keys_from_environment(keep_in=tmp_path / "field_keys")
    assert first == second
    assert len(first[0][1]) == 32
    assert (tmp_path / "field_keys").stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_start_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MULTITRACK_FIELD_KEYS", raising=False)
    monkeypatch.delenv("MULTITRACK_FIELD_KEYS_FILE", raising=False)
    with pytest.raises(ConfigurationError, match="must be set in production"):
        field_keys_from_environment(keep_in=None)


def test_keys_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = field_key_generate("k7")
    (tmp_path / "keys").write_text(entry + "\n")
    monkeypatch.delenv("MULTITRACK_FIELD_KEYS", raising=False)
    monkeypatch.setenv("MULTITRACK_FIELD_KEYS_FILE", str(tmp_path / "keys"))
    assert field_keys_from_environment(keep_in=None) == field_keys_parse(entry)


def run_multitrack(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "MULTITRACK_FIELD_KEYS", "DEBUG"))
    }
    return subprocess.run(
        [sys.executable, "-m", "multitrack", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


PRODUCTION = {
    "MULTITRACK_PRODUCTION": "1",
    "SECRET_KEY": "x" * 64 + "-a-long-random-production-key",
    "ALLOWED_HOSTS": "dialogue.example.org",
}


@pytest.mark.parametrize(
    ("field_keys", "message"),
    [
        (None, "MULTITRACK_FIELD_KEYS (or MULTITRACK_FIELD_KEYS_FILE) must be set in production"),
        ("k1:" + base64.b64encode(bytes(31)).decode(), "must decode to 32 bytes"),
    ],
)
def test_a_production_server_does_not_start_with_a_missing_or_bad_key(
    tmp_path: Path, field_keys: str | None, message: str
) -> None:
    env = {**PRODUCTION, "MULTITRACK_VAR_DIR": str(tmp_path)}
    if field_keys is not None:
        env["MULTITRACK_FIELD_KEYS"] = field_keys
    result = run_multitrack("check", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "field_keys").exists()  # never generated in production


def test_generate_field_key_prints_a_usable_key() -> None:
    out = io.StringIO()
    call_command("generate_field_key", "--id", "k2", stdout=out)
    [(key_id, key)] = field_keys_parse(out.getvalue())
    assert key_id == "k2"
    assert len(key) == 32
    with pytest.raises(CommandError, match="key id"):
        call_command("generate_field_key", "--id", "no spaces", stdout=io.StringIO())


def test_the_keys_are_not_derived_from_the_secret_key(workspace: Workspace, settings: Any) -> None:
    person = PersonFactory(display_name=CANARY_NAME)
    settings.SECRET_KEY = "another-secret-key-" * 4
    assert Person.objects.get(pk=person.pk).display_name == CANARY_NAME


# --- key rotation -------------------------------------------------------------------------------


def _snapshot() -> list[Any]:
    return [
        sorted((p.pk, p.display_name, p.aliases, p.email, p.phone) for p in Person.objects.all()),
        sorted(
            (n.pk, n.text, n.attribution_override_reason, n.attribution_override_terms)
            for n in Note.objects.all()
        ),
        sorted((t.pk, t.kind, t.strength) for t in RelationshipTie.objects.all()),
        sorted(
            (a.pk, a.original_name, a.sha256, b"".join(attachment_file_read(a)))
            for a in MeetingAttachment.objects.all()
        ),
        sorted((d.pk, d.key) for d in AuthenticatorAppDevice.objects.all()),
    ]


def test_rotation_re_encrypts_everything_so_the_old_key_can_go(
    workspace: Workspace, settings: Any
) -> None:
    write_canaries_through_the_pages(workspace)
    PersonFactory.create_batch(4)
    before = _snapshot()
    keys(settings, K2, K1)
    census = field_keys_census()
    assert census.outdated == census.total > 0
    out = io.StringIO()
    with pytest.raises(CommandError, match="still under old keys") as failure:
        call_command("rotate_field_keys", "--check", stdout=out)
    assert failure.value.returncode == 1
    assert "actors.person.display_name: k1:" in out.getvalue()

    out = io.StringIO()
    call_command("rotate_field_keys", "--batch-size", "2", stdout=out)
    output = out.getvalue()
    assert "actors.person: 2/" in output  # progress, batch by batch
    assert (
        f"All {census.total} encrypted values and 1 attachment files are under the current key k2."
        in output
    )
    assert leaks(output) == []
    assert AuditEvent.objects.filter(action="encryption.keys_rotated").count() == 1

    keys(settings, K2)  # the old key removed
    assert _snapshot() == before
    out = io.StringIO()
    call_command("rotate_field_keys", "--check", stdout=out)
    assert "under the current key k2" in out.getvalue()


def test_an_interrupted_rotation_resumes_where_it_stopped(
    workspace: Workspace, settings: Any
) -> None:
    PersonFactory.create_batch(5)
    before = _snapshot()
    keys(settings, K2, K1)
    total = field_keys_census().total

    class StopRotationError(Exception):
        pass

    def stop_after_the_first_batch(progress: Any) -> None:
        raise StopRotationError

    with pytest.raises(StopRotationError):
        field_keys_rotate(batch_size=2, on_progress=stop_after_the_first_batch)
    left = field_keys_census().outdated
    assert 0 < left < total  # the first batch was committed

    assert field_keys_rotate(batch_size=2) == left  # only what was left
    assert field_keys_census().outdated == 0
    keys(settings, K2)
    assert _snapshot() == before


def test_values_written_during_rotation_are_sealed_under_the_new_key(
    workspace: Workspace, settings: Any
) -> None:
    keys(settings, K2, K1)
    person = PersonFactory(display_name=CANARY_NAME)
    assert raw_value("actors_person", "display_name", person.pk).startswith("mt1:k2:")
    # Saving an old row moves it to the new key as well.
    workspace.person.phone = "+1 202 555 0100"
    workspace.person.save()
    assert raw_value("actors_person", "email", workspace.person.pk).startswith("mt1:k2:")


def test_rotation_stops_on_a_value_it_cannot_open_and_says_which(
    workspace: Workspace, settings: Any
) -> None:
    person = PersonFactory()
    set_raw_value(
        "actors_person", "phone", person.pk, raw_value("actors_person", "email", person.pk)
    )
    keys(settings, K2, K1)
    with pytest.raises(CommandError, match=f"actors.person.phone:{person.pk}"):
        call_command("rotate_field_keys", stdout=io.StringIO())


# --- backups --------------------------------------------------------------------------------------


def test_a_backup_keeps_fields_sealed_and_restores_only_with_the_field_keys(
    workspace: Workspace, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    write_canaries_through_the_pages(workspace)
    before = _snapshot()
    archive = tmp_path / "backup.mtb"
    backup_create(path=archive, key=bytes(32))

    keys(settings, K3)
    with pytest.raises(BackupError, match="do not open with the configured MULTITRACK_FIELD_KEYS"):
        backup_restore(path=archive, key=bytes(32), force=True)
    keys(settings, K1)
    assert _snapshot() == before  # nothing changed

    backup_restore(path=archive, key=bytes(32), force=True)
    assert _snapshot() == before


def test_a_restore_refuses_attachment_files_under_a_key_not_configured(
    workspace: Workspace, settings: Any, tmp_path: Path
) -> None:
    written = write_canaries_through_the_pages(workspace)
    keys(settings, K2, K1)
    field_keys_rotate()  # the fields move to k2; the attachment file stays under k1
    archive = tmp_path / "backup.mtb"
    backup_create(path=archive, key=bytes(32))
    file_path = Path(settings.MEDIA_ROOT) / written.attachment.file.name
    file_bytes = file_path.read_bytes()
    keys(settings, K2)

    with pytest.raises(
        BackupError,
        match=rf"fields or files do not open.*meetingattachment.file:{written.attachment.pk}.*'k1'",
    ):
        backup_restore(path=archive, key=bytes(32), force=True)

    assert file_path.read_bytes() == file_bytes  # nothing changed
    assert MeetingAttachment.objects.get().original_name == CANARY_FILE_NAME


# --- sealed files ---------------------------------------------------------------------------------


def _sealed(data: bytes, context: str, ring: Any) -> bytes:
    return b"".join(file_encryption.seal_stream([data], context=context, ring=ring))


def _opened(data: bytes, context: str, ring: Any) -> bytes:
    return b"".join(file_encryption.open_stream(io.BytesIO(data), context=context, ring=ring))


def test_a_sealed_file_opens_only_for_its_record_and_never_mixes_two_sealings() -> None:
    from multitrack.field_encryption import Keyring

    ring = Keyring.from_keys([K1])
    data = os.urandom(3 * file_encryption.CHUNK_BYTES + 5)
    first = _sealed(data, "processes.meetingattachment.file:1", ring)
    second = _sealed(data, "processes.meetingattachment.file:1", ring)
    assert first != second
    assert _opened(first, "processes.meetingattachment.file:1", ring) == data
    with pytest.raises(file_encryption.FileDecryptionError, match="file:2: chunk 0"):
        _opened(first, "processes.meetingattachment.file:2", ring)
    # The header of one sealing with the chunks of the other (each random file id differs).
    header = 8 + 1 + 1 + 2 + file_encryption.FILE_ID_BYTES
    with pytest.raises(file_encryption.FileDecryptionError, match="fails authentication"):
        _opened(first[:header] + second[header:], "processes.meetingattachment.file:1", ring)
    # Relabelled with another configured key id.
    both = Keyring.from_keys([K1, ("k9", K1[1])])
    relabelled = first.replace(b"\x02k1", b"\x02k9", 1)
    with pytest.raises(file_encryption.FileDecryptionError):
        _opened(relabelled, "processes.meetingattachment.file:1", both)


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 131072, 200_001])
def test_the_sealed_size_is_known_before_writing(size: int) -> None:
    from multitrack.field_encryption import Keyring

    ring = Keyring.from_keys([K1])
    data = os.urandom(size)
    sealed = _sealed(data, "c:1", ring)
    assert len(sealed) == file_encryption.sealed_size(size, key_id="k1")
    assert _opened(sealed, "c:1", ring) == data


# --- migrating existing rows ----------------------------------------------------------------------

MIGRATIONS = [
    ("actors", "0005_person_encrypted_at_rest"),
    ("processes", "0004_note_encrypted_at_rest"),
    ("practice", "0002_tie_encrypted_at_rest"),
]


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_rows_in_place_and_back(settings: Any) -> None:
    executor = MigrationExecutor(connection)
    before = [
        dependency
        for app, name in MIGRATIONS
        for dependency in executor.loader.get_migration(app, name).dependencies
        if dependency[0] == app
    ]
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    conflict = old.get_model("actors", "Conflict").objects.create(name="Old conflict")
    process = old.get_model("processes", "Process").objects.create(
        conflict_id=conflict.pk, title="Old process"
    )
    meeting = old.get_model("processes", "Meeting").objects.create(
        process_id=process.pk, title="Old meeting", date=datetime.date(2024, 1, 9)
    )
    person_model = old.get_model("actors", "Person")
    person = person_model.objects.create(
        display_name=CANARY_NAME, pseudonym="Old", aliases=[CANARY_ALIAS], email=CANARY_EMAIL
    )
    other = person_model.objects.create(display_name="Other Name", pseudonym="Older")
    note = old.get_model("processes", "Note").objects.create(
        meeting_id=meeting.pk,
        text=CANARY_NOTE,
        attribution_override_reason=CANARY_REASON,
        attribution_override_terms=[CANARY_NAME],
    )
    tie = old.get_model("practice", "RelationshipTie").objects.create(
        process_id=process.pk,
        person_id=person.pk,
        other_id=other.pk,
        kind="trusts",
        strength=4,
        observed_on=datetime.date(2024, 1, 9),
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert [(t, leaks(text)) for t, text in every_cell() if leaks(text)] == []
        fresh = Person.objects.get(pk=person.pk)
        assert (fresh.display_name, fresh.aliases, fresh.email, fresh.phone) == (
            CANARY_NAME,
            [CANARY_ALIAS],
            CANARY_EMAIL,
            "",
        )
        fresh_note = Note.objects.get(pk=note.pk)
        assert (fresh_note.text, fresh_note.attribution_override_terms) == (
            CANARY_NOTE,
            [CANARY_NAME],
        )
        fresh_tie = RelationshipTie.objects.get(pk=tie.pk)
        assert (fresh_tie.kind, fresh_tie.strength) == ("trusts", 4)

        executor = MigrationExecutor(connection)
        executor.migrate(before)  # and back: the plaintext returns, in the old column types
        assert raw_value("actors_person", "display_name", person.pk) == CANARY_NAME
        assert raw_value("processes_note", "text", note.pk) == CANARY_NOTE
        assert raw_value("practice_relationshiptie", "strength", tie.pk) == 4
        old = MigrationExecutor(connection).loader.project_state(before).apps
        assert old.get_model("actors", "Person").objects.get(pk=person.pk).aliases == [CANARY_ALIAS]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


ATTACHMENTS_BEFORE = [("processes", "0005_meeting_attachment")]
PDF_CONTENT = b"%PDF-1.7\n" + CANARY_FILE_TEXT.encode() * 3000 + b"%%EOF\n"


def _state_before_attachment_encryption() -> Any:
    """The models as they are with every migration applied but the attachments' encryption."""
    loader = MigrationExecutor(connection).loader
    nodes = [node for node in loader.graph.leaf_nodes() if node[0] != "processes"]
    return loader.project_state([*nodes, *ATTACHMENTS_BEFORE]).apps


def _old_attachment(old: Any, *, name: str, content: bytes, recorded: bytes) -> Any:
    """A meeting attachment as stored before encryption at rest: plain columns, plain file."""
    conflict = old.get_model("actors", "Conflict").objects.create(name=f"Conflict {name}")
    process = old.get_model("processes", "Process").objects.create(
        conflict_id=conflict.pk, title="Old process"
    )
    meeting = old.get_model("processes", "Meeting").objects.create(
        process_id=process.pk, title="Old meeting", date=datetime.date(2024, 1, 9)
    )
    file_name = f"attachments/{name}.pdf"
    path = Path(default_storage.path(file_name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return old.get_model("processes", "MeetingAttachment").objects.create(
        meeting_id=meeting.pk,
        file=file_name,
        original_name=CANARY_FILE_NAME,
        content_type="application/pdf",
        size_bytes=len(recorded),
        sha256=hashlib.sha256(recorded).hexdigest(),
    )


@pytest.mark.django_db(transaction=True)
def test_the_attachment_migration_encrypts_existing_files_in_place_and_back() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(ATTACHMENTS_BEFORE)
    old = _state_before_attachment_encryption()
    row = _old_attachment(old, name="minutes", content=PDF_CONTENT, recorded=PDF_CONTENT)
    path = Path(default_storage.path(row.file.name))
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        sealed = path.read_bytes()
        assert sealed.startswith(file_encryption.MAGIC)
        assert leaks(sealed.decode("latin-1")) == []
        assert [(t, leaks(text)) for t, text in every_cell() if leaks(text)] == []
        for column in ("original_name", "sha256"):
            assert raw_value("processes_meetingattachment", column, row.pk).startswith("mt1:k1:")
        attachment = MeetingAttachment.objects.get(pk=row.pk)
        assert attachment.original_name == CANARY_FILE_NAME
        assert b"".join(attachment_file_read(attachment)) == PDF_CONTENT

        executor = MigrationExecutor(connection)
        executor.migrate(ATTACHMENTS_BEFORE)  # and back: the plaintext returns
        assert path.read_bytes() == PDF_CONTENT
        assert raw_value("processes_meetingattachment", "original_name", row.pk) == (
            CANARY_FILE_NAME
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_attachment_migration_stops_at_a_file_changed_on_disk_before_changing_any() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(ATTACHMENTS_BEFORE)
    old = _state_before_attachment_encryption()
    good = _old_attachment(old, name="good", content=PDF_CONTENT, recorded=PDF_CONTENT)
    changed = _old_attachment(
        old, name="changed", content=PDF_CONTENT + b"%% appended", recorded=PDF_CONTENT
    )
    try:
        executor = MigrationExecutor(connection)
        with pytest.raises(
            file_encryption.FileDecryptionError,
            match=f"meetingattachment.file:{changed.pk}: the decrypted file does not match",
        ):
            executor.migrate(executor.loader.graph.leaf_nodes())
        # Neither file was rewritten, and the columns are as they were.
        assert Path(default_storage.path(good.file.name)).read_bytes() == PDF_CONTENT
        assert raw_value("processes_meetingattachment", "original_name", good.pk) == (
            CANARY_FILE_NAME
        )
    finally:
        set_raw_value("processes_meetingattachment", "meeting_id", changed.pk, good.meeting_id)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM processes_meetingattachment WHERE id = %s", [changed.pk])
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


OLD_TOTP_TABLE = "otp_totp_totpdevice"
APPS_BEFORE = [("accounts", "0003_two_step_recovery_codes")]


def _create_old_totp_table() -> None:
    """django-otp's otp_totp table, as a database that had the plugin installed holds it."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {quote(OLD_TOTP_TABLE)} ("
            "id integer PRIMARY KEY, user_id integer NOT NULL, name varchar(64) NOT NULL, "
            "confirmed boolean NOT NULL, throttling_failure_timestamp timestamp NULL, "
            "throttling_failure_count integer NOT NULL, created_at timestamp NULL, "
            f"last_used_at timestamp NULL, {quote('key')} varchar(80) NOT NULL, "
            "step smallint NOT NULL, t0 bigint NOT NULL, digits smallint NOT NULL, "
            "tolerance smallint NOT NULL, drift smallint NOT NULL, last_t bigint NOT NULL)"
        )


def _old_totp_rows() -> list[tuple[Any, ...]]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, user_id, {quote('key')}, last_t FROM {quote(OLD_TOTP_TABLE)}"  # noqa: S608
        )
        return list(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_the_authenticator_app_migration_moves_keys_out_of_clear_and_back() -> None:
    from django.contrib.auth import get_user_model

    executor = MigrationExecutor(connection)
    executor.migrate(APPS_BEFORE)
    user = get_user_model().objects.create_user("khalid", password="x" * 20)
    hex_key = bytes(range(40, 60)).hex()
    _create_old_totp_table()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(OLD_TOTP_TABLE)} VALUES "  # noqa: S608
            "(7, %s, 'Authenticator app', %s, NULL, 2, NULL, NULL, %s, 30, 0, 6, 1, 0, 123)",
            [user.pk, True, hex_key],
        )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        assert _old_totp_rows() == []  # no key left in clear
        assert raw_value("accounts_authenticatorappdevice", "key", 7).startswith("mt1:k1:")
        secrets = [hex_key, base64.b32encode(bytes.fromhex(hex_key)).decode()]
        assert [(t, leaks(text, secrets)) for t, text in every_cell() if leaks(text, secrets)] == []
        device = AuthenticatorAppDevice.objects.get(pk=7)
        assert (device.user_id, device.key, device.last_t, device.throttling_failure_count) == (
            user.pk,
            hex_key,
            123,
            2,
        )
        device.throttling_failure_count = 0
        device.save()
        assert device.verify_token(totp_code(device))
        assert not device.verify_token(totp_code(device))  # never twice
        newer = AuthenticatorAppDevice.objects.create(user=user, name="Second phone")
        assert newer.pk > 7  # the id sequence moved past the copied ids

        executor = MigrationExecutor(connection)
        newer.delete()
        executor.migrate(APPS_BEFORE)  # and back: the key returns to the old table, in clear
        assert [(pk, key) for pk, _user, key, _last_t in _old_totp_rows()] == [(7, hex_key)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {quote(OLD_TOTP_TABLE)}")


def test_every_encrypted_model_is_known_to_rotation() -> None:
    labels = {model._meta.label_lower for model in encrypted_fields.encrypted_models()}
    assert labels == {
        "actors.person",
        "processes.note",
        "practice.relationshiptie",
        "processes.meetingattachment",
        "accounts.authenticatorappdevice",
    }


def test_no_model_or_admin_sorts_or_searches_an_encrypted_field_in_sql() -> None:
    assert encrypted_fields.check_no_sql_on_encrypted_fields() == []


def test_an_admin_searching_an_encrypted_field_fails_the_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.contrib import admin

    from multitrack.processes.models import Attendance

    class SearchingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
        search_fields = ["person__pseudonym", "person__display_name"]
        ordering = ["-person__email"]

    monkeypatch.setitem(admin.site._registry, Attendance, SearchingAdmin(Attendance, admin.site))
    problems = encrypted_fields.check_no_sql_on_encrypted_fields()
    assert [(p.id, "display_name" in p.msg or "email" in p.msg) for p in problems] == [
        ("multitrack.E201", True),
        ("multitrack.E201", True),
    ]
