"""Rate limits for participants and addresses, counted in the database by every process alike.

Each limit is a fixed window (a minute for votes, an hour for statements) counted in one row of
:class:`~multitrack.consultations.models.RateCount` with a single atomic upsert, so two web
processes never lose each other's counts and a refused action costs one short statement. On
PostgreSQL the vote endpoint counts inside its one vote statement instead (see
``services.vote_cast_counted``), with the same keys and the same windows.

An address is never stored: it is reduced to an HMAC under a random key that is made for each
clock hour, kept in the cache shared by the processes and then forgotten, so yesterday's
counters cannot be tied to an address even by someone holding the database, the logs and the
secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest

from multitrack.consultations.models import RateCount

ADDRESS_KEY_SECONDS = 60 * 60
VOTE_WINDOW_SECONDS = 60
STATEMENT_WINDOW_SECONDS = 60 * 60
_ADDRESS_KEY = "consultations:address-key:{hour}"
_address_keys: dict[int, bytes] = {}  # this process's copy of the current hour's key
_address_keys_lock = threading.Lock()

# One statement on PostgreSQL and SQLite alike. A count from an older window than the stored
# one (a request that took its clock reading just before the minute turned) joins the newer
# window rather than resetting it.
HIT_SQL = """
INSERT INTO {table} AS r (key, window_end, count) VALUES (%s, %s, 1)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN excluded.window_end > r.window_end THEN 1 ELSE r.count + 1 END,
    window_end = CASE WHEN excluded.window_end > r.window_end
                      THEN excluded.window_end ELSE r.window_end END
RETURNING count, window_end
"""


@dataclass(frozen=True)
class RateLimited(Exception):  # noqa: N818  (it is a refusal, not an error of ours)
    """Too many actions in the window; ``retry_after`` seconds until the next is allowed."""

    message: str
    retry_after: int

    def __str__(self) -> str:
        return self.message


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or from X-Forwarded-For only behind trusted proxies."""
    proxies: int = getattr(settings, "MULTITRACK_TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def _address_key(hour: int) -> bytes:
    """The random key of this clock hour, the same in every process (made by the first)."""
    key = _address_keys.get(hour)
    if key is not None:
        return key
    name = _ADDRESS_KEY.format(hour=hour)
    # Kept until a minute after its hour, then gone from the cache and from every process.
    lifetime = int((hour + 1) * ADDRESS_KEY_SECONDS - time.time()) + 60
    cache.add(name, secrets.token_bytes(32), lifetime)
    key = cache.get(name)
    if key is None:  # the cache lost it at once (full, or a dummy cache): count in this process
        key = secrets.token_bytes(32)
    with _address_keys_lock:
        _address_keys.clear()
        _address_keys[hour] = key
    return key


def address_hash(address: str) -> str:
    """A keyed hash of an address valid for the current hour, for counting only."""
    key = _address_key(int(time.time() // ADDRESS_KEY_SECONDS))
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def window_end(window_seconds: int, now: float | None = None) -> int:
    """Unix time at which the current fixed window of this length ends."""
    now = time.time() if now is None else now
    return (int(now) // window_seconds + 1) * window_seconds


def seconds_until(end: int, now: float | None = None) -> int:
    """Whole seconds (at least 1) until a window ends: the Retry-After of a refusal."""
    now = time.time() if now is None else now
    return max(1, math.ceil(end - now))


def hit(key: str, window_seconds: int) -> tuple[int, int]:
    """Count one action under ``key`` in the current window: (count so far, window end)."""
    sql = HIT_SQL.format(table=RateCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, window_end(window_seconds)])
        count, end = cursor.fetchone()
    return int(count), int(end)


def _wait(key: str, limit: int, window_seconds: int) -> int:
    """Count one action; the seconds to wait when over the limit, else 0."""
    count, end = hit(key, window_seconds)
    return seconds_until(end) if count > limit else 0


def address_counter(address: str) -> str:
    """The counter of votes from one address (as its keyed hash)."""
    return f"vote:a:{address_hash(address)}"


def participant_counter(key_hash: str) -> str:
    """The counter of one participant's votes, by its stored key hash (known before any query)."""
    return f"vote:p:{key_hash[:32]}"


def too_many_from_address(wait: int) -> RateLimited:
    return RateLimited(
        f"Too many votes are coming from your network right now. "
        f"Please wait {wait} seconds and try again.",
        wait,
    )


def too_fast(wait: int) -> RateLimited:
    return RateLimited(
        f"You are voting faster than this consultation allows. "
        f"Please wait {wait} seconds and try again.",
        wait,
    )


def vote_refusal(*, by_address: int, by_participant: int, end: int) -> RateLimited | None:
    """The refusal for a vote counted at these numbers (in a window ending at ``end``), if any."""
    if by_address > settings.MULTITRACK_VOTES_PER_ADDRESS_PER_MINUTE:
        return too_many_from_address(seconds_until(end))
    if by_participant > settings.MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE:
        return too_fast(seconds_until(end))
    return None


def check_vote_address(address: str) -> None:
    """Refuse a vote over the per-address limit (per minute); checked before anything is made."""
    wait = _wait(
        address_counter(address),
        settings.MULTITRACK_VOTES_PER_ADDRESS_PER_MINUTE,
        VOTE_WINDOW_SECONDS,
    )
    if wait:
        raise too_many_from_address(wait)


def check_vote_participant(key_hash: str) -> None:
    """Refuse a vote over the per-participant limit (per minute).

    Counted by the participant's stored key hash (``Participant.key_hash``), which the vote
    endpoint knows from the cookie before any query.
    """
    wait = _wait(
        participant_counter(key_hash),
        settings.MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE,
        VOTE_WINDOW_SECONDS,
    )
    if wait:
        raise too_fast(wait)


def check_statement(*, participant_id: int, address: str) -> None:
    """Refuse a new statement over the per-participant limit (per hour) or the address limit."""
    wait = _wait(
        f"statement:p:{participant_id}",
        settings.MULTITRACK_STATEMENTS_PER_PARTICIPANT_PER_HOUR,
        STATEMENT_WINDOW_SECONDS,
    )
    if wait:
        minutes = max(1, wait // 60)
        raise RateLimited(
            f"You have written as many statements as allowed for now. "
            f"You can add another in about {minutes} minutes.",
            wait,
        )
    per_address = settings.MULTITRACK_STATEMENTS_PER_PARTICIPANT_PER_HOUR * 20
    wait = _wait(f"statement:a:{address_hash(address)}", per_address, STATEMENT_WINDOW_SECONDS)
    if wait:
        raise RateLimited(
            "Too many statements are coming from your network right now. Please try later.", wait
        )


def prune_rate_counts() -> int:
    """Forget counters whose window has ended; returns how many were removed."""
    deleted, _ = RateCount.objects.filter(window_end__lt=int(time.time())).delete()
    return deleted
