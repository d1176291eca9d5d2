"""Account pages of our own: personal API tokens and a process's audit trail.

Sign-in and passwords use Django's views.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.accounts import services
from multitrack.accounts.access import require
from multitrack.accounts.audit import audit
from multitrack.accounts.forms import APITokenForm
from multitrack.accounts.mfa import Step, pending_step
from multitrack.accounts.models import APIToken, AuditEvent
from multitrack.accounts.permissions import Permission
from multitrack.processes.access import access_process_by_id

AUDIT_EVENTS_PER_PAGE = 50


class SignedInRequest(HttpRequest):
    """A request behind ``login_required``: its user is a real account."""

    user: User


@login_required
@require_http_methods(["GET", "POST"])
def api_token_list(request: SignedInRequest) -> HttpResponse:
    """The user's API tokens; a POST issues a new one and shows its raw value this once."""
    if pending_step(request.user) is not Step.NONE:
        # A token outlives the session: only a session that passed two-step sign-in (where the
        # user has or needs it) may issue one. The middleware sends such sessions away first;
        # this holds without it.
        return redirect("two-step-verify")
    form = APITokenForm(request.POST if request.method == "POST" else None)
    raw_token = None
    if request.method == "POST" and form.is_valid():
        # Rendered, not redirected: the raw value must never be stored, not even in the session.
        _, raw_token = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
        form = APITokenForm()
    context = {
        "form": form,
        "raw_token": raw_token,
        "tokens": APIToken.objects.filter(user=request.user).order_by("-created_at", "-pk"),
    }
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens (someone else's is a 404)."""
    token = get_object_or_404(APIToken, pk=pk, user=request.user)
    if token.revoked_at is None:
        services.api_token_revoke(actor=request.user, token=token)
        messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("api-token-list")


def describe_action(action: str) -> str:
    """An audit action in words: ``processes.meeting.scheduled`` reads "Meeting scheduled"."""
    _, _, rest = action.partition(".")
    words = (rest or action).replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def describe_detail(detail: dict[str, Any]) -> str:
    """An audit line's detail in words: ``{"person_ids": [3, 5], "via": "person-list"}`` reads
    "people #3, #5; via person-list" (ids, counts and codes only: never content)."""
    parts = []
    for key, value in detail.items():
        if key == "person_ids":
            parts.append("people " + ", ".join(f"#{pk}" for pk in value))
        else:
            parts.append(f"{key.replace('_', ' ')} {value}")
    return "; ".join(parts)


@login_required
@require_GET
def process_audit(request: SignedInRequest, pk: int) -> HttpResponse:
    """The audit trail of a process, newest first, for conveners; looking at it is audited."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.REVIEW_AUDIT, process.pk)
    events = AuditEvent.objects.filter(process=process).select_related("actor")
    actors = User.objects.filter(
        pk__in=events.exclude(actor=None).order_by().values("actor_id").distinct()
    ).order_by("username")
    areas = sorted(
        {
            action.partition(".")[0]
            for action in events.order_by().values_list("action", flat=True).distinct()
        }
    )
    action_prefix = request.GET.get("action", "").strip()[:100]
    actor_id = request.GET.get("actor", "")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if actor_id.isdigit():
        events = events.filter(actor_id=int(actor_id))
    page = Paginator(events, AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(event, describe_action(event.action), describe_detail(event.detail)) for event in page]
    audit(actor=request.user, action="accounts.audit.viewed", target=process, process=process)
    context = {
        "process": process,
        "page": page,
        "rows": rows,
        "actors": actors,
        "areas": areas,
        "action_prefix": action_prefix,
        "actor_id": actor_id,
    }
    return render(request, "accounts/audit_list.html", context)
