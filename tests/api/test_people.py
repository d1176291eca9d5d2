"""People, organisations and conflicts: pseudonyms by default, filters, invalid input."""

from __future__ import annotations

from typing import Any

import pytest

from multitrack.accounts.models import AuditEvent, Role
from multitrack.actors.models import Person
from multitrack.processes.models import ProcessParticipant
from tests.api.conftest import World
from tests.factories import ParticipantFactory, PartyFactory, ProcessFactory, member

CONFIDENTIAL = ("display_name", "aliases", "email", "phone")


def _person(world: World, role: str) -> dict[str, Any]:
    response = world.client_for(role).get(f"/api/v1/people/{world.mine['person_id']}")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("role", ["observer", "analyst"])
def test_members_without_need_to_know_see_only_the_pseudonym(world: World, role: str) -> None:
    person = _person(world, role)

    assert person["pseudonym"] == world.workspace.person.pseudonym
    assert {name: person[name] for name in CONFIDENTIAL} == dict.fromkeys(CONFIDENTIAL)


@pytest.mark.parametrize("role", ["facilitator", "convener"])
def test_members_with_need_to_know_see_the_real_name(world: World, role: str) -> None:
    person = _person(world, role)

    assert person["display_name"] == world.workspace.person.display_name
    assert person["aliases"] == ["The Harbourmaster"]
    assert person["email"] == "real@example.org"
    assert person["phone"] == "+1 555 0100"


def test_the_real_name_stays_hidden_in_lists_and_attendance(world: World) -> None:
    client = world.client_for("observer")

    people = client.get("/api/v1/people").json()["items"]
    attendance = client.get(f"/api/v1/meetings/{world.mine['meeting_id']}/attendance").json()

    assert [p["display_name"] for p in people] == [None]
    assert [a["person"]["display_name"] for a in attendance["items"]] == [None]
    assert world.workspace.person.display_name not in str(people) + str(attendance)


def test_need_to_know_in_one_process_reveals_the_name_there_only(world: World) -> None:
    # The observer of the harbour dialogue facilitates a second process with one of its people.
    ws = world.workspace
    second = ProcessFactory(conflict=ws.process.conflict)
    member(ws.observer, second, Role.FACILITATOR)
    shared = ParticipantFactory(process=ws.process).person
    ParticipantFactory(process=second, person=shared)

    people = world.client_for("observer").get("/api/v1/people").json()["items"]

    names = {p["pseudonym"]: p["display_name"] for p in people}
    assert names == {shared.pseudonym: shared.display_name, ws.person.pseudonym: None}


def test_people_filtered_by_process_are_on_its_roster(world: World) -> None:
    ws = world.workspace
    second = ProcessFactory(conflict=ws.process.conflict)
    member(ws.convener, second, Role.CONVENER)
    elsewhere = ParticipantFactory(process=second).person

    response = world.client_for("convener").get("/api/v1/people", {"process_id": second.pk})

    assert [p["id"] for p in response.json()["items"]] == [elsewhere.pk]


def test_filtering_by_another_process_lists_nobody_even_people_on_both_rosters(
    world: World,
) -> None:
    # The harbour dialogue's person also sits in the stranger's secret channel: filtering by
    # that process must not confirm it.
    ParticipantFactory(process=world.workspace.other_process, person=world.workspace.person)

    response = world.client_for("convener").get(
        "/api/v1/people", {"process_id": world.theirs["process_id"]}
    )

    assert response.json() == {"items": [], "count": 0}


def test_a_person_s_parties_in_invisible_conflicts_are_not_shown(world: World) -> None:
    secret_party = PartyFactory(conflict=world.workspace.other_process.conflict)
    world.workspace.person.parties.add(secret_party)

    person = _person(world, "convener")

    assert [p["id"] for p in person["parties"]] == [world.mine["party_id"]]


def test_an_organisation_s_party_in_an_invisible_conflict_is_not_shown(world: World) -> None:
    ws = world.workspace
    secret_party = PartyFactory(conflict=ws.other_process.conflict)
    organisation = ws.person.affiliations.get().organisation
    organisation.party = secret_party
    organisation.save()

    response = world.client_for("convener").get(f"/api/v1/organisations/{organisation.pk}")

    assert response.json()["party"] is None


def test_convener_registers_a_person_on_the_roster(world: World) -> None:
    response = world.client_for("convener").post(
        "/api/v1/people",
        {
            "process_id": world.mine["process_id"],
            "pseudonym": "Participant 900",
            "display_name": "Amira Haddad",
            "email": "amira@example.org",
            "languages": ["ar", "en"],
            "party_ids": [world.mine["party_id"]],
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["display_name"] == "Amira Haddad"
    assert [p["id"] for p in body["parties"]] == [world.mine["party_id"]]
    assert ProcessParticipant.objects.filter(
        process_id=world.mine["process_id"], person_id=body["id"]
    ).exists()
    assert AuditEvent.objects.filter(action="actors.person.created").exists()


def test_facilitator_changes_only_the_fields_sent(world: World) -> None:
    response = world.client_for("facilitator").patch(
        f"/api/v1/people/{world.mine['person_id']}",
        {"phone": "+44 20 7946 0000"},
        content_type="application/json",
    )

    assert response.status_code == 200
    person = Person.objects.get(pk=world.mine["person_id"])
    assert person.phone == "+44 20 7946 0000"
    assert person.email == "real@example.org"


def _unchanged(world: World) -> tuple[int, int, int]:
    return Person.objects.count(), ProcessParticipant.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"pseudonym": "Participant 901"}, "display_name", "Field required"),
        ({"display_name": "X", "pseudonym": ""}, "pseudonym", "This field cannot be blank."),
        (
            {"display_name": "X", "pseudonym": "Participant 901", "email": "not-an-email"},
            "email",
            "Enter a valid email address.",
        ),
        (
            {"display_name": "X", "pseudonym": "Participant 901", "gender": "unknown"},
            "gender",
            "Input should be",
        ),
        (
            {"display_name": "X", "pseudonym": "Participant 901", "country": "ke"},
            "country",
            "ke is not an ISO 3166-1 country code; use two capital letters",
        ),
        (
            {"display_name": "X", "pseudonym": "Participant 901", "country": "XX"},
            "country",
            "XX is not an ISO 3166-1 country code",
        ),
    ],
)
def test_invalid_people_are_refused_with_the_field_and_nothing_changes(
    world: World, body: dict[str, Any], field: str, message: str
) -> None:
    before = _unchanged(world)

    response = world.client_for("facilitator").post(
        "/api/v1/people",
        {"process_id": world.mine["process_id"], **body},
        content_type="application/json",
    )

    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["message"].startswith(message)
    assert _unchanged(world) == before


def test_a_taken_pseudonym_is_refused(world: World) -> None:
    before = _unchanged(world)

    response = world.client_for("facilitator").post(
        "/api/v1/people",
        {
            "process_id": world.mine["process_id"],
            "pseudonym": world.workspace.person.pseudonym,
            "display_name": "Someone else",
        },
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"field": "pseudonym", "message": "Person with this Pseudonym already exists."}]
    }
    assert _unchanged(world) == before


def test_two_parties_in_one_conflict_are_refused_and_the_person_is_not_kept(world: World) -> None:
    second_party = PartyFactory(conflict=world.workspace.process.conflict)
    before = _unchanged(world)

    response = world.client_for("facilitator").post(
        "/api/v1/people",
        {
            "process_id": world.mine["process_id"],
            "pseudonym": "Participant 902",
            "display_name": "Two Sides",
            "party_ids": [world.mine["party_id"], second_party.pk],
        },
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "parties", "message": "A person belongs to at most one party per conflict."}
    ]
    assert _unchanged(world) == before


def test_a_null_for_a_required_field_in_a_patch_is_refused(world: World) -> None:
    response = world.client_for("facilitator").patch(
        f"/api/v1/people/{world.mine['person_id']}",
        {"pseudonym": None},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "pseudonym"
    assert Person.objects.get(pk=world.mine["person_id"]).pseudonym


def test_a_conflict_lists_its_parties(world: World) -> None:
    response = world.client_for("observer").get(f"/api/v1/conflicts/{world.mine['conflict_id']}")

    assert [p["id"] for p in response.json()["parties"]] == [world.mine["party_id"]]


def test_a_duplicate_party_name_is_refused(world: World) -> None:
    party = world.workspace.person.parties.get()

    response = world.client_for("convener").post(
        f"/api/v1/conflicts/{world.mine['conflict_id']}/parties",
        {"name": party.name},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "__all__"


# The person's country: like the party, seen by every member who sees the person. ---------------


@pytest.mark.parametrize("role", ["observer", "analyst", "facilitator", "convener"])
def test_every_member_who_sees_the_person_sees_their_country(world: World, role: str) -> None:
    Person.objects.filter(pk=world.mine["person_id"]).update(country="KE")

    assert _person(world, role)["country"] == "KE"


def test_a_person_is_registered_and_changed_with_a_country(world: World) -> None:
    client = world.client_for("facilitator")
    created = client.post(
        "/api/v1/people",
        {
            "process_id": world.mine["process_id"],
            "display_name": "Amina Odhiambo",
            "pseudonym": "Participant 902",
            "country": "KE",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["country"] == "KE"

    changed = client.patch(
        f"/api/v1/people/{created.json()['id']}", {"country": "EG"}, content_type="application/json"
    )

    assert changed.status_code == 200
    assert Person.objects.get(pk=created.json()["id"]).country == "EG"


def test_setting_parties_keeps_those_in_conflicts_the_caller_cannot_see(world: World) -> None:
    secret_party = PartyFactory(conflict=world.workspace.other_process.conflict)
    world.workspace.person.parties.add(secret_party)

    changed = world.client_for("convener").patch(
        f"/api/v1/people/{world.workspace.person.pk}",
        {"party_ids": [world.mine["party_id"]]},
        content_type="application/json",
    )

    assert changed.status_code == 200
    assert set(world.workspace.person.parties.values_list("pk", flat=True)) == {
        world.mine["party_id"],
        secret_party.pk,
    }
