"""Services: permissions, the Chatham House guard, stage changes, official talks, audit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from multitrack.accounts.models import AuditEvent
from multitrack.ideas import services
from multitrack.ideas.models import Idea, OfficialTrack, Provision
from multitrack.ideas.rules import IdeaStage, OfficialStatus
from multitrack.processes.models import GroundRules
from tests.factories import ConflictFactory, MeetingFactory, PartyFactory
from tests.ideas.conftest import Talks

D = datetime.date


def record_idea(talks: Talks, **fields: object) -> Idea:
    workspace = talks.workspace
    values = {
        "actor": workspace.facilitator,
        "process": workspace.process,
        "origin_meeting": workspace.meeting,
        "title": "Joint water commission",
        "summary": "A joint commission to share the river's water in dry years.",
        "issue": Idea.Issue.ECONOMY,
    } | fields
    return services.idea_record(**values)


def provision(talks: Talks) -> Provision:
    agreement = services.agreement_record(
        actor=talks.workspace.convener,
        official_track=talks.official_track,
        title="Water accord",
        date=D(2025, 12, 1),
        signatories=[talks.north, talks.south],
    )
    return services.provision_add(
        actor=talks.workspace.convener, agreement=agreement, number="4.2", text="A commission…"
    )


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


class TestIdeaRecord:
    def test_facilitator_records_an_idea_and_it_is_audited(self, talks: Talks) -> None:
        idea = record_idea(talks)
        assert idea.stage == IdeaStage.RAISED
        assert "ideas.idea.recorded" in actions()

    @pytest.mark.parametrize("role", ["observer", "analyst", "outsider"])
    def test_others_cannot_record_ideas(self, talks: Talks, role: str) -> None:
        with pytest.raises(PermissionDenied):
            record_idea(talks, actor=getattr(talks.workspace, role))

    def test_an_idea_that_names_someone_is_refused_under_chatham_house(self, talks: Talks) -> None:
        with pytest.raises(ValidationError) as error:
            record_idea(talks, summary="zoe nunez ortega proposed a joint commission.")
        assert "zoe nunez ortega" in str(error.value)
        assert not Idea.objects.exists()

    def test_a_reason_overrides_the_guard_and_is_audited(self, talks: Talks) -> None:
        record_idea(talks, summary="Zoë Ñúñez-Ortega's paper", override_reason="Published paper")
        assert "ideas.idea.overridden" in actions()

    def test_names_are_allowed_on_the_record(self, talks: Talks) -> None:
        process = talks.workspace.process
        process.ground_rules = GroundRules.ON_THE_RECORD
        process.save()
        assert record_idea(talks, summary="Kwame Mensah's proposal").pk

    def test_the_origin_meeting_must_belong_to_the_process(self, talks: Talks) -> None:
        with pytest.raises(ValidationError):
            record_idea(talks, origin_meeting=talks.workspace.other_meeting)


class TestStageChange:
    def test_an_idea_travels_to_adoption(self, talks: Talks) -> None:
        idea = record_idea(talks)
        facilitator = talks.workspace.facilitator
        steps = [
            (IdeaStage.DEVELOPED, D(2025, 4, 1)),
            (IdeaStage.ENDORSED, D(2025, 5, 1)),
            (IdeaStage.TRANSFERRED, D(2025, 6, 1)),
            (IdeaStage.UNDER_CONSIDERATION, D(2025, 7, 1)),
        ]
        for stage, date in steps:
            services.idea_stage_change(
                actor=facilitator, idea=idea, stage=stage, date=date, reason="Next step"
            )
        fed = provision(talks)
        services.idea_stage_change(
            actor=facilitator,
            idea=idea,
            stage=IdeaStage.ADOPTED,
            date=D(2025, 12, 1),
            reason="Became provision 4.2",
            provision=fed,
        )
        idea.refresh_from_db()
        assert (idea.stage, idea.adopted_in) == (IdeaStage.ADOPTED, fed)
        assert idea.stage_changes.count() == 5
        assert actions().count("ideas.stage.changed") == 5

    def test_adoption_without_a_provision_is_refused(self, talks: Talks) -> None:
        idea = record_idea(talks)
        idea.stage = IdeaStage.UNDER_CONSIDERATION
        idea.save()
        with pytest.raises(ValidationError) as error:
            services.idea_stage_change(
                actor=talks.workspace.facilitator,
                idea=idea,
                stage=IdeaStage.ADOPTED,
                date=D(2025, 12, 1),
                reason="Adopted",
            )
        assert "provision" in error.value.message_dict

    def test_a_change_cannot_predate_the_meeting_the_idea_was_born_in(self, talks: Talks) -> None:
        idea = record_idea(talks)  # born 14 March 2025
        with pytest.raises(ValidationError) as error:
            services.idea_stage_change(
                actor=talks.workspace.facilitator,
                idea=idea,
                stage=IdeaStage.DEVELOPED,
                date=D(2025, 3, 1),
                reason="Reworked",
            )
        assert "date" in error.value.message_dict

    def test_a_provision_of_another_conflict_is_refused(self, talks: Talks) -> None:
        idea = record_idea(talks)
        idea.stage = IdeaStage.UNDER_CONSIDERATION
        idea.save()
        elsewhere = OfficialTrack.objects.create(conflict=ConflictFactory(), name="Other talks")
        agreement = elsewhere.agreements.create(title="Other accord", date=D(2025, 1, 1))
        foreign = Provision.objects.create(agreement=agreement, number="1", text="…")
        with pytest.raises(ValidationError):
            services.idea_stage_change(
                actor=talks.workspace.facilitator,
                idea=idea,
                stage=IdeaStage.ADOPTED,
                date=D(2025, 12, 1),
                reason="Adopted",
                provision=foreign,
            )

    def test_observer_cannot_change_a_stage(self, talks: Talks) -> None:
        idea = record_idea(talks)
        with pytest.raises(PermissionDenied):
            services.idea_stage_change(
                actor=talks.workspace.observer,
                idea=idea,
                stage=IdeaStage.DEVELOPED,
                date=D(2025, 4, 1),
                reason="x",
            )


class TestVersionsAndTransfers:
    def test_a_version_keeps_the_derived_track_of_its_meeting(self, talks: Talks) -> None:
        idea = record_idea(talks)
        meeting = talks.meeting_of_both(D(2025, 5, 1))
        version = services.idea_version_add(
            actor=talks.workspace.facilitator,
            idea=idea,
            summary="Reworked",
            date=D(2025, 5, 1),
            meeting=meeting,
        )
        assert (version.number, version.track) == (2, "2")

    def test_a_version_cannot_come_from_a_meeting_the_actor_may_not_see(self, talks: Talks) -> None:
        idea = record_idea(talks)
        with pytest.raises(ValidationError):
            services.idea_version_add(
                actor=talks.workspace.facilitator,
                idea=idea,
                summary="Reworked",
                date=D(2025, 5, 1),
                meeting=talks.workspace.other_meeting,
            )

    def test_a_transfer_that_names_who_said_it_is_refused(self, talks: Talks) -> None:
        idea = record_idea(talks)
        with pytest.raises(ValidationError) as error:
            services.idea_transfer(
                actor=talks.workspace.facilitator,
                idea=idea,
                date=D(2025, 6, 1),
                carrier_kind="participant",
                recipient_kind="negotiator",
                carrier_description="KWAME  MENSAH took it to the delegation",
            )
        assert "KWAME  MENSAH" in str(error.value)

    def test_a_transfer_is_recorded_and_audited(self, talks: Talks) -> None:
        idea = record_idea(talks)
        transfer = services.idea_transfer(
            actor=talks.workspace.facilitator,
            idea=idea,
            date=D(2025, 6, 1),
            carrier_kind="non_paper",
            recipient_kind="mediator_team",
            official_track=talks.official_track,
            is_direct=False,
            response="Interested; asked for costings.",
        )
        assert transfer.official_track == talks.official_track
        assert "ideas.transfer.recorded" in actions()


class TestOfficialTalks:
    def test_facilitator_records_official_talks(self, talks: Talks) -> None:
        facilitator = talks.workspace.facilitator
        track = services.official_track_create(
            actor=facilitator,
            conflict=talks.conflict,
            name="Ceasefire commission",
            parties=[talks.north, talks.south],
        )
        services.round_record(
            actor=facilitator, official_track=track, title="Round 1", start_date=D(2025, 1, 10)
        )
        services.official_status_set(
            actor=facilitator,
            official_track=track,
            status=OfficialStatus.STALLED,
            date=D(2025, 3, 3),
            reason="Deadlock on the line",
        )
        assert {
            "ideas.official_track.created",
            "ideas.round.recorded",
            "ideas.official_status.changed",
        } <= set(actions())

    @pytest.mark.parametrize("role", ["observer", "analyst", "outsider"])
    def test_others_cannot_record_official_talks(self, talks: Talks, role: str) -> None:
        with pytest.raises(PermissionDenied):
            services.official_status_set(
                actor=getattr(talks.workspace, role),
                official_track=talks.official_track,
                status=OfficialStatus.STALLED,
                date=D(2025, 3, 3),
                reason="Deadlock",
            )

    def test_parties_of_another_conflict_are_refused(self, talks: Talks) -> None:
        with pytest.raises(ValidationError):
            services.official_track_create(
                actor=talks.workspace.convener,
                conflict=talks.conflict,
                name="Mixed",
                parties=[talks.north, PartyFactory()],
            )

    def test_status_changes_are_explained_and_in_order(self, talks: Talks) -> None:
        convener = talks.workspace.convener
        services.official_status_set(
            actor=convener,
            official_track=talks.official_track,
            status=OfficialStatus.ACTIVE,
            date=D(2025, 3, 3),
            reason="Opened",
        )
        with pytest.raises(ValidationError) as error:
            services.official_status_set(
                actor=convener,
                official_track=talks.official_track,
                status=OfficialStatus.STALLED,
                date=D(2025, 3, 1),
                reason="",
            )
        assert set(error.value.message_dict) == {"date", "reason"}

    def test_a_meeting_of_another_process_is_no_channel_for_its_outsiders(
        self, talks: Talks
    ) -> None:
        # (channels are tested in test_channels; this checks the factory helper itself)
        meeting = MeetingFactory(process=talks.workspace.other_process)
        assert meeting.process != talks.workspace.process
