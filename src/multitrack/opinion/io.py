"""Reading and writing Pol.is exports (votes.csv, comments.csv, participants-votes.csv).

Also imports the state of a Pol.is math run (``math-pca2.json``) as a warm start. Errors name
the file, line and column.
"""

from __future__ import annotations

import csv
import io as _io
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from multitrack.opinion.clustering import KSmoother
from multitrack.opinion.matrix import VoteMatrix
from multitrack.opinion.model import FitState

__all__ = [
    "Comment",
    "Export",
    "ExportFormatError",
    "read_comments_csv",
    "read_export",
    "read_participants_votes_csv",
    "read_votes_csv",
    "state_from_polis_math",
    "write_comments_csv",
    "write_votes_csv",
]

VOTES_HEADER = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
COMMENTS_HEADER = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
_SCAN_BYTES = 1 << 24


class ExportFormatError(ValueError):
    """A Pol.is export file that cannot be read.

    Parameters
    ----------
    path : str or Path
    line : int
        1-based line number (the header is line 1).
    column : int
        1-based column (field) number; 0 when the problem is the whole line.
    message : str
    """

    def __init__(self, path: str | Path, line: int, column: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message
        where = f"{self.path}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Comment:
    """A statement as exported by Pol.is.

    Attributes
    ----------
    id : int or str
    text : str
    moderated : int
        1 accepted, -1 rejected, 0 not yet moderated.
    is_meta : bool
    author : str
    timestamp : int
    """

    id: int | str
    text: str
    moderated: int
    is_meta: bool = False
    author: str = ""
    timestamp: int = 0


@dataclass(frozen=True, eq=False)
class Export:
    """A Pol.is export folder, read.

    Attributes
    ----------
    votes : VoteMatrix
    comments : list of Comment
    group_ids : dict of participant id to int or None, or None
        Pol.is's own ``group-id`` when participants-votes.csv was present.
    """

    votes: VoteMatrix
    comments: list[Comment]
    group_ids: dict[Any, int | None] | None

    @property
    def rejected(self) -> list[int | str]:
        """Ids of moderated-out statements."""
        return [c.id for c in self.comments if c.moderated == -1]

    @property
    def meta(self) -> list[int | str]:
        """Ids of meta statements."""
        return [c.id for c in self.comments if c.is_meta]


def _id(text: str) -> int | str:
    """An export id: an int when it is one, else the text."""
    try:
        return int(text)
    except ValueError:
        return text


def _header(path: Path, first_line: str) -> list[str]:
    names = next(csv.reader([first_line]))
    return [name.strip() for name in names]


def _require(path: Path, header: list[str], wanted: Iterable[str]) -> list[int]:
    positions = []
    for name in wanted:
        if name not in header:
            raise ExportFormatError(path, 1, 0, f"missing column {name!r} in header")
        positions.append(header.index(name))
    return positions


def _scan(path: Path) -> tuple[bytes, int, bool]:
    """The first line, the number of commas after it and whether any field is quoted.

    Reads the file in blocks, so that a file of any size costs no more memory than a block.
    """
    first = b""
    commas = 0
    quoted = False
    with path.open("rb") as handle:
        first = handle.readline()
        for block in iter(lambda: handle.read(_SCAN_BYTES), b""):
            commas += block.count(b",")
            quoted = quoted or b'"' in block
    return first, commas, quoted


def _fast_votes(
    path: Path, columns: list[int], n_fields: int, n_commas: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Parse an unquoted, all-integer votes.csv with NumPy's C reader; None when that fails.

    ``np.loadtxt`` skips blank lines and accepts rows with extra fields, so the field count
    is checked separately: every row has at least ``n_fields - 1`` commas (the last column is
    read, so a shorter row fails), and the commas add up to exactly ``n_fields - 1`` per row.
    Any failure (text ids, a malformed line) returns None and the csv-module reader, which
    names the line and column of the problem, takes over.
    """
    wanted = sorted({*columns, n_fields - 1})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            table = np.loadtxt(
                path,
                dtype=np.int64,
                delimiter=",",
                comments=None,
                skiprows=1,
                usecols=wanted,
                ndmin=2,
                encoding="latin-1",
            )
    except ValueError:
        return None
    if n_commas != (n_fields - 1) * table.shape[0]:
        return None
    times, statements, participants, votes = (table[:, wanted.index(c)] for c in columns)
    return times, statements, participants, votes


def read_votes_csv(path: str | Path) -> VoteMatrix:
    """Read a Pol.is ``votes.csv`` (full history; a later vote replaces an earlier one).

    Unquoted files with integer ids (Pol.is's own exports) are parsed by ``np.loadtxt``;
    quoted fields, text ids and malformed files go through the csv module.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    VoteMatrix

    Raises
    ------
    ExportFormatError
        On a missing column, a wrong number of fields, a non-integer timestamp or a vote
        other than -1, 0, 1; or when there are no votes.
    """
    path = Path(path)
    first, n_commas, quoted = _scan(path)
    header = _header(path, first.decode("utf-8-sig", "replace").rstrip("\r\n"))
    columns = _require(path, header, ("timestamp", "comment-id", "voter-id", "vote"))
    parsed = None if quoted else _fast_votes(path, columns, len(header), n_commas)
    if parsed is not None and parsed[3].size and (parsed[3].min() < -1 or parsed[3].max() > 1):
        parsed = None  # the csv-module reader names the line of the bad vote
    if parsed is not None:
        times, statement_ids, participant_ids, votes = parsed
    else:
        data = path.read_bytes()
        times, statement_ids, participant_ids, votes = _slow_votes(path, data, header, columns)
    if votes.size == 0:
        raise ExportFormatError(path, 2, 0, "no votes")
    return VoteMatrix.from_records(participant_ids, statement_ids, votes, times)


def _slow_votes(
    path: Path, data: bytes, header: list[str], columns: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """votes.csv through the csv module: quoted fields and text ids."""
    text = data.decode("utf-8-sig", "replace")
    reader = csv.reader(_io.StringIO(text))
    next(reader, None)
    times: list[int] = []
    statements: list[int | str] = []
    participants: list[int | str] = []
    votes: list[int] = []
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            raise ExportFormatError(
                path, line, 0, f"expected {len(header)} fields, found {len(row)}"
            )
        time_text, statement, participant, vote_text = (row[c].strip() for c in columns)
        try:
            times.append(int(time_text))
        except ValueError:
            raise ExportFormatError(
                path, line, columns[0] + 1, f"timestamp: expected an integer, got {time_text!r}"
            ) from None
        if vote_text not in ("-1", "0", "1"):
            raise ExportFormatError(
                path, line, columns[3] + 1, f"vote: expected -1, 0 or 1, got {vote_text!r}"
            )
        if not statement or not participant:
            column = columns[1] if not statement else columns[2]
            raise ExportFormatError(path, line, column + 1, "empty id")
        statements.append(_id(statement))
        participants.append(_id(participant))
        votes.append(int(vote_text))
    return (
        np.asarray(times, dtype=np.int64),
        _id_array(statements),
        _id_array(participants),
        np.asarray(votes, dtype=np.int64),
    )


def _id_array(ids: list[int | str]) -> np.ndarray:
    """Ids as an int array when all are ints, else as text."""
    if all(isinstance(i, int) for i in ids):
        return np.asarray(ids, dtype=np.int64)
    return np.asarray([str(i) for i in ids])


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("true", "t", "1", "yes")


def read_comments_csv(path: str | Path) -> list[Comment]:
    """Read a Pol.is ``comments.csv``.

    Raises
    ------
    ExportFormatError
        On a missing ``comment-id`` column, or a ``moderated`` value other than -1, 0, 1.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        (id_column,) = _require(path, header, ("comment-id",))
        optional = {name: header.index(name) for name in header}
        comments = []
        for row in reader:
            if not row:
                continue
            line = reader.line_num
            if len(row) != len(header):
                raise ExportFormatError(
                    path, line, 0, f"expected {len(header)} fields, found {len(row)}"
                )
            moderated_text = row[optional["moderated"]].strip() if "moderated" in optional else "0"
            if moderated_text not in ("-1", "0", "1"):
                raise ExportFormatError(
                    path,
                    line,
                    optional["moderated"] + 1,
                    f"moderated: expected -1, 0 or 1, got {moderated_text!r}",
                )
            timestamp_text = row[optional["timestamp"]] if "timestamp" in optional else "0"
            comments.append(
                Comment(
                    id=_id(row[id_column].strip()),
                    text=row[optional["comment-body"]] if "comment-body" in optional else "",
                    moderated=int(moderated_text),
                    is_meta="is-meta" in optional and _truthy(row[optional["is-meta"]]),
                    author=row[optional["author-id"]] if "author-id" in optional else "",
                    timestamp=int(timestamp_text) if timestamp_text.strip().isdigit() else 0,
                )
            )
    return comments


def read_participants_votes_csv(
    path: str | Path,
) -> tuple[VoteMatrix, dict[Any, int | None]]:
    """Read a Pol.is ``participants-votes.csv``: latest votes and Pol.is's ``group-id``.

    Returns
    -------
    votes : VoteMatrix
    group_ids : dict of participant id to int or None (None: not clustered by Pol.is)
    """
    path = Path(path)
    participants: list[int | str] = []
    statements: list[int | str] = []
    votes: list[int] = []
    group_ids: dict[Any, int | None] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        id_column, group_column = _require(path, header, ("participant", "group-id"))
        first_vote = header.index("n-disagree") + 1 if "n-disagree" in header else 0
        statement_ids = [_id(name) for name in header[first_vote:]]
        for row in reader:
            if not row:
                continue
            line = reader.line_num
            if len(row) != len(header):
                raise ExportFormatError(
                    path, line, 0, f"expected {len(header)} fields, found {len(row)}"
                )
            participant = _id(row[id_column].strip())
            group_text = row[group_column].strip()
            try:
                group_ids[participant] = int(group_text) if group_text else None
            except ValueError:
                raise ExportFormatError(
                    path,
                    line,
                    group_column + 1,
                    f"group-id: expected an integer, got {group_text!r}",
                ) from None
            for offset, raw_cell in enumerate(row[first_vote:]):
                cell = raw_cell.strip()
                if not cell:
                    continue
                if cell not in ("-1", "0", "1", "-1.0", "0.0", "1.0"):
                    raise ExportFormatError(
                        path,
                        line,
                        first_vote + offset + 1,
                        f"vote: expected -1, 0, 1 or empty, got {cell!r}",
                    )
                participants.append(participant)
                statements.append(statement_ids[offset])
                votes.append(int(float(cell)))
    if not votes:
        raise ExportFormatError(path, 2, 0, "no votes")
    matrix = VoteMatrix.from_records(_id_array(participants), _id_array(statements), votes)
    return matrix, group_ids


def read_export(folder: str | Path) -> Export:
    """Read a Pol.is export folder: votes.csv (else participants-votes.csv) and comments.csv.

    Raises
    ------
    ExportFormatError
        When neither votes file exists, or a file is malformed.
    """
    folder = Path(folder)
    group_ids = None
    participants_votes = folder / "participants-votes.csv"
    if (folder / "votes.csv").exists():
        votes = read_votes_csv(folder / "votes.csv")
        if participants_votes.exists():
            _, group_ids = read_participants_votes_csv(participants_votes)
    elif participants_votes.exists():
        votes, group_ids = read_participants_votes_csv(participants_votes)
    else:
        raise ExportFormatError(
            folder / "votes.csv", 0, 0, "no votes.csv or participants-votes.csv"
        )
    comments_path = folder / "comments.csv"
    comments = read_comments_csv(comments_path) if comments_path.exists() else []
    return Export(votes=votes, comments=comments, group_ids=group_ids)


def _rows(handle: TextIO, header: Iterable[str], rows: Iterator[Iterable[Any]]) -> None:
    # Pol.is interchange format: written raw (no spreadsheet-formula escaping, unlike the
    # human-facing reports) so exports stay byte-identical for round trips.
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def write_votes_csv(
    path: str | Path,
    *,
    participants: Iterable[Any],
    statements: Iterable[Any],
    votes: Iterable[int],
    times: Iterable[int],
) -> None:
    """Write vote records as a Pol.is ``votes.csv`` (the ``datetime`` column is left empty)."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        _rows(
            handle,
            VOTES_HEADER,
            (
                (int(t), "", s, p, int(v))
                for p, s, v, t in zip(participants, statements, votes, times, strict=True)
            ),
        )


def write_comments_csv(path: str | Path, comments: Iterable[Comment]) -> None:
    """Write statements as a Pol.is ``comments.csv`` (agree/disagree counts left at 0)."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        _rows(
            handle,
            COMMENTS_HEADER,
            ((c.timestamp, "", c.id, c.author, 0, 0, c.moderated, c.text) for c in comments),
        )


def state_from_polis_math(math_result: Mapping[str, Any]) -> FitState:
    """Import the state of a Pol.is math run (``math-pca2.json``) as a warm start.

    Carries what Pol.is itself carries between updates: components, in-conv participants,
    base-cluster membership, the chosen group clustering and the k smoother (taken as settled
    on that clustering's k).

    Parameters
    ----------
    math_result : mapping
        The parsed JSON.

    Returns
    -------
    FitState
    """
    participant_ids = np.asarray(sorted(int(p) for p in math_result["user-vote-counts"]))
    statement_ids = np.asarray(sorted(int(t) for t in math_result["tids"]))
    # Pol.is's internal sign is agree = -1: flip to the external convention.
    comps = -np.asarray(math_result["pca"]["comps"], dtype=float)
    order = np.argsort(np.asarray(math_result["tids"], dtype=np.int64))
    components = comps[:, order] if comps.size else np.zeros((2, statement_ids.size))
    included = np.isin(participant_ids, np.asarray(math_result["in-conv"], dtype=np.int64))
    base_labels = np.full(participant_ids.size, -1, dtype=np.int64)
    base = math_result["base-clusters"]
    for base_id, members in zip(base["id"], base["members"], strict=True):
        base_labels[np.searchsorted(participant_ids, np.asarray(members, dtype=np.int64))] = base_id
    groups = math_result["group-clusters"]
    base_ids = np.asarray(sorted(base["id"]), dtype=np.int64)
    group_of_base = np.full(base_ids.size, -1, dtype=np.int64)
    for group in groups:
        group_of_base[np.searchsorted(base_ids, np.asarray(group["members"]))] = group["id"]
    k = len(groups)
    smoother = KSmoother(last_k=k, last_k_count=4, smoothed_k=k)
    return FitState(
        participant_ids=participant_ids,
        statement_ids=statement_ids,
        components=components,
        included=included,
        base_labels=base_labels,
        group_clusterings={k: (base_ids, group_of_base)} if k else {},
        k_smoother=smoother,
    )
