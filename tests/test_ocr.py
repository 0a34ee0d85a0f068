"""Scanned documents: pages without a text layer are read by a real Tesseract, page numbers and confidence kept."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from researchdesk.desk import Desk
from researchdesk.errors import EmptyFile, TooLarge
from researchdesk.ingest import ocr
from researchdesk.ingest.pipeline import ingest_file
from researchdesk.ingest.readers.pdf import READER as PDF_READER
from researchdesk.settings import Settings

pytestmark = pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed (run `make ocr`)")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
PAGES = [
    "Results. Coalition members said the largest barrier to local tobacco retail licensing was a lack of "
    "staff time in the health department, and that enforcement money ran out after the first year.",
    "Conclusions. Cities that engaged retailers early and explained the licensing fee passed ordinances "
    "faster than cities that did not, and youth advocates kept the issue in the local news.",
]


def page_image(text: str) -> Image.Image:
    """Return a clean 300 dpi letter page with ``text`` set in a serif font, as a scanner would give it."""
    font = ImageFont.truetype(FONT, 40) if Path(FONT).exists() else ImageFont.load_default(40)
    image = Image.new("L", (2550, 3300), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(textwrap.wrap(text, 70)):
        draw.text((250, 300 + 62 * i), line, font=font, fill=0)
    return image


def scanned_pdf(texts: list[str]) -> bytes:
    """Return an image-only PDF (no text layer), one page per text."""
    images = [page_image(t) for t in texts]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=300.0)
    return out.getvalue()


def words(text: str) -> list[str]:
    return [w.strip(".,;:").lower() for w in text.split() if w.strip(".,;:")]


def word_error_rate(truth: str, read: str) -> float:
    a, b = words(truth), words(read)
    row = list(range(len(b) + 1))
    for i, wa in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, wb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (wa != wb))
    return row[len(b)] / max(1, len(a))


def test_a_scanned_pdf_is_read_with_page_numbers_and_confidence(desk: Desk, tmp_path: Path) -> None:
    path = tmp_path / "minutes-scan.pdf"
    path.write_bytes(scanned_pdf(PAGES))
    [outcome] = ingest_file(desk, path)
    assert outcome.status == "added", outcome.reason
    doc = desk.store.get_document(outcome.document_id)
    pages = doc.extra["ocr"]["pages"]
    assert set(pages) == {"1", "2"} and all(c > 80 for c in pages.values())
    assert doc.extra["ocr"]["engine"].startswith("tesseract")
    for number, truth in enumerate(PAGES, 1):
        text = " ".join(p.text for p in desk.store.passages(doc.id) if p.page == number)
        assert word_error_rate(truth, text) <= 0.03, text
    assert any("read by OCR" in w for w in outcome.warnings)


def test_a_scanned_image_file_is_read(desk: Desk, tmp_path: Path) -> None:
    path = tmp_path / "agreement.png"
    page_image(PAGES[0]).save(path, dpi=(300, 300))
    [outcome] = ingest_file(desk, path)
    assert outcome.status == "added", outcome.reason
    doc = desk.store.get_document(outcome.document_id)
    assert doc.format == "image" and "tobacco retail licensing" in doc.text


def test_an_image_that_is_no_document_is_refused_clearly(desk: Desk, tmp_path: Path) -> None:
    noise = Image.effect_noise((1200, 900), 90).convert("L")
    path = tmp_path / "photo.png"
    noise.save(path)
    [outcome] = ingest_file(desk, path)
    assert outcome.status == "failed"
    assert "OCR found no readable text" in outcome.reason and outcome.hint
    tiny = tmp_path / "logo.png"
    Image.new("L", (120, 40), 255).save(tiny)
    [small] = ingest_file(desk, tiny)
    assert small.status == "failed" and "too small" in small.reason


def test_a_scan_longer_than_the_ocr_limit_is_refused_whole(tmp_path: Path) -> None:
    blank = Image.new("L", (850, 1100), 255)
    out = io.BytesIO()
    blank.save(out, format="PDF", save_all=True, append_images=[blank] * 4, resolution=100.0)
    with pytest.raises(TooLarge) as caught:
        PDF_READER.read(tmp_path / "long.pdf", out.getvalue(), Settings(home=tmp_path, ocr_max_pages=3))
    assert "5 pages" in caught.value.reason and "RESEARCHDESK_OCR_MAX_PAGES" in caught.value.hint


def test_without_ocr_a_scan_is_reported_not_stored_empty(tmp_path: Path) -> None:
    with pytest.raises(EmptyFile) as caught:
        PDF_READER.read(tmp_path / "scan.pdf", scanned_pdf(PAGES[:1]), Settings(home=tmp_path, ocr=False))
    assert "OCR" in caught.value.hint


def test_a_brief_quoting_an_ocr_page_says_so(tmp_path: Path) -> None:
    from conftest import make_desk
    from researchdesk.brief.service import draft
    from researchdesk.requests.scan import run_scan
    from researchdesk.requests.workflow import add_member, file_request

    desk = make_desk(tmp_path / "desk", embedder="none")
    path = tmp_path / "licensing-report-scan.pdf"
    path.write_bytes(scanned_pdf(PAGES))
    [outcome] = ingest_file(desk, path)
    assert outcome.status == "added", outcome.reason
    add_member(desk, "Scan City", "city")
    rid = file_request(
        desk, "Scan City", "What are the barriers to local tobacco retail licensing?", who="ana"
    )
    result = run_scan(desk, rid)
    assert result.evidence_ids, "the scan found nothing to quote on the scanned report"
    brief, _report = draft(desk, rid, who="lee", auto=True)
    quotes = [q for s in brief.sources for q in s.quotes if s.document_id == outcome.document_id]
    assert quotes and all("OCR text" in q.location and "% confidence" in q.location for q in quotes)
    desk.close()


# A long scan: small pages (half letter at 300 dpi, 4.2 MB each as grey pixels) so that Tesseract reads
# each in a fraction of a second, with a distinct line on each so that no line reads as a running head.
SUBJECTS = [
    "budget",
    "zoning",
    "parks",
    "library",
    "transit",
    "housing",
    "water",
    "roads",
    "schools",
    "health",
]
ACTIONS = ["approved", "tabled", "amended", "discussed", "deferred"]


def long_scan_line(number: int) -> str:
    subject, action = SUBJECTS[number % 10], ACTIONS[(number // 10) % 5]
    return f"The council {action} the {subject} item {number} after public comment."


def long_scan(pages: int) -> bytes:
    """Return an image-only PDF of ``pages`` half-letter pages, built one page image at a time."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    font = ImageFont.truetype(FONT, 40) if Path(FONT).exists() else ImageFont.load_default(40)
    for number in range(1, pages + 1):
        image = Image.new("L", (1650, 2550), 255)
        ImageDraw.Draw(image).text((150, 300), long_scan_line(number), font=font, fill=0)
        jpeg = io.BytesIO()
        image.save(jpeg, format="JPEG", quality=90)
        page = pdf.new_page(396, 612)  # 5.5 x 8.5 in, in points
        picture = pdfium.PdfImage.new(pdf)
        picture.load_jpeg(io.BytesIO(jpeg.getvalue()), inline=True)
        picture.set_matrix(pdfium.PdfMatrix().scale(396, 612))
        page.insert_obj(picture)
        page.gen_content()
        page.close()
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def test_a_200_page_scan_is_read_page_by_page_with_progress_within_the_memory_limit(tmp_path: Path) -> None:
    from conftest import make_desk

    # All 200 page images at once would need 840 MB; the reader process may use 768 MB in all.
    desk = make_desk(tmp_path / "desk", embedder="none", reader_memory_mb=768)
    path = tmp_path / "council-minutes-1998.pdf"
    path.write_bytes(long_scan(200))
    heard: list[tuple[int, int]] = []
    [outcome] = ingest_file(desk, path, progress=lambda done, total: heard.append((done, total)))
    assert outcome.status == "added", outcome.reason
    assert heard == [(done, 200) for done in range(1, 201)]
    doc = desk.store.get_document(outcome.document_id)
    assert len(doc.extra["ocr"]["pages"]) == 200
    by_page = {p.page: p.text for p in desk.store.passages(doc.id)}
    for number in (1, 77, 200):
        assert word_error_rate(long_scan_line(number), by_page[number]) <= 0.1, by_page[number]
    desk.close()


def test_a_multi_page_tiff_keeps_its_page_numbers(desk: Desk, tmp_path: Path) -> None:
    frames = [page_image(text) for text in PAGES]
    path = tmp_path / "signed-agreement.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300), compression="tiff_lzw")
    [outcome] = ingest_file(desk, path)
    assert outcome.status == "added", outcome.reason
    doc = desk.store.get_document(outcome.document_id)
    assert doc.format == "image" and set(doc.extra["ocr"]["pages"]) == {"1", "2"}
    for number, truth in enumerate(PAGES, 1):
        text = " ".join(p.text for p in desk.store.passages(doc.id) if p.page == number)
        assert word_error_rate(truth, text) <= 0.03, text


def test_a_truncated_image_is_refused_clearly(desk: Desk, tmp_path: Path) -> None:
    whole = io.BytesIO()
    page_image(PAGES[0]).save(whole, format="PNG")
    path = tmp_path / "cut-off-scan.png"
    path.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    [outcome] = ingest_file(desk, path)
    assert outcome.status == "failed"
    assert "cannot be" in outcome.reason and "save it again" in (outcome.hint or "")
    assert desk.store.count_documents() == 0
