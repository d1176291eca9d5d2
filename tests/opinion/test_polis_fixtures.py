"""Agreement with the Pol.is math engine on its own fixtures (polis-math-fixtures, MPL-2.0).

Two kinds of check. A cold fit is compared on everything that does not depend on Pol.is's
history. A fit warm-started from the state Pol.is itself carries between updates (in-conv set,
base clusters, group clustering: read from math-pca2.json) is compared on everything else. Why
the split is necessary is explained in docs/opinion.md ("Agreement with Pol.is").
"""

from __future__ import annotations

import numpy as np
import pytest

from multitrack.opinion import OpinionMap
from multitrack.opinion.geometry import included_participants
from multitrack.opinion.io import state_from_polis_math

from .helpers import FIXTURE_CASES, load_fixture, our_groups, polis_groups


@pytest.fixture(scope="module", params=FIXTURE_CASES)
def case(request: pytest.FixtureRequest) -> dict:
    data = load_fixture(request.param)
    data["cold"] = OpinionMap(random_state=0).fit(
        data["votes"], rejected=data["rejected"], meta=data["meta"]
    )
    data["warm"] = OpinionMap(random_state=0).fit(
        data["votes"],
        rejected=data["rejected"],
        meta=data["meta"],
        previous=state_from_polis_math(data["math"]),
    )
    return data


def _visible(model: OpinionMap, values: dict) -> tuple[np.ndarray, np.ndarray]:
    ids = model.statement_ids_.tolist()
    theirs = np.array([values[str(t)] for t in ids])
    return np.arange(len(ids)), theirs


def test_principal_components_match_up_to_sign(case: dict) -> None:
    model = case["cold"]
    theirs = np.asarray(case["math"]["pca"]["comps"])
    columns = np.searchsorted(case["math"]["tids"], model.statement_ids_)
    for ours, reference in zip(model.components_, theirs, strict=True):
        cosine = abs(ours @ reference[columns]) / np.linalg.norm(reference)
        assert cosine >= 0.999


def test_center_and_extremity_match(case: dict) -> None:
    model = case["cold"]
    columns = np.searchsorted(case["math"]["tids"], model.statement_ids_)
    center = -np.asarray(case["math"]["pca"]["center"])[columns]  # Pol.is: agree = -1
    np.testing.assert_allclose(model.center_, center, atol=1e-9)
    extremity = np.asarray(case["math"]["pca"]["comment-extremity"])[columns]
    np.testing.assert_allclose(model.extremity_, extremity, atol=1e-8)


def test_cold_inclusion_is_what_the_rule_gives_and_within_polis(case: dict) -> None:
    model = case["cold"]
    ours = set(model.participant_ids_[model.is_included_].tolist())
    assert ours <= set(case["math"]["in-conv"])
    counts = case["math"]["user-vote-counts"]
    assert [counts[str(p)] for p in model.participant_ids_.tolist()] == np.diff(
        case["votes"].indptr()
    ).tolist()


def test_replaying_the_vote_history_gives_polis_inclusion_where_it_can() -> None:
    data = load_fixture("below-100-ptpts")
    records = sorted(data["records"], key=lambda v: float(v["modified"]))
    ids = data["votes"].participant_ids
    counts = np.zeros(ids.size, dtype=np.int64)
    seen: set[int] = set()
    included = np.zeros(ids.size, dtype=bool)
    for record in records:
        counts[np.searchsorted(ids, record[data["pid"]])] += 1
        seen.add(record[data["tid"]])
        included = included_participants(counts, len(seen), included)
    assert sorted(ids[included].tolist()) == sorted(data["math"]["in-conv"])


def test_warm_fit_keeps_polis_inclusion_and_base_clusters(case: dict) -> None:
    model = case["warm"]
    assert sorted(model.participant_ids_[model.is_included_].tolist()) == sorted(
        case["math"]["in-conv"]
    )
    base = case["math"]["base-clusters"]
    ours = sorted(
        sorted(model.participant_ids_[model.base_labels_ == b].tolist())
        for b in range(model.base_centers_.shape[0])
    )
    assert ours == sorted(sorted(m) for m in base["members"])
    # Same centres up to the sign of each axis.
    theirs = np.column_stack((base["x"], base["y"]))
    ours_centres = np.abs(model.base_centers_)
    np.testing.assert_allclose(
        np.sort(ours_centres, axis=0), np.sort(np.abs(theirs), axis=0), atol=1e-6
    )


def test_warm_fit_finds_polis_groups_and_k(case: dict) -> None:
    model = case["warm"]
    assert model.n_groups_ == len(case["math"]["group-clusters"])
    # The silhouette itself prefers Pol.is's k: the imported smoother does not force it.
    assert model.k_smoother_.last_k == model.n_groups_
    assert our_groups(model.labels_, model.participant_ids_) == polis_groups(case["math"])


def _group_map(case: dict, model: OpinionMap) -> dict[str, int]:
    base = dict(
        zip(
            case["math"]["base-clusters"]["id"],
            case["math"]["base-clusters"]["members"],
            strict=True,
        )
    )
    mapping = {}
    for group in case["math"]["group-clusters"]:
        member = base[group["members"][0]][0]
        mapping[str(group["id"])] = int(
            model.labels_[np.searchsorted(model.participant_ids_, member)]
        )
    return mapping


def test_representative_statements_match(case: dict) -> None:
    model = case["warm"]
    for polis_id, group in _group_map(case, model).items():
        theirs = case["math"]["repness"][polis_id]
        ours = model.representative_[group]
        assert [(r["tid"], r["repful-for"]) for r in theirs] == [
            (int(r.statement), r.direction) for r in ours
        ]
        for reference, mine in zip(theirs, ours, strict=True):
            assert mine.n_success == reference["n-success"]
            assert mine.n_trials == reference["n-trials"]
            assert mine.p_success == pytest.approx(reference["p-success"], abs=1e-9)
            assert mine.p_test == pytest.approx(reference["p-test"], abs=1e-9)
            assert mine.ratio == pytest.approx(reference["repness"], abs=1e-9)
            assert mine.z == pytest.approx(reference["repness-test"], abs=1e-6)
            assert mine.is_best_agree == bool(reference.get("best-agree", False))


@pytest.mark.parametrize("fit", ["cold", "warm"])
def test_consensus_matches(case: dict, fit: str) -> None:
    # Consensus is over all participants, so it does not depend on Pol.is's history.
    model = case[fit]
    consensus = case["math"]["consensus"]
    assert model.consensus_agree_.tolist() == [c["tid"] for c in consensus["agree"]]
    assert model.consensus_disagree_.tolist() == [c["tid"] for c in consensus["disagree"]]


def test_group_aware_consensus_matches(case: dict) -> None:
    model = case["warm"]
    _, theirs = _visible(model, case["math"]["group-aware-consensus"])
    np.testing.assert_allclose(model.group_aware_consensus_, theirs, rtol=0, atol=1e-9)


def test_priorities_match(case: dict) -> None:
    model = case["warm"]
    _, theirs = _visible(model, case["math"]["comment-priorities"])
    np.testing.assert_allclose(model.priority_, theirs, rtol=1e-9)


def test_rejected_statements_appear_nowhere(case: dict) -> None:
    model = case["cold"]
    rejected = set(case["rejected"])
    assert not rejected & set(model.statement_ids_.tolist())
    assert not rejected & set(model.consensus_agree_.tolist() + model.consensus_disagree_.tolist())
    for group in model.representative_:
        assert not rejected & {r.statement for r in group}
