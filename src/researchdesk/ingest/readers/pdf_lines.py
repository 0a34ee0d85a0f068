"""The lines of a PDF page as PDFium lays them out (text, box, font size, boldness), and the running
headers, footers and page numbers dropped from them.

PDFium is not thread-safe, so all PDFium work holds one module-level lock (``PDFIUM_LOCK``).
"""

from __future__ import annotations

import ctypes
import re
import threading
from dataclasses import dataclass
from typing import Any

PDFIUM_LOCK = threading.Lock()


@dataclass
class Line:
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


def page_lines(textpage: Any, page_number: int) -> list[Line]:
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
    lines: list[Line] = []
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
            Line(
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


def _shape(line: Line) -> tuple[str, int]:
    """Return a line's shape: lower-case text with digit runs as '#' ("Page 3" matches "Page 12") and its
    height on the page in 6-point steps (running heads sit at a fixed place)."""
    return re.sub(r"\d+", "#", " ".join(line.text.lower().split())), round(line.top / 6)


def _edge(lines: list[Line]) -> list[Line]:
    """Return the lines in the page's top and bottom margins: up to two lines set apart from the body by a
    gap wider than a line (a body line that merely opens or closes a page is not in a margin)."""
    ordered = sorted(lines, key=lambda line: -line.top)

    def apart(upper: Line, lower: Line) -> bool:
        return upper.bottom - lower.top > 0.8 * max(upper.height, lower.height)

    edge: list[Line] = []
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


def _numbers_track_pages(lines: list[Line]) -> bool:
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


def drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
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
    groups: dict[tuple[str, int], list[Line]] = {}
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
    kept: list[list[Line]] = []
    for lines, edge in zip(pages, edges, strict=True):
        dropped = {
            id(line)
            for line in edge
            if id(line) in running or (drop_numbers and _PAGE_NUMBER.match(_shape(line)[0]))
        }
        kept.append([line for line in lines if id(line) not in dropped])
    return kept
