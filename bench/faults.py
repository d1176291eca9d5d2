"""Faults during voting, on loopback: PostgreSQL stopped for 10 s, the map worker killed mid-fit.

Usage: ``.venv/bin/python bench/faults.py [--rate 300] [--outage-seconds 10]
[--only outage|worker]``

Both run against a throwaway PostgreSQL cluster of their own (``pgcluster.py``), never the
machine's server, with Multitrack served as in production (``voting.Deployment``).

1. Outage: participants vote at ``--rate`` votes/s for 40 s; 10 s in, PostgreSQL is stopped
   (``pg_ctl stop -m fast``: open transactions rolled back, connections cut) and started again
   ``--outage-seconds`` later. Every answer is timed and classified per two seconds. While the
   database is away each vote must get a 503 with ``Retry-After`` and words saying to try again;
   participants do as told (wait, send the same vote again). Afterwards every vote that was
   answered 201 must be in the database, effective votes must be one per participant and
   statement, and the worker (which waited for the database) must have mapped every vote.
2. Worker: a consultation of 20,000 participants and about 600,000 votes; a recompute is queued
   and the worker is killed (SIGKILL) a second into the fit. Then: the fit left nothing behind
   (no map, its lock released) and its task still claims to run; a new worker starts, finds the
   abandoned fit, records it as failed, queues it again and completes it; the stored map must
   hold exactly the consultation's votes and participants.

Prints tables; exits non-zero when a check fails. Tests never assert timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from typing import Any

import psycopg
from voting import BIN, REPO, Crowd, Deployment

BUCKET_SECONDS = 2.0


def check(ok: bool, text: str) -> bool:
    print(f"  [{'ok' if ok else 'FAILED'}] {text}")
    return ok


# --- 1. PostgreSQL stopped during voting -------------------------------------------------------


async def outage(args: argparse.Namespace) -> bool:
    with Deployment(extra_env={"MULTITRACK_MAP_DEBOUNCE_SECONDS": "2"}) as deployment:
        assert deployment.cluster is not None
        cluster = deployment.cluster
        crowd = Crowd(deployment)
        loop = asyncio.get_running_loop()
        marks: dict[str, float] = {}

        async def stop_and_start(start: float) -> None:
            await asyncio.sleep(max(0.0, start + args.outage_at - loop.time()))
            marks["stop"] = loop.time() - start
            await loop.run_in_executor(None, cluster.stop)
            marks["stopped"] = loop.time() - start
            await asyncio.sleep(
                max(0.0, start + args.outage_at + args.outage_seconds - loop.time())
            )
            marks["start"] = loop.time() - start
            await loop.run_in_executor(None, cluster.start)
            marks["started"] = loop.time() - start

        start = loop.time()
        faults = loop.create_task(stop_and_start(start))
        tally = await crowd.run(rate=args.rate, seconds=args.seconds, retry=True)
        await faults
        await crowd.close()

        print(
            f"\nPostgreSQL stopped at {marks['stop']:.1f} s (down at {marks['stopped']:.1f} s), "
            f"started at {marks['start']:.1f} s (up at {marks['started']:.1f} s); "
            f"{args.rate:g} votes/s offered for {args.seconds:g} s, each 503 retried after "
            f"its Retry-After."
        )
        buckets: dict[int, Counter[int]] = defaultdict(Counter)
        for moment, status in tally.timeline:
            buckets[int(moment // BUCKET_SECONDS)][status] += 1
        print(f"{'seconds':>9} {'201':>6} {'503':>6} {'other':>6}")
        for index in sorted(buckets):
            row = buckets[index]
            other = sum(n for status, n in row.items() if status not in (201, 503))
            low = index * BUCKET_SECONDS
            down = marks["stop"] <= low + BUCKET_SECONDS and low <= marks["started"]
            print(
                f"{low:>4.0f}-{low + BUCKET_SECONDS:<4.0f} {row.get(201, 0):>6} "
                f"{row.get(503, 0):>6} {other:>6}{'   database down' if down else ''}"
            )
        refused = tally.statuses.get(503, 0)
        first_after = min(
            (
                moment
                for moment, status in tally.timeline
                if status == 201 and moment > marks["started"]
            ),
            default=None,
        )
        print(
            f"answers: {dict(sorted(tally.statuses.items()))}, transport errors "
            f"{tally.transport_errors}"
        )
        if first_after is not None:
            print(f"first vote stored {first_after - marks['started']:.2f} s after the restart")

        maps_ok = wait_for_map(deployment, timeout=60)
        counts = deployment.counts()
        accepted, effective, value_sum = crowd.expected()
        print("Checks:")
        results = [
            check(refused > 0, f"votes during the outage were refused: {refused} answers 503"),
            check(
                tally.unavailable_with_advice == refused,
                f"every 503 carried Retry-After and said to try again "
                f"({tally.unavailable_with_advice} of {refused})",
            ),
            check(
                tally.errors == refused and tally.transport_errors == 0,
                "no other error: no 500, no dropped connection",
            ),
            check(
                counts.records == accepted,
                f"every vote answered 201 is stored: {accepted} answered, {counts.records} "
                f"in the history",
            ),
            check(
                counts.votes == effective and counts.value_sum == value_sum,
                f"effective votes: {counts.votes} stored, {effective} expected (one per "
                f"participant and statement, last value)",
            ),
            check(maps_ok, "the worker waited for the database and mapped every vote"),
        ]
        return all(results)


def wait_for_map(deployment: Deployment, *, timeout: float) -> bool:
    """Wait until the latest stored map holds every effective vote of the consultation."""
    stop = time.monotonic() + timeout
    while time.monotonic() < stop:
        with psycopg.connect(deployment.url) as conn:
            row = conn.execute(
                "SELECT (SELECT n_votes FROM consultations_opinionmap WHERE consultation_id = %(c)s"
                "        ORDER BY computed_at DESC, id DESC LIMIT 1),"
                "       (SELECT count(*) FROM consultations_vote WHERE consultation_id = %(c)s)",
                {"c": deployment.consultation_id},
            ).fetchone()
        if row and row[0] is not None and row[0] == row[1]:
            return True
        time.sleep(1)
    return False


# --- 2. The worker killed during a map recomputation --------------------------------------------

FILL = """
UPDATE consultations_consultation SET last_participant_number = %(n)s WHERE id = %(c)s;
INSERT INTO consultations_participant (consultation_id, number, origin, key_hash, created_at)
SELECT %(c)s, n, 'anonymous', md5('p' || n) || md5('q' || n), now()
FROM generate_series(1, %(n)s) AS n;
INSERT INTO consultations_vote (consultation_id, participant_id, statement_id, value, cast_at)
SELECT %(c)s, p.id, s.id,
       CASE WHEN random() < 0.8 THEN ((s.number + p.number %% 3) %% 3) - 1
            ELSE floor(random() * 3)::int - 1 END,
       now()
FROM consultations_participant p
JOIN consultations_statement s ON s.consultation_id = p.consultation_id
WHERE p.consultation_id = %(c)s AND random() < 0.5;
ANALYZE consultations_participant;
ANALYZE consultations_vote;
"""


def tasks(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    return [
        (str(row[0]), row[1], row[2] or "")
        for row in conn.execute(
            "SELECT id, status, exception_class_path FROM django_tasks_database_dbtaskresult "
            "ORDER BY enqueued_at"
        ).fetchall()
    ]


def fit_lock_held(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    ).fetchone()
    return bool(row and row[0])


def wait(condition: Any, timeout: float, poll: float = 0.05) -> bool:
    stop = time.monotonic() + timeout
    while time.monotonic() < stop:
        if condition():
            return True
        time.sleep(poll)
    return False


def start_worker(deployment: Deployment, log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "multitrack"), "db_worker", "--no-reload", "--interval", "0.2"],
        env=deployment.env,
        cwd=REPO,
        stdout=log,
        stderr=log,
    )


def worker_kill(args: argparse.Namespace) -> bool:
    with Deployment(with_worker=False) as deployment:
        c = deployment.consultation_id
        started = time.monotonic()
        with psycopg.connect(deployment.url, autocommit=True) as conn:
            for statement in FILL.split(";\n"):
                if statement.strip():
                    conn.execute(statement, {"c": c, "n": args.participants})  # type: ignore[call-overload]
            votes, participants = conn.execute(
                "SELECT count(*), count(DISTINCT participant_id) FROM consultations_vote "
                "WHERE consultation_id = %s",
                [c],
            ).fetchone() or (0, 0)
        print(
            f"\nConsultation of {participants:,} participants, {votes:,} votes on "
            f"{deployment.statements} statements (made in {time.monotonic() - started:.1f} s)."
        )
        deployment.manage(
            "shell",
            "-c",
            f"from multitrack.consultations import services; "
            f"services.map_request(consultation_id={c}, delay_seconds=0)",
        )
        log = open(f"{deployment.var.name}/worker.log", "ab")  # noqa: SIM115
        results = []
        with psycopg.connect(deployment.url, autocommit=True) as conn:
            worker = start_worker(deployment, log)
            began = time.monotonic()
            fitting = wait(lambda: fit_lock_held(conn), timeout=60)
            fit_started = time.monotonic()
            time.sleep(args.kill_after)
            still = [status for _, status, _ in tasks(conn)] == ["RUNNING"] and fit_lock_held(conn)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            killed_at = time.monotonic()
            print(
                f"Worker started; fit began {fit_started - began:.2f} s later; killed "
                f"{killed_at - fit_started:.2f} s into the fit."
            )
            released = wait(lambda: not fit_lock_held(conn), timeout=30)
            left = tasks(conn)
            maps_after_kill = conn.execute(
                "SELECT count(*) FROM consultations_opinionmap WHERE consultation_id = %s", [c]
            ).fetchone()
            print("Checks after the kill:")
            results += [
                check(fitting and still, "the worker was killed while fitting"),
                check(released, "PostgreSQL released the fit's lock with the dead connection"),
                check(
                    [status for _, status, _ in left] == ["RUNNING"],
                    "its task still claims to be running (nobody else would finish it)",
                ),
                check(maps_after_kill == (0,), "no map, not half of one, was stored"),
            ]

            restart = time.monotonic()
            worker = start_worker(deployment, log)
            try:
                done = wait(
                    lambda: any(status == "SUCCESSFUL" for _, status, _ in tasks(conn)),
                    timeout=180,
                    poll=0.2,
                )
                finished = time.monotonic()
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
            after = tasks(conn)
            stored = conn.execute(
                "SELECT count(*), max(n_votes), max(n_participants), max(duration_ms), "
                "max(result::text) FROM consultations_opinionmap WHERE consultation_id = %s",
                [c],
            ).fetchone()
        log.close()
        assert stored is not None
        count, n_votes, n_participants, duration_ms, result_text = stored
        result = json.loads(result_text) if result_text else {}
        ids = result.get("participants", {}).get("ids", [])
        sizes = sum(group["size"] for group in result.get("groups", []))
        print(
            f"New worker started; the map was stored {finished - restart:.1f} s later "
            f"(the fit itself: {duration_ms} ms)."
        )
        print("Checks after the restart:")
        results += [
            check(done, "the next run completed"),
            check(
                [(status, path.rsplit(".", 1)[-1]) for _, status, path in after]
                == [("FAILED", "WorkerStopped"), ("SUCCESSFUL", "")],
                "the killed run is recorded as failed (WorkerStopped), its re-run succeeded",
            ),
            check(count == 1, f"one map stored ({count})"),
            check(
                n_votes == votes and n_participants == participants,
                f"the map holds every vote ({n_votes:,} of {votes:,}) and participant "
                f"({n_participants:,} of {participants:,})",
            ),
            check(
                len(ids) == participants and 0 < sizes <= participants,
                f"its result is whole: {len(ids):,} positions, {len(result.get('groups', []))} "
                f"groups holding {sizes:,} participants",
            ),
        ]
        return all(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["outage", "worker"])
    parser.add_argument("--rate", type=float, default=300.0, help="votes/s during the outage run")
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the outage run")
    parser.add_argument("--outage-at", type=float, default=10.0)
    parser.add_argument("--outage-seconds", type=float, default=10.0)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--kill-after", type=float, default=1.0, help="seconds into the fit")
    args = parser.parse_args()
    ok = True
    if args.only in (None, "outage"):
        print("== PostgreSQL stopped during voting")
        ok = asyncio.run(outage(args)) and ok
    if args.only in (None, "worker"):
        print("\n== The map worker killed during a recomputation")
        ok = worker_kill(args) and ok
    print("\nall fault checks passed" if ok else "\nsome fault checks FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
