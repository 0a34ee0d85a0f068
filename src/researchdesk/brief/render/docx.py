"""DOCX renderer: python-docx with real Word styles (Title, Heading 1/2, List Bullet 1/2, Quote).

Readers edit delivered briefs in Word, so structure lives in styles rather than direct formatting:
a section is "Heading 1", a source "Heading 2", a quote a "List Bullet" (or "List Bullet 2" under
"Barriers:"/"Facilitators:"), the member's prompt a "Quote". Characters XML cannot hold are
dropped from the (untrusted) text instead of failing the whole document.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from researchdesk.brief.render import RenderOptions
from researchdesk.brief.render.layout import Layout, RelatedBlock, build_layout, clean, one_line
from researchdesk.models import Brief, BriefQuote

_ACCENT = "1F4E79"
_MUTED = "5B6470"


def _oxml(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(key.replace("_", ":", 1)), value)
    return element


def add_hyperlink(
    paragraph: Any, url: str, text: str, *, underline: bool = True, size: float | None = None
) -> None:
    """Append a clickable external link to ``paragraph`` (python-docx has no API for it)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = _oxml("w:hyperlink", r_id=r_id)
    run = _oxml("w:r")
    run.append(_run_props(color=_ACCENT, underline=underline, size=size))

    text_el = _oxml("w:t", xml_space="preserve")
    text_el.text = clean(text)
    run.append(text_el)
    link.append(run)
    paragraph._p.append(link)


def _run_props(color: str, underline: bool = False, size: float | None = None) -> Any:
    # Element order inside w:rPr is fixed by the schema: color, sz, u.
    props = _oxml("w:rPr")
    props.append(_oxml("w:color", w_val=color))
    if size:
        props.append(_oxml("w:sz", w_val=str(int(size * 2))))
    if underline:
        props.append(_oxml("w:u", w_val="single"))
    return props


def _field(paragraph: Any, instruction: str, size: float) -> None:
    field = _oxml("w:fldSimple", w_instr=instruction)
    run = _oxml("w:r")
    run.append(_run_props(color=_MUTED, size=size))
    text_el = _oxml("w:t")
    text_el.text = "1"
    run.append(text_el)
    field.append(run)
    paragraph._p.append(field)


def _muted(run: Any, size: float | None = None, italic: bool = False) -> Any:
    from docx.shared import Pt, RGBColor

    run.font.color.rgb = RGBColor.from_string(_MUTED)
    if size:
        run.font.size = Pt(size)
    if italic:
        run.italic = True
    return run


def _quote_paragraph(doc: Any, q: BriefQuote, style: str) -> None:
    p = doc.add_paragraph(style=style)
    if q.label.strip():
        p.add_run(one_line(q.label)).bold = True
        p.add_run(" – ")
    p.add_run(f"“{one_line(q.text)}”")
    if q.location.strip():
        _muted(p.add_run(f" ({one_line(q.location)})"))
    codes = [one_line(c) for c in q.codes if c.strip()]
    if codes:
        _muted(p.add_run(f" [{'; '.join(codes)}]"), size=8, italic=True)


def _related(doc: Any, items: list[RelatedBlock]) -> None:
    for r in items:
        p = doc.add_paragraph(style="List Bullet")
        if r.href:
            add_hyperlink(p, r.href, r.title)
        else:
            p.add_run(r.title)
        rest = "".join(f", {part}" for part in (r.container, r.date) if part)
        if rest:
            p.add_run(rest)
        if r.note:
            _muted(p.add_run(f" — {r.note}"))


def build_document(brief: Brief, layout: Layout | None = None) -> Any:
    """Return the brief as a python-docx ``Document``."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt

    layout = layout or build_layout(brief)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))
    doc.styles["Normal"].font.size = Pt(11)

    props = doc.core_properties
    props.title = clean(layout.title)[:255]
    props.author = one_line(brief.prepared_by)[:255]
    props.subject = one_line(brief.topic)[:255]
    props.comments = f"Request #{brief.request_id}, version {brief.version}"[:255]

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _muted(footer.add_run("Page "), size=8)
    _field(footer, "PAGE", size=8)
    _muted(footer.add_run(" of "), size=8)
    _field(footer, "NUMPAGES", size=8)

    doc.add_paragraph(clean(layout.title), style="Title")
    if layout.meta:
        p = doc.add_paragraph()
        for i, (label, value) in enumerate(layout.meta):
            if i:
                _muted(p.add_run("   ·   "), size=9)
            _muted(p.add_run(f"{label}: "), size=9)
            p.add_run(value).font.size = Pt(9)
    for paragraph in layout.service_paragraph:
        _muted(doc.add_paragraph().add_run(paragraph), italic=True)

    for key, heading in layout.sections:
        doc.add_heading(heading, level=1)
        if key == "prompt":
            p = doc.add_paragraph(style="Quote")
            lines = layout.prompt.splitlines() or [""]
            for i, line in enumerate(lines):
                run = p.add_run(("“" if i == 0 else "") + line + ("”" if i == len(lines) - 1 else ""))
                if i < len(lines) - 1:
                    run.add_break()
        elif key == "summary":
            for paragraph in layout.summary:
                doc.add_paragraph(paragraph)
        elif key == "background":
            for block in layout.sources:
                h = doc.add_heading(level=2)
                h.paragraph_format.keep_with_next = True
                if block.href:
                    add_hyperlink(h, block.href, block.heading, underline=False)
                else:
                    h.add_run(block.heading)
                if block.authors or block.link_text:
                    p = doc.add_paragraph()
                    p.paragraph_format.keep_with_next = True
                    if block.authors:
                        _muted(p.add_run(block.authors), size=9)
                    if block.authors and block.link_text:
                        _muted(p.add_run(" · "), size=9)
                    if block.link_text:
                        add_hyperlink(p, block.link_text, block.link_text, size=9)
                for group in block.groups:
                    if not group.heading:
                        for q in group.quotes:
                            _quote_paragraph(doc, q, "List Bullet")
                        continue
                    group_label = doc.add_paragraph(style="List Bullet")
                    group_label.paragraph_format.keep_with_next = True
                    # Word adds the gap between paragraphs of different list styles; keep the
                    # label close to its quotes.
                    group_label.paragraph_format.space_after = Pt(0)
                    group_label.paragraph_format.space_before = Pt(4)
                    group_label.add_run(f"{group.heading}:").bold = True
                    for q in group.quotes:
                        _quote_paragraph(doc, q, "List Bullet 2")
        elif key == "further_reading":
            _related(doc, layout.further_reading)
        elif key == "next_steps":
            for step in layout.next_steps:
                doc.add_paragraph(step, style="List Bullet")
        elif key == "related_products":
            _related(doc, layout.related_products)
        elif key == "references":
            for ref in layout.references:
                p = doc.add_paragraph()
                p.paragraph_format.left_indent = Inches(0.4)
                p.paragraph_format.first_line_indent = Inches(-0.4)
                for piece in ref.runs:
                    r = p.add_run(clean(piece.text))
                    r.italic = piece.italic or None
                    r.bold = piece.bold or None
                    if piece.sup:
                        r.font.superscript = True
                    if piece.sub:
                        r.font.subscript = True
                    if piece.smallcaps:
                        r.font.small_caps = True
    return doc


class DocxRenderer:
    format = "docx"
    extension = ".docx"
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    def render(self, brief: Brief, out: BinaryIO, options: RenderOptions) -> None:
        """Write the brief as a Word document."""
        build_document(brief).save(out)


RENDERER = DocxRenderer()
