"""Template tags of the ideas app. Load with ``{% load ideas %}``.

``{% channel_warnings %}``
    The quiet-channel warnings for the signed-in user (``ideas/_channel_warnings.html``): official
    talks blocked while no informal channel including both parties has met within the conflict's
    threshold, from the processes the user is a member of. Renders nothing when there are none.
"""

from __future__ import annotations

from typing import Any

from django import template

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
