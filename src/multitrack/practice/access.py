"""From an id to a survey the user may see: 404 when missing or not theirs, the same way."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from multitrack.practice.models import Survey
from multitrack.practice.selectors import surveys_visible_to


def access_survey_by_id(user: Any, survey_id: int) -> Survey:
    """The survey, if the user is a member of its process; else Http404."""
    try:
        return surveys_visible_to(user=user).get(pk=survey_id)
    except Survey.DoesNotExist:
        raise Http404("No such survey.") from None
