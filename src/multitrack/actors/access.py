"""From an id to a person, organisation or conflict the user may see: 404 otherwise."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from multitrack.actors.models import Conflict, Organisation, Person
from multitrack.actors.selectors import (
    conflicts_visible_to,
    organisations_visible_to,
    people_visible_to,
)


def access_person_by_id(user: Any, person_id: int) -> Person:
    """The person, if on the roster of one of the user's processes; else Http404."""
    try:
        return people_visible_to(user=user).get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("No such person.") from None


def access_organisation_by_id(user: Any, organisation_id: int) -> Organisation:
    """The organisation, if the user may see it; else Http404."""
    try:
        return organisations_visible_to(user=user).get(pk=organisation_id)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation.") from None


def access_conflict_by_id(user: Any, conflict_id: int) -> Conflict:
    """The conflict, if the user may see it; else Http404."""
    try:
        return conflicts_visible_to(user=user).get(pk=conflict_id)
    except Conflict.DoesNotExist:
        raise Http404("No such conflict.") from None
