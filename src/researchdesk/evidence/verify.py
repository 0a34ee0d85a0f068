"""Quote verification: prove a quote is the document text at its offsets, or find it again.

A quote is ``exact`` when ``text[start:end] == quote``. Otherwise it is looked up again in a normalised
view of the text that forgives what extraction and copy-paste change without changing the words:
runs of whitespace (and NBSP), hyphenation at line breaks ("collab- oration"), ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ),
curly versus straight quotes and apostrophes, soft hyphens and zero-width characters. The normalised
view keeps a map back to the original offsets, so a relocated quote gets true offsets in the original
text; among several occurrences the one nearest the old offset wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

Status = Literal["exact", "relocated", "not found"]

# The separator shown between the pieces of a quote that skips words.
ELLIPSIS = " … "
_ELLIPSIS_SPLIT = re.compile(r"\s*(?:…|\.\s?\.\s?\.)\s*")

_CHAR_MAP: dict[str, str] = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
}
_DROP = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


@dataclass
class Verification:
    """The outcome of verifying one quote against its document text."""

    status: Status
    start: int
    end: int
    message: str
    quote: str = ""  # the document's own text at (start, end) when found
    pieces: list[tuple[int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "not found"


def join_pieces(text: str, pieces: Sequence[tuple[int, int]]) -> str:
    """Return the quote text of located pieces: each piece's text, joined by an ellipsis."""
    return ELLIPSIS.join(text[start:end] for start, end in pieces)


def split_pieces(quote: str) -> list[str]:
    """Return the parts of a quote that skips words (split at "…" or "...")."""
    return [part for part in _ELLIPSIS_SPLIT.split(quote) if part]


def normalize(text: str) -> tuple[str, list[int]]:
    """Return the normalised text and, for each of its characters, the offset in ``text`` it came from."""
    return _normalize_cached(text)


@lru_cache(maxsize=16)
def _normalize_cached(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    origin: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch in _DROP:
            i += 1
            continue
        if ch.isspace():
            # One space for any run of whitespace (NBSP included).
            j = i
            while j < n and (text[j].isspace() or text[j] in _DROP):
                j += 1
            # "collab-\noration" / "collab- oration": a hyphen at a line break joins the word.
            if out and out[-1] == "-" and len(out) >= 2 and out[-2].isalpha() and j < n and text[j].islower():
                out.pop()
                origin.pop()
            elif out and out[-1] != " ":
                out.append(" ")
                origin.append(i)
            i = j
            continue
        mapped = _CHAR_MAP.get(ch, ch)
        for piece in mapped:
            out.append(piece)
            origin.append(i)
        i += 1
    return "".join(out), origin


def _normalize_quote(quote: str) -> str:
    return _normalize_cached(quote)[0].strip()


def locate(quote: str, text: str, near: int = 0) -> tuple[int, int] | None:
    """Return (start, end) in ``text`` of the occurrence of ``quote`` nearest ``near``, tolerating
    whitespace, line-break hyphenation, ligatures, quote styles and soft hyphens; None when absent."""
    if not quote:
        return None
    exact = _occurrences(text, quote)
    if exact:
        best = min(exact, key=lambda s: abs(s - near))
        return best, best + len(quote)
    needle = _normalize_quote(quote)
    if not needle:
        return None
    haystack, origin = normalize(text)
    hits = _occurrences(haystack, needle)
    if not hits:
        return None
    candidates = [(origin[h], origin[h + len(needle) - 1] + 1) for h in hits]
    return min(candidates, key=lambda span: abs(span[0] - near))


def _occurrences(haystack: str, needle: str, limit: int = 1000) -> list[int]:
    found: list[int] = []
    pos = haystack.find(needle)
    while pos != -1 and len(found) < limit:
        found.append(pos)
        pos = haystack.find(needle, pos + 1)
    return found


def _verify_one(quote: str, start: int, end: int, text: str) -> Verification:
    if 0 <= start <= end <= len(text) and text[start:end] == quote and quote:
        return Verification("exact", start, end, "The quote is the document text at its offsets.", quote)
    span = locate(quote, text, near=start)
    if span is None:
        shown = quote if len(quote) <= 60 else quote[:57] + "..."
        return Verification(
            "not found",
            start,
            end,
            f"The quote {shown!r} is not in the document text, even allowing for whitespace, hyphenation, "
            "ligatures, quote marks and soft hyphens. Re-extract it or reject this evidence.",
        )
    new_start, new_end = span
    moved = (
        "at the same offsets"
        if (new_start, new_end) == (start, end)
        else (f"moved from {start}–{end} to {new_start}–{new_end}")
    )
    return Verification(
        "relocated",
        new_start,
        new_end,
        f"The quote was found again ({moved}); store the new offsets and the document's own text.",
        text[new_start:new_end],
    )


def verify(
    quote: str,
    start: int,
    end: int,
    text: str,
    pieces: Sequence[tuple[int, int]] | None = None,
) -> Verification:
    """Return whether ``quote`` is exactly ``text[start:end]`` ("exact"), was found elsewhere or with
    typographic differences ("relocated", with the new offsets) or is missing ("not found").

    With ``pieces`` (a quote that skips words), each piece is verified on its own against the parts of
    the quote split at the ellipsis; the result is the worst of them.
    """
    if not pieces:
        return _verify_one(quote, start, end, text)
    parts = split_pieces(quote)
    if len(parts) != len(pieces):
        parts = [text[s:e] for s, e in pieces] if not quote else parts
    if len(parts) != len(pieces):
        return Verification(
            "not found",
            start,
            end,
            f"The quote has {len(parts)} part(s) between ellipses but {len(pieces)} located piece(s); "
            "re-extract it.",
        )
    results = [_verify_one(part, s, e, text) for part, (s, e) in zip(parts, pieces, strict=True)]
    new_pieces = [(r.start, r.end) for r in results]
    worst: Status = "exact"
    for r in results:
        if r.status == "not found":
            worst = "not found"
            break
        if r.status == "relocated":
            worst = "relocated"
    messages = {
        "exact": "Every piece of the quote is the document text at its offsets.",
        "relocated": "Every piece was found; some at new offsets or with typographic differences.",
        "not found": next((r.message for r in results if r.status == "not found"), ""),
    }
    found_text = join_pieces(text, new_pieces) if worst != "not found" else ""
    return Verification(worst, new_pieces[0][0], new_pieces[-1][1], messages[worst], found_text, new_pieces)
