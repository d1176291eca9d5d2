"""One populated workspace for the access matrix: something of every kind, in one process.

Built on the standing ``workspace`` (tests/conftest.py): its process gets parties, people,
an organisation, a meeting with attendance, agenda, a note, a follow-up and an attachment,
ideas with a transfer, official talks with an agreement, non-papers, consultations of every
kind (link, invitation-only, public results, results after voting, standalone), a survey, a
tie, the best-practice entries, an API token and the convener's authenticator app. The
stranger's process gets one of each kind too (``Theirs``). Every URL of the project is
requested with ids from here (tests/access_matrix.py says which).

The ``canaries`` are strings that only some callers may read (tests/access_matrix.py says
who, from ``ROLE_PERMISSIONS``): the matrix looks for them in every answer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission as ModelPermission
from django.core.files.uploadedfile import SimpleUploadedFile

from multitrack.accounts.models import APIToken
from multitrack.accounts.services import api_token_create
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Affiliation, ContestedTerm, Organisation, Party, Person
from multitrack.consultations import services as consultation_services
from multitrack.consultations.models import Consultation
from multitrack.ideas import services as idea_services
from multitrack.ideas.models import Agreement, Idea, NonPaper, OfficialTrack
from multitrack.ideas.rules import OfficialStatus
from multitrack.practice import services as practice_services
from multitrack.practice.models import (
    Observance,
    PartyCalendar,
    RefusedVenue,
    RelationshipTie,
    StakeholderCategory,
    StakeholderTag,
    Survey,
)
from multitrack.processes import services as process_services
from multitrack.processes.attachments import attachment_upload
from multitrack.processes.models import (
    AgendaItem,
    Attendance,
    FollowUp,
    Meeting,
    MeetingAttachment,
    Note,
)
from tests.conftest import Workspace, make_workspace
from tests.factories import (
    AffiliationFactory,
    MeetingFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartyFactory,
)
from tests.signin import totp_device_for

SEEDS = [
    "The harbour should be open to boats from both shores.",
    "Fishing quotas must be decided jointly.",
    "A joint patrol would reduce incidents at sea.",
]
# Statements of the invitation-only consultation: for its invited participants (and the
# process's members), never for a browser that merely has the link.
INVITED_SEEDS = [
    "Canary invited: the old lighthouse should be shared.",
    "Canary invited: night fishing needs a joint permit.",
]


@dataclass
class Theirs:
    """Objects of the stranger's process, which no standing user may reach, even by naming
    them in the URL or the body of a request about their own process's objects."""

    stranger: Any
    party: Party
    person: Person
    affiliation: Affiliation
    contested_term: ContestedTerm
    attendance: Attendance
    follow_up: FollowUp
    attachment: MeetingAttachment
    tie: RelationshipTie
    official_track: OfficialTrack
    entries: dict[str, Any]  # practice entries by kind (category, tag, calendar, ...)
    canaries: list[str]  # what no standing user may read


@dataclass
class World:
    """The standing workspace and an object of every kind in its process."""

    workspace: Workspace
    north: Party
    south: Party
    person: Person
    southerner: Person
    organisation: Organisation
    affiliation: Affiliation
    contested_term: ContestedTerm
    meeting: Meeting
    held_meeting: Meeting
    attendance: Attendance
    agenda_item: AgendaItem
    note: Note
    follow_up: FollowUp
    attachment: MeetingAttachment
    idea: Idea
    official_track: OfficialTrack
    agreement: Agreement
    non_paper: NonPaper
    flagged_non_paper: NonPaper
    consultation: Consultation
    public_consultation: Consultation
    after_voting_consultation: Consultation
    invited_consultation: Consultation
    standalone_consultation: Consultation
    invitation_token: str
    survey: Survey
    tie: RelationshipTie
    category: StakeholderCategory
    tag: StakeholderTag
    calendar: PartyCalendar
    observance: Observance
    venue: RefusedVenue
    api_token: APIToken
    convener_device: Any  # the convener's authenticator app (conveners need two-step sign-in)
    theirs: Theirs
    canaries: dict[str, list[str]] = field(default_factory=dict)

    @property
    def process(self) -> Any:
        return self.workspace.process

    @property
    def conflict(self) -> Any:
        return self.workspace.process.conflict

    def user(self, caller: str) -> Any:
        return getattr(self.workspace, caller)


def build_theirs(ws: Workspace) -> Theirs:
    """Something of each kind in the stranger's process, recorded by the stranger."""
    stranger = get_user_model().objects.get(username="stranger")
    process, meeting, person = ws.other_process, ws.other_meeting, ws.other_person
    party = PartyFactory(conflict=process.conflict, name="West")
    east = PartyFactory(conflict=process.conflict, name="East")
    person.parties.add(party)
    second = ParticipantFactory(process=process).person
    official_track = idea_services.official_track_create(
        actor=stranger, conflict=process.conflict, name="Their talks", parties=[party, east]
    )
    entries = {
        "category": practice_services.stakeholder_category_create(
            actor=stranger, process=process, label="Elders", kind="women", minimum_count=2
        ),
        "tag": practice_services.stakeholder_tag_add(
            actor=stranger, process=process, person=person, tag="elder"
        ),
        "calendar": practice_services.party_calendar_add(
            actor=stranger, process=process, party=party, calendar="jewish"
        ),
        "observance": practice_services.observance_add(
            actor=stranger, process=process, name="West Day", date=datetime.date(2025, 7, 7)
        ),
        "venue": practice_services.refused_venue_add(
            actor=stranger, process=process, party=party, venue="West Hall"
        ),
    }
    return Theirs(
        stranger=stranger,
        party=party,
        person=person,
        affiliation=AffiliationFactory(person=person, capacity=Capacity.ACADEMIC),
        contested_term=ContestedTerm.objects.create(
            conflict=process.conflict, term="the West Bank", neutral_wording="the west shore"
        ),
        attendance=process_services.attendance_record(
            actor=stranger, meeting=meeting, person=person
        ),
        follow_up=process_services.follow_up_add(
            actor=stranger, meeting=meeting, description="Their follow-up"
        ),
        attachment=attachment_upload(
            actor=stranger,
            meeting=meeting,
            upload=SimpleUploadedFile("their-notes.txt", b"Their notes.\n"),
        ),
        tie=practice_services.tie_record(
            actor=stranger,
            process=process,
            person=person,
            other=second,
            observed_on=datetime.date(2025, 1, 9),
        ),
        official_track=official_track,
        entries=entries,
        canaries=[process.title, meeting.title, person.display_name, person.pseudonym],
    )


def build_world() -> World:
    """Everything the matrix requests, created through the services as a convener would."""
    ws = make_workspace()
    convener, process, meeting = ws.convener, ws.process, ws.meeting
    # Opening conflicts and processes takes a model permission; here the convener holds it.
    convener.user_permissions.add(
        *ModelPermission.objects.filter(codename__in=["add_conflict", "add_process"])
    )
    conflict = process.conflict
    north = PartyFactory(conflict=conflict, name="North")
    south = PartyFactory(conflict=conflict, name="South")
    person = ws.person
    person.display_name = "Canary Realname"
    person.pseudonym = "Participant Heron"
    person.email = "canary.realname@example.org"
    person.phone = "+1 555 0199"
    person.save()
    person.parties.add(north)
    southerner = ParticipantFactory(process=process, person__pseudonym="Participant Egret").person
    southerner.parties.add(south)
    organisation = OrganisationFactory(name="Canary Institute", party=north)
    affiliation = AffiliationFactory(
        person=person, organisation=organisation, capacity=Capacity.ACADEMIC, role="Canary Chair"
    )
    contested_term = ContestedTerm.objects.create(
        conflict=conflict, term="the Northern Sea", neutral_wording="the sea"
    )

    meeting.title = "Canary harbour round"
    meeting.save()
    held_meeting = MeetingFactory(
        process=process,
        title="Held round",
        status=Meeting.Status.HELD,
        date=datetime.date(2025, 1, 9),
    )
    attendance = process_services.attendance_record(actor=convener, meeting=meeting, person=person)
    agenda_item = process_services.agenda_item_add(
        actor=convener, meeting=meeting, title="Fishing rights"
    )
    note = process_services.note_write(
        actor=convener, meeting=meeting, text="Canary note: the boats question stays open."
    )
    follow_up = process_services.follow_up_add(
        actor=convener, meeting=meeting, description="Send the harbour map", owner=person
    )
    attachment = attachment_upload(
        actor=convener,
        meeting=meeting,
        upload=SimpleUploadedFile("Canary-briefing.txt", b"The harbour map, annotated.\n"),
    )

    official_track = idea_services.official_track_create(
        actor=convener, conflict=conflict, name="Border talks", parties=[north, south]
    )
    idea_services.round_record(
        actor=convener,
        official_track=official_track,
        title="First round",
        start_date=datetime.date(2025, 2, 1),
    )
    idea_services.official_status_set(
        actor=convener,
        official_track=official_track,
        status=OfficialStatus.ACTIVE,
        date=datetime.date(2025, 2, 1),
        reason="Opened",
    )
    agreement = idea_services.agreement_record(
        actor=convener,
        official_track=official_track,
        title="Harbour accord",
        date=datetime.date(2025, 6, 1),
        signatories=[north, south],
    )
    idea_services.provision_add(actor=convener, agreement=agreement, number="1", text="Open port.")
    idea = idea_services.idea_record(
        actor=convener,
        process=process,
        title="Canary idea: a joint harbour board",
        summary="A board with members from both shores.",
        issue=Idea.Issue.ECONOMY,
        origin_meeting=held_meeting,
    )
    idea_services.idea_transfer(
        actor=convener,
        idea=idea,
        date=datetime.date(2025, 3, 1),
        carrier_kind="convener",
        recipient_kind="mediator_team",
        official_track=official_track,
    )
    flagged_idea = idea_services.idea_record(
        actor=convener,
        process=process,
        title="Patrols",
        summary="Joint patrols in the Northern Sea.",
        issue=Idea.Issue.SECURITY,
        origin_meeting=held_meeting,
    )
    non_paper = idea_services.non_paper_create(
        actor=convener, process=process, title="Harbour options", context="", ideas=[idea]
    )
    flagged_non_paper = idea_services.non_paper_create(
        actor=convener, process=process, title="Patrol options", context="", ideas=[flagged_idea]
    )

    def consultation(title: str, seeds: list[str] = SEEDS, **fields: Any) -> Consultation:
        return consultation_services.consultation_create(
            actor=convener,
            process=process,
            title=title,
            question="What should happen to the harbour?",
            languages=["en"],
            seed_statements=seeds,
            **fields,
        )

    members_only = consultation("Canary consultation")
    participant, _ = consultation_services.participant_join(consultation=members_only)
    consultation_services.vote_cast_by_number(participant=participant, number=1, value=1)
    # The vote queued a recompute; none is waiting now, so asking for one does something.
    Consultation.objects.filter(pk=members_only.pk).update(map_requested_at=None)
    public = consultation(
        "Open consultation", results_visibility=Consultation.ResultsVisibility.PUBLIC
    )
    after_voting = consultation(
        "Voters' consultation", results_visibility=Consultation.ResultsVisibility.PARTICIPANTS
    )
    invited = consultation(
        "Invited consultation", INVITED_SEEDS, access=Consultation.Access.INVITED
    )
    (invitation_token,) = consultation_services.invitations_create(
        actor=convener, consultation=invited, count=1
    )
    standalone = consultation_services.consultation_create(
        actor=convener,
        process=None,
        title="Standalone consultation",
        question="Why?",
        languages=["en"],
    )

    survey = practice_services.survey_create(
        actor=convener, meeting=held_meeting, phase=Survey.Phase.AFTER
    )
    tie = practice_services.tie_record(
        actor=convener,
        process=process,
        person=person,
        other=southerner,
        observed_on=datetime.date(2025, 1, 9),
    )
    category = practice_services.stakeholder_category_create(
        actor=convener, process=process, label="Women", kind="women", minimum_percent=40
    )
    tag = practice_services.stakeholder_tag_add(
        actor=convener, process=process, person=person, tag="diaspora"
    )
    calendar = practice_services.party_calendar_add(
        actor=convener, process=process, party=north, calendar="jewish"
    )
    observance = practice_services.observance_add(
        actor=convener, process=process, name="Harbour Day", date=datetime.date(2025, 5, 5)
    )
    venue = practice_services.refused_venue_add(
        actor=convener, process=process, party=south, venue="North Fort"
    )
    api_token, _ = api_token_create(actor=convener, name="Canary laptop")

    world = World(
        workspace=ws,
        north=north,
        south=south,
        person=person,
        southerner=southerner,
        organisation=organisation,
        affiliation=affiliation,
        contested_term=contested_term,
        meeting=meeting,
        held_meeting=held_meeting,
        attendance=attendance,
        agenda_item=agenda_item,
        note=note,
        follow_up=follow_up,
        attachment=attachment,
        idea=idea,
        official_track=official_track,
        agreement=agreement,
        non_paper=non_paper,
        flagged_non_paper=flagged_non_paper,
        consultation=members_only,
        public_consultation=public,
        after_voting_consultation=after_voting,
        invited_consultation=invited,
        standalone_consultation=standalone,
        invitation_token=invitation_token,
        survey=survey,
        tie=tie,
        category=category,
        tag=tag,
        calendar=calendar,
        observance=observance,
        venue=venue,
        api_token=api_token,
        convener_device=totp_device_for(convener),
        theirs=build_theirs(ws),
    )
    world.canaries = {
        # Only members of the process may learn that these exist.
        "process": [process.title, meeting.title, idea.title, organisation.name],
        # Only roles that see real names (and contact details, and whom they work for).
        "names": [person.display_name, person.email, person.phone, affiliation.role],
        # Only roles that read notes, and attachments (observers must not learn they exist).
        "notes": [note.text],
        "attachments": [attachment.original_name],
        # Only the process's members and invited participants (none of the six callers is one).
        "invited": INVITED_SEEDS,
        # Only the convener, whose account it is.
        "convener_account": [api_token.name],
    }
    return world
