"""Idle sessions end (ASVS 7.3.1); the admin answers only on its own host names (ASVS 8.4.2)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from multitrack.accounts.session_guard import LAST_SEEN_KEY, WRITE_EVERY_SECONDS
from tests.factories import UserFactory
from tests.signin import verified_login

pytestmark = pytest.mark.django_db


def _signed_in(user: Any) -> Client:
    client = Client()
    verified_login(client, user)
    return client


def _pretend_last_seen(client: Client, seconds_ago: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_an_active_session_stays_signed_in(settings: Any) -> None:
    settings.MULTITRACK_SESSION_IDLE_MINUTES = 60
    client = _signed_in(UserFactory())
    assert client.get(reverse("dashboard")).status_code == 200
    _pretend_last_seen(client, 59 * 60)

    assert client.get(reverse("dashboard")).status_code == 200
    # The request counted as activity: the clock starts again.
    assert int(time.time()) - client.session[LAST_SEEN_KEY] < WRITE_EVERY_SECONDS


def test_an_idle_session_is_signed_out_and_told_why(settings: Any) -> None:
    settings.MULTITRACK_SESSION_IDLE_MINUTES = 60
    client = _signed_in(UserFactory())
    client.get(reverse("dashboard"))
    old_key = client.session.session_key
    _pretend_last_seen(client, 61 * 60)

    response = client.get(reverse("dashboard"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login") + "?next=")
    assert "signed out after 60 minutes without activity" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.session.session_key != old_key
    # Signed out for good: the next request is not let in either.
    assert client.get(reverse("dashboard")).status_code == 302


def test_an_idle_htmx_request_reloads_the_whole_page_at_the_sign_in(settings: Any) -> None:
    settings.MULTITRACK_SESSION_IDLE_MINUTES = 30
    client = _signed_in(UserFactory())
    client.get(reverse("dashboard"))
    _pretend_last_seen(client, 31 * 60)

    response = client.get(reverse("dashboard"), headers={"HX-Request": "true"})

    assert response["HX-Redirect"].startswith(reverse("login"))


def test_reading_pages_does_not_write_the_session_every_time(settings: Any) -> None:
    client = _signed_in(UserFactory())
    client.get(reverse("dashboard"))
    _pretend_last_seen(client, 5)
    recorded = client.session[LAST_SEEN_KEY]

    client.get(reverse("dashboard"))

    assert client.session[LAST_SEEN_KEY] == recorded


def test_the_admin_answers_on_any_host_in_development(settings: Any) -> None:
    settings.MULTITRACK_ADMIN_HOSTS = ["*"]
    response = Client().get("/admin/login/")
    assert response.status_code == 200


def test_the_admin_is_a_plain_404_when_no_host_is_configured(settings: Any) -> None:
    settings.MULTITRACK_ADMIN_HOSTS = []
    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert Client().get("/admin/login/").status_code == 404
    assert _signed_in(superuser).get("/admin/").status_code == 404


def test_the_admin_answers_only_on_its_own_host_name(settings: Any) -> None:
    settings.MULTITRACK_ADMIN_HOSTS = ["admin.internal"]
    settings.ALLOWED_HOSTS = ["dialogue.example.org", "admin.internal"]

    assert Client().get("/admin/login/", HTTP_HOST="dialogue.example.org").status_code == 404
    assert Client().get("/admin/login/", HTTP_HOST="admin.internal").status_code == 200
    # The rest of the application is unaffected by the rule.
    assert Client().get(reverse("login"), HTTP_HOST="dialogue.example.org").status_code == 200
