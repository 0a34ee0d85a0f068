"""What the web app tells people by e-mail: a notice goes to the outbox and a mail job sends it, so a page
never waits for the mail server."""

from __future__ import annotations

from fastapi import Request

from researchdesk.desk import Desk
from researchdesk.notify import notify
from researchdesk.web.deps import context


def tell(request: Request, desk: Desk, request_id: int, kind: str, subject: str, body: str, who: str) -> int:
    """Write a notice about a request for everyone who gets ``kind`` and queue its sending; return how many."""
    files = notify(desk, request_id, kind, subject, body)
    if files:
        context(request).jobs.submit(desk, "mail", {"request_id": request_id, "kind": kind}, who)
    return len(files)


def short(text: str, most: int = 160) -> str:
    """Return the start of a text on one line (for e-mail subjects and summaries)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[:most].rsplit(" ", 1)[0] + "…"
