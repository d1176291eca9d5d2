"""The process health page, the printable process report and a meeting's pre-confirmation checks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from multitrack.accounts.access import can, require
from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.insights.selectors import meeting_check, process_health
from multitrack.processes.access import access_meeting_by_id, access_process_by_id


@login_required
@require_GET
def process_health_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Inclusivity, cultural sensitivity, sustained engagement and trust, with their evidence."""
    process = access_process_by_id(request.user, pk)
    health = process_health(user=request.user, process=process)
    context = {
        "process": process,
        "health": health,
        "can_edit_practice": can(request.user, Permission.EDIT_PRACTICE, process.pk),
        "can_report_with_names": can(request.user, Permission.REPORT_WITH_NAMES, process.pk),
    }
    return render(request, "insights/process_health.html", context)


@login_required
@require_GET
def process_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A print-ready report for funders and boards: no personal names unless ``?internal=1``
    (conveners only), which is audited."""
    process = access_process_by_id(request.user, pk)
    internal = request.GET.get("internal") == "1"
    if internal:
        require(request.user, Permission.REPORT_WITH_NAMES, process.pk)
        audit(
            actor=request.user,
            action="insights.internal_report_viewed",
            target=process,
            process=process,
        )
    health = process_health(user=request.user, process=process, with_names=internal)
    return render(
        request,
        "insights/process_report.html",
        {"process": process, "health": health, "internal": internal},
    )


@login_required
@require_GET
def meeting_checks(request: HttpRequest, pk: int) -> HttpResponse:
    """Languages, observances and venue for one meeting, to read before confirming it."""
    meeting = access_meeting_by_id(request.user, pk)
    upcoming = meeting_check(user=request.user, meeting=meeting)
    return render(request, "insights/meeting_checks.html", {"meeting": meeting, "row": upcoming})
