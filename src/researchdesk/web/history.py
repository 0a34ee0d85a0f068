"""A request's history in words: which quote a decision was about, what a change changed; members see the
request's own story (filed, status, files, delivery, messages), not staff's working steps."""

from __future__ import annotations

from typing import Any

from researchdesk.desk import Desk
from researchdesk.models import Evidence
from researchdesk.web.review import short_quote

# Request events a member sees; any other request event (plan derived or edited, assignment) is staff's.
MEMBER_REQUEST_ACTIONS = ("filed",)
MEMBER_SUBJECTS = {"request", "brief", "file", "message"}


def member_sees(event: dict[str, Any]) -> bool:
    """Return True for an event that tells a member where their request stands."""
    subject, action = event["subject"], str(event["action"])
    if subject == "request":
        return action in MEMBER_REQUEST_ACTIONS or action.startswith(("status ", "due date moved"))
    if subject == "brief":
        return action == "delivered"
    return subject in MEMBER_SUBJECTS


def _quote(evidence_id: Any, quotes: dict[int, Evidence]) -> str:
    e = quotes.get(int(evidence_id)) if evidence_id is not None else None
    if e is None:
        return f"quote {evidence_id}"
    return f"the {e.role} quote “{short_quote(e.quote, 80)}”"


def describe(event: dict[str, Any], quotes: dict[int, Evidence]) -> str:
    """Return what happened in one event, in words (the quote a decision was about, what changed)."""
    subject, action, detail = event["subject"], str(event["action"]), event.get("detail") or {}
    if subject == "request":
        if action == "filed":
            return "filed the request"
        if action.startswith("status "):
            old, _, new = action[len("status ") :].partition(" → ")
            reason = f" ({detail['decline_reason']})" if detail.get("decline_reason") else ""
            return f"moved the request from {old} to {new}{reason}"
        if action.startswith("assigned to"):
            return f"assigned the request to {action[len('assigned to') :].strip() or 'nobody'}"
        if action == "plan derived":
            return "drew up the research plan from the question"
        if action == "plan edited":
            return "edited the research plan"
        return action
    if subject == "scan":
        return (
            f"ran the scan ({detail.get('queries', 0)} queries, {detail.get('evidence', 0)} quotes suggested)"
        )
    if subject == "evidence":
        if action == "suggested":
            return f"the scan suggested {detail.get('count', 0)} quotes"
        if action.startswith("bulk "):
            return f"{action[len('bulk ') :]} {len(detail.get('ids', []))} quotes at once"
        what = _quote(event.get("subject_id"), quotes)
        if action == "relabelled":
            changes = [
                f"{k} {v.get('old') or '—'} → {v.get('new') or '—'}"
                for k, v in detail.items()
                if k in ("role", "label") and isinstance(v, dict)
            ]
            if "codes" in detail:
                changes.append("theme codes changed")
            return f"relabelled {what}" + (f" ({'; '.join(changes)})" if changes else "")
        if action == "undone":
            status = detail.get("status", {}).get("new") if isinstance(detail.get("status"), dict) else None
            return f"undid the decision on {what}" + (f" (back to {status})" if status else "")
        return f"{action} {what}"
    if subject == "discover":
        if action == "looked beyond the library":
            return (
                f"looked beyond the library for “{short_quote(str(detail.get('query', '')), 80)}” "
                f"({detail.get('candidates', 0)} works found)"
            )
        added, failed = len(detail.get("added", [])), len(detail.get("failed", []))
        return f"brought {added} work(s) in from beyond the library" + (f", {failed} failed" if failed else "")
    if subject == "brief" and action == "cover note saved":
        return "saved the cover note"
    if subject == "brief":
        version = detail.get("version", event.get("subject_id"))
        return f"{action} brief version {version}"
    if subject == "file":
        return f"attached {detail.get('name', 'a file')}"
    if subject == "message":
        said = short_quote(str(detail.get("body", "")), 100)
        return {
            "confirmation": "confirmed receipt with the expected date",
            "question": f"asked a question: “{said}”",
            "answer": f"answered: “{said}”",
            "cover note": f"delivered with a note: “{said}”",
        }.get(action, f"wrote: “{said}”")

    return action


def visible_events(
    desk: Desk, is_staff: bool, request_id: int, limit: int, offset: int = 0, newest_first: bool = True
) -> tuple[int, list[dict[str, Any]]]:
    """Return how many events of a request the caller sees, and one page of them (members: their story only)."""
    if is_staff:
        total = desk.store.count_events(request_id)
        return total, desk.store.events(request_id, limit=limit, offset=offset, newest_first=newest_first)
    # a member's request has a short story: read it whole, keep what members see, page it
    story = [e for e in desk.store.events(request_id, newest_first=newest_first) if member_sees(e)]
    return len(story), story[offset : offset + limit]
