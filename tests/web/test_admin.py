"""The admin is for superusers only, and its lists never show a person's real name."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission as AuthPermission
from django.test import Client, RequestFactory
from django.urls import reverse

from multitrack.accounts.models import APIToken, AuditEvent, Membership
from multitrack.actors.models import Affiliation, Conflict, Organisation, Party, Person
from multitrack.processes.models import (
    AgendaItem,
    Attendance,
    FollowUp,
    Meeting,
    Note,
    Process,
    ProcessParticipant,
)
from tests.conftest import Workspace
from tests.factories import AffiliationFactory, AttendanceFactory, UserFactory
from tests.signin import verified_login

pytestmark = pytest.mark.django_db

OUR_MODELS = [
    Membership,
    APIToken,
    AuditEvent,
    Conflict,
    Party,
    Organisation,
    Person,
    Affiliation,
    Process,
    ProcessParticipant,
    Meeting,
    AgendaItem,
    Attendance,
    Note,
    FollowUp,
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is right for production and far too slow for six standing users per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser_client(db: None) -> Client:
    client = Client()
    verified_login(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def changelist(model: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_model_is_registered() -> None:
    for model in OUR_MODELS:
        assert admin.site.is_registered(model), model


def test_superuser_reaches_every_list_and_change_page(
    workspace: Workspace, superuser_client: Client
) -> None:
    AffiliationFactory(person=workspace.person)
    AttendanceFactory(meeting=workspace.meeting, person=workspace.person)
    assert superuser_client.get(reverse("admin:index")).status_code == 200
    for model in OUR_MODELS:
        assert superuser_client.get(changelist(model)).status_code == 200, model
    for obj in [workspace.person, workspace.meeting, workspace.process, workspace.convener]:
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert superuser_client.get(url).status_code == 200, url


def test_person_list_in_admin_shows_pseudonyms_not_real_names(
    workspace: Workspace, superuser_client: Client
) -> None:
    AffiliationFactory(person=workspace.person)
    for model in [Person, Affiliation]:
        page = superuser_client.get(changelist(model)).content.decode()
        assert workspace.person.pseudonym in page
        assert workspace.person.display_name not in page


def test_anonymous_visitor_is_sent_to_the_admin_login(client: Client) -> None:
    response = client.get(changelist(Person))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("role", ["convener", "facilitator", "analyst", "observer", "outsider"])
def test_ordinary_users_cannot_use_the_admin(workspace: Workspace, role: str) -> None:
    client = workspace.client_for(getattr(workspace, role))
    response = client.get(changelist(Person))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_who_are_not_superusers_cannot_enter_even_with_permissions(
    workspace: Workspace,
) -> None:
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.set(AuthPermission.objects.all())
    client = Client()
    verified_login(client, staff)
    person_change = reverse("admin:actors_person_change", args=[workspace.person.pk])
    urls = [reverse("admin:index"), reverse("admin:auth_user_changelist"), person_change]
    for url in urls + [changelist(model) for model in OUR_MODELS]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("admin:login") in response["Location"], url


def test_our_model_admins_refuse_non_superusers_on_their_own(workspace: Workspace) -> None:
    staff = UserFactory(username="staff", is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = staff
    for model in OUR_MODELS:
        model_admin = admin.site.get_model_admin(model)
        assert not model_admin.has_module_permission(request), model
        assert not model_admin.has_view_permission(request), model
        assert not model_admin.has_change_permission(request), model


def test_audit_trail_cannot_be_changed_in_the_admin(
    workspace: Workspace, superuser_client: Client
) -> None:
    event = AuditEvent.objects.create(actor=workspace.convener, action="test.event")
    assert superuser_client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    delete = reverse("admin:accounts_auditevent_delete", args=[event.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_api_tokens_cannot_be_issued_in_the_admin(superuser_client: Client) -> None:
    assert superuser_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_resetting_someones_authenticator_app_in_the_admin_is_audited(
    superuser_client: Client,
) -> None:
    from multitrack.accounts.models import AuthenticatorAppDevice
    from tests.signin import totp_device_for

    lost_phone = totp_device_for(UserFactory(username="lost-phone"))
    url = reverse("admin:accounts_authenticatorappdevice_delete", args=[lost_phone.pk])

    response = superuser_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not AuthenticatorAppDevice.objects.filter(pk=lost_phone.pk).exists()
    event = AuditEvent.objects.get(action="accounts.mfa.reset_by_admin")
    assert event.actor.username == "root"
    assert event.target_id == str(lost_phone.pk)
    assert event.detail == {"user": lost_phone.user_id}


def test_passkeys_are_listed_for_superusers_in_the_admin(superuser_client: Client) -> None:
    from django_otp_webauthn.models import WebAuthnCredential

    assert superuser_client.get(changelist(WebAuthnCredential)).status_code == 200
