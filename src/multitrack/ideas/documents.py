"""Non-papers as documents: their text, the checks on it, and Markdown, DOCX and PDF renderings.

A non-paper names nobody: its text is checked against every name in the registry (people's
names, pseudonyms and aliases, organisations, and the titles people hold) and the conflict's
contested terms before any export. The files carry no author either: DOCX and PDF metadata are
set explicitly, so neither library writes a user or tool name into them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

from multitrack.actors.models import Affiliation
from multitrack.ideas.models import Export, NonPaper
from multitrack.ideas.rules import Flag, check_text
from multitrack.processes.models import Process
from multitrack.processes.services import registry_names
from multitrack.web.text_safety import markdown_safe

FONT = Path(__file__).parent / "static" / "ideas" / "fonts" / "DejaVuSans.ttf"

CONTENT_TYPES = {
    Export.Format.MARKDOWN: "text/markdown; charset=utf-8",
    Export.Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Export.Format.PDF: "application/pdf",
}


@dataclass(frozen=True)
class Option:
    heading: str
    text: str
    rationale: str


@dataclass(frozen=True)
class Document:
    """What a non-paper says, independent of the file format."""

    title: str
    context: str
    options: list[Option]


def non_paper_document(non_paper: NonPaper) -> Document:
    """The non-paper's title, context and options, in order."""
    return Document(
        non_paper.title,
        non_paper.context,
        [Option(o.heading, o.text, o.rationale) for o in non_paper.options.order_by("position")],
    )


def document_names(process: Process) -> list[str]:
    """Every name a non-paper of this process must not contain: its participants' and related
    organisations' names (see ``registry_names``), plus the titles its participants hold.

    Only titles of two words or more: "Deputy foreign minister" points at a person, while
    "Director" or "Volunteer" alone would flag ordinary prose in every draft.
    """
    titles = (
        Affiliation.objects.filter(person__process_roles__process=process)
        .exclude(role="")
        .values_list("role", flat=True)
        .distinct()
    )
    return [
        *registry_names(process=process),
        *(title for title in titles if len(title.split()) >= 2),
    ]


def non_paper_flags(non_paper: NonPaper) -> list[Flag]:
    """The registry names and contested terms in a non-paper, with overrides applied."""
    terms = non_paper.process.conflict.contested_terms.values_list("term", "neutral_wording")
    return check_text(
        to_markdown(non_paper_document(non_paper)),
        names=document_names(non_paper.process),
        terms=list(terms),
        overridden=non_paper.override_terms,
    )


def _as_typed(text: str) -> str:
    return text


def to_markdown(document: Document, *, clean: Callable[[str], str] = _as_typed) -> str:
    """The document as Markdown; ``clean`` is applied to every piece of the drafters' text.

    The name and term checks read it as typed; the export sanitises it (``render``).
    """
    title, context = clean(document.title), clean(document.context.strip())
    lines = [f"# {title}", "", "*Non-paper. Unattributed; not an official document.*", ""]
    if context:
        lines += ["## Context", "", context, ""]
    lines += ["## Options", ""]
    for number, option in enumerate(document.options, start=1):
        lines += [
            f"### Option {number}: {clean(option.heading)}",
            "",
            clean(option.text.strip()),
            "",
        ]
        if option.rationale.strip():
            lines += [f"**Rationale.** {clean(option.rationale.strip())}", ""]
    return "\n".join(lines)


def to_docx(document: Document) -> bytes:
    """The document as a Word file, with empty author metadata."""
    from docx import Document as WordDocument

    word = WordDocument()
    properties = word.core_properties
    properties.author = ""
    properties.last_modified_by = ""
    properties.comments = ""
    properties.title = document.title
    word.add_heading(document.title, level=0)
    word.add_paragraph("Non-paper. Unattributed; not an official document.").runs[0].italic = True
    if document.context.strip():
        word.add_heading("Context", level=1)
        for paragraph in document.context.strip().split("\n\n"):
            word.add_paragraph(paragraph)
    word.add_heading("Options", level=1)
    for number, option in enumerate(document.options, start=1):
        word.add_heading(f"Option {number}: {option.heading}", level=2)
        for paragraph in option.text.strip().split("\n\n"):
            word.add_paragraph(paragraph)
        if option.rationale.strip():
            rationale = word.add_paragraph()
            rationale.add_run("Rationale. ").bold = True
            rationale.add_run(option.rationale.strip())
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def to_pdf(document: Document) -> bytes:
    """The document as a PDF, in a font that covers accented and non-Latin names."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(document.title)
    pdf.set_author("")
    pdf.set_creator("")
    pdf.set_margins(20, 20, 20)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_page()

    def block(text: str, size: int, space: float = 2) -> None:
        pdf.set_font("DejaVu", size=size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(space)

    block(document.title, 18, 4)
    block("Non-paper. Unattributed; not an official document.", 9, 4)
    if document.context.strip():
        block("Context", 14)
        block(document.context.strip(), 11, 4)
    block("Options", 14)
    for number, option in enumerate(document.options, start=1):
        block(f"Option {number}: {option.heading}", 12)
        block(option.text.strip(), 11)
        if option.rationale.strip():
            block(f"Rationale. {option.rationale.strip()}", 11)
        pdf.ln(2)
    return bytes(pdf.output())


def render(document: Document, format: str) -> bytes:
    """The document in one of the export formats."""
    if format == Export.Format.MARKDOWN:
        # Markdown viewers render raw HTML: no tag from the drafters' text gets through.
        return to_markdown(document, clean=markdown_safe).encode()
    if format == Export.Format.DOCX:
        return to_docx(document)
    if format == Export.Format.PDF:
        return to_pdf(document)
    raise ValidationError({"format": "Choose Markdown, DOCX or PDF."})


def filename(non_paper: NonPaper, format: str) -> str:
    """A download name that says nothing but "non-paper" and its number."""
    return f"non-paper-{non_paper.pk}.{format}"
