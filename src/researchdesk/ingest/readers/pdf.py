"""Reader for PDF files with pypdfium2 (PDFium): text by page, paragraphs rebuilt from line geometry.

PDFium gives the text of a page in content order with a line break after every line. Each line is measured
(position, font size, boldness) from PDFium's character boxes, and lines are grouped into paragraphs by
vertical gaps larger than the document's usual line spacing, first-line indentation, a short line ending a
sentence, a change of font size or a bullet. Running headers, footers and page numbers (lines near the top
or bottom of most pages that repeat with only their digits changing) are dropped. Lines set larger than
the body text, and short bold lines standing alone, become headings.

PDFium is not thread-safe, so all PDFium work holds one module-level lock.
"""

from __future__ import annotations

import ctypes
import io
import itertools
import os
import re
import statistics
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from researchdesk.errors import CorruptFile, EmptyFile, EncryptedFile, ReadError, TooLarge
from researchdesk.ingest import progress
from researchdesk.ingest.metadata import clean_text, guess_language, normalize_date, normalize_doi
from researchdesk.ingest.readers.text import join_lines, vocabulary
from researchdesk.ingest.titles import reads_as_title
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult
from researchdesk.settings import Settings

# Pages read at most, whatever the settings: a guard against pathological files.
MAX_PAGES = 2000
_PDFIUM_LOCK = threading.Lock()
_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD

_TERMINAL = tuple('.?!:;"”’)')
_BULLET = re.compile(r"^(?:[•▪◦‣●○■□–\-*]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+\S")
_LABELLED_DOI = re.compile(r"(?:\bdoi\s*:?\s*|doi\.org/)(10\.\d{4,9}/\S+)", re.IGNORECASE)
_JUNK_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel) - |untitled|document\d*$|title$|slide \d+$|layout \d+$|"
    r"powerpoint presentation$|presentation\d*$|pdf$|print$|\d+$)",
    re.IGNORECASE,
)
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|pptx?|xlsx?|indd|qxp|tex|dvi|ps|rtf|odt|txt|html?)$", re.IGNORECASE)
_JUNK_AUTHORS = {"", "author", "user", "administrator", "admin", "owner", "unknown", "windows user"}


@dataclass
class _Line:
    """One text line as PDFium laid it out (PDF coordinates: y grows upwards)."""

    text: str
    page: int
    left: float
    right: float
    top: float
    bottom: float
    size: float
    bold: bool

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 0.1)


# --- extraction -----------------------------------------------------------------------------------


def _font_name(raw_textpage: Any, index: int) -> str:
    import pypdfium2.raw as pdfium_c

    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    length = pdfium_c.FPDFText_GetFontInfo(raw_textpage, index, buffer, 128, ctypes.byref(flags))
    return buffer.value.decode("latin-1", errors="replace") if length else ""


def _is_bold(raw_textpage: Any, index: int) -> bool:
    import pypdfium2.raw as pdfium_c

    if pdfium_c.FPDFText_GetFontWeight(raw_textpage, index) >= 600:
        return True
    name = _font_name(raw_textpage, index).lower()
    return any(mark in name for mark in ("bold", "black", "heavy", "semibold", "demi"))


def _page_lines(textpage: Any, page_number: int) -> list[_Line]:
    """Return the page's lines in content order with their geometry and font size."""
    import pypdfium2.raw as pdfium_c

    text = textpage.get_text_range()
    if not text.strip():
        return []
    count = textpage.count_chars()
    # PDFium counts UTF-16 code units; a character outside the BMP is one Python character but two units.
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]

    def unit(index: int) -> int:
        shift = sum(1 for a in astral if a < index) if astral else 0
        return min(index + shift, count - 1)

    raw = textpage.raw
    lines: list[_Line] = []
    # PDFium turns a hyphen that ends a line into U+FFFE and joins the two lines itself; split them again
    # and put the hyphen back, so that join_lines decides between "collab-oration" and "cross-sector".
    for match in re.finditer(r"[^\r\n\ufffe]+\ufffe?", text):
        line_text = match.group(0).replace("\ufffe", "-")
        stripped = line_text.strip()
        # A list marker drawn on its own (CSS list markers come out like this) carries no text.
        if not stripped or re.fullmatch(r"[•▪◦‣●○■□·\s]+", stripped):
            continue
        first = match.start() + (len(line_text) - len(line_text.lstrip()))
        last = match.start() + len(line_text.rstrip()) - 1
        middle = (first + last) // 2
        i_first, i_middle, i_last = unit(first), unit(middle), unit(last)
        left, bottom_a, _, top_a = textpage.get_charbox(i_first, loose=True)
        _, bottom_b, right, top_b = textpage.get_charbox(i_last, loose=True)
        sizes = sorted(pdfium_c.FPDFText_GetFontSize(raw, i) for i in (i_first, i_middle, i_last))
        lines.append(
            _Line(
                text=stripped,
                page=page_number,
                left=left,
                right=max(right, left),
                top=max(top_a, top_b),
                bottom=min(bottom_a, bottom_b),
                size=round(sizes[1], 1),
                bold=_is_bold(raw, i_first) and _is_bold(raw, i_middle),
            )
        )
    return lines


# --- running headers and footers ------------------------------------------------------------------


def _shape(line: _Line) -> tuple[str, int]:
    """Return a line's shape: lower-case text with digit runs as '#' ("Page 3" matches "Page 12") and its
    height on the page in 6-point steps (running heads sit at a fixed place)."""
    return re.sub(r"\d+", "#", " ".join(line.text.lower().split())), round(line.top / 6)


def _edge(lines: list[_Line]) -> list[_Line]:
    """Return the lines in the page's top and bottom margins: up to two lines set apart from the body by a
    gap wider than a line (a body line that merely opens or closes a page is not in a margin)."""
    ordered = sorted(lines, key=lambda line: -line.top)

    def apart(upper: _Line, lower: _Line) -> bool:
        return upper.bottom - lower.top > 0.8 * max(upper.height, lower.height)

    edge: list[_Line] = []
    for size in (1, 2):
        if len(ordered) > size and apart(ordered[size - 1], ordered[size]):
            edge.extend(ordered[:size])
            break
    for size in (1, 2):
        if len(ordered) > size + len(edge) and apart(ordered[-size - 1], ordered[-size]):
            edge.extend(ordered[-size:])
            break
    return edge


_PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:#|[ivxlc]+)(?:\s*(?:of|/)\s*#)?$|^[-–—]\s*#\s*[-–—]$")


def _numbers_track_pages(lines: list[_Line]) -> bool:
    """Return True when every number in these same-shaped lines is constant or moves with the page number
    (a running head's page number does; section numbers of headings that happen to share a place do not)."""
    numbers = [[int(n) for n in re.findall(r"\d+", line.text)] for line in lines]
    if len({len(n) for n in numbers}) != 1:
        return False
    for position in range(len(numbers[0])):
        values = [n[position] for n in numbers]
        offsets = {v - line.page for v, line in zip(values, lines, strict=True)}
        if len(set(values)) > 1 and len(offsets) > 1:
            return False
    return True


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Return the pages without running heads and page numbers.

    A running head is a line in the top or bottom margin of a page that recurs at the same place, its
    numbers constant or following the page number: on both pages of a 2-page file, on 2 pages of a 3- or
    4-page one, on 3 pages of a longer one, or on 2 pages as the very first or last line (a chapter's
    running head may span few pages). A bare page number ("12", "Page 3 of 9", "iv") in a margin is
    dropped when such numbers appear on at least two pages.
    """
    with_text = [p for p in pages if p]
    if len(with_text) < 2:
        return pages
    edges = [_edge(lines) for lines in pages]
    groups: dict[tuple[str, int], list[_Line]] = {}
    for edge in edges:
        for line in edge:
            groups.setdefault(_shape(line), []).append(line)
    needed = 2 if len(with_text) <= 4 else 3
    extremes = {
        id(line)
        for lines in pages
        if lines
        for line in (max(lines, key=lambda x: x.top), min(lines, key=lambda x: x.top))
    }
    running: set[int] = set()
    for group in groups.values():
        page_count = len({line.page for line in group})
        extreme_pages = len({line.page for line in group if id(line) in extremes})
        if (page_count >= needed or extreme_pages >= 2) and _numbers_track_pages(group):
            running.update(id(line) for line in group)
    numbered_pages = sum(1 for edge in edges if any(_PAGE_NUMBER.match(_shape(line)[0]) for line in edge))
    drop_numbers = numbered_pages >= 2
    kept: list[list[_Line]] = []
    for lines, edge in zip(pages, edges, strict=True):
        dropped = {
            id(line)
            for line in edge
            if id(line) in running or (drop_numbers and _PAGE_NUMBER.match(_shape(line)[0]))
        }
        kept.append([line for line in lines if id(line) not in dropped])
    return kept


# --- paragraphs -----------------------------------------------------------------------------------


@dataclass
class _Layout:
    body_size: float
    usual_gap: float
    heading_sizes: list[float]


def _layout(pages: list[list[_Line]]) -> _Layout:
    """Return the body font size (by characters), the usual gap between lines and larger sizes in use."""
    weights: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            weights[line.size] += len(line.text)
    body = weights.most_common(1)[0][0] if weights else 10.0
    gaps = [
        prev.bottom - cur.top
        for lines in pages
        for prev, cur in itertools.pairwise(lines)
        if prev.size == body == cur.size and -0.5 * prev.height < prev.bottom - cur.top < 3 * prev.height
    ]
    usual = statistics.median(gaps) if gaps else 0.0
    larger = sorted(
        {line.size for lines in pages for line in lines if line.size >= body * 1.15}, reverse=True
    )
    return _Layout(body_size=body, usual_gap=usual, heading_sizes=larger)


def _continues_across(prev: _Line, cur: _Line) -> bool:
    """Return True when ``cur`` (a new page or column) carries on ``prev``'s unfinished sentence."""
    return not prev.text.endswith(_TERMINAL) and cur.text[:1].islower() and abs(prev.size - cur.size) < 0.5


def _starts_block(block: list[_Line], cur: _Line, layout: _Layout) -> bool:
    """Return True when ``cur`` begins a new paragraph instead of continuing ``block``."""
    if not block:
        return True
    prev = block[-1]
    if prev.page != cur.page:
        return not _continues_across(prev, cur)
    if abs(prev.size - cur.size) > 0.15 * max(prev.size, cur.size):
        return True
    if _BULLET.match(cur.text):
        return True
    gap = prev.bottom - cur.top
    if gap < -0.5 * prev.height or gap > 3 * prev.height + layout.usual_gap:
        # A jump up (next column) or far down: only an unfinished sentence carries over.
        return not _continues_across(prev, cur)
    if gap > layout.usual_gap + 0.4 * prev.height:
        return True
    if not _BULLET.match(block[0].text) and cur.left - prev.left > 0.8 * cur.size:
        return True
    right = max(line.right for line in [*block, cur])
    left = min(line.left for line in [*block, cur])
    short = prev.right < right - max(0.12 * (right - left), 3 * prev.size)
    if short and prev.text.endswith(_TERMINAL):
        return True
    return prev.bold != cur.bold and short


def _heading_level(block: list[_Line], layout: _Layout) -> int:
    """Return the heading level of a block of lines, or 0 when it is body text."""
    text = " ".join(line.text for line in block)
    words = len(text.split())
    sizes = {line.size for line in block}
    if len(sizes) == 1 and block[0].size in layout.heading_sizes and words <= 30 and len(text) <= 250:
        return min(layout.heading_sizes.index(block[0].size) + 1, 6)
    if (
        all(line.bold for line in block)
        and len(block) <= 2
        and words <= 15
        and not text.endswith((".", ",", ";"))
        and abs(block[0].size - layout.body_size) < 0.5
    ):
        return min(len(layout.heading_sizes) + 1, 6)
    return 0


def _blocks(pages: list[list[_Line]], layout: _Layout) -> list[tuple[Block, list[_Line]]]:
    """Return the paragraphs, list items and headings with the lines each came from."""
    vocab = vocabulary(line.text for lines in pages for line in lines)
    groups: list[list[_Line]] = []
    current: list[_Line] = []
    for lines in pages:
        for line in lines:
            if _starts_block(current, line, layout) and current:
                groups.append(current)
                current = []
            current.append(line)
    if current:
        groups.append(current)
    out: list[tuple[Block, list[_Line]]] = []
    for group in groups:
        text = join_lines([line.text for line in group], vocab)
        if not text:
            continue
        level = _heading_level(group, layout)
        if level:
            out.append((Block(text, BlockKind.HEADING, page=group[0].page, level=level), group))
        elif _BULLET.match(group[0].text):
            item = re.sub(r"^(?:[•▪◦‣●○■□–\-*])\s+", "", text)
            out.append((Block(item, BlockKind.LIST_ITEM, page=group[0].page), group))
        else:
            out.append((Block(text, page=group[0].page), group))
    return out


# --- metadata -------------------------------------------------------------------------------------


def _clean_info(value: object) -> str:
    return clean_text(str(value or "")).replace("\x00", "")


def _usable_title(title: str, path: Path) -> bool:
    if len(title) < 3 or not re.search(r"[^\W\d_]", title):
        return False
    if _JUNK_TITLE.match(title) or _FILE_NAME.search(title) or title.lower() == path.stem.lower():
        return False
    # "final_report_v2": a file name without its extension.
    return not (" " not in title and ("_" in title or len(title) > 40))


def _authors(value: str) -> list[str]:
    if value.lower() in _JUNK_AUTHORS:
        return []
    if ";" in value:
        parts = value.split(";")
    elif "," in value and all(len(p.split()) >= 2 for p in value.split(",")):
        parts = value.split(",")  # "Jane Doe, John Smith"; "Doe, Jane" stays one name
    else:
        parts = re.split(r"\s+(?:and|&)\s+", value)
    return [clean_text(p) for p in parts if clean_text(p) and clean_text(p).lower() not in _JUNK_AUTHORS]


def _title_from_first_page(blocks: list[tuple[Block, list[_Line]]], layout: _Layout) -> str:
    """Return the first page's largest heading when it is clearly larger than the body text, else ""."""
    first_page = [(b, lines) for b, lines in blocks if b.page == 1]
    if not first_page:
        return ""
    largest = max(line.size for _, lines in first_page for line in lines)
    if largest < layout.body_size * 1.2:
        return ""
    for block, lines in first_page:
        if block.kind is BlockKind.HEADING and lines[0].size == largest:
            return block.text if len(block.text.split()) >= 2 and reads_as_title(block.text) else ""
    return ""


def _doi(blocks: list[tuple[Block, list[_Line]]]) -> str:
    """Return the DOI printed on the first page (or labelled "doi" on the second), else ""."""
    first = " ".join(b.text for b, _ in blocks if b.page == 1)
    second = " ".join(b.text for b, _ in blocks if b.page == 2)
    for text in (first, second):
        labelled = _LABELLED_DOI.search(text)
        if labelled:
            return normalize_doi(labelled.group(1))
    return normalize_doi(first)


# --- the reader -----------------------------------------------------------------------------------


class PdfReader:
    """PDF files with a text layer (scanned PDFs need OCR first)."""

    format = "pdf"
    extensions: tuple[str, ...] = (".pdf",)

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True when the PDF signature appears in the first KiB (some writers put bytes before it)."""
        return b"%PDF-" in head[:1024]

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the PDF's blocks with 1-based page numbers and its metadata (info dict, then first page)."""
        if not data:
            raise EmptyFile(path, "the PDF file is empty (0 bytes)", "Check that it is the file you meant.")
        if b"%PDF-" not in data[:1024]:
            raise CorruptFile(
                path, "the file is not a PDF (no %PDF signature)", "Check the file and its extension."
            )
        if b"%%EOF" not in data[-2048:]:
            raise CorruptFile(
                path,
                "the PDF is truncated (its end-of-file marker is missing)",
                "Download or copy the file again in full and ingest it again.",
            )
        with _PDFIUM_LOCK:
            pages, info, total, warnings = self._extract(path, data)
        ocr_info: dict[str, Any] = {}
        blank = [i for i, lines in enumerate(pages) if not lines]
        if blank and settings.ocr:
            ocr_info = _ocr_blank_pages(path, data, pages, blank, settings, warnings)
        if not any(pages):
            if ocr_info:
                raise EmptyFile(
                    path,
                    "OCR found no readable text on any page (is it a photograph or a blank scan?)",
                    "Check the scan; rescan at 300 dpi or better and ingest it again.",
                )
            raise EmptyFile(
                path,
                "the PDF has no extractable text (it is probably scanned images)",
                "Turn OCR on (RESEARCHDESK_OCR=true, with Tesseract installed: `make ocr`) and ingest it again.",
            )
        still_blank = sum(1 for lines in pages if not lines)
        if still_blank and not ocr_info and still_blank >= max(2, len(pages) // 10):
            warnings.append(
                f"{still_blank} of {len(pages)} pages have no text (scanned?); OCR would recover them"
            )
        pages = _drop_running_lines(pages)
        layout = _layout(pages)
        blocks = _blocks(pages, layout)
        title = _clean_info(info.get("Title"))
        if not _usable_title(title, path):
            title = _title_from_first_page(blocks, layout)
        author = _clean_info(info.get("Author"))
        keywords = [
            k for k in (clean_text(x) for x in re.split(r"[;,]", _clean_info(info.get("Keywords")))) if k
        ]
        meta = DocumentMeta(
            title=title,
            authors=_authors(author),
            date=normalize_date(_clean_info(info.get("CreationDate"))),
            doi=_doi(blocks),
            language=guess_language(" ".join(b.text for b, _ in blocks[:300])),
            keywords=keywords,
        )
        return ReadResult(
            meta=meta,
            blocks=[b for b, _ in blocks],
            format=self.format,
            pages=total,
            warnings=warnings,
            ocr=ocr_info,
        )

    def _extract(self, path: Path, data: bytes) -> tuple[list[list[_Line]], dict[str, Any], int, list[str]]:
        """Return the lines of each page, the info dict, the page count and warnings (holding the lock)."""
        import pypdfium2 as pdfium

        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == _PASSWORD_ERROR:
                raise EncryptedFile(
                    path,
                    "the PDF is password protected",
                    "Decrypt it (e.g. `qpdf --decrypt --password=... in.pdf out.pdf`) and ingest it again.",
                ) from exc
            raise CorruptFile(
                path,
                f"the PDF is damaged and cannot be opened ({exc})",
                "Open it in a PDF viewer to check it, re-download or re-export it, and ingest it again.",
            ) from exc
        warnings: list[str] = []
        try:
            total = len(document)
            if total == 0:
                raise CorruptFile(path, "the PDF has no pages", "Re-export the document and ingest it again.")
            try:
                info = dict(document.get_metadata_dict(skip_empty=True))
            except pdfium.PdfiumError:
                info = {}
                warnings.append("the PDF's document information could not be read")
            if total > MAX_PAGES:
                warnings.append(f"only the first {MAX_PAGES} of {total} pages were read")
            pages: list[list[_Line]] = []
            failed: list[int] = []
            for index in range(min(total, MAX_PAGES)):
                try:
                    page = document[index]
                    try:
                        textpage = page.get_textpage()
                        try:
                            pages.append(_page_lines(textpage, index + 1))
                        finally:
                            textpage.close()
                    finally:
                        page.close()
                except pdfium.PdfiumError:
                    failed.append(index + 1)
                    pages.append([])
            if failed and len(failed) == len(pages):
                raise CorruptFile(
                    path,
                    "no page of the PDF could be read",
                    "Open it in a PDF viewer to check it, re-export it, and ingest it again.",
                )
            if failed:
                warnings.append(
                    f"pages {', '.join(map(str, failed[:10]))} could not be read and were skipped"
                )
            return pages, info, total, warnings
        except ReadError:
            raise
        except (pdfium.PdfiumError, OSError) as exc:  # a PDFium failure is a damaged file, not a crash
            raise CorruptFile(
                path,
                f"the PDF could not be read ({type(exc).__name__}: {exc})",
                "Open it in a PDF viewer to check it, re-export it, and ingest it again.",
            ) from exc
        finally:
            document.close()


def _ocr_blank_pages(
    path: Path,
    data: bytes,
    pages: list[list[_Line]],
    blank: list[int],
    settings: Settings,
    warnings: list[str],
) -> dict[str, Any]:
    """OCR the pages without a text layer in place; return {"engine", "pages": {page: confidence}}.

    A scan longer than ``settings.ocr_max_pages`` is refused whole (nothing half read is stored);
    without Tesseract the file is refused with the way to install it.
    """
    import pypdfium2 as pdfium

    from researchdesk.ingest import ocr

    if len(blank) > settings.ocr_max_pages:
        raise TooLarge(
            path,
            f"{len(blank)} pages have no text layer and need OCR, over the limit of {settings.ocr_max_pages}",
            "Split the scan into parts, or raise RESEARCHDESK_OCR_MAX_PAGES, and ingest it again.",
        )
    if not ocr.available():
        raise EmptyFile(
            path,
            f"{len(blank)} of {len(pages)} pages have no text layer and Tesseract OCR is not installed",
            "Install it (`make ocr`, or `apt-get install tesseract-ocr`) and ingest the file again.",
        )
    scale = settings.ocr_dpi / 72
    with _PDFIUM_LOCK:
        document = pdfium.PdfDocument(data)

    def read_page(index: int) -> tuple[int, float, ocr.OcrPage]:
        with _PDFIUM_LOCK:  # PDFium is not thread-safe: one page is rendered at a time
            page = document[index]
            try:
                height = page.get_height()
                image = page.render(scale=scale, grayscale=True).to_pil()
            finally:
                page.close()
        buffer = io.BytesIO()
        image.save(buffer, format="PPM")  # uncompressed: Tesseract reads it at once, nothing to encode
        return index, height, ocr.ocr_image(buffer.getvalue(), settings.ocr_language, path, settings.ocr_dpi)

    # Tesseract reads one page per core, each single-threaded (its own threads only contend on few cores);
    # pages are rendered as they are needed, so a long scan never holds more than a few images, and each
    # page read is reported (a 200-page scan takes minutes: the caller shows how far it is).
    workers = max(1, min(len(blank), os.cpu_count() or 1))
    read: list[tuple[int, float, ocr.OcrPage]] = []
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for done, page_read in enumerate(pool.map(read_page, blank), 1):
                read.append(page_read)
                progress.report(done, len(blank))
    finally:
        with _PDFIUM_LOCK:
            document.close()
    confidences: dict[str, float] = {}
    unreadable: list[int] = []
    for index, height, result in read:
        if result.confidence < ocr.MIN_PAGE_CONFIDENCE or not result.words:
            unreadable.append(index + 1)
            continue
        confidences[str(index + 1)] = result.confidence
        # One size for every OCR line of a page: box heights vary with ascenders and descenders, and a
        # size difference would be read as a heading.
        size = round(statistics.median(line.bottom - line.top for line in result.lines) / scale * 0.8, 1)
        pages[index] = [
            _Line(
                text=line.text,
                page=index + 1,
                left=line.left / scale,
                right=line.right / scale,
                top=height - line.top / scale,
                bottom=height - line.bottom / scale,
                size=size,
                bold=False,
            )
            for line in result.lines
        ]
    if unreadable:
        warnings.append(f"OCR found no readable text on pages {', '.join(map(str, unreadable[:10]))}")
    if confidences:
        warnings.append(
            f"{len(confidences)} page(s) read by OCR (mean confidence "
            f"{sum(confidences.values()) / len(confidences):.0f}%); check quotes against the page images"
        )
    return {"engine": ocr.version() or ocr.ENGINE, "language": settings.ocr_language, "pages": confidences}


READER = PdfReader()
