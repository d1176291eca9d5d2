"""The access matrix: every URL of the project, requested as each of six callers.

The table is tests/access_matrix.py; the objects come from one populated workspace
(tests/access_world.py), built once for this module and restored after every test.

- Each (URL, caller) gets the answer the table gives; a refused caller changes nothing in the
  database, and an allowed write changes something (so the request is a real one).
- Every answer is searched for strings the caller must not read: the process's own
  (outsiders), real names and contact details, note text, attachments (roles without
  need-to-know), another account's token, an invitation-only consultation's statements.
- An outsider's 404 for a hidden object is byte for byte the 404 for a missing one.
- A convener who has not passed the second sign-in step reaches nothing.
- A refusal comes before the form is validated; an id of the stranger's process, in the URL or
  the body, reaches nothing; a search by real name finds no one without need-to-know.
- A method a URL does not take answers 405; every admin URL sends the six callers (none of
  them staff) to the admin's sign-in.
- A URL or API operation without a row fails, with a message saying to add one.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.http import urlencode

from multitrack.api import api
from tests.access_matrix import (
    ADMIN_LOGIN,
    ADMIN_NAMESPACE,
    ADMIN_RULE,
    API_ROWS,
    CALLERS,
    FORBIDDEN,
    FOREIGN,
    HIDDEN,
    LOGIN,
    OK,
    ROWS,
    WEB_ROWS,
    Row,
    may_read,
)
from tests.access_world import World, build_world
from tests.conftest import FAST_HASHERS
from tests.signin import verified_login

# One worker runs the whole matrix (make test uses pytest-xdist's loadgroup): the populated
# workspace is then built once.
pytestmark = pytest.mark.xdist_group("access_matrix")

TABLE = "tests/access_matrix.py"
# A convener who gave the password but not yet the second factor.
HALFWAY = "convener before the second step"
# Rows of these tables change with requests and say nothing about authorisation: sessions,
# and rate-limit counters (which count refused attempts too, as they should).
VOLATILE_TABLES = {"sessions.Session", "consultations.RateCount"}
# Likewise the participant counter: on PostgreSQL the vote path issues a browser's number before
# it knows whether the vote is taken, so a refused vote leaves a gap (by design, see
# consultations.services.participant_number_issue).
VOLATILE_COLUMNS = {"consultations.Consultation": {"last_participant_number"}}
# An allowed write records an audit event; the write itself must show elsewhere.
AUDIT_TABLE = "accounts.AuditEvent"
CSRF_TOKEN = re.compile(rb"\b[A-Za-z0-9]{64}\b")


def sign_in(client: Client, user: Any, *, second_step: bool = True) -> None:
    """Sign ``user`` in on ``client``: the only place the matrix signs anyone in. Both steps of
    the sign-in for those who need a second one, unless ``second_step`` is False (the password
    only, as just before the second step)."""
    if second_step:
        verified_login(client, user)
    else:
        client.force_login(user)


@dataclass(frozen=True)
class Stage:
    """The populated workspace, a signed-in session per caller, and the tables to watch."""

    world: World
    session_keys: dict[str, str]
    tables: tuple[tuple[str, str, str, str], ...]
    clients: dict[str, Client]


@pytest.fixture(scope="module")
def module_stage(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stage]:
    """Built once for the module inside a transaction that is rolled back at its end.

    The callers sign in once here; each test gets a client carrying only that session.
    """
    uploads = tmp_path_factory.mktemp("uploads")
    # pytest-django sets up the test database only if a selected test asks for ``db`` (every
    # test here does, through ``stage``); never build this world anywhere else.
    name = str(connection.settings_dict["NAME"])
    assert name.startswith(("test_", "file:memorydb_")), f"{name} is not a test database"
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=uploads),
        transaction.atomic(),
    ):
        world = build_world()
        session_keys = {}
        for caller in CALLERS[1:]:
            client = Client()
            sign_in(client, world.user(caller))
            session_keys[caller] = client.cookies[settings.SESSION_COOKIE_NAME].value
        client = Client()
        sign_in(client, world.user("convener"), second_step=False)
        session_keys[HALFWAY] = client.cookies[settings.SESSION_COOKIE_NAME].value
        clients = {caller: Client() for caller in (*CALLERS, HALFWAY)}
        yield Stage(world, session_keys, watched_tables(), clients)
        transaction.set_rollback(True)


@pytest.fixture
def stage(db: None, module_stage: Stage) -> Stage:
    """The module's stage; ``db`` rolls each test's changes back to it."""
    return module_stage


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Rate limits and login throttles count in the cache: every request starts afresh.
    cache.clear()
    yield
    cache.clear()


def client_for(stage: Stage, caller: str) -> Client:
    """A client carrying only the caller's session (none for the anonymous visitor).

    One client per caller for the whole module: a new client loads the middleware again, and
    WhiteNoise then reads every static file's metadata, which would cost more than the test.
    """
    client = stage.clients[caller]
    client.cookies = SimpleCookie()
    if caller != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = stage.session_keys[caller]
    return client


def watched_tables() -> tuple[tuple[str, str, str, str], ...]:
    """(label, table, columns, primary key column) of every table but the volatile ones."""
    existing = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    watched = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.label in VOLATILE_TABLES:
            continue
        if meta.db_table not in existing:
            continue  # a model whose migration is still to come
        skipped = VOLATILE_COLUMNS.get(meta.label, set())
        columns = ", ".join(
            quote(field.column) for field in meta.concrete_fields if field.name not in skipped
        )
        watched.append((meta.label, quote(meta.db_table), columns, quote(meta.pk.column)))
    return tuple(sorted(watched))


def snapshot(stage: Stage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every watched table, in primary-key order."""
    rows = {}
    with connection.cursor() as cursor:
        for label, table, columns, pk_column in stage.tables:
            # Names from the models' own metadata, not from input.
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {pk_column}")  # noqa: S608  # nosec B608
            rows[label] = cursor.fetchall()
    return rows


# --- Walking the URL configuration -------------------------------------------------------


def url_patterns() -> Iterator[tuple[str, str, URLPattern]]:
    """(namespace, full route, pattern) for every URL pattern of the project."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Any]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or namespace
                yield from walk(entry, prefix + str(entry.pattern), inner)
            else:
                yield namespace, prefix + str(entry.pattern), entry

    yield from walk(get_resolver(), "", "")


def api_path(route: str) -> str:
    """The OpenAPI path of a ninja route: ``api/v1/people/<person_id>`` becomes
    ``/api/v1/people/{person_id}``."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def api_operations() -> set[str]:
    """Every operation of the API, as "METHOD /api/v1/path"."""
    paths = api.get_openapi_schema()["paths"]
    return {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}


def pattern_key(namespace: str, route: str, pattern: URLPattern) -> str:
    if pattern.name:
        return f"{namespace}:{pattern.name}" if namespace else pattern.name
    return route


def admin_url(route: str) -> str:
    """A URL that reaches an admin pattern (which object does not matter to non-staff)."""
    url = re.sub(r"\(\?P<app_label>(\w+)[^)]*\)", r"\1", route)
    url = url.replace("(?P<url>.*)", "no-such-page/")
    url = re.sub(r"<(?:\w+:)?\w+>", "1", url)
    return "/" + url.replace("^", "").replace("$", "")


# --- Requests and answers ------------------------------------------------------------------


def url_of(row: Row, world: World) -> str:
    kwargs = row.kwargs(world)
    if row.is_api:
        url = row.key.split(" ", 1)[1].format(**kwargs)
    else:
        url = reverse(row.key, kwargs=kwargs)
    return f"{url}?{row.query}" if row.query else url


def send(client: Client, row: Row, world: World, method: str | None = None) -> Any:
    method = method or row.method
    url = url_of(row, world)
    body = row.body(world) if row.body else {}
    if method == "GET":
        return client.get(url)
    if row.is_api or row.is_json:
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    if method == "POST":
        return client.post(url, body)
    return client.generic(method, url)


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def describe(response: HttpResponse) -> str:
    location = response.get("Location", "")
    return f"{response.status_code}{' -> ' + location if location else ''}"


def check_outcome(response: Any, row: Row, caller: str) -> None:
    outcome = row.expect[caller]
    status = response.status_code
    location = response.get("Location", "")
    login = reverse("login")
    message = (
        f"{row.label} as {caller}: expected {outcome} ({row.rule.text}), got "
        f"{describe(response)}. If the rule changed on purpose, change {TABLE}."
    )
    if outcome == OK:
        assert status in row.allowed_statuses, message
        assert not location.startswith(f"{login}?next="), message
    elif outcome == LOGIN:
        assert status == 302, message
        assert location.startswith(f"{login}?next="), message
    elif outcome == ADMIN_LOGIN:
        assert status == 302, message
        assert location.startswith(reverse("admin:login")), message
    else:
        assert status == int(outcome), message


def body_of(response: Any) -> bytes:
    """The body, streamed (a download) or not. Reading a streamed body to its end closes the
    response, as the test client arranges (closing it again would close the database
    connection in the middle of the test's transaction)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def without_tokens(response: HttpResponse) -> bytes:
    """The body without its CSRF tokens, which are masked afresh for every response."""
    return CSRF_TOKEN.sub(b"<token>", body_of(response))


def check_need_to_know(response: HttpResponse, row: Row, caller: str, world: World) -> None:
    text = body_of(response).decode(errors="replace")
    for kind, strings in world.canaries.items():
        if may_read(caller, kind):
            continue
        shown = [string for string in strings if string in text]
        assert not shown, f"{row.label} shows {caller} what only others may read: {shown}"


def cases(rows: list[Row]) -> list[Any]:
    return [
        pytest.param(row, caller, id=f"{row.label} as {caller}")
        for row in rows
        for caller in CALLERS
    ]


@pytest.mark.parametrize(("row", "caller"), cases(ROWS))
def test_each_caller_gets_what_the_table_says(stage: Stage, row: Row, caller: str) -> None:
    client = client_for(stage, caller)
    refused = row.expect[caller] != OK
    # Only a refusal or a write says something about the database afterwards.
    before = snapshot(stage) if refused or row.writes else None

    response = send(client, row, stage.world)

    check_outcome(response, row, caller)
    check_need_to_know(response, row, caller, stage.world)
    if before is None:
        return
    changed = changed_tables(before, snapshot(stage))
    if refused:
        if row.audits_refusals:
            changed = [table for table in changed if table != AUDIT_TABLE]
        assert changed == [], f"{row.label}: refused {caller}, yet these tables changed: {changed}"
    else:
        assert set(changed) - {AUDIT_TABLE}, (
            f"{row.label}: allowed for {caller} but nothing was written: fix the row's body in "
            f"{TABLE} so that the refusals it checks mean something"
        )


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=r.label) for r in ROWS if r.expect["outsider"] == HIDDEN]
)
def test_an_outsider_cannot_tell_a_hidden_object_from_a_missing_one(stage: Stage, row: Row) -> None:
    kwargs = row.kwargs(stage.world)
    ids = {name for name, value in kwargs.items() if isinstance(value, int)}
    if not ids:
        pytest.skip("the URL names no object; the body does")
    missing = replace(row, kwargs=lambda world: kwargs | dict.fromkeys(ids, 10**9))
    client = client_for(stage, "outsider")

    hidden = send(client, row, stage.world)
    absent = send(client, missing, stage.world)

    assert (hidden.status_code, without_tokens(hidden)) == (
        absent.status_code,
        without_tokens(absent),
    )


# The pages that take a session through its second step (and the passkey ceremonies).
SECOND_STEP_URLS = {
    "two-step-verify",
    "two-step-setup",
    "two-step-authenticator",
    "two-step-passkey-added",
}


def _halfway_cases() -> list[Any]:
    return [
        pytest.param(row, id=row.label)
        for row in ROWS
        if row.expect["convener"] == OK
        and row.expect["anonymous"] != OK
        and row.key not in SECOND_STEP_URLS
        and not row.key.startswith("otp_webauthn:")
    ]


@pytest.mark.parametrize("row", _halfway_cases())
def test_a_convener_reaches_nothing_before_the_second_step(stage: Stage, row: Row) -> None:
    before = snapshot(stage)

    response = send(client_for(stage, HALFWAY), row, stage.world)

    if row.is_api:
        assert response.status_code == 401, f"{row.label}: {describe(response)}"
    else:
        assert response.status_code == 302, f"{row.label}: {describe(response)}"
        assert response["Location"].startswith(reverse("two-step-verify")), describe(response)
    assert changed_tables(before, snapshot(stage)) == []
    check_need_to_know(response, row, "anonymous", stage.world)


def _refused_form_cases() -> list[Any]:
    return [
        pytest.param(row, caller, id=f"{row.label} as {caller}")
        for row in WEB_ROWS
        if row.method == "POST" and row.body is not None
        for caller in CALLERS
        if row.expect[caller] in (HIDDEN, FORBIDDEN)
    ]


@pytest.mark.parametrize(("row", "caller"), _refused_form_cases())
def test_a_refusal_does_not_wait_for_valid_input(stage: Stage, row: Row, caller: str) -> None:
    # A view that validates the form before it checks the role would answer an empty form
    # with the form again (200): the permission check must come first.
    empty = replace(row, body=lambda world: {})
    before = snapshot(stage)

    response = send(client_for(stage, caller), empty, stage.world)

    check_outcome(response, row, caller)
    assert changed_tables(before, snapshot(stage)) == []


def _foreign_cases() -> list[Any]:
    rows = {row.label: row for row in ROWS}
    return [pytest.param(rows[label], override, id=label) for label, override in FOREIGN.items()]


@pytest.mark.parametrize(("row", "override"), _foreign_cases())
def test_an_id_of_another_process_reaches_nothing(stage: Stage, row: Row, override: Any) -> None:
    # The convener holds every permission in their own process, so only the foreign id can
    # stop the request.
    world = stage.world
    swap = override(world)
    foreign = replace(
        row,
        kwargs=lambda w: row.kwargs(w) | swap.get("kwargs", {}),
        body=lambda w: (row.body(w) if row.body else {}) | swap.get("body", {}),
    )
    before = snapshot(stage)

    response = send(client_for(stage, "convener"), foreign, world)

    refusals = {404} if "kwargs" in swap else {200, 400, 404, 422}
    assert response.status_code in refusals, f"{row.label}: {describe(response)}"
    # A form shown again with its error may show real names, which is audited: nothing else.
    assert set(changed_tables(before, snapshot(stage))) <= {AUDIT_TABLE}
    text = body_of(response).decode(errors="replace")
    assert not [s for s in world.theirs.canaries if s in text], f"{row.label} shows their data"


def test_every_foreign_id_override_names_a_row() -> None:
    labels = {row.label for row in ROWS}

    assert set(FOREIGN) - labels == set(), f"FOREIGN in {TABLE} names rows that do not exist"


@pytest.mark.parametrize("caller", CALLERS[1:])
def test_a_search_by_real_name_finds_someone_only_with_need_to_know(
    stage: Stage, caller: str
) -> None:
    # Finding "Participant Heron" by typing the real name would tell who hides behind it.
    world = stage.world
    url = f"{reverse('person-list')}?{urlencode({'q': world.person.display_name})}"

    text = body_of(client_for(stage, caller).get(url)).decode()

    # Listed by whichever name the caller may use, always with a link to the person's page.
    found = f'href="{world.person.get_absolute_url()}"' in text
    assert found == may_read(caller, "names")


def test_the_canaries_are_shown_to_those_who_may_read_them(stage: Stage) -> None:
    # Without this, the need-to-know checks above could pass by looking for the wrong strings.
    world = stage.world
    meeting_page = reverse("meeting-detail", args=[world.meeting.pk])
    pages = {
        "process": ("observer", reverse("process-detail", args=[world.process.pk])),
        "names": ("facilitator", reverse("person-detail", args=[world.person.pk])),
        "notes": ("analyst", meeting_page),
        "attachments": ("analyst", meeting_page),
        "convener_account": ("convener", reverse("api-token-list")),
        "invited": ("observer", world.invited_consultation.get_absolute_url()),
    }
    assert set(pages) == set(world.canaries)
    for kind, (caller, url) in pages.items():
        text = client_for(stage, caller).get(url).content.decode()
        shown = [string for string in world.canaries[kind] if string in text]
        assert shown, f"{caller} should read some {kind} canary at {url}"


# --- Coverage: no URL without a row --------------------------------------------------------


def test_every_url_of_the_project_has_a_row() -> None:
    operations = {key.split(" ", 1)[1] for key in api_operations()}
    named = {row.key for row in WEB_ROWS}
    missing = set()
    for namespace, route, pattern in url_patterns():
        if namespace == "api" and api_path(route) in operations:
            continue  # an API operation: see the next test
        key = pattern_key(namespace, route, pattern)
        if namespace == ADMIN_NAMESPACE and key not in named:
            continue  # the admin's own rule (ADMIN_RULE), checked below pattern by pattern
        if key not in named:
            missing.add(key)

    assert not missing, (
        f"These URLs have no row in {TABLE}: {sorted(missing)}. Add a row for each saying what "
        "an anonymous visitor, an outsider, an observer, an analyst, a facilitator and a "
        "convener get (members(Permission.X) covers most pages)."
    )


def test_every_api_operation_has_a_row() -> None:
    operations = api_operations()
    tabled = {row.key for row in API_ROWS}

    assert operations - tabled == set(), (
        f"These API operations have no row in {TABLE}: {sorted(operations - tabled)}. Add an "
        "api(...) row for each."
    )
    assert tabled - operations == set(), f"Rows in {TABLE} for operations that do not exist"


def test_every_row_names_a_url_that_exists() -> None:
    names = {pattern_key(ns, route, p) for ns, route, p in url_patterns()}

    stale = {row.key for row in WEB_ROWS} - names
    assert not stale, f"Rows in {TABLE} for URL names that do not exist: {sorted(stale)}"
    labels = [row.label for row in ROWS]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    assert not twice, f"Rows in {TABLE} that say the same thing twice (give a variant): {twice}"


# --- Wrong methods -------------------------------------------------------------------------


def _method_cases() -> list[Any]:
    rows_by_url: dict[str, list[Row]] = defaultdict(list)
    for row in ROWS:
        rows_by_url[row.key.split(" ", 1)[1] if row.is_api else row.key].append(row)
    params = []
    for url, rows in rows_by_url.items():
        if not all(row.refuses_other_methods for row in rows):
            continue  # the row says why (other_methods_note)
        methods = {row.method for row in rows}
        wrong = (
            "PUT"
            if rows[0].is_api
            else next(m for m in ("POST", "GET", "DELETE") if m not in methods)
        )
        # Someone who may use the URL, so that the refusal is about the method alone.
        row, caller = next(
            ((row, caller) for row in rows for caller in CALLERS if row.expect[caller] == OK),
            (rows[0], "convener"),
        )
        params.append(pytest.param(row, caller, wrong, id=f"{wrong} {url}"))
    return params


@pytest.mark.parametrize(("row", "caller", "method"), _method_cases())
def test_a_method_the_url_does_not_take_is_refused(
    stage: Stage, row: Row, caller: str, method: str
) -> None:
    client = client_for(stage, caller)
    before = snapshot(stage)

    response = send(client, row, stage.world, method=method)

    assert response.status_code == 405, f"{method} to {row.label}: {describe(response)}"
    assert changed_tables(before, snapshot(stage)) == []


# --- The admin ----------------------------------------------------------------------------


def _admin_cases() -> list[Any]:
    named = {row.key for row in WEB_ROWS}
    return [
        pytest.param(route, caller, id=f"{key} as {caller}")
        for namespace, route, pattern in url_patterns()
        if namespace == ADMIN_NAMESPACE
        and (key := pattern_key(namespace, route, pattern)) not in named
        for caller in CALLERS
    ]


@pytest.mark.parametrize(("route", "caller"), _admin_cases())
def test_the_admin_is_for_staff_only(stage: Stage, route: str, caller: str) -> None:
    url = admin_url(route)
    assert resolve(url).route == route.replace("^", ""), f"{url} does not reach {route}"
    before = snapshot(stage)

    response = client_for(stage, caller).get(url)

    check_outcome(response, Row(route, "GET", ADMIN_RULE), caller)
    assert changed_tables(before, snapshot(stage)) == []
