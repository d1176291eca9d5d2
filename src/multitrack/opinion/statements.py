"""What each group stands for, what everyone shares, and which statement to show next.

All counts come from one ``np.bincount`` over (group, statement, vote) keys, so the cost is one
pass over the votes whatever the number of groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from multitrack.opinion.matrix import VoteMatrix

__all__ = [
    "Counts",
    "Representative",
    "consensus",
    "group_aware_consensus",
    "group_counts",
    "priorities",
    "representative",
]

Z_90 = 1.2816
MAX_REPRESENTATIVE = 5
MAX_CONSENSUS = 5
META_PRIORITY = 7.0


@dataclass(frozen=True)
class Counts:
    """Agree, disagree and total votes per (group, statement).

    Attributes
    ----------
    agree, disagree, seen : ndarray of shape (n_groups, n_statements)
        ``seen`` counts every vote, passes included.
    """

    agree: np.ndarray
    disagree: np.ndarray
    seen: np.ndarray

    def moderated(self, zeroed: np.ndarray, sizes: np.ndarray) -> Counts:
        """The counts Pol.is sees on its moderated matrix: in a zeroed column, all pass.

        Parameters
        ----------
        zeroed : ndarray of shape (n_statements,), dtype bool
        sizes : ndarray of shape (n_groups,)
            Counted members of each group.
        """
        agree, disagree, seen = self.agree.copy(), self.disagree.copy(), self.seen.copy()
        agree[:, zeroed] = 0
        disagree[:, zeroed] = 0
        seen[:, zeroed] = sizes[:, None]
        return Counts(agree=agree, disagree=disagree, seen=seen)


@dataclass(frozen=True)
class Representative:
    """A statement that sets a group apart (Pol.is's ``repness`` entry).

    Attributes
    ----------
    statement : int
        Column index.
    direction : str
        ``"agree"`` or ``"disagree"``.
    n_success, n_trials : int
        Votes of the group in that direction, and all its votes (passes included).
    p_success : float
        (1 + n_success) / (2 + n_trials).
    p_test : float
        One-proportion z statistic.
    ratio : float
        p_success over the same share among the other groups (``repness``).
    z : float
        Two-proportion z statistic against the other groups (``repness-test``).
    n_agree : int
        Agree votes of the group (whatever the direction).
    is_best_agree : bool
        Offered first because it is the group's best agree statement.
    """

    statement: int
    direction: str
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    ratio: float
    z: float
    n_agree: int = 0
    is_best_agree: bool = False


def group_counts(
    votes: VoteMatrix, labels: np.ndarray, n_groups: int, zeroed: np.ndarray | None = None
) -> Counts:
    """Count votes per group and statement.

    Parameters
    ----------
    votes : VoteMatrix
    labels : ndarray of shape (n_participants,)
        Group of each participant, -1 for none (not counted).
    n_groups : int
    zeroed : ndarray of shape (n_statements,), dtype bool, optional
        Columns Pol.is zeroes (moderated out): every counted participant then counts as a pass.

    Returns
    -------
    Counts
    """
    n_statements = votes.shape[1]
    group = labels[votes.rows]
    counted = group >= 0
    # One bincount over (group, statement, vote) counts everything in one pass over the votes.
    key = group * (3 * n_statements)
    key += 3 * votes.cols
    key += votes.values
    key += 1
    if not np.all(counted):
        key = key[counted]
    table = np.bincount(key, minlength=3 * n_groups * n_statements).reshape(
        n_groups, n_statements, 3
    )
    result = Counts(
        agree=np.ascontiguousarray(table[:, :, 2]),
        disagree=np.ascontiguousarray(table[:, :, 0]),
        seen=table.sum(axis=2),
    )
    if zeroed is not None and np.any(zeroed):
        result = result.moderated(zeroed, np.bincount(labels[labels >= 0], minlength=n_groups))
    return result


def _prop_test(success: np.ndarray, n: np.ndarray) -> np.ndarray:
    """One-proportion z statistic with a +1 prior, as Pol.is."""
    return 2.0 * np.sqrt(n + 1.0) * ((success + 1.0) / (n + 1.0) - 0.5)


def _two_prop_test(
    success_in: np.ndarray, success_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    """Two-proportion z statistic with 1 added to each count; 0 when the pooled share is 1."""
    s1, s2, n1, n2 = success_in + 1.0, success_out + 1.0, n_in + 1.0, n_out + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (s1 / n1 - s2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return np.where(pooled == 1.0, 0.0, z)


def _stats(counts: Counts) -> dict[str, np.ndarray]:
    """Pol.is's per-(group, statement) statistics, each of shape (n_groups, n_statements)."""
    na, nd, ns = (c.astype(np.float64) for c in (counts.agree, counts.disagree, counts.seen))
    rest_na, rest_nd, rest_ns = (c.sum(axis=0) - c for c in (na, nd, ns))
    pa, pd = (1 + na) / (2 + ns), (1 + nd) / (2 + ns)
    return {
        "na": na,
        "nd": nd,
        "ns": ns,
        "pa": pa,
        "pd": pd,
        "pat": _prop_test(na, ns),
        "pdt": _prop_test(nd, ns),
        "ra": pa / ((1 + rest_na) / (2 + rest_ns)),
        "rd": pd / ((1 + rest_nd) / (2 + rest_ns)),
        "rat": _two_prop_test(na, rest_na, ns, rest_ns),
        "rdt": _two_prop_test(nd, rest_nd, ns, rest_ns),
    }


def _finalize(
    stats: dict[str, np.ndarray], g: int, j: int, *, best_agree: bool = False
) -> Representative:
    # Even the best agree statement is labelled by whichever test is stronger, as in Pol.is.
    agree = bool(stats["rat"][g, j] > stats["rdt"][g, j])
    key = "a" if agree else "d"
    return Representative(
        statement=j,
        direction="agree" if agree else "disagree",
        n_success=int(stats["n" + key][g, j]),
        n_trials=int(stats["ns"][g, j]),
        p_success=float(stats["p" + key][g, j]),
        p_test=float(stats["p" + key + "t"][g, j]),
        ratio=float(stats["r" + key][g, j]),
        # Pol.is stores this one as a 32-bit float, and ranks with that value.
        z=float(np.float32(stats["r" + key + "t"][g, j])),
        n_agree=int(stats["na"][g, j]),
        is_best_agree=best_agree,
    )


def _beats_best_agree(stats: dict[str, np.ndarray], g: int, j: int, best: int | None) -> bool:
    """Pol.is's ``beats-best-agr?``: the running choice of a group's best agree statement."""
    s = {key: float(value[g, j]) for key, value in stats.items()}
    if s["na"] == 0 and s["nd"] == 0:
        return False
    if best is not None:
        b = {key: float(value[g, best]) for key, value in stats.items()}
        if b["ra"] > 1.0:
            return s["ra"] * s["rat"] * s["pa"] * s["pat"] > b["ra"] * b["rat"] * b["pa"] * b["pat"]
        return s["pa"] * s["pat"] > b["pa"] * b["pat"]
    return s["pat"] > Z_90 or (s["ra"] > 1.0 and s["pa"] > 0.5)


def representative(counts: Counts, excluded: np.ndarray) -> list[list[Representative]]:
    """Representative statements of each group, selected and ordered as Pol.is does.

    A statement qualifies for group g when ``rat`` and ``pat`` (or ``rdt`` and ``pdt``) exceed
    1.2816; qualifying statements are ranked by ``ratio * z * p * p_test``. The group's best
    agree statement is offered first; at most 5, agrees before disagrees. With none
    qualifying, the best agree statement (else the best by ``z``) stands alone.

    Parameters
    ----------
    counts : Counts
        Counts over the clustered members of each group.
    excluded : ndarray of shape (n_statements,), dtype bool
        Moderated-out and meta statements: never representative.

    Returns
    -------
    list of length n_groups of list of Representative
    """
    stats = _stats(counts)
    n_groups, _n_statements = counts.seen.shape
    passes = ((stats["rat"] > Z_90) & (stats["pat"] > Z_90)) | (
        (stats["rdt"] > Z_90) & (stats["pdt"] > Z_90)
    )
    candidates = np.flatnonzero(~excluded)
    result: list[list[Representative]] = []
    for g in range(n_groups):
        best_agree: int | None = None
        for j in candidates:
            if _beats_best_agree(stats, g, int(j), best_agree):
                best_agree = int(j)
        sufficient = [int(j) for j in candidates if passes[g, j]]
        head = [] if best_agree is None else [_finalize(stats, g, best_agree, best_agree=True)]
        if not sufficient:
            if head:
                result.append(head)
                continue
            best: int | None = None
            best_z = -np.inf
            for j in candidates:
                # Sequential, with the 32-bit stored value as in Pol.is, so ties resolve alike.
                z = max(float(stats["rat"][g, j]), float(stats["rdt"][g, j]))
                if best is None or z > best_z:
                    best, best_z = int(j), float(np.float32(z))
            result.append([] if best is None else [_finalize(stats, g, best)])
            continue
        chosen = [_finalize(stats, g, j) for j in sufficient if j != best_agree]
        metric = np.array([c.ratio * c.z * c.p_success * c.p_test for c in chosen])
        ranked = [chosen[i] for i in np.argsort(-metric, kind="stable")]
        top = (head + ranked)[:MAX_REPRESENTATIVE]
        result.append(
            [c for c in top if c.direction == "agree"]
            + [c for c in top if c.direction == "disagree"]
        )
    return result


def consensus(
    agree: np.ndarray, disagree: np.ndarray, seen: np.ndarray, excluded: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Statements most participants agree (or disagree) with, over all participants.

    Kept when p > 0.5 and the one-proportion z > 1.2816, ranked by p * z, at most 5.

    Parameters
    ----------
    agree, disagree, seen : ndarray of shape (n_statements,)
        Counts over all participants.
    excluded : ndarray of shape (n_statements,), dtype bool

    Returns
    -------
    agree_ids, disagree_ids : ndarray of column indices, best first
    """
    chosen = []
    for success in (agree, disagree):
        p = (1.0 + success) / (2.0 + seen)
        z = _prop_test(success.astype(float), seen.astype(float))
        keep = np.flatnonzero(~excluded & (p > 0.5) & (z > Z_90))
        order = np.argsort(-(p * z)[keep], kind="stable")
        chosen.append(keep[order][:MAX_CONSENSUS])
    return chosen[0], chosen[1]


def group_aware_consensus(counts: Counts) -> tuple[np.ndarray, np.ndarray]:
    """Bridging: the product over groups of the smoothed agree (and disagree) share.

    ``GAC_j = prod_g (A_gj + 1) / (S_gj + 2)``; high only when every group agrees.

    Returns
    -------
    agree, disagree : ndarray of shape (n_statements,)
    """
    seen = counts.seen + 2.0
    return (
        np.prod((counts.agree + 1.0) / seen, axis=0),
        np.prod((counts.disagree + 1.0) / seen, axis=0),
    )


def priorities(counts: Counts, extremity: np.ndarray, is_meta: np.ndarray) -> np.ndarray:
    """How strongly to prefer showing each statement next (Pol.is's comment priority).

    ``((1 - p) * (E + 1) * a * (1 + 8 * 2^(-S/5)))^2`` with totals over the groups;
    meta statements get 7^2 = 49.

    Returns
    -------
    ndarray of shape (n_statements,)
    """
    a_total = counts.agree.sum(axis=0).astype(float)
    d_total = counts.disagree.sum(axis=0).astype(float)
    s_total = counts.seen.sum(axis=0).astype(float)
    passed = s_total - a_total - d_total
    p = (passed + 1) / (s_total + 2)
    a = (a_total + 1) / (s_total + 2)
    importance = (1 - p) * (extremity + 1) * a
    value = importance * (1 + 8 * 2.0 ** (-s_total / 5))
    return np.where(is_meta, META_PRIORITY, value) ** 2
