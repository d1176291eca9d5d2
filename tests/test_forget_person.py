"""Forgetting a person: everywhere, irreversibly, logged without the name; counts stay right."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.urls import reverse

from multitrack.accounts.models import AuditEvent, Role
from multitrack.actors.capacity import Capacity
from multitrack.actors.forgetting import (
    EXEMPT,
    REPLACEMENT,
    TERM_LIST_FIELDS,
    TEXT_FIELDS,
    TextFields,
    forget_plan,
    scrub,
    text_targets,
)
from multitrack.actors.models import ForgetReason, Person
from multitrack.actors.services import (
    affiliation_add,
    person_create,
    person_forget,
    person_update,
)
from multitrack.consultations.models import Consultation, Statement
from multitrack.ideas.models import Idea, Transfer
from multitrack.ideas.services import idea_record, idea_transfer
from multitrack.insights.selectors import meeting_check
from multitrack.practice.models import RelationshipTie, StakeholderTag, SurveyResponse
from multitrack.practice.services import (
    stakeholder_tag_add,
    survey_create,
    survey_response_record,
    tie_record,
)
from multitrack.processes.models import Attendance, FollowUp, MeetingAttachment, Note
from multitrack.processes.selectors import meeting_track_reading, process_summary
from multitrack.processes.services import (
    attendance_record,
    follow_up_add,
    note_write,
    roster_add,
)
from tests.conftest import Workspace
from tests.factories import (
    MeetingFactory,
    OrganisationFactory,
    ParticipantFactory,
    PartyFactory,
    UserFactory,
    member,
)

REAL_NAME = "Zanele Okonkwo"
PSEUDONYM = "Heron"
ALIAS = "Madam Zee"
SURNAME = "Okonkwo"
EMAIL = "zanele@example.org"
PHONE = "+254 700 111222"
CANARIES = [REAL_NAME, PSEUDONYM, ALIAS, SURNAME, EMAIL, PHONE, "zanele"]


@pytest.fixture
def subject(workspace: Workspace) -> Person:
    """A person known in every corner of the workspace, by every name they have."""
    ws = workspace
    party = PartyFactory(conflict=ws.process.conflict, name="Coastal League")
    person = person_create(
        actor=ws.convener,
        process=ws.process,
        display_name=REAL_NAME,
        pseudonym=PSEUDONYM,
        parties=[party],
        aliases=[ALIAS],
        email=EMAIL,
        phone=PHONE,
        languages=["Swahili"],
        country="KE",
        gender=Person.Gender.WOMAN,
    )
    organisation = OrganisationFactory(name="Ministry of Water")
    affiliation_add(
        actor=ws.convener,
        person=person,
        organisation=organisation,
        role="Deputy director",
        capacity=Capacity.SENIOR_OFFICIAL,
        start_date=datetime.date(2020, 1, 1),
    )
    attendance_record(actor=ws.facilitator, meeting=ws.meeting, person=person)
    attendance_record(actor=ws.facilitator, meeting=ws.meeting, person=ws.person)
    note_write(
        actor=ws.facilitator,
        meeting=ws.meeting,
        text=f"{REAL_NAME} proposed joint patrols; {PSEUDONYM} and {ALIAS} agreed. {SURNAME}!",
        override_reason=f"{REAL_NAME} asked to be quoted.",
    )
    note_write(actor=ws.facilitator, meeting=ws.meeting, text="Nobody is named here.")
    tie_record(
        actor=ws.facilitator,
        process=ws.process,
        person=person,
        other=ws.person,
        observed_on=datetime.date(2025, 3, 14),
    )
    stakeholder_tag_add(actor=ws.convener, process=ws.process, person=person, tag="diaspora")
    survey = survey_create(actor=ws.convener, meeting=ws.meeting, phase="after", is_anonymous=False)
    item = survey.items.first()
    assert item is not None
    survey_response_record(
        actor=ws.facilitator,
        survey=survey,
        answers={item.pk: item.scale_min},
        respondent=person,
    )
    follow_up_add(actor=ws.facilitator, meeting=ws.meeting, description="Call back", owner=person)
    idea = idea_record(
        actor=ws.facilitator,
        process=ws.process,
        origin_meeting=ws.meeting,
        title="Joint patrols",
        summary=f"First raised by {REAL_NAME}.",
        issue=Idea.Issue.SECURITY,
        override_reason="On the record at her request.",
    )
    idea_transfer(
        actor=ws.facilitator,
        idea=idea,
        date=datetime.date(2025, 3, 20),
        carrier_kind=Transfer.CarrierKind.PARTICIPANT,
        recipient_kind=Transfer.RecipientKind.MINISTRY,
        carrier_description=f"Carried by {ALIAS} to the ministry.",
        override_reason="Agreed with her.",
    )
    consultation = Consultation.objects.create(
        process=ws.process, title="Coast", question="What next?"
    )
    Statement.objects.create(
        consultation=consultation, number=1, text=f"Listen to {REAL_NAME} on the coast."
    )
    return Person.objects.get(pk=person.pk)


def _every_stored_value() -> list[tuple[str, str]]:
    """Every value of every row of every model, read through the models (decrypted)."""
    found = []
    for model in apps.get_models():
        for obj in model._base_manager.all():
            for field in model._meta.concrete_fields:
                found.append(
                    (f"{model._meta.label}.{field.name}", str(field.value_from_object(obj)))
                )
    return found


def _raw_tables() -> str:
    """Every row of every table as the database stores it."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def _leaks() -> list[str]:
    stored = _every_stored_value()
    raw = _raw_tables().casefold()
    leaks = [
        f"{where}: {canary}"
        for where, value in stored
        for canary in CANARIES
        if canary.casefold() in value.casefold()
    ]
    leaks += [f"raw: {canary}" for canary in CANARIES if canary.casefold() in raw]
    return leaks


# The rule in words.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zanele Okonkwo spoke.", f"{REPLACEMENT} spoke."),
        ("ZANELE  okonkwo spoke.", f"{REPLACEMENT} spoke."),
        ("Zanéle Okonkwo-spoke", f"{REPLACEMENT}-spoke"),
        ("Okonkwoville is a town.", "Okonkwoville is a town."),
        ("Heron and Madam Zee met.", f"{REPLACEMENT} and {REPLACEMENT} met."),
        ("", ""),
    ],
)
def test_scrub_replaces_whole_names_whatever_the_case_or_accents(text: str, expected: str) -> None:
    assert scrub(text, [REAL_NAME, PSEUDONYM, ALIAS]) == expected


# The service.


def test_forgetting_leaves_no_trace_of_any_name_anywhere(
    workspace: Workspace, subject: Person
) -> None:
    assert _leaks(), "the fixture should name the person everywhere"
    LogEntry.objects.log_actions(
        user_id=workspace.convener.pk,
        queryset=[subject],
        action_flag=CHANGE,
        change_message="",
    )

    person_forget(
        actor=workspace.convener,
        person=subject,
        reason=ForgetReason.REQUEST,
        also_remove=[SURNAME, "zanele"],
    )

    assert _leaks() == []


def test_forgotten_person_becomes_a_placeholder(workspace: Workspace, subject: Person) -> None:
    person = person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.SAFETY)

    placeholder = f"Forgotten participant {subject.pk}"
    assert (person.pseudonym, person.display_name) == (placeholder, placeholder)
    assert (person.aliases, person.email, person.phone) == ([], "", "")
    assert (person.languages, person.country) == ([], "")
    assert person.is_forgotten
    assert person.forgotten_reason == ForgetReason.SAFETY
    assert not person.affiliations.exists()
    assert str(person) == placeholder


def test_attendance_counts_and_derived_tracks_stay_the_same(
    workspace: Workspace, subject: Person
) -> None:
    meeting = workspace.meeting
    before = meeting_track_reading(meeting)
    summary_before = process_summary(process=workspace.process)

    person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.REQUEST)

    meeting.refresh_from_db()
    assert meeting.attendance.count() == 2
    record = Attendance.objects.get(meeting=meeting, person=subject)
    assert record.capacity_override == Capacity.SENIOR_OFFICIAL
    after = meeting_track_reading(meeting)
    assert (after.track, after.explanation) == (before.track, before.explanation)
    summary_after = process_summary(process=workspace.process)
    assert summary_after.track_counts == summary_before.track_counts
    assert subject.process_roles.filter(process=workspace.process).exists()


def test_categories_measures_count_are_kept_unless_dropped(
    workspace: Workspace, subject: Person
) -> None:
    kept = person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.REQUEST)
    assert kept.gender == Person.Gender.WOMAN
    assert kept.parties.count() == 1
    assert StakeholderTag.objects.filter(person=kept).count() == 1


def test_drop_categories_removes_gender_parties_and_tags(
    workspace: Workspace, subject: Person
) -> None:
    person = person_forget(
        actor=workspace.convener,
        person=subject,
        reason=ForgetReason.REQUEST,
        drop_categories=True,
    )
    assert person.gender == Person.Gender.UNDISCLOSED
    assert not person.parties.exists()
    assert not StakeholderTag.objects.filter(person=person).exists()


def test_links_are_cut_and_answers_kept(workspace: Workspace, subject: Person) -> None:
    responses = SurveyResponse.objects.count()

    person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.REQUEST)

    assert not RelationshipTie.objects.exists()
    assert SurveyResponse.objects.count() == responses
    assert not SurveyResponse.objects.filter(respondent=subject).exists()
    follow_up = FollowUp.objects.get(description="Call back")
    assert (follow_up.owner, follow_up.owner_note) == (None, "forgotten participant")


def test_notes_keep_their_other_words(workspace: Workspace, subject: Person) -> None:
    person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.REQUEST)

    texts = sorted(note.text for note in Note.objects.all())
    assert texts == [
        "Nobody is named here.",
        f"{REPLACEMENT} proposed joint patrols; {REPLACEMENT} and {REPLACEMENT} agreed. {SURNAME}!",
    ]
    (named,) = [note for note in Note.objects.all() if note.attribution_override_reason]
    assert named.attribution_override_terms == [REPLACEMENT]
    assert named.attribution_override_reason == f"{REPLACEMENT} asked to be quoted."


def test_audit_trail_says_who_forgot_whom_by_number_only(
    workspace: Workspace, subject: Person
) -> None:
    person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.REQUEST)

    event = AuditEvent.objects.get(action="actors.person.forgotten")
    assert (event.actor, event.process, event.target_id) == (
        workspace.convener,
        workspace.process,
        str(subject.pk),
    )
    assert event.detail["reason"] == "request"
    assert event.detail["ties"] == 1
    assert event.detail["attendance"] == 1
    rows = "\n".join(
        str([getattr(e, f.attname) for f in AuditEvent._meta.concrete_fields])
        for e in AuditEvent.objects.all()
    )
    assert not any(canary.casefold() in rows.casefold() for canary in CANARIES)


def test_forgetting_again_changes_nothing(workspace: Workspace, subject: Person) -> None:
    person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.REQUEST)
    events = AuditEvent.objects.count()
    person = Person.objects.get(pk=subject.pk)
    forgotten_at = person.forgotten_at

    again = person_forget(actor=workspace.convener, person=person, reason=ForgetReason.ERROR)

    assert AuditEvent.objects.count() == events
    assert (again.forgotten_at, again.forgotten_reason) == (forgotten_at, ForgetReason.REQUEST)


def test_an_unknown_reason_changes_nothing(workspace: Workspace, subject: Person) -> None:
    with pytest.raises(ValidationError):
        person_forget(actor=workspace.convener, person=subject, reason="because")
    assert Person.objects.get(pk=subject.pk).display_name == REAL_NAME


def test_a_forgotten_person_cannot_be_edited_back(workspace: Workspace, subject: Person) -> None:
    ws = workspace
    person = person_forget(actor=ws.convener, person=subject, reason=ForgetReason.REQUEST)
    other_meeting = MeetingFactory(process=ws.process)

    with pytest.raises(PermissionDenied):
        person_update(actor=ws.convener, person=person, display_name=REAL_NAME)
    with pytest.raises(PermissionDenied):
        affiliation_add(actor=ws.convener, person=person, capacity=Capacity.ACADEMIC)
    with pytest.raises(ValidationError):
        attendance_record(actor=ws.convener, meeting=other_meeting, person=person)
    with pytest.raises(ValidationError):
        roster_add(actor=UserFactory(username="stranger"), process=ws.other_process, person=person)
    with pytest.raises(ValidationError):
        tie_record(
            actor=ws.convener,
            process=ws.process,
            person=person,
            other=ws.person,
            observed_on=datetime.date(2025, 4, 1),
        )
    assert Person.objects.get(pk=person.pk).display_name == person.pseudonym


def test_the_placeholder_does_not_trip_the_chatham_house_guard(
    workspace: Workspace, subject: Person
) -> None:
    person = person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.REQUEST)
    note = note_write(
        actor=workspace.facilitator, meeting=workspace.meeting, text=f"{person.pseudonym} left."
    )
    assert note.attribution_override_terms == []


# Who may forget.


def test_convener_of_every_process_may_forget(workspace: Workspace, subject: Person) -> None:
    person_forget(actor=workspace.convener, person=subject, reason=ForgetReason.REQUEST)
    assert Person.objects.get(pk=subject.pk).is_forgotten


@pytest.mark.parametrize("role", ["facilitator", "analyst", "observer", "outsider"])
def test_other_roles_may_not_forget(workspace: Workspace, subject: Person, role: str) -> None:
    with pytest.raises(PermissionDenied):
        person_forget(actor=getattr(workspace, role), person=subject, reason="request")
    assert not Person.objects.get(pk=subject.pk).is_forgotten


def test_convener_of_only_one_of_their_processes_may_not_forget(
    workspace: Workspace, subject: Person
) -> None:
    ParticipantFactory(process=workspace.other_process, person=subject)
    with pytest.raises(PermissionDenied):
        person_forget(actor=workspace.convener, person=subject, reason="request")
    member(workspace.convener, workspace.other_process, Role.CONVENER)
    convener = type(workspace.convener).objects.get(pk=workspace.convener.pk)  # fresh role cache
    person_forget(actor=convener, person=subject, reason="request")
    assert AuditEvent.objects.filter(action="actors.person.forgotten").count() == 2


def test_superuser_may_forget_anyone(workspace: Workspace, subject: Person) -> None:
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    person_forget(actor=admin, person=subject, reason="request")
    assert Person.objects.get(pk=subject.pk).is_forgotten


# The page.


def _url(person: Person) -> str:
    return reverse("person-forget", args=[person.pk])


def test_page_lists_what_will_change_before_anything_does(
    workspace: Workspace, subject: Person
) -> None:
    response = workspace.client_for(workspace.convener).get(_url(subject))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Attendance: 1 record(s) kept with the placeholder" in page
    assert "Affiliations: 1 deleted" in page
    assert "Relationship ties: 1 deleted" in page
    assert "Names in free text: replaced" in page
    assert "1 meeting notes" in page
    assert not Person.objects.get(pk=subject.pk).is_forgotten


def test_page_forgets_once_the_pseudonym_is_typed(workspace: Workspace, subject: Person) -> None:
    client = workspace.client_for(workspace.convener)
    response = client.post(
        _url(subject),
        {"reason": "request", "confirm": PSEUDONYM.lower(), "also_remove": f"{SURNAME}\n"},
    )

    assert response.status_code == 302
    person = Person.objects.get(pk=subject.pk)
    assert person.is_forgotten
    assert not any(SURNAME in note.text for note in Note.objects.all())
    page = client.get(person.get_absolute_url()).content.decode()
    assert "This person was forgotten" in page
    assert REAL_NAME not in page


def test_page_refuses_a_wrong_confirmation_and_changes_nothing(
    workspace: Workspace, subject: Person
) -> None:
    response = workspace.client_for(workspace.convener).post(
        _url(subject), {"reason": "request", "confirm": "Heron2"}
    )
    assert response.status_code == 200
    assert "Type the person&#x27;s pseudonym exactly" in response.content.decode()
    assert Person.objects.get(pk=subject.pk).display_name == REAL_NAME


def test_page_offers_no_retention_reason(workspace: Workspace, subject: Person) -> None:
    response = workspace.client_for(workspace.convener).post(
        _url(subject), {"reason": "retention", "confirm": PSEUDONYM}
    )
    assert response.status_code == 200
    assert not Person.objects.get(pk=subject.pk).is_forgotten


@pytest.mark.parametrize(("role", "status"), [("facilitator", 403), ("observer", 403)])
def test_members_without_the_permission_get_403(
    workspace: Workspace, subject: Person, role: str, status: int
) -> None:
    client = workspace.client_for(getattr(workspace, role))
    assert client.get(_url(subject)).status_code == status
    assert (
        client.post(_url(subject), {"reason": "request", "confirm": PSEUDONYM}).status_code == 403
    )
    assert not Person.objects.get(pk=subject.pk).is_forgotten


def test_outsider_gets_404(workspace: Workspace, subject: Person) -> None:
    assert workspace.client_for(workspace.outsider).get(_url(subject)).status_code == 404


def test_page_rejects_other_methods(workspace: Workspace, subject: Person) -> None:
    assert workspace.client_for(workspace.convener).put(_url(subject)).status_code == 405


def test_forget_link_shows_only_to_those_who_may(workspace: Workspace, subject: Person) -> None:
    url = subject.get_absolute_url()
    assert _url(subject) in workspace.client_for(workspace.convener).get(url).content.decode()
    page = workspace.client_for(workspace.facilitator).get(url).content.decode()
    assert _url(subject) not in page


def test_page_of_a_forgotten_person_has_no_form(workspace: Workspace, subject: Person) -> None:
    person_forget(actor=workspace.convener, person=subject, reason="request")
    client = workspace.client_for(workspace.convener)
    page = client.get(_url(subject)).content.decode()
    assert "already forgotten" in page
    assert 'name="confirm"' not in page
    assert client.get(reverse("person-edit", args=[subject.pk])).status_code == 403


# The command.


def _command(*args: Any) -> str:
    out = StringIO()
    call_command("forget_person", *args, stdout=out)
    return out.getvalue()


def test_command_prints_the_plan_and_changes_nothing_without_yes(subject: Person) -> None:
    output = _command(str(subject.pk), "--reason", "request")
    assert "Relationship ties: 1 deleted." in output
    assert "Nothing was changed" in output
    assert not Person.objects.get(pk=subject.pk).is_forgotten
    assert not any(canary in output for canary in CANARIES)


def test_command_forgets_with_yes(subject: Person) -> None:
    output = _command(str(subject.pk), "--reason", "safety", "--also-remove", SURNAME, "--yes")
    assert f"Person #{subject.pk} was forgotten." in output
    assert _leaks() == []
    event = AuditEvent.objects.get(action="actors.person.forgotten")
    assert event.actor is None
    assert event.detail["reason"] == "safety"


def test_command_is_idempotent(subject: Person) -> None:
    _command(str(subject.pk), "--reason", "request", "--yes")
    output = _command(str(subject.pk), "--reason", "request", "--yes")
    assert "already forgotten" in output
    assert AuditEvent.objects.filter(action="actors.person.forgotten").count() == 1


def test_command_checks_the_account_it_acts_as(workspace: Workspace, subject: Person) -> None:
    with pytest.raises(CommandError, match="Nothing was changed"):
        _command(str(subject.pk), "--reason", "request", "--by", "facilitator", "--yes")
    assert not Person.objects.get(pk=subject.pk).is_forgotten
    _command(str(subject.pk), "--reason", "request", "--by", "convener", "--yes")
    assert AuditEvent.objects.get(action="actors.person.forgotten").actor == workspace.convener


def test_command_refuses_an_unknown_person(db: None) -> None:
    with pytest.raises(CommandError, match="no person #999"):
        _command("999", "--reason", "request", "--yes")


def test_plan_counts_match_what_happens(workspace: Workspace, subject: Person) -> None:
    plan = forget_plan(subject)
    person_forget(actor=workspace.convener, person=subject, reason="request")
    event = AuditEvent.objects.get(action="actors.person.forgotten")
    assert (plan.attendance, plan.affiliations, plan.ties) == (
        event.detail["attendance"],
        event.detail["affiliations"],
        event.detail["ties"],
    )
    assert sum(plan.texts.values()) == event.detail["texts"]


def test_admin_log_lines_are_renamed(workspace: Workspace, subject: Person) -> None:
    LogEntry.objects.create(
        user=workspace.convener,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(subject.pk),
        object_repr=PSEUDONYM,
        action_flag=CHANGE,
    )
    person_forget(actor=workspace.convener, person=subject, reason="request")
    assert LogEntry.objects.get().object_repr == REPLACEMENT


def test_attachment_names_are_scrubbed_and_their_files_flagged(
    workspace: Workspace, subject: Person, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    MeetingAttachment.objects.create(
        meeting=workspace.meeting,
        file="attachments/abc.pdf",
        original_name=f"{REAL_NAME} CV.pdf",
        content_type="application/pdf",
        size_bytes=10,
        sha256="0" * 64,
    )
    plan = forget_plan(subject)
    assert any("1 file(s)" in line and "by hand" in line for line in plan.lines())

    person_forget(actor=workspace.convener, person=subject, reason="request")

    assert MeetingAttachment.objects.get().original_name == f"{REPLACEMENT} CV.pdf"


def test_nobody_expects_a_forgotten_person_at_a_coming_meeting(
    workspace: Workspace, subject: Person
) -> None:
    coming = MeetingFactory(
        process=workspace.process, date=datetime.date(2030, 1, 8), working_languages=["French"]
    )
    before = meeting_check(user=workspace.convener, meeting=coming)
    assert subject.pk in {p.pk for p in before.uncovered}

    person_forget(actor=workspace.convener, person=subject, reason="request")

    after = meeting_check(user=workspace.convener, meeting=coming)
    assert subject.pk not in {p.pk for p in after.uncovered}


def test_kept_word_lists_lose_the_names_in_any_form(workspace: Workspace, subject: Person) -> None:
    from multitrack.ideas.models import NonPaper

    non_paper = NonPaper.objects.create(
        process=workspace.process,
        title="Options",
        override_terms=["zanele okonkwo", "harbour"],
        override_reason="Kept on purpose.",
    )
    person_forget(actor=workspace.convener, person=subject, reason="request")
    non_paper.refresh_from_db()
    assert non_paper.override_terms == [REPLACEMENT, "harbour"]


# Only the person's processes are touched (security review, #6).


def _registry_records(conflict: Any, text: str) -> list[Any]:
    """A record of every registry model that can hold text, in ``conflict``, naming ``text``."""
    from multitrack.actors.models import ContestedTerm
    from multitrack.ideas.models import Agreement, OfficialTrack, Provision, Round, StatusChange

    track = OfficialTrack.objects.create(
        conflict=conflict, name=f"Talks of {text}", mediator=f"{text}'s office"
    )
    agreement = Agreement.objects.create(
        official_track=track,
        title=f"Accord with {text}",
        date=datetime.date(2025, 5, 1),
        other_signatories=f"Witnessed by {text}",
    )
    return [
        track,
        agreement,
        Provision.objects.create(agreement=agreement, number="1", text=f"{text} guarantees it."),
        Round.objects.create(
            official_track=track,
            title=f"Round with {text}",
            start_date=datetime.date(2025, 4, 1),
            venue=f"{text}'s house",
            outcome=f"{text} walked out.",
        ),
        StatusChange.objects.create(
            official_track=track,
            status=StatusChange._meta.get_field("status").choices[0][0],
            date=datetime.date(2025, 4, 2),
            reason=f"{text} resigned.",
        ),
        ContestedTerm.objects.create(
            conflict=conflict, term="the coast", neutral_wording="the shore", note=f"{text}'s term"
        ),
    ]


def _texts(obj: Any) -> list[str]:
    obj.refresh_from_db()
    return [
        str(field.value_from_object(obj))
        for field in obj._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
    ]


def test_text_of_another_process_is_left_untouched(workspace: Workspace, subject: Person) -> None:
    ws = workspace
    subject.aliases = [ALIAS, "Hope"]
    subject.save()
    elsewhere = f"{REAL_NAME}, {PSEUDONYM}, {ALIAS} and Zanele will meet; we hope so."
    other_note = Note.objects.create(meeting=ws.other_meeting, text=elsewhere)
    standalone = Consultation.objects.create(
        title=f"Ask {REAL_NAME}", question="What next?", description="We hope and will see."
    )
    own_note = Note.objects.create(meeting=ws.meeting, text="We hope the ferry will run.")

    person_forget(
        actor=ws.convener, person=subject, reason=ForgetReason.REQUEST, also_remove=["Zanele"]
    )

    assert Note.objects.get(pk=other_note.pk).text == elsewhere
    assert Consultation.objects.get(pk=standalone.pk).title == f"Ask {REAL_NAME}"
    assert Note.objects.get(pk=own_note.pk).text == "We hope the ferry will run."


def test_conflict_records_another_process_uses_are_left_untouched(
    workspace: Workspace, subject: Person
) -> None:
    ws = workspace
    ws.other_process.conflict = ws.process.conflict
    ws.other_process.save()
    records = _registry_records(ws.process.conflict, REAL_NAME)
    before = [_texts(record) for record in records]

    person_forget(actor=ws.convener, person=subject, reason=ForgetReason.REQUEST)

    assert [_texts(record) for record in records] == before
    assert not any(REAL_NAME in note.text for note in Note.objects.all())


def test_conflict_records_and_venues_of_their_own_processes_are_scrubbed(
    workspace: Workspace, subject: Person
) -> None:
    from multitrack.practice.models import RefusedVenue

    ws = workspace
    conflict = ws.process.conflict
    conflict.summary = f"{ALIAS} brokered the truce."
    conflict.customs = f"Greet {REAL_NAME} first."
    conflict.sensitivities = f"Never mention {PSEUDONYM}."
    conflict.save()
    records = _registry_records(conflict, REAL_NAME)
    venue = RefusedVenue.objects.create(
        process=ws.process,
        party=PartyFactory(conflict=conflict),
        venue=f"{REAL_NAME}'s farm",
        reason=f"{ALIAS} lives there.",
    )

    person_forget(actor=ws.convener, person=subject, reason=ForgetReason.REQUEST)

    for record in [conflict, venue, *records]:
        texts = " ".join(_texts(record))
        assert REAL_NAME not in texts and ALIAS not in texts and PSEUDONYM not in texts
        assert REPLACEMENT in texts


@pytest.mark.parametrize("word", ["and", "will", "Zee", "  the  ", "Hope"])
def test_a_typed_common_or_short_word_is_refused_and_nothing_changes(
    workspace: Workspace, subject: Person, word: str
) -> None:
    notes = sorted(note.text for note in Note.objects.all())

    with pytest.raises(ValidationError, match=r"shorter than 4 letters|common word"):
        person_forget(
            actor=workspace.convener,
            person=subject,
            reason=ForgetReason.REQUEST,
            also_remove=[SURNAME, word],
        )

    assert Person.objects.get(pk=subject.pk).display_name == REAL_NAME
    assert sorted(note.text for note in Note.objects.all()) == notes


def test_page_refuses_a_common_word_with_a_message_and_changes_nothing(
    workspace: Workspace, subject: Person
) -> None:
    response = workspace.client_for(workspace.convener).post(
        _url(subject), {"reason": "request", "confirm": PSEUDONYM, "also_remove": "Okonkwo\nwill"}
    )

    assert response.status_code == 200
    assert "“will” is a common word" in response.content.decode()
    assert not Person.objects.get(pk=subject.pk).is_forgotten


def test_command_refuses_a_short_word_without_echoing_it(subject: Person) -> None:
    with pytest.raises(CommandError, match="shorter than 4 letters") as raised:
        _command(str(subject.pk), "--reason", "request", "--also-remove", "Zee", "--yes")
    assert "Zee" not in str(raised.value)
    assert not Person.objects.get(pk=subject.pk).is_forgotten


def test_page_counts_the_changes_per_process(workspace: Workspace, subject: Person) -> None:
    Note.objects.create(meeting=workspace.other_meeting, text=f"{REAL_NAME}.")
    plan = forget_plan(subject)

    assert set(plan.texts_by_place) == {workspace.process.title}
    page = workspace.client_for(workspace.convener).get(_url(subject)).content.decode()
    count = plan.texts_by_place[workspace.process.title]
    assert f"Free text in process “Harbour dialogue”: {count} record(s) changed." in page
    assert "Secret channel" not in page


# The list of text fields stays complete and true.


def test_every_text_field_of_the_project_is_scrubbed_or_exempt_with_a_reason() -> None:
    listed = {
        f"{spec.label}.{name}" for spec in (*TEXT_FIELDS, *TERM_LIST_FIELDS) for name in spec.fields
    }
    found = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("multitrack.")
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        and not field.choices
    }
    assert sorted(found - listed - set(EXEMPT)) == []
    assert sorted(set(EXEMPT) - found) == [], "exempt fields that no longer exist"
    assert sorted(set(EXEMPT) & listed) == [], "fields both scrubbed and exempt"
    assert all(reason for reason in EXEMPT.values())
    assert len(list(text_targets())) == len(TEXT_FIELDS)


def test_a_listed_field_that_does_not_exist_is_an_error() -> None:
    wrong = TextFields("processes.MeetingAttachment", ("title",), "x", process="meeting__process")
    with pytest.raises(ImproperlyConfigured, match="title"):
        list(text_targets((wrong,)))
