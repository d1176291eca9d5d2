"""The JSON API for ideas, official talks, channels and non-papers: the pages' permissions.

An id becomes an object through ``access_*`` (404 when missing or not the caller's), lists come
from the selectors, writes go through the services. Nothing here names who said what: ideas and
transfers carry no person, non-papers are checked before export.
"""

import datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from multitrack.accounts.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Number,
    Pages,
    RequiredText,
    caller,
    choices_schema,
)
from multitrack.actors.access import access_conflict_by_id
from multitrack.actors.models import Party
from multitrack.consultations.access import access_results
from multitrack.consultations.models import Statement
from multitrack.ideas import documents, services
from multitrack.ideas.access import (
    access_agreement_by_id,
    access_idea_by_id,
    access_non_paper_by_id,
    access_official_track_by_id,
)
from multitrack.ideas.models import (
    Agreement,
    Export,
    Idea,
    NonPaper,
    OfficialTrack,
    Provision,
    Round,
    StatusChange,
    Transfer,
)
from multitrack.ideas.rules import IdeaStage, OfficialStatus
from multitrack.ideas.selectors import (
    ChannelWarning,
    channel_warnings,
    conflict_channels,
    idea_journey,
    ideas_matching,
    may_see_consultation,
    quiet_channel_warnings,
)
from multitrack.processes.access import access_meeting_by_id, access_process_by_id

router = Router()

IdeaKind = Annotated[Idea.Kind, choices_schema(Idea.Kind, "IdeaKind")]


# Schemas.


class IdeaOut(Schema):
    id: int
    process_id: int
    origin_meeting_id: int | None = Field(description="Null for an idea born in a consultation.")
    origin_consultation_id: int | None = Field(
        description="Null for an idea born in a meeting, or when the caller may not see the "
        "consultation's results."
    )
    origin_statement_numbers: list[int] = Field(
        description="The consultation's bridging statements it came from (empty when hidden)."
    )
    title: str
    summary: str
    kind: IdeaKind
    issue: Idea.Issue
    sensitivity: Idea.Sensitivity
    stage: IdeaStage
    adopted_in_id: int | None = Field(description="The provision it fed, once adopted.")

    @staticmethod
    def resolve_origin_consultation_id(obj: Idea, context: Any) -> int | None:
        return obj.origin_consultation_id if _origin_visible(context["request"], obj) else None

    @staticmethod
    def resolve_origin_statement_numbers(obj: Idea, context: Any) -> list[int]:
        if obj.origin_consultation_id is None or not _origin_visible(context["request"], obj):
            return []
        return sorted(statement.number for statement in obj.origin_statements.all())


def _origin_visible(request: HttpRequest, idea: Idea) -> bool:
    consultation = idea.origin_consultation
    return consultation is not None and may_see_consultation(
        user=caller(request), consultation=consultation
    )


class IdeaIn(Schema):
    process_id: Id
    origin_meeting_id: Id | None = Field(None, description="Born in a meeting: its id.")
    origin_consultation_id: Id | None = Field(
        None, description="Or born in a consultation (of the process, or standing alone)."
    )
    origin_statement_numbers: list[Number] = Field(
        [], description="With a consultation: the accepted bridging statements it came from."
    )
    title: RequiredText = Field(max_length=200)
    summary: RequiredText
    issue: Idea.Issue
    kind: IdeaKind = Idea.Kind.PROPOSAL
    sensitivity: Idea.Sensitivity = Idea.Sensitivity.MODERATE
    override_reason: str = Field("", description="Required to save text that names someone.")


class JourneyEventOut(Schema):
    date: datetime.date
    kind: str = Field(description="born, version, stage or transfer")
    title: str
    detail: str
    track: str = Field(description='"1", "1.5", "2" or "" when no track applies.')
    meeting_id: int | None = Field(description="Null when the caller may not see the meeting.")
    consultation_id: int | None = Field(
        description="The consultation it was raised in; null when the caller may not see it."
    )
    statements: list[str] = Field(description="The bridging statements it came from.")

    @staticmethod
    def resolve_meeting_id(obj: Any) -> int | None:
        return obj.meeting.pk if obj.meeting else None

    @staticmethod
    def resolve_consultation_id(obj: Any) -> int | None:
        return obj.consultation.pk if obj.consultation else None

    @staticmethod
    def resolve_statements(obj: Any) -> list[str]:
        return [statement.text for statement in obj.statements]


class StageChangeIn(Schema):
    stage: IdeaStage
    date: datetime.date
    reason: RequiredText = Field(max_length=500)
    provision_id: Id | None = None


class StageChangeOut(Schema):
    id: int
    stage: IdeaStage
    date: datetime.date
    reason: str
    provision_id: int | None


class VersionIn(Schema):
    summary: RequiredText
    date: datetime.date
    meeting_id: Id | None = None
    note: str = Field("", max_length=500)
    override_reason: str = ""


class VersionOut(Schema):
    id: int
    number: int
    summary: str
    date: datetime.date
    track: str
    note: str


class TransferIn(Schema):
    date: datetime.date
    carrier_kind: Transfer.CarrierKind
    recipient_kind: Transfer.RecipientKind
    carrier_description: str = Field("", max_length=500)
    official_track_id: Id | None = None
    is_direct: bool = True
    response: str = ""
    override_reason: str = ""


class TransferOut(Schema):
    id: int
    date: datetime.date
    carrier_kind: Transfer.CarrierKind
    carrier_description: str
    recipient_kind: Transfer.RecipientKind
    official_track_id: int | None
    is_direct: bool
    response: str


class OfficialTrackIn(Schema):
    name: RequiredText = Field(max_length=200)
    party_ids: list[Id] = Field(min_length=2, description="At least two parties at the table.")
    mediator: str = Field("", max_length=200)


class StatusOut(Schema):
    status: OfficialStatus
    date: datetime.date
    reason: str


class RoundOut(Schema):
    id: int
    title: str
    start_date: datetime.date
    end_date: datetime.date | None
    venue: str
    level: Round.Level
    outcome: str


class OfficialTrackOut(Schema):
    id: int
    conflict_id: int
    name: str
    mediator: str
    party_ids: list[int]
    status_history: list[StatusOut]

    @staticmethod
    def resolve_party_ids(obj: OfficialTrack) -> list[int]:
        return [party.pk for party in obj.parties.all()]

    @staticmethod
    def resolve_status_history(obj: OfficialTrack) -> list[StatusChange]:
        return list(obj.status_changes.order_by("date", "pk"))


class RoundIn(Schema):
    title: RequiredText = Field(max_length=200)
    start_date: datetime.date
    end_date: datetime.date | None = None
    venue: str = Field("", max_length=200)
    level: Round.Level = Round.Level.SENIOR_OFFICIALS
    outcome: str = ""


class StatusIn(Schema):
    status: OfficialStatus
    date: datetime.date
    reason: RequiredText = Field(max_length=500)


class ProvisionOut(Schema):
    id: int
    number: str
    text: str


class AgreementIn(Schema):
    title: RequiredText = Field(max_length=300)
    date: datetime.date
    signatory_ids: list[Id]
    other_signatories: str = Field("", max_length=300)


class AgreementOut(Schema):
    id: int
    official_track_id: int
    title: str
    date: datetime.date
    signatory_ids: list[int]
    other_signatories: str
    provisions: list[ProvisionOut]

    @staticmethod
    def resolve_signatory_ids(obj: Agreement) -> list[int]:
        return [party.pk for party in obj.signatories.all()]

    @staticmethod
    def resolve_provisions(obj: Agreement) -> list[Provision]:
        return list(obj.provisions.all())


class ProvisionIn(Schema):
    number: RequiredText = Field(max_length=20)
    text: RequiredText


class ChannelMeetingOut(Schema):
    date: datetime.date
    kind: str = Field(description="official or informal")
    track: str


class PairOut(Schema):
    party_ids: list[int]
    meetings: list[ChannelMeetingOut]
    last_informal: datetime.date | None


class ChannelWarningOut(Schema):
    conflict_id: int
    official_track_id: int
    party_ids: list[int]
    message: str
    gap_days: int | None = Field(description="Null when no informal meeting is on record.")
    threshold_days: int


class ChannelsOut(Schema):
    conflict_id: int
    based_on: str
    pairs: list[PairOut]
    warnings: list[ChannelWarningOut]


class NonPaperIn(Schema):
    process_id: Id
    title: RequiredText = Field(max_length=200)
    context: str = ""
    idea_ids: list[Id] = Field(min_length=1, description="The ideas its options come from.")


class OptionOut(Schema):
    id: int
    idea_id: int
    heading: str
    text: str
    rationale: str


class FlagOut(Schema):
    kind: str = Field(description="name or term")
    words: str
    key: str
    suggestion: str
    is_overridden: bool


class NonPaperOut(Schema):
    id: int
    process_id: int
    title: str
    context: str
    options: list[OptionOut]
    flags: list[FlagOut]
    can_be_exported: bool

    @staticmethod
    def resolve_options(obj: NonPaper) -> list[Any]:
        return list(obj.options.all())

    @staticmethod
    def resolve_flags(obj: NonPaper) -> list[Any]:
        return documents.non_paper_flags(obj)

    @staticmethod
    def resolve_can_be_exported(obj: NonPaper) -> bool:
        return all(flag.is_overridden for flag in documents.non_paper_flags(obj))


class OverrideIn(Schema):
    words: list[str] = Field(min_length=1, description="Flagged words to keep as written.")
    reason: RequiredText


def _warning_out(warning: ChannelWarning) -> dict[str, Any]:
    return {
        "conflict_id": warning.conflict.pk,
        "official_track_id": warning.official_track.pk,
        "party_ids": [warning.first.pk, warning.second.pk],
        "message": warning.message,
        "gap_days": warning.gap_days,
        "threshold_days": warning.threshold_days,
    }


def _parties(conflict_id: int, party_ids: list[int]) -> list[Party]:
    parties = list(Party.objects.filter(pk__in=set(party_ids), conflict_id=conflict_id))
    if len(parties) != len(set(party_ids)):
        raise Http404("No such party.")
    return parties


# Ideas.


@router.get(
    "/ideas",
    response={200: list[IdeaOut], **READ_ERRORS},
    operation_id="idea_list",
    summary="List the ideas of the caller's processes (filter by process, issue, stage)",
    tags=["ideas"],
)
@paginate(Pages)
def idea_list(
    request: HttpRequest,
    process_id: Id | None = None,
    issue: Idea.Issue | None = None,
    stage: IdeaStage | None = None,
) -> QuerySet[Idea]:
    return ideas_matching(
        user=caller(request), issue=issue or "", process_id=process_id, stage=stage or ""
    )


@router.get(
    "/ideas/{idea_id}",
    response={200: IdeaOut, **READ_ERRORS},
    operation_id="idea_read",
    summary="Read an idea",
    tags=["ideas"],
)
def idea_read(request: HttpRequest, idea_id: Id) -> Idea:
    return access_idea_by_id(caller(request), idea_id)


@router.get(
    "/ideas/{idea_id}/journey",
    response={200: list[JourneyEventOut], **READ_ERRORS},
    operation_id="idea_journey",
    summary="An idea's journey across tracks, oldest first",
    tags=["ideas"],
)
def idea_journey_read(request: HttpRequest, idea_id: Id) -> list[Any]:
    user = caller(request)
    return idea_journey(user=user, idea=access_idea_by_id(user, idea_id))


@router.post(
    "/ideas",
    response={201: IdeaOut, **WRITE_ERRORS},
    operation_id="idea_record",
    summary="Record an idea born in a meeting of a process, or in a consultation",
    tags=["ideas"],
)
def idea_record(request: HttpRequest, payload: IdeaIn) -> tuple[int, Idea]:
    user = caller(request)
    process = access_process_by_id(user, payload.process_id)
    meeting = consultation = None
    statements: list[Statement] = []
    if payload.origin_meeting_id is not None:
        meeting = access_meeting_by_id(user, payload.origin_meeting_id)
    if payload.origin_consultation_id is not None:
        consultation = access_results(user, payload.origin_consultation_id)
        numbers = set(payload.origin_statement_numbers)
        statements = list(consultation.statements.filter(number__in=numbers))
        if len(statements) != len(numbers):
            raise Http404("No such statement.")
    fields = payload.dict(
        exclude={"process_id", "origin_meeting_id", "origin_consultation_id"}
        | {"origin_statement_numbers"}
    )
    idea = services.idea_record(
        actor=user,
        process=process,
        origin_meeting=meeting,
        origin_consultation=consultation,
        origin_statements=statements,
        **fields,
    )
    return 201, idea


@router.post(
    "/ideas/{idea_id}/stage-changes",
    response={201: StageChangeOut, **WRITE_ERRORS},
    operation_id="idea_stage_change",
    summary="Move an idea to another stage (adopted: with the provision it fed)",
    tags=["ideas"],
)
def idea_stage_change(request: HttpRequest, idea_id: Id, payload: StageChangeIn) -> tuple[int, Any]:
    user = caller(request)
    idea = access_idea_by_id(user, idea_id)
    provision = None
    if payload.provision_id is not None:
        provision = Provision.objects.filter(
            pk=payload.provision_id, agreement__official_track__conflict=idea.process.conflict
        ).first()
        if provision is None:
            raise Http404("No such provision.")
    change = services.idea_stage_change(
        actor=user,
        idea=idea,
        stage=payload.stage,
        date=payload.date,
        reason=payload.reason,
        provision=provision,
    )
    return 201, change


@router.post(
    "/ideas/{idea_id}/versions",
    response={201: VersionOut, **WRITE_ERRORS},
    operation_id="idea_version_add",
    summary="Record a reworked version of an idea",
    tags=["ideas"],
)
def idea_version_add(request: HttpRequest, idea_id: Id, payload: VersionIn) -> tuple[int, Any]:
    user = caller(request)
    idea = access_idea_by_id(user, idea_id)
    meeting = None if payload.meeting_id is None else access_meeting_by_id(user, payload.meeting_id)
    fields = payload.dict(exclude={"meeting_id"})
    return 201, services.idea_version_add(actor=user, idea=idea, meeting=meeting, **fields)


@router.post(
    "/ideas/{idea_id}/transfers",
    response={201: TransferOut, **WRITE_ERRORS},
    operation_id="idea_transfer",
    summary="Record how an idea was carried towards official talks",
    tags=["ideas"],
)
def idea_transfer(request: HttpRequest, idea_id: Id, payload: TransferIn) -> tuple[int, Any]:
    user = caller(request)
    idea = access_idea_by_id(user, idea_id)
    official_track = None
    if payload.official_track_id is not None:
        official_track = access_official_track_by_id(user, payload.official_track_id)
    fields = payload.dict(exclude={"official_track_id"})
    return 201, services.idea_transfer(
        actor=user, idea=idea, official_track=official_track, **fields
    )


# Official talks.


@router.get(
    "/conflicts/{conflict_id}/official-tracks",
    response={200: list[OfficialTrackOut], **READ_ERRORS},
    operation_id="official_track_list",
    summary="List a conflict's official negotiation tracks with their status history",
    tags=["official talks"],
)
def official_track_list(request: HttpRequest, conflict_id: Id) -> list[OfficialTrack]:
    conflict = access_conflict_by_id(caller(request), conflict_id)
    return list(conflict.official_tracks.prefetch_related("parties"))


@router.post(
    "/conflicts/{conflict_id}/official-tracks",
    response={201: OfficialTrackOut, **WRITE_ERRORS},
    operation_id="official_track_create",
    summary="Record an official negotiation track",
    tags=["official talks"],
)
def official_track_create(
    request: HttpRequest, conflict_id: Id, payload: OfficialTrackIn
) -> tuple[int, OfficialTrack]:
    user = caller(request)
    conflict = access_conflict_by_id(user, conflict_id)
    return 201, services.official_track_create(
        actor=user,
        conflict=conflict,
        name=payload.name,
        mediator=payload.mediator,
        parties=_parties(conflict.pk, payload.party_ids),
    )


@router.get(
    "/official-tracks/{official_track_id}",
    response={200: OfficialTrackOut, **READ_ERRORS},
    operation_id="official_track_read",
    summary="Read an official track and its status history",
    tags=["official talks"],
)
def official_track_read(request: HttpRequest, official_track_id: Id) -> OfficialTrack:
    return access_official_track_by_id(caller(request), official_track_id)


@router.get(
    "/official-tracks/{official_track_id}/rounds",
    response={200: list[RoundOut], **READ_ERRORS},
    operation_id="round_list",
    summary="List the rounds of an official track",
    tags=["official talks"],
)
def round_list(request: HttpRequest, official_track_id: Id) -> list[Round]:
    official_track = access_official_track_by_id(caller(request), official_track_id)
    return list(official_track.rounds.order_by("start_date"))


@router.post(
    "/official-tracks/{official_track_id}/rounds",
    response={201: RoundOut, **WRITE_ERRORS},
    operation_id="round_record",
    summary="Record a round of official talks",
    tags=["official talks"],
)
def round_record(
    request: HttpRequest, official_track_id: Id, payload: RoundIn
) -> tuple[int, Round]:
    user = caller(request)
    official_track = access_official_track_by_id(user, official_track_id)
    return 201, services.round_record(actor=user, official_track=official_track, **payload.dict())


@router.post(
    "/official-tracks/{official_track_id}/status",
    response={201: StatusOut, **WRITE_ERRORS},
    operation_id="official_status_set",
    summary="Record a change in the status of official talks",
    tags=["official talks"],
)
def official_status_set(
    request: HttpRequest, official_track_id: Id, payload: StatusIn
) -> tuple[int, StatusChange]:
    user = caller(request)
    official_track = access_official_track_by_id(user, official_track_id)
    return 201, services.official_status_set(
        actor=user, official_track=official_track, **payload.dict()
    )


@router.post(
    "/official-tracks/{official_track_id}/agreements",
    response={201: AgreementOut, **WRITE_ERRORS},
    operation_id="agreement_record",
    summary="Record an agreement signed in official talks",
    tags=["official talks"],
)
def agreement_record(
    request: HttpRequest, official_track_id: Id, payload: AgreementIn
) -> tuple[int, Agreement]:
    user = caller(request)
    official_track = access_official_track_by_id(user, official_track_id)
    return 201, services.agreement_record(
        actor=user,
        official_track=official_track,
        title=payload.title,
        date=payload.date,
        signatories=_parties(official_track.conflict_id, payload.signatory_ids),
        other_signatories=payload.other_signatories,
    )


@router.get(
    "/agreements/{agreement_id}",
    response={200: AgreementOut, **READ_ERRORS},
    operation_id="agreement_read",
    summary="Read an agreement and its provisions",
    tags=["official talks"],
)
def agreement_read(request: HttpRequest, agreement_id: Id) -> Agreement:
    return access_agreement_by_id(caller(request), agreement_id)


@router.post(
    "/agreements/{agreement_id}/provisions",
    response={201: ProvisionOut, **WRITE_ERRORS},
    operation_id="provision_add",
    summary="Add a numbered provision to an agreement",
    tags=["official talks"],
)
def provision_add(
    request: HttpRequest, agreement_id: Id, payload: ProvisionIn
) -> tuple[int, Provision]:
    user = caller(request)
    agreement = access_agreement_by_id(user, agreement_id)
    return 201, services.provision_add(actor=user, agreement=agreement, **payload.dict())


# Channels.


@router.get(
    "/conflicts/{conflict_id}/channels",
    response={200: ChannelsOut, **READ_ERRORS},
    operation_id="channel_list",
    summary="Which channels met between each pair of a conflict's parties, and the warnings",
    description="Informal meetings are counted only from processes the caller is a member of.",
    tags=["channels"],
)
def channel_list(request: HttpRequest, conflict_id: Id) -> dict[str, Any]:
    user = caller(request)
    conflict = access_conflict_by_id(user, conflict_id)
    channels = conflict_channels(user=user, conflict=conflict)
    return {
        "conflict_id": conflict.pk,
        "based_on": "the processes you are a member of",
        "pairs": [
            {
                "party_ids": list(row.pair),
                "meetings": row.channels.meetings,
                "last_informal": row.channels.last_informal.date
                if row.channels.last_informal
                else None,
            }
            for row in channels.rows
        ],
        "warnings": [_warning_out(w) for w in channel_warnings(channels=channels)],
    }


@router.get(
    "/channel-warnings",
    response={200: list[ChannelWarningOut], **READ_ERRORS},
    operation_id="channel_warning_list",
    summary="Official talks blocked while no informal channel including both parties has met",
    description="Across the caller's conflicts; informal meetings only from their processes.",
    tags=["channels"],
)
def channel_warning_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_warning_out(w) for w in quiet_channel_warnings(user=caller(request))]


# Non-papers.


@router.post(
    "/non-papers",
    response={201: NonPaperOut, **WRITE_ERRORS},
    operation_id="non_paper_create",
    summary="Draft a non-paper from selected ideas of a process",
    tags=["non-papers"],
)
def non_paper_create(request: HttpRequest, payload: NonPaperIn) -> tuple[int, NonPaper]:
    user = caller(request)
    process = access_process_by_id(user, payload.process_id)
    ideas = list(process.ideas.filter(pk__in=payload.idea_ids))
    if len(ideas) != len(set(payload.idea_ids)):
        raise Http404("No such idea.")
    order = {pk: index for index, pk in enumerate(payload.idea_ids)}
    ideas.sort(key=lambda idea: order[idea.pk])
    return 201, services.non_paper_create(
        actor=user, process=process, title=payload.title, context=payload.context, ideas=ideas
    )


@router.get(
    "/non-papers/{non_paper_id}",
    response={200: NonPaperOut, **READ_ERRORS},
    operation_id="non_paper_read",
    summary="Read a non-paper and what its check flags",
    tags=["non-papers"],
)
def non_paper_read(request: HttpRequest, non_paper_id: Id) -> NonPaper:
    return access_non_paper_by_id(caller(request), non_paper_id)


@router.post(
    "/non-papers/{non_paper_id}/overrides",
    response={200: NonPaperOut, **WRITE_ERRORS},
    operation_id="non_paper_override",
    summary="Keep flagged words in a non-paper on purpose, with a reason",
    tags=["non-papers"],
)
def non_paper_override(request: HttpRequest, non_paper_id: Id, payload: OverrideIn) -> NonPaper:
    user = caller(request)
    non_paper = access_non_paper_by_id(user, non_paper_id)
    return services.non_paper_override(
        actor=user, non_paper=non_paper, words=payload.words, reason=payload.reason
    )


@router.post(
    "/non-papers/{non_paper_id}/exports/{format}",
    response={200: None, **WRITE_ERRORS},
    operation_id="non_paper_export",
    summary="Export a non-paper as md, docx or pdf (the file itself); every export is logged",
    tags=["non-papers"],
)
def non_paper_export(
    request: HttpRequest,
    non_paper_id: Id,
    format: Export.Format,
) -> HttpResponse:
    user = caller(request)
    non_paper = access_non_paper_by_id(user, non_paper_id)
    _, content = services.non_paper_export(actor=user, non_paper=non_paper, format=format)
    response = HttpResponse(content, content_type=documents.CONTENT_TYPES[format])
    filename = documents.filename(non_paper, format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
