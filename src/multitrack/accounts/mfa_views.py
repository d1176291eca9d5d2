"""The two-step sign-in pages: set up, verify, recovery codes, and the user's own overview.

Passkey ceremonies themselves are JSON endpoints in ``accounts.passkeys``; these pages carry the
buttons that start them (django-otp-webauthn's scripts, loaded from this site: no inline script).
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from multitrack.accounts import mfa, mfa_services
from multitrack.accounts.mfa import Step
from multitrack.accounts.models import AuthenticatorAppDevice


class CodeForm(forms.Form):
    """A code from an authenticator app, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    """Where to go once done: the page asked for, if it is on this site; else the dashboard."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("dashboard")


def _codes_page(request: HttpRequest, codes: list[str], *, first_time: bool) -> HttpResponse:
    # Rendered, not redirected: the codes are never stored, not even in the session.
    context = {"codes": codes, "first_time": first_time, "next": _next_url(request)}
    return render(request, "accounts/two_step_recovery_codes.html", context)


@login_required
@require_GET
def two_step_setup(request: HttpRequest) -> HttpResponse:
    """Choose an authenticator app or a passkey; where conveners land until they have one."""
    if not mfa.may_add_second_factor(request.user):
        return redirect(reverse("two-step-verify") + "?" + request.GET.urlencode())
    context = {
        "next": _next_url(request),
        "required": mfa.mfa_required(request.user),
        "pending": mfa.pending_step(request.user) is Step.ENROL,
    }
    return render(request, "accounts/two_step_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_step_authenticator(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code (or type the key), then enter a code."""
    if not mfa.may_add_second_factor(request.user):
        return redirect(reverse("two-step-verify") + "?" + request.GET.urlencode())
    # A key is shown to, and confirmed by, the session that made it: another gets a new key.
    pending_id = request.session.get(mfa_services.PENDING_APP_SESSION_KEY)
    device = mfa_services.authenticator_app_start(actor=request.user, pending_id=pending_id)
    request.session[mfa_services.PENDING_APP_SESSION_KEY] = device.pk
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and device.pk != pending_id:
        form.add_error(
            "code",
            "This set-up has expired. Scan the new QR code below (or type the new key) into your "
            "authenticator app, then enter the code it shows.",
        )
    elif request.method == "POST" and form.is_valid():
        first = not mfa.has_second_factor(request.user)
        result = mfa_services.authenticator_app_confirm(
            actor=request.user, device=device, code=form.cleaned_data["code"]
        )
        if result.ok:
            request.session.pop(mfa_services.PENDING_APP_SESSION_KEY, None)
            if not mfa.is_verified(request.user):
                mfa_services.session_verified(request, result.device)
            codes = mfa_services.recovery_codes_ensure(actor=request.user)
            if codes is not None:
                return _codes_page(request, codes, first_time=first)
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_next_url(request))
        form.add_error("code", result.message)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_code": mfa.qr_code_svg(device.config_url, title="QR code for your authenticator app"),
        "secret": mfa.grouped(secret),
        "next": _next_url(request),
        "pending": mfa.pending_step(request.user) is Step.ENROL,
    }
    return render(request, "accounts/two_step_authenticator.html", context)


@login_required
@require_POST
def two_step_passkey_added(request: HttpRequest) -> HttpResponse:
    """After the browser registered a passkey: recovery codes, if the user has none yet."""
    if not mfa.is_verified(request.user):
        return redirect("two-step-setup")
    codes = mfa_services.recovery_codes_ensure(actor=request.user)
    if codes is not None:
        return _codes_page(request, codes, first_time=True)
    messages.success(request, "Your passkey is set up.")
    return redirect(_next_url(request))


@login_required
@require_http_methods(["GET", "POST"])
def two_step_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code, a recovery code or a passkey."""
    step = mfa.pending_step(request.user)
    if step is Step.NONE:
        return redirect(_next_url(request))
    if step is Step.ENROL:
        return redirect(reverse("two-step-setup") + "?" + request.GET.urlencode())
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = mfa_services.second_factor_verify(
            user=request.user, code=form.cleaned_data["code"]
        )
        if result.ok:
            mfa_services.session_verified(request, result.device)
            return redirect(_next_url(request))
        form.add_error("code", result.message)
    context = {
        "form": form,
        "next": _next_url(request),
        "has_app": mfa.authenticator_apps(request.user).exists(),
        "has_passkey": mfa.passkeys(request.user).exists(),
    }
    return render(request, "accounts/two_step_verify.html", context)


@login_required
@require_GET
def two_step_overview(request: HttpRequest) -> HttpResponse:
    """The user's own two-step sign-in: apps, passkeys, recovery codes left."""
    recovery = mfa.recovery_codes_of(request.user)
    context = {
        "apps": mfa.authenticator_apps(request.user),
        "passkeys": mfa.passkeys(request.user),
        "recovery_left": recovery.unused_count() if recovery else None,
        "required": mfa.mfa_required(request.user),
        "has_second_factor": mfa.has_second_factor(request.user),
    }
    return render(request, "accounts/two_step.html", context)


@login_required
@require_POST
def two_step_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the old ones stop working."""
    try:
        codes = mfa_services.recovery_codes_generate(actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("two-step")
    return _codes_page(request, codes, first_time=False)


DEVICE_KINDS: dict[str, Any] = {
    "authenticator-app": mfa.authenticator_apps,
    "passkey": mfa.passkeys,
}


@login_required
@require_POST
def two_step_device_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Remove one of the user's own apps or passkeys (anyone else's is a 404)."""
    if kind not in DEVICE_KINDS:
        raise Http404("No such device.")
    device = get_object_or_404(DEVICE_KINDS[kind](request.user), pk=pk)
    verified_with = getattr(request.user, "otp_device", None)
    removed_id = device.persistent_id
    try:
        mfa_services.second_factor_remove(actor=request.user, device=device)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("two-step")
    what = "authenticator app" if isinstance(device, AuthenticatorAppDevice) else "passkey"
    messages.success(request, f"The {what} was removed.")
    if verified_with is not None and verified_with.persistent_id == removed_id:
        # The session passed with the device just removed: it stays verified (the user proved
        # a second factor minutes ago), now through one that still exists, if any.
        remaining = [*mfa.authenticator_apps(request.user), *mfa.passkeys(request.user)]
        if remaining:
            otp_login(request, remaining[0])
    return redirect("two-step")
