"""Multitrack's shared template tags: names under need-to-know, and track badges.

Load with ``{% load multitrack %}``.

``{% person_name person %}``
    The person's real name (``display_name``) if the signed-in user has need-to-know for them,
    else their pseudonym. Need-to-know is ``real_name_scope(request)`` (the same answer as
    ``real_name_person_ids``), computed once per request and cached on it, so a list of a
    hundred people costs one query. Showing a real name is noted for the audit trail
    (``actors.real_name_log``): one more query per request that showed any. Needs
    ``request`` in the template context (the ``request`` context processor is on); without it,
    the pseudonym is shown.

``{% track_badge track %}``
    ``<span class="badge track-1-5">Track 1.5</span>`` for a track value ("1", "1.5", "2" or a
    ``Track``); ``<span class="badge track-none">No track</span>`` for None or "".
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from multitrack.actors.models import Person
from multitrack.actors.real_name_log import real_name_scope, real_names_shown
from multitrack.processes.rules import Track

register = template.Library()


def real_name_ids_for_request(request: HttpRequest) -> set[int] | None:
    """The ids of people whose real names the request's user may see (None: everyone), cached."""
    return real_name_scope(request).person_ids


def name_for_request(request: HttpRequest | None, person: Person) -> str:
    """The real name with need-to-know for the request's user, else the pseudonym."""
    if request is None or not getattr(request.user, "is_authenticated", False):
        return person.pseudonym
    if person.is_forgotten:
        return person.pseudonym  # the placeholder: no real name left to show or to log
    if real_name_scope(request).allows(person.pk):
        real_names_shown(request, [person.pk])
        return person.display_name
    return person.pseudonym


@register.simple_tag(takes_context=True)
def person_name(context: template.Context, person: Person | None) -> str:
    """``{% person_name person %}``: real name with need-to-know, else the pseudonym."""
    if person is None:
        return ""
    return name_for_request(context.get("request"), person)


@register.simple_tag
def track_badge(track: Any) -> SafeString:
    """``{% track_badge track %}``: a coloured badge naming the track ("No track" for None)."""
    try:
        value = Track(str(track)) if track not in (None, "") else None
    except ValueError:
        value = None
    if value is None:
        return format_html('<span class="badge {}">{}</span>', "track-none", "No track")
    css = "track-" + value.value.replace(".", "-")
    return format_html('<span class="badge {}">{}</span>', css, value.label)
