"""The track rules: which track a meeting ran at, derived from who was in the room.

Pure functions over plain data, no database, so the rules read like the README and are
tested with tables of cases.

- Only serving officials, all acting officially: Track 1.
- Serving officials together with non-officials, or officials in a personal capacity: Track 1.5.
- No serving official in the room: Track 2. Former officials count as non-officials.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from multitrack.actors.capacity import Capacity, is_serving_official


class Track(models.TextChoices):
    """Diplomatic tracks, as declared by organisers and as derived from attendance."""

    TRACK_1 = "1", "Track 1"
    TRACK_1_5 = "1.5", "Track 1.5"
    TRACK_2 = "2", "Track 2"


@dataclass(frozen=True)
class Attendee:
    """One person in the room: their capacity on the day (None if unknown) and how they sat."""

    capacity: Capacity | None
    is_acting_officially: bool = False


@dataclass(frozen=True)
class TrackReading:
    """A derived track and the words that explain it."""

    track: Track | None
    explanation: str
    serving_officials: int
    non_officials: int
    unknown_capacity: int

    def differs_from(self, declared: str) -> bool:
        """Whether a declared track disagrees with this reading (no reading, no warning)."""
        return self.track is not None and self.track != declared


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


OFFICIAL_LEVEL_WORDS = {
    Capacity.HEAD_OF_STATE_OR_GOVERNMENT: "head of state or government",
    Capacity.MINISTER: "minister",
    Capacity.SENIOR_OFFICIAL: "senior",
    Capacity.DIPLOMAT: "diplomat",
    Capacity.MID_LEVEL_OFFICIAL: "mid-level",
    Capacity.MILITARY_OR_SECURITY: "military or security",
    Capacity.INTERGOVERNMENTAL_OFFICIAL: "intergovernmental",
}


def _official_levels(capacities: Counter[Capacity]) -> str:
    levels = ", ".join(
        OFFICIAL_LEVEL_WORDS[capacity]
        for capacity in OFFICIAL_LEVEL_WORDS
        if capacity in capacities
    )
    return f" ({levels})" if levels else ""


def derive_track(attendees: Iterable[Attendee]) -> TrackReading:
    """Derive a meeting's track from the people who attended it.

    >>> room = [Attendee(Capacity.MID_LEVEL_OFFICIAL), Attendee(Capacity.ACADEMIC)]
    >>> derive_track(room).explanation
    'Track 1.5: 1 serving official (mid-level), 1 non-official'
    """
    people = list(attendees)
    officials = [a for a in people if a.capacity is not None and is_serving_official(a.capacity)]
    unknown = sum(1 for a in people if a.capacity is None)
    non_officials = len(people) - len(officials) - unknown
    levels = _official_levels(Counter(a.capacity for a in officials if a.capacity))

    if not people:
        return TrackReading(None, "No track yet: nobody is recorded as attending.", 0, 0, 0)
    if unknown and not officials and not non_officials:
        return TrackReading(
            None,
            "No track yet: the capacity of "
            f"{_plural(unknown, 'participant is', 'participants are')} unknown.",
            0,
            0,
            unknown,
        )

    parts = []
    if officials:
        parts.append(_plural(len(officials), "serving official", "serving officials") + levels)
    if non_officials:
        parts.append(_plural(non_officials, "non-official", "non-officials"))
    if unknown:
        parts.append(_plural(unknown, "participant", "participants") + " of unknown capacity")

    if not officials:
        track = Track.TRACK_2
    elif non_officials == 0 and unknown == 0 and all(a.is_acting_officially for a in officials):
        track = Track.TRACK_1
    else:
        track = Track.TRACK_1_5
        in_personal_capacity = sum(1 for a in officials if not a.is_acting_officially)
        if non_officials == 0 and unknown == 0 and in_personal_capacity:
            parts.append(
                _plural(in_personal_capacity, "official", "officials") + " in a personal capacity"
            )

    return TrackReading(
        track,
        f"{track.label}: " + ", ".join(parts),
        len(officials),
        non_officials,
        unknown,
    )
