"""Non-paper pages: drafting from selected ideas, rewriting, checks, overrides and exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from multitrack.accounts.access import require
from multitrack.accounts.permissions import Permission
from multitrack.ideas import documents, services
from multitrack.ideas.access import access_non_paper_by_id
from multitrack.ideas.forms import NonPaperCreateForm, NonPaperEditForm, OverrideForm
from multitrack.ideas.models import Export
from multitrack.ideas.views.pages import add_service_error, non_paper_page_context
from multitrack.processes.access import access_process_by_id


@login_required
@require_http_methods(["GET", "POST"])
def non_paper_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft a non-paper from selected ideas of a process."""
    process = access_process_by_id(request.user, pk)
    require(request.user, Permission.RECORD_IDEAS, process.pk)
    form = NonPaperCreateForm(request.POST or None, ideas=process.ideas.order_by("title"))
    if request.method == "POST" and form.is_valid():
        try:
            non_paper = services.non_paper_create(
                actor=request.user, process=process, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(non_paper)
    non_papers = process.non_papers.all()
    context = {"form": form, "process": process, "non_papers": non_papers}
    return render(request, "ideas/non_paper_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def non_paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A non-paper: its text, what the check flags, and (POST) a rewrite."""
    non_paper = access_non_paper_by_id(request.user, pk)
    if request.method == "GET":
        context = non_paper_page_context(request, non_paper)
        return render(request, "ideas/non_paper_detail.html", context)
    require(request.user, Permission.RECORD_IDEAS, non_paper.process_id)
    form = NonPaperEditForm(request.POST, non_paper=non_paper)
    if form.is_valid():
        services.non_paper_update(
            actor=request.user,
            non_paper=non_paper,
            title=form.cleaned_data["title"],
            context=form.cleaned_data["context"],
            options=form.options(),
        )
        messages.success(request, "Saved. The check has run again.")
        return redirect(non_paper)
    context = non_paper_page_context(request, non_paper, edit_form=form)
    return render(request, "ideas/non_paper_detail.html", context)


@login_required
@require_POST
def non_paper_override(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep flagged words on purpose, with a reason."""
    non_paper = access_non_paper_by_id(request.user, pk)
    require(request.user, Permission.EXPORT_DOCUMENTS, non_paper.process_id)
    form = OverrideForm(request.POST, flags=documents.non_paper_flags(non_paper))
    if form.is_valid():
        try:
            services.non_paper_override(
                actor=request.user,
                non_paper=non_paper,
                words=form.cleaned_data["words"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{non_paper.get_absolute_url()}#check")
    context = non_paper_page_context(request, non_paper, override_form=form)
    return render(request, "ideas/non_paper_detail.html", context)


@login_required
@require_POST
def non_paper_export(request: HttpRequest, pk: int, format: str) -> HttpResponse:
    """Download the non-paper as Markdown, DOCX or PDF; refused while anything is flagged."""
    non_paper = access_non_paper_by_id(request.user, pk)
    require(request.user, Permission.EXPORT_DOCUMENTS, non_paper.process_id)
    if format not in Export.Format.values:
        return HttpResponse("Choose Markdown, DOCX or PDF.", status=404)
    try:
        _, content = services.non_paper_export(
            actor=request.user, non_paper=non_paper, format=format
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{non_paper.get_absolute_url()}#check")
    response = HttpResponse(content, content_type=documents.CONTENT_TYPES[Export.Format(format)])
    filename = documents.filename(non_paper, format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
