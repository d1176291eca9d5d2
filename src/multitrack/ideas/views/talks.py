"""Official talks pages: a conflict's official tracks, one track's rounds, status and
agreements, an agreement's provisions, and the channels between parties."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.actors.access import access_conflict_by_id
from multitrack.ideas import services
from multitrack.ideas.access import access_agreement_by_id, access_official_track_by_id
from multitrack.ideas.charts import channel_timeline
from multitrack.ideas.forms import (
    AgreementForm,
    OfficialTrackForm,
    ProvisionForm,
    RoundForm,
    StatusForm,
)
from multitrack.ideas.models import OfficialTrack
from multitrack.ideas.selectors import (
    can_record_official_talks,
    channel_warnings,
    conflict_channels,
    engagement_after_agreements,
    ideas_visible_to,
    spells_of,
)
from multitrack.ideas.views.pages import add_service_error, official_track_page_context


@login_required
@require_http_methods(["GET", "POST"])
def official_track_list(request: HttpRequest, pk: int) -> HttpResponse:
    """A conflict's official tracks, their current status, and a form to add one."""
    conflict = access_conflict_by_id(request.user, pk)
    can_record = can_record_official_talks(user=request.user, conflict=conflict)
    if request.method == "POST" and not can_record:
        raise PermissionDenied("Your roles in this conflict do not allow recording official talks.")
    form = OfficialTrackForm(request.POST or None, conflict=conflict) if can_record else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            official_track = services.official_track_create(
                actor=request.user, conflict=conflict, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The official track is recorded.")
            return redirect(official_track)
    tracks = conflict.official_tracks.prefetch_related("parties", "status_changes")
    rows = [(t, next(reversed(spells_of(t)), None)) for t in tracks]
    context = {"conflict": conflict, "rows": rows, "form": form}
    return render(request, "ideas/official_track_list.html", context)


@login_required
@require_GET
def official_track_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One official track: rounds, status timeline and agreements."""
    official_track = access_official_track_by_id(request.user, pk)
    context = official_track_page_context(request, official_track)
    return render(request, "ideas/official_track_detail.html", context)


def _official_track_for_writing(request: HttpRequest, pk: int) -> OfficialTrack:
    official_track = access_official_track_by_id(request.user, pk)
    if not can_record_official_talks(user=request.user, conflict=official_track.conflict):
        raise PermissionDenied("Your roles in this conflict do not allow recording official talks.")
    return official_track


@login_required
@require_POST
def round_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a round of the official talks."""
    official_track = _official_track_for_writing(request, pk)
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            services.round_record(
                actor=request.user, official_track=official_track, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{official_track.get_absolute_url()}#rounds")
    context = official_track_page_context(request, official_track, round_form=form)
    return render(request, "ideas/official_track_detail.html", context)


@login_required
@require_POST
def status_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a change in the status of the official talks."""
    official_track = _official_track_for_writing(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.official_status_set(
                actor=request.user, official_track=official_track, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{official_track.get_absolute_url()}#status")
    context = official_track_page_context(request, official_track, status_form=form)
    return render(request, "ideas/official_track_detail.html", context)


@login_required
@require_POST
def agreement_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an agreement signed in the official talks."""
    official_track = _official_track_for_writing(request, pk)
    form = AgreementForm(request.POST, conflict=official_track.conflict)
    if form.is_valid():
        try:
            agreement = services.agreement_record(
                actor=request.user, official_track=official_track, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(agreement)
    context = official_track_page_context(request, official_track, agreement_form=form)
    return render(request, "ideas/official_track_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An agreement: signatories, numbered provisions, the ideas that fed them."""
    agreement = access_agreement_by_id(request.user, pk)
    conflict = agreement.official_track.conflict
    can_record = can_record_official_talks(user=request.user, conflict=conflict)
    if request.method == "POST" and not can_record:
        raise PermissionDenied("Your roles in this conflict do not allow recording official talks.")
    form = ProvisionForm(request.POST or None) if can_record else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.provision_add(actor=request.user, agreement=agreement, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(f"{agreement.get_absolute_url()}#provisions")
    # Ideas are shown only where the viewer is a member of their process.
    fed = ideas_visible_to(user=request.user).filter(adopted_in__agreement=agreement)
    context = {
        "agreement": agreement,
        "provisions": agreement.provisions.all(),
        "ideas_fed": fed,
        "form": form,
    }
    return render(request, "ideas/agreement_detail.html", context)


@login_required
@require_GET
def channel_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """For every pair of a conflict's parties, which channels met and when, the quiet-channel
    warnings, the timeline chart, and engagement after agreements."""
    conflict = access_conflict_by_id(request.user, pk)
    channels = conflict_channels(user=request.user, conflict=conflict)
    context = {
        "conflict": conflict,
        "channels": channels,
        "warnings": channel_warnings(channels=channels),
        "engagement": engagement_after_agreements(channels=channels),
        "figure": channel_timeline(channels),
    }
    return render(request, "ideas/channel_overview.html", context)
