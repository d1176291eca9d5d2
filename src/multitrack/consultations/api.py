"""The JSON API for consultations.

Staff operations use the API's usual authentication and the same permissions as the pages.
Participant operations (``/consultations/participate/{key}/...``) take no staff credentials:
the caller is the participant cookie of that consultation, and unsafe methods must carry the
CSRF token (the cookie alone must never be enough to vote from another site).
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router, Schema
from ninja.utils import check_csrf

from multitrack.accounts.api import READ_ERRORS, WRITE_ERRORS, ErrorOut, Id, Number, caller
from multitrack.accounts.permissions import Permission
from multitrack.consultations import limits, selectors, services
from multitrack.consultations.access import (
    access_consultation_by_id,
    access_consultation_by_key,
    access_results,
    participant_from_request,
    require_in_consultation,
)
from multitrack.consultations.models import Consultation, Statement
from multitrack.consultations.participant_views import participant_or_join, remember
from multitrack.consultations.vote_endpoint import vote_respond

router = Router()


class ConsultationOut(Schema):
    id: int
    process_id: int | None
    title: str
    question: str
    languages: list[str]
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    moderation: str
    access: str
    results_visibility: str
    participant_path: str

    @staticmethod
    def resolve_participant_path(obj: Consultation) -> str:
        return obj.participant_url()


class StatementOut(Schema):
    number: int
    text: str
    language: str
    status: str
    is_meta: bool
    moderation_reason: str


class GroupOut(Schema):
    name: str
    size: int
    representative: list[dict[str, Any]]


class ResultsOut(Schema):
    participants: Literal["everyone", "invited"]
    invited_map_exists: bool
    computed_at: datetime.datetime | None
    engine_version: str | None
    random_state: int | None
    map_n_participants: int | None
    n_participants: int
    n_votes: int
    groups: list[GroupOut]
    consensus_agree: list[int]
    consensus_disagree: list[int]
    bridging: list[dict[str, Any]]


class ModerationIn(Schema):
    numbers: list[Number] = Field(..., min_length=1, max_length=500)
    decision: Literal["accept", "reject", "meta"]
    reason: str = Field("", max_length=200)


class ModerationOut(Schema):
    moderated: int


class NextOut(Schema):
    statement: StatementOut | None
    voted: int
    total: int


class VoteIn(Schema):
    statement: Number
    value: Literal[-1, 0, 1] = Field(..., description="1 agree, -1 disagree, 0 pass")


class VoteOut(Schema):
    statement: int
    value: int


class WriteIn(Schema):
    text: str = Field(..., min_length=1, max_length=1000)
    language: str = ""
    confirm: bool = False


class RateLimitedOut(Schema):
    detail: str
    retry_after: int


INVITATION_ONLY = "This consultation is by invitation only. Open the personal link you were sent."

PARTICIPANT_ERRORS: dict[int, Any] = {
    403: ErrorOut,
    404: ErrorOut,
    422: READ_ERRORS[422],
    429: RateLimitedOut,
}


@router.get(
    "/",
    response={200: list[ConsultationOut], 401: ErrorOut},
    summary="Consultations you may see",
)
def list_consultations(request: HttpRequest) -> Any:
    return selectors.consultations_visible_to(user=caller(request))[:200]


@router.get("/{consultation_id}", response={200: ConsultationOut, **READ_ERRORS})
def get_consultation(request: HttpRequest, consultation_id: Id) -> Any:
    return access_consultation_by_id(caller(request), consultation_id)


@router.get("/{consultation_id}/results", response={200: ResultsOut, **READ_ERRORS, 403: ErrorOut})
def get_results(
    request: HttpRequest,
    consultation_id: Id,
    participants: Literal["everyone", "invited"] = "everyone",
) -> Any:
    """The latest stored map: groups, consensus, bridging (members with results access).

    ``participants=invited`` gives the map of the votes of participants who are not anonymous
    (invited or imported) only; it exists when both kinds have voted (``invited_map_exists``),
    and otherwise the answer has no map (``computed_at`` null, no groups).
    """
    found = selectors.results_of(
        access_results(caller(request), consultation_id), participants=participants
    )
    return {
        "participants": participants,
        "invited_map_exists": found.invited_map is not None,
        "computed_at": found.map.computed_at if found.map else None,
        "engine_version": found.map.engine_version if found.map else None,
        "random_state": found.map.random_state if found.map else None,
        "map_n_participants": found.map.n_participants if found.map else None,
        "n_participants": found.n_participants,
        "n_votes": found.n_votes,
        "groups": [
            {"name": g.name, "size": g.size, "representative": g.representative}
            for g in found.groups
        ],
        "consensus_agree": [s.number for s in found.consensus_agree],
        "consensus_disagree": [s.number for s in found.consensus_disagree],
        "bridging": found.bridging,
    }


@router.get(
    "/{consultation_id}/moderation",
    response={200: list[StatementOut], **READ_ERRORS, 403: ErrorOut},
)
def moderation_queue(request: HttpRequest, consultation_id: Id, status: str = "pending") -> Any:
    """Statements with a moderation status (moderators only)."""
    consultation = access_consultation_by_id(caller(request), consultation_id)
    require_in_consultation(caller(request), Permission.MODERATE_STATEMENTS, consultation)
    if status not in Statement.Status.values:
        raise DjangoValidationError({"status": "Unknown status."})
    return selectors.moderation_queue(consultation, status=status)


@router.post("/{consultation_id}/moderation", response={200: ModerationOut, **WRITE_ERRORS})
def moderate(request: HttpRequest, consultation_id: Id, payload: ModerationIn) -> Any:
    """One decision for one or many statements."""
    consultation = access_consultation_by_id(caller(request), consultation_id)
    return {
        "moderated": services.statements_moderate(
            actor=caller(request),
            consultation=consultation,
            numbers=payload.numbers,
            decision=payload.decision,
            reason=payload.reason,
        )
    }


# --- Participants: identity is the consultation's cookie, not a staff login --------------


def _require_csrf(request: HttpRequest) -> None:
    if check_csrf(request) is not None:
        raise PermissionDenied("CSRF check failed: load the consultation page first.")


def _refused(request: HttpRequest, refusal: limits.RateLimited) -> HttpResponse:
    response = JsonResponse(
        {"detail": refusal.message, "retry_after": refusal.retry_after}, status=429
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response


@router.get("/participate/{key}/next", auth=None, response={200: NextOut, **PARTICIPANT_ERRORS})
def participant_next(request: HttpRequest, key: str) -> Any:
    """The next statement for this browser's participant."""
    consultation = access_consultation_by_key(key)
    participant = participant_from_request(request, consultation)
    if participant is None and consultation.access == Consultation.Access.INVITED:
        # As on the page: the link alone shows no statement of an invitation-only consultation.
        raise PermissionDenied(INVITATION_ONLY)
    voted, total = selectors.participant_progress(participant, consultation)
    return {
        "statement": selectors.next_statement(consultation=consultation, participant=participant),
        "voted": voted,
        "total": total,
    }


@router.post("/participate/{key}/votes", auth=None, response={201: VoteOut, **PARTICIPANT_ERRORS})
def participant_vote(request: HttpRequest, key: str, payload: VoteIn) -> Any:
    """Vote (or change a vote) as this browser's participant; creates it on a link consultation.

    Normally answered before the full middleware stack by
    :class:`~multitrack.consultations.vote_endpoint.VoteEndpointMiddleware`; both call
    :func:`~multitrack.consultations.vote_endpoint.vote_respond`.
    """
    return vote_respond(request, key)


@router.post(
    "/participate/{key}/statements",
    auth=None,
    response={201: StatementOut, **PARTICIPANT_ERRORS},
)
def participant_write(request: HttpRequest, key: str, payload: WriteIn) -> Any:
    """Add a statement as this browser's participant (near duplicates need ``confirm``)."""
    _require_csrf(request)
    consultation = access_consultation_by_key(key)
    participant, raw = participant_or_join(request, consultation)
    try:
        limits.check_statement(
            participant_id=participant.pk, address=limits.client_address(request)
        )
    except limits.RateLimited as refusal:
        return _refused(request, refusal)
    statement = services.statement_submit(
        participant=participant,
        text=payload.text,
        language=payload.language,
        allow_near_duplicate=payload.confirm,
    )
    response = JsonResponse(StatementOut.from_orm(statement).dict(), status=201)
    if raw:
        remember(response, request, consultation, raw)
    return response
