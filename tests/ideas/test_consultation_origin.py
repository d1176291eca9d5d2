"""Ideas born in a consultation: exactly one origin, the consultation's bridging statements,
who may link what, the journey's first step, and the "Turn into an idea" button."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from multitrack.consultations import services as consultation_services
from multitrack.consultations.models import Consultation, OpinionMap, Statement
from multitrack.ideas import services
from multitrack.ideas.models import Idea
from multitrack.ideas.selectors import bridging_statements, idea_journey
from multitrack.processes.models import GroundRules
from tests.conftest import Workspace
from tests.ideas.conftest import Talks

SEEDS = [
    "Fishing quotas should be set jointly by both coasts.",
    "Scientists from both coasts should count the fish stocks together.",
    "Compensation must come before any new agreement.",
]


def consultation_with_map(actor: Any, process: Any, title: str = "Harbour futures") -> Consultation:
    """A consultation whose latest map finds statements 2 and 1 bridging (2 the most)."""
    consultation = consultation_services.consultation_create(
        actor=actor,
        process=process,
        title=title,
        question="What should happen to the harbour?",
        seed_statements=SEEDS,
    )
    OpinionMap.objects.create(
        consultation=consultation,
        engine_version="test",
        random_state=0,
        result={
            "bridging": [
                {"statement": 2, "agree": 0.81, "disagree": 0.02},
                {"statement": 1, "agree": 0.64, "disagree": 0.05},
            ]
        },
    )
    return consultation


def statement(consultation: Consultation, number: int) -> Statement:
    return consultation.statements.get(number=number)


@pytest.fixture
def consultation(workspace: Workspace) -> Consultation:
    return consultation_with_map(workspace.convener, workspace.process)


def record(workspace: Workspace, **fields: Any) -> Idea:
    values: dict[str, Any] = {
        "actor": workspace.facilitator,
        "process": workspace.process,
        "title": "Count the fish together",
        "summary": "A joint count of the stocks, as the basis for quotas.",
        "issue": Idea.Issue.ECONOMY,
    } | fields
    return services.idea_record(**values)


# The one origin.


def test_an_idea_born_in_a_consultation_links_its_bridging_statements(
    workspace: Workspace, consultation: Consultation
) -> None:
    idea = record(
        workspace, origin_consultation=consultation, origin_statements=[statement(consultation, 2)]
    )

    assert idea.origin_meeting is None and idea.origin_consultation == consultation
    assert [s.number for s in idea.origin_statements.all()] == [2]


def test_an_idea_with_no_origin_is_refused(workspace: Workspace) -> None:
    with pytest.raises(ValidationError, match="exactly one place"):
        record(workspace)


def test_an_idea_born_in_both_a_meeting_and_a_consultation_is_refused(
    workspace: Workspace, consultation: Consultation
) -> None:
    with pytest.raises(ValidationError, match="exactly one place"):
        record(
            workspace,
            origin_meeting=workspace.meeting,
            origin_consultation=consultation,
            origin_statements=[statement(consultation, 2)],
        )


@pytest.mark.parametrize("origins", ["neither", "both"])
def test_the_database_refuses_an_idea_without_exactly_one_origin(
    workspace: Workspace, consultation: Consultation, origins: str
) -> None:
    fields = {"origin_meeting": workspace.meeting, "origin_consultation": consultation}
    if origins == "neither":
        fields = {}
    with pytest.raises(IntegrityError), transaction.atomic():
        Idea.objects.create(
            process=workspace.process, title="x", summary="y", issue="other", **fields
        )


def test_a_consultation_of_another_process_is_refused(workspace: Workspace) -> None:
    theirs = consultation_with_map(
        workspace.other_process.memberships.get().user, workspace.other_process
    )

    with pytest.raises(ValidationError) as refused:
        record(workspace, origin_consultation=theirs, origin_statements=[statement(theirs, 2)])
    assert "origin_consultation" in refused.value.message_dict


def test_a_standalone_consultation_serves_its_creator_only(workspace: Workspace) -> None:
    mine = consultation_with_map(workspace.facilitator, None, title="Open call")
    idea = record(workspace, origin_consultation=mine, origin_statements=[statement(mine, 1)])
    assert idea.origin_consultation == mine

    with pytest.raises(ValidationError) as refused:
        record(
            workspace,
            actor=workspace.convener,
            origin_consultation=mine,
            origin_statements=[statement(mine, 1)],
        )
    assert "results you may see" in str(refused.value)


@pytest.mark.parametrize("status", [Statement.Status.PENDING, Statement.Status.REJECTED])
def test_pending_and_rejected_statements_are_refused(
    workspace: Workspace, consultation: Consultation, status: str
) -> None:
    unaccepted = statement(consultation, 3)
    unaccepted.status = status
    unaccepted.save()

    with pytest.raises(ValidationError, match="accepted statements"):
        record(workspace, origin_consultation=consultation, origin_statements=[unaccepted])
    assert not Idea.objects.exists()


def test_statements_of_another_consultation_are_refused(
    workspace: Workspace, consultation: Consultation
) -> None:
    other = consultation_with_map(workspace.convener, workspace.process, title="Second round")

    with pytest.raises(ValidationError, match="statements of this consultation"):
        record(workspace, origin_consultation=consultation, origin_statements=[statement(other, 1)])


def test_an_idea_from_a_consultation_needs_at_least_one_statement(
    workspace: Workspace, consultation: Consultation
) -> None:
    with pytest.raises(ValidationError, match="bridging statements"):
        record(workspace, origin_consultation=consultation)


def test_a_summary_naming_someone_is_refused_under_the_chatham_house_rule(
    talks: Talks, consultation: Consultation
) -> None:
    workspace = talks.workspace
    workspace.process.ground_rules = GroundRules.CHATHAM_HOUSE
    workspace.process.save()

    with pytest.raises(ValidationError, match="Kwame Mensah"):
        record(
            workspace,
            summary="Kwame Mensah wants a joint count.",
            origin_consultation=consultation,
            origin_statements=[statement(consultation, 2)],
        )


def test_bridging_statements_leave_out_those_no_longer_accepted(
    consultation: Consultation,
) -> None:
    rejected = statement(consultation, 1)
    rejected.status = Statement.Status.REJECTED
    rejected.save()

    found = bridging_statements(consultation=consultation)

    assert [(b.statement.number, b.consensus) for b in found] == [(2, 0.81)]


# The journey.


def test_the_journey_starts_in_the_consultation_with_its_statements(
    workspace: Workspace, consultation: Consultation
) -> None:
    idea = record(
        workspace, origin_consultation=consultation, origin_statements=[statement(consultation, 2)]
    )

    born = idea_journey(user=workspace.observer, idea=idea)[0]

    assert born.kind == "born" and born.title == "Raised in consultation “Harbour futures”"
    assert born.consultation == consultation
    assert [s.text for s in born.statements] == [SEEDS[1]]


def test_the_journey_hides_a_standalone_consultation_from_other_members(
    workspace: Workspace,
) -> None:
    mine = consultation_with_map(workspace.facilitator, None, title="Open call")
    idea = record(workspace, origin_consultation=mine, origin_statements=[statement(mine, 1)])

    born = idea_journey(user=workspace.observer, idea=idea)[0]

    assert born.consultation is None and born.statements == ()
    assert "Open call" not in born.title


def test_the_idea_page_shows_the_consultation_step(
    workspace: Workspace, consultation: Consultation
) -> None:
    idea = record(
        workspace, origin_consultation=consultation, origin_statements=[statement(consultation, 2)]
    )

    response = workspace.client_for(workspace.observer).get(idea.get_absolute_url())

    content = response.content.decode()
    assert "Raised in consultation “Harbour futures”" in content
    assert SEEDS[1] in content
    assert reverse("consultation-results", args=[consultation.pk]) in content


def test_the_board_filters_ideas_by_origin(
    workspace: Workspace, consultation: Consultation
) -> None:
    record(
        workspace,
        title="From the consultation",
        origin_consultation=consultation,
        origin_statements=[statement(consultation, 2)],
    )
    record(workspace, title="From the meeting", origin_meeting=workspace.meeting)
    client = workspace.client_for(workspace.observer)

    content = client.get(reverse("idea-board"), {"origin": "consultation"}).content.decode()

    assert "From the consultation" in content and "From the meeting" not in content


# The "Turn into an idea" button and the form.


def test_the_results_page_offers_to_turn_bridging_statements_into_ideas(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.facilitator)

    content = client.get(reverse("consultation-results", args=[consultation.pk])).content.decode()

    link = reverse("idea-from-consultation", args=[consultation.pk]) + "?statement=2"
    assert "Turn into an idea" in content and link in content


def test_observers_see_no_button_on_the_results_page(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.observer)

    content = client.get(reverse("consultation-results", args=[consultation.pk])).content.decode()

    assert "Turn into an idea" not in content


def test_the_button_pre_fills_the_form_with_the_statement(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.facilitator)
    start = reverse("idea-from-consultation", args=[consultation.pk]) + "?statement=2"

    response = client.get(start, follow=True)

    form = response.context["form"]
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith(
        reverse("idea-create", args=[workspace.process.pk])
    )
    assert form.initial["origin"] == "consultation"
    assert form.initial["origin_consultation"] == consultation.pk
    assert form.initial["origin_statements"] == [statement(consultation, 2).pk]
    assert form.initial["summary"] == SEEDS[1]
    content = response.content.decode()
    assert "group-aware consensus 0.81" in content


def test_a_facilitator_records_an_idea_from_a_consultation_through_the_page(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        reverse("idea-create", args=[workspace.process.pk]),
        {
            "title": "Count the fish together",
            "summary": "A joint count.",
            "kind": "cbm",
            "issue": "economy",
            "sensitivity": "low",
            "origin": "consultation",
            "origin_meeting": workspace.meeting.pk,  # ignored: the origin chosen is the other
            "origin_consultation": consultation.pk,
            "origin_statements": [statement(consultation, 2).pk, statement(consultation, 1).pk],
        },
    )

    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == idea.get_absolute_url()
    assert idea.origin_meeting is None
    assert sorted(s.number for s in idea.origin_statements.all()) == [1, 2]


def test_the_page_says_why_an_idea_without_an_origin_is_refused(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        reverse("idea-create", args=[workspace.process.pk]),
        {"title": "x", "summary": "y", "kind": "cbm", "issue": "economy", "sensitivity": "low",
         "origin": "consultation"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "exactly one place" in response.content.decode()
    assert not Idea.objects.exists()


def test_outsiders_are_told_the_consultation_does_not_exist(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.outsider)

    response = client.get(reverse("idea-from-consultation", args=[consultation.pk]))

    assert response.status_code == 404


def test_observers_may_not_turn_statements_into_ideas(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.observer)

    response = client.get(reverse("idea-from-consultation", args=[consultation.pk]))

    assert response.status_code == 403


def test_turning_into_an_idea_rejects_post(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(reverse("idea-from-consultation", args=[consultation.pk]))

    assert response.status_code == 405


def test_a_standalone_consultation_asks_which_process(workspace: Workspace) -> None:
    mine = consultation_with_map(workspace.facilitator, None, title="Open call")
    client = workspace.client_for(workspace.facilitator)

    response = client.get(reverse("idea-from-consultation", args=[mine.pk]), {"statement": "1"})

    link = reverse("idea-create", args=[workspace.process.pk])
    assert response.status_code == 200
    assert f"{link}?consultation={mine.pk}&amp;statement=1" in response.content.decode()


def test_the_form_never_offers_a_consultation_the_user_may_not_see(
    workspace: Workspace, consultation: Consultation
) -> None:
    standalone = consultation_with_map(workspace.convener, None, title="Convener's own call")
    client = workspace.client_for(workspace.facilitator)

    url = reverse("idea-create", args=[workspace.process.pk])
    response = client.get(url, {"consultation": standalone.pk, "statement": "1"})

    offered = list(response.context["form"].fields["origin_consultation"].queryset)
    assert offered == [consultation]
    assert "Convener" not in response.content.decode()


# The API.


def test_the_api_records_an_idea_born_in_a_consultation(
    workspace: Workspace, consultation: Consultation
) -> None:
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        "/api/v1/ideas",
        {
            "process_id": workspace.process.pk,
            "origin_consultation_id": consultation.pk,
            "origin_statement_numbers": [2],
            "title": "Count the fish together",
            "summary": "A joint count.",
            "issue": "economy",
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["origin_meeting_id"] is None
    assert body["origin_consultation_id"] == consultation.pk
    assert body["origin_statement_numbers"] == [2]
    journey = client.get(f"/api/v1/ideas/{body['id']}/journey").json()
    assert journey[0]["consultation_id"] == consultation.pk
    assert journey[0]["statements"] == [SEEDS[1]]


def test_the_api_refuses_a_pending_statement(
    workspace: Workspace, consultation: Consultation
) -> None:
    pending = statement(consultation, 3)
    pending.status = Statement.Status.PENDING
    pending.save()
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        "/api/v1/ideas",
        {
            "process_id": workspace.process.pk,
            "origin_consultation_id": consultation.pk,
            "origin_statement_numbers": [3],
            "title": "x",
            "summary": "y",
            "issue": "economy",
        },
        content_type="application/json",
    )

    assert response.status_code == 422


def test_the_api_hides_another_process_s_consultation(workspace: Workspace) -> None:
    theirs = consultation_with_map(
        workspace.other_process.memberships.get().user, workspace.other_process
    )
    client = workspace.client_for(workspace.facilitator)

    response = client.post(
        "/api/v1/ideas",
        {
            "process_id": workspace.process.pk,
            "origin_consultation_id": theirs.pk,
            "origin_statement_numbers": [1],
            "title": "x",
            "summary": "y",
            "issue": "economy",
        },
        content_type="application/json",
    )

    assert response.status_code == 404
