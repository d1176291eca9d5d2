"""Pol.is exports: import one into a consultation, export a consultation in the same format.

The engine's ``multitrack.opinion.io`` checks the files (errors name file, line and column);
the full vote history is then read row by row so that changed votes keep their history.
Exported ``comments.csv`` carries one column Pol.is does not write, ``is-meta``, so that meta
statements survive a round trip (Pol.is and our reader both ignore unknown columns).
"""

from __future__ import annotations

import csv
import datetime
import io
import secrets
import shutil
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.consultations.access import require_in_consultation
from multitrack.consultations.models import (
    Consultation,
    Participant,
    Statement,
    Vote,
    VoteRecord,
    hash_secret,
)
from multitrack.consultations.selectors import latest_map
from multitrack.opinion.io import (
    COMMENTS_HEADER,
    Comment,
    ExportFormatError,
    read_export,
    write_votes_csv,
)
from multitrack.web.uploads import size_in_words

EXPORT_FILES = ("votes.csv", "comments.csv", "participants-votes.csv")
_STATUS_OF = {
    1: Statement.Status.ACCEPTED,
    -1: Statement.Status.REJECTED,
    0: Statement.Status.PENDING,
}
_MODERATED_OF: dict[str, int] = {str(value): key for key, value in _STATUS_OF.items()}


def _when(milliseconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(milliseconds / 1000, tz=datetime.UTC)


def _milliseconds(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


def too_large_message() -> str:
    """Why a Pol.is export over MULTITRACK_POLIS_IMPORT_MAX_BYTES is refused."""
    limit = size_in_words(settings.MULTITRACK_POLIS_IMPORT_MAX_BYTES)
    return f"The file is larger than {limit}, the most one Pol.is import accepts."


def unpack_upload(
    folder: Path, *, archive: Any = None, files: dict[str, Any] | None = None
) -> None:
    """Write an uploaded .zip (only the known CSVs, size-checked) or single CSVs into ``folder``.

    Each file, and each CSV inside a .zip, may hold at most MULTITRACK_POLIS_IMPORT_MAX_BYTES;
    they are copied in pieces, never read whole into memory.
    """
    limit = settings.MULTITRACK_POLIS_IMPORT_MAX_BYTES
    uploads = [archive, *(files or {}).values()]
    if any(upload is not None and (upload.size or 0) > limit for upload in uploads):
        raise ValidationError(too_large_message())
    if archive is not None:
        try:
            with zipfile.ZipFile(archive) as bundle:
                for info in bundle.infolist():
                    name = Path(info.filename).name
                    if name not in EXPORT_FILES or info.is_dir():
                        continue
                    if info.file_size > limit:
                        raise ValidationError(
                            f"{name} in the .zip is larger than {size_in_words(limit)}, the most "
                            "one Pol.is import accepts."
                        )
                    # zipfile stops at the declared size and checks the CRC: no bomb gets past.
                    with bundle.open(info) as source, (folder / name).open("wb") as out:
                        shutil.copyfileobj(source, out, 1024 * 1024)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
            raise ValidationError("This file is not a .zip archive that can be read.") from None
    for name, upload in (files or {}).items():
        if upload is not None and name in EXPORT_FILES:
            with (folder / name).open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)


def _history(path: Path) -> list[tuple[int, int | str, int | str, int]]:
    """(timestamp, comment id, voter id, vote) rows of a checked votes.csv, in file order."""
    rows = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            comment, voter = row["comment-id"].strip(), row["voter-id"].strip()
            rows.append(
                (
                    int(row["timestamp"]),
                    int(comment) if comment.isdigit() else comment,
                    int(voter) if voter.isdigit() else voter,
                    int(row["vote"]),
                )
            )
    return rows


@transaction.atomic
def polis_import(*, actor: Any, consultation: Consultation, folder: Path) -> dict[str, int]:
    """Load a Pol.is export folder into an empty consultation: statements, participants, votes."""
    require_in_consultation(actor, Permission.RUN_CONSULTATIONS, consultation)
    if consultation.statements.exists() or consultation.participants.exists():
        raise ValidationError("Import into a new consultation with no statements or participants.")
    try:
        export = read_export(folder)
    except ExportFormatError as error:
        raise ValidationError(
            f"{Path(error.path).name}, line {error.line}: {error.message}"
        ) from None
    history = (
        _history(folder / "votes.csv")
        if (folder / "votes.csv").exists()
        else [
            (0, export.votes.statement_ids[c], export.votes.participant_ids[r], int(v))
            for r, c, v in zip(
                export.votes.rows, export.votes.cols, export.votes.values, strict=True
            )
        ]
    )
    numbers: dict[Any, int] = {}
    for exported in export.comments:
        numbers[exported.id] = exported.id if isinstance(exported.id, int) else len(numbers) + 1
    for _, comment_id, _, _ in history:
        numbers.setdefault(
            comment_id, comment_id if isinstance(comment_id, int) else len(numbers) + 1
        )
    voters: dict[Any, int] = {}
    authors = [c.author.strip() for c in export.comments if c.author.strip()]
    for voter in [row[2] for row in history] + authors:
        key = int(voter) if isinstance(voter, str) and voter.isdigit() else voter
        voters.setdefault(key, key if isinstance(key, int) else len(voters) + 1)
    participants = {
        key: Participant(
            consultation=consultation,
            number=number,
            origin=Participant.Origin.IMPORTED,
            key_hash=hash_secret(secrets.token_urlsafe(32)),
        )
        for key, number in voters.items()
    }
    Participant.objects.bulk_create(participants.values())
    Consultation.objects.filter(pk=consultation.pk).update(
        last_participant_number=max(voters.values(), default=0)
    )
    by_number = {p.number: p for p in consultation.participants.all()}
    comments = {c.id: c for c in export.comments}
    now = timezone.now()
    statements = []
    for comment_id, number in numbers.items():
        comment: Comment | None = comments.get(comment_id)
        author_key = comment.author.strip() if comment else ""
        author = int(author_key) if author_key.isdigit() else author_key
        statements.append(
            Statement(
                consultation=consultation,
                number=number,
                text=comment.text if comment else f"(statement {comment_id}, text not exported)",
                language=(consultation.languages[:1] or [""])[0],
                author=by_number.get(voters[author]) if author in voters else None,
                status=_STATUS_OF[comment.moderated] if comment else Statement.Status.ACCEPTED,
                is_meta=bool(comment and comment.is_meta),
                is_seed=not author_key,
                moderated_at=now if comment and comment.moderated else None,
                created_at=_when(comment.timestamp) if comment and comment.timestamp else now,
            )
        )
    Statement.objects.bulk_create(statements)
    statement_of = {s.number: s for s in consultation.statements.all()}
    records = [
        VoteRecord(
            consultation=consultation,
            participant=by_number[voters[voter]],
            statement=statement_of[numbers[comment_id]],
            value=value,
            origin=Participant.Origin.IMPORTED,
            cast_at=_when(timestamp) if timestamp else now,
        )
        for timestamp, comment_id, voter, value in sorted(history, key=lambda row: row[0])
    ]
    VoteRecord.objects.bulk_create(records, batch_size=2000)
    latest: dict[tuple[int, int], VoteRecord] = {}
    for record in records:
        latest[(record.participant.number, record.statement.number)] = record
    Vote.objects.bulk_create(
        (
            Vote(
                consultation=consultation,
                participant=record.participant,
                statement=record.statement,
                value=record.value,
                cast_at=record.cast_at,
            )
            for record in latest.values()
        ),
        batch_size=2000,
    )
    audit(
        actor=actor,
        action="consultations.imported",
        target=consultation,
        process=consultation.process,
    )
    from multitrack.consultations.services import map_request

    map_request(consultation_id=consultation.pk, delay_seconds=0)
    return {"statements": len(statements), "participants": len(participants), "votes": len(records)}


def polis_export(*, consultation: Consultation, folder: Path) -> list[Path]:
    """Write votes.csv, comments.csv and participants-votes.csv for a consultation."""
    records = list(
        VoteRecord.objects.filter(consultation=consultation)
        .order_by("cast_at", "pk")
        .values_list("participant__number", "statement__number", "value", "cast_at")
    )
    write_votes_csv(
        folder / "votes.csv",
        participants=[r[0] for r in records],
        statements=[r[1] for r in records],
        votes=[r[2] for r in records],
        times=[_milliseconds(r[3]) for r in records],
    )
    effective = list(
        Vote.objects.filter(consultation=consultation).values_list(
            "participant__number", "statement__number", "value"
        )
    )
    agrees = Counter(s for _, s, v in effective if v == 1)
    disagrees = Counter(s for _, s, v in effective if v == -1)
    statements = list(consultation.statements.select_related("author").order_by("number"))
    with (folder / "comments.csv").open("w", newline="", encoding="utf-8") as handle:
        # Deliberately a plain csv.writer, not web.csv_safety.safe_writer: this is the Pol.is
        # interchange format, read by programs, and must stay byte-identical for round trips
        # (a quote prefixed to "=..." or "-..." statements would change the text on re-import).
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*COMMENTS_HEADER, "is-meta"])
        for s in statements:
            writer.writerow(
                [
                    _milliseconds(s.created_at),
                    "",
                    s.number,
                    s.author.number if s.author else "",
                    agrees[s.number],
                    disagrees[s.number],
                    _MODERATED_OF[s.status],
                    s.text,
                    "true" if s.is_meta else "false",
                ]
            )
    _write_participants_votes(
        consultation, folder / "participants-votes.csv", effective, statements
    )
    return [folder / name for name in EXPORT_FILES]


def _write_participants_votes(
    consultation: Consultation,
    path: Path,
    effective: list[tuple[int, int, int]],
    statements: list[Statement],
) -> None:
    """One row per participant with a vote: counts, the map's group, and each vote."""
    stored = latest_map(consultation)
    groups: dict[int, int] = {}
    if stored is not None:
        people = stored.result.get("participants", {})
        groups = {
            pid: group
            for pid, group in zip(people.get("ids", []), people.get("group", []), strict=False)
            if group >= 0
        }
    authored = Counter(s.author.number for s in statements if s.author)
    votes: dict[int, dict[int, int]] = {}
    for participant, statement, value in effective:
        votes.setdefault(participant, {})[statement] = value
    numbers = [s.number for s in statements]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "participant",
                "xid",
                "group-id",
                "n-comments",
                "n-votes",
                "n-agree",
                "n-disagree",
                *numbers,
            ]
        )
        for participant in sorted(votes):
            row = votes[participant]
            values = list(row.values())
            writer.writerow(
                [
                    participant,
                    "",
                    groups.get(participant, ""),
                    authored[participant],
                    len(values),
                    values.count(1),
                    values.count(-1),
                    *(row.get(n, "") for n in numbers),
                ]
            )


def export_zip(*, consultation: Consultation, folder: Path) -> bytes:
    """The three export files in one .zip archive."""
    paths = polis_export(consultation=consultation, folder=folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in paths:
            bundle.write(path, arcname=path.name)
    return buffer.getvalue()
