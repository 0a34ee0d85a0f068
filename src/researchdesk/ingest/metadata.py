"""Normalising bibliographic values: dates, DOIs, titles, languages. Never invents a value."""

from __future__ import annotations

import re
from datetime import datetime

# The duplicate key of titles lives with the document model (the store computes it too).
from researchdesk.models import normalize_title as normalize_title

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}

_DOI = re.compile(r"10\.\d{4,9}/[^\s\"'<>]+", re.IGNORECASE)


def normalize_date(value: str) -> str:
    """Return ``value`` as ISO ``YYYY[-MM[-DD]]``, or "" when it holds no recognisable date."""
    text = (value or "").strip()
    if not text:
        return ""
    # ISO and ISO-like: 2024-02-29, 2024/02/29, 2024-02, 2024-02-29T10:00:00Z, D:20240229 (PDF)
    m = re.match(r"^(?:D:)?(\d{4})(?:[-/.]?(\d{2}))?(?:[-/.]?(\d{2}))?", text)
    if m and 1500 <= int(m.group(1)) <= 2200:
        year, month, day = m.group(1), m.group(2), m.group(3)
        if month and 1 <= int(month) <= 12:
            if day and 1 <= int(day) <= 31:
                return f"{year}-{month}-{day}"
            return f"{year}-{month}"
        return year
    # "February 29, 2024", "29 February 2024", "Feb 2024", "2024 Feb 29"
    words = re.findall(r"[A-Za-z]+|\d+", text)
    year = next((w for w in words if w.isdigit() and len(w) == 4 and 1500 <= int(w) <= 2200), "")
    if not year:
        return ""
    month = next((_MONTHS[w.lower()] for w in words if w.lower() in _MONTHS), 0)
    day = next((int(w) for w in words if w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 31), 0)
    if month and day:
        try:
            datetime(int(year), month, day)
        except ValueError:
            return f"{year}-{month:02d}"
        return f"{year}-{month:02d}-{day:02d}"
    if month:
        return f"{year}-{month:02d}"
    return year


def normalize_doi(value: str) -> str:
    """Return the bare DOI (``10.xxxx/...``, lower case) found in ``value``, or ""."""
    m = _DOI.search(value or "")
    return m.group(0).rstrip(".,;)").lower() if m else ""


def clean_text(value: str) -> str:
    """Return ``value`` with runs of whitespace collapsed and ends trimmed."""
    return " ".join((value or "").split())


_STOP_EN = {"the", "and", "of", "to", "in", "a", "is", "that", "for", "with", "are", "on", "as", "was", "be"}
_STOP_ES = {"el", "la", "de", "que", "y", "en", "los", "las", "por", "con", "para", "una", "es", "del"}
_STOP_FR = {"le", "la", "les", "de", "des", "et", "en", "un", "une", "du", "est", "pour", "que", "dans"}
_STOP_DE = {"der", "die", "das", "und", "ist", "nicht", "mit", "den", "von", "zu", "ein", "eine", "auf"}


def guess_language(text: str) -> str:
    """Return an ISO 639-1 code guessed from stop words (en, es, fr, de), or "" when unsure."""
    words = re.findall(r"[a-záéíóúñçàèùäöüß]+", (text or "")[:20000].lower())
    if len(words) < 20:
        return ""
    scores = {
        code: sum(1 for w in words if w in stops)
        for code, stops in (("en", _STOP_EN), ("es", _STOP_ES), ("fr", _STOP_FR), ("de", _STOP_DE))
    }
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= max(3, len(words) * 0.05) else ""
