"""Keep a signed-in session on the two-step pages until it has passed two-step sign-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from multitrack.accounts.mfa import Step, pending_step

# Pages a session may reach before its second factor: signing in and out, and the two-step
# pages themselves (each of which checks what the session may do there).
OPEN_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "favicon",
        "two-step-verify",
        "two-step-setup",
        "two-step-authenticator",
        "two-step-passkey-added",
    }
)
# The passkey ceremonies (django-otp-webauthn's views, narrowed in accounts.passkeys), and the
# API, whose session authentication refuses such a session itself (tokens are unaffected).
OPEN_NAMESPACES = frozenset({"otp_webauthn", "api"})


class TwoStepSignInMiddleware:
    """Send a session that owes a second factor to the verify page, or to set one up.

    Must come after django-otp's ``OTPMiddleware``, which tells whether the session is verified.
    Anonymous requests, and requests a view does not answer (404), pass untouched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.url_name in OPEN_URL_NAMES:
            return None
        if OPEN_NAMESPACES.intersection(match.namespaces):
            return None
        step = pending_step(request.user)
        if step is Step.NONE:
            return None
        target = reverse("two-step-verify" if step is Step.VERIFY else "two-step-setup")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            # An htmx request would swap the page into a fragment: have htmx load it whole.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
