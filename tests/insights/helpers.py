"""A small process with parties, people, meetings, ties and surveys, built for the page tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Party, Person
from multitrack.practice import services
from multitrack.practice.models import Survey, SurveyItem
from multitrack.processes.models import Attendance, Meeting, Process
from tests.factories import AffiliationFactory, MeetingFactory, ParticipantFactory, PartyFactory


@dataclass
class Scene:
    north: Party
    south: Party
    people: list[Person]
    meetings: list[Meeting] = field(default_factory=list)


def build_scene(process: Process, convener: Any, *, people: int = 6) -> Scene:
    """Two parties, ``people`` participants alternating between them, three held meetings."""
    north = PartyFactory(conflict=process.conflict, name="North")
    south = PartyFactory(conflict=process.conflict, name="South", is_minority=True)
    persons = []
    for index in range(people):
        person = ParticipantFactory(process=process).person
        person.parties.add(north if index % 2 == 0 else south)
        person.gender = Person.Gender.WOMAN if index % 3 == 0 else Person.Gender.MAN
        person.languages = ["English"] if index else ["Greek"]
        person.save()
        AffiliationFactory(
            person=person,
            capacity=Capacity.ACADEMIC if index % 2 else Capacity.NGO_OR_CIVIL_SOCIETY,
        )
        persons.append(person)
    scene = Scene(north, south, persons)
    dates = [datetime.date(2024, 1, 10), datetime.date(2024, 4, 10), datetime.date(2024, 9, 10)]
    for number, date in enumerate(dates):
        meeting = MeetingFactory(
            process=process, date=date, status=Meeting.Status.HELD, title=f"Round {number + 1}"
        )
        present = persons if number == 0 else persons[: people - 2 * number]
        for person in present:
            Attendance.objects.create(meeting=meeting, person=person)
        scene.meetings.append(meeting)
    services.stakeholder_category_create(
        actor=convener, process=process, label="Women", kind="women", minimum_percent=40
    )
    services.stakeholder_category_create(
        actor=convener, process=process, label="South", kind="party", party=south, minimum_count=2
    )
    return scene


def survey_pair(
    process: Process, convener: Any, meeting: Meeting, before: list[float], after: list[float]
) -> tuple[Survey, Survey]:
    """Before and after surveys of a meeting with these answers to the agreement item."""
    surveys = []
    for phase, values in ((Survey.Phase.BEFORE, before), (Survey.Phase.AFTER, after)):
        survey = services.survey_create(actor=convener, meeting=meeting, phase=phase)
        item = survey.items.get(kind=SurveyItem.Kind.AGREEMENT)
        for value in values:
            services.survey_response_record(actor=convener, survey=survey, answers={item.pk: value})
        surveys.append(survey)
    return surveys[0], surveys[1]
