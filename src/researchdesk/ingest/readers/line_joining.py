"""Lines joined into prose, the way the readers of laid-out text (PDF, plain text, Markdown) share: a
word broken over a line end is mended when the document's own words say it is one word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# --- joining lines into prose ---------------------------------------------------------------------

# Characters that end a line when a word was broken across lines.
_HYPHENS = "-\u2010\u00ad\x02"
# Left parts that usually form real compounds ("cross-sector", "well-being"): keep the hyphen.
_COMPOUND_PREFIXES = frozenset(
    {
        "cross",
        "self",
        "well",
        "non",
        "multi",
        "all",
        "half",
        "low",
        "high",
        "long",
        "short",
        "full",
        "part",
        "state",
        "evidence",
        "community",
        "place",
        "data",
        "time",
        "decision",
        "policy",
        "health",
        "school",
        "family",
        "county",
        "city",
    }
)
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")


def vocabulary(lines: Iterable[str]) -> set[str]:
    """Return the lower-cased words (hyphenated compounds included) that occur inside lines."""
    words: set[str] = set()
    for line in lines:
        found = _WORD.findall(line)
        # The last word of a line ending in a hyphen is a fragment, not a word.
        if found and line.rstrip().endswith(tuple(_HYPHENS)):
            found = found[:-1]
        words.update(w.lower().replace("\u2010", "-") for w in found)
    return words


def _join_pair(left_text: str, right_text: str, vocab: set[str]) -> str:
    """Return the joint of two lines: "" (word broken by a hyphen), "-" (real hyphen) or " "."""
    if not left_text or left_text[-1] not in _HYPHENS or len(left_text) < 2 or not left_text[-2].isalpha():
        return " "
    if not right_text or not right_text[0].islower():
        return "-" if left_text[-1] in "-\u2010" else " "
    marker = left_text[-1]
    if marker in "\u00ad\x02":  # soft hyphens are breaks by definition
        return ""
    left_word = re.findall(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*[-\u2010]$", left_text)
    left = left_word[0][:-1].replace("\u2010", "-") if left_word else ""
    right = re.match(r"[^\W\d_]+", right_text)
    right_word = right.group(0) if right else ""
    joined, compound = (left + right_word).lower(), f"{left}-{right_word}".lower()
    if joined in vocab and compound not in vocab:
        return ""
    if compound in vocab or "-" in left or left.lower() in _COMPOUND_PREFIXES:
        return "-"
    return ""


def join_lines(lines: list[str], vocab: set[str] | None = None) -> str:
    """Return the lines of one paragraph as one line: single spaces, line-end hyphenation undone.

    ``vocab`` (words seen elsewhere in the document) decides doubtful cases: "cross-\\nsector" keeps its
    hyphen when "cross-sector" occurs in the document, "collab-\\noration" joins when "collaboration" does.
    """
    words = vocab if vocab is not None else set()
    out = ""
    for raw in lines:
        line = " ".join(raw.replace("\x02", "\u00ad").split()) if "\x02" in raw else " ".join(raw.split())
        if not line:
            continue
        if not out:
            out = line
            continue
        joint = _join_pair(out, line, words)
        out = (out[:-1] + joint + line) if joint != " " else f"{out} {line}"
    return out.replace("\u00ad", "").replace("\u2010", "-")
