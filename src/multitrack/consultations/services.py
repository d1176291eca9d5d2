"""Writes: consultations, statements, participants, votes, moderation and stored maps.

Staff actions go through a named permission and leave an audit event (never content).
Participant actions are checked against the consultation's rules instead; their votes are
recorded in the append-only :class:`VoteRecord` history, which is their audit trail.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Max, Q
from django.http import Http404
from django.utils import timezone

from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.consultations import limits, maps, rules
from multitrack.consultations.access import require_in_consultation
from multitrack.consultations.models import (
    Consultation,
    Invitation,
    OpinionMap,
    Participant,
    RateCount,
    Statement,
    Vote,
    VoteRecord,
    hash_secret,
)
from multitrack.consultations.selectors import existing_statement_texts, is_votable, latest_map
from multitrack.processes.models import Process

logger = logging.getLogger(__name__)

CONSULTATION_FIELDS = (
    "title",
    "question",
    "description",
    "languages",
    "opens_at",
    "closes_at",
    "moderation",
    "access",
    "results_visibility",
    "accepts_statements",
    "statement_max_length",
)
MAX_INVITATIONS_AT_ONCE = 500


class Decision:
    """What a moderator can decide about a statement."""

    ACCEPT = "accept"
    REJECT = "reject"
    META = "meta"
    ALL = (ACCEPT, REJECT, META)


def _next_number(queryset: Any) -> int:
    return int(queryset.aggregate(top=Max("number"))["top"] or 0) + 1


def _lock(consultation: Consultation) -> None:
    """Serialise numbering within one consultation (a no-op lock on SQLite, which serialises)."""
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()


# --- Consultations ------------------------------------------------------------------------


@transaction.atomic
def consultation_create(
    *,
    actor: Any,
    process: Process | None,
    title: str,
    question: str,
    seed_statements: Sequence[str] = (),
    **fields: Any,
) -> Consultation:
    """Open a consultation in a process (or standing alone), with its seed statements."""
    unknown = set(fields) - set(CONSULTATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown consultation fields: {sorted(unknown)}")
    consultation = Consultation(
        process=process, created_by=actor, title=title, question=question, **fields
    )
    if process is not None:
        require_in_consultation(actor, Permission.RUN_CONSULTATIONS, consultation)
    elif not getattr(actor, "is_authenticated", False):
        raise ValidationError("Sign in to open a consultation.")
    consultation.full_clean()
    consultation.save()
    audit(actor=actor, action="consultations.created", target=consultation, process=process)
    for text in seed_statements:
        if text.strip():
            statement_seed(actor=actor, consultation=consultation, text=text)
    return consultation


@transaction.atomic
def consultation_update(*, actor: Any, consultation: Consultation, **fields: Any) -> Consultation:
    """Change a consultation's settings."""
    require_in_consultation(actor, Permission.RUN_CONSULTATIONS, consultation)
    unknown = set(fields) - set(CONSULTATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown consultation fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(consultation, name, value)
    consultation.full_clean()
    consultation.save()
    audit(
        actor=actor,
        action="consultations.updated",
        target=consultation,
        process=consultation.process,
    )
    return consultation


@transaction.atomic
def statement_seed(
    *, actor: Any, consultation: Consultation, text: str, language: str = ""
) -> Statement:
    """Add a convener's statement: accepted at once, shown to every participant."""
    require_in_consultation(actor, Permission.RUN_CONSULTATIONS, consultation)
    _lock(consultation)
    text = rules.clean_text(text)
    if len(text) > consultation.statement_max_length:
        raise ValidationError(
            {"text": f"Keep it under {consultation.statement_max_length} characters."}
        )
    statement = Statement(
        consultation=consultation,
        number=_next_number(consultation.statements),
        text=text,
        language=language or (consultation.languages[:1] or [""])[0],
        is_seed=True,
        status=Statement.Status.ACCEPTED,
        moderated_by=actor,
        moderated_at=timezone.now(),
    )
    statement.full_clean()
    statement.save()
    audit(
        actor=actor,
        action="consultations.statement_seeded",
        target=statement,
        process=consultation.process,
    )
    return statement


@transaction.atomic
def invitations_create(*, actor: Any, consultation: Consultation, count: int) -> list[str]:
    """Make one-time invitation tokens; the raw tokens are returned once and never stored."""
    require_in_consultation(actor, Permission.RUN_CONSULTATIONS, consultation)
    if not 1 <= count <= MAX_INVITATIONS_AT_ONCE:
        raise ValidationError({"count": f"Make between 1 and {MAX_INVITATIONS_AT_ONCE} at once."})
    tokens = [secrets.token_urlsafe(24) for _ in range(count)]
    Invitation.objects.bulk_create(
        Invitation(consultation=consultation, token_hash=hash_secret(token)) for token in tokens
    )
    audit(
        actor=actor,
        action="consultations.invitations_created",
        target=consultation,
        process=consultation.process,
    )
    return tokens


# --- Participants -------------------------------------------------------------------------


_ISSUE_NUMBERS_SQL = (
    "UPDATE {table} SET last_participant_number = last_participant_number + %s "
    "WHERE public_key = %s{joinable} RETURNING last_participant_number"
)
# Only a consultation an anonymous newcomer may join: open now, to anyone with the link.
_JOINABLE_SQL = (
    " AND access = 'link' AND (opens_at IS NULL OR opens_at <= now())"
    " AND (closes_at IS NULL OR closes_at > now())"
)
# During a flood of newcomers a process takes participant numbers a block at a time, so the
# consultation's row is updated once per block: every vote's foreign-key checks share-lock
# that row, and PostgreSQL spent most of a newcomer's time on those locks when it was also
# updated for every newcomer (measured with bench/load_votes.py). Numbers stay unique; a
# block not used up when the process ends leaves a gap, as a failed insert always could.
# Blocks are kept by the consultation's link key, which the vote endpoint has before any query.
FLOOD_BLOCK = 16
FLOOD_SECONDS = 1.0
_blocks: dict[str, tuple[int, int, float]] = {}  # public key: next, last, taken at
_blocks_lock = threading.Lock()


def participant_number_issue(public_key: str, *, joinable: bool = False) -> int | None:
    """The next participant number of the consultation with this link key (None: no such one).

    With ``joinable``, None too when an anonymous newcomer may not join it now (invited only,
    not open), so refused newcomers write nothing. One short row update, or one per block
    during a flood.
    """
    if connection.vendor == "postgresql":
        if connection.in_atomic_block:
            return _take_numbers(public_key, 1, joinable=joinable)
        with _blocks_lock:
            following, last, taken_at = _blocks.get(public_key, (1, 0, -FLOOD_SECONDS))
            now = time.monotonic()
            if following <= last:
                _blocks[public_key] = (following + 1, last, taken_at)
                return following
            size = FLOOD_BLOCK if now - taken_at < FLOOD_SECONDS else 1
            taken = _take_numbers(public_key, size, joinable=joinable)
            if taken is None:
                return None
            _blocks[public_key] = (taken - size + 2, taken, now)
            return taken - size + 1
    with transaction.atomic():
        consultations = Consultation.objects.select_for_update().filter(public_key=public_key)
        if joinable:
            moment = timezone.now()
            consultations = consultations.filter(
                Q(opens_at__isnull=True) | Q(opens_at__lte=moment),
                Q(closes_at__isnull=True) | Q(closes_at__gt=moment),
                access=Consultation.Access.LINK,
            )
        if not consultations.update(last_participant_number=F("last_participant_number") + 1):
            return None
        return int(consultations.values_list("last_participant_number", flat=True).get())


def _take_numbers(public_key: str, count: int, *, joinable: bool = False) -> int | None:
    """Advance the consultation's participant counter by ``count``; the last number taken."""
    sql = _ISSUE_NUMBERS_SQL.format(
        table=Consultation._meta.db_table, joinable=_JOINABLE_SQL if joinable else ""
    )
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(sql, [count, public_key])
            row = cursor.fetchone()
        else:
            # The row lock would otherwise be held until the WAL is flushed, which lets only
            # one update per disk flush through. Committing the counter asynchronously loses
            # nothing: a participant row using a number commits later, synchronously, and
            # flushing its commit record flushes this earlier one. A crash between the two
            # leaves a gap in the numbers.
            with transaction.atomic():
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute(sql, [count, public_key])
                row = cursor.fetchone()
    return None if row is None else int(row[0])


def participant_secret() -> tuple[str, str]:
    """A new browser secret for a participant and its hash (only the hash is stored)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_secret(raw)


def _participant_create(consultation: Consultation, origin: str) -> tuple[Participant, str]:
    raw, key_hash = participant_secret()
    number = participant_number_issue(consultation.public_key)
    if number is None:
        raise Http404("No such consultation.")
    participant = Participant.objects.create(
        consultation=consultation,
        number=number,
        origin=origin,
        key_hash=key_hash,
    )
    return participant, raw


def participant_join(*, consultation: Consultation) -> tuple[Participant, str]:
    """An anonymous participant for a link consultation: returns it and its browser secret.

    Not wrapped in a transaction of its own: the number is issued and the row inserted as two
    short statements, so newcomers do not queue behind each other (a failed insert leaves a
    gap in the numbers, nothing else).
    """
    if consultation.access != Consultation.Access.LINK:
        raise ValidationError("This consultation is by invitation only.")
    if not consultation.is_open():
        raise ValidationError("This consultation is not open.")
    return _participant_create(consultation, Participant.Origin.ANONYMOUS)


@transaction.atomic
def invitation_redeem(*, consultation: Consultation, token: str) -> tuple[Participant, str]:
    """Turn a one-time invitation into an invited participant; a used token is refused."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(consultation=consultation, token_hash=hash_secret(token))
        .first()
    )
    if invitation is None or invitation.used_at is not None:
        raise ValidationError("This invitation link is not valid or has already been used.")
    participant, raw = _participant_create(consultation, Participant.Origin.INVITED)
    invitation.participant = participant
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["participant", "used_at"])
    return participant, raw


# --- Votes --------------------------------------------------------------------------------


@transaction.atomic
def vote_cast(*, participant: Participant, statement: Statement, value: int) -> Vote:
    """Record a vote: appended to the history, and the participant's effective vote set."""
    consultation = participant.consultation
    _check_vote(participant, value)
    if not is_votable(statement, consultation):
        # Includes a submitter's own statement while it waits for pre-moderation.
        raise ValidationError({"statement": "This statement cannot be voted on."})
    now = timezone.now()
    VoteRecord.objects.create(
        consultation_id=consultation.pk,
        participant_id=participant.pk,
        statement_id=statement.pk,
        value=value,
        origin=participant.origin,
        cast_at=now,
    )
    vote = Vote(
        consultation_id=consultation.pk,
        participant_id=participant.pk,
        statement_id=statement.pk,
        value=value,
        cast_at=now,
    )
    Vote.objects.bulk_create(
        [vote],
        update_conflicts=True,
        unique_fields=["participant", "statement"],
        update_fields=["value", "cast_at"],
    )
    map_request(consultation_id=consultation.pk)
    return vote


_FAST_VOTE_SQL = """
WITH target AS (
    SELECT id FROM {statement}
    WHERE consultation_id = %(consultation)s AND number = %(number)s
      AND (status = 'accepted' OR (status = 'pending' AND %(post_moderated)s))
), record AS (
    INSERT INTO {record} (consultation_id, participant_id, statement_id, value, origin, cast_at)
    SELECT %(consultation)s, %(participant)s, id, %(value)s, %(origin)s, %(now)s FROM target
    RETURNING statement_id
)
INSERT INTO {vote} (consultation_id, participant_id, statement_id, value, cast_at)
SELECT %(consultation)s, %(participant)s, statement_id, %(value)s, %(now)s FROM record
ON CONFLICT (participant_id, statement_id)
DO UPDATE SET value = EXCLUDED.value, cast_at = EXCLUDED.cast_at
RETURNING statement_id
"""


def vote_cast_by_number(*, participant: Participant, number: int, value: int) -> None:
    """Vote on the statement with this number: the participant pages' and API's entry point.

    On PostgreSQL this is one statement (find the votable statement, append the record, set
    the effective vote), atomic by itself and one round trip: the vote is the hot path of a
    public consultation. Elsewhere it is :func:`vote_cast`. Raises Http404 for an unknown
    statement and ValidationError for one that takes no votes, as :func:`vote_cast` does.
    """
    consultation = participant.consultation
    if connection.vendor != "postgresql":
        vote_cast(
            participant=participant,
            statement=_statement_by_number(consultation, number),
            value=value,
        )
        return
    _check_vote(participant, value)
    sql = _FAST_VOTE_SQL.format(
        statement=Statement._meta.db_table,
        record=VoteRecord._meta.db_table,
        vote=Vote._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "consultation": consultation.pk,
                "participant": participant.pk,
                "number": number,
                "value": value,
                "origin": participant.origin,
                "now": timezone.now(),
                "post_moderated": consultation.moderation == Consultation.Moderation.POST,
            },
        )
        stored = cursor.fetchone()
    if stored is None:
        _statement_by_number(consultation, number)  # 404 when there is no such statement
        raise ValidationError({"statement": "This statement cannot be voted on."})
    map_request(consultation_id=consultation.pk)


# The vote endpoint's statement on PostgreSQL, in three parts. First, count the vote against
# both rate limits (one atomic upsert of the two counters).
_COUNT_BOTH_LIMITS = """
WITH hits AS (
    INSERT INTO {rate} AS r (key, window_end, count)
    VALUES (%(address_counter)s, %(window_end)s, 1), (%(participant_counter)s, %(window_end)s, 1)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN excluded.window_end > r.window_end THEN 1 ELSE r.count + 1 END,
        window_end = CASE WHEN excluded.window_end > r.window_end
                          THEN excluded.window_end ELSE r.window_end END
    RETURNING key, count, window_end
), counted AS (
    SELECT max(count) FILTER (WHERE key = %(address_counter)s) AS by_address,
           max(count) FILTER (WHERE key = %(participant_counter)s) AS by_participant,
           max(window_end) AS window_end
    FROM hits
"""
# Then, only when both limits allow it, find the participant (by the hash of its browser secret)
# in the consultation of the link, check every rule of vote_cast and append the record ...
_FIND_PARTICIPANT_AND_RECORD = """), target AS (
    SELECT c.id AS consultation_id, p.id AS participant_id, p.origin, s.id AS statement_id
    FROM counted
    CROSS JOIN {participant} p
    JOIN {consultation} c ON c.id = p.consultation_id
    JOIN {statement} s ON s.consultation_id = c.id AND s.number = %(number)s
    WHERE p.key_hash = %(key_hash)s
      AND (c.access = 'link' OR p.origin <> 'anonymous')
      AND counted.by_address <= %(address_limit)s
      AND counted.by_participant <= %(participant_limit)s
      AND c.public_key = %(public_key)s
      AND (c.opens_at IS NULL OR c.opens_at <= %(now)s)
      AND (c.closes_at IS NULL OR c.closes_at > %(now)s)
      AND (s.status = 'accepted' OR (s.status = 'pending' AND c.moderation = 'post'))
), record AS (
    INSERT INTO {record} (consultation_id, participant_id, statement_id, value, origin, cast_at)
    SELECT consultation_id, participant_id, statement_id, %(value)s, origin, %(now)s FROM target
    RETURNING consultation_id, participant_id, statement_id
"""
# ... or, for a newcomer's first vote, create the anonymous participant with it (only when the
# vote is stored, so a refused first vote leaves no participant behind).
_JOIN_AND_RECORD = """), target AS (
    SELECT c.id AS consultation_id, s.id AS statement_id
    FROM counted
    CROSS JOIN {consultation} c
    JOIN {statement} s ON s.consultation_id = c.id AND s.number = %(number)s
    WHERE c.access = 'link'
      AND counted.by_address <= %(address_limit)s
      AND counted.by_participant <= %(participant_limit)s
      AND c.public_key = %(public_key)s
      AND (c.opens_at IS NULL OR c.opens_at <= %(now)s)
      AND (c.closes_at IS NULL OR c.closes_at > %(now)s)
      AND (s.status = 'accepted' OR (s.status = 'pending' AND c.moderation = 'post'))
), joined AS (
    INSERT INTO {participant} (consultation_id, number, origin, key_hash, created_at)
    SELECT consultation_id, %(participant_number)s, 'anonymous', %(key_hash)s, %(now)s
    FROM target
    RETURNING id, consultation_id
), record AS (
    INSERT INTO {record} (consultation_id, participant_id, statement_id, value, origin, cast_at)
    SELECT joined.consultation_id, joined.id, target.statement_id, %(value)s, 'anonymous',
           %(now)s
    FROM joined CROSS JOIN target
    RETURNING consultation_id, participant_id, statement_id
"""
# Last, set the effective vote and mark the map stale. One round trip, atomic; the counters are
# committed with it.
_SET_VOTE_AND_MARK_STALE = """), vote AS (
    INSERT INTO {vote} (consultation_id, participant_id, statement_id, value, cast_at)
    SELECT consultation_id, participant_id, statement_id, %(value)s, %(now)s FROM record
    ON CONFLICT (participant_id, statement_id)
    DO UPDATE SET value = EXCLUDED.value, cast_at = EXCLUDED.cast_at
    RETURNING consultation_id
), stale AS (
    UPDATE {consultation} SET map_requested_at = %(now)s
    WHERE id = (SELECT consultation_id FROM vote)
      AND (map_requested_at IS NULL OR map_requested_at < %(lost_before)s)
    RETURNING id
)
SELECT by_address, by_participant, window_end,
       (SELECT consultation_id FROM vote), EXISTS (SELECT FROM stale)
FROM counted
"""


@functools.cache
def _vote_sql(*, newcomer: bool) -> str:
    """The vote statement with its table names, put together once per process."""
    parts = (
        _COUNT_BOTH_LIMITS,
        _JOIN_AND_RECORD if newcomer else _FIND_PARTICIPANT_AND_RECORD,
        _SET_VOTE_AND_MARK_STALE,
    )
    return "".join(parts).format(
        rate=RateCount._meta.db_table,
        participant=Participant._meta.db_table,
        consultation=Consultation._meta.db_table,
        statement=Statement._meta.db_table,
        record=VoteRecord._meta.db_table,
        vote=Vote._meta.db_table,
    )


# A map request older than this was lost (its task failed, or queueing it failed after the
# vote was stored): the next vote renews it instead of waiting for it forever.
MAP_REQUEST_LOST_SECONDS = 15 * 60


@dataclass(frozen=True)
class CountedVote:
    """What the vote endpoint's statement did: the counts, and the vote if it was stored."""

    by_address: int
    by_participant: int
    window_end: int
    consultation_id: int | None  # None: nothing stored (over a limit, or a rule refused it)


@functools.cache
def _preparing_cursor() -> Any:
    """psycopg's server-binding cursor, with every statement prepared on its connection."""
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        ServerBindingCursor,
    )

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            options.setdefault("prepare", True)
            return super().execute(query, params, **options)

    return PreparingCursor


def _prepared_row(sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """Run one prepared statement with parameters bound by the server, and return its row.

    Django binds parameters on the client and leaves psycopg's statement preparation off, so
    PostgreSQL parses and plans every statement afresh: for the vote statement that was half
    of the database's work. Prepared once per connection, PostgreSQL keeps its plan (this
    needs persistent connections, DATABASE_CONN_MAX_AGE, and no transaction-mode pgbouncer
    older than 1.21). Django's cursor wrapper still logs the query and translates errors.
    """
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _preparing_cursor()(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else tuple(row)


def vote_cast_counted(
    *,
    public_key: str,
    key_hash: str,
    number: int,
    value: int,
    address_counter: str,
    participant_counter: str,
    participant_number: int | None = None,
) -> CountedVote:
    """Count a vote against the rate limits and store it if they and every rule allow it.

    PostgreSQL only: the vote endpoint's hot path, one statement. ``key_hash`` is the hash of
    the browser's secret; with ``participant_number`` the statement also creates that
    participant (a newcomer on a link consultation). When nothing is stored and no limit was
    passed, the caller takes the ordinary path, which says why. A vote that makes the map
    stale queues its recompute.
    """
    if value not in (-1, 0, 1):
        raise ValidationError({"value": "A vote is agree (1), disagree (-1) or pass (0)."})
    sql = _vote_sql(newcomer=participant_number is not None)
    now = timezone.now()
    params: dict[str, Any] = {
        "address_counter": address_counter,
        "participant_counter": participant_counter,
        "window_end": limits.window_end(limits.VOTE_WINDOW_SECONDS, now.timestamp()),
        "address_limit": settings.MULTITRACK_VOTES_PER_ADDRESS_PER_MINUTE,
        "participant_limit": settings.MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE,
        "public_key": public_key,
        "key_hash": key_hash,
        "number": number,
        "value": value,
        "now": now,
        "lost_before": now - datetime.timedelta(seconds=MAP_REQUEST_LOST_SECONDS),
    }
    if participant_number is not None:
        params["participant_number"] = participant_number
    row = _prepared_row(sql, params)
    if row is None:  # pragma: no cover  (the statement always returns its one row)
        raise RuntimeError("The vote statement returned no row.")
    by_address, by_participant, end, consultation_id, stale = row
    counted = CountedVote(
        by_address=int(by_address),
        by_participant=int(by_participant),
        window_end=int(end),
        consultation_id=None if consultation_id is None else int(consultation_id),
    )
    if counted.consultation_id is not None and stale:
        _queue_map(consultation_id=counted.consultation_id)
    return counted


def vote_check(*, consultation: Consultation, number: int, participant: Participant | None) -> None:
    """Raise why this vote cannot be stored (Http404 or ValidationError); None when it can.

    Checked before a newcomer is created, so a refused first vote makes no participant.
    """
    if participant is None:
        if consultation.access != Consultation.Access.LINK:
            raise ValidationError("This consultation is by invitation only.")
        if not consultation.is_open():
            raise ValidationError("This consultation is not open for votes.")
    else:
        _check_vote(participant, 0)
    if not is_votable(_statement_by_number(consultation, number), consultation):
        raise ValidationError({"statement": "This statement cannot be voted on."})


def _statement_by_number(consultation: Consultation, number: int) -> Statement:
    try:
        return Statement.objects.get(consultation=consultation, number=number)
    except Statement.DoesNotExist:
        raise Http404("No such statement.") from None


def _check_vote(participant: Participant, value: int) -> None:
    """What every vote must satisfy whatever the statement."""
    consultation = participant.consultation
    if value not in (-1, 0, 1):
        raise ValidationError({"value": "A vote is agree (1), disagree (-1) or pass (0)."})
    if not consultation.is_open():
        raise ValidationError("This consultation is not open for votes.")
    if consultation.access == Consultation.Access.INVITED and (
        participant.origin == Participant.Origin.ANONYMOUS
    ):
        raise ValidationError("This consultation is by invitation only.")


# --- Participant statements ---------------------------------------------------------------


def statement_problems(*, consultation: Consultation, text: str, language: str = "") -> list[str]:
    """Why a participant's statement would be refused (length, content, language)."""
    problems = rules.text_problems(
        rules.clean_text(text),
        max_length=consultation.statement_max_length,
        languages=consultation.languages,
    )
    if language and consultation.languages and language not in consultation.languages:
        problems.append("Choose one of this consultation's languages.")
    return problems


@transaction.atomic
def statement_submit(
    *,
    participant: Participant,
    text: str,
    language: str = "",
    allow_near_duplicate: bool = False,
) -> Statement:
    """A participant's own statement: pending moderation (shown at once under post-moderation).

    Raises ValidationError with code ``near_duplicate`` when it reads almost like an existing
    statement, unless the participant confirmed it.
    """
    consultation = participant.consultation
    if not consultation.accepts_statements:
        raise ValidationError("This consultation does not take new statements.")
    if not consultation.is_open():
        raise ValidationError("This consultation is not open.")
    text = rules.clean_text(text)
    problems = statement_problems(consultation=consultation, text=text, language=language)
    if problems:
        raise ValidationError({"text": problems})
    similar = rules.near_duplicates(text, existing_statement_texts(consultation, participant))
    if similar and (not allow_near_duplicate or any(score >= 0.999 for _, score in similar)):
        raise ValidationError(
            {
                "text": ValidationError(
                    "A statement like this already exists: vote on it instead.",
                    code="near_duplicate",
                    params={"numbers": [number for number, _ in similar]},
                )
            }
        )
    _lock(consultation)
    statement = Statement(
        consultation=consultation,
        number=_next_number(consultation.statements),
        text=text,
        language=language or (consultation.languages[:1] or [""])[0],
        author=participant,
        status=Statement.Status.PENDING,
    )
    statement.full_clean()
    statement.save()
    return statement


# --- Moderation ---------------------------------------------------------------------------


@transaction.atomic
def statement_moderate(
    *, actor: Any, statement: Statement, decision: str, reason: str = ""
) -> Statement:
    """Accept, reject or mark as meta one statement, with the moderator's reason."""
    consultation = statement.consultation
    require_in_consultation(actor, Permission.MODERATE_STATEMENTS, consultation)
    if decision not in Decision.ALL:
        raise ValidationError({"decision": "Accept, reject or mark as meta."})
    if decision == Decision.REJECT and not reason.strip():
        raise ValidationError({"reason": "Say why the statement is rejected."})
    statement.status = (
        Statement.Status.REJECTED if decision == Decision.REJECT else Statement.Status.ACCEPTED
    )
    statement.is_meta = decision == Decision.META
    statement.moderation_reason = reason.strip()[:200]
    statement.moderated_by = actor
    statement.moderated_at = timezone.now()
    statement.full_clean()
    statement.save()
    audit(
        actor=actor,
        action=f"consultations.statement_{decision}ed".replace("metaed", "marked_meta"),
        target=statement,
        process=consultation.process,
    )
    map_request(consultation_id=consultation.pk)
    return statement


@transaction.atomic
def statements_moderate(
    *,
    actor: Any,
    consultation: Consultation,
    numbers: Iterable[int],
    decision: str,
    reason: str = "",
) -> int:
    """The same decision for many statements of one consultation; returns how many."""
    require_in_consultation(actor, Permission.MODERATE_STATEMENTS, consultation)
    done = 0
    for statement in consultation.statements.filter(number__in=list(numbers)):
        statement_moderate(actor=actor, statement=statement, decision=decision, reason=reason)
        done += 1
    return done


# --- Maps ---------------------------------------------------------------------------------


def map_request(*, consultation_id: int, delay_seconds: int | None = None) -> bool:
    """Mark the consultation's map stale and queue a recompute, unless one is already waiting.

    True when one was queued. The mark (``map_requested_at``) makes it one queued fit per
    consultation across processes: a vote while one is waiting only reads the mark, and the
    worker clears it when the fit starts. The vote endpoint sets the same mark inside its
    vote statement (:func:`vote_cast_counted`).
    """
    now = timezone.now()
    lost_before = now - datetime.timedelta(seconds=MAP_REQUEST_LOST_SECONDS)
    updated = (
        Consultation.objects.filter(pk=consultation_id)
        .filter(Q(map_requested_at__isnull=True) | Q(map_requested_at__lt=lost_before))
        .update(map_requested_at=now)
    )
    if not updated:
        return False
    _queue_map(consultation_id=consultation_id, delay_seconds=delay_seconds)
    return True


def _queue_map(*, consultation_id: int, delay_seconds: int | None = None) -> None:
    """Queue the recompute of a map just marked stale, after the debounce.

    A failure to queue is logged, not raised: the vote that marked the map is stored already,
    and the mark stays, so the worker's start-up recovery or a vote after
    MAP_REQUEST_LOST_SECONDS queues it again.
    """
    from multitrack.consultations.tasks import enqueue_recompute

    debounce = settings.MULTITRACK_MAP_DEBOUNCE_SECONDS if delay_seconds is None else delay_seconds
    try:
        enqueue_recompute(consultation_id=consultation_id, delay_seconds=debounce)
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        logger.warning("consultation %s: the map recompute could not be queued", consultation_id)


def map_recompute(*, consultation_id: int) -> OpinionMap | None:
    """Fit the opinion map on the current effective votes and store it (the worker's job).

    Votes from the moment the fit starts mark the map stale again, so none is missed. The
    inputs are read in one snapshot and the result is written by one insert: a worker stopped
    at any point leaves the previous map as it was, never half of a new one. On PostgreSQL an
    advisory lock held for the whole fit lets only one worker fit a consultation at a time,
    and shows the start-up recovery which fits are still alive (``tasks.recover_maps``).
    """
    with map_fit_lock(consultation_id):
        Consultation.objects.filter(pk=consultation_id).update(map_requested_at=None)
        started = time.monotonic()
        own_transaction = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and own_transaction:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            consultation = Consultation.objects.filter(pk=consultation_id).first()
            if consultation is None:
                return None
            votes = list(
                Vote.objects.filter(consultation=consultation).values_list(
                    "participant__number",
                    "statement__number",
                    "value",
                    "cast_at",
                    "participant__origin",
                )
            )
            statuses = list(consultation.statements.values_list("number", "status", "is_meta"))
            previous = latest_map(consultation)
            previous_invited = latest_map(
                consultation, participants=OpinionMap.Participants.INVITED
            )
        if not votes:
            return None
        rejected = [n for n, status, _ in statuses if status == Statement.Status.REJECTED]
        meta = [n for n, _, is_meta in statuses if is_meta]
        computed_at = timezone.now()

        def fit_and_build(
            chosen: list[tuple[Any, ...]], participants: str, warm: OpinionMap | None
        ) -> OpinionMap:
            fitted = maps.fit(
                participants=(v[0] for v in chosen),
                statements=(v[1] for v in chosen),
                values=(v[2] for v in chosen),
                rejected=rejected,
                meta=meta,
                previous=warm.state if warm else None,
                random_state=consultation.pk,
            )
            return OpinionMap(
                consultation=consultation,
                participants=participants,
                computed_at=computed_at,
                engine_version=fitted.engine_version,
                random_state=consultation.pk,
                n_participants=fitted.n_participants,
                n_statements=fitted.n_statements,
                n_votes=fitted.n_votes,
                last_vote_at=max(v[3] for v in chosen),
                result=fitted.result,
                state=fitted.state,
                warm_start_from=warm,
            )

        built = [fit_and_build(votes, OpinionMap.Participants.EVERYONE, previous)]
        # Anonymous votes are bounded only by a cookie: when both kinds voted, also fit the
        # map of the participants who are not anonymous (invited or imported) alone.
        invited = [v for v in votes if v[4] != Participant.Origin.ANONYMOUS]
        if invited and len(invited) < len(votes):
            built.append(fit_and_build(invited, OpinionMap.Participants.INVITED, previous_invited))
        duration_ms = int((time.monotonic() - started) * 1000)
        for one in built:
            one.duration_ms = duration_ms
        # One insert for all the maps of this fit: a stopped worker leaves none of them.
        stored = OpinionMap.objects.bulk_create(built)[0]
    logger.info(
        "consultation %s map recomputed: %s votes in %s ms",
        consultation.pk,
        stored.n_votes,
        stored.duration_ms,
    )
    limits.prune_rate_counts()
    return stored


# Advisory lock keys of map fits: (this namespace, the consultation's id).
MAP_FIT_LOCK_NAMESPACE = 0x4D544D50  # "MTMP"


def _lock_key(consultation_id: int) -> int:
    return consultation_id % 2**31


@contextlib.contextmanager
def map_fit_lock(consultation_id: int) -> Iterator[None]:
    """Hold the consultation's map-fit lock (PostgreSQL; a no-op elsewhere) while fitting.

    A session-level advisory lock: it is released when the fit ends, and by PostgreSQL itself
    when the worker's connection dies, whatever killed the worker.
    """
    if connection.vendor != "postgresql":
        yield
        return
    key = [MAP_FIT_LOCK_NAMESPACE, _lock_key(consultation_id)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        except DatabaseError:
            pass  # the connection is gone, and the lock with it


def map_fit_running(consultation_id: int) -> bool:
    """Whether some live worker holds the consultation's map-fit lock (PostgreSQL only)."""
    key = [MAP_FIT_LOCK_NAMESPACE, _lock_key(consultation_id)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", key)
        (free,) = cursor.fetchone()
    return not free
