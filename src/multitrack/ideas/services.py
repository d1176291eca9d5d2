"""Writes for official talks, ideas, transfers and non-papers.

Each service checks the actor's permission, validates, records an audit event and returns the
object, in one transaction. Under the Chatham House Rule the free text of ideas and transfers is
checked against the registry, as meeting notes are: nothing recorded here names who said what.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from multitrack.accounts.access import is_member, require
from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.actors.models import Conflict, Party
from multitrack.actors.names import fold
from multitrack.consultations.models import Consultation, Statement
from multitrack.ideas import documents
from multitrack.ideas.models import (
    Agreement,
    Export,
    Idea,
    IdeaStageChange,
    IdeaVersion,
    NonPaper,
    NonPaperOption,
    OfficialTrack,
    Provision,
    Round,
    StatusChange,
    Transfer,
)
from multitrack.ideas.rules import IdeaStage, stage_change_errors, unresolved
from multitrack.ideas.selectors import can_record_official_talks, may_see_consultation
from multitrack.processes.models import Meeting, Process
from multitrack.processes.selectors import meeting_track_reading, with_attendance
from multitrack.processes.services import attribution_guard

# Official talks: written by those who may record them in a process of the conflict.


def _require_official_talks(actor: Any, conflict: Conflict) -> None:
    if not can_record_official_talks(user=actor, conflict=conflict):
        raise PermissionDenied("Your roles in this conflict do not allow recording official talks.")


def _parties_of(conflict: Conflict, parties: Iterable[Party], field: str) -> list[Party]:
    chosen = list(parties)
    if any(party.conflict_id != conflict.pk for party in chosen):
        raise ValidationError({field: "Choose parties to this conflict."})
    return chosen


@transaction.atomic
def official_track_create(
    *, actor: Any, conflict: Conflict, name: str, parties: Iterable[Party], mediator: str = ""
) -> OfficialTrack:
    """Record an official negotiation track of a conflict and the parties at its table."""
    _require_official_talks(actor, conflict)
    chosen = _parties_of(conflict, parties, "parties")
    if len(chosen) < 2:
        raise ValidationError({"parties": "Official talks need at least two parties at the table."})
    official_track = OfficialTrack(conflict=conflict, name=name, mediator=mediator)
    official_track.full_clean()
    official_track.save()
    official_track.parties.set(chosen)
    audit(actor=actor, action="ideas.official_track.created", target=official_track)
    return official_track


@transaction.atomic
def round_record(
    *,
    actor: Any,
    official_track: OfficialTrack,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    venue: str = "",
    level: str = Round.Level.SENIOR_OFFICIALS,
    outcome: str = "",
) -> Round:
    """Record a round of official talks."""
    _require_official_talks(actor, official_track.conflict)
    round_ = Round(
        official_track=official_track,
        title=title,
        start_date=start_date,
        end_date=end_date,
        venue=venue,
        level=level,
        outcome=outcome,
    )
    round_.full_clean()
    round_.save()
    audit(actor=actor, action="ideas.round.recorded", target=round_)
    return round_


@transaction.atomic
def official_status_set(
    *, actor: Any, official_track: OfficialTrack, status: str, date: datetime.date, reason: str
) -> StatusChange:
    """Record a change in the status of official talks, dated and explained."""
    _require_official_talks(actor, official_track.conflict)
    errors = {}
    if not reason.strip():
        errors["reason"] = "Say briefly why the status changed."
    if date > timezone.localdate():
        errors["date"] = "A status change cannot be dated in the future."
    last = official_track.status_changes.order_by("-date").first()
    if last is not None and date < last.date:
        errors["date"] = (
            f"The previous change was on {last.date:%d %B %Y}; date this one on or after it."
        )
    if errors:
        raise ValidationError(errors)
    change = StatusChange(
        official_track=official_track,
        status=status,
        date=date,
        reason=reason.strip(),
        recorded_by=actor,
    )
    change.full_clean()
    change.save()
    audit(actor=actor, action="ideas.official_status.changed", target=change)
    return change


@transaction.atomic
def agreement_record(
    *,
    actor: Any,
    official_track: OfficialTrack,
    title: str,
    date: datetime.date,
    signatories: Iterable[Party],
    other_signatories: str = "",
) -> Agreement:
    """Record an agreement signed in official talks."""
    _require_official_talks(actor, official_track.conflict)
    chosen = _parties_of(official_track.conflict, signatories, "signatories")
    agreement = Agreement(
        official_track=official_track, title=title, date=date, other_signatories=other_signatories
    )
    agreement.full_clean()
    agreement.save()
    agreement.signatories.set(chosen)
    audit(actor=actor, action="ideas.agreement.recorded", target=agreement)
    return agreement


@transaction.atomic
def provision_add(*, actor: Any, agreement: Agreement, number: str, text: str) -> Provision:
    """Add a numbered provision to an agreement."""
    _require_official_talks(actor, agreement.official_track.conflict)
    provision = Provision(
        agreement=agreement,
        number=number.strip(),
        text=text,
        position=agreement.provisions.count() + 1,
    )
    provision.full_clean()
    provision.save()
    audit(actor=actor, action="ideas.provision.added", target=provision)
    return provision


# Ideas.


def _attribution_guard(process: Process, text: str, override_reason: str, field: str) -> list[str]:
    """The Chatham House guard (``processes.services.attribution_guard``) for idea records."""
    return attribution_guard(
        process=process,
        text=text,
        override_reason=override_reason,
        field=field,
        refusal="This process is under the Chatham House Rule, so nothing recorded about an "
        "idea may say who said what. The text names: {quoted}. Remove them, or give a reason "
        "to save it anyway.",
    )


def _origin_statements(
    actor: Any, consultation: Consultation | None, statements: Iterable[Statement]
) -> list[Statement]:
    """The statements an idea born in ``consultation`` came from, checked: the actor may see its
    results, and each statement is an accepted one of that consultation."""
    chosen = list(statements)
    if consultation is None:
        if chosen:
            raise ValidationError(
                {"origin_statements": "Only an idea born in a consultation links statements."}
            )
        return chosen
    if not may_see_consultation(user=actor, consultation=consultation):
        raise ValidationError(
            {"origin_consultation": "Choose a consultation whose results you may see."}
        )
    if not chosen:
        raise ValidationError(
            {"origin_statements": "Choose the bridging statements the idea came from."}
        )
    if any(statement.consultation_id != consultation.pk for statement in chosen):
        raise ValidationError({"origin_statements": "Choose statements of this consultation."})
    if any(statement.status != Statement.Status.ACCEPTED for statement in chosen):
        raise ValidationError(
            {"origin_statements": "Choose accepted statements, not pending or rejected ones."}
        )
    return chosen


@transaction.atomic
def idea_record(
    *,
    actor: Any,
    process: Process,
    title: str,
    summary: str,
    issue: str,
    origin_meeting: Meeting | None = None,
    origin_consultation: Consultation | None = None,
    origin_statements: Iterable[Statement] = (),
    kind: str = Idea.Kind.PROPOSAL,
    sensitivity: str = Idea.Sensitivity.MODERATE,
    override_reason: str = "",
) -> Idea:
    """Record an idea born in one of a process's meetings, or in a consultation (of the process,
    or standing alone) together with the bridging statements it came from."""
    require(actor, Permission.RECORD_IDEAS, process.pk)
    terms = _attribution_guard(process, f"{title}\n{summary}", override_reason, "summary")
    idea = Idea(
        process=process,
        origin_meeting=origin_meeting,
        origin_consultation=origin_consultation,
        title=title,
        summary=summary,
        issue=issue,
        kind=kind,
        sensitivity=sensitivity,
        created_by=actor,
    )
    idea.full_clean()
    statements = _origin_statements(actor, origin_consultation, origin_statements)
    idea.save()
    idea.origin_statements.set(statements)
    audit(
        actor=actor,
        action="ideas.idea.overridden" if terms else "ideas.idea.recorded",
        target=idea,
        process=process,
    )
    return idea


@transaction.atomic
def idea_version_add(
    *,
    actor: Any,
    idea: Idea,
    summary: str,
    date: datetime.date,
    meeting: Meeting | None = None,
    note: str = "",
    override_reason: str = "",
) -> IdeaVersion:
    """Record a reworked version of an idea, possibly from a meeting of another process.

    The meeting must be one the actor is a member of; its derived track is kept with the version.
    """
    require(actor, Permission.RECORD_IDEAS, idea.process_id)
    if meeting is not None and not is_member(actor, meeting.process_id):
        raise ValidationError({"meeting": "Choose a meeting of a process you are a member of."})
    _attribution_guard(idea.process, f"{summary}\n{note}", override_reason, "summary")
    track = ""
    if meeting is not None:
        reading = meeting_track_reading(
            with_attendance(Meeting.objects.filter(pk=meeting.pk)).get()
        )
        track = str(reading.track or meeting.effective_declared_track)
    version = IdeaVersion(
        idea=idea,
        number=idea.versions.count() + 2,  # version 1 is the idea as first raised
        summary=summary,
        meeting=meeting,
        track=track,
        date=date,
        note=note,
        recorded_by=actor,
    )
    version.full_clean()
    version.save()
    audit(actor=actor, action="ideas.version.added", target=version, process=idea.process)
    return version


@transaction.atomic
def idea_stage_change(
    *,
    actor: Any,
    idea: Idea,
    stage: str,
    date: datetime.date,
    reason: str,
    provision: Provision | None = None,
) -> IdeaStageChange:
    """Move an idea to another stage; adoption ties it to the agreement provision it fed."""
    require(actor, Permission.RECORD_IDEAS, idea.process_id)
    last = idea.stage_changes.order_by("-date", "-pk").first()
    errors = stage_change_errors(
        current=IdeaStage(idea.stage),
        new=IdeaStage(stage),
        date=date,
        reason=reason,
        has_provision=provision is not None,
        last_change_date=last.date if last else idea.origin_date,
        today=timezone.localdate(),
    )
    if provision is not None and (
        provision.agreement.official_track.conflict_id != idea.process.conflict_id
    ):
        errors["provision"] = "Choose a provision of an agreement in this conflict."
    if errors:
        raise ValidationError(errors)
    change = IdeaStageChange(
        idea=idea,
        stage=stage,
        date=date,
        reason=reason.strip(),
        provision=provision,
        recorded_by=actor,
    )
    change.full_clean()
    change.save()
    idea.stage = stage
    idea.adopted_in = provision
    idea.save(update_fields=["stage", "adopted_in"])
    audit(actor=actor, action="ideas.stage.changed", target=idea, process=idea.process)
    return change


@transaction.atomic
def idea_transfer(
    *,
    actor: Any,
    idea: Idea,
    date: datetime.date,
    carrier_kind: str,
    recipient_kind: str,
    carrier_description: str = "",
    official_track: OfficialTrack | None = None,
    is_direct: bool = True,
    response: str = "",
    override_reason: str = "",
) -> Transfer:
    """Record that an idea was carried towards official talks, and what was said back."""
    require(actor, Permission.RECORD_IDEAS, idea.process_id)
    terms = _attribution_guard(
        idea.process, f"{carrier_description}\n{response}", override_reason, "carrier_description"
    )
    transfer = Transfer(
        idea=idea,
        date=date,
        carrier_kind=carrier_kind,
        carrier_description=carrier_description,
        recipient_kind=recipient_kind,
        official_track=official_track,
        is_direct=is_direct,
        response=response,
        attribution_override_reason=override_reason.strip() if terms else "",
        attribution_override_terms=terms,
        recorded_by=actor,
    )
    transfer.full_clean()
    if date > timezone.localdate():
        raise ValidationError({"date": "A transfer cannot be dated in the future."})
    transfer.save()
    audit(
        actor=actor,
        action="ideas.transfer.overridden" if terms else "ideas.transfer.recorded",
        target=transfer,
        process=idea.process,
    )
    return transfer


# Non-papers.


@transaction.atomic
def non_paper_create(
    *, actor: Any, process: Process, title: str, context: str, ideas: Iterable[Idea]
) -> NonPaper:
    """Draft a non-paper from selected ideas of a process: one option per idea, in order."""
    require(actor, Permission.RECORD_IDEAS, process.pk)
    chosen = list(ideas)
    if not chosen:
        raise ValidationError({"ideas": "Choose at least one idea."})
    if any(idea.process_id != process.pk for idea in chosen):
        raise ValidationError({"ideas": "Choose ideas of this process."})
    non_paper = NonPaper(process=process, title=title, context=context, created_by=actor)
    non_paper.full_clean()
    non_paper.save()
    for position, idea in enumerate(chosen, start=1):
        latest = idea.versions.order_by("-number").first()
        NonPaperOption.objects.create(
            non_paper=non_paper,
            idea=idea,
            position=position,
            heading=idea.title,
            text=latest.summary if latest else idea.summary,
        )
    audit(actor=actor, action="ideas.non_paper.drafted", target=non_paper, process=process)
    return non_paper


@transaction.atomic
def non_paper_update(
    *, actor: Any, non_paper: NonPaper, title: str, context: str, options: dict[int, dict[str, str]]
) -> NonPaper:
    """Rewrite a non-paper's title, context and options (``options``: by option id, the
    fields heading, text, rationale). Overrides are kept only for words still in the text."""
    require(actor, Permission.RECORD_IDEAS, non_paper.process_id)
    non_paper.title = title
    non_paper.context = context
    non_paper.full_clean()
    non_paper.save()
    for option in non_paper.options.all():
        if option.pk in options:
            for name in ("heading", "text", "rationale"):
                setattr(option, name, options[option.pk].get(name, getattr(option, name)))
            option.full_clean()
            option.save()
    audit(
        actor=actor, action="ideas.non_paper.changed", target=non_paper, process=non_paper.process
    )
    return non_paper


@transaction.atomic
def non_paper_override(
    *, actor: Any, non_paper: NonPaper, words: Iterable[str], reason: str
) -> NonPaper:
    """Keep flagged words in a non-paper on purpose, with a reason; recorded and audited."""
    require(actor, Permission.EXPORT_DOCUMENTS, non_paper.process_id)
    keys = sorted({fold(word) for word in words if word.strip()})
    if not keys:
        raise ValidationError({"words": "Choose the flagged words to keep."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why these words may stay in the document."})
    flagged = {flag.key for flag in documents.non_paper_flags(non_paper)}
    if not set(keys) <= flagged:
        raise ValidationError({"words": "Only words the check flagged can be kept."})
    non_paper.override_terms = sorted(set(non_paper.override_terms) | set(keys))
    non_paper.override_reason = "\n".join(filter(None, [non_paper.override_reason, reason.strip()]))
    non_paper.save(update_fields=["override_terms", "override_reason", "updated_at"])
    audit(
        actor=actor,
        action="ideas.non_paper.overridden",
        target=non_paper,
        process=non_paper.process,
    )
    return non_paper


@transaction.atomic
def non_paper_export(*, actor: Any, non_paper: NonPaper, format: str) -> tuple[Export, bytes]:
    """Export a non-paper as Markdown, DOCX or PDF, once every flag is resolved; logged."""
    require(actor, Permission.EXPORT_DOCUMENTS, non_paper.process_id)
    flags = documents.non_paper_flags(non_paper)
    blocking = unresolved(flags)
    if blocking:
        quoted = ", ".join(f"“{flag.words}”" for flag in blocking)
        raise ValidationError(
            f"Resolve every flag before exporting: remove or override {quoted}.", code="flagged"
        )
    content = documents.render(documents.non_paper_document(non_paper), format)
    export = Export(
        non_paper=non_paper,
        format=format,
        sha256=hashlib.sha256(content).hexdigest(),
        overridden_terms=[flag.key for flag in flags if flag.is_overridden],
        exported_by=actor,
    )
    export.full_clean()
    export.save()
    audit(
        actor=actor,
        action=f"ideas.non_paper.exported.{format}",
        target=export,
        process=non_paper.process,
    )
    return export, content
