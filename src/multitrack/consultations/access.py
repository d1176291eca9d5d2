"""From an id, a link key or a browser cookie to a consultation or participant: else 404.

Staff reach a consultation through its process membership (a standalone consultation: its
creator). Participants reach it only through its unguessable link key, and are known by a
per-browser secret whose hash is stored, never the secret.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from multitrack.accounts.access import can
from multitrack.accounts.permissions import Permission
from multitrack.consultations.models import Consultation, Participant, Statement, hash_secret
from multitrack.consultations.selectors import consultations_visible_to

COOKIE_PREFIX = "mtc_"


def access_consultation_by_id(user: Any, consultation_id: int) -> Consultation:
    """The consultation, if the user may know it exists; else Http404."""
    try:
        return consultations_visible_to(user=user).get(pk=consultation_id)
    except Consultation.DoesNotExist:
        raise Http404("No such consultation.") from None


def can_in_consultation(user: Any, permission: Permission, consultation: Consultation) -> bool:
    """Whether the user holds ``permission`` for this consultation."""
    if consultation.process_id is not None:
        return can(user, permission, consultation.process_id)
    if not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser) or user.pk == consultation.created_by_id


def require_in_consultation(user: Any, permission: Permission, consultation: Consultation) -> None:
    """Raise PermissionDenied unless the user holds ``permission`` for this consultation."""
    if not can_in_consultation(user, permission, consultation):
        raise PermissionDenied(f"Your role does not allow this ({permission}).")


def access_consultation_by_key(public_key: str) -> Consultation:
    """The consultation behind a participant link; else Http404."""
    try:
        return Consultation.objects.get(public_key=public_key)
    except Consultation.DoesNotExist:
        raise Http404("No such consultation.") from None


def cookie_name(consultation: Consultation, *, secure: bool) -> str:
    """The participant cookie of one consultation (``__Host-`` over HTTPS)."""
    return cookie_name_for_key(consultation.public_key, secure=secure)


def cookie_name_for_key(public_key: str, *, secure: bool) -> str:
    """The participant cookie of the consultation with this link key."""
    name = f"{COOKIE_PREFIX}{public_key}"
    return f"__Host-{name}" if secure else name


def participant_from_request(
    request: HttpRequest, consultation: Consultation
) -> Participant | None:
    """The participant this browser is in the consultation, or None before its first action."""
    raw = request.COOKIES.get(cookie_name(consultation, secure=request.is_secure()))
    if not raw or len(raw) > 100:
        return None
    return (
        Participant.objects.filter(key_hash=hash_secret(raw), consultation=consultation)
        .select_related("consultation")
        .first()
    )


def access_participation(
    request: HttpRequest, public_key: str
) -> tuple[Consultation, Participant | None]:
    """The consultation behind a link and this browser's participant in it, in one query when
    the browser is known (the vote hot path); Http404 for an unknown link."""
    raw = request.COOKIES.get(cookie_name_for_key(public_key, secure=request.is_secure()))
    if raw and len(raw) <= 100:
        found = list(
            Participant.objects.filter(
                key_hash=hash_secret(raw), consultation__public_key=public_key
            ).select_related("consultation")[:1]
        )
        if found:
            return found[0].consultation, found[0]
    return access_consultation_by_key(public_key), None


def access_statement_by_number(consultation: Consultation, number: int) -> Statement:
    """A statement of the consultation by its number; else Http404."""
    try:
        return Statement.objects.get(consultation=consultation, number=number)
    except Statement.DoesNotExist:
        raise Http404("No such statement.") from None


def access_results(user: Any, consultation_id: int) -> Consultation:
    """A consultation whose results the user may read (members with VIEW_RESULTS); else 404/403."""
    consultation = access_consultation_by_id(user, consultation_id)
    require_in_consultation(user, Permission.VIEW_RESULTS, consultation)
    return consultation
