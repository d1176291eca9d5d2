"""The capacities in which a person can sit in a room, and which of them are official.

Plain Python, no database: the track rules and the CSV import both read it.
"""

from __future__ import annotations

from django.db import models


class Capacity(models.TextChoices):
    """The capacity in which a person acts, read at a given date from their affiliations."""

    # Serving officials.
    HEAD_OF_STATE_OR_GOVERNMENT = "head_of_state", "Head of state or government"
    MINISTER = "minister", "Minister"
    SENIOR_OFFICIAL = "senior_official", "Senior official"
    DIPLOMAT = "diplomat", "Diplomat"
    MID_LEVEL_OFFICIAL = "mid_level_official", "Mid-level official"
    MILITARY_OR_SECURITY = "military_security", "Military or security official"
    INTERGOVERNMENTAL_OFFICIAL = "igo_official", "Intergovernmental official"
    # Non-officials.
    ACADEMIC = "academic", "Academic"
    NGO_OR_CIVIL_SOCIETY = "ngo", "NGO / civil society"
    RELIGIOUS_LEADER = "religious_leader", "Religious leader"
    FORMER_OFFICIAL = "former_official", "Former official"
    COMMUNITY_LEADER = "community_leader", "Community leader"
    BUSINESS = "business", "Business"
    JOURNALIST = "journalist", "Journalist"
    YOUTH_REPRESENTATIVE = "youth_rep", "Youth group representative"
    WOMENS_GROUP_REPRESENTATIVE = "women_rep", "Women's group representative"


SERVING_OFFICIAL_CAPACITIES = frozenset(
    {
        Capacity.HEAD_OF_STATE_OR_GOVERNMENT,
        Capacity.MINISTER,
        Capacity.SENIOR_OFFICIAL,
        Capacity.DIPLOMAT,
        Capacity.MID_LEVEL_OFFICIAL,
        Capacity.MILITARY_OR_SECURITY,
        Capacity.INTERGOVERNMENTAL_OFFICIAL,
    }
)

# When a person holds several affiliations on one date, the most official one decides the
# capacity they bring into the room (a minister who also teaches is in the room as a minister).
CAPACITY_PRECEDENCE: tuple[Capacity, ...] = tuple(Capacity)


def is_serving_official(capacity: str) -> bool:
    """Whether a capacity is that of a serving official (former officials are not)."""
    return capacity in SERVING_OFFICIAL_CAPACITIES


def capacity_label(capacity: str) -> str:
    """The words a mediator reads for a capacity code."""
    return str(Capacity(capacity).label)
