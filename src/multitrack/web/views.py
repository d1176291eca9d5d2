"""The dashboard: the user's processes, upcoming meetings and follow-ups coming due."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET

from multitrack.processes.models import Meeting
from multitrack.processes.selectors import (
    follow_ups_open_for,
    meetings_visible_to,
    process_summaries,
    processes_visible_to,
)

UPCOMING_MEETINGS = 10
FOLLOW_UPS_SHOWN = 20
FOLLOW_UP_HORIZON_DAYS = 14


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs the user's attention across their processes, in a fixed number of queries."""
    today = timezone.localdate()
    processes = list(processes_visible_to(user=request.user))
    summaries = process_summaries(processes=processes)
    context = {
        "today": today,
        "processes": [(process, summaries[process.pk]) for process in processes],
        "upcoming_meetings": meetings_visible_to(user=request.user)
        .filter(
            date__gte=today,
            status__in=[Meeting.Status.PLANNED, Meeting.Status.CONFIRMED],
        )
        .order_by("date", "pk")[:UPCOMING_MEETINGS],
        "follow_ups": follow_ups_open_for(
            user=request.user, due_by=today + datetime.timedelta(days=FOLLOW_UP_HORIZON_DAYS)
        )[:FOLLOW_UPS_SHOWN],
        "follow_up_horizon_days": FOLLOW_UP_HORIZON_DAYS,
    }
    return render(request, "web/dashboard.html", context)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers fetch /favicon.ico on every site, even on pages that name no icon (the admin)."""
    return HttpResponsePermanentRedirect(static("multitrack/favicon.svg"))
