"""A request's conversation: messages between the member's people and staff, clarifying questions that
pause the due date until answered, the confirmation with an expected date, the cover note of a delivery.

Every message is an event of the request (subject "message"), so it is in the request's history, its
export and its backups; the kind says what it is.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from researchdesk.desk import Desk
from researchdesk.errors import InputError, UnknownChoice, WorkflowError
from researchdesk.requests.limits import check_length
from researchdesk.work import Event, Request

KINDS = ("confirmation", "message", "question", "answer", "cover note")
STAFF_KINDS = ("confirmation", "question", "cover note")
SUBJECT = "message"


def expected_date(req: Request, turnaround_days: int, paused_days: int = 0) -> str:
    """Return the date the member can expect the brief: the due date, else filing + the service's turnaround,
    moved on by the days a clarifying question waited for its answer."""
    if req.due:
        return req.due
    filed = date.fromisoformat(req.created_at[:10])
    return (filed + timedelta(days=turnaround_days + paused_days)).isoformat()


def attachment_events(desk: Desk, request_id: int) -> list[Event]:
    """Return the 'attached' events of a request: each keeps a file's name, size, format and blob digest."""
    return [e for e in desk.store.events(request_id, subjects=("file",)) if e.action == "attached"]


def attachments(desk: Desk, request_id: int) -> list[dict[str, Any]]:
    """Return the files attached to a request (kept as 'attached' events with their blob digest)."""
    return [{"id": e.id, **e.detail, "who": e.who, "at": e.at} for e in attachment_events(desk, request_id)]


def messages(desk: Desk, request_id: int) -> list[dict[str, Any]]:
    """Return a request's messages, oldest first: kind, body, who, when, and whether a question is open."""
    out = []
    for e in desk.store.events(request_id, subjects=(SUBJECT,)):
        detail = e.detail
        out.append(
            {
                "id": e.id,
                "kind": e.action,
                "body": detail.get("body", ""),
                "who": e.who,
                "by_staff": bool(detail.get("by_staff")),
                "at": e.at,
                "paused_days": detail.get("paused_days", 0),
            }
        )
    return out


def open_question(desk: Desk, request_id: int) -> dict[str, Any] | None:
    """Return the clarifying question still waiting for the member's answer, if any."""
    waiting = None
    for m in messages(desk, request_id):
        if m["kind"] == "question":
            waiting = m
        elif m["kind"] == "answer":
            waiting = None
    return waiting


def paused_days(desk: Desk, request_id: int) -> int:
    """Return the days the request has waited, in all, for answers to clarifying questions."""
    return sum(int(m["paused_days"]) for m in messages(desk, request_id) if m["kind"] == "answer")


def post(
    desk: Desk,
    request_id: int,
    body: str,
    who: str,
    by_staff: bool,
    kind: str = "message",
    today: date | None = None,
) -> dict[str, Any]:
    """Add a message to a request's thread; return it. A member's reply to an open question is its answer,
    and the days the question waited move the due date on (the clock stopped while the desk waited)."""
    if kind not in KINDS:
        raise UnknownChoice("message kind", kind, KINDS)
    if kind in STAFF_KINDS and not by_staff:
        raise WorkflowError(f"Only staff send a {kind}.", "Write a message instead.")
    text = body.strip()
    if not text:
        raise InputError("The message is empty.", "Write what you want to say, then send it.")
    check_length("message", text)
    req = desk.store.request(request_id)
    detail: dict[str, Any] = {"body": text, "by_staff": by_staff}
    waiting = open_question(desk, request_id)
    if kind == "question" and waiting is not None:
        raise WorkflowError(
            "A clarifying question is already waiting for the member's answer.",
            "Wait for the answer, or write a message instead.",
        )
    if not by_staff and waiting is not None and kind == "message":
        kind = "answer"
    if kind == "answer":
        if waiting is None:
            raise WorkflowError("No question is waiting for an answer.", "Write a message instead.")
        asked = date.fromisoformat(str(waiting["at"])[:10])
        days = max(0, ((today or date.today()) - asked).days)
        detail["paused_days"] = days
        if days and req.due:
            moved = (date.fromisoformat(req.due) + timedelta(days=days)).isoformat()
            desk.store.update_request(
                request_id,
                {"due": moved},
                who,
                f"due date moved to {moved} (paused {days} days for a question)",
            )
    desk.store.log_event(request_id, SUBJECT, None, kind, detail, who)
    return messages(desk, request_id)[-1]
