"""The published OpenAPI schema and docs page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.api.test_permissions import OPERATIONS


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_the_schema_lists_every_operation(schema: dict[str, Any]) -> None:
    assert {operation.key for operation in OPERATIONS} <= set(_operations(schema))


def test_every_operation_has_an_id_a_summary_and_a_tag(schema: dict[str, Any]) -> None:
    published = _operations(schema)
    ours = [published[operation.key] for operation in OPERATIONS]

    assert all(o.get("operationId") and o.get("summary") and o.get("tags") for o in ours)
    assert len({o["operationId"] for o in published.values()}) == len(published)


def test_every_operation_documents_its_errors_and_needs_authentication(
    schema: dict[str, Any],
) -> None:
    for operation in OPERATIONS:
        published = _operations(schema)[operation.key]
        codes = set(published["responses"])
        assert "401" in codes, operation.key
        if "{" in operation.path or operation.method != "GET":
            assert {"404", "422"} <= codes, operation.key
        if operation.method != "GET":
            assert "403" in codes, operation.key
        assert published["security"], operation.key


def test_components_define_every_schema_referenced(schema: dict[str, Any]) -> None:
    text = json.dumps(schema)
    components = schema["components"]["schemas"]
    referenced = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}

    assert {"PersonOut", "MeetingOut", "ProcessDetailOut", "ValidationErrorOut"} <= set(components)
    assert referenced <= set(components)
    assert set(schema["components"]["securitySchemes"]) == {"PersonalToken", "Session"}


def test_no_schema_is_published_under_a_clashing_name(schema: dict[str, Any]) -> None:
    # Two classes with one name get module-path names like "multitrack__actors__models__...".
    assert not [name for name in schema["components"]["schemas"] if "__" in name]


def test_the_docs_page_is_served(db: None) -> None:
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content
