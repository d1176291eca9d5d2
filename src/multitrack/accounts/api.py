"""What every part of the JSON API shares: the caller, error shapes, pagination; and ``/me``.

The routers of each app import from here (not from ``multitrack.api``, which imports them).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db import models
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import WithJsonSchema

from multitrack.accounts.access import roles_of
from multitrack.accounts.models import Role

MAX_PAGE_SIZE = 200
# The largest id a database row can have (a signed 64-bit integer): a larger number in a path,
# query or body is invalid input (422), never a database error.
MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A number kept in a plain integer column (a statement's number, a count): 32 bits.
MAX_NUMBER = 2**31 - 1
Number = Annotated[int, Field(ge=1, le=MAX_NUMBER)]
# Text a record cannot do without: at least one character that is not a space (the services
# refuse blanks; saying so in the schema tells clients, and fuzzers, before they try). Not just
# "\S": JSON Schema's regular expressions (ECMA-262) and pydantic's (Rust) disagree on two
# characters, U+0085 and U+FEFF, so both are named and the two read the pattern alike.
NOT_BLANK = r"[^\s\x85\uFEFF]"
RequiredText = Annotated[str, Field(min_length=1, pattern=NOT_BLANK)]


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A field of a partial update: left out, the value stays; null is not a value it takes.

    (Typed ``X | None = None``, the schema would promise that null is accepted; it is not.)
    """
    return Field(None, json_schema_extra=_without_default, **constraints)


class ErrorOut(Schema):
    """Any error but invalid input: 401, 403, 404."""

    detail: str


class FieldErrorOut(Schema):
    """One reason the input was refused; ``field`` is ``__all__`` when no one field is at fault."""

    field: str
    message: str


class ValidationErrorOut(Schema):
    """Invalid input (422): nothing was changed."""

    detail: list[FieldErrorOut]


# The error answers each kind of operation can give, for the OpenAPI schema.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}


def choices_schema(choices: type[models.TextChoices], title: str) -> WithJsonSchema:
    """An inline OpenAPI enum for model choices whose class names clash (``Meeting.Status``
    and ``Attendance.Status`` would both be published as ``Status``)."""
    return WithJsonSchema({"title": title, "type": "string", "enum": list(choices.values)})


class PageIn(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="How many items to return.")
    offset: int = Field(0, ge=0, le=MAX_ID, description="How many items to skip.")


class Pages(LimitOffsetPagination):
    """Limit/offset pages of at most ``MAX_PAGE_SIZE`` items; a larger limit is refused."""

    Input = PageIn  # type: ignore[assignment]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


def caller(request: HttpRequest) -> Any:
    """The user the request authenticated as, by token or by session."""
    return request.auth  # type: ignore[attr-defined]


class MembershipOut(Schema):
    process_id: int
    role: Role


class MeOut(Schema):
    """The caller, and their role in each process they are a member of."""

    id: int
    username: str
    memberships: list[MembershipOut]


router = Router(tags=["me"])


@router.get(
    "",
    response={200: MeOut, 401: ErrorOut},
    operation_id="me_read",
    summary="Who the caller is, and their role in each process",
)
def me_read(request: HttpRequest) -> dict[str, Any]:
    user = caller(request)
    memberships = [{"process_id": pid, "role": role} for pid, role in roles_of(user).items()]
    return {"id": user.pk, "username": user.get_username(), "memberships": memberships}
