"""Bad input the fuzzer found, kept as plain tests: each gets a clear 422 and changes nothing."""

from __future__ import annotations

import enum
import json
import types
import typing
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel, WithJsonSchema

from multitrack.api import api
from multitrack.processes.models import Meeting, Process
from tests.api.conftest import World, bearer

JSON = "application/json"
HUGE = "99999999999999999999"  # past a signed 64-bit integer: no row can have this id


@pytest.fixture
def convener(world: World, token_for: Any) -> Client:
    return Client(headers=bearer(token_for(world.workspace.convener)))


def details(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 422, response.content
    return response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/people/{HUGE}",
        f"/api/v1/meetings?process_id={HUGE}",
        f"/api/v1/people?process_id={HUGE}",
        "/api/v1/meetings?offset=225767371497893593088",
        f"/api/v1/meetings/{HUGE}/attendance",
        "/api/v1/processes/0",
    ],
)
def test_an_id_no_row_can_have_is_invalid_input_not_a_server_error(
    convener: Client, path: str
) -> None:
    [error] = details(convener.get(path))
    assert error["field"] in {"person_id", "process_id", "offset", "meeting_id"}


def test_a_body_that_is_not_json_is_refused(convener: Client, world: World) -> None:
    response = convener.patch(
        f"/api/v1/meetings/{world.mine['meeting_id']}", b"\x00not json", content_type=JSON
    )
    assert details(response) == [
        {"field": "__all__", "message": "The request body is not valid JSON."}
    ]


@pytest.mark.parametrize("body", ["[null, null]", '"a title"', "42"])
def test_a_body_that_is_not_an_object_is_refused_and_changes_nothing(
    convener: Client, world: World, body: str
) -> None:
    meeting = Meeting.objects.get(pk=world.mine["meeting_id"])

    response = convener.patch(f"/api/v1/meetings/{meeting.pk}", body, content_type=JSON)

    assert details(response) == [
        {"field": "__all__", "message": "The request body must be a JSON object."}
    ]
    assert Meeting.objects.get(pk=meeting.pk).title == meeting.title


def test_nan_is_not_json(convener: Client, world: World) -> None:
    response = convener.post(
        "/api/v1/surveys/1/responses", '{"answers": {"1": NaN}}', content_type=JSON
    )
    assert details(response)[0]["message"] == "The request body is not valid JSON."


@pytest.mark.parametrize("title", ["", "   ", "\t\n", "\x85", "\ufeff\u00a0"])
def test_a_blank_title_is_refused_in_words_and_nothing_is_created(
    convener: Client, world: World, title: str
) -> None:
    processes = Process.objects.count()

    response = convener.post(
        "/api/v1/processes",
        json.dumps({"conflict_id": world.mine["conflict_id"], "title": title}),
        content_type=JSON,
    )

    assert details(response) == [{"field": "title", "message": "This field cannot be blank."}]
    assert Process.objects.count() == processes


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/meetings/{meeting_id}", "status"),
        ("/api/v1/meetings/{meeting_id}", "is_virtual"),
        ("/api/v1/processes/{process_id}", "ground_rules"),
        ("/api/v1/people/{person_id}", "gender"),
    ],
)
def test_null_for_a_field_that_cannot_be_empty_is_refused_by_the_schema(
    convener: Client, world: World, path: str, field: str
) -> None:
    response = convener.patch(
        path.format(**world.mine), json.dumps({field: None}), content_type=JSON
    )

    [error] = details(response)
    assert error["field"] == field


def test_a_new_meeting_cannot_be_created_confirmed(convener: Client, world: World) -> None:
    schema = convener.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/meetings"]["post"]["requestBody"]["content"][JSON]["schema"]
    created = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]

    assert "confirmed" not in created["properties"]["status"]["enum"]


def _enums(annotation: Any, seen: set[Any]) -> typing.Iterator[tuple[type[enum.Enum], bool]]:
    """(enum class, published under its own name?) for every enum an input or output uses."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        renamed = any(isinstance(item, WithJsonSchema) for item in metadata)
        for found, _ in _enums(base, seen):
            yield found, not renamed
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        yield annotation, True
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            renamed = any(isinstance(item, WithJsonSchema) for item in field.metadata)
            for found, by_name in _enums(field.annotation, seen):
                yield found, by_name and not renamed
    elif origin is not None or isinstance(annotation, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _enums(argument, seen)


def test_every_enum_is_published_with_the_values_the_server_accepts(db: None) -> None:
    # Two enums of one name (Idea.Kind, RelationshipTie.Kind) used to share one component, and
    # the schema then listed one's values for the other.
    components = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    models: set[Any] = set()
    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                models.update(operation.models)
                models.update(m for m in operation.response_models.values() if m is not None)
    seen: set[Any] = set()
    published = {found for model in models for found, by_name in _enums(model, seen) if by_name}

    for found in published:
        assert components[found.__name__]["enum"] == [m.value for m in found], found


def test_a_body_over_the_request_limit_gets_413_in_the_api_s_shape(
    convener: Client, world: World, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    processes = Process.objects.count()

    response = convener.post(
        "/api/v1/processes",
        json.dumps({"conflict_id": world.mine["conflict_id"], "title": "x" * 5000}),
        content_type=JSON,
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than 1000 bytes, the most one request may carry."
    }
    assert Process.objects.count() == processes


def test_statement_numbers_past_a_32_bit_integer_are_invalid_input(
    convener: Client, world: World
) -> None:
    response = convener.post(
        "/api/v1/consultations/1/moderation",
        json.dumps({"numbers": [-9489841719066805403648], "decision": "accept"}),
        content_type=JSON,
    )
    assert details(response)[0]["field"] == "numbers.0"
