"""Rate limits for participants and addresses, counted in the cache only.

An address is never stored: it is reduced to an HMAC under a random key that lives in the cache
for an hour and is then replaced, so yesterday's counters cannot be tied to an address even by
someone holding the database, the logs and the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

ADDRESS_KEY_SECONDS = 60 * 60
_ADDRESS_KEY = "consultations:address-key"


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


def address_hash(address: str) -> str:
    """A short-lived keyed hash of an address, for counting only."""
    key = cache.get(_ADDRESS_KEY)
    if key is None:
        cache.add(_ADDRESS_KEY, secrets.token_bytes(32), ADDRESS_KEY_SECONDS)
        key = cache.get(_ADDRESS_KEY)
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def _hit(name: str, limit: int, window_seconds: int) -> int:
    """Count one action in a fixed window; the seconds to wait when over the limit, else 0."""
    window = int(time.time() // window_seconds)
    key = f"consultations:rate:{name}:{window}"
    if cache.add(key, 1, window_seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window_seconds + 1)
            count = 1
    if count > limit:
        return max(1, int((window + 1) * window_seconds - time.time()) + 1)
    return 0


def check_vote_address(address: str) -> None:
    """Refuse a vote over the per-address limit (per minute); checked before anything is made."""
    wait = _hit(
        f"vote:a:{address_hash(address)}", settings.MULTITRACK_VOTES_PER_ADDRESS_PER_MINUTE, 60
    )
    if wait:
        raise RateLimited(
            f"Too many votes are coming from your network right now. "
            f"Please wait {wait} seconds and try again.",
            wait,
        )


def check_vote_participant(key_hash: str) -> None:
    """Refuse a vote over the per-participant limit (per minute).

    Counted by the participant's stored key hash (``Participant.key_hash``), which the vote
    endpoint knows from the cookie before any query, so a refused vote costs no query.
    """
    wait = _hit(f"vote:p:{key_hash[:32]}", settings.MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE, 60)
    if wait:
        raise RateLimited(
            f"You are voting faster than this consultation allows. "
            f"Please wait {wait} seconds and try again.",
            wait,
        )


def check_statement(*, participant_id: int, address: str) -> None:
    """Refuse a new statement over the per-participant limit (per hour) or the address limit."""
    wait = _hit(
        f"statement:p:{participant_id}",
        settings.MULTITRACK_STATEMENTS_PER_PARTICIPANT_PER_HOUR,
        3600,
    )
    if wait:
        minutes = max(1, wait // 60)
        raise RateLimited(
            f"You have written as many statements as allowed for now. "
            f"You can add another in about {minutes} minutes.",
            wait,
        )
    per_address = settings.MULTITRACK_STATEMENTS_PER_PARTICIPANT_PER_HOUR * 20
    wait = _hit(f"statement:a:{address_hash(address)}", per_address, 3600)
    if wait:
        raise RateLimited(
            "Too many statements are coming from your network right now. Please try later.", wait
        )
