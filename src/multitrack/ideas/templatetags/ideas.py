"""Template tags of the ideas app. Load with ``{% load ideas %}``.

``{% channel_warnings %}``
    The quiet-channel warnings for the signed-in user (``ideas/_channel_warnings.html``): official
    talks blocked while no informal channel including both parties has met within the conflict's
    threshold, from the processes the user is a member of. Renders nothing when there are none.

``{% bridging_to_ideas consultation results %}``
    On a consultation's results page: each bridging statement with a "Turn into an idea" button,
    for users who record ideas where the consultation may lead (``ideas/_bridging_to_ideas.html``).
"""

from __future__ import annotations

from typing import Any

from django import template

from multitrack.accounts.access import can, processes_where
from multitrack.accounts.permissions import Permission
from multitrack.ideas.selectors import quiet_channel_warnings

register = template.Library()


@register.inclusion_tag("ideas/_channel_warnings.html", takes_context=True)
def channel_warnings(context: template.Context) -> dict[str, Any]:
    """``{% channel_warnings %}``: the quiet-channel warnings for the request's user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"channel_warnings": []}
    return {"channel_warnings": quiet_channel_warnings(user=user)}


@register.inclusion_tag("ideas/_bridging_to_ideas.html", takes_context=True)
def bridging_to_ideas(context: template.Context, consultation: Any, results: Any) -> dict[str, Any]:
    """``{% bridging_to_ideas consultation results %}``: "Turn into an idea" buttons for the
    bridging statements, when the user records ideas in the consultation's process (for a
    consultation standing alone: in any process)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        may_record = False
    elif consultation.process_id is not None:
        may_record = can(user, Permission.RECORD_IDEAS, consultation.process_id)
    else:
        may_record = bool(user.is_superuser or processes_where(user, Permission.RECORD_IDEAS))
    bridging = results.bridging if may_record else []
    return {"consultation": consultation, "bridging": bridging}
