"""Importing people into a process from a CSV file: plan (a dry run), then import.

The file is read twice: once to show the convener a preview (``people_import_plan``, which
writes nothing) and again, from the same bytes, when they confirm (``people_import``). The second
read validates everything afresh, so whatever changed in between (a pseudonym taken meanwhile,
an organisation renamed) is caught before anything is written.

The file
--------
UTF-8 (a byte-order mark is accepted), comma-separated, with a header row. Columns, in any
order, header names case-insensitive:

- ``name`` (required): the person's real name.
- ``pseudonym`` (required): unique in the whole registry, compared case-insensitively.
- ``gender``: a code or label (``woman``, ``man``, ``non-binary``, ``not disclosed``);
  empty means not disclosed.
- ``languages``: separated by ``;``.
- ``party``: the name of a party or community in the process's conflict; may be empty.
- ``organisation``: the name of an organisation in the registry; may be empty.
- ``role``: the person's role at the organisation (free text).
- ``capacity`` (required): a capacity code or label, case-insensitive. Each person gets one
  affiliation with this capacity, so the track rules can read them from the first meeting.
- ``organisation_kind`` (optional column): only for organisations not yet in the registry,
  which are then created with this kind. Without it an unknown organisation is an error, so a
  typo never creates a near-duplicate organisation. For an organisation already in the
  registry it must be empty or agree with the registry.
- ``start_date`` (optional column): when the affiliation started, as YYYY-MM-DD.
- ``country`` (optional column): the person's country as an ISO 3166-1 alpha-2 code (``KE``,
  ``eg``; case-insensitive); its public holidays are checked before meetings. May be empty.

Any other column is refused rather than ignored, so nobody believes an ``email`` column was
imported when it was not.

Decisions
---------
- Everything or nothing: one bad row and nothing is imported; every problem in the file is
  reported, each with its line number and column.
- Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``)
  are refused, not silently rewritten: a prefixed apostrophe would become part of someone's
  name, and the person who prepared the file is the one who can say what was meant.
- Real names are never compared with the registry: telling an importer that someone with this
  name already exists would reveal a name they may have no need to know. Pseudonyms are
  compared, because they are unique across the registry and meant to be shown.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from multitrack.accounts.access import require
from multitrack.accounts.audit import audit
from multitrack.accounts.permissions import Permission
from multitrack.actors.capacity import Capacity
from multitrack.actors.countries import country_names
from multitrack.actors.models import Affiliation, Organisation, Party, Person
from multitrack.processes.models import Process, ProcessParticipant

REQUIRED_COLUMNS = (
    "name",
    "pseudonym",
    "gender",
    "languages",
    "party",
    "organisation",
    "role",
    "capacity",
)
OPTIONAL_COLUMNS = ("organisation_kind", "start_date", "country")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
AUDIT_ACTION = "actors.people.imported"
_SHOWN_VALUE_CHARS = 40


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong with the file; ``line`` and ``column`` say where, when it is a row."""

    message: str
    line: int | None = None
    column: str = ""

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        where = f"line {self.line}, {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportRow:
    """One person the import will create, with everything already looked up."""

    line: int
    display_name: str
    pseudonym: str
    gender: str
    languages: list[str]
    party: Party | None
    organisation: Organisation | None
    new_organisation_name: str
    new_organisation_kind: str
    role: str
    capacity: Capacity
    start_date: datetime.date | None
    country: str = ""

    @property
    def organisation_name(self) -> str:
        return self.organisation.name if self.organisation else self.new_organisation_name

    @property
    def gender_label(self) -> str:
        return str(Person.Gender(self.gender).label)


@dataclass
class ImportPlan:
    """What an import would do: the people to create, the organisations to add, or problems."""

    rows: list[ImportRow] = field(default_factory=list)
    new_organisations: dict[str, str] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def new_organisation_labels(self) -> list[tuple[str, str]]:
        """The organisations the import would add, with their kind in words."""
        return [(n, str(Organisation.Kind(k).label)) for n, k in self.new_organisations.items()]


class ImportRejectedError(ValidationError):
    """The file cannot be imported; ``problems`` lists every reason, in file order."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__([str(p) for p in problems], code="import_rejected")
        self.problems = problems


def content_digest(content: bytes) -> str:
    """A fingerprint of an uploaded file, so a confirmation is tied to the preview it followed."""
    return hashlib.sha256(content).hexdigest()


def people_import_plan(
    *, actor: Any, process: Process, content: bytes, filename: str
) -> ImportPlan:
    """Read a people CSV and say what importing it would do, writing nothing."""
    require(actor, Permission.EDIT_PEOPLE, process.pk)
    plan = ImportPlan()
    text = _decode(content, filename, plan.problems)
    if text is None:
        return plan
    records = _read_records(text, plan.problems)
    if records is None:
        return plan
    _Validator(process=process, plan=plan).check_all(records)
    if not plan.rows and not plan.problems:
        plan.problems.append(ImportProblem("The file has a header row but no people in it."))
    if plan.problems:
        plan.rows = []
        plan.new_organisations = {}
    return plan


@transaction.atomic
def people_import(*, actor: Any, process: Process, content: bytes, filename: str) -> list[Person]:
    """Import every person in a people CSV into a process's roster, or nobody.

    Validates the file again from scratch (raising ``ImportRejectedError`` with every problem),
    creates the new organisations, people, their parties and affiliations, puts everyone on the
    roster and records one audit event.
    """
    plan = people_import_plan(actor=actor, process=process, content=content, filename=filename)
    if not plan.is_valid:
        raise ImportRejectedError(plan.problems)

    organisations = _create_organisations(actor=actor, plan=plan)
    people = _create_people(actor=actor, plan=plan)
    affiliations = []
    for row, person in zip(plan.rows, people, strict=True):
        new_organisation = organisations.get(row.new_organisation_name.casefold())
        affiliation = Affiliation(
            person=person,
            organisation=row.organisation or new_organisation,
            role=row.role,
            capacity=row.capacity,
            start_date=row.start_date,
        )
        affiliation.full_clean()
        affiliations.append(affiliation)
    Affiliation.objects.bulk_create(affiliations)
    Person.parties.through.objects.bulk_create(
        [
            Person.parties.through(person_id=person.pk, party_id=row.party.pk)
            for row, person in zip(plan.rows, people, strict=True)
            if row.party is not None
        ]
    )
    ProcessParticipant.objects.bulk_create(
        [ProcessParticipant(process=process, person=person) for person in people]
    )
    audit(actor=actor, action=AUDIT_ACTION, target=process, process=process)
    return people


def _create_organisations(*, actor: Any, plan: ImportPlan) -> dict[str, Organisation]:
    """The organisations the file adds, by folded name."""
    created: dict[str, Organisation] = {}
    for name, kind in plan.new_organisations.items():
        organisation = Organisation(name=name, kind=kind, created_by=actor)
        organisation.full_clean()
        organisation.save()
        created[name.casefold()] = organisation
    return created


def _create_people(*, actor: Any, plan: ImportPlan) -> list[Person]:
    people = []
    for row in plan.rows:
        person = Person(
            display_name=row.display_name,
            pseudonym=row.pseudonym,
            gender=row.gender,
            languages=row.languages,
            country=row.country,
            created_by=actor,
        )
        # Uniqueness was checked for the whole file at once; the database constraint backs it.
        person.full_clean(validate_unique=False)
        people.append(person)
    try:
        # One save each, not bulk_create(): encrypted fields are sealed for the row's id, which
        # exists only once the row does (docs/decisions/0003).
        with transaction.atomic():
            for person in people:
                person.save()
        return people
    except IntegrityError:
        raise ImportRejectedError(
            [ImportProblem("Someone else added one of these pseudonyms meanwhile; try again.")]
        ) from None


def _decode(content: bytes, filename: str, problems: list[ImportProblem]) -> str | None:
    """The file's text, or None with the reason added to ``problems``."""
    refusal = _file_refusal(content, filename)
    if refusal is None:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = content[: error.start].count(b"\n") + 1
            refusal = (
                f"The file is not UTF-8 text (the first unreadable character is on line {line}). "
                "Save it again as “CSV UTF-8”."
            )
        else:
            if text.strip():
                return text
            refusal = "The file is empty."
    problems.append(ImportProblem(refusal))
    return None


def _file_refusal(content: bytes, filename: str) -> str | None:
    """Why the file as a whole cannot be read as a CSV, if it cannot."""
    limit = settings.MULTITRACK_IMPORT_MAX_BYTES
    save_as = "In the spreadsheet, use “Save as” and choose “CSV UTF-8”."
    if len(content) > limit:
        return too_large_message()
    if not filename.lower().endswith(".csv"):
        return f"The file must be a CSV file (its name ending in .csv). {save_as}"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "The file is saved as UTF-16; save it again as “CSV UTF-8”."
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or b"\x00" in content:
        return f"This is not a CSV file but a spreadsheet or other binary file. {save_as}"
    return None


def too_large_message() -> str:
    """Why a file over MULTITRACK_IMPORT_MAX_BYTES is refused (also when it never arrived whole)."""
    limit = settings.MULTITRACK_IMPORT_MAX_BYTES
    return (
        f"The file is larger than {_size(limit)}, the most one import accepts. "
        "Split it into smaller files."
    )


def _size(byte_count: int) -> str:
    if byte_count >= 1024 * 1024:
        return f"{byte_count / (1024 * 1024):.1f} MB"
    return f"{byte_count / 1024:.0f} KB" if byte_count >= 1024 else f"{byte_count} bytes"


@dataclass(frozen=True)
class _Record:
    line: int
    values: dict[str, str]


def _read_records(text: str, problems: list[ImportProblem]) -> list[_Record] | None:
    """The data rows as column → value, with the line each starts on; None if unreadable."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        problems.append(ImportProblem(f"the header is not valid CSV ({error}).", 1, "header"))
        return None
    columns = [_column_name(name) for name in header or []]
    if not _header_ok(header or [], columns, problems):
        return None

    records: list[_Record] = []
    line = reader.line_num + 1
    for values in _rows(reader, problems):
        if values and any(v.strip() for v in values):
            if len(values) != len(columns):
                problems.append(
                    ImportProblem(
                        f"has {len(values)} values but the header has {len(columns)} columns "
                        "(is a comma inside a value missing its quotes?).",
                        line,
                    )
                )
            else:
                records.append(_Record(line, dict(zip(columns, values, strict=True))))
        line = reader.line_num + 1
    return records


def _rows(reader: Iterator[list[str]], problems: list[ImportProblem]) -> Iterator[list[str]]:
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line = getattr(reader, "line_num", 0)
            problems.append(ImportProblem(f"is not valid CSV ({error}).", line))
            return
        yield values


def _column_name(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


def _header_ok(header: list[str], columns: list[str], problems: list[ImportProblem]) -> bool:
    before = len(problems)
    if len(header) == 1 and ";" in header[0]:
        problems.append(
            ImportProblem(
                "the columns are separated by semicolons; save the file with commas between "
                "columns (“CSV UTF-8”). Semicolons are for separating languages.",
                1,
                "header",
            )
        )
        return False
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [raw.strip() for raw, c in zip(header, columns, strict=True) if c not in known]
    repeated = sorted(c for c, count in Counter(columns).items() if count > 1)
    if missing:
        problems.append(ImportProblem(f"missing column(s): {', '.join(missing)}.", 1, "header"))
    if unknown:
        problems.append(
            ImportProblem(
                f"unknown column(s): {', '.join(repr(u) for u in unknown)}. The columns are "
                f"{', '.join(REQUIRED_COLUMNS)} and, optionally, {', '.join(OPTIONAL_COLUMNS)}.",
                1,
                "header",
            )
        )
    if repeated:
        problems.append(
            ImportProblem(f"column(s) given twice: {', '.join(repeated)}.", 1, "header")
        )
    return len(problems) == before


def _shown(value: str) -> str:
    if len(value) > _SHOWN_VALUE_CHARS:
        value = value[: _SHOWN_VALUE_CHARS - 1] + "…"
    return repr(value)


def _choice_lookup(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Codes and labels, case- and spacing-insensitive, to codes."""
    lookup: dict[str, str] = {}
    for code, label in choices:
        for key in (code, str(label)):
            lookup[_choice_key(key)] = code
    return lookup


def _choice_key(value: str) -> str:
    return " ".join(value.casefold().replace("_", " ").replace("-", " ").split())


class _Validator:
    """Checks every record against the registry and the process, collecting all problems."""

    def __init__(self, *, process: Process, plan: ImportPlan) -> None:
        self.process = process
        self.plan = plan
        self.capacities = _choice_lookup(Capacity.choices)
        self.genders = _choice_lookup(Person.Gender.choices)
        self.kinds = _choice_lookup(Organisation.Kind.choices)
        self.parties = {
            p.name.casefold(): p for p in Party.objects.filter(conflict=process.conflict)
        }
        self.organisations: dict[str, list[Organisation]] = {}
        for organisation in Organisation.objects.all():
            self.organisations.setdefault(organisation.name.casefold(), []).append(organisation)
        # A registry of a few thousand people: comparing in Python folds case the same way for
        # every alphabet, which the databases' LOWER() does not.
        self.taken_pseudonyms = {
            p.casefold() for p in Person.objects.values_list("pseudonym", flat=True)
        }
        self.pseudonym_lines: dict[str, int] = {}
        # New organisations by folded name: the name as first written, its kind, its line.
        self.new_organisation_kinds: dict[str, tuple[str, str, int]] = {}
        self.reported: set[tuple[int, str]] = set()

    def check_all(self, records: list[_Record]) -> None:
        for record in records:
            row = self.check(record)
            if row is not None:
                self.plan.rows.append(row)

    def problem(self, record: _Record, column: str, message: str) -> None:
        # One problem per cell: a refused formula is not also reported as a missing value.
        if (record.line, column) not in self.reported:
            self.reported.add((record.line, column))
            self.plan.problems.append(ImportProblem(message, record.line, column))

    def check(self, record: _Record) -> ImportRow | None:
        before = len(self.plan.problems)
        values = {column: value.strip() for column, value in record.values.items()}
        for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
            value = values.get(column, "")
            if value.startswith(FORMULA_PREFIXES):
                self.problem(
                    record,
                    column,
                    f"{_shown(value)} starts with {value[0]!r}, which spreadsheets run as a "
                    "formula; remove that character.",
                )
                values[column] = ""

        display_name = self.text(record, values, "name", Person, "display_name", required=True)
        pseudonym = self.pseudonym(record, values)
        gender = self.gender(record, values)
        languages = self.languages(record, values)
        party = self.party(record, values)
        organisation, new_name, new_kind = self.organisation(record, values)
        role = self.text(record, values, "role", Affiliation, "role")
        capacity = self.capacity(record, values)
        start_date = self.start_date(record, values)
        country = self.country(record, values)

        if len(self.plan.problems) != before or capacity is None:
            return None
        return ImportRow(
            line=record.line,
            display_name=display_name,
            pseudonym=pseudonym,
            gender=gender,
            languages=languages,
            party=party,
            organisation=organisation,
            new_organisation_name=new_name,
            new_organisation_kind=new_kind,
            role=role,
            capacity=capacity,
            start_date=start_date,
            country=country,
        )

    def text(
        self,
        record: _Record,
        values: dict[str, str],
        column: str,
        model: Any,
        field_name: str,
        *,
        required: bool = False,
    ) -> str:
        value = values.get(column, "")
        max_length = model._meta.get_field(field_name).max_length
        if required and not value:
            self.problem(record, column, "missing; every person needs one.")
        elif len(value) > max_length:
            self.problem(record, column, f"is {len(value)} characters; at most {max_length}.")
        return value

    def pseudonym(self, record: _Record, values: dict[str, str]) -> str:
        value = self.text(record, values, "pseudonym", Person, "pseudonym", required=True)
        if not value:
            return value
        key = value.casefold()
        if key in self.pseudonym_lines:
            self.problem(
                record,
                "pseudonym",
                f"{_shown(value)} is also on line {self.pseudonym_lines[key]}; "
                "each person needs their own pseudonym.",
            )
        elif key in self.taken_pseudonyms:
            self.problem(
                record,
                "pseudonym",
                f"{_shown(value)} is already used in the registry; choose another.",
            )
        self.pseudonym_lines.setdefault(key, record.line)
        return value

    def gender(self, record: _Record, values: dict[str, str]) -> str:
        value = values.get("gender", "")
        if not value:
            return str(Person.Gender.UNDISCLOSED)
        code = self.genders.get(_choice_key(value))
        if code is None:
            labels = ", ".join(str(label) for label in Person.Gender.labels)
            self.problem(record, "gender", f"{_shown(value)} is not a gender; use one of {labels}.")
            return ""
        return code

    def languages(self, record: _Record, values: dict[str, str]) -> list[str]:
        languages: list[str] = []
        for part in values.get("languages", "").split(";"):
            language = part.strip()
            if language.startswith(FORMULA_PREFIXES):
                self.problem(
                    record,
                    "languages",
                    f"{_shown(language)} starts with {language[0]!r}, which spreadsheets run "
                    "as a formula; remove that character.",
                )
            elif language and language.casefold() not in {x.casefold() for x in languages}:
                languages.append(language)
        return languages

    def party(self, record: _Record, values: dict[str, str]) -> Party | None:
        value = values.get("party", "")
        if not value:
            return None
        party = self.parties.get(value.casefold())
        if party is None:
            names = ", ".join(sorted(p.name for p in self.parties.values())) or "(none yet)"
            self.problem(
                record,
                "party",
                f"{_shown(value)} is not a party in {self.process.conflict.name}; "
                f"use one of {names}.",
            )
        return party

    def organisation(
        self, record: _Record, values: dict[str, str]
    ) -> tuple[Organisation | None, str, str]:
        """An organisation in the registry, or the name and kind of one to create."""
        name = self.text(record, values, "organisation", Organisation, "name")
        raw_kind = values.get("organisation_kind", "")
        kind = self.kinds.get(_choice_key(raw_kind), "") if raw_kind else ""
        if raw_kind and not kind:
            self.problem(
                record,
                "organisation_kind",
                f"{_shown(raw_kind)} is not a kind of organisation; use one of "
                f"{self.kind_labels()}.",
            )
        if not name:
            if raw_kind and (record.line, "organisation") not in self.reported:
                self.problem(record, "organisation_kind", "is given but organisation is empty.")
            return None, "", ""
        found = self.organisations.get(name.casefold(), [])
        if found:
            return self.existing_organisation(record, name, found, kind), "", ""
        if not raw_kind:
            self.problem(
                record,
                "organisation",
                f"{_shown(name)} is not in the registry; add it first, or give its kind in an "
                f"organisation_kind column (one of {self.kind_labels()}).",
            )
        return self.new_organisation(record, name, kind)

    def kind_labels(self) -> str:
        return ", ".join(str(label) for label in Organisation.Kind.labels)

    def existing_organisation(
        self, record: _Record, name: str, found: list[Organisation], kind: str
    ) -> Organisation | None:
        exact = [o for o in found if o.name == name]
        if len(exact) != 1 and len(found) != 1:
            self.problem(
                record,
                "organisation",
                f"{_shown(name)} matches several organisations that differ only in capital "
                "letters; write the name exactly as in the registry.",
            )
            return None
        organisation = exact[0] if exact else found[0]
        if kind and kind != organisation.kind:
            self.problem(
                record,
                "organisation_kind",
                f"{_shown(organisation.name)} is already in the registry as "
                f"“{organisation.get_kind_display()}”; leave organisation_kind empty or "
                "use that kind.",
            )
        return organisation

    def new_organisation(
        self, record: _Record, name: str, kind: str
    ) -> tuple[Organisation | None, str, str]:
        if not kind:
            return None, "", ""
        first_name, first_kind, first_line = self.new_organisation_kinds.setdefault(
            name.casefold(), (name, kind, record.line)
        )
        if first_kind != kind:
            self.problem(
                record,
                "organisation_kind",
                f"differs from the kind given for {_shown(name)} on line {first_line}.",
            )
            return None, "", ""
        self.plan.new_organisations.setdefault(first_name, kind)
        return None, first_name, kind

    def capacity(self, record: _Record, values: dict[str, str]) -> Capacity | None:
        value = values.get("capacity", "")
        if not value:
            codes = ", ".join(c.value for c in Capacity)
            self.problem(record, "capacity", f"missing; every person needs one of {codes}.")
            return None
        code = self.capacities.get(_choice_key(value))
        if code is None:
            codes = ", ".join(c.value for c in Capacity)
            self.problem(
                record, "capacity", f"{_shown(value)} is not a capacity; use one of {codes}."
            )
            return None
        return Capacity(code)

    def start_date(self, record: _Record, values: dict[str, str]) -> datetime.date | None:
        value = values.get("start_date", "")
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.problem(
                record,
                "start_date",
                f"{_shown(value)} is not a date; write it as YYYY-MM-DD, e.g. 2024-03-01.",
            )
            return None

    def country(self, record: _Record, values: dict[str, str]) -> str:
        value = values.get("country", "")
        code = value.upper()
        if code and code not in country_names():
            self.problem(
                record,
                "country",
                f"{_shown(value)} is not a country code; use the two-letter ISO 3166-1 code, "
                "e.g. KE for Kenya or EG for Egypt.",
            )
            return ""
        return code
