"""The full history of a request, for audit: every change with who and when, in one export."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from researchdesk.desk import Desk


def request_history(desk: Desk, request_id: int) -> dict[str, Any]:
    """Return a request with every event, scan query, piece of evidence (with its changes) and brief version."""
    store = desk.store
    request = store.request(request_id)
    evidence = []
    for e in store.evidence_for(request_id):
        item = asdict(e)
        item["role"], item["status"] = str(e.role), str(e.status)
        item["history"] = [event.to_dict() for event in store.evidence_history(e.id)]
        evidence.append(item)
    runs = range(1, store.next_scan_run(request_id))
    return {
        "request": request.to_dict(),
        "events": [event.to_dict() for event in store.events(request_id)],
        "scans": [{"run": run, "queries": store.scan_log(request_id, run)} for run in runs],
        "evidence": evidence,
        "briefs": [brief.to_dict() for brief in store.brief_versions(request_id)],
    }
