"""A conflict's terminology list through the API: listed, added, refused twice, removed."""

from __future__ import annotations

from multitrack.accounts.models import AuditEvent
from multitrack.actors.models import ContestedTerm
from tests.api.conftest import World

V1 = "/api/v1"


def test_the_list_shows_the_conflict_s_terms_only(world: World) -> None:
    client = world.client_for("observer")

    response = client.get(f"{V1}/conflicts/{world.mine['conflict_id']}/terms")

    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [world.mine["term_id"]]
    assert response.json()[0]["neutral_wording"] == "the sea"


def test_a_convener_adds_a_term_and_it_is_audited(world: World) -> None:
    client = world.client_for("convener")

    response = client.post(
        f"{V1}/conflicts/{world.mine['conflict_id']}/terms",
        {"term": "Northgate", "neutral_wording": "the northern crossing", "note": "North's"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert ContestedTerm.objects.filter(term="Northgate", note="North's").exists()
    assert AuditEvent.objects.filter(action="actors.contested_term.added").exists()


def test_a_term_already_on_the_list_is_refused(world: World) -> None:
    client = world.client_for("convener")

    response = client.post(
        f"{V1}/conflicts/{world.mine['conflict_id']}/terms",
        {"term": "THE NORTHERN SEA", "neutral_wording": "the sea"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert "term" in str(response.json()["detail"])


def test_a_term_of_another_conflict_cannot_be_removed_through_this_one(world: World) -> None:
    client = world.client_for("convener")

    response = client.delete(
        f"{V1}/conflicts/{world.mine['conflict_id']}/terms/{world.theirs['term_id']}"
    )

    assert response.status_code == 404
    assert ContestedTerm.objects.filter(pk=world.theirs["term_id"]).exists()


def test_the_conflict_shows_its_context_profile(world: World) -> None:
    conflict = world.workspace.process.conflict
    conflict.languages = ["en", "fr"]
    conflict.customs = "Tea first."
    conflict.save()

    body = world.client_for("observer").get(f"{V1}/conflicts/{conflict.pk}").json()

    assert body["languages"] == ["en", "fr"] and body["customs"] == "Tea first."
    assert body["sensitivities"] == ""
