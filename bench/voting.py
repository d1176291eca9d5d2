"""What the voting benches share: a deployment on loopback and a crowd of simulated participants.

:class:`Deployment` makes a database (on a throwaway PostgreSQL cluster, see ``pgcluster.py``,
or on a server you name), migrates it, opens a consultation, and serves Multitrack the way the
README's production guide does: gunicorn, persistent database connections, the database cache,
and the ``multitrack db_worker`` background worker, behind a reverse proxy that sends
``X-Forwarded-For`` (``MULTITRACK_TRUSTED_PROXY_COUNT=1``). Nothing leaves the machine.

:class:`Crowd` drives the participant vote API open-loop: votes are sent at a set rate whatever
the answers, over a pool of HTTP/1.1 keep-alive connections as a proxy would keep, and each
latency is measured from the moment the vote was due (a slow server cannot slow the load down
and hide its own latency). Participants come from 1,024 addresses, arrive, vote on 5 to 40
statements one at a time, sometimes change a vote, and leave; the app's rate limits keep their
defaults (60 votes a minute per participant, 1,200 per address).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
from pgcluster import ThrowawayPostgres, children, free_port, wait_for

REPO = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT = 30.0  # seconds; a vote unanswered by then counts as an error
BIN = Path(sys.executable).parent

SETUP = """
from multitrack.consultations.models import Consultation, Statement
c = Consultation.objects.create(title="Load", question="Load test?", languages=["en"],
                                moderation="post", results_visibility="public")
Statement.objects.bulk_create(
    Statement(consultation=c, number=n, text=f"Statement number {n}", status="accepted")
    for n in range(1, {statements} + 1)
)
print("CONSULTATION", c.pk, c.public_key)
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (Linux /proc; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Counts:
    """What the database holds for the bench's consultation."""

    records: int  # vote history: one row per vote cast
    votes: int  # effective votes: one per participant and statement
    value_sum: int  # sum of the effective votes' values
    participants: int
    maps: int


class Deployment:
    """Multitrack served on loopback against its own database; see the module docstring."""

    def __init__(
        self,
        *,
        statements: int = 60,
        workers: int = 2,
        threads: int = 8,
        database_url: str | None = None,
        with_worker: bool = True,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.statements = statements
        self.workers = workers
        self.threads = threads
        self.external_url = database_url
        self.with_worker = with_worker
        self.extra_env = extra_env or {}
        self.cluster: ThrowawayPostgres | None = None
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.var = tempfile.TemporaryDirectory(prefix="multitrack-bench-")
        self.log = Path(self.var.name, "server.log").open("ab")  # noqa: SIM115
        self.database = f"multitrack_bench_{os.getpid()}"

    # --- set up and tear down -----------------------------------------------------------------

    def __enter__(self) -> Deployment:
        try:
            if self.external_url:
                admin_url = self.external_url
            else:
                self.cluster = ThrowawayPostgres()
                self.cluster.start()
                admin_url = self.cluster.url()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.database}"')
            self.url = admin_url.rsplit("/", 1)[0] + "/" + self.database
            self.env = {
                **os.environ,
                "DATABASE_URL": self.url,
                "DATABASE_CONN_MAX_AGE": "600",
                "MULTITRACK_CACHE": "database",
                "MULTITRACK_VAR_DIR": self.var.name,
                "MULTITRACK_TRUSTED_PROXY_COUNT": "1",
                "DJANGO_SETTINGS_MODULE": "multitrack.settings",
                "LOG_LEVEL": "ERROR",
                **self.extra_env,
            }
            self.manage("migrate", "--noinput")
            self.manage("createcachetable")
            output = self.manage("shell", "-c", SETUP.replace("{statements}", str(self.statements)))
            line = next(x for x in output.splitlines() if x.startswith("CONSULTATION "))
            _, pk, self.key = line.split()
            self.consultation_id = int(pk)
            self.port = free_port()
            self.start_server()
            if self.with_worker:
                self.start_worker()
            self.csrf = self.csrf_token()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.server, self.worker):
            if process is not None:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.cluster is not None:
            self.cluster.__exit__(None, None, None)
        elif self.external_url:
            with psycopg.connect(self.external_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self.log.close()
        self.var.cleanup()

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "multitrack"), *args],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        return done.stdout

    def start_server(self) -> None:
        self.server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "multitrack.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(self.threads),
                "--keep-alive",
                "75",
                "--log-level",
                "critical",
                "--backlog",
                "2048",
                "--no-control-socket",
            ],
            env=self.env,
            cwd=REPO,
            stdout=self.log,
            stderr=self.log,
        )
        wait_for(self.port, timeout=60)

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [str(BIN / "multitrack"), "db_worker", "--no-reload", "--interval", "0.5"],
            env=self.env,
            cwd=REPO,
            stdout=self.log,
            stderr=self.log,
        )

    def csrf_token(self) -> str:
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.sendall(
                f"GET /c/{self.key}/ HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        for line in data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n"):
            if line.lower().startswith("set-cookie: csrftoken="):
                return line.split("=", 1)[1].split(";", 1)[0]
        raise RuntimeError("no CSRF cookie from the consultation page")

    # --- measuring ----------------------------------------------------------------------------

    def app_pids(self) -> list[int]:
        return [self.server.pid, *children(self.server.pid)] if self.server else []

    def database_pids(self) -> list[int]:
        if self.cluster is not None:
            return self.cluster.pids()
        with psycopg.connect(self.external_url or "", autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            ).fetchall()
        return [int(row[0]) for row in rows]

    def cpu(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of each process, by side: app, database, worker."""
        worker = [self.worker.pid] if self.worker and self.worker.poll() is None else []
        return {
            "app": {pid: cpu_seconds(pid) for pid in self.app_pids()},
            "database": {pid: cpu_seconds(pid) for pid in self.database_pids()},
            "worker": {pid: cpu_seconds(pid) for pid in worker},
        }

    def counts(self) -> Counts:
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                """
                SELECT (SELECT count(*) FROM consultations_voterecord
                        WHERE consultation_id = %(c)s),
                       (SELECT count(*) FROM consultations_vote WHERE consultation_id = %(c)s),
                       (SELECT coalesce(sum(value), 0) FROM consultations_vote
                        WHERE consultation_id = %(c)s),
                       (SELECT count(*) FROM consultations_participant
                        WHERE consultation_id = %(c)s),
                       (SELECT count(*) FROM consultations_opinionmap WHERE consultation_id = %(c)s)
                """,
                {"c": self.consultation_id},
            ).fetchone()
        assert row is not None
        return Counts(*(int(value) for value in row))


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict:
    """CPU seconds spent between two readings, by side (processes started meanwhile count whole)."""
    return {
        side: sum(seconds - before[side].get(pid, 0.0) for pid, seconds in after[side].items())
        for side in after
    }


# --- the crowd --------------------------------------------------------------------------------


@dataclass
class Browser:
    """One simulated participant: where it connects from, its cookie, its votes so far."""

    number: int
    address: str
    todo: list[int]
    voted: dict[int, int] = field(default_factory=dict)  # statement: last accepted value
    cookie: str = ""


@dataclass
class Tally:
    """What one stretch of voting got back."""

    offered: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: int = 0
    transport_errors: int = 0
    unavailable_with_advice: int = 0  # 503s that carried Retry-After and said to try again
    elapsed: float = 0.0
    timeline: list[tuple[float, int]] = field(default_factory=list)  # (seconds in, status or 0)

    def percentile(self, share: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    @property
    def errors(self) -> int:
        """Answers that were neither a stored vote nor a refusal by the rate limits."""
        return self.transport_errors + sum(
            n for status, n in self.statuses.items() if status not in (201, 429)
        )

    def summary(self) -> dict[str, Any]:
        return {
            "offered_per_s": round(self.offered / self.elapsed, 1) if self.elapsed else 0,
            "votes_per_s": round(self.accepted / self.elapsed, 1) if self.elapsed else 0,
            "p50_ms": _round(statistics.median(self.latencies) * 1000 if self.latencies else None),
            "p99_ms": _round(self.percentile(0.99)),
            "max_ms": _round(max(self.latencies) * 1000 if self.latencies else None),
            "accepted": self.accepted,
            "refused_429": self.statuses.get(429, 0),
            "errors": self.errors,
            "statuses": dict(sorted(self.statuses.items())),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class Crowd:
    """Participants voting on one consultation at a set rate; see the module docstring."""

    def __init__(
        self,
        deployment: Deployment,
        *,
        seed: int = 7,
        addresses: int = 1024,
        revote_share: float = 0.1,
        max_connections: int = 256,
    ) -> None:
        self.port = deployment.port
        self.key = deployment.key
        self.csrf = deployment.csrf
        self.statements = list(range(1, deployment.statements + 1))
        self.rng = random.Random(seed)
        self.addresses = [f"10.{i // 250}.{i % 250}.{7 + i % 200}" for i in range(addresses)]
        self.revote_share = revote_share
        self.max_connections = max_connections
        self.idle: list[Browser] = []
        self.browsers = 0
        self.left: list[Browser] = []  # participants who finished: their votes still count
        self.accepted_total = 0
        self._connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        self._open = 0

    # the participants

    def _newcomer(self) -> Browser:
        self.browsers += 1
        count = self.rng.randint(5, min(40, len(self.statements)))
        return Browser(
            number=self.browsers,
            address=self.rng.choice(self.addresses),
            todo=self.rng.sample(self.statements, k=count),
        )

    def _someone(self, pool: int) -> Browser:
        """An idle participant, at random among ``pool`` (newcomers fill the places of those
        who left)."""
        while len(self.idle) < pool:
            self.idle.append(self._newcomer())
        index = self.rng.randrange(len(self.idle))
        self.idle[index], self.idle[-1] = self.idle[-1], self.idle[index]
        return self.idle.pop()

    def expected(self) -> tuple[int, int, int]:
        """(votes cast and accepted, effective votes, sum of their values) as the crowd saw it."""
        everyone = [*self.idle, *self.left]
        effective = sum(len(b.voted) for b in everyone)
        value_sum = sum(sum(b.voted.values()) for b in everyone)
        return self.accepted_total, effective, value_sum

    # the connections (a proxy's keep-alive pool to the app)

    async def _acquire(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if not self._connections.empty():
            return self._connections.get_nowait()
        if self._open < self.max_connections:
            self._open += 1
            try:
                return await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                self._open -= 1
                raise
        return await self._connections.get()

    def _release(
        self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], *, reuse: bool
    ) -> None:
        if reuse:
            self._connections.put_nowait(connection)
        else:
            connection[1].close()
            self._open -= 1

    async def _post(self, browser: Browser, body: bytes) -> tuple[int, dict[str, list[str]]]:
        cookies = f"csrftoken={self.csrf}"
        if browser.cookie:
            cookies += f"; mtc_{self.key}={browser.cookie}"
        request = (
            f"POST /api/v1/consultations/participate/{self.key}/votes HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-CSRFToken: {self.csrf}\r\n"
            f"X-Forwarded-For: {browser.address}\r\nCookie: {cookies}\r\n\r\n"
        ).encode() + body
        connection = await self._acquire()
        reader, writer = connection
        try:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers: dict[str, list[str]] = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers.setdefault(name.strip().lower(), []).append(value.strip())
            length = int(headers.get("content-length", ["0"])[0])
            payload = await reader.readexactly(length) if length else b""
            headers["body"] = [payload.decode("utf-8", "replace")]
        except BaseException:  # a broken answer, or a timeout cancelling us: drop the connection
            self._release(connection, reuse=False)
            raise
        closing = headers.get("connection", [""])[0].lower() == "close"
        self._release(connection, reuse=not closing)
        return status, headers

    def _ballot(self, browser: Browser) -> tuple[int, int]:
        """The statement this participant votes on next (sometimes one again), and the value."""
        if browser.voted and self.rng.random() < self.revote_share:
            statement = self.rng.choice(list(browser.voted))
        else:
            statement = browser.todo.pop()
        return statement, self.rng.choice((1, -1, 0))

    def _note(
        self, browser: Browser, ballot: tuple[int, int], answer: tuple[int, dict], tally: Tally
    ) -> int | None:
        """Count one answer; the seconds to wait before sending the vote again, if any."""
        status, headers = answer
        if status:
            tally.statuses[status] += 1
        else:
            tally.transport_errors += 1
        if status == 201:
            tally.accepted += 1
            self.accepted_total += 1
            browser.voted[ballot[0]] = ballot[1]
            for cookie in headers.get("set-cookie", []):
                if cookie.startswith(f"mtc_{self.key}="):
                    browser.cookie = cookie.split(";", 1)[0].split("=", 1)[1]
            return None
        if status == 503:
            wait = headers.get("retry-after", [""])[0]
            if wait.isdigit() and "try again" in headers.get("body", [""])[0]:
                tally.unavailable_with_advice += 1
                return int(wait)
        return 1 if status == 0 else None

    async def _vote(
        self, browser: Browser, *, due: float, start: float, tally: Tally, retry: bool
    ) -> None:
        loop = asyncio.get_running_loop()
        ballot = self._ballot(browser)
        body = json.dumps({"statement": ballot[0], "value": ballot[1]}).encode()
        while True:
            try:
                answer = await asyncio.wait_for(self._post(browser, body), REQUEST_TIMEOUT)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError, TimeoutError):
                answer = (0, {})
            now = loop.time()
            tally.latencies.append(now - due)
            tally.timeline.append((now - start, answer[0]))
            wait = self._note(browser, ballot, answer, tally)
            if wait is None or not retry:
                break
            # As a participant would: wait as told, then send the same vote again.
            await asyncio.sleep(wait)
            due = loop.time()
        (self.idle if browser.todo else self.left).append(browser)

    async def run(self, *, rate: float, seconds: float, retry: bool = False) -> Tally:
        """Send votes at ``rate`` a second for ``seconds``, then wait for the last answers."""
        if not hasattr(self, "_connections"):
            self._connections = asyncio.Queue()
        loop = asyncio.get_running_loop()
        tally = Tally()
        # Enough participants that each votes about every two seconds, under the 60 a minute.
        pool = max(2_000, int(2 * rate))
        pending: set[asyncio.Task[None]] = set()
        start = loop.time()
        sent = 0
        while True:
            due = start + sent / rate
            if due - start >= seconds:
                break
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            browser = self._someone(pool)
            task = loop.create_task(
                self._vote(browser, due=due, start=start, tally=tally, retry=retry)
            )
            pending.add(task)
            task.add_done_callback(pending.discard)
            sent += 1
        tally.offered = sent
        if pending:
            await asyncio.wait(pending)
        tally.elapsed = max(seconds, loop.time() - start)
        return tally

    async def close(self) -> None:
        while hasattr(self, "_connections") and not self._connections.empty():
            self._connections.get_nowait()[1].close()
