"""Base clusters and opinion groups, with Pol.is's k-means, silhouette and k smoother."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

__all__ = ["Clustering", "KSmoother", "choose_k", "kmeans", "silhouette"]

CONVERGED_DISTANCE = 0.01
K_BUFFER = 4


@dataclass(frozen=True)
class Clustering:
    """A k-means result.

    Attributes
    ----------
    ids : ndarray of shape (n_clusters,)
        Cluster ids (stable across warm starts; not necessarily 0..n-1).
    centers : ndarray of shape (n_clusters, 2)
    labels : ndarray of shape (n_points,)
        Index into ``ids`` of each point's cluster.
    """

    ids: np.ndarray
    centers: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class KSmoother:
    """Pol.is's group-count smoother: switch k only after the same best k won 4 fits in a row.

    Attributes
    ----------
    last_k : int
        Best k (by silhouette) in the latest fit.
    last_k_count : int
        How many fits in a row ``last_k`` has been best.
    smoothed_k : int
        The k actually used.
    """

    last_k: int
    last_k_count: int
    smoothed_k: int

    def update(self, best_k: int) -> KSmoother:
        """The smoother after a fit whose best k is ``best_k``."""
        count = self.last_k_count + 1 if best_k == self.last_k else 1
        smoothed = best_k if count >= K_BUFFER else self.smoothed_k
        return KSmoother(last_k=best_k, last_k_count=count, smoothed_k=smoothed)

    @staticmethod
    def start(best_k: int) -> KSmoother:
        """The smoother after a cold fit: Pol.is takes the best k at once."""
        return KSmoother(last_k=best_k, last_k_count=1, smoothed_k=best_k)


def _two_nearest(points: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, ...]:
    """Nearest centre of each point, the distance to it and to the second nearest.

    Returns
    -------
    labels : ndarray of shape (n_points,), dtype int64
        Index of the nearest centre (ties: lowest index).
    nearest, second : ndarray of shape (n_points,)
        Distances to the nearest and the second nearest centre (inf with one centre).
    """
    n_points, n_centers = points.shape[0], centers.shape[0]
    if n_centers > 8 and n_points > 64:
        # A k-d tree over the (<= 100) centres: O(n log k) per full pass on a million
        # participants, where a dense n x k distance table would dominate.
        distances, labels = cKDTree(centers).query(points, k=2)
        return labels[:, 0].astype(np.int64), distances[:, 0], distances[:, 1]
    labels = np.empty(n_points, dtype=np.int64)
    nearest = np.empty(n_points)
    second = np.full(n_points, np.inf)
    chunk = 65536
    for start in range(0, n_points, chunk):
        block = points[start : start + chunk]
        rows = np.arange(block.shape[0])
        squared = ((block[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        best = np.argmin(squared, axis=1)
        labels[start : start + chunk] = best
        nearest[start : start + chunk] = np.sqrt(squared[rows, best])
        if n_centers > 1:
            squared[rows, best] = np.inf
            second[start : start + chunk] = np.sqrt(squared.min(axis=1))
    return labels, nearest, second


def _nearest(points: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of, and distance to, the nearest centre of each point (ties: lowest index)."""
    labels, nearest, _ = _two_nearest(points, centers)
    return labels, nearest


# Relative slack on the bounds below, so that rounding can never skip a point that is within
# a rounding error of a tie: such points are recomputed exactly.
_SLACK = 1e-9


class _Assigner:
    """Nearest-centre assignment that remembers bounds between k-means steps (Hamerly, 2010).

    After the first step, a point keeps its centre without computing any distance when an
    upper bound on the distance to its centre is below a lower bound on the distance to every
    other centre (or below half the gap from its centre to the next centre). The bounds move
    by how far the centres moved, so once the centres settle most points are never looked at
    again. The labels are exactly those of recomputing every distance (Lloyd's step); only
    the work differs: a million participants take a few full passes instead of one per step.
    """

    def __init__(self, points: np.ndarray) -> None:
        self.points = points
        self.labels: np.ndarray | None = None
        self.upper = np.zeros(0)
        self.lower = np.zeros(0)

    def assign(self, centers: np.ndarray, moved: np.ndarray | None) -> np.ndarray:
        """Labels for ``centers``; ``moved[j]`` is how far centre j moved since the last call.

        Centres may only have been dropped (not added) since the last call, with ``labels``
        remapped by :meth:`relabel`.
        """
        if self.labels is None or moved is None:
            self.labels, self.upper, self.lower = _two_nearest(self.points, centers)
            return self.labels
        labels = self.labels
        self.upper += moved[labels]
        if moved.size > 1:
            fastest = int(np.argmax(moved))
            others = np.delete(moved, fastest).max()
            self.lower -= np.where(labels == fastest, others, moved[fastest])
            gaps = cdist(centers, centers)
            np.fill_diagonal(gaps, np.inf)
            bound = np.maximum(self.lower, 0.5 * gaps.min(axis=1)[labels])
        else:
            bound = np.full(labels.shape[0], np.inf)
        check = np.flatnonzero(self.upper * (1 + _SLACK) >= bound * (1 - _SLACK))
        if check.size:
            offset = self.points[check] - centers[labels[check]]
            exact = np.sqrt((offset**2).sum(axis=1))
            self.upper[check] = exact
            redo = check[exact * (1 + _SLACK) >= bound[check] * (1 - _SLACK)]
            if redo.size:
                labels[redo], self.upper[redo], self.lower[redo] = _two_nearest(
                    self.points[redo], centers
                )
        return labels

    def relabel(self, remap: np.ndarray) -> None:
        """Centres were dropped: ``remap[old index]`` is the new index."""
        if self.labels is not None:
            self.labels = remap[self.labels]


def _weighted_means(
    points: np.ndarray, labels: np.ndarray, weights: np.ndarray, n_clusters: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean of the points of each cluster and the cluster weights."""
    total = np.bincount(labels, weights=weights, minlength=n_clusters)
    sums = np.stack(
        [np.bincount(labels, weights=weights * points[:, d], minlength=n_clusters) for d in (0, 1)],
        axis=1,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / total[:, None], total


def _same(centers_a: np.ndarray, centers_b: np.ndarray) -> bool:
    """Pol.is's convergence test: sorted centres pairwise closer than 0.01."""
    order_a = np.lexsort((centers_a[:, 1], centers_a[:, 0]))
    order_b = np.lexsort((centers_b[:, 1], centers_b[:, 0]))
    n = min(len(order_a), len(order_b))
    gap = np.linalg.norm(centers_a[order_a[:n]] - centers_b[order_b[:n]], axis=1)
    return bool(np.all(gap < CONVERGED_DISTANCE))


def _first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    """The first k distinct points, in input order (Pol.is's cold start).

    Looks at a growing prefix, so a million points cost about as much as a few hundred.
    """
    size = max(4 * k, 256)
    while True:
        prefix = points[:size]
        _, first = np.unique(prefix, axis=0, return_index=True)
        if first.size >= k or size >= points.shape[0]:
            return prefix[np.sort(first)[:k]]
        size *= 4


def _clean_start(
    points: np.ndarray,
    weights: np.ndarray,
    k: int,
    start_labels: np.ndarray,
    start_ids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Warm-start centres from a previous membership, as Pol.is's ``clean-start-clusters``.

    Recentre each previous cluster on its members' new positions, drop the empty ones, then
    while there are fewer clusters than ``min(k, distinct points)`` split off the most distal
    point as a new cluster.

    Parameters
    ----------
    points : ndarray of shape (n_points, 2)
    weights : ndarray of shape (n_points,)
    k : int
    start_labels : ndarray of shape (n_points,)
        Previous cluster id of each point, -1 for points that were in no cluster.
    start_ids : ndarray of shape (n_previous,)
        Previous cluster ids.

    Returns
    -------
    ids : ndarray of shape (n_clusters,)
    centers : ndarray of shape (n_clusters, 2)
    """
    ids = np.sort(np.unique(start_ids))
    member = start_labels >= 0
    index = np.full(points.shape[0], -1, dtype=np.int64)
    index[member] = np.searchsorted(ids, start_labels[member])
    centers, total = _weighted_means(points[member], index[member], weights[member], len(ids))
    keep = total > 0
    ids, centers = ids[keep], centers[keep]
    remap = np.cumsum(keep) - 1
    index[member] = np.where(keep[index[member]], remap[index[member]], -1)
    target = len(_first_distinct(points, k))  # min(k, distinct points)
    if len(ids) == 0:
        return np.arange(target), _first_distinct(points, target)
    # Identical centres would split nothing; Pol.is merges them, keeping the larger id.
    _, unique_rows = np.unique(centers, axis=0, return_index=True)
    if len(unique_rows) < len(ids):
        keep_rows = np.sort(unique_rows)
        lookup = {tuple(c): i for i, c in enumerate(centers[keep_rows])}
        relabel = np.array([lookup[tuple(c)] for c in centers])
        index[index >= 0] = relabel[index[index >= 0]]
        ids, centers = ids[keep_rows], centers[keep_rows]
    while len(ids) < target:
        _, distances = _nearest(points, centers)
        outlier = int(np.argmax(distances))
        if distances[outlier] <= 0:
            break
        index[outlier] = len(ids)
        ids = np.append(ids, ids.max() + 1)
        centers = np.vstack([centers, points[outlier]])
        member = index >= 0
        new_centers, total = _weighted_means(
            points[member], index[member], weights[member], len(ids)
        )
        filled = total > 0
        centers[filled] = new_centers[filled]
    return ids, centers


def kmeans(
    points: np.ndarray,
    k: int,
    *,
    weights: np.ndarray | None = None,
    max_iter: int,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> Clustering:
    """Pol.is's k-means on 2-D points.

    Cold start: the first k distinct points. Each step assigns points to the nearest centre,
    drops empty clusters and moves centres to the (weighted) mean; it stops after the step in
    which no centre moved by 0.01 or more, or after ``max_iter + 1`` steps.

    Parameters
    ----------
    points : ndarray of shape (n_points, 2)
    k : int
    weights : ndarray of shape (n_points,), optional
    max_iter : int
        Pol.is uses 100 for base clusters and (through an ignored option) 20 for groups.
    start : (labels, ids), optional
        Previous membership for a warm start, see :func:`_clean_start`.

    Returns
    -------
    Clustering
    """
    weight = np.ones(points.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    if start is None:
        centers = _first_distinct(points, k)
        ids = np.arange(centers.shape[0])
    else:
        ids, centers = _clean_start(points, weight, k, start[0], start[1])
    assigner = _Assigner(points)
    moved = None
    labels = np.zeros(points.shape[0], dtype=np.int64)
    for _ in range(max_iter + 1):
        labels = assigner.assign(centers, moved)
        new_centers, total = _weighted_means(points, labels, weight, len(ids))
        kept = total > 0
        if not np.all(kept):
            remap = np.cumsum(kept) - 1
            assigner.relabel(remap)
            labels = remap[labels]
        new_ids, new_centers = ids[kept], new_centers[kept]
        converged = _same(centers, new_centers)
        moved = np.sqrt(((new_centers - centers[kept]) ** 2).sum(axis=1))
        ids, centers = new_ids, new_centers
        if converged:
            break
    return Clustering(ids=ids, centers=centers, labels=labels)


def silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette over points (unweighted, singletons score 0), as Pol.is.

    Parameters
    ----------
    distances : ndarray of shape (n_points, n_points)
        Pairwise distances between base-cluster centres.
    labels : ndarray of shape (n_points,)

    Returns
    -------
    float
    """
    n_clusters = int(labels.max()) + 1
    indicator = np.zeros((labels.shape[0], n_clusters))
    indicator[np.arange(labels.shape[0]), labels] = 1.0
    sizes = indicator.sum(axis=0)
    sums = distances @ indicator
    own_size = sizes[labels] - 1
    own = sums[np.arange(labels.shape[0]), labels]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = own / own_size
        mean_to = sums / sizes[None, :]
    mean_to[np.arange(labels.shape[0]), labels] = np.inf
    b = mean_to.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (b - a) / np.maximum(a, b)
    score = np.where((own_size == 0) | ~np.isfinite(score), 0.0, score)
    return float(score.mean())


def choose_k(scores: dict[int, float]) -> int:
    """The k with the best silhouette; among equals the largest, as Clojure's ``max-key``."""
    best = max(scores.values())
    return max(k for k, score in scores.items() if score == best)
