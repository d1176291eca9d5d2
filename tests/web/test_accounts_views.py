"""Signing in and out, resetting and changing a password, and personal API tokens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from multitrack.accounts.models import APIToken, AuditEvent, hash_token
from tests.conftest import PASSWORD, Workspace
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is right for production and far too slow for six standing users per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def email_in_memory(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def text_of(response: Any) -> str:
    return response.content.decode()


# Signing in and out ------------------------------------------------------------------------


def test_login_page_extends_the_base_template(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]
    assert reverse("password_reset") in text_of(response)


def test_user_signs_in_and_lands_on_the_dashboard(workspace: Workspace, client: Client) -> None:
    response = client.post(reverse("login"), {"username": "convener", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.session[SESSION_KEY] == str(workspace.convener.pk)


def test_sign_in_returns_to_the_page_asked_for(workspace: Workspace, client: Client) -> None:
    response = client.post(
        reverse("login") + "?next=/people/",
        {"username": "convener", "password": PASSWORD, "next": "/people/"},
    )
    assert response["Location"] == "/people/"


def test_sign_in_never_redirects_to_another_site(workspace: Workspace, client: Client) -> None:
    response = client.post(
        reverse("login"),
        {"username": "convener", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("dashboard")


def test_login_says_the_same_for_a_wrong_password_and_an_unknown_user(
    workspace: Workspace, client: Client
) -> None:
    wrong_password = client.post(reverse("login"), {"username": "convener", "password": "nope"})
    unknown_user = client.post(reverse("login"), {"username": "nobody", "password": "nope"})
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert wrong_password.context["form"].errors == unknown_user.context["form"].errors
    assert SESSION_KEY not in client.session


def test_login_says_the_same_for_an_inactive_user(workspace: Workspace, client: Client) -> None:
    UserFactory(username="gone", is_active=False)
    inactive = client.post(reverse("login"), {"username": "gone", "password": PASSWORD})
    unknown = client.post(reverse("login"), {"username": "nobody", "password": PASSWORD})
    assert inactive.context["form"].errors == unknown.context["form"].errors


def test_login_form_keeps_the_username_on_error(workspace: Workspace, client: Client) -> None:
    response = client.post(reverse("login"), {"username": "convener", "password": "nope"})
    assert 'value="convener"' in text_of(response)


def test_signed_in_user_visiting_login_goes_to_the_dashboard(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.observer).get(reverse("login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_logout_by_post_signs_out(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.observer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_logout_rejects_get(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.observer)
    assert client.get(reverse("logout")).status_code == 405
    assert SESSION_KEY in client.session


def test_every_signed_in_page_offers_logout_by_post(workspace: Workspace) -> None:
    page = text_of(workspace.client_for(workspace.observer).get(reverse("dashboard")))
    assert f'<form class="logout" method="post" action="{reverse("logout")}">' in page


# Resetting and changing a password ----------------------------------------------------------


def test_password_reset_sends_a_link_that_sets_a_new_password(
    workspace: Workspace, client: Client
) -> None:
    response = client.post(reverse("password_reset"), {"email": "observer@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["observer@example.org"]
    assert message.subject == "Resetting your Multitrack password"
    match = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body)
    assert match is not None
    form_page = client.get(match.group(1), follow=True)
    assert form_page.context["validlink"]
    new_password = "a much longer new passphrase"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done["Location"] == reverse("password_reset_complete")
    workspace.observer.refresh_from_db()
    assert workspace.observer.check_password(new_password)


def test_password_reset_answers_the_same_for_an_unknown_address(
    workspace: Workspace, client: Client
) -> None:
    known = client.post(reverse("password_reset"), {"email": "observer@example.org"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    sent = text_of(client.get(reverse("password_reset_done")))
    assert "If the address you entered belongs to an account" in sent


def test_password_reset_pages_use_our_templates(client: Client) -> None:
    for name, template in [
        ("password_reset", "registration/reset_password_form.html"),
        ("password_reset_done", "registration/reset_password_sent.html"),
        ("password_reset_complete", "registration/reset_password_complete.html"),
    ]:
        response = client.get(reverse(name))
        assert template in [t.name for t in response.templates], name
        assert "base.html" in [t.name for t in response.templates], name


def test_a_used_or_forged_reset_link_is_refused(client: Client, workspace: Workspace) -> None:
    url = reverse("password_reset_confirm", args=["MQ", "forged-token"])
    response = client.get(url)
    assert not response.context["validlink"]
    assert "This link no longer works" in text_of(response)


def test_user_changes_their_password(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.analyst)
    new_password = "another long passphrase here"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response["Location"] == reverse("password_change_done")
    workspace.analyst.refresh_from_db()
    assert workspace.analyst.check_password(new_password)


def test_anonymous_visitor_cannot_change_a_password(client: Client) -> None:
    response = client.get(reverse("password_change"))
    assert response["Location"].startswith(reverse("login"))


# API tokens --------------------------------------------------------------------------------


def test_anonymous_visitor_is_redirected_from_api_tokens(client: Client) -> None:
    response = client.get(reverse("api-token-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_new_token_is_shown_once_and_stored_only_as_its_hash(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.analyst)
    response = client.post(reverse("api-token-list"), {"name": "Laptop script"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw.startswith(APIToken.PREFIX)
    assert raw in text_of(response)
    token = APIToken.objects.get(user=workspace.analyst)
    assert token.name == "Laptop script"
    assert token.token_hash == hash_token(raw)
    assert raw not in text_of(client.get(reverse("api-token-list")))
    assert "Laptop script" in text_of(client.get(reverse("api-token-list")))
    assert AuditEvent.objects.filter(action="accounts.api_token.created").exists()


def test_token_list_shows_only_the_users_own_tokens(workspace: Workspace) -> None:
    APIToken.objects.create(user=workspace.convener, name="Convener's token", token_hash="a" * 64)
    page = text_of(workspace.client_for(workspace.analyst).get(reverse("api-token-list")))
    assert "Convener&#x27;s token" not in page
    assert "You have no tokens." in page


def test_token_needs_a_name(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.analyst).post(reverse("api-token-list"), {"name": ""})
    assert "name" in response.context["form"].errors
    assert response.context["raw_token"] is None
    assert not APIToken.objects.exists()


def test_user_revokes_their_token(workspace: Workspace) -> None:
    client = workspace.client_for(workspace.analyst)
    client.post(reverse("api-token-list"), {"name": "Laptop script"})
    token = APIToken.objects.get()
    response = client.post(reverse("api-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("api-token-list")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in text_of(client.get(reverse("api-token-list")))


def test_user_cannot_revoke_someone_elses_token(workspace: Workspace) -> None:
    token = APIToken.objects.create(user=workspace.convener, name="Theirs", token_hash="b" * 64)
    response = workspace.client_for(workspace.analyst).post(
        reverse("api-token-revoke", args=[token.pk])
    )
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_revoke_rejects_get(workspace: Workspace) -> None:
    token = APIToken.objects.create(user=workspace.analyst, name="Mine", token_hash="c" * 64)
    response = workspace.client_for(workspace.analyst).get(
        reverse("api-token-revoke", args=[token.pk])
    )
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_list_rejects_put(workspace: Workspace) -> None:
    assert workspace.client_for(workspace.analyst).put(reverse("api-token-list")).status_code == 405


# Error pages -------------------------------------------------------------------------------


def test_404_page_says_nothing_about_what_was_asked_for(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.outsider).get("/people/424242/")
    page = text_of(response)
    assert response.status_code == 404
    assert "No such person" not in page
    assert "424242" not in page
    assert "nothing you have access to" in page


def test_403_page_says_nothing_about_the_permission_checked(workspace: Workspace) -> None:
    response = workspace.client_for(workspace.observer).get(reverse("person-create"))
    page = text_of(response)
    assert response.status_code == 403
    assert "Your role does not allow this." in page
    assert "edit_people" not in page


def test_500_page_renders_without_a_request_context() -> None:
    page = render_to_string("500.html")
    assert "Something went wrong" in page
    assert "https://" not in page
