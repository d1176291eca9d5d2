"""From an id to an idea, official track, agreement or non-paper the user may see; else 404.

"Does not exist" and "not yours" get the same answer.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from multitrack.ideas.models import Agreement, Idea, NonPaper, OfficialTrack
from multitrack.ideas.selectors import (
    agreements_visible_to,
    ideas_visible_to,
    non_papers_visible_to,
    official_tracks_visible_to,
)


def access_idea_by_id(user: Any, idea_id: int) -> Idea:
    """The idea, if the user is a member of its process; else Http404."""
    try:
        return ideas_visible_to(user=user).get(pk=idea_id)
    except Idea.DoesNotExist:
        raise Http404("No such idea.") from None


def access_official_track_by_id(user: Any, official_track_id: int) -> OfficialTrack:
    """The official track, if the user may see its conflict; else Http404."""
    try:
        return official_tracks_visible_to(user=user).get(pk=official_track_id)
    except OfficialTrack.DoesNotExist:
        raise Http404("No such official track.") from None


def access_agreement_by_id(user: Any, agreement_id: int) -> Agreement:
    """The agreement, if the user may see its conflict; else Http404."""
    try:
        return agreements_visible_to(user=user).get(pk=agreement_id)
    except Agreement.DoesNotExist:
        raise Http404("No such agreement.") from None


def access_non_paper_by_id(user: Any, non_paper_id: int) -> NonPaper:
    """The non-paper, if the user is a member of its process; else Http404."""
    try:
        return non_papers_visible_to(user=user).get(pk=non_paper_id)
    except NonPaper.DoesNotExist:
        raise Http404("No such non-paper.") from None
