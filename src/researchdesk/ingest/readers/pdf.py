"""Reader for PDF files with pypdfium2 (PDFium): text by page, paragraphs rebuilt from line geometry.

PDFium gives the text of a page in content order with a line break after every line. Each line is measured
(position, font size, boldness) from PDFium's character boxes, and lines are grouped into paragraphs by
vertical gaps larger than the document's usual line spacing, first-line indentation, a short line ending a
sentence, a change of font size or a bullet. Running headers, footers and page numbers (lines near the top
or bottom of most pages that repeat with only their digits changing) are dropped. Lines set larger than
the body text, and short bold lines standing alone, become headings.

This module reads the file and its metadata; the lines and running headers are ``pdf_lines.py``'s,
paragraphs ``pdf_paragraphs.py``'s and OCR of pages without text ``pdf_ocr.py``'s. PDFium is not
thread-safe, so all PDFium work holds one module-level lock.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from researchdesk.errors import CorruptFile, EmptyFile, EncryptedFile, ReadError
from researchdesk.ingest.metadata import clean_text, guess_language, normalize_date, normalize_doi
from researchdesk.ingest.readers.pdf_lines import PDFIUM_LOCK, Line, drop_running_lines, page_lines
from researchdesk.ingest.readers.pdf_ocr import ocr_blank_pages
from researchdesk.ingest.readers.pdf_paragraphs import Layout, blocks_of, layout_of
from researchdesk.ingest.titles import reads_as_title
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult
from researchdesk.settings import Settings

# Pages read at most, whatever the settings: a guard against pathological files.
MAX_PAGES = 2000
_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD

_LABELLED_DOI = re.compile(r"(?:\bdoi\s*:?\s*|doi\.org/)(10\.\d{4,9}/\S+)", re.IGNORECASE)
_JUNK_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel) - |untitled|document\d*$|title$|slide \d+$|layout \d+$|"
    r"powerpoint presentation$|presentation\d*$|pdf$|print$|\d+$)",
    re.IGNORECASE,
)
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|pptx?|xlsx?|indd|qxp|tex|dvi|ps|rtf|odt|txt|html?)$", re.IGNORECASE)
_JUNK_AUTHORS = {"", "author", "user", "administrator", "admin", "owner", "unknown", "windows user"}


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


def _title_from_first_page(blocks: list[tuple[Block, list[Line]]], layout: Layout) -> str:
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


def _doi(blocks: list[tuple[Block, list[Line]]]) -> str:
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
        with PDFIUM_LOCK:
            pages, info, total, warnings = self._extract(path, data)
        ocr_info: dict[str, Any] = {}
        blank = [i for i, lines in enumerate(pages) if not lines]
        if blank and settings.ocr:
            ocr_info = ocr_blank_pages(path, data, pages, blank, settings, warnings)
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
        pages = drop_running_lines(pages)
        layout = layout_of(pages)
        blocks = blocks_of(pages, layout)
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

    def _extract(self, path: Path, data: bytes) -> tuple[list[list[Line]], dict[str, Any], int, list[str]]:
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
            pages: list[list[Line]] = []
            failed: list[int] = []
            for index in range(min(total, MAX_PAGES)):
                try:
                    page = document[index]
                    try:
                        textpage = page.get_textpage()
                        try:
                            pages.append(page_lines(textpage, index + 1))
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


READER = PdfReader()
