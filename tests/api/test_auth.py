"""Authentication: personal tokens, the browser session and its CSRF token."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from multitrack.accounts.models import APIToken
from multitrack.processes.models import Meeting
from tests.api.conftest import World, bearer
from tests.signin import verified_login

CSRF_SECRET = "a" * 32


def _meeting_body(world: World) -> dict[str, Any]:
    return {"process_id": world.mine["process_id"], "title": "Round 2", "date": "2025-05-01"}


def test_a_personal_token_authenticates(world: World, token_for: Any) -> None:
    raw = token_for(world.workspace.facilitator)

    response = Client().get("/api/v1/me", headers=bearer(raw))

    assert response.status_code == 200
    assert response.json()["username"] == "facilitator"
    assert response.json()["memberships"] == [
        {"process_id": world.mine["process_id"], "role": "facilitator"}
    ]


def test_a_token_holder_gets_their_own_permissions(world: World, token_for: Any) -> None:
    raw = token_for(world.workspace.observer)

    response = Client().get(f"/api/v1/people/{world.theirs['person_id']}", headers=bearer(raw))
    refused = Client().post(
        "/api/v1/meetings", _meeting_body(world), content_type="application/json",
        headers=bearer(raw),
    )  # fmt: skip

    assert response.status_code == 404
    assert refused.status_code == 403


def test_a_token_writes_without_a_csrf_token(world: World, token_for: Any) -> None:
    raw = token_for(world.workspace.facilitator)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/meetings", _meeting_body(world), content_type="application/json",
        headers=bearer(raw),
    )  # fmt: skip

    assert response.status_code == 201
    assert Meeting.objects.filter(title="Round 2").exists()


def test_using_a_token_records_when_it_was_last_used(world: World, token_for: Any) -> None:
    raw = token_for(world.workspace.facilitator)

    Client().get("/api/v1/me", headers=bearer(raw))

    assert APIToken.objects.get(user=world.workspace.facilitator).last_used_at is not None


def test_a_revoked_token_is_unauthorised(world: World, token_for: Any) -> None:
    raw = token_for(world.workspace.facilitator)
    APIToken.objects.update(revoked_at=timezone.now())

    response = Client().get("/api/v1/me", headers=bearer(raw))

    assert response.status_code == 401


def test_an_unknown_token_is_unauthorised(world: World) -> None:
    response = Client().get("/api/v1/people", headers=bearer("mt_not-a-real-token"))

    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_an_inactive_user_s_token_is_unauthorised(world: World, token_for: Any) -> None:
    raw = token_for(world.workspace.facilitator)
    world.workspace.facilitator.is_active = False
    world.workspace.facilitator.save()

    response = Client().get("/api/v1/me", headers=bearer(raw))

    assert response.status_code == 401


def test_an_unknown_token_cannot_write_even_with_csrf_checks(world: World) -> None:
    # Without a session there is nothing to forge: the answer is 401, not a CSRF 403.
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/meetings", _meeting_body(world), content_type="application/json",
        headers=bearer("mt_not-a-real-token"),
    )  # fmt: skip

    assert response.status_code == 401
    assert not Meeting.objects.filter(title="Round 2").exists()


def test_a_session_post_without_a_csrf_token_is_rejected(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    verified_login(client, world.workspace.facilitator)

    response = client.post(
        "/api/v1/meetings", _meeting_body(world), content_type="application/json"
    )

    assert response.status_code == 403
    assert not Meeting.objects.filter(title="Round 2").exists()


def test_a_session_patch_and_delete_without_a_csrf_token_are_rejected(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    verified_login(client, world.workspace.convener)
    attendance = f"/api/v1/meetings/{world.mine['meeting_id']}/attendance/{world.mine['person_id']}"

    patched = client.patch(
        f"/api/v1/meetings/{world.mine['meeting_id']}", {"place": "Oslo"},
        content_type="application/json",
    )  # fmt: skip
    deleted = client.delete(attendance)

    assert (patched.status_code, deleted.status_code) == (403, 403)
    assert Meeting.objects.get(pk=world.mine["meeting_id"]).place != "Oslo"
    assert world.workspace.meeting.attendance.exists()


def test_a_session_post_with_its_csrf_token_is_accepted(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    verified_login(client, world.workspace.facilitator)
    client.cookies["csrftoken"] = CSRF_SECRET

    response = client.post(
        "/api/v1/meetings", _meeting_body(world), content_type="application/json",
        headers={"X-CSRFToken": CSRF_SECRET},
    )  # fmt: skip

    assert response.status_code == 201


def test_a_session_reads_without_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    verified_login(client, world.workspace.observer)

    assert client.get("/api/v1/meetings").status_code == 200
