"""Account pages of our own: personal API tokens. Sign-in and passwords use Django's views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from multitrack.accounts import services
from multitrack.accounts.forms import APITokenForm
from multitrack.accounts.models import APIToken


class SignedInRequest(HttpRequest):
    """A request behind ``login_required``: its user is a real account."""

    user: User


@login_required
@require_http_methods(["GET", "POST"])
def api_token_list(request: SignedInRequest) -> HttpResponse:
    """The user's API tokens; a POST issues a new one and shows its raw value this once."""
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
