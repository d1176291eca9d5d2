"""Idea pages: the pipeline board, recording an idea, and its journey across tracks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.accounts.access import processes_where, require
from multitrack.accounts.permissions import Permission
from multitrack.consultations.access import access_results
from multitrack.ideas import services
from multitrack.ideas.access import access_idea_by_id
from multitrack.ideas.forms import BoardFilterForm
from multitrack.ideas.selectors import pipeline, process_consideration
from multitrack.ideas.views.pages import (
    add_service_error,
    idea_form,
    idea_page_context,
    stage_form,
    transfer_form,
    version_form,
)
from multitrack.processes.access import access_process_by_id
from multitrack.processes.selectors import processes_visible_to


@login_required
@require_GET
def idea_board(request: HttpRequest) -> HttpResponse:
    """The pipeline board: ideas by stage, filtered by issue, process and origin; and per
    process, how many ideas reached official consideration."""
    processes = [(p.pk, p.title) for p in processes_visible_to(user=request.user)]
    form = BoardFilterForm(request.GET or None, processes=processes)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "issue": form.cleaned_data["issue"],
            "process_id": form.cleaned_data["process"],
            "origin": form.cleaned_data["origin"],
        }
    context = {
        "form": form,
        "columns": pipeline(user=request.user, **filters),
        "consideration": process_consideration(user=request.user),
        "recording": {pk for pk, _ in processes}
        if request.user.is_superuser
        else processes_where(request.user, Permission.RECORD_IDEAS),
    }
    return render(request, "ideas/idea_board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def idea_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an idea born in one of the process's meetings or in a consultation; from a
    consultation's results, ``?consultation=<id>&statement=<number>`` fills the form in."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.RECORD_IDEAS, process.pk)
    form = idea_form(request, process)
    if request.method == "POST" and form.is_valid():
        try:
            idea = services.idea_record(
                actor=request.user, process=process, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The idea is recorded.")
            return redirect(idea)
    return render(request, "ideas/idea_form.html", {"form": form, "process": process})


@login_required
@require_GET
def idea_from_consultation(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Turn into an idea" button of a consultation's results: on to the idea form of its
    process, or, for a consultation standing alone, a choice of the processes the user records
    ideas in."""
    consultation = access_results(request.user, pk)
    statement = str(request.GET.get("statement") or "")
    query = urlencode({"consultation": str(consultation.pk), "statement": statement})
    if consultation.process_id is not None:
        require(request.user, Permission.RECORD_IDEAS, consultation.process_id)
        return redirect(f"{reverse('idea-create', args=[consultation.process_id])}?{query}")
    processes = processes_visible_to(user=request.user)
    if not request.user.is_superuser:
        processes = processes.filter(pk__in=processes_where(request.user, Permission.RECORD_IDEAS))
    context = {"consultation": consultation, "processes": processes, "query": query}
    return render(request, "ideas/idea_from_consultation.html", context)


@login_required
@require_GET
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An idea's journey as a timeline across tracks."""
    idea = access_idea_by_id(request.user, pk)
    return render(request, "ideas/idea_detail.html", idea_page_context(request, idea))


@login_required
@require_POST
def idea_stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the idea to another stage."""
    idea = access_idea_by_id(request.user, pk)
    require(request.user, Permission.RECORD_IDEAS, idea.process_id)
    form = stage_form(idea, request.POST)
    if form.is_valid():
        try:
            services.idea_stage_change(actor=request.user, idea=idea, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{idea.get_absolute_url()}#journey")
    context = idea_page_context(request, idea, stage_form=form)
    return render(request, "ideas/idea_detail.html", context)


@login_required
@require_POST
def idea_version_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a reworked version of the idea."""
    idea = access_idea_by_id(request.user, pk)
    require(request.user, Permission.RECORD_IDEAS, idea.process_id)
    form = version_form(request, idea, request.POST)
    if form.is_valid():
        try:
            services.idea_version_add(actor=request.user, idea=idea, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{idea.get_absolute_url()}#journey")
    context = idea_page_context(request, idea, version_form=form)
    return render(request, "ideas/idea_detail.html", context)


@login_required
@require_POST
def idea_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Record how the idea was carried towards official talks."""
    idea = access_idea_by_id(request.user, pk)
    require(request.user, Permission.RECORD_IDEAS, idea.process_id)
    form = transfer_form(idea, request.POST)
    if form.is_valid():
        try:
            services.idea_transfer(actor=request.user, idea=idea, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{idea.get_absolute_url()}#journey")
    context = idea_page_context(request, idea, transfer_form=form)
    return render(request, "ideas/idea_detail.html", context)
