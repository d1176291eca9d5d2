"""Brute-force protection on the sign-in forms (ASVS 6.3.1) without account enumeration (6.3.8)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from multitrack.accounts import login_throttle
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HERE = "10.1.2.3"
ELSEWHERE = "10.9.8.7"


class Clock:
    """A clock the throttle reads instead of the real one, moved forward by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def travel(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    cache.clear()
    fake = Clock()
    monkeypatch.setattr(login_throttle, "clock", fake)
    yield fake
    cache.clear()


@pytest.fixture
def alice(db: None) -> Any:
    return UserFactory(username="alice")


def sign_in(username: str, password: str, address: str = HERE, **extra: str) -> Any:
    return Client(REMOTE_ADDR=address, **extra).post(
        reverse("login"), {"username": username, "password": password}
    )


def errors(response: Any) -> list[str]:
    if response.status_code != 200:
        return []
    return [str(e) for e in response.context["form"].non_field_errors()]


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and SESSION_KEY in response.wsgi_request.session


def fail(username: str, times: int, address: str = HERE) -> None:
    for _ in range(times):
        response = sign_in(username, "wrong password", address)
        assert not signed_in(response)


def is_locked(response: Any) -> bool:
    return any("Too many failed attempts" in e for e in errors(response))


def test_four_failures_do_not_lock(alice: Any) -> None:
    fail("alice", 4)
    assert signed_in(sign_in("alice", PASSWORD))


def test_five_failures_lock_even_the_right_password(alice: Any) -> None:
    fail("alice", 5)
    response = sign_in("alice", PASSWORD)
    assert not signed_in(response)
    assert errors(response) == [
        "Too many failed attempts for this username from here. Try again in 1 minute."
    ]


def test_a_locked_attempt_is_refused_before_the_password_is_checked(alice: Any) -> None:
    fail("alice", 5)
    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        response = sign_in("alice", PASSWORD)
    assert is_locked(response)
    authenticate.assert_not_called()


def test_the_cool_off_expires(alice: Any, clock: Clock) -> None:
    fail("alice", 5)
    clock.travel(59)
    assert is_locked(sign_in("alice", PASSWORD))
    clock.travel(2)
    assert signed_in(sign_in("alice", PASSWORD))


def test_the_cool_off_grows_with_the_failures(alice: Any, clock: Clock) -> None:
    fail("alice", 5)
    for _ in range(5):  # one guess a minute after the first tier
        clock.travel(61)
        fail("alice", 1)
    assert "Try again in 15 minutes." in errors(sign_in("alice", PASSWORD))[0]
    clock.travel(14 * 60)
    assert is_locked(sign_in("alice", PASSWORD))
    for _ in range(10):
        clock.travel(15 * 60 + 1)
        fail("alice", 1)
    assert "Try again in 60 minutes." in errors(sign_in("alice", PASSWORD))[0]
    clock.travel(60 * 60 + 1)
    assert signed_in(sign_in("alice", PASSWORD))


def test_unknown_usernames_are_treated_exactly_alike(alice: Any, clock: Clock) -> None:
    for name in ("alice", "nobody"):
        responses = [sign_in(name, "wrong password") for _ in range(6)]
        assert [r.status_code for r in responses] == [200] * 6
        assert [errors(r) for r in responses[:5]] == [errors(sign_in("nobody2", "x"))] * 5
        assert errors(responses[5]) == [
            "Too many failed attempts for this username from here. Try again in 1 minute."
        ]
        cache.clear()


def test_another_address_is_not_locked_by_this_one(alice: Any) -> None:
    fail("alice", 5)
    assert is_locked(sign_in("alice", PASSWORD))
    assert signed_in(sign_in("alice", PASSWORD, ELSEWHERE))


def test_other_usernames_from_this_address_are_not_locked(alice: Any) -> None:
    UserFactory(username="bob")
    fail("alice", 5)
    assert signed_in(sign_in("bob", PASSWORD))


def test_case_and_unicode_variants_share_the_count(alice: Any) -> None:
    fail("Alice", 2)
    fail("ALICE", 2)
    fail("\uff41\uff4c\uff49\uff43\uff45", 1)  # "alice" in fullwidth letters
    assert is_locked(sign_in("alice", PASSWORD))


def test_the_per_username_ceiling_locks_every_address(alice: Any) -> None:
    for n in range(50):  # a distributed guesser: 4 tries from each of many addresses
        sign_in("alice", "wrong password", f"10.0.{n // 4}.{n % 4 + 1}")
    response = sign_in("alice", PASSWORD, ELSEWHERE)
    assert errors(response) == [
        "Too many failed attempts for this username. Try again in 15 minutes."
    ]


def test_a_success_clears_the_count_for_this_address(alice: Any) -> None:
    fail("alice", 4)
    assert signed_in(sign_in("alice", PASSWORD))
    fail("alice", 4)
    assert signed_in(sign_in("alice", PASSWORD))


def test_a_forwarded_for_header_is_ignored_without_a_trusted_proxy(alice: Any) -> None:
    for n in range(5):
        sign_in("alice", "wrong password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert is_locked(sign_in("alice", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"))


def test_behind_a_trusted_proxy_a_spoofed_leftmost_address_does_not_help(
    alice: Any, settings: Any
) -> None:
    settings.MULTITRACK_TRUSTED_PROXY_COUNT = 1
    proxy = "172.16.0.1"
    for n in range(5):
        forwarded = f"192.0.2.{n}, {HERE}"
        sign_in("alice", "wrong password", proxy, HTTP_X_FORWARDED_FOR=forwarded)
    assert is_locked(sign_in("alice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {HERE}"))
    assert signed_in(sign_in("alice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE))


def test_the_admin_sign_in_is_throttled_too(db: None) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR=HERE)
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": "root", "password": "wrong password"})
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_no_username_or_address_is_kept_in_the_clear(
    alice: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fail("alice", 6)
    stored = " ".join(str(key) + repr(value) for key, value in cache._cache.items())  # type: ignore[attr-defined]
    assert stored
    assert HERE not in stored and "alice" not in stored
    assert HERE not in caplog.text and "alice" not in caplog.text


@pytest.mark.parametrize("kind", ["memory", "database"])
def test_a_lock_survives_a_flood_of_other_cache_entries(
    alice: Any, kind: str, settings: Any
) -> None:
    # Django's caches cull a third of their entries past 300 by default, at random in the
    # database cache: a flood of consultation traffic must not erase a lock or its hashing key.
    from django.conf import settings as live
    from django.core.cache import caches
    from django.core.management import call_command

    if kind == "database":
        settings.CACHES = {
            "default": {
                **live.CACHES["default"],
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "multitrack_cache",
            }
        }
        call_command("createcachetable", verbosity=0)
    fail("alice", 5)
    caches["default"].set_many({f"flood:{n}": n for n in range(1_000)}, 600)

    assert is_locked(sign_in("alice", PASSWORD))
