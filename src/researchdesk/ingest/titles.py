"""One rule for titles, whatever the format: a first line that reads as a title is the title; and what an
author line (a byline) looks like, which is never a title nor a section heading.

A document's own metadata comes first where a format has it (a page's ``citation_title``, a PDF's
Info title, a Word file's core properties, Markdown front matter or first ``#`` heading). Without it,
every reader asks the same question of the document's first line: does it read as a title? It does
when it is short (at most TITLE_WORDS words and TITLE_CHARS characters), holds words, does not end
like a sentence or a clause (".", ",", ";", ":"; a question mark is fine: "What is prediabetes?"
heads many answer pages), and is not a date, a link or a byline, and when it stands apart from the
text after it (a blank line, a line break before a new sentence, a heading style, a larger font).
A bracketed aside closing the line does not count toward its length: "What is shingles? (Also
called: herpes zoster; …)" or "Heat action plans [a review of 40 cities]" are titles with their
other names or a note, however many they list (up to ASIDE_CHARS characters for the whole line).
"""

from __future__ import annotations

import re

TITLE_WORDS = 30
TITLE_CHARS = 250
ASIDE_CHARS = 4 * TITLE_CHARS
_WORDS = re.compile(r"[^\W\d_]{2,}")
_NOT_A_TITLE = re.compile(
    r"https?://|www\.|@|^\s*(?:page\s+)?\d+\s*$|^\s*(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})\s*$|"
    r"^\s*(?:by|from|to|date|subject|re)\s*:",
    re.IGNORECASE,
)


def reads_as_title(line: str) -> bool:
    """Return True when a line reads as a title: short, worded, not ending a sentence or clause."""
    text = " ".join(line.split())
    main = without_aside(text)
    if not main or not fits_a_title(text):
        return False
    if len(_WORDS.findall(main)) < 1 or _NOT_A_TITLE.search(text) or is_byline(text):
        return False
    return not main.endswith((".", ",", ";", ":"))


def fits_a_title(text: str) -> bool:
    """Return True when a line is no longer than a title (a closing bracketed aside not counted)."""
    main = without_aside(text)
    return len(main) <= TITLE_CHARS and len(main.split()) <= TITLE_WORDS and len(text) <= ASIDE_CHARS


_BRACKETS = {")": "(", "]": "["}


def without_aside(text: str) -> str:
    """Return a line without the bracketed aside that closes it ("Shingles (Also called: zoster)" ->
    "Shingles"); the line itself when it has none, or when nothing worded stands before it."""
    close = text[-1:]
    if close not in _BRACKETS:
        return text
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == close:
            depth += 1
        elif text[i] == _BRACKETS[close]:
            depth -= 1
            if depth == 0:
                main = text[:i].rstrip()
                return main if _WORDS.search(main) else text
    return text


def stands_apart(line: str, following: str) -> bool:
    """Return True when a title line is set apart from the line that follows it without a blank line.

    A question ("What is prediabetes?") or a line whose words are mostly capitalised ("Barriers to
    Heat-Health Action Plans") ends before a next line that opens a new sentence; an ordinary line
    wrapped mid-sentence ("This report describes how the") does not.
    """
    text = without_aside(" ".join(line.split()))
    nxt = following.lstrip()
    if not nxt or not (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in "\"“'‘("):
        return False
    if text.endswith("?"):
        return True
    words = [w for w in _WORDS.findall(text) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.8


# "Jane Doe, PhD, MPH1; John Roe, MS2 (View author affiliations)": a byline, not a heading.
_DEGREE = (
    r"(?:PhD|MD|MPH|DrPH|MSPH|MHS|MS|MSc|MA|MBA|MPA|MPP|MSW|MSN|BS|BA|BSN|RN|PharmD|DDS|DMD|ScD|"
    r"MBChB|DPT|PT|JD|EdD|CHES|RD|LDN|MHA|FAPTA|DHSc)"
)
_AFFILIATION_MARK = re.compile(r"[\d,*†‡§]+$")


def is_byline(text: str) -> bool:
    """Return True for an author line ("Jane Doe, PhD, MPH1; John Roe, MS2 (View author affiliations)")."""
    if "View author affiliations" in text:
        return True
    parts = [p for p in text.split(";") if p.strip()]
    with_degree = sum(bool(re.search(rf",\s*{_DEGREE}\b", p)) for p in parts)
    return len(text) < 1500 and with_degree >= 1 and with_degree >= 0.6 * len(parts)


def byline_authors(text: str) -> list[str]:
    """Return the names of an author line, in order, without degrees or affiliation marks."""
    text = text.replace("(View author affiliations)", "")
    names = []
    for part in text.split(";"):
        name = part.split(",")[0].strip()
        name = _AFFILIATION_MARK.sub("", name).strip()
        if name and len(name.split()) >= 2 and not re.fullmatch(_DEGREE, name):
            names.append(name)
    return names
