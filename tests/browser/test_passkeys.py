"""A convener sets up a passkey in the browser and signs in with it as the second step.

Chromium's virtual authenticator (DevTools protocol ``WebAuthn.*``) stands in for a phone or a
security key: the registration and the signature are real WebAuthn, checked by the server.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django_otp_webauthn.models import WebAuthnCredential

from multitrack.accounts.models import AuditEvent, RecoveryCode, Role
from tests.conftest import PASSWORD
from tests.factories import ProcessFactory, UserFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def add_virtual_authenticator(page: Any) -> tuple[Any, str]:
    """A platform authenticator that says yes at once (fingerprint "touched", PIN "entered");
    the DevTools session and the authenticator's id."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable", {"enableUI": False})
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return devtools, added["authenticatorId"]


def session_cookie(page: Any) -> str | None:
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    return cookies.get(settings.SESSION_COOKIE_NAME)


def password_step(page: Any, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "amara")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")


def test_a_convener_sets_up_a_passkey_and_signs_in_with_it(live_server: Any, page: Any) -> None:
    convener = UserFactory(username="amara")
    member(convener, ProcessFactory(title="Harbour dialogue"), Role.CONVENER)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    devtools, authenticator = add_virtual_authenticator(page)
    base = live_server.url

    # The password alone leads to setting up two-step sign-in, and nowhere else.
    password_step(page, base)
    page.wait_for_url(f"{base}/accounts/two-step/setup/**")
    assert page.locator("nav[aria-label=Main]").count() == 0
    page.click("#passkey-register-button")

    # The passkey is registered, and the recovery codes are shown once.
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    credential = WebAuthnCredential.objects.get(user=convener)
    assert credential.confirmed
    assert RecoveryCode.objects.filter(device__user=convener).count() == 10
    page.click("text=I have saved them")
    page.wait_for_url(f"{base}/")
    assert page.locator("h1").first.is_visible()
    held = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(held["credentials"]) == 1  # the private key stays in the authenticator

    page.click("form.logout button[type=submit]")
    page.wait_for_url(f"{base}/accounts/login/")
    # The sign-in page offers no passkey of its own: a passkey never replaces the password.
    assert "passkey" not in page.content().lower()

    # Next time: password, then the passkey.
    password_step(page, base)
    page.wait_for_url(f"{base}/accounts/two-step/verify/**")
    after_password = session_cookie(page)
    page.click("#passkey-verification-button")
    page.wait_for_url(f"{base}/")
    assert session_cookie(page) not in {None, after_password}  # a new session id (7.2.4)
    page.goto(f"{base}/processes/")
    assert "Harbour dialogue" in page.content()

    actions = list(AuditEvent.objects.filter(actor=convener).values_list("action", flat=True))
    assert "accounts.mfa.passkey_added" in actions
    assert actions.count("accounts.mfa.verified") == 1  # the sign-in; the set-up is "added"
    assert not problems, problems
