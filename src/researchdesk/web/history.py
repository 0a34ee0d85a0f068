"""A request's history in words: which quote a decision was about, what a change changed.

Which events a caller sees is the core's rule (``requests/access.py``); this module only words them."""

from __future__ import annotations

from researchdesk.models import Evidence
from researchdesk.web.review import short_quote
from researchdesk.work import Event


def _quote(evidence_id: int | None, quotes: dict[int, Evidence]) -> str:
    e = quotes.get(evidence_id) if evidence_id is not None else None
    if e is None:
        return f"quote {evidence_id}"
    return f"the {e.role} quote “{short_quote(e.quote, 80)}”"


def describe(event: Event, quotes: dict[int, Evidence]) -> str:
    """Return what happened in one event, in words (the quote a decision was about, what changed)."""
    subject, action, detail = event.subject, event.action, event.detail
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
        what = _quote(event.subject_id, quotes)
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
        version = detail.get("version", event.subject_id)
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
