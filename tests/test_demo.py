"""The demo workspace: loads into an empty database only, fictional, consistent, reproducible."""

from __future__ import annotations

import io
import stat
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from multitrack.accounts.models import Membership
from multitrack.actors.models import Organisation, Person
from multitrack.demo import DEMO_SEED, DemoSummary, current_code, demo_load, demo_logins
from multitrack.processes.models import (
    Attendance,
    Meeting,
    Note,
    Process,
    ProcessParticipant,
)
from multitrack.processes.rules import Track
from multitrack.processes.selectors import process_summary
from multitrack.processes.services import attributions_in

# Hashing six passwords with Argon2 is most of a demo load; the tests need no strong hashes.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def loaded(
    django_db_setup: None, django_db_blocker: Any, var_dir: Path
) -> Iterator[tuple[DemoSummary, str]]:
    """The demo, loaded once for the module (it takes a few seconds), and what the command said."""
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=var_dir, PASSWORD_HASHERS=FAST_HASHERS),
    ):
        out = io.StringIO()
        call_command("demo", stdout=out)
        logins = demo_logins()
        yield (
            DemoSummary(
                processes=Process.objects.count(),
                meetings=Meeting.objects.count(),
                people=Person.objects.count(),
                logins=logins,
                logins_path=var_dir / "demo-logins.txt",
            ),
            out.getvalue(),
        )
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(loaded: tuple[DemoSummary, str], db: None, var_dir: Path, settings: Any) -> DemoSummary:
    settings.VAR_DIR = var_dir
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return loaded[0]


def test_it_loads_into_an_empty_database_and_says_so(loaded: tuple[DemoSummary, str]) -> None:
    assert "Loaded the fictional demo workspace: 3 processes, 25 meetings" in loaded[1]


def test_it_has_about_sixty_people_twenty_five_meetings_and_three_processes(
    demo: DemoSummary,
) -> None:
    assert 55 <= demo.people <= 65
    assert 23 <= demo.meetings <= 27
    assert demo.processes == 3
    tracks = sorted(Process.objects.values_list("declared_track", flat=True))
    assert tracks == [Track.TRACK_1_5, Track.TRACK_2, Track.TRACK_2]
    held = Meeting.objects.exclude(status=Meeting.Status.PLANNED)
    assert {d.year for d in held.values_list("date", flat=True)} == {2023, 2024, 2025, 2026}


def test_it_has_organisations_of_every_kind_and_mixed_genders(demo: DemoSummary) -> None:
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == set(Organisation.Kind.values)
    genders = set(Person.objects.values_list("gender", flat=True))
    assert {Person.Gender.WOMAN, Person.Gender.MAN} <= genders
    assert len(genders) >= 3
    assert all(
        Person.objects.get(pk=pk).parties.exists()
        for pk in Person.objects.values_list("pk", flat=True)[:10]
    )


def test_official_talks_are_mentioned_in_the_aims(demo: DemoSummary) -> None:
    assert all("official talks" in aims for aims in Process.objects.values_list("aims", flat=True))


def test_some_meetings_ran_at_another_track_than_declared(demo: DemoSummary) -> None:
    mismatches = [
        (reading.meeting.title, reading.meeting.effective_declared_track, reading.reading.track)
        for process in Process.objects.all()
        for reading in process_summary(process=process).mismatches
    ]
    assert 1 <= len(mismatches) <= 5, mismatches
    # A Track 2 round that a serving official attended.
    assert any(
        declared == Track.TRACK_2 and derived == Track.TRACK_1_5
        for _title, declared, derived in mismatches
    )


def test_someones_capacity_changes_between_two_meetings_of_one_process(
    demo: DemoSummary,
) -> None:
    capacities: dict[tuple[int, int], set[str]] = defaultdict(set)
    attended = Attendance.objects.filter(status=Attendance.Status.ATTENDED).select_related(
        "meeting", "person"
    )
    for attendance in attended:
        capacities[(attendance.meeting.process_id, attendance.person_id)].add(
            str(attendance.capacity)
        )
    assert any(len(found) > 1 for found in capacities.values())


def test_everyone_in_attendance_is_on_their_process_roster(demo: DemoSummary) -> None:
    roster = set(ProcessParticipant.objects.values_list("process_id", "person_id"))
    attendance = set(Attendance.objects.values_list("meeting__process_id", "person_id"))
    assert attendance
    assert attendance <= roster
    statuses = set(Attendance.objects.values_list("status", flat=True))
    assert statuses == set(Attendance.Status.values)


def test_no_note_names_anyone_from_the_registry(demo: DemoSummary) -> None:
    notes = list(Note.objects.select_related("meeting__process"))
    assert len(notes) >= 20
    # Checked against every process, not only the note's own: no note names anyone at all.
    processes = list(Process.objects.all())
    found = [attributions_in(note.text, process=p) for note in notes for p in processes]
    assert found == [[] for _ in found]
    assert all(note.attribution_override_terms == [] for note in notes)


def test_held_meetings_have_agendas_follow_ups_and_attendance(demo: DemoSummary) -> None:
    for meeting in Meeting.objects.filter(status=Meeting.Status.HELD):
        assert meeting.agenda_items.count() >= 3, meeting
        assert meeting.follow_ups.exists(), meeting
        assert meeting.attendance.filter(status=Attendance.Status.ATTENDED).exists(), meeting
    # Outside held meetings, only the people expected at a planned session are listed.
    elsewhere = Attendance.objects.exclude(meeting__status=Meeting.Status.HELD)
    assert set(elsewhere.values_list("meeting__status", flat=True)) <= {Meeting.Status.PLANNED}


def test_experts_from_abroad_have_a_country_and_the_parties_people_none(demo: DemoSummary) -> None:
    countries = set(Person.objects.exclude(country="").values_list("country", flat=True))
    assert countries
    assert not Person.objects.filter(parties__isnull=False).exclude(country="").exists()


def test_users_see_different_processes(demo: DemoSummary) -> None:
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    seen = {
        user.username: frozenset(
            Membership.objects.filter(user=user).values_list("process__title", "role")
        )
        for user in users.filter(is_superuser=False)
    }
    assert {"convener", "facilitator", "analyst", "observer"} <= {
        role for memberships in seen.values() for _title, role in memberships
    }
    assert len(set(seen.values())) == len(seen)  # no two users see the same thing
    assert not Membership.objects.filter(user__username="admin").exists()


def test_passwords_are_random_kept_private_and_work(demo: DemoSummary) -> None:
    path = demo.logins_path
    assert path is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    passwords = [login.password for login in demo.logins]
    assert [login.username for login in demo.logins] == [
        "admin",
        "amara",
        "tomas",
        "lina",
        "jun",
        "rosa",
    ]
    assert len(set(passwords)) == len(passwords)
    assert all(len(password) >= 16 for password in passwords)
    for login in demo.logins:
        assert get_user_model().objects.get(username=login.username).check_password(login.password)


def test_print_login_prints_a_line_per_user(demo: DemoSummary) -> None:
    out = io.StringIO()
    call_command("demo", "--print-login", stdout=out)
    lines = out.getvalue().splitlines()
    amara = next(login for login in demo.logins if login.username == "amara")
    assert f"  Log in as convener 'amara' with password: {amara.password}" in lines
    # Conveners and the administrator must use two-step sign-in: a line with a current code
    # and the authenticator app key follows theirs.
    two_step = lines[
        lines.index(f"  Log in as convener 'amara' with password: {amara.password}") + 1
    ]
    assert two_step.startswith("    then two-step sign-in code ")
    assert two_step.endswith(amara.authenticator_key)
    assert len(lines) == 6 + 3


def test_if_empty_does_nothing_on_a_loaded_database(demo: DemoSummary) -> None:
    before = (
        Person.objects.count(),
        Meeting.objects.count(),
        demo.logins_path.read_text() if demo.logins_path else "",
    )
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert out.getvalue() == "The database already has data: the demo was not loaded.\n"
    assert (
        Person.objects.count(),
        Meeting.objects.count(),
        demo.logins_path.read_text() if demo.logins_path else "",
    ) == before


def test_without_if_empty_it_refuses_a_database_with_data(demo: DemoSummary) -> None:
    with pytest.raises(CommandError, match="not empty"):
        call_command("demo", stdout=io.StringIO())
    assert Process.objects.count() == 3


def _snapshot() -> list[Any]:
    return [
        sorted((p.display_name, p.pseudonym, p.gender, p.email) for p in Person.objects.all()),
        sorted(Meeting.objects.values_list("process__title", "title", "date", "status")),
        sorted(
            Attendance.objects.values_list(
                "meeting__title", "person__pseudonym", "status", "is_acting_officially"
            )
        ),
        sorted((n.meeting.title, n.text) for n in Note.objects.select_related("meeting")),
    ]


def test_the_same_seed_gives_the_same_workspace(demo: DemoSummary, tmp_path: Path) -> None:
    first = _snapshot()
    # Empty the database (inside this test's transaction, rolled back afterwards).
    call_command("flush", interactive=False, verbosity=0)

    summary = demo_load(random_state=DEMO_SEED, logins_path=tmp_path / "logins.txt")

    assert _snapshot() == first
    assert [login.password for login in summary.logins] != [login.password for login in demo.logins]


def test_conveners_and_the_administrator_sign_in_with_the_printed_code(
    demo: DemoSummary,
) -> None:
    with_app = {login.username for login in demo.logins if login.authenticator_key}
    assert with_app == {"admin", "amara", "tomas"}
    amara = next(login for login in demo.logins if login.username == "amara")
    client = Client()
    client.post(reverse("login"), {"username": "amara", "password": amara.password})
    response = client.post(
        reverse("two-step-verify"), {"code": current_code(amara.authenticator_key)}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_print_login_without_a_demo_says_how_to_load_it(
    db: None, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("demo", "--print-login", stdout=out)
    assert "No demo logins here" in out.getvalue()
