"""Every view of a real name is logged.

Pseudonyms are the default. Whatever shows someone's real name, aliases, contact details or
the organisation and role they hold (a page, a select, an API response) calls
``real_names_shown(request, person_ids)``; the ``RealNameViewLogMiddleware`` then writes, once
the response is ready, one audit line per process for the whole request:
``actors.real_names.viewed`` with the ids of the people (never their names) and the page or
API operation (its URL name) in ``detail``. The process is the one through which the viewer
has need-to-know, so its conveners see the line on the process's audit page.

Pseudonym-only responses write nothing. A forgotten person's placeholder is not a real name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse

from multitrack.accounts.access import processes_where
from multitrack.accounts.audit import audit_per_process
from multitrack.accounts.models import AuditEvent
from multitrack.accounts.permissions import Permission

ACTION = "actors.real_names.viewed"
_SHOWN = "_multitrack_real_names_shown"
_SCOPE = "_multitrack_real_name_scope"


@dataclass(frozen=True)
class RealNameScope:
    """Whose real names a user may see, and through which of their processes.

    ``processes_of`` maps a person's id to the ids of the user's processes that give
    need-to-know for them (SEE_REAL_NAMES, person on the roster); None for a superuser, who may
    see everyone's.
    """

    processes_of: dict[int, frozenset[int]] | None

    @property
    def person_ids(self) -> set[int] | None:
        """The ids of the people the user may see by name (None: everyone)."""
        return None if self.processes_of is None else set(self.processes_of)

    def allows(self, person_id: int) -> bool:
        """Whether the user has need-to-know for this person's name and contact details."""
        return self.processes_of is None or person_id in self.processes_of


def _scope_for(user: Any) -> RealNameScope:
    from multitrack.processes.models import ProcessParticipant

    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return RealNameScope(processes_of=None)
    allowed = processes_where(user, Permission.SEE_REAL_NAMES)
    processes_of: dict[int, set[int]] = defaultdict(set)
    if allowed:
        for person_id, process_id in ProcessParticipant.objects.filter(
            process_id__in=allowed
        ).values_list("person_id", "process_id"):
            processes_of[person_id].add(process_id)
    return RealNameScope({pk: frozenset(ids) for pk, ids in processes_of.items()})


def real_name_scope(request: HttpRequest, *, user: Any = None) -> RealNameScope:
    """The real-name scope of ``user`` (default: the request's user), worked out once per
    request (one query, never one per row) and kept on the request. The same answer as
    ``actors.selectors.real_name_person_ids``."""
    scope: RealNameScope | None = getattr(request, _SCOPE, None)
    if scope is None:
        scope = _scope_for(user if user is not None else request.user)
        setattr(request, _SCOPE, scope)
    return scope


def real_names_shown(
    request: HttpRequest | None, person_ids: Iterable[int], *, user: Any = None
) -> None:
    """Note that the response to ``request`` shows these people's real names or contact
    details to ``user`` (default: the request's user). Written once, after the response."""
    if request is None:
        return
    user = user if user is not None else getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return
    entry: tuple[Any, set[int]] | None = getattr(request, _SHOWN, None)
    if entry is None:
        entry = (user, set())
        setattr(request, _SHOWN, entry)
    entry[1].update(person_ids)


def _via(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    where = match.view_name if match is not None and match.view_name else request.path
    return re.sub(r"[^A-Za-z0-9_.:/-]", "-", where)[:200]


def record_real_name_views(request: HttpRequest) -> list[AuditEvent]:
    """Write the audit lines for what ``request`` showed (once; nothing if it showed none).

    One line per process through which the viewer has need-to-know (for a superuser: every
    process the people are on), so each process's conveners see it on their audit page.
    """
    from multitrack.processes.models import ProcessParticipant

    entry: tuple[Any, set[int]] | None = getattr(request, _SHOWN, None)
    if not entry or not entry[1]:
        return []
    delattr(request, _SHOWN)
    user, person_ids = entry
    scope = real_name_scope(request, user=user)
    by_process: dict[int, set[int]] = defaultdict(set)
    pairs: Iterable[tuple[int, int]]
    if scope.processes_of is None:
        pairs = ProcessParticipant.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "process_id"
        )
    else:
        known = scope.processes_of
        pairs = [(pk, pid) for pk in person_ids for pid in known.get(pk, ())]
    for person_id, process_id in pairs:
        by_process[process_id].add(person_id)
    via = _via(request)
    details: dict[int | None, dict[str, Any]] = {
        process_id: {"person_ids": sorted(by_process[process_id]), "via": via}
        for process_id in sorted(by_process)
    }
    # Someone shown through no process (which the selectors should never allow) still counts.
    unplaced = person_ids - {pid for ids in by_process.values() for pid in ids}
    if unplaced:
        details[None] = {"person_ids": sorted(unplaced), "via": via}
    return audit_per_process(actor=user, action=ACTION, details=details)


class RealNameViewLogMiddleware:
    """After each response, writes the real-name views the request noted (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        record_real_name_views(request)
        return response
