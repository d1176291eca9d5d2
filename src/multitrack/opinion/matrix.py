"""The participants x statements vote matrix, built from vote records.

Votes use the external convention of Pol.is exports: agree = +1, disagree = -1, pass = 0.
A later vote on the same (participant, statement) pair replaces the earlier one. A statement
becomes a column once it has a vote, as in Pol.is.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

AGREE = 1
DISAGREE = -1
PASS = 0

__all__ = ["AGREE", "DISAGREE", "PASS", "VoteMatrix"]


def _encode_ids(ids: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Map arbitrary ids to dense codes 0..n-1, in sorted id order.

    Parameters
    ----------
    ids : array-like of shape (n_records,)

    Returns
    -------
    unique : ndarray of shape (n_unique,)
        The sorted distinct ids.
    codes : ndarray of shape (n_records,), dtype int64
        ``unique[codes] == ids``.
    """
    array = np.asarray(ids)
    if array.dtype.kind in "iu" and array.size:
        low, high = int(array.min()), int(array.max())
        # Exports number participants and statements 0, 1, 2, ...: a presence table is O(n)
        # where np.unique would sort, which matters at ten million votes.
        if low >= 0 and high <= 4 * array.size + 1_000_000:
            present = np.zeros(high + 1, dtype=bool)
            present[array] = True
            if low == 0 and present.all():
                # Ids 0..n-1, all present: each id is its own code.
                return np.arange(high + 1, dtype=array.dtype), array.astype(np.int64, copy=False)
            unique = np.flatnonzero(present)
            lookup = np.cumsum(present) - 1
            return unique.astype(array.dtype), lookup[array].astype(np.int64)
    if array.dtype == object:
        # Mixed or Python-object ids: compare them as text so that sorting is defined.
        array = array.astype(str)
    found = np.unique(array, return_inverse=True)
    return found[0], found[1].astype(np.int64).ravel()


_PACK_CHUNK = 1 << 20


def _latest_per_pair(
    row_codes: np.ndarray, col_codes: np.ndarray, n_rows: int, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and record index of the last record of each (row, column) pair.

    Parameters
    ----------
    row_codes, col_codes : ndarray of shape (n_records,)
        In the order the votes were cast.
    n_rows, n_cols : int

    Returns
    -------
    rows, cols : ndarray of shape (n_pairs,), dtype int32
        Sorted by row, then column.
    kept : ndarray of shape (n_pairs,), dtype int64
        Index of the record that holds each pair's latest vote.
    """
    n_records = row_codes.shape[0]
    position_bits = max(1, int(n_records - 1).bit_length())
    col_bits = max(1, int(n_cols - 1).bit_length())
    row_bits = max(1, int(n_rows - 1).bit_length())
    if row_bits + col_bits + position_bits > 62:
        pair = row_codes.astype(np.int64) * n_cols + col_codes
        order = np.argsort(pair, kind="stable")
        sorted_pair = pair[order]
        is_last = np.ones(n_records, dtype=bool)
        is_last[:-1] = sorted_pair[1:] != sorted_pair[:-1]
        kept_pair = sorted_pair[is_last]
        rows = (kept_pair // n_cols).astype(np.int32)
        return rows, (kept_pair % n_cols).astype(np.int32), order[is_last]
    # One in-place sort of (row, column, position) packed in an int64 finds the latest vote
    # of each pair and orders the pairs for CSR at once; the bit fields avoid divisions and
    # the in-place steps keep the extra memory to one int64 per record (10M votes: ~1 s).
    packed = row_codes.astype(np.int64)  # a copy: the shifts below work in place
    packed <<= col_bits
    packed |= col_codes
    packed <<= position_bits
    for start in range(0, n_records, _PACK_CHUNK):
        stop = min(n_records, start + _PACK_CHUNK)
        packed[start:stop] |= np.arange(start, stop, dtype=np.int64)
    packed.sort()
    pair = packed >> position_bits
    is_last = np.ones(n_records, dtype=bool)
    np.not_equal(pair[1:], pair[:-1], out=is_last[:-1])
    del pair
    kept_packed = packed[is_last]
    del packed, is_last
    kept = kept_packed & ((1 << position_bits) - 1)
    kept_packed >>= position_bits
    cols = (kept_packed & ((1 << col_bits) - 1)).astype(np.int32)
    kept_packed >>= col_bits
    return kept_packed.astype(np.int32), cols, kept


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Latest votes of participants on statements, stored sparsely.

    Build it with :meth:`from_records`; the constructor expects already deduplicated triples
    sorted by (row, column).

    Parameters
    ----------
    participant_ids : ndarray of shape (n_participants,)
        Export ids of the participants (rows), sorted.
    statement_ids : ndarray of shape (n_statements,)
        Export ids of the statements (columns), sorted.
    rows, cols : ndarray of shape (n_votes,), dtype int32
        Row and column of each vote, sorted by row then column, no pair repeated.
    values : ndarray of shape (n_votes,), dtype int8
        +1 agree, -1 disagree, 0 pass.

    Examples
    --------
    >>> m = VoteMatrix.from_records(["a", "a", "b"], [1, 1, 2], [1, -1, 0], times=[1, 2, 3])
    >>> m.shape, m.n_votes, int(m.values[0])
    ((2, 2), 2, -1)
    """

    participant_ids: np.ndarray
    statement_ids: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray

    @classmethod
    def from_records(
        cls,
        participants: npt.ArrayLike,
        statements: npt.ArrayLike,
        votes: npt.ArrayLike,
        times: npt.ArrayLike | None = None,
    ) -> VoteMatrix:
        """Build the matrix from vote records; a later vote replaces an earlier one.

        Parameters
        ----------
        participants, statements : array-like of shape (n_records,)
            Export ids (ints or strings).
        votes : array-like of shape (n_records,)
            +1 agree, -1 disagree, 0 pass.
        times : array-like of shape (n_records,), optional
            When a vote was cast. Without it, or between equal times, the record that comes
            later in the input wins.

        Returns
        -------
        VoteMatrix

        Raises
        ------
        ValueError
            If there are no records, the arrays differ in length, or a vote is not -1, 0 or 1.
        """
        vote_array = np.asarray(votes)
        n_records = vote_array.shape[0] if vote_array.ndim == 1 else -1
        participant_array = np.asarray(participants)
        statement_array = np.asarray(statements)
        if (
            n_records < 0
            or participant_array.shape != (n_records,)
            or statement_array.shape != (n_records,)
        ):
            raise ValueError("participants, statements and votes must be 1-D and of equal length")
        if n_records == 0:
            raise ValueError("no votes: an opinion map needs at least one vote")
        if vote_array.dtype.kind not in "iub":
            as_float = vote_array.astype(np.float64)
            if not np.all(np.isin(as_float, (-1.0, 0.0, 1.0))):
                raise ValueError("votes must be -1 (disagree), 0 (pass) or +1 (agree)")
            vote_array = as_float
        vote_codes = vote_array.astype(np.int8)
        if vote_array.dtype.kind in "iu" and (vote_array.min() < -1 or vote_array.max() > 1):
            raise ValueError("votes must be -1 (disagree), 0 (pass) or +1 (agree)")

        if times is not None:
            time_array = np.asarray(times)
            if time_array.shape != (n_records,):
                raise ValueError("times must have one entry per vote")
            if np.any(time_array[1:] < time_array[:-1]):
                order = np.argsort(time_array, kind="stable")
                participant_array = participant_array[order]
                statement_array = statement_array[order]
                vote_codes = vote_codes[order]

        participant_ids, row_codes = _encode_ids(participant_array)
        statement_ids, col_codes = _encode_ids(statement_array)
        n_cols = len(statement_ids)
        rows, cols, kept = _latest_per_pair(row_codes, col_codes, len(participant_ids), n_cols)
        return cls(
            participant_ids=participant_ids,
            statement_ids=statement_ids,
            rows=rows,
            cols=cols,
            values=vote_codes[kept],
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(n_participants, n_statements)."""
        return len(self.participant_ids), len(self.statement_ids)

    @property
    def n_votes(self) -> int:
        """Number of (latest) votes stored."""
        return int(self.values.shape[0])

    def indptr(self) -> np.ndarray:
        """CSR row pointer, shape (n_participants + 1,); computed once (do not modify it)."""
        return self._indptr

    @functools.cached_property
    def _indptr(self) -> np.ndarray:
        counts = np.bincount(self.rows, minlength=self.shape[0])
        pointer = np.zeros(self.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=pointer[1:])
        return pointer

    def to_csr(self, data: np.ndarray | None = None) -> sp.csr_matrix:
        """A CSR matrix with this sparsity pattern.

        Parameters
        ----------
        data : ndarray of shape (n_votes,), optional
            Values to store; the votes themselves (as float64) by default. Explicit zeros
            (passes) are kept, so ``nnz`` equals :attr:`n_votes`.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_participants, n_statements)
        """
        values = self.values.astype(np.float64) if data is None else data
        matrix = sp.csr_matrix((values, self.cols, self.indptr()), shape=self.shape)
        matrix.has_sorted_indices = True
        return matrix

    def statement_mask(self, ids: Iterable[Any]) -> np.ndarray:
        """Boolean mask over statements whose id is in ``ids`` (unknown ids are ignored).

        Parameters
        ----------
        ids : iterable of statement ids

        Returns
        -------
        ndarray of shape (n_statements,), dtype bool
        """
        wanted = list(ids)
        if not wanted:
            return np.zeros(self.shape[1], dtype=bool)
        if self.statement_ids.dtype.kind in "iu":
            numeric = []
            for item in wanted:
                try:
                    numeric.append(int(item))
                except (TypeError, ValueError):
                    continue
            return np.isin(self.statement_ids, np.asarray(numeric, dtype=np.int64))
        return np.isin(self.statement_ids.astype(str), np.asarray([str(i) for i in wanted]))
