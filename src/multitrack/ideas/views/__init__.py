"""The pages of ideas, official talks, channels and non-papers: thin views over access checks,
services and selectors."""

from multitrack.ideas.views.ideas import (
    idea_board,
    idea_create,
    idea_detail,
    idea_from_consultation,
    idea_stage_change,
    idea_transfer,
    idea_version_add,
)
from multitrack.ideas.views.non_papers import (
    non_paper_create,
    non_paper_detail,
    non_paper_export,
    non_paper_override,
)
from multitrack.ideas.views.talks import (
    agreement_add,
    agreement_detail,
    channel_overview,
    official_track_detail,
    official_track_list,
    round_add,
    status_add,
)

__all__ = [
    "agreement_add",
    "agreement_detail",
    "channel_overview",
    "idea_board",
    "idea_create",
    "idea_detail",
    "idea_from_consultation",
    "idea_stage_change",
    "idea_transfer",
    "idea_version_add",
    "non_paper_create",
    "non_paper_detail",
    "non_paper_export",
    "non_paper_override",
    "official_track_detail",
    "official_track_list",
    "round_add",
    "status_add",
]
