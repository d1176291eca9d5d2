"""Best-practice data for the demo workspace, showing at least one gap of each kind.

``load_practice_demo()`` runs after ``multitrack.demo.demo_load()`` and finds its processes by
title. Everything goes through the services, as the process's convener. Seeded: the same
workspace every time.

The gaps it sets up:
* inclusivity: targets for religious leaders, women and diaspora the Coastal Dialogue misses;
* cultural sensitivity: a planned round on Eid al-Adha (estimated), in a venue the Oru community
  refuses, without interpretation into Varnian;
* sustained engagement: the long gap before the rescheduled Round 7 (read from the meetings);
* trust: in the Lakeside Consultations, ties only within parties, none across;
* and a planned Lakeside session on a public holiday of an expected participant's country.
And a before/after survey whose convener's own question drew too few answers to be shown.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

import holidays

from multitrack.accounts.models import Membership, Role
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Party, Person
from multitrack.practice import services
from multitrack.practice.models import RelationshipTie, Survey, SurveyItem
from multitrack.processes.models import Attendance, Meeting, Process
from multitrack.processes.services import attendance_record, meeting_schedule

DEMO_SEED = 1325
COASTAL = "Selka Strait Coastal Dialogue"
LAKESIDE = "Lakeside Consultations"
PARTY_CALENDARS = {
    "Republic of Varnia": ["orthodox"],
    "Kestrel Federation": ["jewish"],
    "Oru community": ["islamic"],
}


def _convener(process: Process) -> Any:
    membership = (
        Membership.objects.filter(process=process, role=Role.CONVENER)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise LookupError(f"The demo process {process.title!r} has no convener.")
    return membership.user


def _parties(process: Process) -> dict[str, Party]:
    return {p.name: p for p in Party.objects.filter(conflict_id=process.conflict_id)}


def load_practice_demo(*, random_state: int = DEMO_SEED) -> None:
    """Add stakeholder maps, calendars, venues, ties and surveys to the demo processes."""
    rng = random.Random(random_state)  # noqa: S311  # nosec B311  # demo data, not security
    processes = {p.title: p for p in Process.objects.filter(title__in=[COASTAL, LAKESIDE])}
    if COASTAL in processes:
        _coastal(processes[COASTAL], rng)
    if LAKESIDE in processes:
        _lakeside(processes[LAKESIDE], rng)


def _coastal(process: Process, rng: random.Random) -> None:
    actor = _convener(process)
    parties = _parties(process)
    oru = parties.get("Oru community")
    kestrel = parties.get("Kestrel Federation")
    add = services.stakeholder_category_create
    add(actor=actor, process=process, label="Women", kind="women", minimum_percent=40)
    if oru is not None:
        add(
            actor=actor,
            process=process,
            label="Oru community",
            kind="party",
            party=oru,
            minimum_count=2,
        )
    add(
        actor=actor,
        process=process,
        label="Religious leaders",
        kind="capacity",
        capacity=Capacity.RELIGIOUS_LEADER,
        minimum_count=1,
    )
    add(
        actor=actor,
        process=process,
        label="Civil society",
        kind="capacity",
        capacity=Capacity.NGO_OR_CIVIL_SOCIETY,
        minimum_count=2,
    )
    add(
        actor=actor,
        process=process,
        label="Diaspora",
        kind="tagged",
        tag="diaspora",
        minimum_count=1,
    )
    add(actor=actor, process=process, label="Minorities", kind="minority", minimum_count=2)

    roster = list(Person.objects.filter(process_roles__process=process).order_by("pseudonym"))
    for name, calendars in PARTY_CALENDARS.items():
        if name in parties:
            for calendar in calendars:
                services.party_calendar_add(
                    actor=actor, process=process, party=parties[name], calendar=calendar
                )
    if oru is not None:
        services.observance_add(
            actor=actor,
            process=process,
            name="Day of the Closed Crossing (Oru remembrance)",
            date=datetime.date(2019, 3, 3),
            recurs_yearly=True,
            party=oru,
        )
        services.refused_venue_add(
            actor=actor,
            process=process,
            party=oru,
            venue="Aldmere",
            reason="Where the crossing rules were signed without them.",
        )
    if kestrel is not None:
        services.refused_venue_add(
            actor=actor, process=process, party=kestrel, venue="Tarsk", reason="Varnian naval base."
        )
    meeting_schedule(
        actor=actor,
        process=process,
        title="Round 9: Reviewing the harbour pilot",
        date=datetime.date(2027, 5, 16),
        place="Aldmere",
        status=Meeting.Status.PLANNED,
        working_languages=["English"],
        interpretation_languages=["Kestrelian"],
    )
    _ties(process, actor, roster, rng, cross_party=True)
    _surveys(process, actor, parties, rng)


def _lakeside(process: Process, rng: random.Random) -> None:
    actor = _convener(process)
    services.stakeholder_category_create(
        actor=actor, process=process, label="Women", kind="women", minimum_percent=30
    )
    roster = list(Person.objects.filter(process_roles__process=process).order_by("pseudonym"))
    _ties(process, actor, roster, rng, cross_party=False)
    _holiday_meeting(process, actor, roster)


def _holiday_meeting(process: Process, actor: Any, roster: list[Person]) -> None:
    """A planned online session on a public holiday of one expected participant's country.

    Languages are covered and no venue can be refused, so the observance is its only issue.
    """
    from_abroad = [p for p in roster if p.country]
    if not from_abroad:
        return
    guest = from_abroad[0]
    date = next(
        day
        for day in sorted(holidays.country_holidays(guest.country, years=2027))
        if day >= datetime.date(2027, 3, 1) and day.weekday() < 5  # Monday to Friday
    )
    meeting = meeting_schedule(
        actor=actor,
        process=process,
        title="Technical session: monitoring the fishing grounds",
        date=date,
        is_virtual=True,
        status=Meeting.Status.PLANNED,
        working_languages=["English"],
        interpretation_languages=["Varnian", "Kestrelian"],
    )
    expected = [*from_abroad, *[p for p in roster if not p.country][:4]]
    for person in expected:
        attendance_record(actor=actor, meeting=meeting, person=person)


def _ties(
    process: Process, actor: Any, roster: list[Person], rng: random.Random, *, cross_party: bool
) -> None:
    """Ties formed at held meetings among those who attended together."""
    party_of = {
        p.pk: next((x.pk for x in p.parties.all() if x.conflict_id == process.conflict_id), None)
        for p in roster
    }
    seen: set[frozenset[int]] = set()
    held = process.meetings.filter(status=Meeting.Status.HELD).order_by("date")
    for meeting in held:
        present = [
            a.person
            for a in meeting.attendance.select_related("person").filter(
                status=Attendance.Status.ATTENDED
            )
            if a.person.pk in party_of
        ]
        rng.shuffle(present)
        for person, other in zip(present[::2], present[1::2], strict=False):
            same = party_of[person.pk] == party_of[other.pk]
            link = frozenset((person.pk, other.pk))
            if link in seen or (not cross_party and not same) or party_of[person.pk] is None:
                continue
            seen.add(link)
            services.tie_record(
                actor=actor,
                process=process,
                person=person,
                other=other,
                kind=rng.choice(list(RelationshipTie.Kind)),
                strength=rng.randint(2, 5),
                observed_on=meeting.date,
                formed_at=meeting,
            )


def _surveys(process: Process, actor: Any, parties: dict[str, Party], rng: random.Random) -> None:
    meeting = process.meetings.filter(status=Meeting.Status.HELD).order_by("-date").first()
    if meeting is None:
        return
    question = "How useful was the harbour data pilot to your community?"
    shift = {
        SurveyItem.Kind.THERMOMETER: 8.0,
        SurveyItem.Kind.TRUST: 0.8,
        SurveyItem.Kind.AGREEMENT: 0.9,
    }
    for phase in (Survey.Phase.BEFORE, Survey.Phase.AFTER):
        survey = services.survey_create(
            actor=actor, meeting=meeting, phase=phase, custom_questions=[question]
        )
        items = list(survey.items.all())
        for index in range(9):
            party = rng.choice(list(parties.values()))
            answers: dict[int, float] = {}
            for item in items:
                if item.toward_party_id == party.pk:
                    continue  # nobody rates their own party
                if item.kind == SurveyItem.Kind.CUSTOM and index >= 3:
                    continue  # only three answered: too few to show
                middle = (item.scale_min + item.scale_max) / 2
                bump = (
                    shift.get(SurveyItem.Kind(item.kind), 0.5)
                    if phase == Survey.Phase.AFTER
                    else 0.0
                )
                spread = (item.scale_max - item.scale_min) / 6
                value = round(rng.gauss(middle - spread / 2 + bump, spread))
                answers[item.pk] = float(min(max(value, item.scale_min), item.scale_max))
            services.survey_response_record(
                actor=actor, survey=survey, answers=answers, respondent_party=party
            )
