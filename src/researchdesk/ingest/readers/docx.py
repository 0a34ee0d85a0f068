"""Reader for Word documents (.docx) with python-docx, behind a zip-bomb guard.

Paragraph styles give the structure: "Title" and "Heading N" become headings, list styles and numbered
paragraphs list items. Tables become one TABLE_ROW block per row ("cell | cell"), labelled by the table's
own labels (see :func:`_table_blocks`). Core properties give title, authors, date and language; the values
python-docx's blank template carries ("python-docx", 2013-12-23) are not taken as the document's.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from researchdesk.errors import CorruptFile, EmptyFile, TooLarge
from researchdesk.ingest.metadata import clean_text, guess_language, normalize_date
from researchdesk.ingest.titles import reads_as_title
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult
from researchdesk.settings import Settings

# A member that expands more than this many times its compressed size is a zip bomb, not a document.
MAX_COMPRESSION_RATIO = 200
# Small members (styles, settings) may legitimately compress very well; the ratio check skips them.
_RATIO_MIN_BYTES = 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
# Values of python-docx's default template: not a real author or creation date.
_TEMPLATE_AUTHORS = {"python-docx", "python docx"}
_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15)
# Column headers that describe a cell's role, not a category of the row ("Facilitator | Description").
_GENERIC_COLUMNS = {
    "description",
    "details",
    "detail",
    "example",
    "examples",
    "quote",
    "quotes",
    "explanation",
    "definition",
    "notes",
    "note",
    "comments",
    "evidence",
    "summary",
    "text",
    "illustrative quote",
    "representative quote",
    "value",
    "values",
    "n",
    "%",
    "total",
    "source",
    "sources",
}
_JUNK_AUTHORS = {"", "author", "user", "administrator", "admin", "owner", "unknown"}


def check_zip(path: Path, data: bytes, settings: Settings) -> None:
    """Return None when ``data`` is a zip safe to open; raise ``CorruptFile`` or ``TooLarge`` otherwise.

    The sizes checked are the ones the zip declares; Python's zipfile never inflates a member beyond
    its declared size (and fails its CRC check if the data disagrees), so the declared sizes bound the work.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CorruptFile(
            path,
            "the file is not a valid DOCX (it is not a zip archive, or the archive is damaged)",
            "Open it in Word or LibreOffice, save it again as .docx, and ingest it again.",
        ) from exc
    with archive:
        members = archive.infolist()
    limit = settings.max_unpacked_mb * 1024 * 1024
    total = sum(m.file_size for m in members)
    if total > limit:
        raise TooLarge(
            path,
            f"the DOCX unpacks to {total / 1024 / 1024:.0f} MB, "
            f"over the {settings.max_unpacked_mb:g} MB limit",
            "Check the file (it may be a zip bomb); if it is genuine, raise RESEARCHDESK_MAX_UNPACKED_MB.",
        )
    for member in members:
        if member.file_size < _RATIO_MIN_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise CorruptFile(
                path,
                f"the DOCX member {member.filename!r} expands {ratio:.0f} times (a zip bomb, not a document)",
                "Do not open this file; ask its sender for a clean copy.",
            )
    if "word/document.xml" not in {m.filename for m in members}:
        raise CorruptFile(
            path,
            "the zip archive holds no Word document (word/document.xml is missing)",
            "Save the document from Word or LibreOffice as .docx and ingest it again.",
        )


def _body_elements(parent: Any) -> Iterator[Any]:
    """Yield the paragraphs and tables of the body in order, looking inside content controls."""
    for child in parent.iterchildren():
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _body_elements(content)


def _style_name(paragraph: Any) -> str:
    try:
        return str(paragraph.style.name or "") if paragraph.style is not None else ""
    except (KeyError, ValueError):  # a style id missing from styles.xml
        return ""


def _outline_level(p_element: Any) -> int:
    """Return the paragraph's own outline level as a heading level (1-9), or 0."""
    found = p_element.xpath("./w:pPr/w:outlineLvl/@w:val")
    if found and str(found[0]).isdigit() and int(found[0]) < 9:
        return int(found[0]) + 1
    return 0


def _paragraph_block(paragraph: Any) -> Block | None:
    text = clean_text(paragraph.text)
    if not text:
        return None
    style = _style_name(paragraph)
    heading = _HEADING.match(style)
    if heading:
        return Block(text, BlockKind.HEADING, level=int(heading.group(1)))
    if style.lower() in ("title",):
        return Block(text, BlockKind.HEADING, level=1)
    level = _outline_level(paragraph._p)
    if level:
        return Block(text, BlockKind.HEADING, level=level)
    if style.lower().startswith("list") or paragraph._p.xpath("./w:pPr/w:numPr"):
        return Block(text, BlockKind.LIST_ITEM)
    if style.lower() == "caption":
        return Block(text, BlockKind.CAPTION)
    return Block(text)


# --- tables ---------------------------------------------------------------------------------------


def _cell_text(tc: Any) -> str:
    parts = []
    for p in tc.iter(f"{_W}p"):
        text = "".join(t.text or "" for t in p.iter(f"{_W}t"))
        if text.strip():
            parts.append(text)
    return clean_text(" ".join(parts))


def _cell_bold(tc: Any) -> bool:
    runs = [r for r in tc.iter(f"{_W}r") if "".join(t.text or "" for t in r.iter(f"{_W}t")).strip()]
    if not runs:
        return False
    for run in runs:
        flag = run.find(f"{_W}rPr/{_W}b")
        if flag is None or flag.get(f"{_W}val") in ("0", "false", "off"):
            return False
    return True


def _table_grid(tbl: Any) -> list[tuple[list[str], bool, bool, bool]]:
    """Return per row: the text of each grid column, whether the row is one merged cell, whether it looks
    like a header, and whether its first cell is part of a vertical merge (a row-group label).

    Horizontally merged cells fill every column they span; vertically merged continuation cells repeat
    the text of the cell above.
    """
    rows: list[tuple[list[str], bool, bool, bool]] = []
    above: dict[int, str] = {}
    for tr in tbl.iterchildren(f"{_W}tr"):
        texts: list[str] = []
        first_merged = False
        cells = list(tr.iterchildren(f"{_W}tc"))
        bold = bool(cells) and all(_cell_bold(tc) for tc in cells if _cell_text(tc))
        marked_header = bool(tr.xpath("./w:trPr/w:tblHeader"))
        for tc in cells:
            span_values = tc.xpath("./w:tcPr/w:gridSpan/@w:val")
            span = int(span_values[0]) if span_values and str(span_values[0]).isdigit() else 1
            merge = tc.xpath("./w:tcPr/w:vMerge")
            column = len(texts)
            if column == 0 and merge:
                first_merged = True
            if merge and merge[0].get(f"{_W}val") in (None, "continue"):
                text = above.get(column, "")
            else:
                text = _cell_text(tc)
            for offset in range(max(span, 1)):
                above[column + offset] = text
            texts.extend([text] * max(span, 1))
        single = len(cells) == 1 and len(texts) > 1
        rows.append((texts, single, marked_header or bold, first_merged))
    return rows


def _distinct(texts: list[str]) -> list[tuple[int, str]]:
    """Return (column, text) of the non-empty cells, a horizontally merged cell once."""
    out: list[tuple[int, str]] = []
    previous = ""
    for column, text in enumerate(texts):
        if text and text != previous:
            out.append((column, text))
        previous = text
    return out


def _is_header(texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    return bool(filled) and all(len(t) <= 80 and len(t.split()) <= 10 for t in filled)


def _table_blocks(tbl: Any) -> list[Block]:
    """Return a table's rows as TABLE_ROW blocks labelled by the table's own labels.

    The first row (or a row Word marks as a header, or an all-bold row of short cells) is the header.
    A row with one merged cell (or only a short first cell) opens a row group: its text labels the rows
    below it ("Barriers"); a first-column cell merged down several rows labels those rows the same way.
    Otherwise a row's label is the header of its only filled column, or the first header cell when the
    first column holds short row headings (a "Facilitator | Description" table).
    When the header names categories ("Barriers | Facilitators") and a row fills several of them with
    phrases, each filled cell becomes its own block labelled by its column header.
    """
    grid = _table_grid(tbl)
    if not grid:
        return []
    width = max(len(row[0]) for row in grid)
    blocks: list[Block] = []
    header: list[str] = []
    group = ""
    for number, (texts, single, header_like, first_merged) in enumerate(grid):
        cells = _distinct(texts)
        if not cells:
            continue
        joined = " | ".join(text for _, text in cells)
        if width > 1 and (
            (number == 0 and len(grid) > 1 and _is_header(texts) and len(cells) > 1 and not first_merged)
            or (number > 0 and header_like and len(cells) > 1 and _is_header(texts))
        ):
            header, group = texts + [""] * (width - len(texts)), ""
            blocks.append(Block(joined, BlockKind.TABLE_ROW))
            continue
        only_first = len(cells) == 1 and cells[0][0] == 0 and len(cells[0][1].split()) <= 8
        if width > 1 and (single or (only_first and not header) or (only_first and header_like)):
            group = cells[0][1]
            blocks.append(Block(joined, BlockKind.TABLE_ROW, label=group))
            continue
        if first_merged and len(cells) > 1 and cells[0][0] == 0:
            rest = " | ".join(text for _, text in cells[1:])
            blocks.append(Block(rest, BlockKind.TABLE_ROW, label=cells[0][1]))
            continue
        if group:
            blocks.append(Block(joined, BlockKind.TABLE_ROW, label=group))
            continue
        if header and len(cells) == 1 and header[cells[0][0]]:
            blocks.append(Block(joined, BlockKind.TABLE_ROW, label=header[cells[0][0]]))
            continue
        categories = (
            header
            and width <= 4
            and all(h and len(h.split()) <= 3 and h.lower() not in _GENERIC_COLUMNS for h in header)
        )
        if (
            categories
            and len(cells) > 1
            and all(len(t.split()) >= 2 and not re.fullmatch(r"[\d\s.,%()±-]+", t) for _, t in cells)
        ):
            blocks.extend(Block(t, BlockKind.TABLE_ROW, label=header[c]) for c, t in cells)
            continue
        first_is_heading = (
            header
            and header[0]
            and cells[0][0] == 0
            and len(cells) > 1
            and len(cells[0][1].split()) <= 12
            and len(cells[0][1]) * 1.5 <= max(len(t) for _, t in cells[1:])
        )
        if first_is_heading:
            blocks.append(Block(joined, BlockKind.TABLE_ROW, label=header[0]))
            continue
        blocks.append(Block(joined, BlockKind.TABLE_ROW))
    return blocks


# --- metadata -------------------------------------------------------------------------------------


def _authors(value: str) -> list[str]:
    value = clean_text(value)
    if value.lower() in _JUNK_AUTHORS or value.lower() in _TEMPLATE_AUTHORS:
        return []
    parts = [clean_text(p) for p in re.split(r";", value)]
    return [p for p in parts if p and p.lower() not in _JUNK_AUTHORS]


def _junk_title(title: str, path: Path) -> bool:
    lowered = title.lower().strip()
    return (
        len(lowered) < 3
        or lowered in ("untitled", "document", "title", "microsoft word document")
        or lowered.startswith("microsoft word - ")
        or lowered == path.stem.lower()
        or bool(re.search(r"\.(docx?|pdf|rtf|odt|dotx?)$", lowered))
    )


def _meta(document: Any, blocks: list[Block], path: Path) -> DocumentMeta:
    props = document.core_properties
    title = clean_text(props.title or "")
    if title and _junk_title(title, path):
        title = ""
    if not title:
        styled = [
            clean_text(p.text)
            for p in document.paragraphs[:20]
            if _style_name(p).lower() == "title" and clean_text(p.text)
        ]
        title = styled[0] if styled else ""
    if not title:
        # The same rule as every reader: a first paragraph that reads as a title and heads more text.
        first = next((b for b in blocks if b.text.strip()), None)
        if first is not None and len(blocks) > 1 and "\n" not in first.text and reads_as_title(first.text):
            title = clean_text(first.text)
    author_value = props.author or ""
    created = props.created
    date = ""
    # Files made from python-docx's template keep its creation stamp unless the maker sets one.
    if created is not None and created.replace(tzinfo=None) != _TEMPLATE_CREATED:
        date = normalize_date(created.isoformat())
    language = clean_text(props.language or "")
    if not language:
        language = guess_language(" ".join(b.text for b in blocks[:200]))
    return DocumentMeta(
        title=title,
        authors=_authors(author_value),
        date=date,
        language=language,
        keywords=[k for k in (clean_text(x) for x in re.split(r"[;,]", props.keywords or "")) if k],
    )


class DocxReader:
    """Word .docx documents: headings, list items, paragraphs and labelled table rows, in body order."""

    format = "docx"
    extensions: tuple[str, ...] = (".docx",)

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True for a zip whose first entries belong to a Word document."""
        if not head.startswith(b"PK\x03\x04"):
            return False
        if b"word/" in head:
            return True
        # The Word part may start beyond the first 8 KiB; a generic OOXML zip named .docx is still one.
        return b"[Content_Types].xml" in head and suffix in self.extensions

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the document's blocks in body order and its core-property metadata."""
        if not data:
            raise EmptyFile(path, "the DOCX file is empty (0 bytes)", "Check that it is the file you meant.")
        check_zip(path, data, settings)
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        try:
            document = docx.Document(io.BytesIO(data))
        except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on damaged parts
            raise CorruptFile(
                path,
                f"the DOCX cannot be opened ({type(exc).__name__}: {exc})",
                "Open it in Word or LibreOffice, save it again as .docx, and ingest it again.",
            ) from exc
        blocks: list[Block] = []
        body = document.element.body
        for element in _body_elements(body):
            if element.tag == f"{_W}p":
                block = _paragraph_block(Paragraph(element, document._body))
                if block is not None:
                    blocks.append(block)
            else:
                blocks.extend(_table_blocks(Table(element, document._body)._tbl))
        if not blocks:
            raise EmptyFile(
                path,
                "the DOCX holds no text",
                "If its content is in images, export it to PDF, run OCR (e.g. ocrmypdf) and ingest the PDF.",
            )
        return ReadResult(meta=_meta(document, blocks, path), blocks=blocks, format=self.format)


READER = DocxReader()
