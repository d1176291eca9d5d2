"""Reads: consultations limited to what a user may see, what a participant sees next, results."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour

from multitrack.accounts.access import roles_of
from multitrack.consultations import maps
from multitrack.consultations.models import (
    Consultation,
    OpinionMap,
    Participant,
    Statement,
    Vote,
    VoteRecord,
)

GROUP_NAMES = "ABCDEFGHIJ"
GROUP_COLOURS = ["#1f5f8b", "#c0392b", "#2d6a3e", "#8e44ad", "#d35400", "#16a085", "#7f8c8d"]
_random = random.SystemRandom()


def consultations_visible_to(*, user: Any) -> QuerySet[Consultation]:
    """Consultations of the user's processes, and standalone ones the user created."""
    consultations = Consultation.objects.select_related("process")
    if getattr(user, "is_superuser", False):
        return consultations
    if not getattr(user, "is_authenticated", False):
        return consultations.none()
    return consultations.filter(
        Q(process_id__in=list(roles_of(user))) | Q(process__isnull=True, created_by=user)
    )


def statements_shown_to_participants(consultation: Consultation) -> QuerySet[Statement]:
    """Statements participants may see and vote on (pending ones only under post-moderation)."""
    statements = consultation.statements.exclude(status=Statement.Status.REJECTED)
    if consultation.moderation == Consultation.Moderation.PRE:
        statements = statements.filter(status=Statement.Status.ACCEPTED)
    return statements


def is_votable(statement: Statement, consultation: Consultation) -> bool:
    """Whether a statement takes votes now (not rejected; not pending under pre-moderation)."""
    if statement.consultation_id != consultation.pk:
        return False
    if statement.status == Statement.Status.REJECTED:
        return False
    return not (
        statement.status == Statement.Status.PENDING
        and consultation.moderation == Consultation.Moderation.PRE
    )


def latest_map(
    consultation: Consultation, *, participants: str = OpinionMap.Participants.EVERYONE
) -> OpinionMap | None:
    """The most recent stored map of everyone's votes (or of invited participants' only)."""
    return (
        consultation.maps.filter(participants=participants).order_by("-computed_at", "-pk").first()
    )


def next_statement(
    *, consultation: Consultation, participant: Participant | None
) -> Statement | None:
    """The statement to show next: unvoted, drawn with the map's priorities (new ones often)."""
    candidates = statements_shown_to_participants(consultation)
    if participant is not None:
        candidates = candidates.exclude(votes__participant=participant).exclude(author=participant)
    rows = list(candidates.only("pk", "number", "text", "language", "is_meta")[:2000])
    if not rows:
        return None
    stored = latest_map(consultation)
    priorities = maps.priorities_of(stored.result) if stored else {}
    weights = [max(1e-6, priorities.get(s.number, maps.NEW_STATEMENT_PRIORITY)) for s in rows]
    return _random.choices(rows, weights=weights, k=1)[0]


def votes_of(participant: Participant) -> QuerySet[Vote]:
    """A participant's effective votes, newest first, with their statements."""
    return participant.votes.select_related("statement").order_by("-cast_at", "-pk")


def participant_progress(
    participant: Participant | None, consultation: Consultation
) -> tuple[int, int]:
    """(statements voted on, statements there are to vote on)."""
    total = statements_shown_to_participants(consultation).count()
    voted = 0 if participant is None else participant.votes.count()
    return voted, total


def moderation_queue(consultation: Consultation, *, status: str) -> QuerySet[Statement]:
    """Statements with a given moderation status, oldest first, with vote counts."""
    return (
        consultation.statements.filter(status=status)
        .annotate(n_votes=Count("votes"))
        .order_by("created_at", "number")
    )


def statement_counts(consultation: Consultation) -> dict[int, dict[str, int]]:
    """Effective agree, disagree and pass votes per statement number."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Vote.objects.filter(consultation=consultation)
        .values_list("statement__number", "value")
        .annotate(n=Count("pk"))
    )
    names = {1: "agree", -1: "disagree", 0: "pass"}
    for number, value, n in rows:
        counts.setdefault(number, dict.fromkeys(("agree", "disagree", "pass"), 0))[names[value]] = n
    return counts


def statements_similar_texts_may_reveal(
    consultation: Consultation, participant: Any = None
) -> QuerySet[Statement]:
    """The statements a near-duplicate answer may quote to a participant: those shown to every
    participant, and the participant's own.

    Never others' pending ones: under pre-moderation a pending statement may be rejected for
    naming someone, and "this is close to ..." must not reveal it, nor that it exists.
    Duplicates among other people's pending statements are for the moderators to catch.
    """
    shown = statements_shown_to_participants(consultation)
    if participant is None:
        return shown
    own = consultation.statements.filter(author=participant).exclude(
        status=Statement.Status.REJECTED
    )
    return (shown | own).distinct()


def existing_statement_texts(
    consultation: Consultation, participant: Any = None
) -> list[tuple[int, str]]:
    """(number, text) of the statements a participant's new one is compared with."""
    return list(
        statements_similar_texts_may_reveal(consultation, participant).values_list("number", "text")
    )


def participation_over_time(consultation: Consultation) -> list[dict[str, Any]]:
    """Votes cast and new participants per hour."""
    votes = dict(
        VoteRecord.objects.filter(consultation=consultation)
        .annotate(hour=TruncHour("cast_at"))
        .values_list("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )
    joined = dict(
        Participant.objects.filter(consultation=consultation)
        .annotate(hour=TruncHour("created_at"))
        .values_list("hour")
        .annotate(n=Count("pk"))
        .values_list("hour", "n")
    )
    return [
        {"hour": hour, "votes": votes.get(hour, 0), "participants": joined.get(hour, 0)}
        for hour in sorted(set(votes) | set(joined))
    ]


IDENTICAL_MIN_VOTES = 5
IDENTICAL_MIN_PARTICIPANTS = 3
FAST_VOTES_MIN = 5
FAST_MEDIAN_SECONDS = 1.0


@dataclass(frozen=True)
class AbuseSignals:
    """Signs of coordinated spoiling, for moderators to look into; nothing is excluded here.

    Attributes
    ----------
    identical_vectors : list of lists of participant numbers
        Groups of participants who cast exactly the same votes (at least 5 each).
    fast_voters : list of participant numbers
        Participants whose median time between votes is under a second.
    """

    identical_vectors: list[list[int]]
    fast_voters: list[int]


def abuse_signals(consultation: Consultation) -> AbuseSignals:
    """Identical vote vectors and inhumanly fast voting (Pol.is abuse lessons)."""
    vectors: dict[int, list[tuple[int, int]]] = {}
    for participant, statement, value in (
        Vote.objects.filter(consultation=consultation)
        .order_by("participant__number", "statement__number")
        .values_list("participant__number", "statement__number", "value")
    ):
        vectors.setdefault(participant, []).append((statement, value))
    same: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for participant, vector in vectors.items():
        if len(vector) >= IDENTICAL_MIN_VOTES:
            same.setdefault(tuple(vector), []).append(participant)
    times: dict[int, list[Any]] = {}
    for participant, cast_at in (
        VoteRecord.objects.filter(consultation=consultation)
        .order_by("participant__number", "cast_at")
        .values_list("participant__number", "cast_at")
    ):
        times.setdefault(participant, []).append(cast_at)
    fast = []
    for participant, moments in times.items():
        if len(moments) < FAST_VOTES_MIN:
            continue
        gaps = sorted((b - a).total_seconds() for a, b in pairwise(moments))
        if gaps[len(gaps) // 2] < FAST_MEDIAN_SECONDS:
            fast.append(participant)
    return AbuseSignals(
        identical_vectors=[
            group for group in same.values() if len(group) >= IDENTICAL_MIN_PARTICIPANTS
        ],
        fast_voters=fast,
    )


@dataclass
class GroupCard:
    """One opinion group: its name, size and what sets it apart."""

    id: int
    name: str
    colour: str
    size: int
    representative: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Results:
    """Everything a results page or report shows."""

    consultation: Consultation
    map: OpinionMap | None  # the map shown: of everyone, or of invited participants only
    participants: str  # whose map was asked for (OpinionMap.Participants)
    everyone_map: OpinionMap | None
    invited_map: OpinionMap | None  # None unless both anonymous and invited people voted
    statements: dict[int, Statement]
    groups: list[GroupCard]
    consensus_agree: list[Statement]
    consensus_disagree: list[Statement]
    bridging: list[dict[str, Any]]
    n_participants: int
    n_votes: int
    n_vote_records: int
    vote_records_by_origin: dict[str, int]
    figure: dict[str, Any] | None
    timeline: dict[str, Any] | None


def results_of(
    consultation: Consultation, *, participants: str = OpinionMap.Participants.EVERYONE
) -> Results:
    """The latest stored map of a consultation, joined with its statements, as cards.

    ``participants="invited"`` shows the map of the invited participants' votes only, made by
    the same fit as the latest map of everyone's (None when that fit made none).
    """
    everyone_map = latest_map(consultation)
    invited_map = (
        consultation.maps.filter(
            participants=OpinionMap.Participants.INVITED, computed_at=everyone_map.computed_at
        )
        .order_by("-pk")
        .first()
        if everyone_map
        else None
    )
    stored = invited_map if participants == OpinionMap.Participants.INVITED else everyone_map
    statements = {s.number: s for s in consultation.statements.all()}
    result = stored.result if stored else {}
    groups = [
        GroupCard(
            id=g["id"],
            name=GROUP_NAMES[g["id"] % len(GROUP_NAMES)],
            colour=GROUP_COLOURS[g["id"] % len(GROUP_COLOURS)],
            size=g["size"],
            representative=[
                {**r, "text": statements[r["statement"]].text}
                for r in g["representative"]
                if r["statement"] in statements
            ],
        )
        for g in result.get("groups", [])
    ]
    consensus = result.get("consensus", {})
    by_origin = dict(
        VoteRecord.objects.filter(consultation=consultation)
        .values_list("origin")
        .annotate(n=Count("pk"))
        .values_list("origin", "n")
    )
    over_time = participation_over_time(consultation)
    return Results(
        consultation=consultation,
        map=stored,
        participants=participants,
        everyone_map=everyone_map,
        invited_map=invited_map,
        statements=statements,
        groups=groups,
        consensus_agree=[statements[n] for n in consensus.get("agree", []) if n in statements],
        consensus_disagree=[
            statements[n] for n in consensus.get("disagree", []) if n in statements
        ],
        bridging=[
            {**b, "text": statements[b["statement"]].text}
            for b in result.get("bridging", [])
            if b["statement"] in statements
        ],
        n_participants=Participant.objects.filter(consultation=consultation).count(),
        n_votes=Vote.objects.filter(consultation=consultation).count(),
        n_vote_records=sum(by_origin.values()),
        vote_records_by_origin=by_origin,
        figure=map_figure(result, statements, groups) if stored else None,
        timeline=timeline_figure(over_time) if over_time else None,
    )


def map_figure(
    result: dict[str, Any], statements: dict[int, Statement], groups: list[GroupCard]
) -> dict[str, Any]:
    """A Plotly scatter: participants coloured by group, statements as labelled markers."""
    people = result.get("participants", {})
    traces: list[dict[str, Any]] = []
    by_group: dict[int, list[int]] = {}
    for index, group in enumerate(people.get("group", [])):
        by_group.setdefault(group, []).append(index)
    names = {g.id: g for g in groups}
    for group, indexes in sorted(by_group.items()):
        card = names.get(group)
        label = f"Group {card.name}" if card else "Not grouped yet"
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": label,
                "x": [people["x"][i] for i in indexes],
                "y": [people["y"][i] for i in indexes],
                "text": [f"Participant {people['ids'][i]} · {label}" for i in indexes],
                "hoverinfo": "text",
                "marker": {"size": 9, "color": card.colour if card else "#b0b8c2", "opacity": 0.8},
            }
        )
    shown = result.get("statements", {})
    ids = [n for n in shown.get("ids", []) if n in statements]
    index_of = {n: i for i, n in enumerate(shown.get("ids", []))}
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": "Statements",
            "x": [shown["x"][index_of[n]] for n in ids],
            "y": [shown["y"][index_of[n]] for n in ids],
            "text": [f"#{n}: {statements[n].text[:140]}" for n in ids],
            "hoverinfo": "text",
            "marker": {"symbol": "diamond-open", "size": 8, "color": "#5b6675"},
            "visible": "legendonly",
        }
    )
    return {
        "data": traces,
        "layout": {
            "xaxis": {"zeroline": False, "showticklabels": False, "title": {"text": ""}},
            "yaxis": {"zeroline": False, "showticklabels": False, "scaleanchor": "x"},
            "legend": {"orientation": "h"},
            "hovermode": "closest",
            "height": 460,
        },
    }


def timeline_figure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Votes and new participants per hour."""
    hours = [row["hour"].isoformat() for row in rows]
    return {
        "data": [
            {"type": "bar", "name": "Votes", "x": hours, "y": [r["votes"] for r in rows]},
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "New participants",
                "x": hours,
                "y": [r["participants"] for r in rows],
                "yaxis": "y2",
            },
        ],
        "layout": {
            "yaxis": {"title": {"text": "Votes"}},
            "yaxis2": {"title": {"text": "Participants"}, "overlaying": "y", "side": "right"},
            "legend": {"orientation": "h"},
            "height": 300,
        },
    }
