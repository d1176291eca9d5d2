"""The participant vote endpoint, answered before the session, auth and messages middleware.

``POST /api/v1/consultations/participate/{key}/votes`` is the hot path of a public
consultation: every vote of every participant. It needs no session, no staff user and no
messages, so :class:`VoteEndpointMiddleware` (placed right after ``SecurityMiddleware``)
answers it itself; the django-ninja operation of the same URL stays for the API schema and
calls :func:`vote_respond` too, so both give the same answers.

What it checks, in order: the CSRF token (Django's own ``CsrfViewMiddleware`` check: Origin,
Referer over HTTPS, the token), the body, the per-address and per-participant limits (cache
only; the address as a keyed hash), then the vote itself. A known browser votes in one SQL
statement on PostgreSQL (:func:`services.vote_cast_by_key`); a new browser, a refused vote
or another database takes the ordinary path, which says why a vote was refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja.utils import check_csrf

from multitrack.consultations import limits, services
from multitrack.consultations.access import COOKIE_PREFIX, access_participation
from multitrack.consultations.models import hash_secret
from multitrack.consultations.participant_views import participant_or_join, remember

MAX_BODY_BYTES = 1024
CSRF_FAILED = "CSRF check failed: load the consultation page first."


def _json(data: Any, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type="application/json")
    # CommonMiddleware, which would add it, comes later: without it gunicorn would chunk.
    response["Content-Length"] = str(len(response.content))
    return response


def _invalid(field: str, message: str) -> HttpResponse:
    return _json({"detail": [{"field": field, "message": message}]}, 422)


def _parse(request: HttpRequest) -> tuple[int, int] | HttpResponse:
    """The statement number and value of the body, or the 422 answer."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if not 0 < length <= MAX_BODY_BYTES:
        return _invalid(NON_FIELD_ERRORS, "Send a small JSON object: statement and value.")
    try:
        data = json.loads(request.body)
    except ValueError:
        return _invalid(NON_FIELD_ERRORS, "The body is not valid JSON.")
    if not isinstance(data, dict):
        return _invalid(NON_FIELD_ERRORS, "Send a JSON object: statement and value.")
    number, value = data.get("statement"), data.get("value")
    # bool is an int in Python; JSON true/false is not a statement number or a vote.
    if type(number) is not int or number < 1:
        return _invalid("statement", "Give the statement's number (1 or more).")
    if type(value) is not int or value not in (-1, 0, 1):
        return _invalid("value", "A vote is agree (1), disagree (-1) or pass (0).")
    return number, value


def _refused(refusal: limits.RateLimited | Http404 | ValidationError) -> HttpResponse:
    """The API's answer to a refused vote: 429, 404 or 422 with a message."""
    if isinstance(refusal, limits.RateLimited):
        response = _json({"detail": refusal.message, "retry_after": refusal.retry_after}, 429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    if isinstance(refusal, Http404):
        return _json({"detail": str(refusal) or "Not found."}, 404)
    if hasattr(refusal, "error_dict"):
        detail = [
            {"field": field, "message": message}
            for field, messages in refusal.message_dict.items()
            for message in messages
        ]
    else:
        detail = [{"field": NON_FIELD_ERRORS, "message": message} for message in refusal.messages]
    return _json({"detail": detail}, 422)


def vote_respond(request: HttpRequest, key: str) -> HttpResponse:
    """Vote (or change a vote) as this browser's participant; 201 with the vote as stored."""
    if check_csrf(request) is not None:
        return _json({"detail": CSRF_FAILED}, 403)
    parsed = _parse(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    number, value = parsed
    name = f"{COOKIE_PREFIX}{key}"
    raw = request.COOKIES.get(f"__Host-{name}" if request.is_secure() else name)
    try:
        limits.check_vote_address(limits.client_address(request))
        if raw and len(raw) <= 100:
            key_hash = hash_secret(raw)
            limits.check_vote_participant(key_hash)
            if connection.vendor == "postgresql":
                consultation_id = services.vote_cast_by_key(
                    public_key=key, key_hash=key_hash, number=number, value=value
                )
                if consultation_id is not None:
                    services.map_request(consultation_id=consultation_id)
                    return _json({"statement": number, "value": value}, 201)
        # A new browser, a vote refused above (to say why) or another database.
        consultation, known = access_participation(request, key)
        participant, new_raw = (
            (known, None) if known else participant_or_join(request, consultation)
        )
        if new_raw:
            limits.check_vote_participant(participant.key_hash)
        services.vote_cast_by_number(participant=participant, number=number, value=value)
    except (limits.RateLimited, Http404, ValidationError) as refusal:
        return _refused(refusal)
    response = _json({"statement": number, "value": value}, 201)
    if new_raw:
        remember(response, request, consultation, new_raw)
    return response


class VoteEndpointMiddleware:
    """Answer participant votes before the session, auth and messages middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = ""
        self.suffix = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            if not self.prefix:
                # URLs are known only once the first request has loaded them.
                self.prefix, self.suffix = reverse(
                    "api:participant_vote", kwargs={"key": "KEY"}
                ).split("KEY")
            path = request.path_info
            if path.startswith(self.prefix) and path.endswith(self.suffix):
                key = path[len(self.prefix) : len(path) - len(self.suffix)]
                if key and "/" not in key:
                    return vote_respond(request, key)
        return self.get_response(request)
