"""Two-step sign-in: who must use it, setting it up, verifying, recovery codes, and the doors it
closes (pages, admin, API sessions, token issue, password reset). ASVS 6.3.3, 6.4.3, 6.5.1, 7.2.4.

Codes are real: computed from the device's key with django-otp's own RFC 6238 implementation.
"""

from __future__ import annotations

import json
import re
import time
from base64 import b32decode, b32encode
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.checks import run_checks
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, device_classes
from django_otp.oath import totp

from multitrack.accounts import mfa
from multitrack.accounts.admin import is_active_superuser
from multitrack.accounts.mfa_services import recovery_codes_generate
from multitrack.accounts.models import (
    APIToken,
    AuditEvent,
    AuthenticatorAppDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    Role,
    hash_recovery_code,
)
from tests.conftest import PASSWORD, Workspace
from tests.factories import UserFactory, member
from tests.signin import totp_code, totp_device_for, unused_totp_code, verified_login

pytestmark = pytest.mark.django_db

VERIFY = reverse("two-step-verify")
SETUP = reverse("two-step-setup")
AUTHENTICATOR = reverse("two-step-authenticator")


@pytest.fixture(autouse=True)
def email_in_memory(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def sign_in(username: str, password: str = PASSWORD) -> Client:
    """A client past the password step (and no further)."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, "the password step failed"
    return client


def text_of(response: Any) -> str:
    return response.content.decode()


def codes_on(response: Any) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>", text_of(response))


def enrol_authenticator(client: Client, user: Any) -> tuple[AuthenticatorAppDevice, list[str]]:
    """Set up an authenticator app through the pages, as a person would; return its codes."""
    client.get(AUTHENTICATOR)
    device = AuthenticatorAppDevice.objects.get(user=user, confirmed=False)
    response = client.post(AUTHENTICATOR, {"code": totp_code(device)})
    assert response.status_code == 200
    return device, codes_on(response)


# Who must use it ---------------------------------------------------------------------------


def test_a_convener_is_sent_to_set_up_two_step_sign_in_after_the_password(
    workspace: Workspace,
) -> None:
    client = sign_in("convener")

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2F"
    assert "Set up two-step sign-in" in text_of(client.get(SETUP))


def test_a_convener_without_a_second_factor_can_open_no_other_page(workspace: Workspace) -> None:
    client = sign_in("convener")
    pages = [
        reverse("process-list"),
        workspace.process.get_absolute_url(),
        reverse("person-list"),
        reverse("api-token-list"),
        reverse("two-step"),
        reverse("process-audit", args=[workspace.process.pk]),
        reverse("password_change"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(SETUP), page
    assert client.get("/api/v1/me").status_code == 401  # the API: not signed in


def test_the_set_up_page_shows_no_menu_until_it_is_done(workspace: Workspace) -> None:
    page = text_of(sign_in("convener").get(SETUP))
    assert 'aria-label="Main"' not in page
    assert reverse("logout") in page


def test_staff_and_superusers_must_use_it_too(db: None) -> None:
    for flags in ({"is_staff": True}, {"is_staff": True, "is_superuser": True}):
        user = UserFactory(**flags)
        assert mfa.mfa_required(user)
        response = sign_in(user.username).get(reverse("dashboard"))
        assert response["Location"].startswith(SETUP)


def test_an_observer_is_not_asked_for_a_second_step(workspace: Workspace) -> None:
    client = sign_in("observer")
    assert client.get(reverse("dashboard")).status_code == 200
    assert not mfa.mfa_required(workspace.observer)


def test_becoming_a_convener_brings_the_second_step_at_once(workspace: Workspace) -> None:
    client = sign_in("facilitator")
    assert client.get(reverse("dashboard")).status_code == 200
    member(workspace.facilitator, workspace.other_process, Role.CONVENER)

    assert client.get(reverse("dashboard"))["Location"].startswith(SETUP)


# Setting up an authenticator app -----------------------------------------------------------


def test_the_authenticator_page_draws_the_qr_code_as_inline_svg_with_the_key(
    workspace: Workspace,
) -> None:
    client = sign_in("convener")
    page = text_of(client.get(AUTHENTICATOR))
    device = AuthenticatorAppDevice.objects.get(user=workspace.convener, confirmed=False)

    assert '<svg width="' in page and 'class="qr-code"' in page
    assert "<img" not in page
    assert mfa.grouped(b32encode(device.bin_key).decode()) in page
    # No inline script: every <script> names its source on this site.
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))


def test_a_convener_sets_up_an_authenticator_app_with_a_real_code(workspace: Workspace) -> None:
    client = sign_in("convener")
    before = client.session.session_key

    device, codes = enrol_authenticator(client, workspace.convener)

    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == len(set(codes)) == 10
    assert client.session.session_key != before  # a new session id once verified (7.2.4)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("dashboard")).status_code == 200
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "accounts.mfa.authenticator_app_added",
        "accounts.mfa.recovery_codes_created",
    } <= actions


def test_the_authenticator_app_key_is_stored_only_encrypted(workspace: Workspace) -> None:
    client = sign_in("convener")
    page = text_of(client.get(AUTHENTICATOR))
    device = AuthenticatorAppDevice.objects.get(user=workspace.convener, confirmed=False)
    shown = b32encode(device.bin_key).decode()
    assert mfa.grouped(shown) in page
    client.post(AUTHENTICATOR, {"code": totp_code(device)})

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_authenticatorappdevice WHERE id = %s", [device.pk])
        row = " ".join(str(cell) for cell in cursor.fetchone())
        cursor.execute("SELECT key FROM accounts_authenticatorappdevice WHERE id = %s", [device.pk])
        [stored] = cursor.fetchone()

    assert stored.startswith("mt1:")
    assert device.key.lower() not in row.lower()
    assert shown.lower() not in row.lower()
    assert AuthenticatorAppDevice.objects.get(pk=device.pk).bin_key == device.bin_key


def test_a_code_of_the_next_time_step_is_accepted_and_the_drift_remembered(
    workspace: Workspace,
) -> None:
    device = totp_device_for(workspace.convener)
    if time.time() % device.step > device.step - 3:
        time.sleep(3)  # not across a step boundary between making the code and checking it
    now = time.time()
    ahead = totp_code(device, at=now + device.step)  # a phone clock one step fast

    assert sign_in("convener").post(VERIFY, {"code": ahead}).status_code == 302

    device.refresh_from_db()
    assert device.drift == 1
    assert device.last_t == int(now // device.step) + 1
    # The current code is of an earlier step than the one accepted: refused, as a replay is.
    current = sign_in("convener").post(VERIFY, {"code": totp_code(device, at=now)})
    assert "used already" in text_of(current)


def test_a_code_two_steps_away_is_refused(workspace: Workspace) -> None:
    device = totp_device_for(workspace.convener)
    far = totp_code(device, at=time.time() + 2 * device.step + 1)

    response = sign_in("convener").post(VERIFY, {"code": far})

    assert "did not match" in text_of(response)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_the_plain_text_totp_plugin_of_django_otp_is_not_installed() -> None:
    assert not django_apps.is_installed("django_otp.plugins.otp_totp")
    assert AuthenticatorAppDevice in list(device_classes())


def test_a_session_verified_with_an_old_plugin_device_is_asked_for_a_code_again(
    workspace: Workspace,
) -> None:
    device = totp_device_for(workspace.convener)
    client = Client()
    client.force_login(workspace.convener)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = f"otp_totp.totpdevice/{device.pk}"  # before the migration
    session.save()

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_the_admin_lists_authenticator_apps_without_their_key(db: None) -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    device = totp_device_for(root)
    client = verified_login(Client(), root)

    listing = client.get("/admin/accounts/authenticatorappdevice/")
    detail = client.get(f"/admin/accounts/authenticatorappdevice/{device.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    for page in (text_of(listing), text_of(detail)):
        assert device.key not in page
        assert b32encode(device.bin_key).decode() not in page
    assert client.get("/admin/accounts/authenticatorappdevice/add/").status_code == 403


def test_a_wrong_code_does_not_set_up_the_app(workspace: Workspace) -> None:
    client = sign_in("convener")
    client.get(AUTHENTICATOR)
    device = AuthenticatorAppDevice.objects.get(user=workspace.convener)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(AUTHENTICATOR, {"code": wrong})

    assert "That code did not match" in text_of(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("dashboard"))["Location"].startswith(SETUP)


def shown_key(response: Any) -> str:
    """The authenticator app key a set-up page shows, as typed into the app."""
    [grouped] = re.findall(
        r'<code class="secret" id="authenticator-key">([^<]*)</code>', text_of(response)
    )
    return grouped.replace(" ", "")


def passed_second_step(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def code_for(key: str) -> str:
    """The code an authenticator app with this key shows now."""
    return f"{totp(b32decode(key)):06d}"


def test_a_reload_in_the_same_session_shows_the_same_key(workspace: Workspace) -> None:
    client = sign_in("convener")

    first, second = shown_key(client.get(AUTHENTICATOR)), shown_key(client.get(AUTHENTICATOR))

    assert first == second
    assert AuthenticatorAppDevice.objects.filter(user=workspace.convener).count() == 1


def test_two_sessions_of_the_same_user_are_shown_different_keys(workspace: Workspace) -> None:
    attacker, user = sign_in("convener"), sign_in("convener")

    noted = shown_key(attacker.get(AUTHENTICATOR))
    scanned = shown_key(user.get(AUTHENTICATOR))

    assert noted != scanned
    [device] = AuthenticatorAppDevice.objects.filter(user=workspace.convener)
    assert b32encode(device.bin_key).decode() == scanned  # the noted key is gone


def test_a_key_noted_in_another_session_never_becomes_a_working_second_factor(
    workspace: Workspace,
) -> None:
    attacker, user = sign_in("convener"), sign_in("convener")
    noted = shown_key(attacker.get(AUTHENTICATOR))

    scanned = shown_key(user.get(AUTHENTICATOR))
    response = user.post(AUTHENTICATOR, {"code": code_for(scanned)})

    assert response.status_code == 200 and len(codes_on(response)) == 10
    [app] = mfa.authenticator_apps(workspace.convener)
    assert b32encode(app.bin_key).decode() == scanned
    later = sign_in("convener")
    refused = later.post(VERIFY, {"code": code_for(noted)})
    assert "That code did not match" in text_of(refused)
    assert not passed_second_step(later)


def test_the_first_sessions_key_no_longer_confirms_once_another_session_opened_the_page(
    workspace: Workspace,
) -> None:
    attacker, user = sign_in("convener"), sign_in("convener")
    noted = shown_key(attacker.get(AUTHENTICATOR))
    user.get(AUTHENTICATOR)

    response = attacker.post(AUTHENTICATOR, {"code": code_for(noted)})

    assert "This set-up has expired" in text_of(response)
    assert shown_key(response) != noted  # a new key, for this session only
    assert not mfa.authenticator_apps(workspace.convener).exists()
    assert not passed_second_step(attacker)


def test_a_code_posted_by_a_session_that_never_opened_the_page_confirms_nothing(
    workspace: Workspace,
) -> None:
    user, other = sign_in("convener"), sign_in("convener")
    scanned = shown_key(user.get(AUTHENTICATOR))

    response = other.post(AUTHENTICATOR, {"code": code_for(scanned)})

    assert "This set-up has expired" in text_of(response)
    assert not mfa.authenticator_apps(workspace.convener).exists()
    assert not passed_second_step(other)


def test_an_app_not_confirmed_within_an_hour_is_deleted_and_set_up_starts_again(
    workspace: Workspace,
) -> None:
    client = sign_in("convener")
    old_key = shown_key(client.get(AUTHENTICATOR))
    someone_elses = AuthenticatorAppDevice.objects.create(
        user=workspace.facilitator, name="Authenticator app", confirmed=False
    )
    AuthenticatorAppDevice.objects.filter(confirmed=False).update(
        created_at=timezone.now() - timedelta(hours=1, minutes=1)
    )

    response = client.post(AUTHENTICATOR, {"code": code_for(old_key)})

    assert "This set-up has expired" in text_of(response)
    new_key = shown_key(response)
    assert new_key != old_key
    assert not AuthenticatorAppDevice.objects.filter(pk=someone_elses.pk).exists()
    response = client.post(AUTHENTICATOR, {"code": code_for(new_key)})
    assert len(codes_on(response)) == 10
    assert mfa.authenticator_apps(workspace.convener).count() == 1


def test_a_password_alone_cannot_add_an_app_to_an_account_that_has_one(
    workspace: Workspace,
) -> None:
    totp_device_for(workspace.convener)
    client = sign_in("convener")

    for page in (SETUP, AUTHENTICATOR):
        assert client.get(page)["Location"].startswith(VERIFY)
    assert AuthenticatorAppDevice.objects.filter(user=workspace.convener).count() == 1
    begin = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert begin.status_code == 403
    assert begin.json()["code"] == "user_not_verified"


def test_anyone_may_turn_it_on_and_is_then_asked_for_it(workspace: Workspace) -> None:
    client = sign_in("observer")
    device, _codes = enrol_authenticator(client, workspace.observer)

    again = sign_in("observer")

    assert again.get(reverse("dashboard"))["Location"].startswith(VERIFY)
    assert again.post(VERIFY, {"code": unused_totp_code(device)}).status_code == 302
    assert again.get(reverse("dashboard")).status_code == 200


# Verifying ---------------------------------------------------------------------------------


def test_a_convener_with_an_app_is_asked_for_a_code_and_gets_a_new_session_id(
    workspace: Workspace,
) -> None:
    device = totp_device_for(workspace.convener)
    anonymous = Client()
    anonymous.get(reverse("login"))
    before_login = anonymous.session.session_key
    client = sign_in("convener")
    after_password = client.session.session_key

    assert client.get(reverse("person-list"))["Location"] == f"{VERIFY}?next=%2Fpeople%2F"
    response = client.post(VERIFY, {"code": totp_code(device), "next": "/people/"})

    assert response.status_code == 302
    assert response["Location"] == "/people/"
    assert after_password not in {None, before_login}
    assert client.session.session_key not in {None, after_password}
    assert client.get(reverse("person-list")).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.mfa.verified").count() == 1


def test_verify_never_sends_anyone_to_another_site(workspace: Workspace) -> None:
    device = totp_device_for(workspace.convener)
    client = sign_in("convener")
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard")


def test_a_code_used_once_is_refused_the_second_time(workspace: Workspace) -> None:
    device = totp_device_for(workspace.convener)
    code = totp_code(device)
    assert sign_in("convener").post(VERIFY, {"code": code}).status_code == 302

    replay = sign_in("convener")
    response = replay.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert "used already" in text_of(response)
    assert replay.get(reverse("dashboard"))["Location"].startswith(VERIFY)
    failed = AuditEvent.objects.get(action="accounts.mfa.verification_failed")
    assert failed.detail == {"method": "authenticator_app", "reason": "wrong_code"}


def test_wrong_codes_are_throttled_with_a_clear_message(workspace: Workspace) -> None:
    device = totp_device_for(workspace.convener)
    client = sign_in("convener")
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    client.post(VERIFY, {"code": wrong})

    response = client.post(VERIFY, {"code": totp_code(device)})  # right, but too soon

    assert "Too many wrong codes. Wait a second, then try again." in text_of(response)
    assert client.get(reverse("dashboard"))["Location"].startswith(VERIFY)
    reasons = [e.detail["reason"] for e in AuditEvent.objects.filter(action__endswith="_failed")]
    assert sorted(reasons) == ["too_many_attempts", "wrong_code"]


def test_the_verify_page_answers_get_and_post_only(workspace: Workspace) -> None:
    totp_device_for(workspace.convener)
    client = sign_in("convener")
    assert client.put(VERIFY).status_code == 405


def test_an_htmx_request_is_sent_to_verify_as_a_whole_page(workspace: Workspace) -> None:
    totp_device_for(workspace.convener)
    response = sign_in("convener").get(reverse("person-list"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(VERIFY)


# Recovery codes ----------------------------------------------------------------------------


def test_a_recovery_code_works_once(workspace: Workspace) -> None:
    totp_device_for(workspace.convener)
    first, second = recovery_codes_generate(actor=workspace.convener)[:2]

    assert sign_in("convener").post(VERIFY, {"code": first.upper()}).status_code == 302
    other = sign_in("convener").post(VERIFY, {"code": second.replace("-", " ")})
    again = sign_in("convener").post(VERIFY, {"code": first})

    assert other.status_code == 302
    assert "not valid, or it has been used already" in text_of(again)
    assert mfa.recovery_codes_of(workspace.convener).unused_count() == 8  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="accounts.mfa.recovery_code_used").count() == 2


def test_new_recovery_codes_invalidate_the_old_ones(workspace: Workspace) -> None:
    client = sign_in("convener")
    _device, old_codes = enrol_authenticator(client, workspace.convener)

    response = client.post(reverse("two-step-recovery-codes"))
    new_codes = codes_on(response)

    assert "Your old codes no longer work" in text_of(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert sign_in("convener").post(VERIFY, {"code": new_codes[0]}).status_code == 302
    assert "not valid" in text_of(sign_in("convener").post(VERIFY, {"code": old_codes[0]}))
    assert AuditEvent.objects.filter(action="accounts.mfa.recovery_codes_replaced").exists()


def test_recovery_codes_are_stored_only_as_hashes(workspace: Workspace) -> None:
    totp_device_for(workspace.convener)
    codes = recovery_codes_generate(actor=workspace.convener)
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert stored == {hash_recovery_code(code) for code in codes}
    assert not any(code.replace("-", "") in digest for code in codes for digest in stored)


def test_regenerating_codes_needs_a_post(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    assert client.get(reverse("two-step-recovery-codes")).status_code == 405


def test_the_audit_trail_never_holds_a_code_or_a_key(workspace: Workspace) -> None:
    client = sign_in("convener")
    device, codes = enrol_authenticator(client, workspace.convener)
    client.post(reverse("two-step-recovery-codes"))
    sign_in("convener").post(VERIFY, {"code": "000000"})
    sign_in("convener").post(VERIFY, {"code": codes[0]})

    secrets = [device.key, b32encode(device.bin_key).decode(), *codes]
    secrets += [code.replace("-", "") for code in codes]
    rows = [
        json.dumps([e.action, e.target_type, e.target_id, e.detail])
        for e in AuditEvent.objects.all()
    ]
    assert len(rows) >= 5
    assert not [secret for secret in secrets for row in rows if secret.lower() in row.lower()]


# Removing a second factor ------------------------------------------------------------------


def test_a_convener_cannot_remove_their_last_app(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.convener)
    device = totp_device_for(workspace.convener)
    remove = reverse("two-step-device-remove", args=["authenticator-app", device.pk])

    response = client.post(remove, follow=True)

    assert "must keep two-step sign-in" in text_of(response)
    assert AuthenticatorAppDevice.objects.filter(pk=device.pk).exists()


def test_removing_the_last_app_turns_it_off_for_others_with_their_codes(
    workspace: Workspace,
) -> None:
    client = sign_in("observer")
    device, _codes = enrol_authenticator(client, workspace.observer)

    client.post(reverse("two-step-device-remove", args=["authenticator-app", device.pk]))

    assert not AuthenticatorAppDevice.objects.filter(user=workspace.observer).exists()
    assert not RecoveryCodeDevice.objects.filter(user=workspace.observer).exists()
    assert sign_in("observer").get(reverse("dashboard")).status_code == 200
    removed = AuditEvent.objects.filter(action="accounts.mfa.authenticator_app_removed").get()
    assert (removed.target_type, removed.target_id) == (
        "accounts.authenticatorappdevice",
        str(device.pk),
    )


def test_nobody_can_remove_another_users_app(workspace: Workspace) -> None:
    device = totp_device_for(workspace.convener)
    client = workspace.client_for(workspace.facilitator)
    remove = reverse("two-step-device-remove", args=["authenticator-app", device.pk])
    assert client.post(remove).status_code == 404
    assert (
        client.post(reverse("two-step-device-remove", args=["other", device.pk])).status_code == 404
    )
    assert AuthenticatorAppDevice.objects.filter(pk=device.pk).exists()


def test_removing_a_device_needs_a_post(workspace: Workspace) -> None:
    device = totp_device_for(workspace.convener)
    client = workspace.client_for(workspace.convener)
    remove = reverse("two-step-device-remove", args=["authenticator-app", device.pk])
    assert client.get(remove).status_code == 405


def test_the_overview_lists_the_users_own_devices_only(workspace: Workspace) -> None:
    totp_device_for(workspace.convener)
    recovery_codes_generate(actor=workspace.convener)
    page = text_of(workspace.client_for(workspace.convener).get(reverse("two-step")))
    assert "Two-step sign-in is on" in page
    assert "You have 10 unused recovery codes." in page
    other = text_of(workspace.client_for(workspace.observer).get(reverse("two-step")))
    assert "Two-step sign-in is off" in other


# The doors it closes -----------------------------------------------------------------------


def test_a_password_reset_does_not_skip_the_second_step(workspace: Workspace) -> None:
    device = totp_device_for(workspace.convener)
    client = Client()
    client.post(reverse("password_reset"), {"email": "convener@example.org"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body)
    assert link is not None
    form = client.get(link.group(1), follow=True)
    new_password = "a much longer new passphrase"
    client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert SESSION_KEY not in client.session  # the reset signs nobody in

    after = sign_in("convener", new_password)

    assert after.get(reverse("dashboard"))["Location"].startswith(VERIFY)
    assert after.post(VERIFY, {"code": totp_code(device)}).status_code == 302
    assert after.get(reverse("dashboard")).status_code == 200


def test_the_admin_needs_a_superuser_who_passed_the_second_step(db: None) -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    device = totp_device_for(root)
    client = sign_in("root")

    assert client.get("/admin/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    client.post(VERIFY, {"code": totp_code(device)})
    assert client.get("/admin/").status_code == 200


def test_the_admin_refuses_an_unverified_superuser_even_without_the_middleware(
    db: None,
) -> None:
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    request.user.is_verified = lambda: False  # as django-otp's middleware sets it
    assert not is_active_superuser(request)
    request.user.is_verified = lambda: True
    assert is_active_superuser(request)
    request.user = AnonymousUser()
    assert not is_active_superuser(request)


def test_issuing_an_api_token_needs_the_second_step(workspace: Workspace) -> None:
    totp_device_for(workspace.convener)
    client = sign_in("convener")

    response = client.post(reverse("api-token-list"), {"name": "script"})

    assert response.status_code == 302
    assert not APIToken.objects.exists()
    verified = workspace.client_for(workspace.convener)
    assert verified.post(reverse("api-token-list"), {"name": "script"}).status_code == 200
    assert APIToken.objects.filter(user=workspace.convener).count() == 1


def test_an_unverified_session_is_not_signed_in_for_the_api_but_a_token_is(
    workspace: Workspace,
) -> None:
    verified = workspace.client_for(workspace.convener)
    issued = verified.post(reverse("api-token-list"), {"name": "script"})
    raw = re.search(r'value="(mt_[^"]+)"', text_of(issued))
    assert raw is not None

    assert sign_in("convener").get("/api/v1/me").status_code == 401
    by_token = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw.group(1)}"})
    assert by_token.status_code == 200
    assert by_token.json()["username"] == "convener"


# Passkeys are a second factor only ---------------------------------------------------------


def test_passwordless_passkey_sign_in_is_off(settings: Any) -> None:
    assert settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is False
    assert "django_otp_webauthn.backends.WebAuthnBackend" not in settings.AUTHENTICATION_BACKENDS
    anonymous = Client()
    for name in ("credential-authentication-begin", "credential-authentication-complete"):
        response = anonymous.post(reverse(f"otp_webauthn:{name}"), content_type="application/json")
        assert response.status_code == 403, name
        assert response.json()["code"] == "passwordless_login_disabled"
    assert "webauthn" not in text_of(anonymous.get(reverse("login")))


def test_passkeys_stay_a_second_factor_even_if_the_setting_is_turned_on(
    settings: Any, db: None
) -> None:
    settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = True
    begin = Client().post(
        reverse("otp_webauthn:credential-authentication-begin"), content_type="application/json"
    )
    assert begin.status_code == 403
    assert "multitrack.E101" in [error.id for error in run_checks()]


def test_a_passkey_ceremony_may_start_after_the_password(workspace: Workspace) -> None:
    client = sign_in("observer")
    response = client.post(
        reverse("otp_webauthn:credential-registration-begin"), content_type="application/json"
    )
    options = response.json()
    assert response.status_code == 200
    assert options["rp"]["id"] == "testserver"
    assert options["user"]["displayName"] == "observer"  # never the real name


def test_the_set_up_page_loads_the_passkey_script_from_this_site(workspace: Workspace) -> None:
    page = text_of(sign_in("convener").get(SETUP))
    assert 'id="otp_webauthn_config" type="application/json"' in page
    assert "/static/django_otp_webauthn/otp_webauthn_register.js" in page
    assert all("src=" in tag for tag in re.findall(r"<script(?![^>]*application/json)[^>]*>", page))


def test_the_totp_helper_matches_django_otp(workspace: Workspace) -> None:
    device = totp_device_for(workspace.convener)
    assert totp_code(device) == f"{totp(device.bin_key):06d}"
    client = verified_login(Client(), workspace.convener)
    assert client.get(reverse("dashboard")).status_code == 200
