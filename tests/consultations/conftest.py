"""Consultation fixtures: a consultation in the standing workspace, participants, fresh cache.

Tasks run at once (django-tasks' immediate backend) unless a test asks for the database
backend; the cache holds rate-limit counters and debounce keys, so every test starts clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from multitrack.consultations import services
from multitrack.consultations.models import Consultation, Participant, Statement

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

SEEDS = [
    "The harbour should be open to boats from both shores.",
    "Fishing quotas must be decided jointly.",
    "A joint patrol would reduce incidents at sea.",
    "Compensation for lost nets should come first.",
]


@pytest.fixture(autouse=True)
def _clean_cache_and_immediate_tasks(settings: Any) -> Iterator[None]:
    settings.TASKS = IMMEDIATE
    # Standing users are made per test; Argon2 would spend seconds hashing their passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MULTITRACK_MAP_DEBOUNCE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def consultation(workspace: Any) -> Consultation:
    return services.consultation_create(
        actor=workspace.convener,
        process=workspace.process,
        title="Harbour futures",
        question="What should happen to the harbour?",
        languages=["en"],
        seed_statements=SEEDS,
    )


@pytest.fixture
def participant(consultation: Consultation) -> Participant:
    return services.participant_join(consultation=consultation)[0]


def statement(consultation: Consultation, number: int) -> Statement:
    return Statement.objects.get(consultation=consultation, number=number)
