"""The JSON API at /api/v1/: the same permissions as the web pages.

Authentication: the browser session (with its CSRF token) or a personal API token sent as
``Authorization: Bearer mt_...``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from multitrack.accounts.api import NOT_BLANK
from multitrack.accounts.api import router as accounts_router
from multitrack.accounts.mfa import Step, pending_step
from multitrack.accounts.models import APIToken, hash_token
from multitrack.actors.api import router as actors_router
from multitrack.processes.api import router as processes_router
from multitrack.web.uploads import size_in_words


class BodyNotAnObjectError(ValueError):
    """The JSON body is a list, string or number: every operation takes an object."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class JSONObjectParser(Parser):
    """Strict JSON (no NaN or Infinity), and only an object at the top.

    Ninja's schemas read their input by attribute, so a list or a string would otherwise pass
    as an object with every field missing, and an update would answer 200 to garbage.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body, parse_constant=_refuse_constant)
        if not isinstance(data, dict):
            raise BodyNotAnObjectError
        return data


class PersonalToken(HttpBearer):
    """A personal API token, looked up by its hash."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            APIToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        APIToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


class Session(SessionAuth):
    """The browser session; its CSRF token is checked on unsafe methods.

    Only when there is a signed-in session: without one the caller is unauthenticated (401),
    not refused for a missing CSRF token (ninja's SessionAuth would answer 403). A session that
    still owes its second step of sign-in counts as none (personal tokens are unaffected).
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated or pending_step(request.user) is not Step.NONE:
            return None
        return super().__call__(request)


api = NinjaAPI(
    title="Multitrack API",
    version="1",
    description="People, organisations, conflicts, dialogue processes, meetings and attendance. "
    "Every operation answers only with what the caller's process roles allow.",
    auth=[PersonalToken(), Session()],
    parser=JSONObjectParser(),
    urls_namespace="api",
)

api.add_router("/me", accounts_router)
api.add_router("/", actors_router)
api.add_router("/", processes_router)


# One error shape: {"detail": "..."}, or for invalid input (422, nothing changed)
# {"detail": [{"field": ..., "message": ...}]}.


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden."}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The access functions' messages ("No such meeting.") never say whether the object exists.
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


@api.exception_handler(DjangoValidationError)
def invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": NON_FIELD_ERRORS, "message": message} for message in exc.messages]
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(RequestValidationError)
def invalid_request(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        # ("body", "payload", "date") names the field "date"; ("query", "limit") "limit".
        path = location[2:] if location[:1] == ["body"] else location[1:]
        message = error["msg"]
        context = error.get("ctx", {})
        is_empty = error.get("type") == "string_too_short" and context.get("min_length") == 1
        if is_empty or context.get("pattern") == NOT_BLANK:
            message = "This field cannot be blank."
        errors.append({"field": ".".join(path) or NON_FIELD_ERRORS, "message": message})
    return api.create_response(request, {"detail": errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja answers 400 only for a body it cannot parse: invalid input like any other, so the
    # same 422 and shape every operation documents.
    if exc.status_code == 400:
        message = (
            "The request body must be a JSON object."
            if isinstance(exc.__cause__, BodyNotAnObjectError)
            else "The request body is not valid JSON."
        )
        errors = [{"field": NON_FIELD_ERRORS, "message": message}]
        return api.create_response(request, {"detail": errors}, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = size_in_words(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    detail = f"The request body is larger than {limit}, the most one request may carry."
    return api.create_response(request, {"detail": detail}, status=413)
