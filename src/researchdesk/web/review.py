"""The evidence-review page's own logic: filters, pages, progress, the "why" in plain words, bulk
decisions and undo. Decisions go through ``evidence.review`` (accept, reject, relabel); undo puts back
the values the store's event log kept from before the decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from researchdesk.desk import Desk
from researchdesk.errors import InputError, UnknownChoice, WorkflowError
from researchdesk.evidence.review import ROLES, accept, record_decision, reject, undo
from researchdesk.models import Evidence, Passage, ReviewStatus
from researchdesk.work import Event

# Cards per page: a screen or two of decisions, so a page loads fast and nothing scrolls for ever.
PAGE_SIZE = 25
DECISIONS = ("accepted", "rejected", "relabelled")
BULK_ACTIONS = {"accept": accept, "reject": reject}
# Fields a decision changes; undo puts their old values back.
# The desk model names the reviewed quote a suggestion is like ("like quote #412 you filed under ...").
LEARNED = re.compile(r"(like (?:quote #\d+|imported label \d+) you (?:filed under [A-Za-z]+|dropped|kept as [a-z ]+))")
DECIDED_FIELDS = ("status", "reviewer", "reviewed_at", "role", "codes", "label")
UNDONE = "undone"
CUE = re.compile(r"\b([a-z][a-z ]*?): '([^']+)'")
TABLE_LABEL = re.compile(r"table label '([^']+)'")
MATCHES = re.compile(r"matches: ([^;]+)")
ARTICLE = {"example": "an example", "statistic": "a statistic", "research gap": "a research gap"}


@dataclass(frozen=True)
class Filters:
    """What the review page shows: each empty field means "any"."""

    status: str = ""
    role: str = ""
    source: int | None = None
    facet: str = ""

    def query(self, **changes: Any) -> str:
        """Return these filters (with ``changes``) as a query string for links."""
        values = {**vars(self), **changes}
        parts = [f"{k}={v}" for k, v in values.items() if v not in ("", None)]
        return "&".join(parts)

    def keeps(self, e: Evidence) -> bool:
        """Return True when ``e`` passes every filter."""
        return (
            (not self.status or str(e.status) == self.status)
            and (not self.role or str(e.role) == self.role)
            and (self.source is None or e.document_id == self.source)
            and (not self.facet or e.facet == self.facet)
        )


def filters_of(status: str = "", role: str = "", source: str = "", facet: str = "") -> Filters:
    """Return the page's filters from its query, refusing values outside their lists."""
    statuses = [s.value for s in ReviewStatus]
    if status and status not in statuses:
        raise UnknownChoice("status", status, statuses)
    if role and role not in ROLES:
        raise UnknownChoice("role", role, ROLES)
    if source and not source.isdigit():
        raise InputError(f"{source!r} is not a source number.", "Choose a source from the list.")
    return Filters(status, role, int(source) if source else None, facet.strip())


def progress(items: list[Evidence]) -> dict[str, int]:
    """Return how many quotes are decided (anything but suggested) out of all of them."""
    done = sum(1 for e in items if e.status != ReviewStatus.SUGGESTED)
    return {"done": done, "total": len(items)}


def choices(items: list[Evidence], titles: dict[int, str]) -> dict[str, list[tuple[str, str, int]]]:
    """Return the values each filter can take on this request, with how many quotes each has."""

    def counted(pairs: list[tuple[str, str]]) -> list[tuple[str, str, int]]:
        counts: dict[tuple[str, str], int] = {}
        for pair in pairs:
            counts[pair] = counts.get(pair, 0) + 1
        return sorted(((v, shown, n) for (v, shown), n in counts.items()), key=lambda t: (-t[2], t[1]))

    return {
        "role": counted([(str(e.role), str(e.role)) for e in items]),
        "source": counted([(str(e.document_id), titles.get(e.document_id, "(removed)")) for e in items]),
        "facet": counted([(e.facet, e.facet) for e in items if e.facet]),
        "status": counted([(str(e.status), str(e.status)) for e in items]),
    }


def where_from(passage: Passage | None) -> str:
    """Return where in its source a quote stands, in words ("table row under Results › Barriers, page 4")."""
    if passage is None:
        return ""
    kind = str(passage.kind)
    parts = []
    if kind == "table row":
        parts.append(f"a table row{f' ({passage.label})' if passage.label else ''}")
    elif kind == "list item":
        parts.append("a list item")
    section = passage.section.strip()
    if section:
        parts.append(f"{'under' if parts else 'the section'} “{section}”")
    if passage.page:
        parts.append(f"page {passage.page}")
    return "From " + ", ".join(parts) + "." if parts else ""


def plain_why(e: Evidence) -> str:
    """Return why the desk suggested this quote with this role, in words (no scores or model internals)."""
    role = str(e.role)
    named = ARTICLE.get(role, f"a {role}")
    reasons: list[str] = []
    label = TABLE_LABEL.search(e.reason)
    if label:
        reasons.append(f"the source's own table labels it “{label.group(1)}”")
    if "row theme" in e.reason:
        reasons.append("its table row's theme says so")
    cues = [phrase for cue_role, phrase in CUE.findall(e.reason) if cue_role.strip() == role]
    if cues:
        said = ", ".join(f"“{c}”" for c in dict.fromkeys(cues))
        reasons.append(f"it says {said}")
    if role == "statistic" and "numeric finding" in e.reason:
        reasons.append("it reports a figure")
    if "by the model" in e.reason or (
        not reasons and "model" in e.reason and role in ("barrier", "facilitator")
    ):
        reasons.append(f"its wording reads as {named} to the sentence model (no single telling word)")
    if "names both roles" in e.reason:
        reasons.append("it names both barriers and facilitators, so it is read as background")
    if "by this desk's reviews" in e.reason:
        reasons.insert(0, "your earlier reviews filed quotes like it here")
    if not reasons:
        reasons.append("no word in it points to a barrier or a facilitator")
    sentence = f"Suggested as {named}: " + "; ".join(reasons) + "."
    taught = LEARNED.search(e.reason)
    if taught:
        sentence += f" Your reviews: it is {taught.group(1)}."
    matched = MATCHES.search(e.reason)
    if matched:
        sentence += (
            f" It shares the request's words {', '.join(w.strip() for w in matched.group(1).split(','))}."
        )
    return sentence


def short_quote(text: str, most: int = 90) -> str:
    """Return the start of a quote on one line, cut at a word with an ellipsis when long."""
    flat = " ".join(text.split())
    if len(flat) <= most:
        return flat
    return flat[:most].rsplit(" ", 1)[0] + "…"


def decide_many(desk: Desk, request_id: int, ids: list[int], action: str, who: str) -> list[Evidence]:
    """Accept or reject several quotes of one request at once; return them as they are now."""
    if action not in BULK_ACTIONS:
        raise UnknownChoice("bulk action", action, BULK_ACTIONS)
    if not ids:
        raise InputError(
            "No quote is selected.", "Tick the quotes to decide (or press x on each), then choose."
        )
    mine = {e.id for e in desk.store.evidence_for(request_id)}
    foreign = [i for i in ids if i not in mine]
    if foreign:
        raise InputError(
            f"Evidence {', '.join(map(str, foreign))} is not part of request {request_id}.",
            "Select quotes on this request's review page.",
        )
    done = [BULK_ACTIONS[action](desk, i, who) for i in dict.fromkeys(ids)]
    desk.store.log_event(
        request_id, "evidence", None, f"bulk {done[0].status}", {"ids": [e.id for e in done]}, who
    )
    return done


def last_decision(desk: Desk, request_id: int, who: str) -> list[Event]:
    """Return the events of ``who``'s latest decision on this request not yet undone (a bulk: all of them).

    ``who``'s decisions form a stack, oldest first: a decision pushes, a bulk marker gathers its quotes'
    decisions into one entry, and each "undone" takes its quote off the top entry.
    """
    events = desk.store.events(request_id, subjects=("evidence",), newest_first=True, limit=5000)
    stack: list[list[Event]] = []
    for ev in reversed(events):
        if ev.who != who:
            continue
        action = ev.action
        if ev.subject_id is None and action.startswith("bulk "):
            ids = set(ev.detail.get("ids", []))
            group: list[Event] = []
            # Each quote of the bulk decision was decided once by it: earlier decisions on the same quote
            # (rejected by hand, then again in the bulk) stay entries of their own.
            while stack and len(stack[-1]) == 1 and stack[-1][0].subject_id in ids:
                ids.discard(stack[-1][0].subject_id)
                group = stack.pop() + group
            if group:
                stack.append(group)
        elif action in DECISIONS:
            stack.append([ev])
        elif action == UNDONE and stack:
            stack[-1] = [g for g in stack[-1] if g.subject_id != ev.subject_id]
            if not stack[-1]:
                stack.pop()
    return stack[-1] if stack else []


def undo_last(desk: Desk, request_id: int, who: str) -> list[Evidence]:
    """Put back what ``who``'s latest decision on this request changed; return the quotes as they are now.

    A quote that was a suggestion before goes back through ``evidence.review.undo`` (its review label is
    withdrawn); a decision that overrode an earlier one gets the earlier values back from the event log.
    """
    group = last_decision(desk, request_id, who)
    if not group:
        raise WorkflowError("There is no decision of yours to undo on this request.", "Decide on a quote first.")
    restored = []
    for ev in group:
        eid = ev.subject_id
        if eid is None:  # never so: a decision is always about one quote
            continue
        old = {k: v["old"] for k, v in ev.detail.items() if k in DECIDED_FIELDS}
        old = {k: ("" if v is None and k != "codes" else v) for k, v in old.items()}
        if old.get("status") == str(ReviewStatus.SUGGESTED):
            undo(desk, eid, who)
            old = {k: v for k, v in old.items() if k in ("role", "codes", "label")}
            if old:  # a relabelled suggestion gets its role, codes and label back too
                desk.store.update_evidence(eid, old, who, "restored")
            restored.append(desk.store.evidence(eid))
            continue
        back = desk.store.update_evidence(eid, old, who, UNDONE)
        record_decision(desk, back, who)  # the label follows the decision put back
        restored.append(back)
    return restored


def card_state(e: Evidence) -> dict[str, Any]:
    """Return what the page shows of a quote after a decision (for the page's script)."""
    return {
        "id": e.id,
        "status": str(e.status),
        "role": str(e.role),
        "label": e.label,
        "codes": list(e.codes),
        "reviewer": e.reviewer,
        "why": plain_why(e),
    }
