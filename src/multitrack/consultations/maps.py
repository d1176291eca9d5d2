"""Between the database and the opinion engine: fit a map and turn it into storable JSON.

Participants and statements enter the engine by their numbers (the ids of a Pol.is export), so a
stored map reads the same as the export it can be compared with. No database access here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from multitrack.opinion import ENGINE_VERSION, FitState, KSmoother, OpinionMap, VoteMatrix

# Priority of a statement the engine has not seen yet (no votes): Pol.is's formula at S = 0.
NEW_STATEMENT_PRIORITY = ((1 - 0.5) * (0 + 1) * 0.5 * (1 + 8)) ** 2
MAX_BRIDGING = 10


@dataclass(frozen=True)
class Fitted:
    """What a fit gives back for storing."""

    engine_version: str
    result: dict[str, Any]
    state: dict[str, Any]
    n_participants: int
    n_statements: int
    n_votes: int


def _ints(values: np.ndarray) -> list[int]:
    return [int(v) for v in values]


def _floats(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) if math.isfinite(float(v)) else 0.0 for v in values]


def state_to_json(state: FitState) -> dict[str, Any]:
    """A fit's warm-start state as plain JSON."""
    smoother = state.k_smoother
    return {
        "participant_ids": _ints(state.participant_ids),
        "statement_ids": _ints(state.statement_ids),
        "components": [_floats(row) for row in state.components],
        "included": [bool(v) for v in state.included],
        "base_labels": _ints(state.base_labels),
        "group_clusterings": {
            str(k): [_ints(base), _ints(group)]
            for k, (base, group) in state.group_clusterings.items()
        },
        "k_smoother": None
        if smoother is None
        else [smoother.last_k, smoother.last_k_count, smoother.smoothed_k],
    }


def state_from_json(data: dict[str, Any] | None) -> FitState | None:
    """The warm-start state stored with an earlier map, or None when there is none."""
    if not data or "participant_ids" not in data:
        return None
    smoother = data.get("k_smoother")
    return FitState(
        participant_ids=np.asarray(data["participant_ids"], dtype=np.int64),
        statement_ids=np.asarray(data["statement_ids"], dtype=np.int64),
        components=np.asarray(data["components"], dtype=np.float64).reshape(2, -1),
        included=np.asarray(data["included"], dtype=bool),
        base_labels=np.asarray(data["base_labels"], dtype=np.int64),
        group_clusterings={
            int(k): (np.asarray(base, dtype=np.int64), np.asarray(group, dtype=np.int64))
            for k, (base, group) in data.get("group_clusterings", {}).items()
        },
        k_smoother=None if smoother is None else KSmoother(*smoother),
    )


def fit(
    *,
    participants: Iterable[int],
    statements: Iterable[int],
    values: Iterable[int],
    rejected: Iterable[int] = (),
    meta: Iterable[int] = (),
    previous: dict[str, Any] | None = None,
    random_state: int = 0,
) -> Fitted:
    """Fit the opinion map on effective votes (numbers, not database ids)."""
    votes = VoteMatrix.from_records(
        np.fromiter(participants, dtype=np.int64),
        np.fromiter(statements, dtype=np.int64),
        np.fromiter(values, dtype=np.int64),
    )
    rejected, meta = list(rejected), list(meta)
    state = state_from_json(previous)
    try:
        model = OpinionMap(random_state=random_state).fit(
            votes, rejected=rejected, meta=meta, previous=state
        )
    except (ValueError, IndexError):
        # A warm start that no longer fits (statements removed, an import replaced the votes):
        # start cold rather than fail the recompute.
        if state is None:
            raise
        model = OpinionMap(random_state=random_state).fit(votes, rejected=rejected, meta=meta)
    return Fitted(
        engine_version=model.engine_version_,
        result=result_of(model),
        state=state_to_json(model.state_),
        n_participants=votes.shape[0],
        n_statements=votes.shape[1],
        n_votes=votes.n_votes,
    )


def result_of(model: OpinionMap) -> dict[str, Any]:
    """The parts of a fitted map the pages and reports show, as JSON."""
    statement_ids = _ints(model.statement_ids_)
    n_columns = max(1, len(statement_ids))
    # Where a participant who agreed with only that statement would land (hover labels).
    statement_positions = (
        math.sqrt(n_columns) * (1 - model.center_)[np.newaxis, :] * model.components_
    )
    labels = model.labels_
    groups = []
    for group in range(model.n_groups_):
        groups.append(
            {
                "id": group,
                "size": int(np.sum(labels == group)),
                "representative": [
                    {
                        "statement": int(r.statement),
                        "direction": r.direction,
                        "n_success": int(r.n_success),
                        "n_trials": int(r.n_trials),
                        "p_success": round(float(r.p_success), 4),
                        "ratio": round(float(r.ratio), 4),
                        "z": round(float(r.z), 4),
                    }
                    for r in model.representative_for(group)
                ],
            }
        )
    bridging = sorted(
        (
            (float(gac), float(gad), sid)
            for sid, gac, gad, is_meta in zip(
                statement_ids,
                model.group_aware_consensus_,
                model.group_aware_disagreement_,
                model.is_meta_,
                strict=True,
            )
            if not is_meta
        ),
        reverse=True,
    )[:MAX_BRIDGING]
    return {
        "engine_version": ENGINE_VERSION,
        "participants": {
            "ids": _ints(model.participant_ids_),
            "x": _floats(model.positions_[:, 0]),
            "y": _floats(model.positions_[:, 1]),
            "group": _ints(labels),
            "included": [bool(v) for v in model.is_included_],
        },
        "statements": {
            "ids": statement_ids,
            "x": _floats(statement_positions[0]),
            "y": _floats(statement_positions[1]),
            "priority": _floats(model.priority_),
            "is_meta": [bool(v) for v in model.is_meta_],
        },
        "groups": groups,
        "consensus": {
            "agree": _ints(model.consensus_agree_),
            "disagree": _ints(model.consensus_disagree_),
        },
        "bridging": [
            {"statement": sid, "agree": round(gac, 6), "disagree": round(gad, 6)}
            for gac, gad, sid in bridging
        ],
    }


def priorities_of(result: dict[str, Any]) -> dict[int, float]:
    """Statement number to priority, from a stored result."""
    statements = result.get("statements") or {}
    return dict(zip(statements.get("ids", []), statements.get("priority", []), strict=False))
