"""OCR of page images with Tesseract (Debian's ``tesseract-ocr``), word by word with confidences.

``ocr_image`` runs the ``tesseract`` program on one PNG and reads its TSV output: every word with its
box and confidence, grouped into the lines Tesseract found. The PDF reader turns those lines into the
same line records it measures from a text layer, so a scanned page is split into paragraphs and
headings like any other. When Tesseract is not installed, ``available()`` says so and the readers
report it per file instead of storing an empty document.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from researchdesk.errors import ReadError

ENGINE = "tesseract"
DPI = 300  # the default render resolution (settings.ocr_dpi)
# A page whose words Tesseract trusts less than this (mean, 0-100) is reported as probably no text.
MIN_PAGE_CONFIDENCE = 40.0


@dataclass
class OcrWord:
    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float


@dataclass
class OcrLine:
    """One line of words as Tesseract grouped them (pixel coordinates, y grows downwards)."""

    words: list[OcrWord] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.left + w.width for w in self.words)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.top + w.height for w in self.words)


@dataclass
class OcrPage:
    lines: list[OcrLine]
    confidence: float  # mean word confidence, 0-100 (0 when no word was found)
    width: int
    height: int

    @property
    def words(self) -> int:
        return sum(len(line.words) for line in self.lines)


def tesseract_path() -> str | None:
    return shutil.which(ENGINE)


def available() -> bool:
    """Return True when the Tesseract program is installed."""
    return tesseract_path() is not None


def version() -> str:
    exe = tesseract_path()
    if exe is None:
        return ""
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    return (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else ENGINE


def ocr_image(
    image_bytes: bytes, language: str = "eng", source: Path | str = "page", dpi: int = DPI
) -> OcrPage:
    """Return the words and lines Tesseract reads on one page image (PNG, PNM or any format it reads),
    rendered at ``dpi``."""
    exe = tesseract_path()
    if exe is None:
        raise ReadError(
            source,
            "the page has no text layer and Tesseract OCR is not installed",
            "Install it (`apt-get install tesseract-ocr`, or run `make ocr`) and ingest the file again.",
        )
    with tempfile.TemporaryDirectory(prefix="researchdesk-ocr-") as tmp:
        image = Path(tmp) / "page.img"  # Tesseract (Leptonica) knows the format from the bytes
        image.write_bytes(image_bytes)
        try:
            done = subprocess.run(
                [exe, str(image), "stdout", "-l", language, "--psm", "3", "--dpi", str(dpi), "tsv"],
                capture_output=True,
                timeout=120,
                # One thread per page: the caller runs pages in parallel, and Tesseract's own OpenMP
                # threads only contend with each other on a small machine (about 3x slower here).
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            )
        except subprocess.TimeoutExpired as exc:
            raise ReadError(source, "OCR of one page took over 2 minutes", "Check the scan's size.") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise ReadError(
            source,
            f"Tesseract could not read the page ({message[-1] if message else 'exit ' + str(done.returncode)})",
            f"Check that the OCR language '{language}' is installed (`tesseract --list-langs`).",
        )
    return parse_tsv(done.stdout.decode("utf-8", errors="replace"))


def parse_tsv(tsv: str) -> OcrPage:
    """Return the page described by Tesseract's TSV output (level 5 rows are words)."""
    lines: dict[tuple[int, int, int], OcrLine] = {}
    width = height = 0
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12:
            continue
        try:
            level, block, par, line = (int(cols[i]) for i in (0, 2, 3, 4))
            left, top, w, h = (int(cols[i]) for i in (6, 7, 8, 9))
            conf = float(cols[10])
        except ValueError:
            continue
        if level == 1:
            width, height = w, h
        text = cols[11].strip()
        if level != 5 or not text or conf < 0:
            continue
        confidences.append(conf)
        lines.setdefault((block, par, line), OcrLine()).words.append(OcrWord(text, left, top, w, h, conf))
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrPage(list(lines.values()), round(mean, 1), width, height)
