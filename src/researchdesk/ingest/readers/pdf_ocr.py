"""OCR of a PDF's pages that have no text layer (Tesseract), page by page with progress, in place of their lines."""

from __future__ import annotations

import io
import os
import statistics
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from researchdesk.errors import EmptyFile, TooLarge
from researchdesk.ingest import progress
from researchdesk.ingest.readers.pdf_lines import PDFIUM_LOCK, Line
from researchdesk.settings import Settings


def ocr_blank_pages(
    path: Path,
    data: bytes,
    pages: list[list[Line]],
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
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(data)

    def read_page(index: int) -> tuple[int, float, ocr.OcrPage]:
        with PDFIUM_LOCK:  # PDFium is not thread-safe: one page is rendered at a time
            try:
                page = document[index]
            except pdfium.PdfiumError:  # a damaged page: reported with the pages OCR could not read
                return index, 0.0, ocr.OcrPage([], 0.0, 0, 0)
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
        with PDFIUM_LOCK:
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
            Line(
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
