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
  ``[forgotten participant]`` in every free-text field (TEXT_FIELDS) and Chatham House override
  list of the records of *their* processes only, and in registry records (official tracks,
  agreements, conflict profiles) of a conflict only when every process of that conflict is one
  of theirs. Other processes, standalone consultations and shared registry text are never read
  or changed. Typed extra words shorter than 4 letters or common (STOP_WORDS) are refused, and
  such aliases are skipped. The admin's change log loses their full name and pseudonym.
- Consultation participants are not linked to people: nothing there names them except text,
  which is scrubbed like the rest.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import F

from multitrack.actors.models import Person
from multitrack.actors.names import find_names, fold

REPLACEMENT = "[forgotten participant]"


@dataclass(frozen=True)
class TextFields:
    """Free text that could name someone: a model's fields, what a person calls the records,
    and how a record belongs to a process (``process``, a lookup to the process id) or, for
    registry records that belong to no process, to a conflict (``conflict``)."""

    label: str
    fields: tuple[str, ...]
    kind: str
    process: str | None = None
    conflict: str | None = None


# Every listed model and field must exist (``text_targets`` raises otherwise), and every free-
# text field of the project must be listed here, in TERM_LIST_FIELDS or in EXEMPT
# (tests/test_forget_person.py checks both).
TEXT_FIELDS: tuple[TextFields, ...] = (
    TextFields("processes.Process", ("title", "aims"), "processes", process="pk"),
    TextFields("processes.Meeting", ("title", "place"), "meetings", process="process"),
    TextFields(
        "processes.AgendaItem", ("title", "description"), "agenda items", "meeting__process"
    ),
    TextFields(
        "processes.Note",
        ("text", "attribution_override_reason"),
        "meeting notes",
        process="meeting__process",
    ),
    TextFields(
        "processes.FollowUp", ("description", "owner_note"), "follow-ups", "meeting__process"
    ),
    TextFields(
        "processes.MeetingAttachment",
        ("original_name",),
        "attachment file names",
        process="meeting__process",
    ),
    TextFields("ideas.Idea", ("title", "summary"), "ideas", process="process"),
    TextFields("ideas.IdeaVersion", ("summary", "note"), "idea versions", "idea__process"),
    TextFields("ideas.IdeaStageChange", ("reason",), "idea stage changes", "idea__process"),
    TextFields(
        "ideas.Transfer",
        ("carrier_description", "response", "attribution_override_reason"),
        "transfers",
        process="idea__process",
    ),
    TextFields("ideas.NonPaper", ("title", "context", "override_reason"), "non-papers", "process"),
    TextFields(
        "ideas.NonPaperOption",
        ("heading", "text", "rationale"),
        "non-paper options",
        process="non_paper__process",
    ),
    # A consultation without a process (a standalone one) is never scrubbed: its participants
    # are not linked to people, so nothing ties it to the person forgotten.
    TextFields(
        "consultations.Consultation",
        ("title", "question", "description"),
        "consultations",
        process="process",
    ),
    TextFields(
        "consultations.Statement",
        ("text", "moderation_reason"),
        "consultation statements",
        process="consultation__process",
    ),
    TextFields("practice.Survey", ("title",), "surveys", process="process"),
    TextFields("practice.SurveyItem", ("text",), "survey questions", process="survey__process"),
    TextFields("practice.Observance", ("name",), "observances", process="process"),
    TextFields("practice.RefusedVenue", ("venue", "reason"), "refused venues", "process"),
    TextFields("practice.StakeholderTag", ("tag",), "stakeholder tags", process="process"),
    TextFields(
        "practice.StakeholderCategory", ("label", "tag"), "stakeholder categories", "process"
    ),
    # Registry records: scrubbed only when every process of their conflict is one the person
    # was on (docs/decisions/0005-forgetting-and-retention.md).
    TextFields(
        "actors.Conflict",
        ("name", "summary", "customs", "sensitivities"),
        "conflict profiles",
        conflict="pk",
    ),
    TextFields("actors.ContestedTerm", ("note",), "contested terms", conflict="conflict"),
    TextFields("ideas.OfficialTrack", ("name", "mediator"), "official tracks", conflict="conflict"),
    TextFields(
        "ideas.Round",
        ("title", "venue", "outcome"),
        "official rounds",
        conflict="official_track__conflict",
    ),
    TextFields(
        "ideas.StatusChange",
        ("reason",),
        "official status changes",
        conflict="official_track__conflict",
    ),
    TextFields(
        "ideas.Agreement",
        ("title", "other_signatories"),
        "agreements",
        conflict="official_track__conflict",
    ),
    TextFields(
        "ideas.Provision",
        ("text",),
        "agreement provisions",
        conflict="agreement__official_track__conflict",
    ),
)
# Lists of words a writer chose to keep despite the Chatham House check (they may be names).
TERM_LIST_FIELDS: tuple[TextFields, ...] = (
    TextFields(
        "processes.Note", ("attribution_override_terms",), "meeting notes", "meeting__process"
    ),
    TextFields(
        "ideas.Transfer", ("attribution_override_terms",), "transfers", process="idea__process"
    ),
    TextFields("ideas.NonPaper", ("override_terms",), "non-papers", process="process"),
    TextFields("ideas.Export", ("overridden_terms",), "non-paper exports", "non_paper__process"),
)
# Text fields of the project that are deliberately not scrubbed, with the reason. Fields with
# ``choices`` hold codes, never free text, and need no line here.
EXEMPT: dict[str, str] = {
    "accounts.APIToken.name": "an account's own label for its token, not about participants",
    "accounts.APIToken.token_hash": "a hash",
    "accounts.AuditEvent.action": "an action code",
    "accounts.AuditEvent.target_type": "a model label",
    "accounts.AuditEvent.target_id": "a record number",
    "accounts.AuditEvent.detail": "counts and codes only, never names (tests check it)",
    "accounts.AuthenticatorAppDevice.name": "a device label of an account",
    "accounts.AuthenticatorAppDevice.key": "a secret key",
    "accounts.RecoveryCodeDevice.name": "a device label of an account",
    "accounts.RecoveryCode.code_hash": "a hash",
    "actors.Conflict.languages": "language codes",
    "actors.ContestedTerm.term": "the conflict's contested vocabulary, not people",
    "actors.ContestedTerm.neutral_wording": "the conflict's contested vocabulary, not people",
    "actors.Party.name": "a party's name, not a person's",
    "actors.Organisation.name": "an organisation's name, not a person's",
    "actors.Organisation.country": "a country code",
    "actors.Person.display_name": "overwritten with the placeholder",
    "actors.Person.pseudonym": "overwritten with the placeholder",
    "actors.Person.aliases": "emptied",
    "actors.Person.languages": "emptied",
    "actors.Person.country": "emptied",
    "actors.Person.email": "emptied",
    "actors.Person.phone": "emptied",
    "actors.Affiliation.role": "deleted with the affiliation",
    "processes.Meeting.working_languages": "language codes",
    "processes.Meeting.interpretation_languages": "language codes",
    "processes.MeetingAttachment.content_type": "a MIME type",
    "processes.MeetingAttachment.sha256": "a hash",
    "ideas.Export.sha256": "a hash",
    "practice.PartyCalendar.calendar": "a calendar code",
    "consultations.Consultation.languages": "language codes",
    "consultations.Consultation.public_key": "a key",
    "consultations.Statement.language": "a language code",
    "ideas.Provision.number": "a provision's number as printed, e.g. 4.2",
    "consultations.Participant.key_hash": "a hash",
    "consultations.Invitation.token_hash": "a hash",
    "consultations.OpinionMap.engine_version": "a version string",
    "consultations.OpinionMap.result": "numbers computed from votes",
    "consultations.OpinionMap.state": "numbers computed from votes",
    "consultations.RateCount.key": "a rate-limit key (hashed)",
}

# Words too common to replace everywhere in a process's text: a typed "other word" among them
# (or shorter than MIN_WORD_LETTERS letters) is refused, and such an alias is skipped.
MIN_WORD_LETTERS = 4
STOP_WORDS = frozenset(
    """
    about above after again against also among another because been before being below between
    both could does doing done down during each either every from further have having here
    into itself just like made make many more most much must never only other ought over same
    shall should some such than that their them then there these they this those through under
    until upon very were what when where which while whom whose will with within without would
    your yours today tomorrow yesterday week month year time people person participant
    participants forgotten meeting meetings process note notes idea ideas party parties
    agreed proposed said says told asked group side sides talks peace government ministry
    minister president chief general colonel doctor madam mister sister brother father mother
    sheikh imam pastor bishop elder hope faith grace mark bill rose june april august frank
    victor summer dawn star
    avec dans pour sont nous vous elle elles mais leur leurs cette comme plus para como pero
    esta este todo todos sobre
    """.split()  # noqa: SIM905 - a list of words reads best as words
)


def word_problem(word: str) -> str | None:
    """Why ``word`` cannot be replaced everywhere in a process's text, or None if it can."""
    folded = fold(word)
    if sum(char.isalpha() for char in folded) < MIN_WORD_LETTERS:
        return f"“{word}” is shorter than {MIN_WORD_LETTERS} letters"
    if all(part in STOP_WORDS for part in re.split(r"\W+", folded) if part):
        return f"“{word}” is a common word"
    return None


def refuse_common_words(words: Sequence[str]) -> list[str]:
    """The typed other words, stripped; ValidationError if any is too short or too common
    (replacing it would rewrite unrelated text)."""
    cleaned = [word.strip() for word in words if word.strip()]
    problems = [problem for word in cleaned if (problem := word_problem(word))]
    if problems:
        raise ValidationError(
            "; ".join(problems)
            + ". Replacing it would change unrelated text: give a longer, distinctive word "
            "(a full surname, a nickname)."
        )
    return cleaned


def names_of(person: Person) -> list[str]:
    """The names the person is known by that are replaced in text: real name, pseudonym and
    the aliases distinctive enough (see ``word_problem``)."""
    return [
        person.display_name,
        person.pseudonym,
        *(alias for alias in person.aliases or [] if not word_problem(alias)),
    ]


def skipped_aliases(person: Person) -> int:
    """How many of the person's aliases are too short or too common to replace."""
    return sum(1 for alias in person.aliases or [] if word_problem(alias))


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


def text_targets(
    specs: Sequence[TextFields] = TEXT_FIELDS,
) -> Iterator[tuple[type[models.Model], TextFields]]:
    """Each listed model with its spec; ImproperlyConfigured if a listed model or field does
    not exist (a renamed field must not silently stop being scrubbed)."""
    for spec in specs:
        model = apps.get_model(spec.label)  # LookupError names a missing model
        if (spec.process is None) == (spec.conflict is None):
            raise ImproperlyConfigured(f"{spec.label}: give either a process or a conflict path.")
        present = {f.name for f in model._meta.concrete_fields}
        missing = [name for name in spec.fields if name not in present]
        if missing:
            raise ImproperlyConfigured(
                f"Forgetting lists {spec.label} fields that do not exist: {', '.join(missing)}."
            )
        yield model, spec


@dataclass(frozen=True)
class Scope:
    """Where one person's names may be replaced: their processes, and the conflicts every
    process of which is one of theirs (registry records of those conflicts)."""

    process_ids: frozenset[int]
    conflict_ids: frozenset[int]
    process_titles: dict[int, str] = field(default_factory=dict, compare=False)


def scope_of(person: Person) -> Scope:
    """The processes the person is on (their roster places) and their own conflicts."""
    from multitrack.processes.models import Process

    processes = dict(
        Process.objects.filter(roster__person=person).distinct().values_list("pk", "title")
    )
    ids = set(processes)
    conflicts = set(Process.objects.filter(pk__in=ids).values_list("conflict_id", flat=True))
    shared = set(
        Process.objects.filter(conflict_id__in=conflicts)
        .exclude(pk__in=ids)
        .values_list("conflict_id", flat=True)
    )
    return Scope(frozenset(ids), frozenset(conflicts - shared), processes)


@dataclass
class TextChange:
    """A record whose text names a forgotten person, its fields as they will be saved, and
    where it belongs (a process's title, or "conflict registry")."""

    obj: models.Model
    fields: dict[str, Any]
    kind: str
    place: str


REGISTRY_PLACE = "conflict registry"


def _in_scope(
    model: type[models.Model], spec: TextFields, scope: Scope
) -> Iterator[tuple[models.Model, str]]:
    """The records of ``model`` inside ``scope``, each with its place."""
    manager = model._default_manager
    if spec.process is not None:
        records = manager.filter(**{f"{spec.process}__in": scope.process_ids}).annotate(
            forget_process_id=F(spec.process)
        )
        for obj in records.iterator(chunk_size=500):
            yield obj, scope.process_titles.get(obj.forget_process_id, "")
    elif spec.conflict is not None:
        for obj in manager.filter(**{f"{spec.conflict}__in": scope.conflict_ids}).iterator(
            chunk_size=500
        ):
            yield obj, REGISTRY_PLACE


def text_changes(names: Sequence[str], scope: Scope) -> list[TextChange]:
    """Every record inside ``scope`` whose free text or kept-words list names one of
    ``names``, with the scrubbed values. Records of other processes are never read or changed.
    Reads through the models (never SQL filters on the text), since some of these fields are
    encrypted at rest; changes are collected first and saved afterwards."""
    names = [n for n in names if n and len(fold(n)) >= 3]
    if not names or not (scope.process_ids or scope.conflict_ids):
        return []
    changes: dict[tuple[str, Any], TextChange] = {}

    def change_for(obj: models.Model, spec: TextFields, place: str) -> TextChange:
        key = (obj._meta.label, obj.pk)
        return changes.setdefault(key, TextChange(obj, {}, spec.kind, place))

    for model, spec in text_targets(TEXT_FIELDS):
        for obj, place in _in_scope(model, spec, scope):
            for name in spec.fields:
                value = getattr(obj, name)
                if isinstance(value, str) and value:
                    cleaned = scrub(value, names)
                    if cleaned != value:
                        change_for(obj, spec, place).fields[name] = cleaned
    for model, spec in text_targets(TERM_LIST_FIELDS):
        for obj, place in _in_scope(model, spec, scope):
            for name in spec.fields:
                terms = list(getattr(obj, name) or [])
                cleaned_terms = _scrub_terms(terms, names)
                if cleaned_terms != terms:
                    key = (obj._meta.label, obj.pk)
                    existing = changes.get(key)
                    if existing is not None:  # keep the instance already holding other fields
                        existing.fields[name] = cleaned_terms
                    else:
                        change_for(obj, spec, place).fields[name] = cleaned_terms
    return list(changes.values())


def apply_text_changes(changes: Iterable[TextChange]) -> None:
    """Save the scrubbed values (only those fields, so nothing else on the row moves)."""
    for change in changes:
        for name, value in change.fields.items():
            setattr(change.obj, name, value)
        change.obj.save(update_fields=list(change.fields))


def admin_log_changes(person: Person, names: Sequence[str]) -> list[tuple[Any, str]]:
    """The admin's change-log lines that name the person (the admin keeps ``str(obj)``):
    lines about the person's own record lose every name in ``names``; other lines (the log
    spans every process) lose only the full real name and pseudonym, never a shorter word."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    own_type = ContentType.objects.get_for_model(Person)
    full = [n for n in (person.display_name, person.pseudonym) if n and len(fold(n)) >= 3]
    names = [n for n in names if n and len(fold(n)) >= 3]
    found = []
    for entry in LogEntry.objects.all().iterator(chunk_size=500):
        own = entry.content_type_id == own_type.pk and entry.object_id == str(person.pk)
        cleaned = scrub(entry.object_repr, names if own else full)
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
    texts_by_place: Counter[str] = field(default_factory=Counter)
    skipped_aliases: int = 0
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
            for place, count in sorted(self.texts_by_place.items()):
                where = (
                    "conflict records that only their processes use"
                    if place == REGISTRY_PLACE
                    else f"process “{place}”"
                )
                lines.append(f"Free text in {where}: {count} record(s) changed.")
        else:
            lines.append("Names in free text: none found.")
        lines.append(
            "Free text of other processes, of consultations without a process and of conflict "
            "records that other processes also use is not changed."
        )
        if self.skipped_aliases:
            lines.append(
                f"{self.skipped_aliases} alias(es) are too short or too common to replace "
                "safely and are left in text: check by hand."
            )
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
    names = [*names_of(person), *refuse_common_words(also_remove)]
    changes = text_changes(names, scope_of(person)) if not person.is_forgotten else []
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
        texts=Counter(change.kind for change in changes),
        texts_by_place=Counter(change.place for change in changes),
        skipped_aliases=skipped_aliases(person),
        admin_log_lines=len(admin_log_changes(person, names)) if not person.is_forgotten else 0,
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
