"""How long the texts people type may be: a request's question and context, a message, a brief's own words.

A research question is a paragraph or two; the limits leave room for a long one with pasted background
while refusing a pasted report (attach that as a file instead). One table, read by the checks here, the
web forms (``maxlength``) and the API, so a limit is never typed twice.
"""

from __future__ import annotations

from researchdesk.errors import InputError

# field -> (what people call it, most characters)
TEXT_LIMITS: dict[str, tuple[str, int]] = {
    "prompt": ("the question", 10_000),
    "context": ("the context", 10_000),
    "message": ("the message", 10_000),
    "reason": ("the reason", 2_000),
    "summary": ("the summary", 20_000),
    "next_steps": ("the next steps", 10_000),
    "cover_note": ("the cover note", 10_000),
    "metadata": ("a metadata field", 2_000),
}


def limit_of(field: str) -> int:
    """Return the most characters ``field`` may hold."""
    return TEXT_LIMITS[field][1]


def check_length(field: str, value: str) -> str:
    """Return ``value`` when it fits the limit of ``field``; otherwise raise InputError naming both lengths."""
    what, most = TEXT_LIMITS[field]
    if len(value) > most:
        raise InputError(
            f"{what[0].upper()}{what[1:]} is {len(value):,} characters long; the limit is {most:,}.",
            "Shorten it, or attach the long text as a file.",
        )
    return value
