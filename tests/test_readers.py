"""Readers for PDF, DOCX, text, Markdown and bibliographic records, on real files made by the tests."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from researchdesk.errors import CorruptFile, EmptyFile, EncryptedFile, TooLarge
from researchdesk.ingest.readers import docx as docx_reader
from researchdesk.ingest.readers import pdf as pdf_reader
from researchdesk.ingest.readers import records, text
from researchdesk.ingest.readers.line_joining import join_lines
from researchdesk.ingest.titles import ASIDE_CHARS, TITLE_CHARS, TITLE_WORDS, reads_as_title, without_aside
from researchdesk.models import BlockKind, SourceType
from researchdesk.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "desk")


# --- PDF ------------------------------------------------------------------------------------------

# Distinct paragraphs (so no line repeats by chance) full of long words the typesetter must hyphenate,
# and real compounds ("cross-sector") that must keep their hyphen.
TOPICS = [
    "transportation",
    "homelessness",
    "broadband",
    "stormwater",
    "procurement",
    "immunization",
    "libraries",
    "wildfire",
    "childcare",
    "redistricting",
    "composting",
    "telehealth",
]
PARAGRAPHS = [
    f"Paragraph {n} considers {topic}: cross-sector collaboration between municipal departments, "
    "philanthropic organizations and community-based intermediaries requires extraordinarily "
    "sophisticated administrative coordination, interdepartmental accountability and "
    f"institutionalized decision-making procedures for {topic} programs in {1990 + n}."
    for n, topic in enumerate(TOPICS)
]


def _pdf_html(title: str, with_doi: bool = True) -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:6])
    body += "<h2>Findings</h2>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[6:])
    doi = "<p>doi: 10.5888/pcd21.230001</p>" if with_doi else ""
    return f"""<html lang="en"><head><title>{title}</title>
    <meta name="author" content="Jane Doe; John Smith">
    <meta name="dcterms.created" content="2024-03-05">
    <style>
      @page {{ size: A6; margin: 1.6cm 1.2cm;
               @top-center {{ content: "Journal of Municipal Practice"; font-size: 7pt }}
               @bottom-center {{ content: counter(page); font-size: 7pt }} }}
      body {{ font-size: 9pt }}
      p {{ hyphens: auto; text-align: justify; margin: 0 0 6pt 0 }}
      h1 {{ font-size: 16pt }} h2 {{ font-size: 12pt }}
    </style></head>
    <body><h1>Coordinating Local Services Across Sectors</h1>{doi}{body}</body></html>"""


def _write_pdf(path: Path, html: str) -> Path:
    import weasyprint

    weasyprint.HTML(string=html).write_pdf(path)
    return path


@pytest.fixture(scope="module")
def article_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "article.pdf"
    return _write_pdf(path, _pdf_html("Coordinating Local Services"))


def _page_texts(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def test_pdf_rebuilds_paragraphs_pages_and_hyphenation(article_pdf: Path, settings: Settings) -> None:
    raw_pages = _page_texts(article_pdf)
    assert len(raw_pages) >= 3
    # The file really has words broken at line ends by the typesetter; otherwise the test proves nothing.
    assert any(re.search(r"[a-z][\u2010-]\r\n[a-z]", page) for page in raw_pages)

    result = pdf_reader.READER.read(article_pdf, article_pdf.read_bytes(), settings)

    assert result.format == "pdf"
    assert result.pages == len(raw_pages)
    texts = [b.text for b in result.blocks if b.kind is BlockKind.PARAGRAPH]
    for paragraph in PARAGRAPHS:
        assert paragraph in texts, f"paragraph not rebuilt exactly: {paragraph[:40]}"
    for block in result.blocks:
        assert block.page is not None and 1 <= block.page <= len(raw_pages)
        # A block sits on the page where its first words are printed.
        first_words = " ".join(block.text.split()[:3])
        flat = " ".join(raw_pages[block.page - 1].split())
        assert first_words in flat
    pages = [b.page or 0 for b in result.blocks]
    assert pages == sorted(pages) and pages[-1] > 1


def test_pdf_two_columns_keep_reading_order(tmp_path: Path, settings: Settings) -> None:
    style = "body { column-count: 2; font-size: 9pt } p { hyphens: auto; text-align: justify }"
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f'<html lang="en"><head><style>{style}</style></head><body>{body}</body></html>'
    path = _write_pdf(tmp_path / "columns.pdf", html)
    result = pdf_reader.READER.read(path, path.read_bytes(), settings)
    # Every paragraph whole and in order, including the one that runs from the first column into the second.
    assert [b.text for b in result.blocks] == PARAGRAPHS


def test_pdf_drops_running_heads_and_page_numbers(article_pdf: Path, settings: Settings) -> None:
    result = pdf_reader.READER.read(article_pdf, article_pdf.read_bytes(), settings)
    texts = [b.text for b in result.blocks]
    assert not any("Journal of Municipal Practice" in t for t in texts)
    assert not any(t.isdigit() for t in texts)


def test_pdf_headings_and_metadata(article_pdf: Path, settings: Settings) -> None:
    result = pdf_reader.READER.read(article_pdf, article_pdf.read_bytes(), settings)
    headings = [(b.text, b.level) for b in result.blocks if b.kind is BlockKind.HEADING]
    assert headings[0] == ("Coordinating Local Services Across Sectors", 1)
    assert ("Findings", 2) in headings
    meta = result.meta
    assert meta.title == "Coordinating Local Services"  # the info dictionary wins over the page
    assert meta.authors == ["Jane Doe", "John Smith"]
    assert meta.date == "2024-03-05"
    assert meta.doi == "10.5888/pcd21.230001"
    assert meta.language == "en"
    assert meta.publisher == "" and meta.url == ""  # never invented


def test_pdf_junk_info_title_falls_back_to_first_page(tmp_path: Path, settings: Settings) -> None:
    path = _write_pdf(tmp_path / "junk.pdf", _pdf_html("Microsoft Word - draft_v3.docx", with_doi=False))
    result = pdf_reader.READER.read(path, path.read_bytes(), settings)
    assert result.meta.title == "Coordinating Local Services Across Sectors"
    assert result.meta.doi == ""


def test_pdf_encrypted(article_pdf: Path, tmp_path: Path, settings: Settings) -> None:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=article_pdf)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(EncryptedFile) as caught:
        pdf_reader.READER.read(tmp_path / "locked.pdf", buffer.getvalue(), settings)
    assert "decrypt" in caught.value.hint.lower() and "qpdf" in caught.value.hint


def test_pdf_truncated(article_pdf: Path, settings: Settings) -> None:
    data = article_pdf.read_bytes()
    with pytest.raises(CorruptFile) as caught:
        pdf_reader.READER.read(article_pdf, data[: len(data) // 2], settings)
    assert "truncated" in str(caught.value)


def test_pdf_without_text_needs_ocr(tmp_path: Path, settings: Settings) -> None:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=300, height=400)
    writer.add_blank_page(width=300, height=400)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(EmptyFile) as caught:
        pdf_reader.READER.read(tmp_path / "scan.pdf", buffer.getvalue(), settings)
    assert "OCR" in str(caught.value)


def test_pdf_garbage_and_empty(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(EmptyFile):
        pdf_reader.READER.read(tmp_path / "empty.pdf", b"", settings)
    with pytest.raises(CorruptFile):
        pdf_reader.READER.read(tmp_path / "bad.pdf", b"%PDF-1.7\n" + b"x" * 5000 + b"\n%%EOF\n", settings)


def test_pdf_sniff_by_content() -> None:
    assert pdf_reader.READER.sniff(b"%PDF-1.7\n...", ".txt")
    assert not pdf_reader.READER.sniff(b"<!doctype html><html>", ".pdf")


def test_mislabelled_pdf_is_corrupt(tmp_path: Path) -> None:
    if importlib.util.find_spec("researchdesk.ingest.readers.html") is None:
        pytest.skip("the HTML reader is not written yet")
    from researchdesk.ingest.readers import reader_for

    head = b"<!DOCTYPE html><html><head><title>Saved page</title></head><body><p>Hello</p></body></html>"
    with pytest.raises(CorruptFile) as caught:
        reader_for(tmp_path / "article.pdf", head)
    assert ".pdf" in str(caught.value)


# --- DOCX -----------------------------------------------------------------------------------------


def _docx_bytes(fill: bool = True) -> bytes:
    import datetime

    import docx

    document = docx.Document()
    if fill:
        props = document.core_properties
        props.title = "Partnership Barriers in County Health"
        props.author = "Jane Doe; John Smith"
        props.created = datetime.datetime(2024, 5, 2, 9, 30)
        props.language = "en-US"
    document.add_heading("Partnership Barriers in County Health", 0)
    document.add_heading("Background", 1)
    document.add_paragraph("Counties rely on partners to deliver services.")
    document.add_heading("Methods", 2)
    document.add_paragraph("Interviews with staff", style="List Bullet")
    document.add_paragraph("Document review", style="List Number")
    table = document.add_table(rows=3, cols=2)
    cells = {
        (0, 0): "Barriers",
        (0, 1): "Facilitators",
        (1, 0): "Lack of dedicated funding",
        (1, 1): "Shared goals among partners",
        (2, 0): "Staff turnover in agencies",
    }
    for (row, column), value in cells.items():
        table.cell(row, column).text = value
    themes = document.add_table(rows=4, cols=2)
    themes.cell(0, 0).text = "Facilitator"
    themes.cell(0, 1).text = "Description"
    themes.cell(1, 0).text = "Stakeholder engagement"
    themes.cell(1, 1).text = "Building partnerships with county administrators and contract managers."
    themes.cell(2, 0).merge(themes.cell(2, 1)).text = "Challenges"
    themes.cell(3, 0).text = "Vendor pushback"
    themes.cell(3, 1).text = "Vendors worried that healthier items would sell less."
    document.add_paragraph("Closing remarks after the tables.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_structure_and_table_labels(tmp_path: Path, settings: Settings) -> None:
    result = docx_reader.READER.read(tmp_path / "brief.docx", _docx_bytes(), settings)
    kinds = [(b.kind, b.text) for b in result.blocks]
    assert (BlockKind.HEADING, "Background") in kinds
    assert [b.level for b in result.blocks if b.text == "Methods"] == [2]
    assert (BlockKind.LIST_ITEM, "Interviews with staff") in kinds
    assert (BlockKind.LIST_ITEM, "Document review") in kinds
    rows = {b.text: b.label for b in result.blocks if b.kind is BlockKind.TABLE_ROW}
    assert rows["Lack of dedicated funding"] == "Barriers"
    assert rows["Shared goals among partners"] == "Facilitators"
    assert rows["Staff turnover in agencies"] == "Barriers"
    engagement = (
        "Stakeholder engagement | Building partnerships with county administrators and contract managers."
    )
    assert rows[engagement] == "Facilitator"
    assert rows["Vendor pushback | Vendors worried that healthier items would sell less."] == "Challenges"
    # Reading order: the paragraph after the tables comes last.
    assert result.blocks[-1].text == "Closing remarks after the tables."
    meta = result.meta
    assert meta.title == "Partnership Barriers in County Health"
    assert meta.authors == ["Jane Doe", "John Smith"]
    assert meta.date == "2024-05-02"
    assert meta.language == "en-US"


def test_docx_template_metadata_is_not_taken(tmp_path: Path, settings: Settings) -> None:
    result = docx_reader.READER.read(tmp_path / "plain.docx", _docx_bytes(fill=False), settings)
    assert result.meta.authors == []  # python-docx's template says "python-docx"
    assert result.meta.date == ""  # and 2013-12-23
    assert result.meta.title == "Partnership Barriers in County Health"  # from the Title paragraph


def test_docx_not_a_zip_and_empty(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(CorruptFile) as caught:
        docx_reader.READER.read(tmp_path / "x.docx", b"This is plain text, not a Word file.", settings)
    assert "zip" in str(caught.value)
    with pytest.raises(EmptyFile):
        docx_reader.READER.read(tmp_path / "x.docx", b"", settings)
    assert not docx_reader.READER.sniff(b"This is plain text", ".docx")
    assert docx_reader.READER.sniff(_docx_bytes()[:8192], ".bin")


def _zip_with(member: str, size_mb: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr(member, b"\0" * (size_mb * 1024 * 1024))
    return buffer.getvalue()


def test_docx_zip_bomb_over_the_unpacked_limit(tmp_path: Path) -> None:
    small = Settings(home=tmp_path / "desk", max_unpacked_mb=4)
    data = _zip_with("word/media/image1.png", 8)
    assert len(data) < 100_000
    with pytest.raises(TooLarge) as caught:
        docx_reader.READER.read(tmp_path / "bomb.docx", data, small)
    assert "RESEARCHDESK_MAX_UNPACKED_MB" in caught.value.hint


def test_docx_zip_bomb_by_compression_ratio(tmp_path: Path, settings: Settings) -> None:
    data = _zip_with("word/media/image1.png", 20)  # 20 MB of zeros: ratio ~1000, under the 500 MB limit
    with pytest.raises(CorruptFile) as caught:
        docx_reader.READER.read(tmp_path / "bomb.docx", data, settings)
    assert "zip bomb" in str(caught.value)


# --- text and Markdown ----------------------------------------------------------------------------

PLAIN = """Partnerships in Practice

Local governments build partner-
ships across agencies. Cross-sector work is hard, and the
collab-
oration needs trust.

- first point
  continues here
- second point

Señora Muñoz visitó la región; the café closed.
"""


@pytest.mark.parametrize(
    ("encoding", "reported"), [("latin-1", "cp1252"), ("utf-16", "utf-16"), ("utf-16-le", "utf-16-le")]
)
def test_text_encodings(tmp_path: Path, settings: Settings, encoding: str, reported: str) -> None:
    data = PLAIN.encode(encoding)
    assert text.TEXT_READER.sniff(data[:8192], ".txt")
    result = text.TEXT_READER.read(tmp_path / "a.txt", data, settings)
    assert result.blocks[-1].text == "Señora Muñoz visitó la región; the café closed."
    assert any(reported in w for w in result.warnings)


def test_text_paragraphs_lists_and_title(tmp_path: Path, settings: Settings) -> None:
    result = text.TEXT_READER.read(tmp_path / "a.txt", PLAIN.encode(), settings)
    assert result.warnings == []
    assert result.meta.title == "Partnerships in Practice"
    blocks = [(b.kind, b.text) for b in result.blocks]
    assert blocks[1] == (
        BlockKind.PARAGRAPH,
        "Local governments build partnerships across agencies. Cross-sector work is hard, and the "
        "collaboration needs trust.",
    )
    assert (BlockKind.LIST_ITEM, "first point continues here") in blocks
    assert (BlockKind.LIST_ITEM, "second point") in blocks


def test_text_form_feeds_are_pages(tmp_path: Path, settings: Settings) -> None:
    data = b"First page paragraph.\n\fSecond page paragraph.\n\fThird."
    result = text.TEXT_READER.read(tmp_path / "a.txt", data, settings)
    assert [(b.text, b.page) for b in result.blocks] == [
        ("First page paragraph.", 1),
        ("Second page paragraph.", 2),
        ("Third.", 3),
    ]
    assert result.pages == 3


def test_text_binary_and_empty(tmp_path: Path, settings: Settings) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert not text.TEXT_READER.sniff(png, ".txt")
    with pytest.raises(CorruptFile):
        text.TEXT_READER.read(tmp_path / "a.txt", png, settings)
    for reader in (text.TEXT_READER, text.MARKDOWN_READER):
        with pytest.raises(EmptyFile):
            reader.read(tmp_path / "e.txt", b"", settings)
        with pytest.raises(EmptyFile):
            reader.read(tmp_path / "e.txt", b"  \n\n \n", settings)


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["a collab-", "oration"], "a collaboration"),
        (["the cross-", "sector team"], "the cross-sector team"),
        (["state-of-", "the-art tools"], "state-of-the-art tools"),
        (["COVID-", "19 cases"], "COVID-19 cases"),
        (["ends with a dash -", "and goes on"], "ends with a dash - and goes on"),
        (["first", "  second  "], "first second"),
        (["soft\u00ad", "ware"], "software"),
    ],
)
def test_join_lines(lines: list[str], joined: str) -> None:
    assert join_lines(lines) == joined


def test_join_lines_uses_the_documents_own_words() -> None:
    assert join_lines(["a co-", "alition"], {"coalition"}) == "a coalition"
    assert join_lines(["pre-", "school"], {"pre-school"}) == "pre-school"


MARKDOWN = """---
title: Front Matter Title
author: Jane Doe
date: 2024-03-01
---
# Big *Heading*

Some **bold** text with a [link to CDC](https://www.cdc.gov) and `code`, keeping snake_case_words.
Second line of the paragraph.

Sub heading
-----------

* item one
* item [two](https://example.org)

1. first numbered

| Barriers | Facilitators |
|----------|--------------|
| lack of funds | |
| | shared goals |

> A quoted passage.
"""


def test_markdown(tmp_path: Path, settings: Settings) -> None:
    assert text.MARKDOWN_READER.sniff(MARKDOWN.encode()[:8192], ".md")
    assert not text.MARKDOWN_READER.sniff(MARKDOWN.encode()[:8192], ".txt")
    result = text.MARKDOWN_READER.read(tmp_path / "a.md", MARKDOWN.encode(), settings)
    assert result.format == "markdown"
    blocks = [(b.kind, b.text, b.level) for b in result.blocks]
    assert blocks[0] == (BlockKind.HEADING, "Big Heading", 1)
    assert blocks[1] == (
        BlockKind.PARAGRAPH,
        "Some bold text with a link to CDC and code, keeping snake_case_words. Second line of the paragraph.",
        0,
    )
    assert (BlockKind.HEADING, "Sub heading", 2) in blocks
    assert (BlockKind.LIST_ITEM, "item two", 0) in blocks
    assert (BlockKind.LIST_ITEM, "first numbered", 0) in blocks
    assert (BlockKind.PARAGRAPH, "A quoted passage.", 0) in blocks
    labels = {b.text: b.label for b in result.blocks if b.kind is BlockKind.TABLE_ROW}
    assert labels["lack of funds"] == "Barriers" and labels["shared goals"] == "Facilitators"
    assert result.meta.title == "Front Matter Title"
    assert result.meta.authors == ["Jane Doe"] and result.meta.date == "2024-03-01"


def test_markdown_title_from_first_heading(tmp_path: Path, settings: Settings) -> None:
    data = b"Intro line.\n\n# The Real Title\n\nBody.\n\n## Part\n"
    result = text.MARKDOWN_READER.read(tmp_path / "a.md", data, settings)
    assert result.meta.title == "The Real Title"
    no_h1 = text.MARKDOWN_READER.read(tmp_path / "b.md", b"Just a paragraph.\n\n## Later\n", settings)
    assert no_h1.meta.title == ""


# --- bibliographic records ------------------------------------------------------------------------

RIS = """TY  - JOUR
TI  - Barriers to cross-sector collaboration in county health
AU  - Doe, Jane
AU  - Smith, John
T2  - Preventing Chronic Disease
PY  - 2024
DA  - 2024/03/15
DO  - https://doi.org/10.5888/PCD21.230123
UR  - https://www.cdc.gov/pcd/issues/2024/23_0123.htm
L1  - file:///home/staff/papers/doe2024.pdf
AB  - Partnerships between agencies face funding barriers.
ER  -

TY  - RPRT
TI  - County food procurement report
PB  - County Health Department
PY  - 2023///
AB  - Healthy procurement standards were adopted by five departments.
ER  -

TY  - ELEC
AU  - Nobody, Anne
ER  -
"""

BIBTEX = r"""% exported by a reference manager
@string{pcd = "Preventing Chronic Disease"}

@article{doe2024,
  title = {{COVID}-19 and {Cities}: a caf\'e study},
  author = {Jane Doe and Smith, John and {World Health Organization}},
  journal = pcd,
  year = 2024,
  month = mar,
  doi = {10.5888/pcd21.230124},
  abstract = {Cities changed how they deliver services.},
  file = {:papers/doe2024.pdf:PDF}
}

@techreport{cee2023,
  title = "Partnership report",
  author = "A. B. Cee",
  institution = {Municipal League},
  year = {2023},
  month = {11},
  abstract = {Members reported barriers.}
}
"""

CSL = [
    {
        "id": "a",
        "type": "article-journal",
        "title": "Food policy councils",
        "author": [{"family": "Doe", "given": "Jane"}, {"literal": "City of Springfield"}],
        "container-title": "Preventing Chronic Disease",
        "issued": {"date-parts": [[2024, 2]]},
        "DOI": "10.5888/pcd21.230125",
        "abstract": "Councils shape local food policy.",
    },
    {
        "id": "b",
        "type": "webpage",
        "title": "Broadband equity plan",
        "URL": "https://example.org/broadband",
        "publisher": "State League of Cities",
        "issued": {"raw": "2022-05-01"},
        "abstract": "Plan for equitable broadband.",
    },
]


def test_ris_records(tmp_path: Path, settings: Settings) -> None:
    data = RIS.encode()
    assert records.RIS_READER.sniff(data[:8192], ".txt")
    results = records.read_records(tmp_path / "refs.ris", data, settings)
    assert len(results) == 2
    first, second = results
    assert first.format == "ris"
    assert first.meta.title == "Barriers to cross-sector collaboration in county health"
    assert first.meta.authors == ["Doe, Jane", "Smith, John"]
    assert first.meta.container == "Preventing Chronic Disease"
    assert first.meta.date == "2024-03-15"
    assert first.meta.doi == "10.5888/pcd21.230123"
    assert first.meta.url == "https://www.cdc.gov/pcd/issues/2024/23_0123.htm"
    assert first.meta.linked_file == "/home/staff/papers/doe2024.pdf"
    assert first.meta.source_type is SourceType.JOURNAL_ARTICLE
    assert [(b.kind, b.text) for b in first.blocks] == [
        (BlockKind.HEADING, "Abstract"),
        (BlockKind.PARAGRAPH, "Partnerships between agencies face funding barriers."),
    ]
    assert any("record 3" in w and "no title" in w for w in first.warnings)
    assert second.meta.source_type is SourceType.REPORT
    assert second.meta.publisher == "County Health Department" and second.meta.date == "2023"
    assert second.meta.doi == "" and second.meta.url == ""
    # The protocol's read() gives the first record.
    assert records.RIS_READER.read(tmp_path / "refs.ris", data, settings).meta.title == first.meta.title


def test_bibtex_records(tmp_path: Path, settings: Settings) -> None:
    data = BIBTEX.encode()
    assert records.BIBTEX_READER.sniff(data[:8192], ".txt")
    results = records.read_records(tmp_path / "refs.bib", data, settings)
    assert [r.meta.title for r in results] == ["COVID-19 and Cities: a café study", "Partnership report"]
    article, report = (r.meta for r in results)
    assert article.authors == ["Doe, Jane", "Smith, John", "World Health Organization"]
    assert article.container == "Preventing Chronic Disease"  # @string macro resolved
    assert article.date == "2024-03"
    assert article.doi == "10.5888/pcd21.230124"
    assert article.linked_file == "papers/doe2024.pdf"
    assert article.source_type is SourceType.JOURNAL_ARTICLE
    assert report.authors == ["Cee, A. B."]
    assert report.publisher == "Municipal League" and report.date == "2023-11"
    assert report.source_type is SourceType.REPORT
    assert results[1].blocks[1].text == "Members reported barriers."


def test_csl_json_records(tmp_path: Path, settings: Settings) -> None:
    data = json.dumps(CSL).encode()
    assert records.CSL_JSON_READER.sniff(data[:8192], "")
    results = records.read_records(tmp_path / "refs.json", data, settings)
    assert len(results) == 2
    article, web = (r.meta for r in results)
    assert article.authors == ["Doe, Jane", "City of Springfield"]
    assert article.date == "2024-02" and article.doi == "10.5888/pcd21.230125"
    assert article.source_type is SourceType.JOURNAL_ARTICLE
    assert web.source_type is SourceType.NEWS_WEB and web.url == "https://example.org/broadband"
    assert web.publisher == "State League of Cities" and web.date == "2022-05-01"
    assert results[1].blocks[1].text == "Plan for equitable broadband."
    single = records.read_records(tmp_path / "one.json", json.dumps(CSL[0]).encode(), settings)
    assert [r.meta.title for r in single] == ["Food policy councils"]


def test_records_errors(tmp_path: Path, settings: Settings) -> None:
    for name in ("e.ris", "e.bib", "e.json"):
        with pytest.raises(EmptyFile):
            records.read_records(tmp_path / name, b"", settings)
    for reader in records.READERS:
        with pytest.raises(EmptyFile):
            reader.read(tmp_path / "e", b"\n", settings)
    with pytest.raises(CorruptFile):
        records.read_records(tmp_path / "bad.json", b'[{"title": "x", "type": "book"', settings)
    with pytest.raises(EmptyFile) as caught:
        records.read_records(tmp_path / "untitled.ris", b"TY  - JOUR\nAU  - Doe, J\nER  - \n", settings)
    assert "no title" in str(caught.value)


def test_record_sniffers_judge_content() -> None:
    prose = b"Contact us at @city{hall} or see the report."
    assert not records.BIBTEX_READER.sniff(prose, ".txt")
    assert not records.RIS_READER.sniff(b"Type  - of thing", ".ris")
    assert not records.CSL_JSON_READER.sniff(b'{"name": "package", "version": "1"}', ".json")
    assert not text.TEXT_READER.sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00word/", ".txt")


# --- one rule for titles across readers -----------------------------------------------------------

QUESTION = "What is prediabetes?"
ANSWER = (
    "Prediabetes is a condition in which blood sugar is higher than normal but not yet high enough to be "
    "type 2 diabetes. Lifestyle change programs lower the risk."
)


def _as_format(fmt: str, tmp_path: Path, question: str = QUESTION) -> tuple[Path, bytes]:
    """Return a file of the given format whose first line is the question and whose text is the answer."""
    if fmt == "text (blank line)":
        return tmp_path / "a.txt", f"{question}\n\n{ANSWER}\n".encode()
    if fmt == "text (no blank line)":
        return tmp_path / "b.txt", f"{question}\n{ANSWER}\n".encode()
    if fmt == "markdown":
        return tmp_path / "c.md", f"{question}\n\n{ANSWER}\n".encode()
    if fmt == "html":
        return tmp_path / "d.html", f"<html><body><h1>{question}</h1><p>{ANSWER}</p></body></html>".encode()
    if fmt == "docx":
        import docx

        document = docx.Document()
        document.add_paragraph(question)
        document.add_paragraph(ANSWER)
        out = io.BytesIO()
        document.save(out)
        return tmp_path / "e.docx", out.getvalue()
    html = f"""<html><head><style>h1 {{ font-size: 18pt }} p {{ font-size: 9pt }}</style></head>
    <body><h1>{question}</h1><p>{ANSWER}</p><p>{ANSWER}</p></body></html>"""
    path = _write_pdf(tmp_path / "f.pdf", html)
    return path, path.read_bytes()


FORMATS = ["text (blank line)", "text (no blank line)", "markdown", "html", "docx", "pdf"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_first_line_that_reads_as_a_title_is_the_title_in_every_format(
    fmt: str, tmp_path: Path, settings: Settings
) -> None:
    from researchdesk.ingest.readers import reader_for

    path, data = _as_format(fmt, tmp_path)
    if fmt != "pdf":
        path.write_bytes(data)
    result = reader_for(path, data).read(path, data, settings)
    assert result.meta.title == QUESTION, fmt
    assert "Prediabetes is a condition" in " ".join(b.text for b in result.blocks)


# A title followed by the other names of its subject: 32 words and 271 characters in all, beyond the
# length of a title, but its title proper ("What is prediabetes?") is short.
ALSO_CALLED = (
    "What is prediabetes? (Also called: impaired fasting glucose; impaired glucose tolerance; "
    "borderline diabetes; intermediate hyperglycaemia; non-diabetic hyperglycaemia; pre-diabetes "
    "(adults and children); elevated blood sugar - fasting; elevated blood sugar - after meals)"
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bracketed_aside_closing_a_title_does_not_count_toward_its_length(
    fmt: str, tmp_path: Path, settings: Settings
) -> None:
    from researchdesk.ingest.readers import reader_for

    assert len(ALSO_CALLED.split()) > TITLE_WORDS and len(ALSO_CALLED) > TITLE_CHARS
    path, data = _as_format(fmt, tmp_path, ALSO_CALLED)
    if fmt != "pdf":
        path.write_bytes(data)
    result = reader_for(path, data).read(path, data, settings)
    assert result.meta.title == ALSO_CALLED, fmt


def test_an_aside_does_not_make_a_sentence_or_a_long_line_a_title() -> None:
    assert without_aside(ALSO_CALLED) == "What is prediabetes?"
    assert without_aside("Plans (a (nested) note)") == "Plans"
    assert without_aside("(Draft)") == "(Draft)" and without_aside("a note)") == "a note)"
    long_main = " ".join(["word"] * (TITLE_WORDS + 1))
    for line in (
        "The council met twice in 2023. (See the minutes for details)",  # a sentence, then an aside
        f"{long_main} (a short aside)",  # the title proper is too long
        f"What is prediabetes? ({'other name; ' * (ASIDE_CHARS // 10)})",  # the whole line is too long
    ):
        assert not reads_as_title(line), line
    assert reads_as_title("Heat action plans [a review of 40 cities]")


def test_a_wrapped_first_line_is_not_a_title(tmp_path: Path, settings: Settings) -> None:
    wrapped = "This report describes how the county health\ndepartment changed its food contracts.\n"
    result = text.TEXT_READER.read(tmp_path / "w.txt", wrapped.encode(), settings)
    assert result.meta.title == ""
    for line in ("Results.", "https://example.org/report", "Jane Doe, PhD, MPH; John Roe, MS", "12/03/2024"):
        assert not reads_as_title(line), line
