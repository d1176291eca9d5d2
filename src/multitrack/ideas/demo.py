"""Official talks, ideas and a non-paper for the fictional demo workspace of ``multitrack.demo``.

Built through the services, as a convener would: the Aldmere talks between Varnia and the
Kestrel Federation (stalled since March 2026, after a search-and-rescue arrangement in 2024),
and ideas from the Coastal Dialogue and Oru Voices, one of which travelled from a Track 2
meeting, through the Track 1.5 Lakeside Consultations, to provision 3 of that arrangement.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from multitrack.actors import services as actors_services
from multitrack.actors.models import Conflict, Party
from multitrack.consultations.demo import DEMO_PROCESS_TITLE as CONSULTATION_PROCESS_TITLE
from multitrack.consultations.demo import DEMO_TITLE as CONSULTATION_TITLE
from multitrack.consultations.models import Consultation
from multitrack.demo import CONFLICT_NAME, PARTIES, PROCESSES
from multitrack.ideas import services
from multitrack.ideas.models import Idea, OfficialTrack, Round, Transfer
from multitrack.ideas.rules import IdeaStage, OfficialStatus
from multitrack.ideas.selectors import bridging_statements
from multitrack.processes.models import Meeting, Process

_D = datetime.date
S = IdeaStage


def load_ideas_from_consultations_demo() -> Idea | None:
    """An idea born in the demo consultation, from its most bridging statements; None if the
    consultation (or its map) is absent, or the idea is already there."""
    consultation = Consultation.objects.filter(
        title=CONSULTATION_TITLE, process__title=CONSULTATION_PROCESS_TITLE
    ).first()
    if consultation is None or consultation.ideas_born.exists():
        return None
    bridging = bridging_statements(consultation=consultation)[:2]
    if not bridging:
        return None
    amara = get_user_model().objects.get(username="amara")  # convener of the Coastal Dialogue
    with transaction.atomic():
        return services.idea_record(
            actor=amara,
            process=consultation.process,  # type: ignore[arg-type]
            origin_consultation=consultation,
            origin_statements=[b.statement for b in bridging],
            title="Joint counting of fish stocks",
            summary="Scientists from both coasts count the stocks together and publish one "
            "figure, as the basis for quotas set jointly.",
            issue=Idea.Issue.ECONOMY,
            kind=Idea.Kind.CONFIDENCE_BUILDING_MEASURE,
            sensitivity=Idea.Sensitivity.LOW,
        )


def load_ideas_demo() -> OfficialTrack | None:
    """Extend the demo workspace; does nothing if the demo is absent or already extended."""
    conflict = Conflict.objects.filter(name=CONFLICT_NAME).first()
    if conflict is None or conflict.official_tracks.exists():
        return None
    with transaction.atomic():
        return _IdeasBuilder(conflict).build()


class _IdeasBuilder:
    def __init__(self, conflict: Conflict) -> None:
        users = get_user_model().objects
        self.conflict = conflict
        self.amara = users.get(username="amara")  # convener of Coastal and Lakeside
        self.tomas = users.get(username="tomas")  # convener of Oru Voices
        self.lina = users.get(username="lina")  # facilitator of Coastal and Oru Voices
        self.parties = {
            key: Party.objects.get(conflict=conflict, name=name)
            for key, (name, _, _) in PARTIES.items()
        }
        self.processes = {
            key: Process.objects.get(conflict=conflict, title=spec["title"])
            for key, spec in PROCESSES.items()
        }

    def meeting(self, process_key: str, date: datetime.date) -> Meeting:
        return Meeting.objects.get(process=self.processes[process_key], date=date)

    def build(self) -> OfficialTrack:
        self.terminology()
        talks = self.official_talks()
        provision = self.agreement(talks)
        self.stages(talks)
        self.ideas(talks, provision)
        load_ideas_from_consultations_demo()
        return talks

    def terminology(self) -> None:
        """The convener's neutral wording for contested terms, kept on the conflict's page."""
        for term, neutral_wording, note in [
            (
                "historic fishing grounds",
                "areas fished by both communities",
                "Varnian usage; the Coastal Dialogue agreed the neutral wording.",
            ),
            (
                "occupied waters",
                "the waters of the strait",
                "Kestrel usage; the Coastal Dialogue agreed the neutral wording.",
            ),
        ]:
            if not self.conflict.contested_terms.filter(term=term).exists():
                actors_services.contested_term_add(
                    actor=self.amara,
                    conflict=self.conflict,
                    term=term,
                    neutral_wording=neutral_wording,
                    note=note,
                )

    def official_talks(self) -> OfficialTrack:
        varnia, kestrel = self.parties["varnia"], self.parties["kestrel"]
        talks = services.official_track_create(
            actor=self.amara,
            conflict=self.conflict,
            name="Aldmere talks",
            parties=[varnia, kestrel],
            mediator="Northern Seas Concord",
        )
        rounds = [
            ("Round 1: opening", _D(2023, 1, 16), Round.Level.MINISTERIAL, "Agenda agreed."),
            ("Round 2", _D(2023, 6, 5), Round.Level.SENIOR_OFFICIALS, "No progress on the line."),
            (
                "Round 3: resumption",
                _D(2024, 3, 12),
                Round.Level.SENIOR_OFFICIALS,
                "Search and rescue taken up as a practical first step.",
            ),
            (
                "Round 4",
                _D(2024, 9, 10),
                Round.Level.SENIOR_OFFICIALS,
                "Mediator tabled a draft search-and-rescue text.",
            ),
            (
                "Round 5: signing",
                _D(2024, 12, 10),
                Round.Level.MINISTERIAL,
                "Search and Rescue Arrangement signed.",
            ),
            (
                "Round 6",
                _D(2025, 10, 7),
                Round.Level.SENIOR_OFFICIALS,
                "Fisheries data discussed; boundary delimitation deadlocked.",
            ),
        ]
        for title, date, level, outcome in rounds:
            services.round_record(
                actor=self.amara,
                official_track=talks,
                title=title,
                start_date=date,
                end_date=date + datetime.timedelta(days=2),
                venue="Aldmere",
                level=level,
                outcome=outcome,
            )
        services.official_track_create(
            actor=self.amara,
            conflict=self.conflict,
            name="Fisheries technical committee",
            parties=[varnia, kestrel],
            mediator="Northern Seas Concord",
        )
        return talks

    def stages(self, talks: OfficialTrack) -> None:
        for status, date, reason in [
            (OfficialStatus.ACTIVE, _D(2023, 1, 16), "Talks opened in Aldmere."),
            (OfficialStatus.STALLED, _D(2023, 6, 5), "Deadlock over the boundary line."),
            (OfficialStatus.ACTIVE, _D(2024, 3, 12), "Resumed on practical questions first."),
            (OfficialStatus.AGREEMENT_SIGNED, _D(2024, 12, 10), "Search and Rescue Arrangement."),
            (OfficialStatus.IMPLEMENTATION, _D(2025, 1, 15), "Hotline and joint drills begin."),
            (OfficialStatus.STALLED, _D(2026, 3, 3), "Deadlock on boundary delimitation."),
        ]:
            services.official_status_set(
                actor=self.amara, official_track=talks, status=status, date=date, reason=reason
            )

    def agreement(self, talks: OfficialTrack) -> Any:
        agreement = services.agreement_record(
            actor=self.amara,
            official_track=talks,
            title="Selka Strait Search and Rescue Arrangement",
            date=_D(2024, 12, 10),
            signatories=[self.parties["varnia"], self.parties["kestrel"]],
            other_signatories="Northern Seas Concord, as witness",
        )
        provisions = [
            ("1", "Vessels in distress in the Strait shall be assisted whatever their flag."),
            (
                "2",
                "Assistance given under this Arrangement is without prejudice to either "
                "Party's position on the maritime boundary.",
            ),
            (
                "3",
                "The Parties shall establish a direct line between the duty officers of their "
                "coast guards, staffed at all hours, to coordinate search and rescue.",
            ),
            ("4", "Small vessels may shelter in the nearest port during storm warnings."),
        ]
        fed = None
        for number, text in provisions:
            provision = services.provision_add(
                actor=self.amara, agreement=agreement, number=number, text=text
            )
            if number == "3":
                fed = provision
        return fed

    def ideas(self, talks: OfficialTrack, provision: Any) -> None:
        amara, lina, tomas = self.amara, self.lina, self.tomas
        # From a Track 2 room to provision 3 of the arrangement.
        hotline = services.idea_record(
            actor=lina,
            process=self.processes["coastal"],
            origin_meeting=self.meeting("coastal", _D(2023, 10, 10)),
            title="Duty-officer hotline for search and rescue",
            summary="A direct line between the duty officers of both coast guards, so crews in "
            "distress are helped whatever their flag.",
            issue=Idea.Issue.SECURITY,
            kind=Idea.Kind.CONFIDENCE_BUILDING_MEASURE,
            sensitivity=Idea.Sensitivity.MODERATE,
        )
        services.idea_version_add(
            actor=amara,
            idea=hotline,
            date=_D(2024, 2, 20),
            meeting=self.meeting("lakeside", _D(2024, 2, 20)),
            summary="A duty-officer line staffed at all hours, presented as a practical "
            "arrangement that leaves legal positions intact.",
            note="Reworded so that neither side reads it as a concession.",
        )
        moves = [
            (S.DEVELOPED, _D(2024, 2, 20), "Reworked with officials in a personal capacity."),
            (S.ENDORSED, _D(2024, 5, 14), "Endorsed by the Lakeside Consultations."),
            (S.TRANSFERRED, _D(2024, 6, 3), "Passed to the mediation team as a non-paper."),
            (S.UNDER_CONSIDERATION, _D(2024, 9, 10), "Tabled by the mediator in round 4."),
        ]
        for stage, date, reason in moves[:3]:
            services.idea_stage_change(
                actor=amara, idea=hotline, stage=stage, date=date, reason=reason
            )
        services.idea_transfer(
            actor=amara,
            idea=hotline,
            date=_D(2024, 6, 3),
            carrier_kind=Transfer.CarrierKind.NON_PAPER,
            carrier_description="Unattributed non-paper on practical cooperation at sea.",
            recipient_kind=Transfer.RecipientKind.MEDIATOR_TEAM,
            official_track=talks,
            is_direct=True,
            response="The mediation team asked for wording that leaves the boundary question "
            "untouched, and took it into the draft.",
        )
        stage, date, reason = moves[3]
        services.idea_stage_change(actor=amara, idea=hotline, stage=stage, date=date, reason=reason)
        services.idea_stage_change(
            actor=amara,
            idea=hotline,
            stage=S.ADOPTED,
            date=_D(2024, 12, 10),
            reason="Became provision 3 of the Search and Rescue Arrangement.",
            provision=provision,
        )

        catch_data = services.idea_record(
            actor=lina,
            process=self.processes["coastal"],
            origin_meeting=self.meeting("coastal", _D(2024, 4, 23)),
            title="Anonymised shared catch-data pilot",
            summary="Both shores report catches in one anonymised format, so that no boat can be "
            "singled out and neither side's figures are dismissed.",
            issue=Idea.Issue.ECONOMY,
            kind=Idea.Kind.OPTION,
        )
        services.idea_version_add(
            actor=amara,
            idea=catch_data,
            date=_D(2025, 3, 18),
            meeting=self.meeting("lakeside", _D(2025, 3, 18)),
            summary="A two-year pilot in areas fished by both communities, with data held by an "
            "independent institute.",
        )
        for stage, date, reason in [
            (S.DEVELOPED, _D(2025, 3, 18), "Worked through at the technical session."),
            (S.TRANSFERRED, _D(2025, 4, 15), "Briefed to both fisheries ministries."),
            (S.UNDER_CONSIDERATION, _D(2025, 10, 7), "On the agenda of round 6."),
        ]:
            services.idea_stage_change(
                actor=amara, idea=catch_data, stage=stage, date=date, reason=reason
            )
        services.idea_transfer(
            actor=amara,
            idea=catch_data,
            date=_D(2025, 4, 15),
            carrier_kind=Transfer.CarrierKind.BRIEFING,
            carrier_description="Briefing by the convening team.",
            recipient_kind=Transfer.RecipientKind.MINISTRY,
            official_track=talks,
            is_direct=False,
            response="Interested; asked who would hold the data.",
        )

        services.idea_record(
            actor=lina,
            process=self.processes["coastal"],
            origin_meeting=self.meeting("coastal", _D(2024, 9, 17)),
            title="Compare fuel support schemes",
            summary="A side-by-side comparison of fuel support on both shores and its effect on "
            "where boats fish.",
            issue=Idea.Issue.ECONOMY,
            kind=Idea.Kind.PROPOSAL,
            sensitivity=Idea.Sensitivity.LOW,
        )

        visits = services.idea_record(
            actor=tomas,
            process=self.processes["voices"],
            origin_meeting=self.meeting("voices", _D(2023, 9, 26)),
            title="Humanitarian crossings for family visits",
            summary="Family visits and visits to graves treated as a humanitarian matter, "
            "separate from the boundary.",
            issue=Idea.Issue.HUMANITARIAN,
            kind=Idea.Kind.PROPOSAL,
            sensitivity=Idea.Sensitivity.HIGH,
        )
        for stage, date, reason in [
            (S.DEVELOPED, _D(2024, 11, 19), "One of the three priorities for the official talks."),
            (S.TRANSFERRED, _D(2025, 1, 20), "Raised with negotiators by a participant."),
            (S.SET_ASIDE, _D(2026, 3, 3), "Official talks stalled; kept for a later round."),
        ]:
            services.idea_stage_change(
                actor=tomas, idea=visits, stage=stage, date=date, reason=reason
            )
        services.idea_transfer(
            actor=tomas,
            idea=visits,
            date=_D(2025, 1, 20),
            carrier_kind=Transfer.CarrierKind.PARTICIPANT,
            carrier_description="A participant who also advises a delegation.",
            recipient_kind=Transfer.RecipientKind.NEGOTIATOR,
            official_track=talks,
            is_direct=True,
            response="Receptive but non-committal.",
        )

        services.non_paper_create(
            actor=lina,
            process=self.processes["coastal"],
            title="Practical cooperation in the Selka Strait: options",
            context="Fishing and port communities on both shores met over three years. These "
            "options came out of those meetings; none prejudges the boundary question.",
            ideas=[catch_data, hotline],
        )
