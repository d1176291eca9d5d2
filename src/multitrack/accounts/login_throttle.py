"""Brute-force protection for signing in, counted in the cache only (ASVS 6.3.1, 6.3.8).

Failures are counted per (username, address) and, with a much higher threshold, per username
alone. Past a threshold every further failure locks that key for a cool-off that grows with the
count (5 failures: 1 minute, 10: 15 minutes, 20: an hour). A locked attempt is refused before
the password is checked, with a message that reads the same whether or not the account exists.
A successful sign-in clears its (username, address) counter; the per-username counter only
decays, so a distributed guesser cannot reset it.

Nothing is written to the database or the logs. Usernames and addresses appear in the cache only
as an HMAC under a random key that lives in the cache for a day and is then replaced (the same
idea as ``consultations.limits``, with a longer key life so a lock outlives the rotation).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

# (failures, cool-off seconds): at or above ``failures`` every further failure locks for that long.
PAIR_TIERS: tuple[tuple[int, int], ...] = ((20, 60 * 60), (10, 15 * 60), (5, 60))
# Per username from any address: high enough that a stranger cannot cheaply lock a user out.
USERNAME_TIERS: tuple[tuple[int, int], ...] = ((100, 60 * 60), (50, 15 * 60))
# How long a failure counts; also the life of the hashing key.
FAILURE_WINDOW_SECONDS = 24 * 60 * 60

_KEY = "accounts:login-throttle:key"
_PREFIX = "accounts:login-throttle"

# Tests travel in time by replacing this.
clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class LoginLocked(Exception):  # noqa: N818  (a refusal, not an error of ours)
    """Signing in with this username is locked for ``retry_after`` more seconds."""

    message: str
    retry_after: int

    def __str__(self) -> str:
        return self.message


def _digest(kind: str, value: str) -> str:
    key = cache.get(_KEY)
    if key is None:
        cache.add(_KEY, secrets.token_bytes(32), FAILURE_WINDOW_SECONDS)
        key = cache.get(_KEY)
    return hmac.new(key, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()[:32]


def normalise(username: str) -> str:
    """One spelling per username, so case or Unicode variants do not escape the count."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _keys(username: str, address: str) -> tuple[str, str]:
    user = _digest("u", normalise(username))
    pair = _digest("p", f"{normalise(username)}\0{address}")
    return f"{_PREFIX}:pair:{pair}", f"{_PREFIX}:user:{user}"


def _remaining(key: str) -> int:
    until = cache.get(f"{key}:until")
    if until is None:
        return 0
    return max(0, math.ceil(until - clock()))


def check(username: str, address: str) -> None:
    """Raise ``LoginLocked`` if this username is locked from this address or everywhere."""
    pair_key, user_key = _keys(username, address)
    wait = _remaining(pair_key)
    if wait:
        here = "Too many failed attempts for this username from here."
        raise LoginLocked(f"{here} Try again in {_minutes(wait)}.", wait)
    wait = _remaining(user_key)
    if wait:
        raise LoginLocked(
            f"Too many failed attempts for this username. Try again in {_minutes(wait)}.", wait
        )


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _count(key: str) -> int:
    if cache.add(key, 1, FAILURE_WINDOW_SECONDS):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, FAILURE_WINDOW_SECONDS)
        return 1


def _lock_if_over(key: str, count: int, tiers: tuple[tuple[int, int], ...]) -> None:
    for threshold, cool_off in tiers:
        if count >= threshold:
            cache.set(f"{key}:until", clock() + cool_off, cool_off + 1)
            return


def record_failure(username: str, address: str) -> None:
    """Count a failed sign-in; past a threshold, lock for the tier's cool-off."""
    pair_key, user_key = _keys(username, address)
    _lock_if_over(pair_key, _count(pair_key), PAIR_TIERS)
    _lock_if_over(user_key, _count(user_key), USERNAME_TIERS)


def record_success(username: str, address: str) -> None:
    """Forget the (username, address) failures after a successful sign-in."""
    pair_key, _ = _keys(username, address)
    cache.delete_many([pair_key, f"{pair_key}:until"])
