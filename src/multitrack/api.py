"""The JSON API at /api/v1/: the same permissions as the web pages.

Authentication: the browser session (with its CSRF token) or a personal API token sent as
``Authorization: Bearer mt_...``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from multitrack.accounts.models import APIToken, hash_token


class PersonalToken(HttpBearer):
    """A personal API token, looked up by its hash."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            APIToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        APIToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


api = NinjaAPI(
    title="Multitrack API",
    version="1",
    description="People, organisations, conflicts, dialogue processes, meetings and attendance. "
    "Every operation answers only with what the caller's process roles allow.",
    auth=[PersonalToken(), SessionAuth()],  # session: ninja checks CSRF on unsafe methods
    urls_namespace="api",
)
