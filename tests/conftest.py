"""Standing users for every permission test: convener, facilitator, analyst, observer, outsider.

Each holds that role in ``process`` (the outsider holds none); ``other_process`` belongs to a
stranger, so cross-process leaks show up wherever a test looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from multitrack.accounts.models import Role
from multitrack.processes.models import Meeting, Process
from tests.factories import (
    MeetingFactory,
    ParticipantFactory,
    ProcessFactory,
    UserFactory,
    member,
)
from tests.signin import verified_login

pytest_plugins = ["tests.browser_fixtures"]

PASSWORD = "correct horse battery staple"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is slow on purpose; tests that are not about hashing need no such cost."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@dataclass
class Workspace:
    process: Process
    meeting: Meeting
    other_process: Process
    other_meeting: Meeting
    convener: Any
    facilitator: Any
    analyst: Any
    observer: Any
    outsider: Any
    person: Any
    other_person: Any

    def client_for(self, user: Any) -> Client:
        """A test client signed in as ``user``, two-step sign-in passed (see tests/signin.py)."""
        return verified_login(Client(), user)


@pytest.fixture
def workspace(db: None) -> Workspace:
    return make_workspace()


def make_workspace() -> Workspace:
    """The standing users and processes (also for fixtures of a wider scope than a test)."""
    process = ProcessFactory(title="Harbour dialogue")
    other_process = ProcessFactory(title="Secret channel")
    users = {
        role: UserFactory(username=role)
        for role in ("convener", "facilitator", "analyst", "observer", "outsider", "stranger")
    }
    for role in (Role.CONVENER, Role.FACILITATOR, Role.ANALYST, Role.OBSERVER):
        member(users[role.value], process, role)
    member(users["stranger"], other_process, Role.CONVENER)
    person = ParticipantFactory(process=process).person
    other_person = ParticipantFactory(process=other_process).person
    return Workspace(
        process=process,
        meeting=MeetingFactory(process=process),
        other_process=other_process,
        other_meeting=MeetingFactory(process=other_process),
        convener=users["convener"],
        facilitator=users["facilitator"],
        analyst=users["analyst"],
        observer=users["observer"],
        outsider=users["outsider"],
        person=person,
        other_person=other_person,
    )
