"""What the idea, official track and non-paper pages show, built in one place.

Each page is re-rendered with a bound form when a sub-form on it is refused, so its context is
built here once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import Truncator

from multitrack.accounts.access import can
from multitrack.accounts.permissions import Permission
from multitrack.ideas import documents
from multitrack.ideas.forms import (
    AgreementForm,
    IdeaForm,
    NonPaperEditForm,
    OverrideForm,
    RoundForm,
    StageChangeForm,
    StatusForm,
    TransferForm,
    VersionForm,
)
from multitrack.ideas.models import Export, Idea, NonPaper, OfficialTrack
from multitrack.ideas.rules import ALLOWED_STAGE_CHANGES, IdeaStage, unresolved
from multitrack.ideas.selectors import (
    bridging_statements,
    can_export,
    can_record_official_talks,
    idea_journey,
    origin_consultations_for,
    provisions_for,
    spells_of,
)
from multitrack.processes.models import Process
from multitrack.processes.selectors import meetings_visible_to


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to its field when the form has that field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def idea_form(request: HttpRequest, process: Process) -> IdeaForm:
    """The form to record an idea in ``process``. Bridging statements are offered from the
    consultation named in the query (the "Turn into an idea" button), else from every
    consultation the idea may come from; the button's statement fills the form in."""
    consultations = origin_consultations_for(user=request.user, process=process)
    wanted = _int(request.GET.get("consultation"))
    chosen = None if wanted is None else consultations.filter(pk=wanted).first()
    sources = [chosen] if chosen else list(consultations)
    bridging = [b for c in sources for b in bridging_statements(consultation=c)]
    initial: dict[str, Any] = {}
    if chosen is not None:
        initial = {"origin": "consultation", "origin_consultation": chosen.pk}
        number = _int(request.GET.get("statement"))
        picked = [b.statement for b in bridging if b.statement.number == number]
        if picked:
            initial |= {
                "origin_statements": [picked[0].pk],
                "title": Truncator(picked[0].text).chars(80),
                "summary": picked[0].text,
            }
    return IdeaForm(
        request.POST if request.method == "POST" else None,
        meetings=process.meetings.all(),
        consultations=consultations,
        bridging=bridging,
        instance=Idea(process=process),
        initial=initial,
    )


def stage_form(idea: Idea, data: Any = None) -> StageChangeForm:
    return StageChangeForm(
        data,
        current=IdeaStage(idea.stage),
        provisions=provisions_for(conflict=idea.process.conflict),
        initial={"date": timezone.localdate()},
    )


def version_form(request: HttpRequest, idea: Idea, data: Any = None) -> VersionForm:
    meetings = meetings_visible_to(user=request.user).filter(
        process__conflict_id=idea.process.conflict_id
    )
    return VersionForm(data, meetings=meetings, initial={"date": timezone.localdate()})


def transfer_form(idea: Idea, data: Any = None) -> TransferForm:
    return TransferForm(
        data,
        official_tracks=OfficialTrack.objects.filter(conflict_id=idea.process.conflict_id),
        initial={"date": timezone.localdate()},
    )


def idea_page_context(request: HttpRequest, idea: Idea, **forms_given: Any) -> dict[str, Any]:
    """The idea journey page: the timeline across tracks and, for recorders, the forms."""
    can_record = can(request.user, Permission.RECORD_IDEAS, idea.process_id)
    context: dict[str, Any] = {
        "idea": idea,
        "journey": idea_journey(user=request.user, idea=idea),
        "can_record": can_record,
    }
    if can_record:
        if ALLOWED_STAGE_CHANGES[IdeaStage(idea.stage)]:
            context["stage_form"] = forms_given.get("stage_form") or stage_form(idea)
        context["version_form"] = forms_given.get("version_form") or version_form(request, idea)
        context["transfer_form"] = forms_given.get("transfer_form") or transfer_form(idea)
    return context


def official_track_page_context(
    request: HttpRequest, official_track: OfficialTrack, **forms_given: Any
) -> dict[str, Any]:
    """The official track page: rounds, status timeline, agreements and, for recorders, forms."""
    conflict = official_track.conflict
    can_record = can_record_official_talks(user=request.user, conflict=conflict)
    context: dict[str, Any] = {
        "official_track": official_track,
        "rounds": official_track.rounds.order_by("-start_date"),
        "spells": list(reversed(spells_of(official_track))),
        "agreements": official_track.agreements.prefetch_related("signatories", "provisions"),
        "can_record": can_record,
    }
    if can_record:
        context["round_form"] = forms_given.get("round_form") or RoundForm()
        context["status_form"] = forms_given.get("status_form") or StatusForm(
            initial={"date": timezone.localdate()}
        )
        context["agreement_form"] = forms_given.get("agreement_form") or AgreementForm(
            conflict=conflict
        )
    return context


def non_paper_page_context(
    request: HttpRequest, non_paper: NonPaper, **forms_given: Any
) -> dict[str, Any]:
    """The non-paper page: the draft, what the check flags, overrides and exports."""
    flags = documents.non_paper_flags(non_paper)
    may_export = can_export(user=request.user, non_paper=non_paper)
    may_edit = can(request.user, Permission.RECORD_IDEAS, non_paper.process_id)
    context: dict[str, Any] = {
        "non_paper": non_paper,
        "markdown": documents.to_markdown(documents.non_paper_document(non_paper)),
        "flags": flags,
        "blocking": unresolved(flags),
        "can_export": may_export,
        "can_edit": may_edit,
        "formats": Export.Format.choices,
        "exports": non_paper.exports.select_related("exported_by")[:20],
    }
    if may_edit:
        context["edit_form"] = forms_given.get("edit_form") or NonPaperEditForm(non_paper=non_paper)
    if may_export and context["blocking"]:
        context["override_form"] = forms_given.get("override_form") or OverrideForm(flags=flags)
    return context
