"""Human review of suggested evidence: accept, reject, relabel, undo, with history; re-verification.

Every human decision is also kept as a review label (``store.review_labels``): the quote, its document
and request, who decided, what (kept or dropped) and under which heading. The desk model
(``evidence/learning.py``) learns from those labels. An unattended auto-accept is not a decision and
leaves no label.
"""

from __future__ import annotations

from dataclasses import dataclass

from researchdesk.desk import Desk
from researchdesk.errors import InputError, UnknownChoice
from researchdesk.evidence.verify import verify
from researchdesk.models import Decision, Evidence, ReviewLabel, ReviewStatus, Role
from researchdesk.store.clock import now

ROLES = tuple(r.value for r in Role)


def accept(desk: Desk, evidence_id: int, reviewer: str) -> Evidence:
    """Mark evidence accepted by ``reviewer``; the decision is kept as a label (kept, under its heading)."""
    evidence = desk.store.update_evidence(
        evidence_id,
        {"status": str(ReviewStatus.ACCEPTED), "reviewer": reviewer, "reviewed_at": now()},
        reviewer,
        "accepted",
    )
    _label(desk, evidence, reviewer, Decision.KEPT)
    return evidence


def reject(desk: Desk, evidence_id: int, reviewer: str) -> Evidence:
    """Mark evidence rejected by ``reviewer``; it stays stored but never reaches a brief (label: dropped)."""
    evidence = desk.store.update_evidence(
        evidence_id,
        {"status": str(ReviewStatus.REJECTED), "reviewer": reviewer, "reviewed_at": now()},
        reviewer,
        "rejected",
    )
    _label(desk, evidence, reviewer, Decision.DROPPED)
    return evidence


def undo(desk: Desk, evidence_id: int, reviewer: str) -> Evidence:
    """Return reviewed evidence to the suggestions; the reviewer's label is withdrawn (kept in history)."""
    evidence = desk.store.evidence(evidence_id)
    if evidence.status is ReviewStatus.SUGGESTED:
        raise InputError(
            f"Evidence {evidence_id} has not been reviewed yet; there is nothing to undo.",
            "Accept, reject or relabel it first.",
        )
    desk.store.withdraw_review_label(evidence_id, reviewer)
    return desk.store.update_evidence(
        evidence_id,
        {"status": str(ReviewStatus.SUGGESTED), "reviewer": "", "reviewed_at": ""},
        reviewer,
        "undone",
    )


def resolve(desk: Desk, evidence_id: int, reviewer: str, decision: Decision, role: str | None = None) -> Evidence:
    """Settle reviewers' disagreement on a quote: this label outranks every other label of it.

    The evidence takes the resolved status (accepted or rejected) and, when given, the resolved role.
    """
    if role is not None and role not in ROLES:
        raise UnknownChoice("role", role, ROLES)
    status = ReviewStatus.ACCEPTED if decision is Decision.KEPT else ReviewStatus.REJECTED
    changes: dict[str, object] = {"status": str(status), "reviewer": reviewer, "reviewed_at": now()}
    if role is not None:
        changes["role"] = role
    evidence = desk.store.update_evidence(evidence_id, changes, reviewer, "resolved")
    _label(desk, evidence, reviewer, decision, origin="resolution")
    return evidence


def record_decision(desk: Desk, evidence: Evidence, reviewer: str) -> None:
    """Label evidence as its review status stands (after an undo put an earlier decision back)."""
    if evidence.status is ReviewStatus.SUGGESTED:
        desk.store.withdraw_review_label(evidence.id, reviewer)
        return
    kept = evidence.status in (ReviewStatus.ACCEPTED, ReviewStatus.EDITED)
    _label(desk, evidence, reviewer, Decision.KEPT if kept else Decision.DROPPED)


def request_subject(desk: Desk, request_id: int | None) -> str:
    """Return the subjects of a request's plan as one line (what a label was decided against)."""
    if request_id is None:
        return ""
    plan = desk.store.request(request_id).plan or {}
    subjects = plan.get("subjects") if isinstance(plan, dict) else None
    if subjects:
        return "; ".join(str(s) for s in subjects)
    return " ".join(str(k) for k in plan.get("keywords", [])) if isinstance(plan, dict) else ""


def suggested_role(desk: Desk, evidence: Evidence) -> Role:
    """Return the role the desk suggested for this evidence, before any reviewer changed it."""
    for event in desk.store.evidence_history(evidence.id):
        change = event.detail.get("role") if isinstance(event.detail, dict) else None
        if isinstance(change, dict) and change.get("old") in ROLES:
            return Role(change["old"])
    return evidence.role


def _label(desk: Desk, evidence: Evidence, reviewer: str, decision: Decision, origin: str = "review") -> None:
    desk.store.add_review_labels(
        [
            ReviewLabel(
                document_id=evidence.document_id,
                quote=evidence.quote,
                reviewer=reviewer,
                decision=decision,
                role=evidence.role,
                suggested=suggested_role(desk, evidence),
                subject=request_subject(desk, evidence.request_id),
                evidence_id=evidence.id,
                request_id=evidence.request_id,
                origin=origin,
            )
        ]
    )


def relabel(
    desk: Desk,
    evidence_id: int,
    reviewer: str,
    role: str | None = None,
    codes: list[str] | None = None,
    label: str | None = None,
) -> Evidence:
    """Change the role, codes or short label of evidence; the old values stay in its history."""
    from researchdesk.evidence.codebooks import desk_codebooks, load_codebooks, validate_code

    changes: dict[str, object] = {}
    if role is not None:
        if role not in ROLES:
            raise UnknownChoice("role", role, ROLES)
        changes["role"] = role
        desk.store.set_reviewer_label(evidence_id, reviewer, role)
    if codes is not None:
        books = load_codebooks(
            list(dict.fromkeys([*desk.settings.codebooks, *desk_codebooks(desk.home)])), desk.home
        )
        changes["codes"] = [validate_code(c, books) for c in codes]
    if label is not None:
        changes["label"] = label.strip()
    if not changes:
        raise InputError("Nothing to change.", "Pass --role, --code or --label.")
    changes.update({"status": str(ReviewStatus.EDITED), "reviewer": reviewer, "reviewed_at": now()})
    evidence = desk.store.update_evidence(evidence_id, changes, reviewer, "relabelled")
    _label(desk, evidence, reviewer, Decision.KEPT)
    return evidence


def record_label(desk: Desk, evidence_id: int, reviewer: str, role: str) -> None:
    """Record a reviewer's independent role judgement (for agreement), without changing the evidence."""
    if role not in ROLES:
        raise UnknownChoice("role", role, ROLES)
    desk.store.evidence(evidence_id)
    desk.store.set_reviewer_label(evidence_id, reviewer, role)


def auto_accept(desk: Desk, request_id: int, who: str = "auto-accept") -> int:
    """Accept every suggested quote of a request (an unattended first draft); return how many."""
    items = desk.store.evidence_for(request_id, status=str(ReviewStatus.SUGGESTED))
    for e in items:
        desk.store.update_evidence(
            e.id,
            {"status": str(ReviewStatus.ACCEPTED), "reviewer": who, "reviewed_at": now()},
            who,
            "accepted",
        )
    return len(items)


@dataclass
class VerifyOutcome:
    evidence_id: int
    status: str
    message: str = ""


def verify_all(desk: Desk, request_id: int | None = None) -> list[VerifyOutcome]:
    """Verify every stored quote against its document; relocated quotes get their new offsets.

    Each verdict is stored through the store, a changed one in the quote's history (``set_verification``).
    """
    out = []
    texts: dict[int, str] = {}
    present = desk.store.document_ids()
    for e in desk.store.evidence_for(request_id):
        if e.document_id not in present:
            out.append(
                VerifyOutcome(e.id, "not found", f"document {e.document_id} was removed from the library")
            )
            desk.store.set_verification(e.id, "not found", "verify")
            continue
        if e.document_id not in texts:
            texts[e.document_id] = desk.store.get_document(e.document_id).text
        result = verify(e.quote, e.start, e.end, texts[e.document_id], pieces=e.pieces or None)
        if result.status == "relocated":
            desk.store.update_evidence(
                e.id,
                {"start": result.start, "end": result.end, "verification": "relocated"},
                "verify",
                "relocated",
            )
        else:
            desk.store.set_verification(e.id, result.status, "verify")
        out.append(VerifyOutcome(e.id, result.status, result.message))
    return out
