"""Pages where conveners and facilitators enter best-practice data. Thin: parse, access, service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.accounts.access import can, require
from multitrack.accounts.permissions import Permission
from multitrack.practice import forms as practice_forms
from multitrack.practice import services
from multitrack.practice.access import access_survey_by_id
from multitrack.practice.models import (
    Observance,
    PartyCalendar,
    RefusedVenue,
    RelationshipTie,
    StakeholderCategory,
    StakeholderTag,
)
from multitrack.practice.selectors import practice_entries, surveys_of, ties_of
from multitrack.processes.access import access_process_by_id
from multitrack.processes.models import Process
from multitrack.processes.views.pages import add_service_error, person_label, roster_people


def _forms(request: HttpRequest, process: Process, data: Any = None) -> dict[str, forms.Form]:
    label = person_label(request)
    return {
        "category": practice_forms.CategoryForm(data, process=process, prefix="category"),
        "tag": practice_forms.TagForm(
            data, people=roster_people(process), label_for=label, prefix="tag"
        ),
        "calendar": practice_forms.CalendarForm(data, process=process, prefix="calendar"),
        "observance": practice_forms.ObservanceForm(data, process=process, prefix="observance"),
        "venue": practice_forms.VenueForm(data, process=process, prefix="venue"),
    }


_SERVICES: dict[str, Callable[..., Any]] = {
    "category": services.stakeholder_category_create,
    "tag": services.stakeholder_tag_add,
    "calendar": services.party_calendar_add,
    "observance": services.observance_add,
    "venue": services.refused_venue_add,
}
_MODELS: dict[str, Any] = {
    "category": StakeholderCategory,
    "tag": StakeholderTag,
    "calendar": PartyCalendar,
    "observance": Observance,
    "venue": RefusedVenue,
}


def _settings_page(request: HttpRequest, process: Process, **bound: forms.Form) -> HttpResponse:
    can_edit = can(request.user, Permission.EDIT_PRACTICE, process.pk)
    context = {
        "process": process,
        "entries": practice_entries(process=process),
        "forms": {**_forms(request, process), **bound} if can_edit else {},
        "can_edit": can_edit,
    }
    return render(request, "practice/settings.html", context, status=400 if bound else 200)


@login_required
@require_GET
def practice_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """The stakeholder map, calendars, observances, refused venues and tags of a process."""
    return _settings_page(request, access_process_by_id(request.user, pk))


@login_required
@require_POST
def practice_add(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """Add a category, tag, calendar, observance or refused venue (conveners)."""
    process = access_process_by_id(request.user, pk)
    if what not in _SERVICES:
        raise Http404("Nothing of that kind.")
    require(request.user, Permission.EDIT_PRACTICE, process.pk)
    form = _forms(request, process, request.POST)[what]
    if form.is_valid():
        try:
            _SERVICES[what](actor=request.user, process=process, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("practice-settings", pk=process.pk)
    return _settings_page(request, process, **{what: form})


@login_required
@require_POST
def practice_delete(request: HttpRequest, pk: int, what: str, entry_pk: int) -> HttpResponse:
    """Remove a category, tag, calendar, observance or refused venue (conveners)."""
    process = access_process_by_id(request.user, pk)
    if what not in _MODELS:
        raise Http404("Nothing of that kind.")
    entry = get_object_or_404(_MODELS[what], pk=entry_pk, process=process)
    if what == "category":
        services.stakeholder_category_delete(actor=request.user, category=entry)
    else:
        services.practice_entry_delete(actor=request.user, entry=entry)
    messages.success(request, "Removed.")
    return redirect("practice-settings", pk=process.pk)


@login_required
@require_http_methods(["GET", "POST"])
def tie_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The relationships recorded between participants, and a form to record one."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.READ_TIES, process.pk)
    can_record = can(request.user, Permission.RECORD_TIES, process.pk)
    form = practice_forms.TieForm(
        request.POST if request.method == "POST" else None,
        process=process,
        people=roster_people(process),
        label_for=person_label(request),
    )
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied("Your role does not allow recording ties.")
        if form.is_valid():
            try:
                services.tie_record(actor=request.user, process=process, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Relationship recorded.")
                return redirect("tie-list", pk=process.pk)
    context = {
        "process": process,
        "ties": ties_of(process=process),
        "form": form if can_record else None,
    }
    return render(request, "practice/ties.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def tie_delete(request: HttpRequest, pk: int, tie_pk: int) -> HttpResponse:
    """Remove a relationship entered by mistake."""
    process = access_process_by_id(request.user, pk)
    tie = get_object_or_404(RelationshipTie, pk=tie_pk, process=process)
    services.tie_delete(actor=request.user, tie=tie)
    return redirect("tie-list", pk=process.pk)


@login_required
@require_http_methods(["GET", "POST"])
def survey_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The surveys of a process, and a form to create one with the standard items."""
    process = access_process_by_id(request.user, pk)
    can_edit = can(request.user, Permission.EDIT_PRACTICE, process.pk)
    form = practice_forms.SurveyForm(
        request.POST if request.method == "POST" else None, process=process
    )
    if request.method == "POST":
        require(request.user, Permission.EDIT_PRACTICE, process.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                survey = services.survey_create(
                    actor=request.user,
                    meeting=data["meeting"],
                    phase=data["phase"],
                    is_anonymous=data["is_anonymous"],
                    custom_questions=data["custom_questions"].splitlines(),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect("survey-detail", pk=survey.pk)
    context = {
        "process": process,
        "surveys": surveys_of(process=process),
        "form": form if can_edit else None,
    }
    return render(request, "practice/surveys.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A survey's questions, and a form to enter one respondent's answers. No results here."""
    survey = access_survey_by_id(request.user, pk)
    can_record = can(request.user, Permission.RECORD_SURVEY_RESPONSES, survey.process_id)
    form = practice_forms.ResponseForm(
        request.POST if request.method == "POST" else None, survey=survey
    )
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied("Your role does not allow entering survey responses.")
        if form.is_valid():
            try:
                services.survey_response_record(
                    actor=request.user,
                    survey=survey,
                    answers=form.answers(),
                    respondent_party=form.cleaned_data["respondent_party"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Response saved. The form is empty for the next one.")
                return redirect("survey-detail", pk=survey.pk)
    context = {"survey": survey, "form": form if can_record else None}
    return render(
        request, "practice/survey_detail.html", context, status=400 if form.errors else 200
    )
