"""Properties of the engine that hold for any votes (Hypothesis), and edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from multitrack.opinion import ENGINE_VERSION, OpinionMap, VoteMatrix
from multitrack.opinion.metrics import adjusted_rand_index

FEW = settings(max_examples=15, deadline=None)


@st.composite
def vote_records(draw: st.DrawFn) -> dict:
    """Latest votes of a few opinion camps (so groups exist), as shuffled-able records."""
    n_participants = draw(st.integers(2, 40))
    n_statements = draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, 3, n_participants)
    leaning = rng.choice([-1, 0, 1], size=(3, n_statements))
    pairs = [
        (p, s)
        for p in range(n_participants)
        for s in range(n_statements)
        if rng.random() < 0.7 or s == 0
    ]
    votes = [
        int(leaning[camp[p], s]) if rng.random() < 0.8 else int(rng.choice([-1, 0, 1]))
        for p, s in pairs
    ]
    return {
        "participants": np.array([f"p{p}" for p, _ in pairs]),
        "statements": np.array([s for _, s in pairs]),
        "votes": np.array(votes),
        "rejected": draw(st.lists(st.integers(0, n_statements - 1), max_size=2)),
    }


def _fit(records: dict, order: np.ndarray | None = None, **renames: dict) -> OpinionMap:
    index = np.arange(records["votes"].size) if order is None else order
    participants = records["participants"][index]
    statements = records["statements"][index]
    if "participants" in renames:
        participants = np.array([renames["participants"][p] for p in participants])
    rejected = records["rejected"]
    if "statements" in renames:
        statements = np.array([renames["statements"][s] for s in statements])
        rejected = [renames["statements"][s] for s in rejected]
    matrix = VoteMatrix.from_records(participants, statements, records["votes"][index])
    return OpinionMap(random_state=0).fit(matrix, rejected=rejected)


def _summary(
    model: OpinionMap, participant_name: dict | None = None, statement_name: dict | None = None
) -> dict:
    """Everything the model says, keyed by (renamed back) ids so that row order is irrelevant."""

    def pname(p: object) -> object:
        return participant_name[p] if participant_name else p

    def sname(s: object) -> object:
        return statement_name[s] if statement_name else s

    groups = sorted(
        sorted(str(pname(p)) for p in model.participant_ids_[model.labels_ == g].tolist())
        for g in range(model.n_groups_)
    )
    return {
        "included": sorted(str(pname(p)) for p in model.participant_ids_[model.is_included_]),
        "groups": groups,
        "consensus": (
            [sname(s) for s in model.consensus_agree_.tolist()],
            [sname(s) for s in model.consensus_disagree_.tolist()],
        ),
        "representative": sorted(
            sorted((str(sname(r.statement)), r.direction) for r in group)
            for group in model.representative_
        ),
        "gac": {
            sname(s): round(float(v), 9)
            for s, v in zip(
                model.statement_ids_.tolist(), model.group_aware_consensus_, strict=True
            )
        },
        "priority": {
            sname(s): round(float(v), 6)
            for s, v in zip(model.statement_ids_.tolist(), model.priority_, strict=True)
        },
    }


@FEW
@given(records=vote_records(), seed=st.integers(0, 1000))
def test_order_of_votes_does_not_matter(records: dict, seed: int) -> None:
    order = np.random.default_rng(seed).permutation(records["votes"].size)
    assert _summary(_fit(records)) == _summary(_fit(records, order))


def _renamed(records: dict, seed: int, *, keep_order: bool) -> tuple[OpinionMap, dict, dict]:
    rng = np.random.default_rng(seed)
    people = sorted(set(records["participants"].tolist()))  # the engine's (text) order
    statements = sorted(set(records["statements"].tolist()) | set(records["rejected"]))
    if keep_order:
        people_numbers = np.cumsum(rng.integers(1, 9, len(people)))
        statement_numbers = np.cumsum(rng.integers(1, 9, len(statements)))
    else:
        people_numbers = rng.permutation(len(people)) * 7 + 3
        statement_numbers = rng.permutation(len(statements))
    new_people = dict(zip(people, people_numbers.tolist(), strict=True))
    new_statements = dict(zip(statements, [f"s{i:04d}" for i in statement_numbers], strict=True))
    renamed = _fit(records, participants=new_people, statements=new_statements)
    back_people = {v: k for k, v in new_people.items()}
    back_statements = {v: k for k, v in new_statements.items()}
    return renamed, back_people, back_statements


@FEW
@given(records=vote_records(), seed=st.integers(0, 1000))
def test_renumbering_in_the_same_order_changes_nothing(records: dict, seed: int) -> None:
    renamed, people, statements = _renamed(records, seed, keep_order=True)
    assert _summary(renamed, people, statements) == _summary(_fit(records))


@FEW
@given(records=vote_records(), seed=st.integers(0, 1000))
def test_any_renumbering_keeps_positions_and_statement_scores(records: dict, seed: int) -> None:
    # Exact ties (equal statistics) are broken by id order, as Pol.is breaks them by column
    # order, so rankings may differ between tied statements; nothing else may.
    renamed, people, statements = _renamed(records, seed, keep_order=False)
    original = _fit(records)
    ours = _summary(renamed, people, statements)
    theirs = _summary(original)
    # The top-up to 15 included participants also breaks ties in vote counts by id order.
    if ours["included"] == theirs["included"]:
        assert ours["priority"] == theirs["priority"]
    extremity = dict(zip(renamed.statement_ids_.tolist(), renamed.extremity_, strict=True))
    for s, value in zip(original.statement_ids_.tolist(), original.extremity_, strict=True):
        assert extremity[next(k for k, v in statements.items() if v == s)] == pytest.approx(value)
    position = {
        people[p]: xy
        for p, xy in zip(renamed.participant_ids_.tolist(), renamed.positions_, strict=True)
    }
    for p, xy in zip(original.participant_ids_.tolist(), original.positions_, strict=True):
        np.testing.assert_allclose(np.abs(position[p]), np.abs(xy), atol=1e-8)


@FEW
@given(records=vote_records(), seed=st.integers(0, 1000))
def test_a_later_vote_replaces_an_earlier_one(records: dict, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = records["votes"].size
    changed = rng.random(n) < 0.3
    earlier = np.where(changed, -records["votes"], records["votes"])
    stacked = {
        **records,
        "participants": np.concatenate([records["participants"], records["participants"][changed]]),
        "statements": np.concatenate([records["statements"], records["statements"][changed]]),
        "votes": np.concatenate([earlier, records["votes"][changed]]),
    }
    assert _summary(_fit(stacked)) == _summary(_fit(records))
    # With explicit times the input order no longer matters: time decides.
    times = np.concatenate([np.zeros(n), np.ones(int(changed.sum()))])
    reverse = np.arange(times.size)[::-1]
    matrix = VoteMatrix.from_records(
        stacked["participants"][reverse],
        stacked["statements"][reverse],
        stacked["votes"][reverse],
        times[reverse],
    )
    direct = VoteMatrix.from_records(
        records["participants"], records["statements"], records["votes"]
    )
    assert np.array_equal(matrix.values, direct.values)


@FEW
@given(records=vote_records())
def test_rejected_statements_never_appear(records: dict) -> None:
    model = _fit(records)
    rejected = set(records["rejected"])
    shown = set(model.statement_ids_.tolist())
    shown |= set(model.consensus_agree_.tolist()) | set(model.consensus_disagree_.tolist())
    shown |= {r.statement for group in model.representative_ for r in group}
    assert not rejected & shown


@FEW
@given(records=vote_records())
def test_same_seed_gives_identical_results_and_warm_start_agrees(records: dict) -> None:
    first, second = _fit(records), _fit(records)
    assert np.array_equal(first.positions_, second.positions_)
    assert np.array_equal(first.labels_, second.labels_)
    matrix = VoteMatrix.from_records(
        records["participants"], records["statements"], records["votes"]
    )
    warm = OpinionMap(random_state=1).fit(matrix, rejected=records["rejected"], previous=first)
    np.testing.assert_allclose(np.abs(warm.components_), np.abs(first.components_), atol=1e-6)
    # The warm start reproduces the groups when the cold k-means kept all k of them. When it
    # lost one (an emptied cluster is dropped, as in Pol.is), Pol.is's clean start splits a
    # cluster off again, so the warm groups can legitimately differ (found by Hypothesis).
    if first.n_groups_ == first.k_smoother_.smoothed_k:
        assert adjusted_rand_index(warm.labels_, first.labels_) == pytest.approx(1.0)


def test_one_participant() -> None:
    model = OpinionMap().fit(VoteMatrix.from_records([7, 7], ["a", "b"], [1, -1]))
    assert model.is_included_.tolist() == [True]
    assert model.n_groups_ == 1 and model.labels_.tolist() == [0]
    assert np.all(np.isfinite(model.positions_))


def test_everyone_passes() -> None:
    matrix = VoteMatrix.from_records([1, 1, 2, 2, 3], [1, 2, 1, 2, 1], [0, 0, 0, 0, 0])
    model = OpinionMap().fit(matrix)
    assert np.all(model.positions_ == 0)
    assert np.all(model.components_ == 0)
    assert model.n_groups_ == 1
    assert model.consensus_agree_.size == 0 and model.consensus_disagree_.size == 0


def test_a_statement_nobody_voted_on_is_not_a_column_and_can_be_rejected() -> None:
    matrix = VoteMatrix.from_records([1, 2, 3], ["a", "a", "b"], [1, -1, 1])
    model = OpinionMap().fit(matrix, rejected=["never-voted"], meta=["also-never"])
    assert model.statement_ids_.tolist() == ["a", "b"]


def test_empty_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no votes"):
        VoteMatrix.from_records([], [], [])


def test_votes_other_than_minus_one_zero_one_are_refused() -> None:
    with pytest.raises(ValueError, match="-1"):
        VoteMatrix.from_records([1], [1], [2])


def test_results_carry_the_engine_version() -> None:
    model = OpinionMap(random_state=3).fit(VoteMatrix.from_records([1, 2], [1, 1], [1, -1]))
    assert model.engine_version_ == ENGINE_VERSION
    assert model.random_state == 3


def test_adjusted_rand_index() -> None:
    assert adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)


@pytest.mark.parametrize("noise", [0.2, 0.0])
def test_lanczos_and_the_block_iteration_fallback_find_the_same_components(
    monkeypatch: pytest.MonkeyPatch, noise: float
) -> None:
    import scipy.sparse.linalg as spla

    from multitrack.opinion import geometry

    rng = np.random.default_rng(5)
    n_participants, n_statements = 300, 40
    camp = rng.integers(0, 3, n_participants)
    leaning = rng.choice([-1, 0, 1], size=(3, n_statements))
    rows, cols = np.nonzero(rng.random((n_participants, n_statements)) < 0.5)
    noisy = rng.random(rows.size) < noise  # without noise: rank 3, so Lanczos must restart
    votes = np.where(noisy, rng.integers(-1, 2, rows.size), leaning[camp[rows], cols])
    matrix = VoteMatrix.from_records(rows, cols, votes)
    centred, _ = geometry.centred_matrix(matrix, np.zeros(n_statements, dtype=bool))
    lanczos, _ = geometry.principal_components(centred, rng=np.random.default_rng(0))
    again, _ = geometry.principal_components(centred, rng=np.random.default_rng(0))
    assert np.array_equal(lanczos, again)

    def fail(*args: object, **kwargs: object) -> None:
        raise spla.ArpackNoConvergence("forced", np.zeros(0), np.zeros((0, 0)))

    monkeypatch.setattr(spla, "eigsh", fail)
    block, n_products = geometry.principal_components(centred, rng=np.random.default_rng(0))
    assert n_products > 0
    np.testing.assert_allclose(block, lanczos, atol=1e-8)
