"""Non-papers: the attribution and terminology checks, overrides, and audited exports."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document as WordDocument
from pypdf import PdfReader

from multitrack.accounts.models import AuditEvent
from multitrack.actors.models import ContestedTerm
from multitrack.ideas import documents, services
from multitrack.ideas.models import Export, Idea, NonPaper
from multitrack.ideas.rules import FlagKind
from tests.ideas.conftest import Talks


@pytest.fixture
def non_paper(talks: Talks) -> NonPaper:
    ContestedTerm.objects.create(
        conflict=talks.conflict, term="Northgate", neutral_wording="the northern crossing"
    )
    workspace = talks.workspace
    idea = services.idea_record(
        actor=workspace.facilitator,
        process=workspace.process,
        origin_meeting=workspace.meeting,
        title="Joint water commission",
        summary="A joint commission shares the river's water in dry years.",
        issue=Idea.Issue.ECONOMY,
    )
    return services.non_paper_create(
        actor=workspace.facilitator,
        process=workspace.process,
        title="Options for water sharing",
        context="Both sides face drought; these options came from informal talks.",
        ideas=[idea],
    )


def rewrite(non_paper: NonPaper, actor: object, *, context: str, rationale: str = "") -> None:
    option = non_paper.options.get()
    services.non_paper_update(
        actor=actor,
        non_paper=non_paper,
        title=non_paper.title,
        context=context,
        options={
            option.pk: {"heading": option.heading, "text": option.text, "rationale": rationale}
        },
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in WordDocument(io.BytesIO(content)).paragraphs)


@pytest.mark.parametrize(
    ("context", "flagged"),
    [
        ("As zoe nunez-ortega argued…", [(FlagKind.NAME, "zoe nunez-ortega")]),
        ("As ZOË ÑÚÑEZ  ORTEGA argued…", [(FlagKind.NAME, "ZOË ÑÚÑEZ  ORTEGA")]),
        ("A professor of law argued…", [(FlagKind.NAME, "professor of law")]),  # a title held
        ("Trade through NORTHGATE.", [(FlagKind.TERM, "NORTHGATE")]),
        ("Nothing sensitive here.", []),
    ],
)
def test_the_check_flags_names_titles_and_contested_terms(
    talks: Talks, non_paper: NonPaper, context: str, flagged: list[tuple[str, str]]
) -> None:
    rewrite(non_paper, talks.workspace.facilitator, context=context)
    flags = documents.non_paper_flags(non_paper)
    assert [(f.kind, f.words) for f in flags] == flagged


def test_the_pseudonym_is_flagged_too(talks: Talks, non_paper: NonPaper) -> None:
    rewrite(non_paper, talks.workspace.facilitator, context=f"Per {talks.southerner.pseudonym}.")
    assert [f.words for f in documents.non_paper_flags(non_paper)] == [talks.southerner.pseudonym]


def test_a_flagged_non_paper_cannot_be_exported(talks: Talks, non_paper: NonPaper) -> None:
    rewrite(non_paper, talks.workspace.facilitator, context="Kwame Mensah at Northgate.")
    with pytest.raises(ValidationError) as error:
        services.non_paper_export(actor=talks.workspace.convener, non_paper=non_paper, format="md")
    assert "Kwame Mensah" in str(error.value) and "Northgate" in str(error.value)
    assert not Export.objects.exists()


def test_an_override_lets_the_export_through_and_is_recorded(
    talks: Talks, non_paper: NonPaper
) -> None:
    convener = talks.workspace.convener
    rewrite(non_paper, talks.workspace.facilitator, context="Trade through Northgate.")
    services.non_paper_override(
        actor=convener, non_paper=non_paper, words=["Northgate"], reason="Quoted from the treaty"
    )
    export, content = services.non_paper_export(actor=convener, non_paper=non_paper, format="md")
    assert "Trade through Northgate." in content.decode()
    assert export.overridden_terms == ["northgate"]
    assert "ideas.non_paper.overridden" in AuditEvent.objects.values_list("action", flat=True)


def test_only_flagged_words_can_be_overridden(talks: Talks, non_paper: NonPaper) -> None:
    with pytest.raises(ValidationError):
        services.non_paper_override(
            actor=talks.workspace.convener,
            non_paper=non_paper,
            words=["Kwame Mensah"],
            reason="Sneaking a name in before writing it",
        )


@pytest.mark.parametrize("role", ["facilitator", "analyst", "observer"])
def test_only_conveners_export_or_override(talks: Talks, non_paper: NonPaper, role: str) -> None:
    actor = getattr(talks.workspace, role)
    with pytest.raises(PermissionDenied):
        services.non_paper_export(actor=actor, non_paper=non_paper, format="md")
    with pytest.raises(PermissionDenied):
        services.non_paper_override(actor=actor, non_paper=non_paper, words=["x"], reason="x")


@pytest.mark.parametrize(
    ("format", "read"),
    [("md", lambda content: content.decode()), ("docx", docx_text), ("pdf", pdf_text)],
)
def test_each_export_holds_the_options_and_no_registry_names_and_is_logged(
    talks: Talks, non_paper: NonPaper, format: str, read: object
) -> None:
    rewrite(
        non_paper,
        talks.workspace.facilitator,
        context="Drought in the valley; the sides met in Genève.",
        rationale="Shared data builds trust.",
    )
    convener = talks.workspace.convener
    export, content = services.non_paper_export(actor=convener, non_paper=non_paper, format=format)
    text = read(content)  # type: ignore[operator]
    for expected in (
        "Options for water sharing",
        "Genève",
        "Option 1: Joint water commission",
        "A joint commission shares the river's water in dry years.",
        "Shared data builds trust.",
    ):
        assert expected in text
    for name in ("Zoë Ñúñez-Ortega", "Kwame Mensah", convener.username, talks.northerner.pseudonym):
        assert name not in text
    assert (export.format, export.exported_by) == (format, convener)
    assert AuditEvent.objects.filter(
        action=f"ideas.non_paper.exported.{format}", actor=convener, target_id=str(export.pk)
    ).exists()


def test_exported_files_carry_no_author(talks: Talks, non_paper: NonPaper) -> None:
    convener = talks.workspace.convener
    _, docx = services.non_paper_export(actor=convener, non_paper=non_paper, format="docx")
    properties = WordDocument(io.BytesIO(docx)).core_properties
    assert (properties.author, properties.last_modified_by) == ("", "")
    _, pdf = services.non_paper_export(actor=convener, non_paper=non_paper, format="pdf")
    metadata: dict[str, object] = dict(PdfReader(io.BytesIO(pdf)).metadata or {})
    assert not metadata.get("/Author")
    assert Export.objects.count() == 2


def test_the_check_uses_terms_added_on_the_conflict_page(talks: Talks) -> None:
    workspace = talks.workspace
    idea = services.idea_record(
        actor=workspace.facilitator,
        process=workspace.process,
        origin_meeting=workspace.meeting,
        title="Open the Southgate crossing",
        summary="Open the Southgate crossing on market days.",
        issue=Idea.Issue.ECONOMY,
    )
    non_paper = services.non_paper_create(
        actor=workspace.facilitator,
        process=workspace.process,
        title="Crossings",
        context="",
        ideas=[idea],
    )
    client = workspace.client_for(workspace.convener)
    client.post(
        reverse("contested-term-add", args=[talks.conflict.pk]),
        {"term": "Southgate", "neutral_wording": "the southern crossing"},
    )

    flags = [f for f in documents.non_paper_flags(non_paper) if f.kind == FlagKind.TERM]

    assert flags and flags[0].suggestion == "the southern crossing"
