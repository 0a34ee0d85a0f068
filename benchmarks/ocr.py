"""OCR quality and speed on clean generated scans of the sample library: word error rate and pages/s.

Article text from the sample library (../shared/data/library/pcd2024, read by the desk's own HTML
reader) is set on 300 dpi letter pages in an 11 pt serif font (Pillow, DejaVu Serif), wrapped as an
image-only PDF (no text layer), and read back by the desk's PDF reader, which OCRs each page with
Tesseract. Word error rate = word-level edit distance / words on the page, case-insensitive, with
punctuation at word ends ignored. Baseline in the same run: the `tesseract` program alone on the same
page images (plain text output), which is the floor our reader's page splitting and paragraphing sit on.

The desk reader is measured at two render resolutions (RESEARCHDESK_OCR_DPI 300, the default, and
200), each on the 11 pt pages and on pages of 8 pt type (footnote size, where a lower resolution
would hurt first). Every row also gives the CPU seconds spent per page (this process and its
Tesseract children): on a busy machine the wall-clock pages/s depend on what else runs, the CPU
seconds much less, and they bound what the machine's cores can do when idle.

A second engine whose models ship inside its pip package, RapidOCR (`rapidocr-onnxruntime` 1.4.4:
PaddleOCR's PP-OCRv4 detection and recognition models run by ONNX Runtime, nothing downloaded), is
measured on the first pages of the same images (``--second-engine-pages``, 4 by default: it is slow),
beside Tesseract alone on the same pages in the same run, both single-threaded, one page after another.
It is not a dependency of the desk (it reads slower than Tesseract here); install it with
``pip install -e '.[ocr-compare]'`` (``make bench`` does) or the rows are left out with a note.

    python benchmarks/ocr.py [--documents 6] [--pages-per-document 2] [--skip-installed]
                             [--second-engine-pages 4]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
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


def render(text: str, points: float = 11):  # type: ignore[no-untyped-def]
    from PIL import Image, ImageDraw, ImageFont

    font_px = round(points / 72 * DPI)
    image = Image.new("L", (int(8.5 * DPI), 11 * DPI), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, font_px)
    for i, line in enumerate(text.splitlines()):
        draw.text((DPI, DPI + i * round(font_px * 1.45)), line, font=font, fill=0)
    return image


def small_type(texts: list[str], pages: int) -> list[str]:
    """Return ``pages`` pages of the same words set as 8 pt type would run (105 characters, 60 lines)."""
    words_all = " ".join(texts).split()
    out = []
    for p in range(pages):
        chunk = " ".join(words_all[p * 900 : (p + 1) * 900])
        lines = textwrap.wrap(chunk, 105, break_on_hyphens=False)[:60]
        if lines:
            out.append("\n".join(lines))
    return out


def image_pdf(images: list) -> bytes:  # type: ignore[type-arg]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=float(DPI))
    return buffer.getvalue()


def cpu_seconds() -> float:
    """Return the CPU seconds this process and its finished children have used."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def save_pngs(images: list, directory: Path) -> list[Path]:  # type: ignore[type-arg]
    """Return the page images saved as PNG files in ``directory``, in order."""
    paths = []
    for i, image in enumerate(images):
        paths.append(directory / f"p{i}.png")
        image.save(paths[-1])
    return paths


def tesseract_alone(pngs: list[Path], env: dict[str, str]) -> tuple[list[str], float, float]:
    """Return what the tesseract program reads from each image, one after another, with the seconds and the
    CPU seconds it took (the baseline the desk's reader is measured against)."""
    from researchdesk.ingest import ocr

    started, cpu = time.perf_counter(), cpu_seconds()
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
    return outs, time.perf_counter() - started, cpu_seconds() - cpu


def second_engine(images: list, texts: list[str]) -> list[tuple[str, str, str, float, float]]:  # type: ignore[type-arg]
    """Return (label, truth, text read, seconds, CPU s) for Tesseract alone and RapidOCR on ``images``.

    Empty when RapidOCR is not installed or no page is asked for.
    """
    if not images:
        return []
    try:
        import numpy as np
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return []

    truth = "\n".join(texts)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        outs, seconds, cpu = tesseract_alone(
            save_pngs(images, Path(tmp)), {**os.environ, "OMP_THREAD_LIMIT": "1"}
        )
        rows.append(("tesseract alone, 1 thread", truth, "\n".join(outs), seconds, cpu))
    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    arrays = [np.asarray(image.convert("RGB")) for image in images]
    engine(arrays[0][:400, :400])  # load the models before the clock starts, as Tesseract's start is timed
    for label, use_cls in (
        ("rapidocr-onnxruntime, as shipped", True),
        ("rapidocr-onnxruntime, no angle classifier", False),
    ):
        started, cpu = time.perf_counter(), cpu_seconds()
        outs = []
        for array in arrays:
            found, _ = engine(array, use_cls=use_cls)
            outs.append("\n".join(text for _box, text, _score in found or []))
        rows.append((label, truth, "\n".join(outs), time.perf_counter() - started, cpu_seconds() - cpu))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=6)
    parser.add_argument("--pages-per-document", type=int, default=2)
    parser.add_argument(
        "--skip-installed", action="store_true", help="Leave out the slow multi-threaded tesseract baseline."
    )
    parser.add_argument(
        "--second-engine-pages",
        type=int,
        default=4,
        help="Pages RapidOCR reads, beside Tesseract on the same pages (0 leaves the comparison out).",
    )
    args = parser.parse_args()

    from researchdesk.ingest import ocr
    from researchdesk.ingest.readers.pdf import READER
    from researchdesk.settings import Settings

    if not ocr.available():
        sys.exit("Tesseract is not installed: run `make ocr` first.")
    texts = page_texts(args.documents, args.pages_per_document)
    small = small_type(texts, max(2, len(texts) // 4))
    images = [render(t) for t in texts]
    pdf, small_pdf = image_pdf(images), image_pdf([render(t, 8) for t in small])
    n, load = len(texts), os.getloadavg()[0]

    # Baselines: the tesseract program alone on each page image, one page after another, as installed
    # (its own threads) and single-threaded (what the desk runs, one page per core).
    baselines: dict[str, tuple[list[str], float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pngs = save_pngs(images, Path(tmp))
        runs = [("tesseract alone, 1 thread", {**os.environ, "OMP_THREAD_LIMIT": "1"})]
        if not args.skip_installed:
            runs.insert(0, ("tesseract alone, as installed", dict(os.environ)))
        for label, env in runs:
            baselines[label] = tesseract_alone(pngs, env)

    second = second_engine(images[: args.second_engine_pages], texts[: args.second_engine_pages])

    def desk_read(data: bytes, dpi: int) -> tuple[str, float, float, list[float]]:
        settings = Settings(home=Path(tempfile.gettempdir()), ocr_dpi=dpi)
        started, cpu = time.perf_counter(), cpu_seconds()
        result = READER.read(Path("scan.pdf"), data, settings)
        seconds, used = time.perf_counter() - started, cpu_seconds() - cpu
        # A paragraph that runs over a page break is one block on its first page, so the error rate is
        # measured over the whole document's words in reading order.
        return (
            "\n".join(b.text for b in result.blocks),
            seconds,
            used,
            list(result.ocr.get("pages", {}).values()),
        )

    desk = {dpi: desk_read(pdf, dpi) for dpi in (300, 200)}
    desk_small = {dpi: desk_read(small_pdf, dpi) for dpi in (300, 200)}

    def wer(truth: str, read: str, norm: bool) -> float:
        a, b = (normalised(truth), normalised(read)) if norm else (truth, read)
        return edit_distance(words(a), words(b)) / len(words(a))

    truth, small_truth = "\n".join(texts), "\n".join(small)
    cores = os.cpu_count() or 1
    print(
        f"OCR of {n} generated scan pages of 11 pt type ({len(words(truth))} words) and {len(small)} of 8 pt "
        f"({len(words(small_truth))} words) from {args.documents} sample articles, {ocr.version()}, {cores} CPUs, "
        f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"{'':44} {'WER':>7} {'WER norm.':>9} {'pages/s':>8} {'seconds':>8} {'CPU s/page':>10}")
    rows = [
        (f"desk PDF reader, {dpi} dpi{' (default)' if dpi == 300 else ''}", truth, *desk[dpi][:3], n)
        for dpi in (300, 200)
    ]
    rows += [(label, truth, "\n".join(outs), secs, cpu, n) for label, (outs, secs, cpu) in baselines.items()]
    rows += [
        (f"desk PDF reader, {dpi} dpi, 8 pt pages", small_truth, *desk_small[dpi][:3], len(small))
        for dpi in (300, 200)
    ]
    for label, want, text, secs, cpu, pages in rows:
        print(
            f"{label:44} {wer(want, text, False):7.2%} {wer(want, text, True):9.2%} {pages / secs:8.2f} "
            f"{secs:8.1f} {cpu / pages:10.2f}"
        )
    print("WER norm.: en/em dashes and minus signs read as hyphens, accents and curly quotes folded.")
    best = min(desk[dpi][2] for dpi in (300, 200)) / n
    print(
        f"CPU bound (computed, not measured): {cores} idle cores at {best:.2f} CPU s/page would read at most "
        f"{cores / best:.2f} pages/s."
    )
    if second:
        pages = min(args.second_engine_pages, n)
        print(
            f"\nSecond engine, on the first {pages} of the same 11 pt pages (single-threaded, one page after another):"
        )
        print(f"{'':44} {'WER':>7} {'WER norm.':>9} {'pages/s':>8} {'seconds':>8} {'CPU s/page':>10}")
        for label, want, text, secs, cpu in second:
            print(
                f"{label:44} {wer(want, text, False):7.2%} {wer(want, text, True):9.2%} {pages / secs:8.2f} "
                f"{secs:8.1f} {cpu / pages:10.2f}"
            )
        tess_cpu, rapid_cpu = second[0][4], min(row[4] for row in second[1:])
        print(
            f"RapidOCR spends {rapid_cpu / tess_cpu:.1f}x the CPU of Tesseract per page (its faster setting)."
        )
    elif args.second_engine_pages:
        print("\nRapidOCR is not installed: `pip install -e '.[ocr-compare]'` adds its rows.")
    confidences = desk[300][3]
    if confidences:
        print(f"mean page confidence stored (300 dpi): {sum(confidences) / len(confidences):.1f}%")


if __name__ == "__main__":
    main()
