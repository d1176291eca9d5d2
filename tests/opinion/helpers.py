"""Shared helpers for the opinion engine tests: where the reference data lives, how to load it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from multitrack.opinion import VoteMatrix

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared" / "data"
# Shipped with the tests (MPL-2.0, licence beside them), so they never depend on a checkout nearby.
FIXTURES = REPO / "tests" / "data" / "polis-math-fixtures"
OPENDATA = SHARED / "polis-opendata"
LOCAL = REPO / "tests" / "data" / "polis"
FIXTURE_CASES = ["below-100-ptpts", "above-100-ptpts", "25ptpt-3gp-no-strict-with-meta"]


def require(path: Path) -> Path:
    """Skip the test, saying why, when reference data is not checked out beside the repo."""
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (expected /work/shared/data)")
    return path


def load_fixture(case: str) -> dict[str, Any]:
    """Votes, moderation and Pol.is's math output of one polis-math-fixtures case."""
    folder = require(FIXTURES / case)
    votes = json.loads((folder / "votes.json").read_text())
    comments = json.loads((folder / "comments.json").read_text())
    math_result = json.loads((folder / "math-pca2.json").read_text())
    # The cases were exported by two versions of Pol.is, with different field names.
    pid = "pid" if "pid" in votes[0] else "participant_id"
    tid = "tid" if "tid" in votes[0] else "statement_id"
    comment_id = "tid" if "tid" in comments[0] else "statement_id"
    moderation = "mod" if "mod" in comments[0] else "moderated"
    # votes.json is in the external sign (agree = +1): its counts match comments.json.
    matrix = VoteMatrix.from_records(
        [v[pid] for v in votes],
        [v[tid] for v in votes],
        [v["vote"] for v in votes],
        [float(v["modified"]) for v in votes],
    )
    return {
        "votes": matrix,
        "records": votes,
        "pid": pid,
        "tid": tid,
        "rejected": [c[comment_id] for c in comments if c[moderation] == -1],
        "meta": [c[comment_id] for c in comments if c["is_meta"]],
        "math": math_result,
    }


def polis_groups(math_result: dict[str, Any]) -> list[list[int]]:
    """Pol.is's opinion groups as sorted member lists, in a canonical order."""
    base = dict(
        zip(
            math_result["base-clusters"]["id"], math_result["base-clusters"]["members"], strict=True
        )
    )
    return sorted(
        sorted(p for b in group["members"] for p in base[b])
        for group in math_result["group-clusters"]
    )


def our_groups(labels: np.ndarray, ids: np.ndarray) -> list[list[int]]:
    """Our opinion groups in the same canonical form."""
    return sorted(sorted(ids[labels == g].tolist()) for g in range(int(labels.max()) + 1))
