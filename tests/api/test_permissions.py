"""Who may call what, for every operation of the API, from one table.

Each row names an operation as the OpenAPI schema does, the request to make, and the status
each standing user gets. ``test_every_operation_is_in_the_table`` fails when an operation is
added without a row, so no endpoint ships with its permissions untested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from multitrack.accounts.api import router as accounts_router
from multitrack.actors.api import router as actors_router
from multitrack.api import api
from multitrack.processes.api import router as processes_router
from tests.api.conftest import World

ROLES = ("anonymous", "outsider", "observer", "analyst", "facilitator", "convener")

Ids = dict[str, int]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the OpenAPI schema, with {placeholders} filled from a World's ids
    statuses: dict[str, int]  # by standing user
    body: Callable[[Ids], dict[str, Any]] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    is_list: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    def url(self, ids: Ids) -> str:
        return self.path.format(**ids)

    def call(self, world: World, role: str, ids: Ids) -> Any:
        client = world.client_for(role)
        url = self.url(ids)
        if self.method == "GET":
            return client.get(url, self.query)
        body = self.body(ids) if self.body else None
        send = getattr(client, self.method.lower())
        return send(url, body, content_type="application/json")


def read(**overrides: int) -> dict[str, int]:
    """Everyone signed in reads; outsiders are told it does not exist."""
    return {"anonymous": 401, "outsider": 404, "observer": 200, "analyst": 200,
            "facilitator": 200, "convener": 200} | overrides  # fmt: skip


def listing() -> dict[str, int]:
    """Everyone signed in lists (outsiders get an empty list, checked below)."""
    return read(outsider=200)


def write(ok: int, **overrides: int) -> dict[str, int]:
    """Conveners and facilitators write; observers and analysts are refused."""
    return {"anonymous": 401, "outsider": 404, "observer": 403, "analyst": 403,
            "facilitator": ok, "convener": ok} | overrides  # fmt: skip


V1 = "/api/v1"

OPERATIONS = [
    Operation("GET", f"{V1}/me", read(outsider=200)),
    # People.
    Operation("GET", f"{V1}/people", listing(), is_list=True),
    Operation("GET", f"{V1}/people/{{person_id}}", read()),
    Operation(
        "POST",
        f"{V1}/people",
        write(201),
        body=lambda ids: {
            "process_id": ids["process_id"],
            "pseudonym": "Participant New",
            "display_name": "New Person",
        },
    ),
    Operation(
        "PATCH", f"{V1}/people/{{person_id}}", write(200), body=lambda ids: {"phone": "+1 555"}
    ),
    # Organisations.
    Operation("GET", f"{V1}/organisations", listing(), is_list=True),
    Operation("GET", f"{V1}/organisations/{{organisation_id}}", read()),
    Operation(
        "POST",
        f"{V1}/organisations",
        write(201),
        body=lambda ids: {
            "name": "Harbour Institute",
            "kind": "university",
            "party_id": ids["party_id"],
        },
    ),
    # Conflicts: opening one takes a model permission only the convener holds here.
    Operation("GET", f"{V1}/conflicts", listing(), is_list=True),
    Operation("GET", f"{V1}/conflicts/{{conflict_id}}", read()),
    Operation(
        "POST",
        f"{V1}/conflicts",
        write(201, outsider=403, facilitator=403),
        body=lambda ids: {"name": "Island dispute"},
    ),
    Operation(
        "POST",
        f"{V1}/conflicts/{{conflict_id}}/parties",
        write(201, facilitator=403),
        body=lambda ids: {"name": "Fishing community", "kind": "community"},
    ),
    # The terminology list: read by all who see the conflict, kept by those who add parties.
    Operation("GET", f"{V1}/conflicts/{{conflict_id}}/terms", read()),
    Operation(
        "POST",
        f"{V1}/conflicts/{{conflict_id}}/terms",
        write(201, facilitator=403),
        body=lambda ids: {"term": "Fishing grounds", "neutral_wording": "the fishing area"},
    ),
    Operation(
        "DELETE", f"{V1}/conflicts/{{conflict_id}}/terms/{{term_id}}", write(204, facilitator=403)
    ),
    # Processes.
    Operation("GET", f"{V1}/processes", listing(), is_list=True),
    Operation("GET", f"{V1}/processes/{{process_id}}", read()),
    Operation(
        "POST",
        f"{V1}/processes",
        write(201, outsider=403, facilitator=403),
        body=lambda ids: {"conflict_id": ids["conflict_id"], "title": "Second channel"},
    ),
    Operation(
        "PATCH",
        f"{V1}/processes/{{process_id}}",
        write(200, facilitator=403),
        body=lambda ids: {"aims": "Reopen the harbour."},
    ),
    Operation(
        "POST",
        f"{V1}/processes/{{process_id}}/roster",
        write(200),
        body=lambda ids: {"person_id": ids["person_id"]},
    ),
    # Meetings.
    Operation("GET", f"{V1}/meetings", listing(), is_list=True),
    Operation("GET", f"{V1}/meetings/{{meeting_id}}", read()),
    Operation(
        "POST",
        f"{V1}/meetings",
        write(201),
        body=lambda ids: {
            "process_id": ids["process_id"],
            "title": "Round 2",
            "date": "2025-05-01",
        },
    ),
    Operation(
        "PATCH", f"{V1}/meetings/{{meeting_id}}", write(200), body=lambda ids: {"place": "Geneva"}
    ),
    # Attendance.
    Operation("GET", f"{V1}/meetings/{{meeting_id}}/attendance", read()),
    Operation(
        "POST",
        f"{V1}/meetings/{{meeting_id}}/attendance",
        write(200),
        body=lambda ids: {"person_id": ids["person_id"], "status": "excused"},
    ),
    Operation(
        "PATCH",
        f"{V1}/meetings/{{meeting_id}}/attendance/{{person_id}}",
        write(200),
        body=lambda ids: {"is_acting_officially": True},
    ),
    Operation("DELETE", f"{V1}/meetings/{{meeting_id}}/attendance/{{person_id}}", write(204)),
]

CASES = [
    pytest.param(operation, role, id=f"{operation.method} {operation.path} as {role}")
    for operation in OPERATIONS
    for role in ROLES
]


# The routers this table covers, with the prefix each is mounted at (other apps' routers,
# attached in their AppConfig.ready, keep tables of their own).
ROUTERS = [("/me", accounts_router), ("", actors_router), ("", processes_router)]


def test_every_operation_is_in_the_table() -> None:
    defined = {
        (method, f"{V1}{prefix}{path}")
        for prefix, router in ROUTERS
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    tested = {operation.key for operation in OPERATIONS}

    assert defined - tested == set(), "operations without permission tests"
    assert tested - defined == set(), "rows for operations that do not exist"
    assert len(tested) == len(OPERATIONS), "an operation is in the table twice"


def test_every_operation_in_the_table_is_published() -> None:
    paths = api.get_openapi_schema()["paths"]
    published = {(method.upper(), path) for path, methods in paths.items() for method in methods}

    assert {operation.key for operation in OPERATIONS} <= published


@pytest.mark.parametrize(("operation", "role"), CASES)
def test_each_standing_user_gets_the_status_their_role_allows(
    world: World, operation: Operation, role: str
) -> None:
    response = operation.call(world, role, world.mine)

    assert response.status_code == operation.statuses[role], response.content
    if response.status_code >= 400:
        assert "detail" in response.json()


@pytest.mark.parametrize(
    "operation", [pytest.param(o, id=f"{o.method} {o.path}") for o in OPERATIONS if o.is_list]
)
def test_outsider_lists_nothing(world: World, operation: Operation) -> None:
    response = operation.call(world, "outsider", world.mine)

    assert response.json() == {"items": [], "count": 0}


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(o, id=f"{o.method} {o.path}")
        for o in OPERATIONS
        if "{" in o.path or (o.body and o.method == "POST" and o.path != f"{V1}/conflicts")
    ],
)
def test_convener_cannot_reach_another_process_s_objects(
    world: World, operation: Operation
) -> None:
    # Everything the request names belongs to the stranger's process: it does not exist.
    response = operation.call(world, "convener", world.theirs)

    assert response.status_code == 404, response.content


@pytest.mark.parametrize(
    "operation", [pytest.param(o, id=f"{o.method} {o.path}") for o in OPERATIONS if o.is_list]
)
def test_lists_never_show_another_process_s_rows(world: World, operation: Operation) -> None:
    response = operation.call(world, "convener", world.mine)

    listed = {item["id"] for item in response.json()["items"]}
    kind = operation.path.removeprefix(f"{V1}/")
    theirs = {
        "people": world.theirs["person_id"],
        "organisations": world.theirs["organisation_id"],
        "conflicts": world.theirs["conflict_id"],
        "processes": world.theirs["process_id"],
        "meetings": world.theirs["meeting_id"],
    }[kind]
    assert listed, "the convener sees their own process's rows"
    assert theirs not in listed


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", f"{V1}/people/{{person_id}}"), ("put", f"{V1}/meetings/{{meeting_id}}")],
)
def test_a_method_an_operation_does_not_have_is_not_allowed(
    world: World, method: str, path: str
) -> None:
    response = getattr(world.client_for("convener"), method)(path.format(**world.mine))

    assert response.status_code == 405
