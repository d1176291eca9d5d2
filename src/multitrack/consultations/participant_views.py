"""Participant pages, phone first: one statement at a time, vote, write, see the map.

No account: a participant is a random per-browser secret in a cookie (only its hash is
stored), created at the first vote or statement, or from a one-time invitation. These pages
are never cached and carry no staff navigation.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.consultations import limits, selectors, services
from multitrack.consultations.access import (
    access_consultation_by_key,
    access_participation,
    cookie_name_for_key,
    participant_from_request,
)
from multitrack.consultations.forms import StatementForm, VoteForm
from multitrack.consultations.models import Consultation, Participant

COOKIE_AGE = datetime.timedelta(days=180)


def remember(
    response: HttpResponse, request: HttpRequest, consultation: Consultation, raw: str
) -> None:
    """Give the browser its participant secret (HttpOnly, SameSite=Lax, Secure over HTTPS)."""
    remember_by_key(response, request, consultation.public_key, raw)


def remember_by_key(
    response: HttpResponse, request: HttpRequest, public_key: str, raw: str
) -> None:
    """:func:`remember`, knowing only the consultation's link key."""
    secure = request.is_secure()
    response.set_cookie(
        cookie_name_for_key(public_key, secure=secure),
        raw,
        max_age=int(COOKIE_AGE.total_seconds()),
        secure=secure,
        httponly=True,
        samesite="Lax",
        path="/",
    )


def participant_or_join(
    request: HttpRequest, consultation: Consultation
) -> tuple[Participant, str | None]:
    """This browser's participant; a new anonymous one (and its secret) on a link consultation."""
    participant = participant_from_request(request, consultation)
    if participant is not None:
        return participant, None
    return services.participant_join(consultation=consultation)


def may_see_map(consultation: Consultation, participant: Participant | None) -> bool:
    """Whether the participant-side map is open to this browser."""
    visibility = consultation.results_visibility
    if visibility == Consultation.ResultsVisibility.PUBLIC:
        return True
    return (
        visibility == Consultation.ResultsVisibility.PARTICIPANTS
        and participant is not None
        and participant.votes.exists()
    )


def _page(
    request: HttpRequest,
    consultation: Consultation,
    participant: Participant | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    voted, total = selectors.participant_progress(participant, consultation)
    context = {
        "consultation": consultation,
        "participant": participant,
        "statement": selectors.next_statement(consultation=consultation, participant=participant),
        "voted": voted,
        "total": total,
        "is_open": consultation.is_open(),
        "needs_invitation": consultation.access == Consultation.Access.INVITED
        and participant is None,
        "can_see_map": may_see_map(consultation, participant),
        "error": error,
    }
    return render(request, "consultations/participate.html", context, status=status)


@never_cache
@require_GET
def participate(request: HttpRequest, key: str) -> HttpResponse:
    """The next statement to vote on."""
    consultation = access_consultation_by_key(key)
    return _page(request, consultation, participant_from_request(request, consultation))


@never_cache
@require_POST
def vote(request: HttpRequest, key: str) -> HttpResponse:
    """Agree, disagree or pass on one statement (again to change the vote)."""
    consultation, known = access_participation(request, key)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _page(
            request, consultation, known, error="Choose agree, disagree or pass.", status=400
        )
    try:
        limits.check_vote_address(limits.client_address(request))
        participant, raw = (known, None) if known else participant_or_join(request, consultation)
        limits.check_vote_participant(participant.key_hash)
        services.vote_cast_by_number(
            participant=participant,
            number=form.cleaned_data["statement"],
            value=form.cleaned_data["value"],
        )
    except limits.RateLimited as refusal:
        response = _page(request, consultation, known, error=refusal.message, status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    except ValidationError as error:
        return _page(request, consultation, known, error=" ".join(error.messages), status=400)
    target = "participate-votes" if request.POST.get("next") == "votes" else "participate"
    response = redirect(target, key=consultation.public_key)
    if raw:
        remember(response, request, consultation, raw)
    return response


@never_cache
@require_GET
def my_votes(request: HttpRequest, key: str) -> HttpResponse:
    """The participant's votes, each one changeable."""
    consultation = access_consultation_by_key(key)
    participant = participant_from_request(request, consultation)
    votes = selectors.votes_of(participant) if participant else []
    return render(
        request,
        "consultations/my_votes.html",
        {"consultation": consultation, "votes": votes, "is_open": consultation.is_open()},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, key: str) -> HttpResponse:
    """Write a statement of one's own (length, language and near-duplicate checks)."""
    consultation = access_consultation_by_key(key)
    if not consultation.accepts_statements:
        raise Http404("This consultation takes no new statements.")
    known = participant_from_request(request, consultation)
    form = StatementForm(request.POST or None, consultation=consultation)
    similar: list[str] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        raw = None
        try:
            participant, raw = participant_or_join(request, consultation)
            limits.check_statement(
                participant_id=participant.pk, address=limits.client_address(request)
            )
            statement = services.statement_submit(
                participant=participant,
                text=form.cleaned_data["text"],
                language=form.cleaned_data.get("language") or "",
                allow_near_duplicate=form.cleaned_data["confirm"],
            )
        except limits.RateLimited as refusal:
            form.add_error(None, refusal.message)
            status = 429
        except ValidationError as error:
            for item in error.error_dict.get("text", []) if hasattr(error, "error_dict") else []:
                if item.code == "near_duplicate":
                    similar = list(
                        selectors.statements_similar_texts_may_reveal(consultation, participant)
                        .filter(number__in=(item.params or {}).get("numbers", []))
                        .values_list("text", flat=True)
                    )
            form.add_error(None, " ".join(error.messages))
            status = 400
        else:
            response = render(
                request,
                "consultations/written.html",
                {"consultation": consultation, "statement": statement},
            )
            if raw:
                remember(response, request, consultation, raw)
            return response
        if raw and status != 200:
            # The participant was created for this statement: keep it for the next try.
            response = render(
                request,
                "consultations/write.html",
                {"consultation": consultation, "form": form, "similar": similar},
                status=status,
            )
            remember(response, request, consultation, raw)
            return response
    return render(
        request,
        "consultations/write.html",
        {"consultation": consultation, "form": form, "similar": similar, "participant": known},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, key: str, token: str) -> HttpResponse:
    """Redeem a one-time invitation (GET only asks: link previews must not use it up)."""
    consultation = access_consultation_by_key(key)
    if participant_from_request(request, consultation) is not None:
        return redirect("participate", key=key)
    if request.method == "GET":
        return render(request, "consultations/join.html", {"consultation": consultation})
    try:
        _, raw = services.invitation_redeem(consultation=consultation, token=token)
    except ValidationError as error:
        return render(
            request,
            "consultations/join.html",
            {"consultation": consultation, "error": " ".join(error.messages)},
            status=400,
        )
    response = redirect("participate", key=key)
    remember(response, request, consultation, raw)
    return response


@never_cache
@require_GET
def participant_map(request: HttpRequest, key: str) -> HttpResponse:
    """The map for participants, when the convener allows it."""
    consultation = access_consultation_by_key(key)
    participant = participant_from_request(request, consultation)
    if not may_see_map(consultation, participant):
        raise Http404("The results of this consultation are not shown to participants.")
    return render(
        request,
        "consultations/participant_map.html",
        {"consultation": consultation, "results": selectors.results_of(consultation)},
    )
