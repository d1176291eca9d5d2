"""Lists: pagination, and a query count that does not grow with the number of rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from multitrack.accounts.api import MAX_PAGE_SIZE
from multitrack.accounts.models import Role
from multitrack.actors.capacity import Capacity
from tests.api.conftest import World
from tests.factories import (
    AffiliationFactory,
    AttendanceFactory,
    MeetingFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartyFactory,
    ProcessFactory,
    member,
)

LISTS = [
    "/api/v1/people",
    "/api/v1/organisations",
    "/api/v1/conflicts",
    "/api/v1/processes",
    "/api/v1/meetings",
    "/api/v1/meetings/{meeting_id}/attendance",
]

# Session, user, roles, real-name and conflict visibility, count, page and its prefetches.
MAX_QUERIES = 10


def _crowd(world: World, size: int) -> None:
    """More of everything the convener can see: people with parties and affiliations, each in
    the room; processes in new conflicts, each with a meeting."""
    ws = world.workspace
    for _ in range(size):
        person = ParticipantFactory(process=ws.process).person
        person.parties.add(PartyFactory(conflict=ws.process.conflict))
        organisation = OrganisationFactory(party=PartyFactory(conflict=ws.process.conflict))
        AffiliationFactory(person=person, organisation=organisation, capacity=Capacity.DIPLOMAT)
        AttendanceFactory(meeting=ws.meeting, person=person)
        process = ProcessFactory()
        PartyFactory(conflict=process.conflict)
        member(ws.convener, process, Role.CONVENER)
        AttendanceFactory(meeting=MeetingFactory(process=process), person=person)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["items"]
    return len(captured)


@pytest.mark.parametrize("url", LISTS)
def test_a_list_s_query_count_does_not_grow_with_its_rows(
    world: World, url: str, django_assert_max_num_queries: Any
) -> None:
    client = world.client_for("convener")
    url = url.format(**world.mine)
    few = _queries(client, url)
    _crowd(world, 15)

    with django_assert_max_num_queries(MAX_QUERIES):
        many = _queries(client, url)

    assert many == few


def test_a_page_holds_at_most_the_limit_and_counts_everything(world: World) -> None:
    _crowd(world, 4)
    client = world.client_for("convener")

    first = client.get("/api/v1/people", {"limit": 2}).json()
    rest = client.get("/api/v1/people", {"limit": 2, "offset": 2}).json()
    everyone = client.get("/api/v1/people", {"limit": MAX_PAGE_SIZE}).json()

    assert (first["count"], len(first["items"])) == (5, 2)
    assert len(rest["items"]) == 2
    assert [p["id"] for p in first["items"] + rest["items"]] == [
        p["id"] for p in everyone["items"][:4]
    ]


def test_a_page_larger_than_the_maximum_is_refused(world: World) -> None:
    response = world.client_for("convener").get("/api/v1/people", {"limit": MAX_PAGE_SIZE + 1})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["limit"]


def test_pages_default_to_fifty_items(world: World) -> None:
    _crowd(world, 55)

    page = world.client_for("convener").get("/api/v1/people").json()

    assert (page["count"], len(page["items"])) == (56, 50)
