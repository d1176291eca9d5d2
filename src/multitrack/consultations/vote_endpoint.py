"""The participant vote endpoint, answered before the session, auth and messages middleware.

``POST /api/v1/consultations/participate/{key}/votes`` is the hot path of a public
consultation: every vote of every participant. It needs no session, no staff user and no
messages, so :class:`VoteEndpointMiddleware` (placed right after ``SecurityMiddleware``)
answers it itself; the django-ninja operation of the same URL stays for the API schema and
calls :func:`vote_respond` too, so both give the same answers.

What it checks, in order: the CSRF token (Django's own ``CsrfViewMiddleware`` check: Origin,
Referer over HTTPS, the token), the body, then the per-address and per-participant limits and
the vote itself. On PostgreSQL those are one SQL statement (:func:`services.vote_cast_counted`:
count against both limits, check every rule, append the record, set the effective vote, mark
the map stale), and a new browser becomes a participant in the same statement. A vote that
statement did not store, a stale cookie, or another database takes the ordinary path, which
says why a vote was refused; the limits are never counted twice for one request.
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
from multitrack.consultations.access import access_participation, cookie_name_for_key
from multitrack.consultations.models import hash_secret
from multitrack.consultations.participant_views import remember_by_key

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
    raw = request.COOKIES.get(cookie_name_for_key(key, secure=request.is_secure()))
    known_hash = hash_secret(raw) if raw and len(raw) <= 100 else None
    address = limits.client_address(request)
    new_raw = None
    try:
        if connection.vendor == "postgresql":
            stored = _vote_in_one_statement(
                request, key, known_hash=known_hash, address=address, number=number, value=value
            )
            if stored is not None:
                return stored
        else:
            limits.check_vote_address(address)
            if known_hash:
                limits.check_vote_participant(known_hash)
        # A vote the one statement did not store (to say why), a stale cookie, or SQLite.
        consultation, known = access_participation(request, key)
        services.vote_check(consultation=consultation, number=number, participant=known)
        participant = known
        if participant is None:
            participant, new_raw = services.participant_join(consultation=consultation)
            limits.check_vote_participant(participant.key_hash)
        services.vote_cast_by_number(participant=participant, number=number, value=value)
    except (limits.RateLimited, Http404, ValidationError) as refusal:
        return _refused(refusal)
    response = _json({"statement": number, "value": value}, 201)
    if new_raw:
        remember_by_key(response, request, key, new_raw)
    return response


def _vote_in_one_statement(
    request: HttpRequest,
    key: str,
    *,
    known_hash: str | None,
    address: str,
    number: int,
    value: int,
) -> HttpResponse | None:
    """Count and store the vote in one statement (PostgreSQL): 201, or None to say why not.

    Raises RateLimited over a limit. A browser without a cookie becomes a participant in the
    same statement, with a number issued beforehand (a gap in the numbers when refused).
    """
    participant_number = None
    if known_hash is None:
        participant_number = services.participant_number_issue(key, joinable=True)
        if participant_number is None:  # none to join: the ordinary path says why (404, 422)
            limits.check_vote_address(address)
            return None
        new_raw, key_hash = services.participant_secret()
    else:
        new_raw, key_hash = None, known_hash
    counted = services.vote_cast_counted(
        public_key=key,
        key_hash=key_hash,
        number=number,
        value=value,
        address_counter=limits.address_counter(address),
        participant_counter=limits.participant_counter(key_hash),
        participant_number=participant_number,
    )
    refusal = limits.vote_refusal(
        by_address=counted.by_address,
        by_participant=counted.by_participant,
        end=counted.window_end,
    )
    if refusal is not None:
        raise refusal
    if counted.consultation_id is None:
        return None
    response = _json({"statement": number, "value": value}, 201)
    if new_raw:
        remember_by_key(response, request, key, new_raw)
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
