"""Passkeys (WebAuthn) as a second factor, on django-otp-webauthn.

The library's views, narrowed: a passkey never signs anyone in on its own (its passwordless
sign-in is off in the settings, its authentication backend is not installed, and these views
refuse a ceremony without a password-signed-in user whatever the settings say); a verification
or a first passkey gives the session a new id; each is audited. Served under the library's URL
namespace ``otp_webauthn``, which its template tags and scripts expect.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from multitrack.accounts import mfa, mfa_services
from multitrack.accounts.audit import audit


def relying_party_id(request: HttpRequest) -> str:
    """The host name passkeys are bound to: the configured one, or the request's own host."""
    configured: str = settings.MULTITRACK_PASSKEY_RP_ID
    if configured:
        return configured
    domain, _port = split_domain_port(request.get_host())
    return domain


def request_origin(request: HttpRequest) -> str:
    """``scheme://host[:port]`` of the request (its host already checked by Django)."""
    return f"{request.scheme}://{request.get_host()}"


class PasskeyHelper(WebAuthnHelper):
    """django-otp-webauthn's helper with our origins and no real name on the authenticator."""

    def get_allowed_origins(self) -> list[str]:
        origins = list(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)
        if not settings.PRODUCTION:
            # Development and tests serve on any local port.
            origins.append(request_origin(self.request))
        return origins

    def get_credential_display_name(self, user: Any) -> str:
        # The library would add the real name; authenticators may sync it to a vendor's cloud.
        return str(user.get_username())


class SecondFactorOnly:
    """Refuse a passkey ceremony unless a user has signed in with their password first."""

    request: HttpRequest

    def check_can_authenticate(self) -> None:
        user = self.request.user
        if not (user.is_authenticated and user.is_active):
            raise exceptions.PasswordlessLoginDisabled()


class PasskeyVerifyBegin(SecondFactorOnly, BeginCredentialAuthenticationView):
    """Start proving a passkey, after the password."""


class PasskeyVerifyComplete(SecondFactorOnly, CompleteCredentialAuthenticationView):
    """Finish proving a passkey: the session is verified under a new id."""

    def complete_auth(self, device: Any) -> None:
        # The library checked that the passkey belongs to the signed-in user.
        mfa_services.session_verified(self.request, device)

    def handle_exception(self, exc: Exception) -> HttpResponse:
        response: HttpResponse = super().handle_exception(exc)
        user = self.request.user
        if user.is_authenticated and not isinstance(exc, exceptions.PasswordlessLoginDisabled):
            audit(
                actor=user,
                action="accounts.mfa.verification_failed",
                target=user,
                detail={"method": "passkey", "reason": getattr(exc, "code", "error")},
            )
        return response


class PasskeyAddBegin(BeginCredentialRegistrationView):
    """Start registering a passkey (the library refuses an unverified user who has a device)."""


class PasskeyAddComplete(CompleteCredentialRegistrationView):
    """Finish registering a passkey; a first one verifies the session, under a new id."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        was_verified = mfa.is_verified(self.request.user)
        response: HttpResponse = super().post(*args, **kwargs)
        device = WebAuthnCredential.objects.get(pk=json.loads(response.content)["id"])
        mfa_services.passkey_added(actor=self.request.user, device=device)
        if not was_verified:
            # The library marked the session verified with the new passkey.
            self.request.session.cycle_key()
        return response


app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        PasskeyAddBegin.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        PasskeyAddComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        PasskeyVerifyBegin.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        PasskeyVerifyComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
