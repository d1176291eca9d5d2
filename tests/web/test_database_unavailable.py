"""No database, clear answer: 503 with Retry-After and words that say to try again.

The app is served by gunicorn in a subprocess whose database URL points at a port where nothing
listens, so every query really fails to connect (no mock). The PostgreSQL-only test that cuts
a live connection (pg_terminate_backend) is with the vote endpoint's tests.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from multitrack.web.middleware import RETRY_AFTER_SECONDS

CSRF = "k" * 32  # a token of our own: the cookie and the header only have to agree


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("log") / "server.log"


@pytest.fixture(scope="module")
def server_without_database(
    tmp_path_factory: pytest.TempPathFactory, server_log: Path
) -> Iterator[int]:
    """gunicorn serving Multitrack with a PostgreSQL URL on a closed port; yields its port."""
    var = tmp_path_factory.mktemp("var")
    port, nothing_listens = _free_port(), _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}},
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{nothing_listens}/multitrack",
        "MULTITRACK_VAR_DIR": str(var),
        "LOG_LEVEL": "WARNING",
    }
    log = server_log.open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "multitrack.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
        ],
        env=env,
        cwd=var,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def test_a_page_answers_503_with_retry_after_while_the_database_is_down(
    server_without_database: int,
) -> None:
    response, body = _request(server_without_database, "GET", "/c/some-consultation/")
    assert response.status == 503
    assert response.getheader("Retry-After") == str(RETRY_AFTER_SECONDS)
    assert response.getheader("Cache-Control") == "no-store"
    page = body.decode()
    assert "Briefly unavailable" in page
    assert f"try again in {RETRY_AFTER_SECONDS} seconds" in page
    assert "may not have been saved" in page


def test_a_vote_answers_503_in_json_while_the_database_is_down(
    server_without_database: int,
) -> None:
    response, body = _request(
        server_without_database,
        "POST",
        "/api/v1/consultations/participate/some-consultation/votes",
        body=json.dumps({"statement": 1, "value": 1}).encode(),
        headers={
            "Content-Type": "application/json",
            "Cookie": f"csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
        },
    )
    assert response.status == 503
    assert response.getheader("Retry-After") == str(RETRY_AFTER_SECONDS)
    answer = json.loads(body)
    assert answer["retry_after"] == RETRY_AFTER_SECONDS
    assert "try again" in answer["detail"] and "vote" in answer["detail"]


def test_a_request_that_needs_no_database_is_answered_as_usual(
    server_without_database: int,
) -> None:
    # A refused CSRF check is answered before any query: the outage changes nothing there.
    response, _ = _request(
        server_without_database,
        "POST",
        "/api/v1/consultations/participate/some-consultation/votes",
        body=b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 403


def test_an_outage_is_logged_in_one_short_line_not_a_traceback_per_request(
    server_without_database: int, server_log: Path
) -> None:
    for _ in range(20):
        assert _request(server_without_database, "GET", "/c/some-consultation/")[0].status == 503
    time.sleep(0.5)
    log = server_log.read_text()
    assert "The database cannot be reached" in log
    assert "Traceback" not in log
    assert log.count("The database cannot be reached") <= 5  # about one a second


# --- Only an unreachable database is a 503; a fault of ours stays a 500 with its traceback ----


@pytest.mark.django_db
def test_a_wrong_query_is_not_taken_for_an_unreachable_database() -> None:
    from django.db import DatabaseError, connection

    from multitrack.web.middleware import is_unreachable

    with pytest.raises(DatabaseError) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM accounts_membership")
    assert not is_unreachable(raised.value)


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_query_is_not_taken_for_an_unreachable_database() -> None:
    from django.db import OperationalError, connection, transaction

    from multitrack.web.middleware import is_unreachable

    if connection.vendor != "postgresql":
        pytest.skip("statement timeouts are PostgreSQL's")
    with (
        pytest.raises(OperationalError) as raised,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL statement_timeout = 10")
        cursor.execute("SELECT pg_sleep(1)")
    assert not is_unreachable(raised.value)


def test_a_locked_or_missing_sqlite_file_is_unreachable(tmp_path: Path) -> None:
    import sqlite3

    from django.db import OperationalError

    from multitrack.web.middleware import is_unreachable

    try:
        sqlite3.connect(str(tmp_path / "no" / "such" / "folder" / "db.sqlite3"))
    except sqlite3.OperationalError as cause:
        wrapped = OperationalError(*cause.args)
        wrapped.__cause__ = cause
    assert is_unreachable(wrapped)
