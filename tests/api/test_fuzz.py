"""The published OpenAPI schema, fuzzed with schemathesis against the app in-process.

Every operation gets a bounded number of generated requests (valid and invalid) twice: as a
convener with a personal API token on a populated workspace, and anonymously. No answer may be
a server error, an undocumented status code, or a body, content type or header that differs
from the schema; valid input must be accepted unless a business rule the schema cannot express
refuses it (listed below, with the rule).

Each generated request runs inside a savepoint that is rolled back, so every example meets the
same workspace and nothing a fuzzer writes outlives its example, let alone the test.

Deterministic by default (fixed seed), so CI fails only on a change of the code;
``MULTITRACK_FUZZ_EXAMPLES`` and ``MULTITRACK_FUZZ_SEED`` widen a local run.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from multitrack.consultations import services as consultation_services
from multitrack.ideas import services as idea_services
from multitrack.ideas.models import Idea
from multitrack.practice import services as practice_services
from multitrack.wsgi import application
from tests.api.conftest import World, bearer
from tests.factories import PartyFactory

EXAMPLES = int(os.environ.get("MULTITRACK_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("MULTITRACK_FUZZ_SEED", "6"))

CHECKS = {
    # Pydantic's lax mode takes JSON values it can convert without loss (0 and 1 for false and
    # true, "5" for 5): accepted by design, see docs/security-findings.md.
    "negative_data_rejection": {"enabled": False},
}
# As a convener: explicit examples, the boundary values of every parameter (coverage), then
# EXAMPLES generated requests per operation.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    application,
    config=schemathesis.Config.from_dict({"seed": SEED, "checks": CHECKS}),
)
# Anonymously every operation but participation answers 401 before reading its input: a few
# generated requests each are enough.
anonymous_schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    application,
    config=schemathesis.Config.from_dict(
        {"seed": SEED, "checks": CHECKS, "phases": {"coverage": {"enabled": False}}}
    ),
)

# Schema-valid input that a rule of the domain still refuses (422, nothing changed): the
# schema cannot say "a person on this process's roster" or "a date after the last status".
BUSINESS_RULES: dict[str, str] = {
    "POST /api/v1/people": "the email must pass Django's email check, stricter than a string",
    "PATCH /api/v1/people/{person_id}": "the email must pass Django's email check",
    "PATCH /api/v1/meetings/{meeting_id}": "a meeting is confirmed only after its checks are read",
    "POST /api/v1/ideas": "an idea is born in exactly one place: a meeting or a consultation",
    "POST /api/v1/ideas/{idea_id}/stage-changes": "stages follow each other in order, by date",
    "POST /api/v1/conflicts/{conflict_id}/official-tracks": "two different parties of the conflict",
    "POST /api/v1/non-papers/{non_paper_id}/overrides": "only words the check flagged can be kept",
    "POST /api/v1/processes/{process_id}/stakeholder-categories": "its kind needs a party, a "
    "capacity or a tag",
    "POST /api/v1/processes/{process_id}/ties": "a tie joins two different people on the roster",
    "POST /api/v1/surveys/{survey_id}/responses": "answers to this survey's items, on its scale",
    "POST /api/v1/consultations/{consultation_id}/moderation": "a rejection says why",
    "POST /api/v1/official-tracks/{official_track_id}/status": "not dated in the future",
}

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The workspace is per test on purpose: each example runs in a rolled-back savepoint.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Keep the test's database connection across requests, as Django's test client does.

    The fuzzer calls the WSGI app directly, and Django closes the connection when a request
    starts and ends; on PostgreSQL that would close the test's transaction with it.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(world: World) -> Iterator[World]:
    """The API's standing world plus one of everything the other operations read."""
    ws = world.workspace
    second_party = PartyFactory(conflict=ws.process.conflict)
    consultation = consultation_services.consultation_create(
        actor=ws.convener,
        process=ws.process,
        title="Harbour futures",
        question="What should happen to the harbour?",
        languages=["en"],
        seed_statements=["Open the harbour to both shores.", "Decide fishing quotas jointly."],
    )
    idea = idea_services.idea_record(
        actor=ws.convener,
        process=ws.process,
        origin_meeting=ws.meeting,
        title="Joint water commission",
        summary="A commission shares the river's water in dry years.",
        issue=Idea.Issue.ECONOMY,
    )
    official_track = idea_services.official_track_create(
        actor=ws.convener,
        conflict=ws.process.conflict,
        name="Geneva talks",
        parties=[second_party, *ws.process.conflict.parties.exclude(pk=second_party.pk)[:1]],
    )
    agreement = idea_services.agreement_record(
        actor=ws.convener,
        official_track=official_track,
        title="Ceasefire",
        date=datetime.date(2025, 1, 10),
        signatories=list(official_track.parties.all()),
    )
    idea_services.provision_add(actor=ws.convener, agreement=agreement, number="1", text="Quiet.")
    idea_services.non_paper_create(
        actor=ws.convener, process=ws.process, title="Options", context="", ideas=[idea]
    )
    practice_services.survey_create(actor=ws.convener, meeting=ws.meeting, phase="after")
    assert consultation.pk and agreement.pk
    cache.clear()
    yield world
    cache.clear()  # rate-limit counters of the participant operations


@pytest.fixture
def convener_token(fuzz_world: World, token_for: Any) -> dict[str, str]:
    return bearer(token_for(fuzz_world.workspace.convener))


def call_and_check(case: Any, **kwargs: Any) -> Any:
    excluded = []
    if case.operation.label in BUSINESS_RULES:
        excluded.append(positive_data_acceptance)
    with transaction.atomic():
        try:
            return case.call_and_validate(excluded_checks=excluded, **kwargs)
        finally:
            transaction.set_rollback(True)


@schema.parametrize()
@FUZZ_SETTINGS
def test_a_convener_gets_no_server_error_and_only_documented_answers(
    case: Any, convener_token: dict[str, str]
) -> None:
    call_and_check(case, headers=convener_token)


@anonymous_schema.parametrize()
@settings(FUZZ_SETTINGS, max_examples=max(3, EXAMPLES // 3))
def test_an_anonymous_caller_gets_no_server_error_and_only_documented_answers(
    case: Any, fuzz_world: World
) -> None:
    response = call_and_check(case)
    is_operation = case.method.upper() == case.operation.method.upper()
    if is_operation and "/participate/" not in case.operation.path:
        assert response.status_code == 401


def test_every_business_rule_names_an_operation_of_the_schema() -> None:
    labels = {operation.ok().label for operation in schema.get_all_operations()}
    assert set(BUSINESS_RULES) <= labels
