"""Writes for accounts: personal API tokens."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from multitrack.accounts.audit import audit
from multitrack.accounts.models import APIToken, hash_token


@transaction.atomic
def api_token_create(*, actor: Any, name: str) -> tuple[APIToken, str]:
    """Issue a personal API token; the raw value is returned once and never stored."""
    raw = APIToken.generate_raw()
    token = APIToken(user=actor, name=name, token_hash=hash_token(raw))
    token.full_clean()
    token.save()
    audit(actor=actor, action="accounts.api_token.created", target=token)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Any, token: APIToken) -> APIToken:
    """Revoke one of the actor's own tokens."""
    if token.user_id != actor.pk:
        raise APIToken.DoesNotExist
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit(actor=actor, action="accounts.api_token.revoked", target=token)
    return token
