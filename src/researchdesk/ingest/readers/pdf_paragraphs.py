"""A PDF's lines grouped into paragraphs and headings: by vertical gaps larger than the usual line
spacing, first-line indentation, a short line ending a sentence, a change of font size or a bullet.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from researchdesk.ingest.readers.line_joining import join_lines, vocabulary
from researchdesk.ingest.readers.pdf_lines import Line
from researchdesk.ingest.titles import fits_a_title
from researchdesk.models import Block, BlockKind

_TERMINAL = tuple('.?!:;"”’)')
_BULLET = re.compile(r"^(?:[•▪◦‣●○■□–\-*]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+\S")


# --- paragraphs -----------------------------------------------------------------------------------


@dataclass
class Layout:
    body_size: float
    usual_gap: float
    heading_sizes: list[float]


def layout_of(pages: list[list[Line]]) -> Layout:
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
    return Layout(body_size=body, usual_gap=usual, heading_sizes=larger)


def _continues_across(prev: Line, cur: Line) -> bool:
    """Return True when ``cur`` (a new page or column) carries on ``prev``'s unfinished sentence."""
    return not prev.text.endswith(_TERMINAL) and cur.text[:1].islower() and abs(prev.size - cur.size) < 0.5


def _starts_block(block: list[Line], cur: Line, layout: Layout) -> bool:
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


def _heading_level(block: list[Line], layout: Layout) -> int:
    """Return the heading level of a block of lines, or 0 when it is body text."""
    text = " ".join(line.text for line in block)
    words = len(text.split())
    sizes = {line.size for line in block}
    if len(sizes) == 1 and block[0].size in layout.heading_sizes and fits_a_title(text):
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


def blocks_of(pages: list[list[Line]], layout: Layout) -> list[tuple[Block, list[Line]]]:
    """Return the paragraphs, list items and headings with the lines each came from."""
    vocab = vocabulary(line.text for lines in pages for line in lines)
    groups: list[list[Line]] = []
    current: list[Line] = []
    for lines in pages:
        for line in lines:
            if _starts_block(current, line, layout) and current:
                groups.append(current)
                current = []
            current.append(line)
    if current:
        groups.append(current)
    out: list[tuple[Block, list[Line]]] = []
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
