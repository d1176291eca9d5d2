"""The Chatham House guard: notes never say who said what, unless an override is recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from multitrack.accounts.models import AuditEvent
from multitrack.actors.names import find_names, fold
from multitrack.processes.models import GroundRules, Note
from multitrack.processes.services import note_write
from tests.conftest import Workspace
from tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    ParticipantFactory,
    PersonFactory,
)


def participant_of(workspace: Workspace, **fields: object) -> object:
    """A person on the roster of the workspace's process."""
    return ParticipantFactory(process=workspace.process, person=PersonFactory(**fields)).person


@pytest.mark.parametrize(
    ("text", "names", "found"),
    [
        ("Then Amira Haddad objected.", ["Amira Haddad"], ["Amira Haddad"]),
        ("then amira  HADDAD objected", ["Amira Haddad"], ["amira  HADDAD"]),
        ("José Núñez agreed", ["Jose Nunez"], ["José Núñez"]),
        ("Jose Nunez agreed", ["José Núñez"], ["Jose Nunez"]),
        ("Jean-Luc said no", ["Jean Luc"], ["Jean-Luc"]),
        ("Jean\u00a0Luc said no", ["Jean-Luc"], ["Jean\u00a0Luc"]),
        ("The Haddadin family", ["Haddad"], []),
        ("Heron's view", ["Heron"], ["Heron"]),
        ("ÇELIK spoke", ["Çelik"], ["ÇELIK"]),
        ("nobody here", ["Amira Haddad"], []),
        ("Al said", ["Al"], []),  # names under three letters would flag ordinary words
    ],
)
def test_names_are_found_across_accents_case_and_spacing(
    text: str, names: list[str], found: list[str]
) -> None:
    assert [hit.words for hit in find_names(text, names)] == found


def test_fold_removes_accents_and_case() -> None:
    assert fold("  Ñúñez-García  ") == "nunez garcia"


@pytest.mark.django_db
def test_a_note_naming_a_participant_is_refused_with_the_words(workspace: Workspace) -> None:
    person = participant_of(
        workspace, display_name="Amira Haddad", pseudonym="Cedar", aliases=["Umm Karim"]
    )
    AffiliationFactory(person=person, organisation=OrganisationFactory(name="Varnia Institute"))
    text = "Cedar and umm karim said the Varnia Institute would host."
    with pytest.raises(ValidationError) as refused:
        note_write(actor=workspace.facilitator, meeting=workspace.meeting, text=text)
    message = refused.value.message_dict["text"][0]
    assert "“Cedar”" in message
    assert "“umm karim”" in message
    assert "“Varnia Institute”" in message
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_an_override_saves_the_note_and_records_why(workspace: Workspace) -> None:
    participant_of(workspace, display_name="Amira Haddad")
    note = note_write(
        actor=workspace.facilitator,
        meeting=workspace.meeting,
        text="Amira Haddad will circulate the paper.",
        override_reason="Logistics, agreed by all in the room.",
    )
    assert note.attribution_override_terms == ["Amira Haddad"]
    assert note.attribution_override_reason == "Logistics, agreed by all in the room."
    event = AuditEvent.objects.get(action="processes.note.overridden")
    assert event.target_id == str(note.pk)


@pytest.mark.django_db
def test_a_clean_note_is_saved_without_override(workspace: Workspace) -> None:
    participant_of(workspace, display_name="Amira Haddad")
    note = note_write(
        actor=workspace.facilitator,
        meeting=workspace.meeting,
        text="One participant proposed a joint water commission.",
        override_reason="not needed",
    )
    assert note.attribution_override_terms == []
    assert note.attribution_override_reason == ""


@pytest.mark.django_db
def test_on_the_record_notes_may_name_people(workspace: Workspace) -> None:
    participant_of(workspace, display_name="Amira Haddad")
    workspace.process.ground_rules = GroundRules.ON_THE_RECORD
    workspace.process.save()
    note = note_write(
        actor=workspace.facilitator, meeting=workspace.meeting, text="Amira Haddad opened."
    )
    assert note.pk is not None


@pytest.mark.django_db
def test_an_empty_note_is_refused(workspace: Workspace) -> None:
    with pytest.raises(ValidationError):
        note_write(actor=workspace.facilitator, meeting=workspace.meeting, text="   ")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["analyst", "observer", "outsider"])
def test_only_roles_that_write_notes_can(workspace: Workspace, role: str) -> None:
    with pytest.raises(PermissionDenied):
        note_write(actor=getattr(workspace, role), meeting=workspace.meeting, text="A view.")
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_the_guard_never_reveals_people_of_other_processes(workspace: Workspace) -> None:
    # Refusing this note would tell the facilitator that someone of that name takes part in a
    # dialogue they are not a member of.
    note = note_write(
        actor=workspace.facilitator,
        meeting=workspace.meeting,
        text=f"Someone asked whether {workspace.other_person.display_name} would come.",
    )
    assert note.attribution_override_terms == []
