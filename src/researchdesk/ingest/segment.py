"""Document text from blocks, then passages and sentences with exact character offsets.

The document text is the blocks joined by blank lines, headings included, so a passage or sentence is
always ``text[start:end]``. Passages are paragraphs (small neighbours merged, long ones split at
sentence boundaries); table rows stay one passage each so their labels survive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from researchdesk.models import Block, BlockKind

# Abbreviations common in research and public-administration prose; a period after them does not end
# a sentence. Compared lower-cased, without the final period.
ABBREVIATIONS = frozenset(
    [
        "al",
        "e.g",
        "i.e",
        "cf",
        "vs",
        "v",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "no",
        "nos",
        "fig",
        "figs",
        "eq",
        "eqs",
        "vol",
        "vols",
        "pp",
        "p",
        "ed",
        "eds",
        "approx",
        "ca",
        "est",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
        "ph.d",
        "m.d",
        "b.a",
        "m.a",
        "m.s",
        "d.c",
        "n.d",
        "resp",
        "incl",
        "govt",
        "assn",
        "natl",
        "intl",
        "sr",
        "jr",
        "gen",
        "gov",
        "rep",
        "sen",
    ]
)

PASSAGE_MIN = 200  # characters: smaller neighbours of the same section are merged
PASSAGE_MAX = 1500  # characters: longer blocks are split at sentence boundaries

_CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9]")
_LIST_MARKER = re.compile(r"^\s*(?:\(?\d{1,3}[.)]|[a-z][.)]|[•\-–*])\s+")


@dataclass(frozen=True)
class Span:
    """A located span of the document text: what it is, where it is, and its context."""

    start: int
    end: int
    kind: BlockKind
    section: str
    page: int | None
    label: str


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of ``text[start:end]``, trimmed of whitespace.

    Line breaks inside the span end a sentence (list items, table cells); periods after the field's
    abbreviations (et al., U.S., e.g., Fig., No., vs.) and list numbers ("1.") do not.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text, start, end):
        spans.extend(_split_line(text, line_start, line_end))
    return spans


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        yield pos, stop
        pos = stop + 1


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    seg_start = start
    line = text[start:end]
    for m in _CANDIDATE.finditer(line):
        cut = start + m.end()
        if not _NEXT_START.match(text, cut, end):
            continue
        if _is_abbreviation(text, seg_start, start + m.start(), m.group()):
            continue
        out.append((seg_start, cut))
        seg_start = cut
    out.append((seg_start, end))
    return [s for s in (_trim(text, a, b) for a, b in out) if s[1] > s[0]]


def _is_abbreviation(text: str, seg_start: int, dot: int, punct: str) -> bool:
    if not punct.startswith(".") or punct.startswith(".."):
        return False
    word_start = dot
    while word_start > seg_start and not text[word_start - 1].isspace() and text[word_start - 1] not in '("“':
        word_start -= 1
    word = text[word_start:dot].lower().lstrip("([")
    if not word:
        return False
    if word in ABBREVIATIONS or word.rstrip(".") in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith", "Table A."
        return True
    if re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):  # U.S, e.g, i.e written without the last period
        return True
    # a list number at the start of the segment: "1. Build partnerships"
    return bool(word.isdigit() and len(word) <= 3 and not text[seg_start:word_start].strip())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def build_text(blocks: list[Block]) -> tuple[str, list[Span]]:
    """Return the document text and one located span per block (headings included)."""
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    headings: list[tuple[int, str]] = []
    for block in blocks:
        body = _clean_block(block.text)
        if not body:
            continue
        if block.kind is BlockKind.HEADING and not (not spans and (block.level or 1) == 1):
            # The document's own title (a leading level-1 heading) is not a section of it.
            level = block.level or 1
            headings = [(lv, t) for lv, t in headings if lv < level] + [(level, body)]
        section = " › ".join(t for _, t in headings)
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(body)
        spans.append(Span(pos, pos + len(body), block.kind, section, block.page, block.label))
        pos += len(body)
    return "".join(parts), spans


def _clean_block(text: str) -> str:
    # Keep single line breaks (list items, cells) but no blank lines inside a block, no stray spaces.
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class PassageSpan:
    start: int
    end: int
    section: str
    page: int | None
    kind: BlockKind
    label: str


def passage_spans(text: str, spans: list[Span]) -> list[PassageSpan]:
    """Return passages: body blocks, small neighbours merged, long ones split at sentences."""
    out: list[PassageSpan] = []
    pending: PassageSpan | None = None

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            out.extend(_split_long(text, pending))
            pending = None

    for span in spans:
        if span.kind is BlockKind.HEADING:
            flush()
            continue
        current = PassageSpan(span.start, span.end, span.section, span.page, span.kind, span.label)
        if span.kind is BlockKind.TABLE_ROW:
            flush()
            out.append(current)
            continue
        if (
            pending is not None
            and pending.section == current.section
            and pending.page == current.page
            and pending.kind is not BlockKind.TABLE_ROW
            and (pending.end - pending.start < PASSAGE_MIN or current.end - current.start < PASSAGE_MIN // 2)
            and current.end - pending.start <= PASSAGE_MAX
        ):
            pending = PassageSpan(pending.start, current.end, pending.section, pending.page, pending.kind, "")
            continue
        flush()
        pending = current
    flush()
    return out


def _split_long(text: str, p: PassageSpan) -> list[PassageSpan]:
    if p.end - p.start <= PASSAGE_MAX:
        return [p]
    pieces: list[PassageSpan] = []
    chunk_start: int | None = None
    chunk_end = p.start
    for s, e in sentence_spans(text, p.start, p.end):
        if chunk_start is None:
            chunk_start = s
        elif e - chunk_start > PASSAGE_MAX * 2 // 3:
            pieces.append(PassageSpan(chunk_start, chunk_end, p.section, p.page, p.kind, p.label))
            chunk_start = s
        chunk_end = e
    if chunk_start is not None:
        pieces.append(PassageSpan(chunk_start, chunk_end, p.section, p.page, p.kind, p.label))
    out: list[PassageSpan] = []
    for piece in pieces or [p]:
        out.extend(_split_at_spaces(text, piece))
    return out


def _split_at_spaces(text: str, p: PassageSpan) -> list[PassageSpan]:
    # A single "sentence" longer than a passage (a run-on list, a table dump): cut between words.
    out = []
    start = p.start
    while p.end - start > PASSAGE_MAX:
        cut = text.rfind(" ", start + PASSAGE_MAX // 2, start + PASSAGE_MAX)
        cut = cut if cut > start else start + PASSAGE_MAX
        a, b = _trim(text, start, cut)
        out.append(PassageSpan(a, b, p.section, p.page, p.kind, p.label))
        start = _trim(text, cut, p.end)[0]
    a, b = _trim(text, start, p.end)
    if b > a:
        out.append(PassageSpan(a, b, p.section, p.page, p.kind, p.label))
    return out


def list_marker_length(sentence: str) -> int:
    """Return the length of a leading list marker ("1. ", "a) ", "• ") in ``sentence``, or 0."""
    m = _LIST_MARKER.match(sentence)
    return m.end() if m else 0
