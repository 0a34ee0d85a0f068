"""The full history of a request, for audit: every change with who and when, in one export."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from researchdesk.desk import Desk
from researchdesk.models import Evidence
from researchdesk.work import BriefVersion, Event, Request, ScanQuery


@dataclass(frozen=True)
class RequestHistory:
    """A request with every event, each scan's queries (by run), each piece of evidence with its changes,
    and every brief version."""

    request: Request
    events: list[Event]
    scans: list[tuple[int, list[ScanQuery]]]
    evidence: list[tuple[Evidence, list[Event]]]
    briefs: list[BriefVersion]

    def to_dict(self) -> dict[str, Any]:
        """Return the history as JSON-ready data (the export of ``researchdesk request history``)."""
        evidence = []
        for e, changes in self.evidence:
            item = asdict(e)
            item["role"], item["status"] = str(e.role), str(e.status)
            item["history"] = [event.to_dict() for event in changes]
            evidence.append(item)
        return {
            "request": self.request.to_dict(),
            "events": [event.to_dict() for event in self.events],
            "scans": [{"run": run, "queries": [q.to_dict() for q in queries]} for run, queries in self.scans],
            "evidence": evidence,
            "briefs": [brief.to_dict() for brief in self.briefs],
        }


def gather_history(desk: Desk, request_id: int) -> RequestHistory:
    """Return a request's whole history as the store keeps it."""
    store = desk.store
    return RequestHistory(
        request=store.request(request_id),
        events=store.events(request_id),
        scans=[(run, store.scan_log(request_id, run)) for run in range(1, store.next_scan_run(request_id))],
        evidence=[(e, store.evidence_history(e.id)) for e in store.evidence_for(request_id)],
        briefs=store.brief_versions(request_id),
    )


def request_history(desk: Desk, request_id: int) -> dict[str, Any]:
    """Return a request with every event, scan query, piece of evidence (with its changes) and brief version."""
    return gather_history(desk, request_id).to_dict()
