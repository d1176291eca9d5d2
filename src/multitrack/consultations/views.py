"""Staff pages: consultations of a process, moderation, results, reports, import and export."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.accounts.permissions import Permission
from multitrack.consultations import polis, selectors, services
from multitrack.consultations.access import (
    access_consultation_by_id,
    access_results,
    can_in_consultation,
    require_in_consultation,
)
from multitrack.consultations.forms import (
    ConsultationForm,
    ImportForm,
    InvitationsForm,
    ModerationForm,
    SeedForm,
)
from multitrack.consultations.models import Consultation, OpinionMap, Statement
from multitrack.processes.access import access_process_by_id
from multitrack.web.csv_safety import safe_writer
from multitrack.web.uploads import upload_was_refused


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    """The consultations the user may see."""
    consultations = selectors.consultations_visible_to(user=request.user)[:200]
    return render(request, "consultations/list.html", {"consultations": consultations})


@login_required
@require_http_methods(["GET", "POST"])
def consultation_create(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Open a consultation in a process (``pk``) or standing alone."""
    process = access_process_by_id(request.user, pk) if pk is not None else None
    form = ConsultationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "seed_statements"}
        try:
            consultation = services.consultation_create(
                actor=request.user, process=process, seed_statements=form.seeds(), **fields
            )
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            return redirect(consultation)
    elif process is not None:
        require_in_consultation(
            request.user, Permission.RUN_CONSULTATIONS, Consultation(process=process)
        )
    return render(request, "consultations/form.html", {"form": form, "process": process})


@login_required
@require_GET
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A consultation's settings, link, statements and what its staff can do next."""
    consultation = access_consultation_by_id(request.user, pk)
    context = {
        "consultation": consultation,
        "statements": consultation.statements.order_by("number"),
        "participant_link": request.build_absolute_uri(consultation.participant_url()),
        "can_run": can_in_consultation(request.user, Permission.RUN_CONSULTATIONS, consultation),
        "can_moderate": can_in_consultation(
            request.user, Permission.MODERATE_STATEMENTS, consultation
        ),
        "can_view_results": can_in_consultation(
            request.user, Permission.VIEW_RESULTS, consultation
        ),
        "pending": consultation.statements.filter(status=Statement.Status.PENDING).count(),
        "seed_form": SeedForm(),
        "invitations_form": InvitationsForm(),
        "import_form": ImportForm(),
    }
    return render(request, "consultations/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a consultation's settings."""
    consultation = access_consultation_by_id(request.user, pk)
    require_in_consultation(request.user, Permission.RUN_CONSULTATIONS, consultation)
    data = request.POST if request.method == "POST" else None
    form = ConsultationForm(
        data, instance=access_consultation_by_id(request.user, pk), creating=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_update(
                actor=request.user, consultation=consultation, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, "Saved.")
            return redirect(consultation)
    return render(
        request,
        "consultations/form.html",
        {"form": form, "process": consultation.process, "consultation": consultation},
    )


@login_required
@require_POST
def statement_seed(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a convener's statement."""
    consultation = access_consultation_by_id(request.user, pk)
    form = SeedForm(request.POST)
    if form.is_valid():
        try:
            services.statement_seed(
                actor=request.user, consultation=consultation, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, "Statement added.")
    else:
        require_in_consultation(request.user, Permission.RUN_CONSULTATIONS, consultation)
        messages.error(request, "Write the statement first.")
    return redirect(consultation)


@login_required
@require_POST
def invitations_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Make one-time links; they are shown on this response only."""
    consultation = access_consultation_by_id(request.user, pk)
    require_in_consultation(request.user, Permission.RUN_CONSULTATIONS, consultation)
    form = InvitationsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how many links to make (1 to 500).")
        return redirect(consultation)
    tokens = services.invitations_create(
        actor=request.user, consultation=consultation, count=form.cleaned_data["count"]
    )
    links = [
        request.build_absolute_uri(f"{consultation.participant_url()}join/{token}/")
        for token in tokens
    ]
    return render(
        request, "consultations/invitations.html", {"consultation": consultation, "links": links}
    )


@login_required
@require_http_methods(["GET", "POST"])
def moderation_queue(request: HttpRequest, pk: int) -> HttpResponse:
    """Statements waiting for a decision; accept, reject or mark as meta, one or many."""
    consultation = access_consultation_by_id(request.user, pk)
    require_in_consultation(request.user, Permission.MODERATE_STATEMENTS, consultation)
    status = request.GET.get("status", Statement.Status.PENDING)
    if status not in Statement.Status.values:
        status = Statement.Status.PENDING
    numbers = list(consultation.statements.values_list("number", flat=True))
    form = ModerationForm(request.POST or None, numbers=numbers)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.statements_moderate(
                actor=request.user, consultation=consultation, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, f"{done} statement{'s' if done != 1 else ''} moderated.")
            return redirect(f"{request.path}?status={status}")
    queue = selectors.moderation_queue(consultation, status=status)
    return render(
        request,
        "consultations/moderation.html",
        {
            "consultation": consultation,
            "queue": queue,
            "status": status,
            "form": form,
            "statuses": Statement.Status.choices,
        },
    )


@login_required
@require_GET
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """The opinion map, groups, consensus and bridging statements, participation over time."""
    consultation = access_results(request.user, pk)
    participants = request.GET.get("participants", OpinionMap.Participants.EVERYONE)
    if participants not in OpinionMap.Participants.values:
        return HttpResponseBadRequest("Unknown participants: use everyone or invited.")
    return render(
        request,
        "consultations/results.html",
        {
            "results": selectors.results_of(consultation, participants=participants),
            "signals": selectors.abuse_signals(consultation),
            "consultation": consultation,
            "can_run": can_in_consultation(
                request.user, Permission.RUN_CONSULTATIONS, consultation
            ),
        },
    )


@login_required
@require_POST
def recompute(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a fit now (it runs in the background)."""
    consultation = access_results(request.user, pk)
    require_in_consultation(request.user, Permission.RUN_CONSULTATIONS, consultation)
    services.map_request(consultation_id=consultation.pk, delay_seconds=0)
    messages.success(request, "The map will be recomputed in the background.")
    return redirect("consultation-results", pk=consultation.pk)


def report_data(consultation: Consultation) -> dict[str, Any]:
    """The report's content: statements with counts, groups, consensus, bridging, provenance."""
    found = selectors.results_of(consultation)
    counts = selectors.statement_counts(consultation)
    return {
        "consultation": {
            "id": consultation.pk,
            "title": consultation.title,
            "question": consultation.question,
        },
        "map": None
        if found.map is None
        else {
            "computed_at": found.map.computed_at,
            "engine_version": found.map.engine_version,
            "random_state": found.map.random_state,
            "n_participants": found.map.n_participants,
            "n_statements": found.map.n_statements,
            "n_votes": found.map.n_votes,
        },
        "participants": found.n_participants,
        "vote_records_by_origin": found.vote_records_by_origin,
        "statements": [
            {
                "number": s.number,
                "text": s.text,
                "status": s.status,
                "is_meta": s.is_meta,
                **counts.get(s.number, dict.fromkeys(("agree", "disagree", "pass"), 0)),
            }
            for s in found.statements.values()
        ],
        "groups": [
            {"name": g.name, "size": g.size, "representative": g.representative}
            for g in found.groups
        ],
        "consensus": {
            "agree": [s.number for s in found.consensus_agree],
            "disagree": [s.number for s in found.consensus_disagree],
        },
        "bridging": found.bridging,
    }


@login_required
@require_GET
def report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download the report as JSON or CSV (one row per statement)."""
    consultation = access_results(request.user, pk)
    if fmt not in ("json", "csv"):
        raise Http404("No such report format.")
    data = report_data(consultation)
    if fmt == "json":
        response: HttpResponse = JsonResponse(data, encoder=DjangoJSONEncoder)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        # Statement text comes from participants: defuse spreadsheet formulas (OWASP CSV
        # injection). The Pol.is export below is an interchange format and stays raw.
        writer = safe_writer(response)
        writer.writerow(["number", "status", "is_meta", "agree", "disagree", "pass", "text"])
        for row in data["statements"]:
            writer.writerow(
                [
                    row["number"],
                    row["status"],
                    row["is_meta"],
                    row["agree"],
                    row["disagree"],
                    row["pass"],
                    row["text"],
                ]
            )
    response["Content-Disposition"] = f'attachment; filename="consultation-{pk}-report.{fmt}"'
    return response


@login_required
@require_GET
def polis_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The consultation as a Pol.is export (.zip of votes, comments, participants-votes)."""
    consultation = access_consultation_by_id(request.user, pk)
    require_in_consultation(request.user, Permission.RUN_CONSULTATIONS, consultation)
    with tempfile.TemporaryDirectory() as folder:
        content = polis.export_zip(consultation=consultation, folder=Path(folder))
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="consultation-{pk}-polis.zip"'
    return response


@login_required
@require_POST
def polis_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Load a Pol.is export into this (empty) consultation."""
    consultation = access_consultation_by_id(request.user, pk)
    require_in_consultation(request.user, Permission.RUN_CONSULTATIONS, consultation)
    if any(upload_was_refused(request, field) for field in ("archive", "votes", "comments")):
        messages.error(request, polis.too_large_message())
        return redirect(consultation)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()) or "Bad file.")
        return redirect(consultation)
    try:
        with tempfile.TemporaryDirectory() as folder:
            polis.unpack_upload(
                Path(folder),
                archive=form.cleaned_data.get("archive"),
                files={
                    "votes.csv": form.cleaned_data.get("votes"),
                    "comments.csv": form.cleaned_data.get("comments"),
                },
            )
            counts = polis.polis_import(
                actor=request.user, consultation=consultation, folder=Path(folder)
            )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request,
            f"Imported {counts['statements']} statements, {counts['participants']} participants "
            f"and {counts['votes']} votes.",
        )
    return redirect(consultation)
