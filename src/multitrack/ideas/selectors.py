"""Reads: ideas, official talks, channels and non-papers, limited to what a user may see.

Ideas and non-papers are seen by the members of their process. Official talks are seen by
whoever may see their conflict. Channels between parties are computed only from the meetings
of processes the user is a member of, so a warning never rests on, or reveals, meetings the
user may not know about; pages say so.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from multitrack.accounts.access import can, processes_where
from multitrack.accounts.permissions import Permission
from multitrack.actors.models import Affiliation, Conflict, Party
from multitrack.actors.selectors import conflicts_visible_to
from multitrack.consultations.access import can_in_consultation
from multitrack.consultations.models import Consultation, Statement
from multitrack.consultations.selectors import consultations_visible_to, latest_map
from multitrack.ideas.models import (
    Agreement,
    Idea,
    IdeaStageChange,
    NonPaper,
    OfficialTrack,
    Provision,
    Round,
    StatusChange,
)
from multitrack.ideas.rules import (
    REACHED_OFFICIAL,
    ChannelKind,
    ChannelMeeting,
    ConsiderationSummary,
    IdeaHistory,
    IdeaStage,
    Pair,
    PairChannels,
    StatusSpell,
    consideration_summary,
    pair_channels,
    quiet_channel,
    quiet_channel_message,
    status_spells,
)
from multitrack.processes.models import Attendance, Meeting, Process
from multitrack.processes.selectors import (
    meeting_track_reading,
    meetings_visible_to,
    processes_visible_to,
)

# Ideas.


def ideas_visible_to(*, user: Any) -> QuerySet[Idea]:
    """Ideas of the processes the user is a member of."""
    return Idea.objects.filter(process__in=processes_visible_to(user=user)).select_related(
        "process",
        "process__conflict",
        "origin_meeting",
        "origin_consultation",
        "adopted_in",
        "adopted_in__agreement",
    )


ORIGINS = (("meeting", "Born in a meeting"), ("consultation", "Born in a consultation"))


def ideas_matching(
    *,
    user: Any,
    issue: str = "",
    process_id: int | None = None,
    stage: str = "",
    origin: str = "",
) -> QuerySet[Idea]:
    """Visible ideas, optionally of one issue, process, stage or origin (meeting, consultation)."""
    ideas = ideas_visible_to(user=user)
    if issue:
        ideas = ideas.filter(issue=issue)
    if process_id is not None:
        ideas = ideas.filter(process_id=process_id)
    if stage:
        ideas = ideas.filter(stage=stage)
    if origin == "meeting":
        ideas = ideas.filter(origin_meeting__isnull=False)
    elif origin == "consultation":
        ideas = ideas.filter(origin_consultation__isnull=False)
    return ideas.order_by("title", "pk")


# Ideas born in consultations.


def may_see_consultation(*, user: Any, consultation: Consultation) -> bool:
    """Whether the user may see a consultation and its results (so its statements): members of
    its process with the results permission; for a standalone one, its creator."""
    return can_in_consultation(user, Permission.VIEW_RESULTS, consultation)


def origin_consultations_for(*, user: Any, process: Process) -> QuerySet[Consultation]:
    """The consultations an idea of ``process`` may be born in, for this user: the process's
    own (with the results permission) and standalone ones whose results the user may see."""
    consultations = consultations_visible_to(user=user)
    standalone = Q(process__isnull=True)
    if can(user, Permission.VIEW_RESULTS, process.pk):
        return consultations.filter(Q(process=process) | standalone)
    return consultations.filter(standalone)


@dataclass(frozen=True)
class BridgingStatement:
    """A bridging statement of a consultation's latest map, with its group-aware consensus."""

    statement: Statement
    consensus: float


def bridging_statements(*, consultation: Consultation) -> list[BridgingStatement]:
    """The accepted bridging statements of the consultation's latest map, most bridging first
    (empty before the first map)."""
    stored = latest_map(consultation)
    rows = stored.result.get("bridging", []) if stored else []
    accepted = {
        s.number: s
        for s in consultation.statements.filter(
            status=Statement.Status.ACCEPTED, number__in=[row["statement"] for row in rows]
        )
    }
    return [
        BridgingStatement(accepted[row["statement"]], float(row["agree"]))
        for row in rows
        if row["statement"] in accepted
    ]


@dataclass(frozen=True)
class StageColumn:
    """One column of the pipeline board."""

    stage: IdeaStage
    ideas: list[Idea]


def pipeline(
    *, user: Any, issue: str = "", process_id: int | None = None, origin: str = ""
) -> list[StageColumn]:
    """The pipeline board: visible ideas by stage, in the order of the journey."""
    by_stage: dict[str, list[Idea]] = defaultdict(list)
    for idea in ideas_matching(user=user, issue=issue, process_id=process_id, origin=origin):
        by_stage[idea.stage].append(idea)
    return [StageColumn(stage, by_stage[stage.value]) for stage in IdeaStage]


@dataclass(frozen=True)
class JourneyEvent:
    """One step of an idea's journey, for the timeline."""

    date: datetime.date
    kind: str  # "born", "version", "stage", "transfer"
    title: str
    detail: str = ""
    track: str = ""
    meeting: Meeting | None = None  # only when the viewer may see it
    where: str = ""  # what the viewer is told instead of a meeting they may not see
    consultation: Consultation | None = None  # only when the viewer may see its results
    statements: tuple[Statement, ...] = ()  # the bridging statements it came from, likewise


def _born(user: Any, idea: Idea) -> JourneyEvent:
    """The first step: raised at a meeting (with its derived track), or in a consultation."""
    if idea.origin_meeting_id is not None:
        origin = Meeting.objects.prefetch_related(_attendance_prefetch()).get(
            pk=idea.origin_meeting_id
        )
        reading = meeting_track_reading(origin)
        track = str(reading.track or origin.effective_declared_track)
        return JourneyEvent(origin.date, "born", "Raised", idea.summary, track, origin)
    consultation = idea.origin_consultation
    if consultation is None:  # impossible under the model's constraint: one origin exactly
        raise ValueError(f"Idea {idea.pk} has no origin.")
    if not may_see_consultation(user=user, consultation=consultation):
        return JourneyEvent(
            idea.origin_date,
            "born",
            "Raised in a consultation",
            idea.summary,
            where="a consultation you may not see",
        )
    return JourneyEvent(
        idea.origin_date,
        "born",
        f"Raised in consultation “{consultation.title}”",
        idea.summary,
        consultation=consultation,
        statements=tuple(idea.origin_statements.order_by("number")),
    )


def idea_journey(*, user: Any, idea: Idea) -> list[JourneyEvent]:
    """An idea's journey across tracks: birth, versions, stage changes, transfers, by date."""
    visible_meetings = set(
        meetings_visible_to(user=user).filter(idea_versions__idea=idea).values_list("pk", flat=True)
    )
    events = [_born(user, idea)]
    for version in idea.versions.select_related("meeting", "meeting__process"):
        meeting = version.meeting if version.meeting_id in visible_meetings else None
        where = "" if meeting or not version.meeting_id else "a meeting of another process"
        events.append(
            JourneyEvent(
                version.date,
                "version",
                f"Version {version.number}",
                version.summary + (f" — {version.note}" if version.note else ""),
                version.track,
                meeting,
                where,
            )
        )
    for change in idea.stage_changes.select_related("provision", "provision__agreement"):
        detail = change.reason
        if change.provision:
            detail += f" (provision {change.provision.number} of “{change.provision.agreement}”)"
        events.append(JourneyEvent(change.date, "stage", change.get_stage_display(), detail))
    for transfer in idea.transfers.select_related("official_track"):
        to = transfer.get_recipient_kind_display()
        if transfer.official_track:
            to += f" ({transfer.official_track.name})"
        how = transfer.get_carrier_kind_display() + ("" if transfer.is_direct else ", indirectly")
        detail = transfer.carrier_description
        if transfer.response:
            detail += (" — " if detail else "") + f"Said back: {transfer.response}"
        events.append(
            JourneyEvent(transfer.date, "transfer", f"Transferred to {to} — {how}", detail, "1")
        )
    order = {"born": 0, "version": 1, "transfer": 2, "stage": 3}
    return sorted(events, key=lambda event: (event.date, order[event.kind]))


def process_consideration(*, user: Any) -> list[tuple[Process, ConsiderationSummary]]:
    """Per visible process: how many of its ideas reached official consideration, and how fast."""
    processes = list(processes_visible_to(user=user).order_by("title"))
    ideas = Idea.objects.filter(process__in=processes).select_related(
        "origin_meeting", "origin_consultation"
    )
    reached: dict[int, datetime.date] = {}
    for idea_id, date in (
        IdeaStageChange.objects.filter(idea__in=ideas, stage__in=list(REACHED_OFFICIAL))
        .order_by("date")
        .values_list("idea_id", "date")
    ):
        reached.setdefault(idea_id, date)
    histories: dict[int, list[IdeaHistory]] = defaultdict(list)
    for idea in ideas:
        histories[idea.process_id].append(
            IdeaHistory(idea.process_id, idea.origin_date, reached.get(idea.pk))
        )
    return [(p, consideration_summary(histories[p.pk])) for p in processes]


# Official talks.


def official_tracks_visible_to(*, user: Any) -> QuerySet[OfficialTrack]:
    """Official tracks of the conflicts the user may see."""
    return (
        OfficialTrack.objects.filter(conflict__in=conflicts_visible_to(user=user))
        .select_related("conflict")
        .prefetch_related("parties")
    )


def agreements_visible_to(*, user: Any) -> QuerySet[Agreement]:
    """Agreements of the official tracks the user may see."""
    return Agreement.objects.filter(
        official_track__in=official_tracks_visible_to(user=user)
    ).select_related("official_track", "official_track__conflict")


def provisions_for(*, conflict: Conflict) -> QuerySet[Provision]:
    """The provisions of a conflict's agreements, for choosing the one an idea fed."""
    return Provision.objects.filter(agreement__official_track__conflict=conflict).select_related(
        "agreement"
    )


def can_record_official_talks(*, user: Any, conflict: Conflict) -> bool:
    """Whether the user may record official talks: the permission in a process of the conflict."""
    if getattr(user, "is_superuser", False):
        return bool(user.is_active)
    allowed = processes_where(user, Permission.RECORD_OFFICIAL_TALKS)
    return conflict.processes.filter(pk__in=allowed).exists()


def spells_of(official_track: OfficialTrack) -> list[StatusSpell]:
    """The official track's status history as spells (use with prefetched status_changes)."""
    return status_spells((c.date, c.status, c.reason) for c in official_track.status_changes.all())


# Channels.


def _attendance_prefetch() -> Prefetch:
    return Prefetch(
        "attendance",
        queryset=Attendance.objects.filter(status=Attendance.Status.ATTENDED)
        .select_related("person")
        .prefetch_related(
            Prefetch("person__affiliations", queryset=Affiliation.objects.all()),
            "person__parties",
        ),
    )


def informal_meetings(
    *, user: Any, conflict: Conflict, until: datetime.date
) -> list[ChannelMeeting]:
    """The meetings of the user's processes in a conflict, with the parties present and their
    derived track (the declared one when nobody's capacity is known)."""
    meetings = (
        meetings_visible_to(user=user)
        .filter(process__conflict=conflict, date__lte=until)
        .exclude(status=Meeting.Status.CANCELLED)
        .prefetch_related(_attendance_prefetch())
    )
    found = []
    for meeting in meetings:
        party_ids = frozenset(
            party.pk
            for attendance in meeting.attendance.all()
            for party in attendance.person.parties.all()
            if party.conflict_id == conflict.pk
        )
        if len(party_ids) < 2:
            continue
        reading = meeting_track_reading(meeting)
        track = str(reading.track or meeting.effective_declared_track)
        found.append(
            ChannelMeeting(
                meeting.date, ChannelKind.INFORMAL, track, party_ids, str(meeting), meeting.pk
            )
        )
    return found


def official_rounds(*, conflict: Conflict, until: datetime.date) -> list[ChannelMeeting]:
    """The rounds of a conflict's official talks, each with the parties at that table."""
    rounds = Round.objects.filter(
        official_track__conflict=conflict, start_date__lte=until
    ).prefetch_related("official_track__parties")
    return [
        ChannelMeeting(
            r.start_date,
            ChannelKind.OFFICIAL,
            "1",
            frozenset(p.pk for p in r.official_track.parties.all()),
            f"{r.official_track.name}: {r}",
            r.pk,
        )
        for r in rounds
    ]


@dataclass
class ChannelRow:
    """A pair of parties and the channels that met between them."""

    first: Party
    second: Party
    channels: PairChannels

    @property
    def pair(self) -> Pair:
        return self.channels.pair


@dataclass
class ConflictChannels:
    """Every pair of a conflict's parties with the meetings between them."""

    conflict: Conflict
    today: datetime.date
    rows: list[ChannelRow] = field(default_factory=list)
    official_tracks: list[OfficialTrack] = field(default_factory=list)
    informal: list[ChannelMeeting] = field(default_factory=list)

    def row_for(self, pair: Pair) -> ChannelRow | None:
        return next((row for row in self.rows if row.pair == pair), None)


def conflict_channels(
    *, user: Any, conflict: Conflict, today: datetime.date | None = None
) -> ConflictChannels:
    """Which channels met between each pair of a conflict's parties, and when, by track."""
    today = today or timezone.localdate()
    parties = {party.pk: party for party in conflict.parties.all()}
    informal = informal_meetings(user=user, conflict=conflict, until=today)
    channels = pair_channels(
        parties, [*official_rounds(conflict=conflict, until=today), *informal], until=today
    )
    rows = [ChannelRow(parties[a], parties[b], pc) for (a, b), pc in channels.items()]
    tracks = list(
        OfficialTrack.objects.filter(conflict=conflict).prefetch_related(
            "parties", "status_changes", "rounds"
        )
    )
    return ConflictChannels(conflict, today, rows, tracks, informal)


@dataclass(frozen=True)
class ChannelWarning:
    """Official talks blocked between two parties while no informal channel including both met."""

    conflict: Conflict
    official_track: OfficialTrack
    first: Party
    second: Party
    message: str
    gap_days: int | None
    threshold_days: int


def channel_warnings(*, channels: ConflictChannels) -> list[ChannelWarning]:
    """The quiet-channel warnings of one conflict, from its computed channels."""
    conflict = channels.conflict
    warnings = []
    for official_track in channels.official_tracks:
        spells = spells_of(official_track)
        parties = sorted(official_track.parties.all(), key=lambda p: p.name)
        for index, first in enumerate(parties):
            for second in parties[index + 1 :]:
                row = channels.row_for((min(first.pk, second.pk), max(first.pk, second.pk)))
                last = row.channels.last_informal if row else None
                warning = quiet_channel(
                    pair=(first.pk, second.pk),
                    spells=spells,
                    last_informal=last.date if last else None,
                    today=channels.today,
                    threshold_days=conflict.quiet_channel_days,
                )
                if warning is None:
                    continue
                message = quiet_channel_message(
                    warning, talks=official_track.name, parties=f"{first.name} and {second.name}"
                )
                warnings.append(
                    ChannelWarning(
                        conflict,
                        official_track,
                        first,
                        second,
                        message,
                        warning.gap_days,
                        warning.threshold_days,
                    )
                )
    return warnings


def quiet_channel_warnings(
    *, user: Any, today: datetime.date | None = None
) -> list[ChannelWarning]:
    """Across the conflicts the user may see: official talks blocked while no informal channel
    including both parties met within the conflict's threshold (from the user's processes)."""
    conflicts = conflicts_visible_to(user=user).filter(official_tracks__isnull=False).distinct()
    warnings = []
    for conflict in conflicts.prefetch_related("parties"):
        warnings += channel_warnings(
            channels=conflict_channels(user=user, conflict=conflict, today=today)
        )
    return warnings


@dataclass(frozen=True)
class EngagementAfterAgreement:
    """An agreement and the informal meetings of its signatories held since it was signed."""

    agreement: Agreement
    meetings: list[ChannelMeeting]

    @property
    def last(self) -> ChannelMeeting | None:
        return self.meetings[-1] if self.meetings else None


def engagement_after_agreements(*, channels: ConflictChannels) -> list[EngagementAfterAgreement]:
    """For each signed agreement, the informal channels still meeting between its signatories."""
    agreements = Agreement.objects.filter(
        official_track__conflict=channels.conflict
    ).prefetch_related("signatories")
    result = []
    for agreement in agreements:
        signatories = {party.pk for party in agreement.signatories.all()}
        meetings = sorted(
            (
                m
                for m in channels.informal
                if m.date >= agreement.date and len(m.party_ids & signatories) >= 2
            ),
            key=lambda m: m.date,
        )
        result.append(EngagementAfterAgreement(agreement, meetings))
    return result


def status_history(*, official_track: OfficialTrack) -> QuerySet[StatusChange]:
    """An official track's status changes, oldest first."""
    return official_track.status_changes.order_by("date", "pk")


# Non-papers.


def non_papers_visible_to(*, user: Any) -> QuerySet[NonPaper]:
    """Non-papers of the processes the user is a member of."""
    return NonPaper.objects.filter(process__in=processes_visible_to(user=user)).select_related(
        "process", "process__conflict"
    )


def can_export(*, user: Any, non_paper: NonPaper) -> bool:
    """Whether the user may export the non-paper and override its checks."""
    return can(user, Permission.EXPORT_DOCUMENTS, non_paper.process_id)
