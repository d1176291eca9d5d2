"""Signing users in for tests, two-step sign-in included: the one place tests log in.

Conveners, staff and superusers must pass two-step sign-in before any page opens to them, so a
plain ``client.force_login`` leaves them on the two-step pages. Use instead:

- ``verified_login(client, user)``: the test client's session as after the password *and* the
  second step (where the user has or needs one: an authenticator app is made for them);
- ``browser_sign_in(page, base_url, username, password)``: Playwright through the real sign-in
  form, typing a real code from the user's authenticator app when asked for one;
- ``totp_device_for(user)`` and ``totp_code(device)``: an authenticator app and its current code
  (RFC 6238 through django-otp's own implementation).

A test *about* the second step uses ``client.force_login`` (password step only) on purpose.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from multitrack.accounts import mfa
from multitrack.accounts.models import AuthenticatorAppDevice


def totp_device_for(user: Any) -> Any:
    """The user's confirmed authenticator app, made if they have none."""
    device = mfa.authenticator_apps(user).first()
    if device is None:
        device = AuthenticatorAppDevice.objects.create(
            user=user, name="Authenticator app", confirmed=True
        )
    return device


def totp_code(device: Any, *, at: float | None = None) -> str:
    """The code the authenticator app shows at ``at`` (now by default)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def unused_totp_code(device: Any) -> str:
    """A code the device will accept now: the current one, or the next one if the current one
    was used already (the server accepts one step ahead), waiting if even that was used."""
    device.refresh_from_db()
    while True:
        now = time.time()
        current_step = TOTP(device.bin_key, device.step, device.t0, 6, device.drift).t()
        for ahead in range(device.tolerance + 1):
            if current_step + ahead > device.last_t:
                return totp_code(device, at=now + ahead * device.step)
        time.sleep(1)


def needs_second_step(user: Any) -> bool:
    """Whether signing in takes the user through two-step sign-in."""
    return mfa.mfa_required(user) or mfa.has_second_factor(user)


def verified_login(client: Client, user: Any) -> Client:
    """Sign ``user`` in on the test client as after a complete sign-in, and return the client."""
    client.force_login(user)
    if needs_second_step(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
        session.save()
    return client


def browser_sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Sign in through the real form; answer the second step with a real code if asked.

    A convener without an authenticator app is given one first, as if they had set it up.
    """
    user = get_user_model().objects.get(username=username)
    if needs_second_step(user):
        device = totp_device_for(user)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    if needs_second_step(user):
        page.wait_for_url(f"{base_url}/accounts/two-step/verify/**")
        page.fill("input[name=code]", unused_totp_code(device))
        page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
