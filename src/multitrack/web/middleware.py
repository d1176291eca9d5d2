"""Response headers for confidential pages, and a clear answer when the database is down."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class NoStoreMiddleware:
    """Tell browsers and proxies not to keep copies of signed-in pages.

    A shared computer's back button or a proxy's cache must not reveal who attended what.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


# Powerful browser features no Multitrack page uses. Denying them means a script that ever got in
# could not turn on a participant's camera, microphone or location, or read their screen.
# WebAuthn (publickey-credentials-*) is left at the browser's default, same-origin only, so
# security keys and passkeys keep working for multi-factor sign-in.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "bluetooth",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


class PermissionsPolicyMiddleware:
    """Deny every page the browser features it has no use for (camera, microphone, location...)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# --- The database is unreachable: 503 with Retry-After, in words ------------------------------

RETRY_AFTER_SECONDS = 10
UNAVAILABLE_MESSAGE = (
    "Multitrack cannot reach its database at the moment, so this could not be done and "
    "anything you just sent (a vote, a statement, a form) may not have been saved."
)
_MARK = "_multitrack_database_unavailable"


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer while the database cannot be reached: JSON for the API, else a page.

    Rendered without a request context, so it needs no session, user or query.
    """
    if request.path_info.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        body = {
            "detail": f"{UNAVAILABLE_MESSAGE} Please try again in {RETRY_AFTER_SECONDS} seconds.",
            "retry_after": RETRY_AFTER_SECONDS,
        }
        response = HttpResponse(json.dumps(body), status=503, content_type="application/json")
    else:
        page = render_to_string(
            "503.html", {"message": UNAVAILABLE_MESSAGE, "retry_after": RETRY_AFTER_SECONDS}
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(response.content))
    return response


# PostgreSQL's SQLSTATEs for a server that is going or gone: class 08 (connection exception),
# and the shutdowns and start-up of class 57. Every other OperationalError (a cancelled or
# timed-out query, a deadlock, a full disk) is a fault to see, with its traceback, as a 500.
_POSTGRES_GONE = ("08", "57P01", "57P02", "57P03")
# SQLite's messages for a database file that cannot be used at the moment.
_SQLITE_GONE = ("unable to open database file", "database is locked", "disk i/o error")


def is_unreachable(error: BaseException | None) -> bool:
    """Whether ``error`` says the database cannot be reached (retry later), not that our code
    or query is wrong: a missing column or a syntax error must stay a visible 500."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__ or error
    if type(cause).__module__.startswith("psycopg"):
        sqlstate = getattr(cause, "sqlstate", None)
        # No SQLSTATE: the client library's own failure (refused, cut, closed connection).
        return sqlstate is None or sqlstate.startswith(_POSTGRES_GONE)
    return str(cause).lower().startswith(_SQLITE_GONE)


def _note_database_failure(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Mark a request whose unhandled exception was a lost or refused database connection."""
    if request is not None and is_unreachable(sys.exc_info()[1]):
        setattr(request, _MARK, True)


got_request_exception.connect(
    _note_database_failure, weak=False, dispatch_uid="multitrack.database_unavailable"
)


class DatabaseUnavailableLogFilter(logging.Filter):
    """Log a lost database as one line a second (with how many requests failed), no traceback.

    Django logs every failed request with its traceback; during a database outage that is
    thousands of identical tracebacks a second.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._last = 0.0
        self._quiet = 0

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if getattr(request, _MARK, False) and getattr(record, "status_code", None) == 503:
            return False  # the "Service Unavailable: /path" line of a request counted below
        error = record.exc_info[1] if record.exc_info else None
        if not is_unreachable(error):
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._last < 1.0:
                self._quiet += 1
                return False
            self._last, quiet, self._quiet = now, self._quiet, 0
        record.msg = "The database cannot be reached (%s); answered 503 (%d more not logged)."
        record.args = (
            str(error).splitlines()[0][:200] if str(error) else type(error).__name__,
            quiet,
        )
        record.exc_info = None
        record.exc_text = None
        return True


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After and a message to retry when the database cannot be reached.

    First in MIDDLEWARE, so it wraps every other middleware and view, the vote endpoint
    included. Django turns an exception into a 500 response at each middleware layer, before
    an outer middleware could catch it, and signals ``got_request_exception`` on the way:
    that signal marks the request when the exception says the database cannot be reached
    (``is_unreachable``: server stopped, connection refused or cut), and this middleware then
    replaces the 500 with the 503. Django closes the broken connection at the end of the
    request, so the next request connects afresh once the database is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            return database_unavailable(request)
        return response
