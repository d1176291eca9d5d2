"""Rate limits count in the database (one atomic upsert), shared by every process alike."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from multitrack.consultations import limits
from multitrack.consultations.models import Consultation, RateCount


def _vote(client: Client, consultation: Consultation, number: int, **extra: Any) -> Any:
    return client.post(
        f"/api/v1/consultations/participate/{consultation.public_key}/votes",
        json.dumps({"statement": number, "value": 1}),
        content_type="application/json",
        **extra,
    )


def test_limits_hold_when_the_cache_is_emptied(settings: Any, consultation: Consultation) -> None:
    settings.MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE = 2
    client = Client()
    assert _vote(client, consultation, 1).status_code == 201
    assert _vote(client, consultation, 2).status_code == 201
    cache.clear()  # a cache may drop entries whenever it likes; the counts are not there
    assert _vote(client, consultation, 3).status_code == 429


def test_an_address_is_counted_only_as_a_keyed_hash(consultation: Consultation) -> None:
    assert _vote(Client(), consultation, 1, REMOTE_ADDR="203.0.113.7").status_code == 201
    keys = list(RateCount.objects.values_list("key", flat=True))
    assert len(keys) == 2  # the address and the participant
    assert not any("203.0.113" in key for key in keys)
    assert limits.address_counter("203.0.113.7") in keys


@pytest.mark.django_db
def test_a_new_window_counts_from_one_and_an_older_one_joins_it() -> None:
    assert limits.hit("k", 60)[0] == 1
    assert limits.hit("k", 60)[0] == 2
    RateCount.objects.filter(key="k").update(window_end=int(time.time()) - 1)
    count, end = limits.hit("k", 60)
    assert count == 1 and end > time.time()
    # A request that read the clock just before the window turned joins the newer window.
    RateCount.objects.filter(key="k").update(window_end=end + 60)
    assert limits.hit("k", 60) == (2, end + 60)


@pytest.mark.django_db
def test_counters_of_ended_windows_are_pruned() -> None:
    limits.hit("current", 60)
    RateCount.objects.create(key="ended", window_end=int(time.time()) - 5, count=7)
    assert limits.prune_rate_counts() == 1
    assert list(RateCount.objects.values_list("key", flat=True)) == ["current"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_counts_are_never_lost() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL, as in production")
    errors: list[BaseException] = []

    def count_some() -> None:
        try:
            for _ in range(25):
                limits.hit("shared", 60)
        except BaseException as error:  # pragma: no cover  (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=count_some) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert RateCount.objects.get(key="shared").count == 200
