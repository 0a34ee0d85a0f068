"""Rendering a brief to every format: structure, verbatim quotes, escaping of hostile text, errors."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace

import pytest

from researchdesk.brief.citations import format_each, format_references
from researchdesk.brief.render import FORMATS, RenderOptions, render, render_bytes, renderer_for
from researchdesk.brief.render.jsonfmt import brief_from_dict
from researchdesk.brief.render.layout import SECTIONS, build_layout, human_date
from researchdesk.errors import RenderError, UnknownChoice
from researchdesk.models import Brief, BriefQuote, BriefSource, RelatedItem, Role, SourceType

HOSTILE_TITLE = "<script>alert(1)</script> **bold** # heading"
HOSTILE_QUOTE = "# heading [link](javascript:alert(2)) <script>alert(3)</script> and **bold** text"

_QUOTE_BANK: list[tuple[Role, str, str]] = [
    (Role.CONTEXT, "", "Local policy change is one of the most effective ways to reduce tobacco use."),
    (Role.DEFINITION, "", "Cross-sector partnerships bring together public health, schools and businesses."),
    (Role.BARRIER, "Funding", "Lack of sustained funding limited the coalition's ability to act."),
    (Role.BARRIER, "", "Opposition from the tobacco industry delayed adoption of the ordinance."),
    (Role.FACILITATOR, "Champions", "A local champion on the city council helped move the policy forward."),
    (Role.FACILITATOR, "", "Shared data between partners built trust and momentum."),
    (Role.EXAMPLE, "", "In one county, healthy vending standards were adopted within a year."),
    (Role.STATISTIC, "", "Smoking prevalence fell from 21.3% to 16.8% after the policy took effect."),
    (Role.RESEARCH_GAP, "", "Few studies examined enforcement after adoption."),
    (Role.RECOMMENDATION, "", "Engage community members early when drafting nutrition standards."),
]


def make_brief(n_sources: int = 3, quotes_per_source: int = 5, *, hostile: bool = True) -> Brief:
    """Return a realistic brief; the first source and first quote carry hostile text when asked."""
    sources = []
    evidence_id = 100
    for s in range(n_sources):
        quotes = []
        for k in range(quotes_per_source):
            role, label, text = _QUOTE_BANK[(s + k) % len(_QUOTE_BANK)]
            if hostile and s == 0 and k == 0:
                text = HOSTILE_QUOTE
            evidence_id += 1
            start = 1000 * s + 120 * k
            quotes.append(
                BriefQuote(
                    evidence_id=evidence_id,
                    document_id=s + 1,
                    text=f"{text} (source {s + 1}, quote {k + 1})",
                    role=role,
                    location=f"p. {k + 2}" if k % 2 == 0 else "section “Results”",
                    start=start,
                    end=start + len(text),
                    pieces=[(start, start + len(text))],
                    label=label,
                    codes=["resources"] if role == Role.BARRIER else (["communication"] if k == 1 else []),
                )
            )
        sources.append(
            BriefSource(
                document_id=s + 1,
                title=(HOSTILE_TITLE if hostile and s == 0 else f"Policy adoption study number {s + 1}"),
                publisher="Centers for Disease Control and Prevention",
                container="Preventing Chronic Disease",
                date=f"2024-0{1 + s % 9}-15",
                url=f"https://www.cdc.gov/pcd/issues/2024/24_{s:04d}.htm",
                doi=f"10.5888/pcd21.24{s:04d}",
                authors=["Smith, Jane A.", "Lee, Min"],
                quotes=quotes,
            )
        )
    metas = [replace_meta(src) for src in sources]
    citations = format_each(metas)
    for src, citation in zip(sources, citations, strict=True):
        src.citation = citation
    return Brief(
        request_id=7,
        version=2,
        title="Research Request: Barriers and facilitators of local tobacco and nutrition policies",
        member="Springfield County",
        requester="Dana Rivera",
        received="2024-05-01",
        due="2024-05-20",
        prepared_by="Alex Kim, Research Fellow",
        prepared_on="2024-05-15",
        service_paragraph="The research service answers members' questions with sourced evidence.",
        prompt=(
            "We are launching a cross-sector initiative on chronic disease prevention. What are the barriers "
            "and facilitators of getting local tobacco and nutrition policies adopted?"
        ),
        summary=[
            f"We scanned 96 sources and quote {n_sources} of them.",
            "Funding and industry opposition were the main barriers; local champions the main facilitator.",
        ],
        sources=sources,
        further_reading=[
            RelatedItem(
                50,
                "Healthy vending in county buildings",
                "Preventing Chronic Disease",
                "2023-11",
                "https://www.cdc.gov/pcd/issues/2023/23_0050.htm",
                "Scanned, not quoted.",
            ),
        ],
        next_steps=["Contact the county health department about enforcement data."],
        related_products=[],  # empty: the section must not appear
        references=format_references(metas),
        style="apa",
        topic="tobacco and nutrition policies",
        figures={
            "Evidence map": '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
            '<rect width="120" height="40" fill="#1f4e79"/><text x="8" y="25" fill="#fff">map</text></svg>',
            "Rejected figure": "<div>not svg</div>",
        },
    )


def replace_meta(src: BriefSource) -> object:
    from researchdesk.models import DocumentMeta

    return DocumentMeta(
        title=src.title,
        authors=src.authors,
        publisher=src.publisher,
        container=src.container,
        date=src.date,
        url=src.url,
        doi=src.doi,
        source_type=SourceType.JOURNAL_ARTICLE,
    )


def all_quotes(brief: Brief) -> list[BriefQuote]:
    return [q for s in brief.sources for q in s.quotes]


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def brief() -> Brief:
    return make_brief()


@pytest.fixture(scope="module")
def outputs(brief: Brief) -> dict[str, bytes]:
    return {fmt: render_bytes(brief, fmt) for fmt in FORMATS}


# --- HTML ---------------------------------------------------------------------------------------


def test_html_sections_escaping_and_self_contained(brief: Brief, outputs: dict[str, bytes]) -> None:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    html = outputs["html"].decode("utf-8")
    tree = HTMLParser(html)
    assert tree.css("script") == [], "document text must never become a <script> element"
    assert "<script>alert" not in html
    assert HOSTILE_TITLE in tree.css_first("article.source h3").text()
    assert HOSTILE_QUOTE in tree.body.text()
    headings = [h.text(strip=True) for h in tree.css("h2")]
    assert headings == [
        "Request Prompt",
        "Summary of Findings",
        "Background Research",
        "Further Reading",
        "Next Steps",
        "References",
        "Appendix",
    ]
    assert "You may also be interested in" not in html
    # self-contained: no external stylesheet, script or image
    assert not tree.css("link[rel=stylesheet], script[src], img[src]")
    assert tree.css_first("style") is not None
    # one bullet per quote, verbatim in curly quotation marks with location
    items = tree.css("li.quote")
    assert len(items) == len(all_quotes(brief))
    for li, q in zip(
        items, [q for s in build_layout(brief).sources for g in s.groups for q in g.quotes], strict=True
    ):
        assert f"“{q.text}”" in li.text()
        assert f"({q.location})" in li.text()
    # labelled quote: "<Label> – “quote”"
    labelled = [q for q in all_quotes(brief) if q.label]
    assert labelled and any(f"{labelled[0].label} – “{labelled[0].text}”" in li.text() for li in items)
    # group order inside the first source
    first = tree.css_first("article.source")
    groups = [g.text(strip=True) for g in first.css(".group-label")]
    assert groups == sorted(
        groups,
        key=[
            "Barriers:",
            "Facilitators:",
            "Examples:",
            "Statistics:",
            "Research gaps:",
            "Recommendations:",
        ].index,
    )
    # references keep citeproc italics as <i>, journal in italics
    refs = tree.css("ul.references li")
    assert len(refs) == len(brief.references)
    assert any(i.text() == "Preventing Chronic Disease" for r in refs for i in r.css("i"))
    # figures: accepted SVG inline, non-SVG dropped
    assert len(tree.css(".appendix svg")) == 1
    assert "not svg" not in html


def test_html_links_are_only_http(brief: Brief) -> None:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    hostile = replace(brief, sources=[replace(brief.sources[0], url="javascript:alert(1)", doi="")])
    tree = HTMLParser(render_bytes(hostile, "html").decode())
    hrefs = [a.attributes.get("href") or "" for a in tree.css("a")]
    assert hrefs and all(h.startswith(("https://", "http://", "mailto:")) for h in hrefs)


def test_desk_template_override(tmp_path, brief: Brief) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "brief.css").write_text("body { color: #123456; }")
    html = render_bytes(brief, "html", RenderOptions(template_dir=tmp_path)).decode()
    assert "#123456" in html and "Request Prompt" in html


# --- Markdown -----------------------------------------------------------------------------------


def test_markdown_structure_not_injected(brief: Brief, outputs: dict[str, bytes]) -> None:
    md = outputs["md"].decode("utf-8")
    lines = md.splitlines()
    assert lines[0].startswith("# Research Request:")
    assert [line for line in lines if line.startswith("# ")] == [lines[0]]
    assert [line[3:] for line in lines if line.startswith("## ")] == [
        "Request Prompt",
        "Summary of Findings",
        "Background Research",
        "Further Reading",
        "Next Steps",
        "References",
    ]
    assert len([line for line in lines if line.startswith("### ")]) == len(brief.sources)
    # hostile text is escaped: no raw HTML, no bold, no link from document text
    assert "<script>" not in md
    assert "**bold**" not in md
    assert not re.search(r"(?<!\\)\]\(javascript", md)
    assert "\\<script\\>alert(1)\\</script\\>" in md
    # every quote is there (after unescaping), with its location
    unescaped = re.sub(r"\\(.)", r"\1", md)
    for q in all_quotes(brief):
        assert f"“{q.text}”" in unescaped
    assert "- **Barriers:**" in md and "    - **Funding** – “" in md
    assert "*Preventing Chronic Disease*" in md  # italic journal in references


def test_markdown_with_commonmark_parser_if_available(outputs: dict[str, bytes]) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(outputs["md"].decode())
    assert "<script>" not in html
    assert html.count("<h1>") == 1


# --- DOCX ---------------------------------------------------------------------------------------


def test_docx_styles_bullets_and_hyperlinks(brief: Brief, outputs: dict[str, bytes]) -> None:
    import docx

    doc = docx.Document(io.BytesIO(outputs["docx"]))
    styled = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styled[0] == ("Title", brief.title)
    h1 = [text for style, text in styled if style == "Heading 1"]
    assert h1 == [
        "Request Prompt",
        "Summary of Findings",
        "Background Research",
        "Further Reading",
        "Next Steps",
        "References",
    ]
    h2 = [text for style, text in styled if style == "Heading 2"]
    assert len(h2) == len(brief.sources) and h2[0].startswith(HOSTILE_TITLE)
    assert ("Quote", f"“{brief.prompt}”") in styled
    bullets = [text for style, text in styled if style in ("List Bullet", "List Bullet 2")]
    for q in all_quotes(brief):
        assert any(f"“{q.text}”" in b for b in bullets), q.text
    nested = [text for style, text in styled if style == "List Bullet 2"]
    barriers = [q for q in all_quotes(brief) if q.role == Role.BARRIER]
    assert all(any(q.text in n for n in nested) for q in barriers)
    assert ("List Bullet", "Barriers:") in styled
    links = [r.target_ref for r in doc.part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert brief.sources[1].url in links
    assert doc.core_properties.title == brief.title
    assert doc.core_properties.author == brief.prepared_by
    # italics survive in references
    refs = doc.paragraphs[-len(brief.references) :]
    assert any(run.italic and run.text == "Preventing Chronic Disease" for p in refs for run in p.runs)
    with zipfile.ZipFile(io.BytesIO(outputs["docx"])) as z:
        assert "NUMPAGES" in z.read("word/footer1.xml").decode()


def test_docx_drops_control_characters(brief: Brief) -> None:
    import docx

    dirty = replace(brief, title="Title\x00with\x07controls\x1b", summary=["bell\x07 and \ud800 surrogate"])
    doc = docx.Document(io.BytesIO(render_bytes(dirty, "docx")))
    assert doc.paragraphs[0].text == "Titlewithcontrols"


# --- PDF ----------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> tuple[str, int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    return "\n".join(pages), len(pdf)


def test_pdf_text_has_prompt_quotes_and_page_numbers(brief: Brief, outputs: dict[str, bytes]) -> None:
    data = outputs["pdf"]
    assert data.startswith(b"%PDF")
    text, pages = pdf_text(data)
    flat = squash(text.replace("\r", " "))
    assert squash(brief.prompt) in flat
    for q in all_quotes(brief):
        assert squash(q.text) in flat, q.text
    assert HOSTILE_TITLE in flat
    assert f"Page 1 of {pages}" in flat and f"Page {pages} of {pages}" in flat


def test_pdf_fetches_nothing(brief: Brief, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not really")
    (tmp_path / "brief.css").write_text(
        f"body {{ background: url('file://{secret}'); }} h1 {{ background: url('http://192.0.2.1/x.png'); }}"
    )
    from researchdesk.brief.render import pdf as pdf_module

    seen: list[str] = []
    fetcher = pdf_module._refusing_fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    original = pdf_module._refusing_fetcher

    def spying() -> object:
        inner = original()
        real = inner.fetch

        def fetch(url: str, headers: object = None) -> object:
            seen.append(url)
            return real(url, headers)

        inner.fetch = fetch
        return inner

    pdf_module._refusing_fetcher = spying  # type: ignore[assignment]
    try:
        data = render_bytes(brief, "pdf", RenderOptions(template_dir=tmp_path))
    finally:
        pdf_module._refusing_fetcher = original  # type: ignore[assignment]
    assert data.startswith(b"%PDF")
    assert seen, "the stylesheet asked for resources; the fetcher must have been consulted (and refused)"


def test_pdf_renders_at_once_each_get_their_own_reused_font_configuration(brief: Brief) -> None:
    """Each WeasyPrint font configuration (a Pango font map, never freed) serves one render at a time and
    is reused: many renders on three threads make at most three, and every PDF is whole."""
    from researchdesk.brief.render import pdf as pdf_module

    lent: list[int] = []
    original = pdf_module._font_config

    @contextmanager
    def watching() -> Iterator[object]:
        with original() as config:
            assert id(config) not in lent, "a font configuration was lent to two renders at once"
            lent.append(id(config))
            try:
                yield config
            finally:
                lent.remove(id(config))
                made.append(config)  # held, so no two configurations can share an id

    made: list[object] = []
    pdf_module._font_config = watching  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(3) as pool:
            outputs = list(pool.map(lambda _: render_bytes(brief, "pdf"), range(9)))
    finally:
        pdf_module._font_config = original  # type: ignore[assignment]
    assert all(pdf_text(data)[1] >= 1 for data in outputs)
    assert len(made) == 9 and 1 <= len({id(c) for c in made}) <= 3


# --- JSON ---------------------------------------------------------------------------------------


def test_json_round_trip_and_quote_objects(brief: Brief, outputs: dict[str, bytes]) -> None:
    text = outputs["json"].decode("utf-8")
    data = json.loads(text)
    assert HOSTILE_TITLE in text  # ensure_ascii off, nothing mangled
    exported = [q for s in data["sources"] for q in s["quotes"]]
    assert [q["quote"] for q in exported] == [q.text for q in all_quotes(brief)]
    for q in exported:
        assert list(q) == [
            "quote",
            "evidence_id",
            "document_id",
            "start",
            "end",
            "pieces",
            "role",
            "location",
            "label",
            "codes",
        ]
    assert [s["key"] for s in data["sections"]] == [
        "prompt",
        "summary",
        "background",
        "further_reading",
        "next_steps",
        "references",
    ]
    assert all(r["text"] and "<i>" not in r["text"] for r in data["references"])
    assert brief_from_dict(data) == brief
    # fields beyond the template (summary_support, not_found, ...) are exported as well
    from dataclasses import fields

    assert {f.name for f in fields(Brief)} - {"sources", "references"} <= set(data)
    assert render_bytes(brief_from_dict(data), "json") == outputs["json"]  # stable


# --- empty sections, errors, registry -----------------------------------------------------------


def test_empty_sections_are_omitted_everywhere() -> None:
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    bare = replace(
        make_brief(hostile=False),
        further_reading=[],
        next_steps=[],
        related_products=[],
        references=[],
        figures={},
    )
    html = HTMLParser(render_bytes(bare, "html").decode())
    assert [h.text(strip=True) for h in html.css("h2")] == [
        "Request Prompt",
        "Summary of Findings",
        "Background Research",
    ]
    md = render_bytes(bare, "md").decode()
    for _, heading in SECTIONS[3:]:
        assert f"## {heading}" not in md
    import docx

    doc = docx.Document(io.BytesIO(render_bytes(bare, "docx")))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == [
        "Request Prompt",
        "Summary of Findings",
        "Background Research",
    ]


def test_no_evidence_brief_renders_without_background() -> None:
    empty = replace(make_brief(hostile=False), sources=[], references=[])
    for fmt in FORMATS:
        data = render_bytes(empty, fmt)
        assert data
    assert "Background Research" not in render_bytes(empty, "md").decode()


def test_unknown_format_lists_choices() -> None:
    with pytest.raises(UnknownChoice) as info:
        renderer_for("rtf")
    assert all(fmt in str(info.value) for fmt in FORMATS)
    assert renderer_for("Markdown").format == "md"


def test_renderer_failure_is_render_error_and_writes_nothing(brief: Brief) -> None:
    broken = replace(brief, sources=[replace(brief.sources[0], quotes=[None])])  # type: ignore[list-item]
    out = io.BytesIO()
    with pytest.raises(RenderError) as info:
        render(broken, "docx", out)
    assert info.value.hint and "request 7" in info.value.message
    assert out.getvalue() == b""


def test_human_dates() -> None:
    assert human_date("2024-03-14") == "March 14, 2024"
    assert human_date("2024-03") == "March 2024"
    assert human_date("2024") == "2024"
    assert human_date("2024-05-15T10:22:00") == "May 15, 2024"
    assert human_date("spring 2024") == "spring 2024"


def test_reference_markup_parsing_keeps_unknown_tags_as_text() -> None:
    from researchdesk.brief.render.markup import parse_inline, runs_to_html, runs_to_text

    runs = parse_inline('A &amp; B. <i>Journal</i>, <i>21</i>. <script>x()</script> <span style="x">s</span>')
    assert [r.text for r in runs if r.italic] == ["Journal", "21"]
    assert runs_to_text(runs) == "A & B. Journal, 21. <script>x()</script> s"
    html = str(runs_to_html(runs))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<i>Journal</i>" in html
