"""OCR quality and speed on clean generated scans of the sample library: word error rate and pages/s.

Article text from the sample library (../shared/data/library/pcd2024, read by the desk's own HTML
reader) is set on 300 dpi letter pages in an 11 pt serif font (Pillow, DejaVu Serif), wrapped as an
image-only PDF (no text layer), and read back by the desk's PDF reader, which OCRs each page with
Tesseract. Word error rate = word-level edit distance / words on the page, case-insensitive, with
punctuation at word ends ignored. Baseline in the same run: the `tesseract` program alone on the same
page images (plain text output), which is the floor our reader's page splitting and paragraphing sit on.

    python benchmarks/ocr.py [--documents 6] [--pages-per-document 2]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (
    Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data")) / "library" / "pcd2024"
)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
DPI = 300
FONT_PX = round(11 / 72 * DPI)  # 11 pt
LINE_PX = round(FONT_PX * 1.45)
CHARS_PER_LINE = 78
LINES_PER_PAGE = 44


def normalised(text: str) -> str:
    """Return ``text`` with the typography OCR cannot be asked to keep folded away (dashes, accents, quotes)."""
    import unicodedata

    text = text.translate(
        str.maketrans({"–": "-", "—": "-", "−": "-", "‘": "'", "’": "'", "ʻ": "'", "“": '"', "”": '"'})
    )
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    out = []
    for w in text.split():
        w = w.strip(".,;:!?\"'()[]“”‘’").lower()
        if w:
            out.append(w)
    return out


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, wa in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, wb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (wa != wb))
    return row[len(b)]


def page_texts(documents: int, pages_per_document: int) -> list[str]:
    """Return the text of each page to set: consecutive body paragraphs of sample articles."""
    from researchdesk.ingest.readers.html import READER
    from researchdesk.models import BlockKind
    from researchdesk.settings import Settings

    files = sorted(SAMPLE.glob("*.htm"))[: documents * 3 : 3]
    pages: list[str] = []
    for path in files:
        result = READER.read(path, path.read_bytes(), Settings())
        lines: list[str] = []
        for block in result.blocks:
            if block.kind == BlockKind.PARAGRAPH and len(block.text) > 200:
                lines.extend(textwrap.wrap(block.text, CHARS_PER_LINE, break_on_hyphens=False))
            if len(lines) >= LINES_PER_PAGE * pages_per_document:
                break
        for p in range(pages_per_document):
            chunk = lines[p * LINES_PER_PAGE : (p + 1) * LINES_PER_PAGE]
            if chunk:
                pages.append("\n".join(chunk))
    return pages


def render(text: str):  # type: ignore[no-untyped-def]
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (int(8.5 * DPI), 11 * DPI), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, FONT_PX)
    for i, line in enumerate(text.splitlines()):
        draw.text((DPI, DPI + i * LINE_PX), line, font=font, fill=0)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=6)
    parser.add_argument("--pages-per-document", type=int, default=2)
    args = parser.parse_args()

    from researchdesk.ingest import ocr
    from researchdesk.ingest.readers.pdf import READER
    from researchdesk.settings import Settings

    if not ocr.available():
        sys.exit("Tesseract is not installed: run `make ocr` first.")
    texts = page_texts(args.documents, args.pages_per_document)
    images = [render(t) for t in texts]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=float(DPI))
    pdf = buffer.getvalue()

    # Baselines: the tesseract program alone on each page image, one page after another, as installed
    # (its own threads) and single-threaded (what the desk runs, one page per core).
    baselines: dict[str, tuple[list[str], float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pngs = []
        for i, image in enumerate(images):
            png = Path(tmp) / f"p{i}.png"
            image.save(png)
            pngs.append(png)
        for label, env in (
            ("tesseract alone, as installed", dict(os.environ)),
            ("tesseract alone, 1 thread", {**os.environ, "OMP_THREAD_LIMIT": "1"}),
        ):
            started = time.perf_counter()
            outs = [
                subprocess.run(
                    [ocr.tesseract_path() or "tesseract", str(p), "stdout", "--dpi", str(DPI)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                ).stdout
                for p in pngs
            ]
            baselines[label] = (outs, time.perf_counter() - started)

    started = time.perf_counter()
    result = READER.read(Path("scan.pdf"), pdf, Settings(home=Path(tempfile.gettempdir())))
    desk_seconds = time.perf_counter() - started
    # A paragraph that runs over a page break is one block on its first page, so the error rate is
    # measured over the whole document's words in reading order.
    desk_text = "\n".join(b.text for b in result.blocks)
    truth = "\n".join(texts)

    def wer(read: str, norm: bool) -> float:
        a, b = (normalised(truth), normalised(read)) if norm else (truth, read)
        return edit_distance(words(a), words(b)) / len(words(a))

    n = len(texts)
    confidences = list(result.ocr.get("pages", {}).values())
    print(
        f"OCR of {n} generated 300 dpi scan pages ({len(words(truth))} words) from {args.documents} sample "
        f"articles, {ocr.version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'':38} {'WER':>7} {'WER norm.':>9} {'pages/s':>8} {'seconds':>8}")
    rows = [("desk PDF reader (OCR, paragraphs)", desk_text, desk_seconds)]
    rows += [(label, "\n".join(outs), secs) for label, (outs, secs) in baselines.items()]
    for label, text, secs in rows:
        print(f"{label:38} {wer(text, False):7.2%} {wer(text, True):9.2%} {n / secs:8.2f} {secs:8.1f}")
    print("WER norm.: en/em dashes and minus signs read as hyphens, accents and curly quotes folded.")
    if confidences:
        print(f"mean page confidence stored: {sum(confidences) / len(confidences):.1f}%")


if __name__ == "__main__":
    main()
