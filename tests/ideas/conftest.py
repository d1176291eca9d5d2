"""Official talks between two parties of the standing workspace's conflict, and people of each.

``talks`` builds on ``workspace``: its process's conflict gets parties North and South at the
"Border talks", a person from each side on the process's roster, and a helper to hold a meeting
both sides attended.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Conflict, Party, Person
from multitrack.ideas.models import OfficialTrack
from multitrack.processes.models import Meeting, Process, ProcessParticipant
from tests.conftest import Workspace
from tests.factories import (
    AffiliationFactory,
    AttendanceFactory,
    MeetingFactory,
    ParticipantFactory,
    PartyFactory,
)


@dataclass
class Talks:
    workspace: Workspace
    conflict: Conflict
    north: Party
    south: Party
    official_track: OfficialTrack
    northerner: Person
    southerner: Person

    def meeting_of_both(
        self, date: datetime.date, process: Process | None = None, **fields: Any
    ) -> Meeting:
        """A held meeting of ``process`` that a person from each side attended."""
        process = process or self.workspace.process
        meeting = MeetingFactory(process=process, date=date, status=Meeting.Status.HELD, **fields)
        for person in (self.northerner, self.southerner):
            ProcessParticipant.objects.get_or_create(process=process, person=person)
            AttendanceFactory(meeting=meeting, person=person)
        return meeting


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 costs seconds per standing user; these tests are not about passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def talks(workspace: Workspace) -> Talks:
    conflict = workspace.process.conflict
    north = PartyFactory(conflict=conflict, name="North")
    south = PartyFactory(conflict=conflict, name="South")
    official_track = OfficialTrack.objects.create(
        conflict=conflict, name="Border talks", mediator="Regional Union"
    )
    official_track.parties.set([north, south])
    people = []
    for party, name in ((north, "Zoë Ñúñez-Ortega"), (south, "Kwame Mensah")):
        person = ParticipantFactory(process=workspace.process, person__display_name=name).person
        person.parties.add(party)
        AffiliationFactory(person=person, capacity=Capacity.ACADEMIC, role="Professor of Law")
        people.append(person)
    return Talks(workspace, conflict, north, south, official_track, *people)
