"""The opinion map: place participants, group them, find what each group stands for."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

from multitrack.opinion import geometry, statements
from multitrack.opinion.clustering import KSmoother, choose_k, kmeans, silhouette
from multitrack.opinion.matrix import VoteMatrix
from multitrack.opinion.statements import Representative

__all__ = ["ENGINE_VERSION", "FitState", "OpinionMap"]

ENGINE_VERSION = "multitrack-opinion/1.0 (Pol.is math parity)"

BASE_K = 100
BASE_MAX_ITER = 100
# Pol.is passes :cluster-iters 100 for groups, but its kmeans reads :max-iters (default 20).
GROUP_MAX_ITER = 20
GROUP_MIN_K = 2
BASE_PER_EXTRA_GROUP = 12


@dataclass(frozen=True, eq=False)
class FitState:
    """What a later fit needs from an earlier one (Pol.is keeps the same between updates).

    Attributes
    ----------
    participant_ids : ndarray of shape (n_participants,)
    statement_ids : ndarray of shape (n_statements,)
    components : ndarray of shape (2, n_statements)
    included : ndarray of shape (n_participants,), dtype bool
        Once included, a participant stays included.
    base_labels : ndarray of shape (n_participants,)
        Base-cluster id of each participant, -1 when not clustered.
    group_clusterings : dict of int to (base_ids, group_ids)
        For each k tried, the group id of each base cluster id.
    k_smoother : KSmoother or None
    """

    participant_ids: np.ndarray
    statement_ids: np.ndarray
    components: np.ndarray
    included: np.ndarray
    base_labels: np.ndarray
    group_clusterings: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    k_smoother: KSmoother | None = None


def _lookup(known: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each ``wanted`` id in ``known`` (sorted), -1 when absent."""
    if known.size == 0:
        return np.full(wanted.shape[0], -1, dtype=np.int64)
    if known.dtype.kind != wanted.dtype.kind:
        known, wanted = known.astype(str), wanted.astype(str)
    position = np.searchsorted(known, wanted)
    position = np.minimum(position, known.shape[0] - 1)
    return np.where(known[position] == wanted, position, -1).astype(np.int64)


def _carry(values: np.ndarray, index: np.ndarray, fill: Any) -> np.ndarray:
    """``values[index]`` with ``fill`` where index is -1."""
    out = np.full(index.shape[0], fill, dtype=values.dtype)
    found = index >= 0
    out[found] = values[index[found]]
    return out


class OpinionMap:
    """Place participants by how they vote, group them, and find what each group stands for.

    A reimplementation of the Pol.is math engine on sparse matrices (see ``docs/opinion.md``):
    two principal components of the mean-imputed votes, k-means base clusters, opinion groups
    chosen by silhouette with Pol.is's k smoother, representative and consensus statements,
    group-aware consensus and statement priorities.

    Parameters
    ----------
    max_groups : int, default=5
        Largest number of opinion groups tried.
    base_k : int, default=100
        Number of base clusters.
    random_state : int or None, default=None
        Seeds the start vector of the principal-component iteration; the result does not
        depend on it beyond rounding, but a fixed value makes it bit-for-bit reproducible.

    Attributes
    ----------
    engine_version_ : str
    participant_ids_ : ndarray of shape (n_participants,)
    statement_ids_ : ndarray of shape (n_statements,)
        Statements with votes, rejected ones left out.
    center_ : ndarray of shape (n_statements,)
        Mean vote (agree = +1) of each statement.
    components_ : ndarray of shape (2, n_statements)
    n_pca_iter_ : int
        Products with ``X^T X`` used to find the components (0 for the dense small case).
    positions_ : ndarray of shape (n_participants, 2)
    is_included_ : ndarray of shape (n_participants,), dtype bool
        Clustered ("in-conv").
    base_labels_ : ndarray of shape (n_participants,)
        Index into ``base_centers_``, -1 when not clustered.
    base_centers_ : ndarray of shape (n_base, 2)
    labels_ : ndarray of shape (n_participants,)
        Opinion group, -1 when not clustered.
    n_groups_ : int
    group_centers_ : ndarray of shape (n_groups, 2)
    silhouettes_ : dict of int to float
    k_smoother_ : KSmoother
    representative_ : list of length n_groups of list of Representative
        ``statement`` holds the statement id.
    consensus_agree_, consensus_disagree_ : ndarray of statement ids, best first
    group_aware_consensus_, group_aware_disagreement_ : ndarray of shape (n_statements,)
    extremity_ : ndarray of shape (n_statements,)
    priority_ : ndarray of shape (n_statements,)
    is_meta_ : ndarray of shape (n_statements,), dtype bool
    state_ : FitState
        Pass as ``previous=`` to a later fit.

    Examples
    --------
    >>> from multitrack.opinion import OpinionMap, VoteMatrix
    >>> votes = VoteMatrix.from_records([1, 1, 2, 2], ["s1", "s2", "s1", "s2"], [1, -1, -1, 1])
    >>> model = OpinionMap(random_state=0).fit(votes)
    >>> int(model.is_included_.sum()), model.n_groups_
    (2, 2)
    """

    state_: FitState

    def __init__(
        self, *, max_groups: int = 5, base_k: int = BASE_K, random_state: int | None = None
    ) -> None:
        self.max_groups = max_groups
        self.base_k = base_k
        self.random_state = random_state

    def fit(
        self,
        votes: VoteMatrix,
        *,
        rejected: Iterable[Any] = (),
        meta: Iterable[Any] = (),
        previous: OpinionMap | FitState | None = None,
    ) -> OpinionMap:
        """Compute the map.

        Parameters
        ----------
        votes : VoteMatrix
        rejected : iterable of statement ids
            Moderated out: zeroed for the geometry, absent from every result.
        meta : iterable of statement ids
            About the conversation itself: zeroed for the geometry, never representative,
            consensus or bridging; priority 49.
        previous : OpinionMap or FitState, optional
            An earlier fit of the same conversation: warm start for the components and
            clusters, kept inclusion and the k smoother's memory.

        Returns
        -------
        self
        """
        if self.max_groups < GROUP_MIN_K or self.base_k < 1:
            raise ValueError("max_groups must be >= 2 and base_k >= 1")
        state = previous.state_ if isinstance(previous, OpinionMap) else previous
        rng = np.random.default_rng(self.random_state)
        n_participants, n_columns = votes.shape
        is_rejected = votes.statement_mask(rejected)
        is_meta = votes.statement_mask(meta) & ~is_rejected
        zeroed = is_rejected | is_meta

        centred, center = geometry.centred_matrix(votes, zeroed)
        start = None
        participant_index = np.full(n_participants, -1, dtype=np.int64)
        if state is not None:
            column_index = _lookup(state.statement_ids, votes.statement_ids)
            start = np.zeros((geometry.N_COMPONENTS, n_columns))
            found = column_index >= 0
            start[:, found] = state.components[:, column_index[found]]
            participant_index = _lookup(state.participant_ids, votes.participant_ids)
        components, self.n_pca_iter_ = geometry.principal_components(centred, start=start, rng=rng)
        positions = geometry.project(centred, components, geometry.projection_counts(votes, zeroed))
        counts = np.diff(votes.indptr())
        was_included = None if state is None else _carry(state.included, participant_index, False)
        included = geometry.included_participants(counts, n_columns, was_included)

        self._fit_groups(positions, included, state, participant_index)
        self._fit_statements(votes, zeroed, is_meta, center, components)

        visible = ~is_rejected
        self.engine_version_ = ENGINE_VERSION
        self.participant_ids_ = votes.participant_ids
        self.statement_ids_ = votes.statement_ids[visible]
        self.center_ = center[visible]
        self.components_ = components[:, visible]
        self.positions_ = positions
        self.is_included_ = included
        self.is_meta_ = is_meta[visible]
        for name in (
            "group_aware_consensus_",
            "group_aware_disagreement_",
            "extremity_",
            "priority_",
        ):
            setattr(self, name, getattr(self, name)[visible])
        self.state_ = FitState(
            participant_ids=votes.participant_ids,
            statement_ids=votes.statement_ids,
            components=components,
            included=included,
            base_labels=np.where(self.base_labels_ >= 0, self._base_ids[self.base_labels_], -1),
            group_clusterings=self._group_clusterings,
            k_smoother=self.k_smoother_,
        )
        return self

    def _fit_groups(
        self,
        positions: np.ndarray,
        included: np.ndarray,
        state: FitState | None,
        participant_index: np.ndarray,
    ) -> None:
        """Base clusters of the included participants, then opinion groups over them."""
        members = np.flatnonzero(included)
        base_start = None
        if state is not None:
            previous_labels = _carry(state.base_labels, participant_index, -1)[members]
            if np.any(previous_labels >= 0):
                base_start = (previous_labels, np.unique(previous_labels[previous_labels >= 0]))
        base = kmeans(positions[members], self.base_k, max_iter=BASE_MAX_ITER, start=base_start)
        order = np.argsort(base.ids, kind="stable")  # Pol.is sorts base clusters by id
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        self._base_ids = base.ids[order]
        self.base_centers_ = base.centers[order]
        self.base_labels_ = np.full(positions.shape[0], -1, dtype=np.int64)
        self.base_labels_[members] = rank[base.labels]
        weights = np.bincount(rank[base.labels], minlength=order.size).astype(float)

        n_base = order.size
        max_k = min(self.max_groups, GROUP_MIN_K + n_base // BASE_PER_EXTRA_GROUP)
        distances = cdist(self.base_centers_, self.base_centers_)
        clusterings = {}
        self.silhouettes_: dict[int, float] = {}
        self._group_clusterings: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for k in range(GROUP_MIN_K, max_k + 1):
            group_start = None
            if state is not None and k in state.group_clusterings:
                old_base, old_group = state.group_clusterings[k]
                labels = _carry(old_group, _lookup(old_base, self._base_ids), -1)
                if np.any(labels >= 0):
                    group_start = (labels, np.unique(labels[labels >= 0]))
            clustering = kmeans(
                self.base_centers_, k, weights=weights, max_iter=GROUP_MAX_ITER, start=group_start
            )
            clusterings[k] = clustering
            self.silhouettes_[k] = silhouette(distances, clustering.labels)
            self._group_clusterings[k] = (self._base_ids, clustering.ids[clustering.labels])
        best_k = choose_k(self.silhouettes_)
        smoother = (
            KSmoother.start(best_k)
            if state is None or state.k_smoother is None
            else state.k_smoother.update(best_k)
        )
        self.k_smoother_ = smoother
        # If the smoothed k is no longer possible (fewer base clusters), use the best k.
        chosen = clusterings.get(smoother.smoothed_k, clusterings[best_k])
        self.n_groups_ = int(chosen.ids.size)
        self.group_centers_ = chosen.centers
        self.labels_ = np.full(positions.shape[0], -1, dtype=np.int64)
        self.labels_[members] = chosen.labels[self.base_labels_[members]]

    def _fit_statements(
        self,
        votes: VoteMatrix,
        zeroed: np.ndarray,
        is_meta: np.ndarray,
        center: np.ndarray,
        components: np.ndarray,
    ) -> None:
        """Representative, consensus and bridging statements, extremity and priority."""
        ids = votes.statement_ids
        # Pol.is ranks groups on its moderated matrix but counts bridging and priority on raw votes.
        raw = statements.group_counts(votes, self.labels_, self.n_groups_)
        sizes = np.bincount(self.labels_[self.labels_ >= 0], minlength=self.n_groups_)
        moderated = raw.moderated(zeroed, sizes)
        self.representative_ = [
            [dataclasses.replace(r, statement=ids[r.statement]) for r in group]
            for group in statements.representative(moderated, zeroed)
        ]
        everyone = statements.group_counts(votes, np.zeros(votes.shape[0], dtype=np.int64), 1)
        agree_columns, disagree_columns = statements.consensus(
            everyone.agree[0], everyone.disagree[0], everyone.seen[0], zeroed
        )
        self.consensus_agree_ = ids[agree_columns]
        self.consensus_disagree_ = ids[disagree_columns]
        self.group_aware_consensus_, self.group_aware_disagreement_ = (
            statements.group_aware_consensus(raw)
        )
        self.extremity_ = geometry.extremity(center, components)
        self.priority_ = statements.priorities(raw, self.extremity_, is_meta)

    def representative_for(self, group: int) -> list[Representative]:
        """Representative statements of one group, best first (agrees before disagrees)."""
        return self.representative_[group]
