"""The API's standing world: the shared workspace, plus something of each kind on both sides.

``world.mine`` holds the ids of objects in ``workspace.process``; ``world.theirs`` the same kind
of objects in the stranger's ``other_process``, which no standing user may learn about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission as ModelPermission
from django.test import Client

from multitrack.accounts.services import api_token_create
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import ContestedTerm
from multitrack.processes.models import Attendance
from tests.conftest import Workspace
from tests.factories import (
    AffiliationFactory,
    AttendanceFactory,
    OrganisationFactory,
    PartyFactory,
)


@dataclass
class World:
    workspace: Workspace
    mine: dict[str, int]
    theirs: dict[str, int]
    attendance: Attendance

    def user(self, role: str) -> Any:
        return getattr(self.workspace, role)

    def client_for(self, role: str) -> Client:
        if role == "anonymous":
            return Client()
        return self.workspace.client_for(self.user(role))


def _side(process: Any, meeting: Any, person: Any) -> tuple[dict[str, int], Any]:
    party = PartyFactory(conflict=process.conflict)
    person.parties.add(party)
    organisation = OrganisationFactory(party=party)
    AffiliationFactory(person=person, organisation=organisation, capacity=Capacity.ACADEMIC)
    attendance = AttendanceFactory(meeting=meeting, person=person)
    term = ContestedTerm.objects.create(
        conflict=process.conflict, term="the Northern Sea", neutral_wording="the sea"
    )
    ids = {
        "process_id": process.pk,
        "meeting_id": meeting.pk,
        "person_id": person.pk,
        "conflict_id": process.conflict_id,
        "party_id": party.pk,
        "organisation_id": organisation.pk,
        "term_id": term.pk,
    }
    return ids, attendance


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Argon2 costs seconds per standing user; these tests are about the API, not passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(workspace: Workspace) -> World:
    ws = workspace
    ws.person.email = "real@example.org"
    ws.person.phone = "+1 555 0100"
    ws.person.aliases = ["The Harbourmaster"]
    ws.person.save()
    mine, attendance = _side(ws.process, ws.meeting, ws.person)
    theirs, _ = _side(ws.other_process, ws.other_meeting, ws.other_person)
    # Opening conflicts and processes takes a model permission; this deployment gives it to
    # the convener only.
    ws.convener.user_permissions.add(
        *ModelPermission.objects.filter(codename__in=["add_conflict", "add_process"])
    )
    return World(workspace=ws, mine=mine, theirs=theirs, attendance=attendance)


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def token_for(db: None) -> Any:
    def make(user: Any) -> str:
        _token, raw = api_token_create(actor=user, name="script")
        return raw

    return make
