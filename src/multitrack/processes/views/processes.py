"""Process pages: the list, one process, opening and editing one, and its members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.accounts.access import can, require, role_in
from multitrack.accounts.models import Role
from multitrack.accounts.permissions import Permission
from multitrack.actors.selectors import conflicts_visible_to, organisations_visible_to
from multitrack.processes.access import access_process_by_id
from multitrack.processes.forms import MemberAddForm, MemberRoleForm, ProcessForm
from multitrack.processes.models import Process
from multitrack.processes.selectors import (
    process_summaries,
    process_summary,
    processes_visible_to,
)
from multitrack.processes.services import membership_set, process_update
from multitrack.processes.services import process_create as create_process
from multitrack.processes.views.pages import add_service_error


def _process_form(request: HttpRequest, **kwargs: Any) -> ProcessForm:
    return ProcessForm(
        request.POST if request.method == "POST" else None,
        conflicts=conflicts_visible_to(user=request.user),
        organisations=organisations_visible_to(user=request.user),
        **kwargs,
    )


# The process's other pages, each shown only to roles that may use it: (label, url name,
# permission, query string). The pages themselves check again.
PROCESS_TOOLS: tuple[tuple[str, str, Permission, str], ...] = (
    ("Process health", "process-health", Permission.VIEW_PROCESS, ""),
    ("Ideas", "idea-board", Permission.VIEW_PROCESS, "?process={pk}"),
    ("New idea", "idea-create", Permission.RECORD_IDEAS, ""),
    ("New non-paper", "non-paper-create", Permission.RECORD_IDEAS, ""),
    ("Consultations", "consultation-list", Permission.VIEW_RESULTS, ""),
    ("New consultation", "process-consultation-create", Permission.RUN_CONSULTATIONS, ""),
    ("Stakeholder map and calendars", "practice-settings", Permission.VIEW_PROCESS, ""),
    ("Relationship ties", "tie-list", Permission.READ_TIES, ""),
    ("Surveys", "survey-list", Permission.READ_SURVEYS, ""),
    ("Add a person", "person-create", Permission.EDIT_PEOPLE, "?process={pk}"),
    ("Import people (CSV)", "people-import", Permission.EDIT_PEOPLE, ""),
    ("Audit trail", "process-audit", Permission.REVIEW_AUDIT, ""),
)
_TOOLS_WITHOUT_PK = {"idea-board", "consultation-list", "person-create"}


def _process_tools(request: HttpRequest, process: Process) -> list[tuple[str, str]]:
    tools = []
    for label, name, permission, query in PROCESS_TOOLS:
        if can(request.user, permission, process.pk):
            args = [] if name in _TOOLS_WITHOUT_PK else [process.pk]
            tools.append((label, reverse(name, args=args) + query.format(pk=process.pk)))
    return tools


def _detail_context(
    request: HttpRequest, process: Process, *, member_form: MemberAddForm | None = None
) -> dict[str, Any]:
    can_manage = can(request.user, Permission.MANAGE_MEMBERS, process.pk)
    memberships = process.memberships.select_related("user").order_by("user__username")
    return {
        "process": process,
        "summary": process_summary(process=process),
        "roster": process.roster.select_related("person").order_by("person__pseudonym"),
        "members": [
            (m, MemberRoleForm(initial={"role": m.role}, auto_id=f"id_member_{m.pk}_%s"))
            for m in memberships
        ],
        "can_edit": can(request.user, Permission.EDIT_PROCESS, process.pk),
        "can_record": can(request.user, Permission.RECORD_MEETINGS, process.pk),
        "can_manage_members": can_manage,
        "member_form": (member_form or MemberAddForm(auto_id="id_member_%s"))
        if can_manage
        else None,
        "role": role_in(request.user, process.pk),
        "tools": _process_tools(request, process),
    }


@login_required
@require_GET
def process_list(request: HttpRequest) -> HttpResponse:
    """The processes the user is a member of, with their declared and derived tracks."""
    processes = list(processes_visible_to(user=request.user))
    summaries = process_summaries(processes=processes)
    rows = [(p, summaries[p.pk], role_in(request.user, p.pk)) for p in processes]
    return render(
        request,
        "processes/process_list.html",
        {"rows": rows, "can_create": request.user.has_perm("processes.add_process")},
    )


@login_required
@require_GET
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One process: its facts, meetings and their tracks, roster and members."""
    process = access_process_by_id(request.user, pk)
    return render(request, "processes/process_detail.html", _detail_context(request, process))


@login_required
@require_http_methods(["GET", "POST"])
def process_create(request: HttpRequest) -> HttpResponse:
    """Open a process; only accounts allowed to add processes may, and they become convener."""
    if not request.user.has_perm("processes.add_process"):
        raise PermissionDenied("Your account may not open new processes.")
    form = _process_form(request)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            process = create_process(
                actor=request.user,
                conflict=fields.pop("conflict"),
                title=fields.pop("title"),
                **fields,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The process is open. You are its convener.")
            return redirect(process)
    return render(request, "processes/process_form.html", {"form": form, "process": None})


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a process's facts (conveners only)."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.EDIT_PROCESS, process.pk)
    # The form works on a copy, so an invalid entry never shows up in the page's heading.
    form = _process_form(request, instance=access_process_by_id(request.user, pk))
    if request.method == "POST" and form.is_valid():
        try:
            process_update(actor=request.user, process=process, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect(process)
    return render(request, "processes/process_form.html", {"form": form, "process": process})


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a user, by username, a role in the process (or change the role they have)."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.MANAGE_MEMBERS, process.pk)
    form = MemberAddForm(request.POST, auto_id="id_member_%s")
    if form.is_valid():
        try:
            membership_set(
                actor=request.user,
                process=process,
                user=form.cleaned_data["username"],
                role=Role(form.cleaned_data["role"]),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Member saved.")
            return redirect(f"{process.get_absolute_url()}#members")
    return render(
        request,
        "processes/process_detail.html",
        _detail_context(request, process, member_form=form),
    )


def _member_user(process: Process, user_id: int) -> Any:
    """A member of this process, by user id; 404 for anyone else."""
    user = get_user_model().objects.filter(pk=user_id, memberships__process=process).first()
    if user is None:
        raise Http404("No such member.")
    return user


@login_required
@require_POST
def member_change(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """Change a member's role."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.MANAGE_MEMBERS, process.pk)
    user = _member_user(process, user_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
    else:
        try:
            membership_set(
                actor=request.user, process=process, user=user, role=Role(form.cleaned_data["role"])
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"{user.get_username()} is now {Role(form.cleaned_data['role']).label.lower()}.",
            )
    return redirect(f"{process.get_absolute_url()}#members")


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """Take a member out of the process."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.MANAGE_MEMBERS, process.pk)
    user = _member_user(process, user_id)
    try:
        membership_set(actor=request.user, process=process, user=user, role=None)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{user.get_username()} is no longer a member.")
    return redirect(f"{process.get_absolute_url()}#members")
