"""Importing people from CSV: preview writes nothing, confirm writes everyone, any problem none."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from multitrack.accounts.models import AuditEvent
from multitrack.actors.capacity import Capacity
from multitrack.actors.csv_import import (
    AUDIT_ACTION,
    ImportRejectedError,
    people_import,
    people_import_plan,
)
from multitrack.actors.models import Affiliation, Organisation, Party, Person
from multitrack.processes.models import ProcessParticipant
from tests.conftest import Workspace

DATA = Path(__file__).parent / "data"
HEADER = "name,pseudonym,gender,languages,party,organisation,role,capacity"
GOOD_ROW = (
    "Milena Dravic,Heron,woman,Varnian,Republic of Varnia,University of Solvik,Lecturer,academic"
)


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # The standing users' Argon2 hashes would be most of the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(workspace: Workspace) -> Workspace:
    conflict = workspace.process.conflict
    Party.objects.create(conflict=conflict, name="Republic of Varnia")
    Party.objects.create(conflict=conflict, name="Kestrel Federation")
    Party.objects.create(
        conflict=conflict, name="Oru community", kind=Party.Kind.COMMUNITY, is_minority=True
    )
    Organisation.objects.create(
        name="University of Solvik", kind=Organisation.Kind.UNIVERSITY_OR_THINK_TANK
    )
    return workspace


def upload(
    client: Client, workspace: Workspace, content: bytes, filename: str = "people.csv"
) -> Any:
    return client.post(
        reverse("people-import", args=[workspace.process.pk]),
        {"file": SimpleUploadedFile(filename, content, content_type="text/csv")},
    )


def problems_of(response: Any) -> list[str]:
    return [str(problem) for problem in response.context["problems"]]


def registry_counts() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Affiliation.objects.count(),
        Organisation.objects.count(),
        ProcessParticipant.objects.count(),
    )


# --- The good file -------------------------------------------------------------------------


def test_preview_shows_every_row_and_writes_nothing(world: Workspace) -> None:
    client = world.client_for(world.facilitator)
    before = registry_counts()

    response = upload(client, world, (DATA / "people-good.csv").read_bytes())
    assert response.status_code == 302
    assert response["Location"] == reverse("people-import-preview", args=[world.process.pk])
    preview = client.get(response["Location"])

    assert preview.status_code == 200
    assert [row.pseudonym for row in preview.context["plan"].rows] == [
        "Heron",
        "Cedar",
        "Wren",
        "Alder",
    ]
    assert [row.line for row in preview.context["plan"].rows] == [2, 3, 4, 5]
    page = preview.content.decode()
    assert "Milena Dravic" in page
    assert "Kestrel Fisherfolk Alliance" in page
    assert "NGO / civil society" in page
    assert "Nothing has been imported yet" in page
    assert registry_counts() == before


def test_confirm_imports_everyone_onto_the_roster_with_a_capacity(world: Workspace) -> None:
    client = world.client_for(world.facilitator)
    upload(client, world, (DATA / "people-good.csv").read_bytes())
    preview = client.get(reverse("people-import-preview", args=[world.process.pk]))
    audits_before = AuditEvent.objects.count()

    response = client.post(
        reverse("people-import-confirm", args=[world.process.pk]),
        {"digest": preview.context["digest"]},
    )

    assert response.status_code == 302
    assert response["Location"] == world.process.get_absolute_url()
    imported = Person.objects.filter(pseudonym__in=["Heron", "Cedar", "Wren", "Alder"])
    assert imported.count() == 4
    on_roster = ProcessParticipant.objects.filter(process=world.process, person__in=imported)
    assert on_roster.count() == 4
    heron = Person.objects.get(pseudonym="Heron")
    assert heron.display_name == "Milena Dravic"
    assert heron.gender == Person.Gender.WOMAN
    assert heron.languages == ["Varnian", "English"]
    assert [p.name for p in heron.parties.all()] == ["Republic of Varnia"]
    affiliation = heron.affiliations.get()
    assert affiliation.organisation is not None
    assert affiliation.organisation.name == "University of Solvik"
    assert affiliation.capacity == Capacity.ACADEMIC
    assert affiliation.start_date == datetime.date(2021, 9, 1)
    cedar = Person.objects.get(pseudonym="Cedar")
    cedar_organisation = cedar.affiliations.get().organisation
    assert cedar_organisation is not None
    assert cedar_organisation.kind == Organisation.Kind.NGO_OR_CIVIL_SOCIETY
    wren = Person.objects.get(pseudonym="Wren")
    assert wren.gender == Person.Gender.NON_BINARY
    assert wren.languages == ["Oru", "Varnian"]  # "oru" again is the same language
    assert wren.affiliations.get().capacity == Capacity.COMMUNITY_LEADER
    assert wren.affiliations.get().organisation is None
    assert Person.objects.get(pseudonym="Alder").capacity_on(datetime.date(2025, 1, 1)) == (
        Capacity.FORMER_OFFICIAL
    )
    events = AuditEvent.objects.all()[: AuditEvent.objects.count() - audits_before]
    assert [(e.action, e.actor, e.process) for e in events] == [
        (AUDIT_ACTION, world.facilitator, world.process)
    ]
    assert client.session.get(f"multitrack.people_import.{world.process.pk}") is None


def test_a_byte_order_mark_and_windows_line_ends_are_accepted(world: Workspace) -> None:
    people = people_import(
        actor=world.convener,
        process=world.process,
        content=(DATA / "people-bom.csv").read_bytes(),
        filename="x.csv",
    )
    assert [(p.display_name, p.pseudonym) for p in people] == [("José Bañuelos", "Linnet")]


def test_confirm_validates_again_and_imports_nobody_if_a_pseudonym_was_taken_meanwhile(
    world: Workspace,
) -> None:
    client = world.client_for(world.convener)
    upload(client, world, (DATA / "people-good.csv").read_bytes())
    preview = client.get(reverse("people-import-preview", args=[world.process.pk]))
    Person.objects.create(display_name="Someone else", pseudonym="cedar")
    before = registry_counts()

    response = client.post(
        reverse("people-import-confirm", args=[world.process.pk]),
        {"digest": preview.context["digest"]},
    )

    assert response.status_code == 200
    assert problems_of(response) == [
        "line 3, pseudonym: 'Cedar' is already used in the registry; choose another."
    ]
    assert registry_counts() == before


def test_confirm_refuses_a_file_other_than_the_one_previewed(world: Workspace) -> None:
    client = world.client_for(world.convener)
    upload(client, world, (DATA / "people-good.csv").read_bytes())
    preview = client.get(reverse("people-import-preview", args=[world.process.pk]))
    upload(client, world, (DATA / "people-bom.csv").read_bytes())  # e.g. in another tab
    before = registry_counts()

    response = client.post(
        reverse("people-import-confirm", args=[world.process.pk]),
        {"digest": preview.context["digest"]},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("people-import-preview", args=[world.process.pk])
    assert registry_counts() == before


def test_confirm_without_an_upload_imports_nothing(world: Workspace) -> None:
    client = world.client_for(world.convener)
    response = client.post(
        reverse("people-import-confirm", args=[world.process.pk]), {"digest": "0" * 64}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("people-import", args=[world.process.pk])


def test_cancel_forgets_the_file(world: Workspace) -> None:
    client = world.client_for(world.convener)
    upload(client, world, (DATA / "people-good.csv").read_bytes())
    response = client.post(reverse("people-import-cancel", args=[world.process.pk]))
    assert response.status_code == 302
    assert client.session.get(f"multitrack.people_import.{world.process.pk}") is None
    preview = client.get(reverse("people-import-preview", args=[world.process.pk]))
    assert preview.status_code == 302


def test_an_organisation_named_on_several_rows_is_created_once(world: Workspace) -> None:
    content = "\n".join(
        [
            HEADER + ",organisation_kind",
            "A B,Heron,,,,Tarsk Shipping,Owner,business,business",
            "C D,Cedar,,,,tarsk shipping,Clerk,business,Business",
        ]
    ).encode()
    people_import(actor=world.convener, process=world.process, content=content, filename="x.csv")
    assert list(
        Organisation.objects.filter(name__iexact="tarsk shipping").values_list("name", "kind")
    ) == [("Tarsk Shipping", "business")]


# --- Bad rows: each names its line and column, and nothing is imported --------------------

BAD_ROWS = [
    pytest.param(
        "Tobias Ashworth,Cedar,man,English,,,,ministre",
        "line 3, capacity: 'ministre' is not a capacity; use one of head_of_state, minister,",
        id="unknown-capacity",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,English,,,,",
        "line 3, capacity: missing; every person needs one of head_of_state,",
        id="missing-capacity",
    ),
    pytest.param(
        ",Cedar,man,,,,,academic",
        "line 3, name: missing; every person needs one.",
        id="missing-name",
    ),
    pytest.param(
        "Tobias Ashworth,,man,,,,,academic",
        "line 3, pseudonym: missing; every person needs one.",
        id="missing-pseudonym",
    ),
    pytest.param(
        "Tobias Ashworth,heron,man,,,,,academic",
        "line 3, pseudonym: 'heron' is also on line 2; each person needs their own pseudonym.",
        id="pseudonym-twice-in-file",
    ),
    pytest.param(
        "Tobias Ashworth,{registry_pseudonym},man,,,,,academic",
        "line 3, pseudonym: '{registry_pseudonym}' is already used in the registry; "
        "choose another.",
        id="pseudonym-in-registry",
    ),
    pytest.param(
        "Tobias Ashworth," + "X" * 101 + ",man,,,,,academic",
        "line 3, pseudonym: is 101 characters; at most 100.",
        id="pseudonym-too-long",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,femme,,,,,academic",
        "line 3, gender: 'femme' is not a gender; use one of Woman, Man, Non-binary, "
        "Not disclosed.",
        id="unknown-gender",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,,Kestrel,,,academic",
        "line 3, party: 'Kestrel' is not a party in {conflict}; use one of Kestrel Federation, "
        "Oru community, Republic of Varnia.",
        id="unknown-party",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,,,Univ. of Solvik,,academic",
        "line 3, organisation: 'Univ. of Solvik' is not in the registry; add it first, or give "
        "its kind in an organisation_kind column",
        id="unknown-organisation",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,,,,,academic,,01/03/2024",
        "line 3, start_date: '01/03/2024' is not a date; write it as YYYY-MM-DD",
        id="bad-start-date",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,,,Tarsk Shipping,,business,shipping,",
        "line 3, organisation_kind: 'shipping' is not a kind of organisation; use one of "
        "Government body,",
        id="unknown-organisation-kind",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,,,University of Solvik,,academic,ngo,",
        "line 3, organisation_kind: 'University of Solvik' is already in the registry as "
        "“University / think tank”",
        id="organisation-kind-disagrees",
    ),
    pytest.param(
        '"=HYPERLINK(""http://example.org"")",Cedar,man,,,,,academic',
        "line 3, name: '=HYPERLINK(\"http://example.org\")' starts with '=', which spreadsheets "
        "run as a formula; remove that character.",
        id="formula-in-name",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,,,,+cmd|' /C calc'!A0,academic",
        "line 3, role: \"+cmd|' /C calc'!A0\" starts with '+', which spreadsheets run as a "
        "formula; remove that character.",
        id="formula-in-role",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,English;@SUM(1+1),,,,academic",
        "line 3, languages: '@SUM(1+1)' starts with '@', which spreadsheets run as a formula",
        id="formula-in-a-language",
    ),
    pytest.param(
        "Tobias Ashworth,-Cedar,man,,,,,academic",
        "line 3, pseudonym: '-Cedar' starts with '-', which spreadsheets run as a formula",
        id="formula-in-pseudonym",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man,English,French,,,academic,x",
        "line 3: has 9 values but the header has 8 columns",
        id="too-many-values",
    ),
    pytest.param(
        "Tobias Ashworth,Cedar,man",
        "line 3: has 3 values but the header has 8 columns",
        id="too-few-values",
    ),
]


@pytest.mark.parametrize(("bad_row", "expected"), BAD_ROWS)
def test_a_bad_row_names_its_line_and_column_and_nothing_is_imported(
    world: Workspace, bad_row: str, expected: str
) -> None:
    header, good = HEADER, GOOD_ROW
    if bad_row.count(",") == 9:  # rows that use the optional columns
        header, good = HEADER + ",organisation_kind,start_date", GOOD_ROW + ",,"
    substitutions = {
        "registry_pseudonym": world.person.pseudonym,
        "conflict": world.process.conflict.name,
    }
    bad_row, expected = bad_row.format(**substitutions), expected.format(**substitutions)
    content = f"{header}\n{good}\n{bad_row}\n".encode()
    client = world.client_for(world.convener)
    before = registry_counts()

    response = upload(client, world, content)

    assert response.status_code == 200
    problems = problems_of(response)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]
    assert "Nothing was imported" in response.content.decode()
    with pytest.raises(ImportRejectedError) as rejected:
        people_import(
            actor=world.convener, process=world.process, content=content, filename="x.csv"
        )
    assert [str(p) for p in rejected.value.problems] == problems
    assert registry_counts() == before
    assert client.session.get(f"multitrack.people_import.{world.process.pk}") is None


def test_every_bad_row_is_reported_not_just_the_first(world: Workspace) -> None:
    response = upload(
        world.client_for(world.convener), world, (DATA / "people-bad.csv").read_bytes()
    )

    assert [p.split(":")[0] for p in problems_of(response)] == [
        "line 3, capacity",
        "line 4, name",
        "line 5, pseudonym",
        "line 6, gender",
        "line 7, name",
    ]
    assert Person.objects.filter(pseudonym__in=["Heron", "Cedar", "Osprey"]).count() == 0


def test_a_quoted_value_over_several_lines_is_counted_from_its_first_line(
    world: Workspace,
) -> None:
    content = f'{HEADER}\n"Two\nlines",Heron,,,,,,academic\nX,Cedar,,,,,,nope\n'.encode()
    response = upload(world.client_for(world.convener), world, content)
    assert [p.split(":")[0] for p in problems_of(response)] == ["line 4, capacity"]


# --- Bad files ------------------------------------------------------------------------------

BAD_FILES = [
    pytest.param(b"", "people.csv", "The file is empty.", id="empty"),
    pytest.param(b"\xef\xbb\xbf\n\n", "people.csv", "The file is empty.", id="only-a-bom"),
    pytest.param(
        HEADER.encode() + b"\n",
        "people.csv",
        "The file has a header row but no people in it.",
        id="header-only",
    ),
    pytest.param(
        f"{HEADER}\nJos\xe9,Heron,,,,,,academic\n".encode("latin-1"),
        "people.csv",
        "The file is not UTF-8 text (the first unreadable character is on line 2).",
        id="not-utf-8",
    ),
    pytest.param(
        "name,pseudonym".encode("utf-16"),
        "people.csv",
        "The file is saved as UTF-16; save it again as “CSV UTF-8”.",
        id="utf-16",
    ),
    pytest.param(
        b"PK\x03\x04\x14\x00\x06\x00",
        "people.csv",
        "This is not a CSV file but a spreadsheet",
        id="xlsx-renamed",
    ),
    pytest.param(
        GOOD_ROW.encode(), "people.xlsx", "The file must be a CSV file", id="not-named-csv"
    ),
    pytest.param(
        b"name,pseudonym,gender,languages,party,organisation,capacity\nA,B,,,,,academic\n",
        "people.csv",
        "line 1, header: missing column(s): role.",
        id="missing-column",
    ),
    pytest.param(
        f"{HEADER},email\n{GOOD_ROW},a@example.org\n".encode(),
        "people.csv",
        "line 1, header: unknown column(s): 'email'.",
        id="extra-column",
    ),
    pytest.param(
        f"{HEADER},Name\n{GOOD_ROW},x\n".encode(),
        "people.csv",
        "line 1, header: column(s) given twice: name.",
        id="repeated-column",
    ),
    pytest.param(
        HEADER.replace(",", ";").encode() + b"\nA;B;;;;;;academic\n",
        "people.csv",
        "line 1, header: the columns are separated by semicolons",
        id="semicolons",
    ),
]


@pytest.mark.parametrize(("content", "filename", "expected"), BAD_FILES)
def test_a_bad_file_is_refused_with_a_clear_reason(
    world: Workspace, content: bytes, filename: str, expected: str
) -> None:
    before = registry_counts()
    response = upload(world.client_for(world.convener), world, content, filename)
    assert response.status_code == 200
    if not content:
        # Django's own form refuses an empty upload before the import sees it.
        assert "The submitted file is empty." in response.content.decode()
    else:
        assert problems_of(response)[0].startswith(expected), problems_of(response)
    assert registry_counts() == before


def test_headers_are_read_whatever_their_case_and_spacing(world: Workspace) -> None:
    content = f"{HEADER.upper().replace(',', ' , ')}\n{GOOD_ROW}\n".encode()
    plan = people_import_plan(
        actor=world.convener, process=world.process, content=content, filename="PEOPLE.CSV"
    )
    assert plan.is_valid, plan.problems


def test_a_file_over_the_size_limit_is_refused(world: Workspace, settings: Any) -> None:
    settings.MULTITRACK_IMPORT_MAX_BYTES = 1024
    content = (
        HEADER + "\n" + "\n".join(f"Person {n},P{n},,,,,,academic" for n in range(100))
    ).encode()
    assert len(content) > 1024
    before = registry_counts()

    response = upload(world.client_for(world.convener), world, content)

    assert problems_of(response) == [
        "The file is larger than 1 KB, the most one import accepts. Split it into smaller files."
    ]
    assert registry_counts() == before


# --- Who may import ---------------------------------------------------------------------------

PAGES = ["people-import", "people-import-preview"]
POSTS = ["people-import", "people-import-confirm", "people-import-cancel"]


@pytest.mark.parametrize("name", PAGES)
def test_outsider_is_told_the_process_does_not_exist(world: Workspace, name: str) -> None:
    client = world.client_for(world.outsider)
    assert client.get(reverse(name, args=[world.process.pk])).status_code == 404


@pytest.mark.parametrize("name", POSTS)
def test_outsider_cannot_post(world: Workspace, name: str) -> None:
    client = world.client_for(world.outsider)
    assert client.post(reverse(name, args=[world.process.pk])).status_code == 404


def test_a_member_of_another_process_cannot_import_into_it(world: Workspace) -> None:
    client = world.client_for(world.convener)
    response = upload_to(client, world.other_process.pk, (DATA / "people-good.csv").read_bytes())
    assert response.status_code == 404
    assert not Person.objects.filter(pseudonym="Heron").exists()


def upload_to(client: Client, process_id: int, content: bytes) -> Any:
    return client.post(
        reverse("people-import", args=[process_id]),
        {"file": SimpleUploadedFile("people.csv", content)},
    )


@pytest.mark.parametrize("role", ["observer", "analyst"])
@pytest.mark.parametrize("name", POSTS)
def test_observer_and_analyst_may_not_import(world: Workspace, role: str, name: str) -> None:
    client = world.client_for(getattr(world, role))
    assert client.get(reverse("people-import", args=[world.process.pk])).status_code == 403
    data = {"file": SimpleUploadedFile("people.csv", (DATA / "people-good.csv").read_bytes())}
    assert client.post(reverse(name, args=[world.process.pk]), data).status_code == 403
    assert not Person.objects.filter(pseudonym="Heron").exists()


def test_the_service_refuses_an_observer(world: Workspace) -> None:
    with pytest.raises(PermissionDenied):
        people_import(
            actor=world.observer,
            process=world.process,
            content=(DATA / "people-good.csv").read_bytes(),
            filename="p.csv",
        )


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_log_in(world: Workspace, name: str) -> None:
    response = Client().get(reverse(name, args=[world.process.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["convener", "facilitator"])
def test_convener_and_facilitator_see_the_upload_page(world: Workspace, role: str) -> None:
    response = world.client_for(getattr(world, role)).get(
        reverse("people-import", args=[world.process.pk])
    )
    assert response.status_code == 200
    assert b"capacity" in response.content


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("people-import", "put"),
        ("people-import-preview", "post"),
        ("people-import-confirm", "get"),
        ("people-import-cancel", "get"),
    ],
)
def test_wrong_method_is_refused(world: Workspace, name: str, method: str) -> None:
    client = world.client_for(world.convener)
    response = getattr(client, method)(reverse(name, args=[world.process.pk]))
    assert response.status_code == 405


def test_posting_without_a_file_asks_for_one(world: Workspace) -> None:
    client = world.client_for(world.convener)
    response = client.post(reverse("people-import", args=[world.process.pk]))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["This field is required."]


# --- The optional country column -------------------------------------------------------------


def test_a_country_column_is_imported_as_an_iso_code_whatever_its_case(world: Workspace) -> None:
    content = (
        f"{HEADER},country\n{GOOD_ROW},ke\nTobias Ashworth,Cedar,man,English,,,,academic,\n"
    ).encode()

    people_import(actor=world.convener, process=world.process, content=content, filename="x.csv")

    assert Person.objects.get(pseudonym="Heron").country == "KE"
    assert Person.objects.get(pseudonym="Cedar").country == ""


def test_the_preview_shows_the_country(world: Workspace) -> None:
    client = world.client_for(world.convener)
    upload(client, world, f"{HEADER},country\n{GOOD_ROW},EG\n".encode())

    preview = client.get(reverse("people-import-preview", args=[world.process.pk]))

    assert [row.country for row in preview.context["plan"].rows] == ["EG"]
    assert "<td>EG</td>" in preview.content.decode()


@pytest.mark.parametrize("code", ["Kenya", "XX", "K"])
def test_an_unknown_country_names_its_line_and_column_and_nothing_is_imported(
    world: Workspace, code: str
) -> None:
    content = f"{HEADER},country\n{GOOD_ROW},KE\nTobias Ashworth,Cedar,man,,,,,academic,{code}\n"
    client = world.client_for(world.convener)
    before = registry_counts()

    response = upload(client, world, content.encode())

    assert problems_of(response) == [
        f"line 3, country: '{code}' is not a country code; use the two-letter ISO 3166-1 code, "
        "e.g. KE for Kenya or EG for Egypt."
    ]
    assert registry_counts() == before
