"""Forgetting a person: what it changes (the plan shown before anything happens) and the scrub
that takes their names out of free text everywhere.

The rules (docs/decisions/0005-forgetting-and-retention.md):

- The ``Person`` row stays as a placeholder, "Forgotten participant 7", so attendance, roster
  counts, derived tracks and measures stay right. Its real name, pseudonym, aliases, contact
  details, languages and country are overwritten.
- Affiliations are deleted; the capacity each one gave on a meeting day is first written into
  that attendance record (``capacity_override``), so derived tracks do not change.
- Gender, parties and stakeholder tags are the categories measures count; they are kept unless
  ``drop_categories`` is asked for (then past measures count the person as unknown).
- Relationship ties with anyone are deleted; a survey response they gave is kept, unlinked
  (answers still count, anonymously); follow-ups they owned lose their owner.
- Their names, pseudonym and aliases (and any ``also_remove`` words) are replaced by
  ``[forgotten participant]`` in every free-text field of every process, consultation and
  document record, in the Chatham House override lists and in the admin's change log.
- Consultation participants are not linked to people: nothing there names them except text,
  which is scrubbed like the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from multitrack.actors.models import Person
from multitrack.actors.names import find_names, fold

REPLACEMENT = "[forgotten participant]"

# Free text that could name someone: (model label, fields, what a person calls the records).
# Models or fields that do not exist (yet) are skipped, so an app added later only needs a line.
TEXT_FIELDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("processes.Meeting", ("title", "place"), "meetings"),
    ("processes.AgendaItem", ("title", "description"), "agenda items"),
    ("processes.Note", ("text", "attribution_override_reason"), "meeting notes"),
    ("processes.FollowUp", ("description", "owner_note"), "follow-ups"),
    (
        "processes.MeetingAttachment",
        ("title", "description", "original_name", "filename", "name"),
        "attachment descriptions",
    ),
    ("processes.Process", ("title", "aims"), "processes"),
    ("ideas.Idea", ("title", "summary"), "ideas"),
    ("ideas.IdeaVersion", ("summary", "note"), "idea versions"),
    ("ideas.IdeaStageChange", ("reason",), "idea stage changes"),
    (
        "ideas.Transfer",
        ("carrier_description", "response", "attribution_override_reason"),
        "transfers",
    ),
    ("ideas.NonPaper", ("title", "context", "override_reason"), "non-papers"),
    ("ideas.NonPaperOption", ("heading", "text", "rationale"), "non-paper options"),
    ("consultations.Consultation", ("title", "question", "description"), "consultations"),
    ("consultations.Statement", ("text", "moderation_reason"), "consultation statements"),
    ("practice.Survey", ("title",), "surveys"),
    ("practice.SurveyItem", ("text",), "survey questions"),
    ("practice.SurveyResponse", ("comment", "free_text", "text"), "survey free text"),
    ("practice.SurveyAnswer", ("comment", "free_text", "text"), "survey free text"),
    ("practice.Observance", ("name",), "observances"),
    ("practice.RelationshipTie", ("note", "description"), "relationship ties"),
)
# Lists of words a writer chose to keep despite the Chatham House check (they may be names).
TERM_LIST_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("processes.Note", "attribution_override_terms", "meeting notes"),
    ("ideas.Transfer", "attribution_override_terms", "transfers"),
    ("ideas.NonPaper", "override_terms", "non-papers"),
    ("ideas.Export", "overridden_terms", "non-paper exports"),
)


def names_of(person: Person) -> list[str]:
    """Every name the person is known by in the registry: real name, pseudonym, aliases."""
    return [person.display_name, person.pseudonym, *(person.aliases or [])]


def scrub(text: str, names: Sequence[str]) -> str:
    """``text`` with every whole-word occurrence of ``names`` (accent- and case-insensitive)
    replaced by ``[forgotten participant]``."""
    hits = find_names(text, names)
    if not hits:
        return text
    pieces: list[str] = []
    position = 0
    for hit in sorted(hits, key=lambda h: h.start):
        if hit.start < position:  # overlapping hits: the first one already covers it
            continue
        pieces.extend([text[position : hit.start], REPLACEMENT])
        position = hit.end
    pieces.append(text[position:])
    return "".join(pieces)


def _scrub_terms(terms: list[str], names: Sequence[str]) -> list[str]:
    folded = {fold(n) for n in names if n}
    kept: list[str] = []
    for term in terms:
        cleaned = REPLACEMENT if fold(term) in folded else scrub(term, names)
        if cleaned not in kept:
            kept.append(cleaned)
    return kept


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _text_targets() -> Iterator[tuple[type[models.Model], list[str], str]]:
    for label, wanted, kind in TEXT_FIELDS:
        model = _model(label)
        if model is None:
            continue
        present = {f.name for f in model._meta.get_fields() if isinstance(f, models.Field)}
        fields = [name for name in wanted if name in present]
        if fields:
            yield model, fields, kind


@dataclass
class TextChange:
    """A record whose text names a forgotten person, and its fields as they will be saved."""

    obj: models.Model
    fields: dict[str, Any]
    kind: str


def text_changes(names: Sequence[str]) -> list[TextChange]:
    """Every record whose free text or kept-words list names one of ``names``, with the
    scrubbed values. Reads through the models (never SQL filters on the text), since some of
    these fields are encrypted at rest; changes are collected first and saved afterwards."""
    names = [n for n in names if n and len(fold(n)) >= 3]
    if not names:
        return []
    changes: dict[tuple[str, Any], TextChange] = {}
    for model, fields, kind in _text_targets():
        for obj in model._default_manager.all().iterator(chunk_size=500):
            for name in fields:
                value = getattr(obj, name)
                if isinstance(value, str) and value:
                    cleaned = scrub(value, names)
                    if cleaned != value:
                        key = (model._meta.label, obj.pk)
                        changes.setdefault(key, TextChange(obj, {}, kind)).fields[name] = cleaned
    for label, name, kind in TERM_LIST_FIELDS:
        term_model = _model(label)
        if term_model is None:
            continue
        for obj in term_model._default_manager.all().iterator(chunk_size=500):
            terms = list(getattr(obj, name) or [])
            cleaned_terms = _scrub_terms(terms, names)
            if cleaned_terms != terms:
                key = (term_model._meta.label, obj.pk)
                existing = changes.get(key)
                if existing is None:
                    existing = changes.setdefault(key, TextChange(obj, {}, kind))
                existing.fields[name] = cleaned_terms
    return list(changes.values())


def apply_text_changes(changes: Iterable[TextChange]) -> None:
    """Save the scrubbed values (only those fields, so nothing else on the row moves)."""
    for change in changes:
        for name, value in change.fields.items():
            setattr(change.obj, name, value)
        # ``save`` with update_fields leaves auto_now fields alone unless listed; fine here.
        change.obj.save(update_fields=list(change.fields))


def admin_log_changes(names: Sequence[str]) -> list[tuple[Any, str]]:
    """The admin's change-log lines whose object description names the person (the admin keeps
    ``str(obj)``, which is a pseudonym), with the scrubbed description."""
    from django.contrib.admin.models import LogEntry

    names = [n for n in names if n and len(fold(n)) >= 3]
    found = []
    for entry in LogEntry.objects.all().iterator(chunk_size=500):
        cleaned = scrub(entry.object_repr, names)
        if cleaned != entry.object_repr:
            found.append((entry, cleaned))
    return found


@dataclass
class ForgetPlan:
    """What forgetting one person will change, in counts (shown before anyone confirms)."""

    person: Person
    already_forgotten: bool
    drop_categories: bool
    process_titles: list[str]
    attendance: int
    capacities_frozen: int
    affiliations: int
    ties: int
    survey_responses: int
    follow_ups: int
    stakeholder_tags: int
    parties: int
    texts: Counter[str] = field(default_factory=Counter)
    admin_log_lines: int = 0
    attachments: int = 0

    def lines(self) -> list[str]:
        """The plan in words, one change per line, for the confirmation page and the command."""
        if self.already_forgotten:
            return ["This person was already forgotten: nothing left to change."]
        kept = "kept" if not self.drop_categories else "removed"
        lines = [
            "Real name, pseudonym, aliases, email, phone, languages and country: overwritten; "
            f"the person is shown as “{placeholder_for(self.person)}” from now on.",
            f"Rosters: kept with the placeholder in {len(self.process_titles)} process(es), "
            "so roster counts stay right.",
            f"Attendance: {self.attendance} record(s) kept with the placeholder, so meeting "
            f"counts, derived tracks and measures stay right ({self.capacities_frozen} with the "
            "capacity of the day written onto the record).",
            f"Affiliations: {self.affiliations} deleted (organisations and roles).",
            f"Relationship ties: {self.ties} deleted.",
            f"Survey responses: {self.survey_responses} kept without the link to the person.",
            f"Follow-ups they owned: {self.follow_ups} kept without an owner.",
            f"Gender, {self.parties} party link(s) and {self.stakeholder_tags} stakeholder "
            f"tag(s): {kept}"
            + (
                " (the categories measures count; they do not name anyone once the rest is gone)."
                if not self.drop_categories
                else " (past measures will count the person as unknown)."
            ),
        ]
        if self.texts:
            where = ", ".join(f"{count} {kind}" for kind, count in sorted(self.texts.items()))
            lines.append(f"Names in free text: replaced by “{REPLACEMENT}” in {where}.")
        else:
            lines.append("Names in free text: none found.")
        if self.admin_log_lines:
            lines.append(f"Admin change log: {self.admin_log_lines} line(s) renamed.")
        if self.attachments:
            lines.append(
                f"Attachments: the {self.attachments} file(s) of their processes' meetings "
                "cannot be searched for names (their file names are). Check them by hand."
            )
        lines.append(
            "Consultations: participants are not linked to people, so only text is changed."
        )
        lines.append(
            "The audit trail keeps its lines (they name records by number only) and gains one "
            "saying that a person was forgotten, without any name."
        )
        return lines


def placeholder_for(person: Person) -> str:
    """The neutral name a forgotten person is shown by: unique, and says nothing about them."""
    from multitrack.actors.models import FORGOTTEN_PREFIX

    return f"{FORGOTTEN_PREFIX} {person.pk}"


def refuse_if_forgotten(*people: Person | None) -> None:
    """Raise ValidationError if any of ``people`` was forgotten: nothing new is recorded about
    a placeholder (no roster place, attendance, tie, tag, survey answer or follow-up)."""
    if any(p is not None and p.is_forgotten for p in people):
        raise ValidationError("A forgotten participant cannot be given new records.")


def forget_plan(
    person: Person, *, drop_categories: bool = False, also_remove: Sequence[str] = ()
) -> ForgetPlan:
    """Count what forgetting ``person`` would change; changes nothing."""
    from multitrack.practice.models import RelationshipTie, StakeholderTag, SurveyResponse
    from multitrack.processes.models import Attendance, FollowUp

    attendance = Attendance.objects.filter(person=person)
    names = [*names_of(person), *also_remove]
    return ForgetPlan(
        person=person,
        already_forgotten=person.is_forgotten,
        drop_categories=drop_categories,
        process_titles=list(
            person.process_roles.order_by("process__title").values_list("process__title", flat=True)
        ),
        attendance=attendance.count(),
        capacities_frozen=sum(1 for change in frozen_capacities(person) if change[1]),
        affiliations=person.affiliations.count(),
        ties=RelationshipTie.objects.filter(models.Q(person=person) | models.Q(other=person))
        .distinct()
        .count(),
        survey_responses=SurveyResponse.objects.filter(respondent=person).count(),
        follow_ups=FollowUp.objects.filter(owner=person).count(),
        stakeholder_tags=StakeholderTag.objects.filter(person=person).count(),
        parties=person.parties.count(),
        texts=Counter(change.kind for change in text_changes(names))
        if not person.is_forgotten
        else Counter(),
        admin_log_lines=len(admin_log_changes(names)) if not person.is_forgotten else 0,
        attachments=_attachments_of_processes(person),
    )


def _attachments_of_processes(person: Person) -> int:
    model = _model("processes.MeetingAttachment")
    if model is None or "meeting" not in {f.name for f in model._meta.get_fields()}:
        return 0
    process_ids = person.process_roles.values_list("process_id", flat=True)
    return model._default_manager.filter(meeting__process__in=list(process_ids)).count()


def frozen_capacities(person: Person) -> list[tuple[Any, str]]:
    """Each attendance record without a recorded capacity, with the capacity the person's
    affiliations gave on the meeting day ("" when none did): written onto the record before
    the affiliations go, so the meeting's derived track stays the same."""
    from multitrack.actors.models import capacity_from_affiliations
    from multitrack.processes.models import Attendance

    affiliations = list(person.affiliations.all())
    result = []
    for record in Attendance.objects.filter(person=person, capacity_override="").select_related(
        "meeting"
    ):
        capacity = capacity_from_affiliations(affiliations, record.meeting.date)
        result.append((record, capacity.value if capacity else ""))
    return result
