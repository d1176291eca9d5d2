"""The JSON API at /api/v1/: the same permissions as the web pages.

Authentication: the browser session (with its CSRF token) or a personal API token sent as
``Authorization: Bearer mt_...``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import ValidationError as RequestValidationError
from ninja.security import HttpBearer, SessionAuth

from multitrack.accounts.api import router as accounts_router
from multitrack.accounts.models import APIToken, hash_token
from multitrack.actors.api import router as actors_router
from multitrack.processes.api import router as processes_router


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
    not refused for a missing CSRF token (ninja's SessionAuth would answer 403).
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


api = NinjaAPI(
    title="Multitrack API",
    version="1",
    description="People, organisations, conflicts, dialogue processes, meetings and attendance. "
    "Every operation answers only with what the caller's process roles allow.",
    auth=[PersonalToken(), Session()],
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
        errors.append({"field": ".".join(path) or NON_FIELD_ERRORS, "message": error["msg"]})
    return api.create_response(request, {"detail": errors}, status=422)
