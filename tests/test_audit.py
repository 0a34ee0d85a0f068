"""Audit: every change to a request, its evidence and its brief is logged with who and when, and exported."""

from __future__ import annotations

from conftest import SAMPLE_LIBRARY, make_desk
from researchdesk.brief.service import deliver, draft
from researchdesk.evidence.review import accept, reject, relabel
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.requests.history import request_history
from researchdesk.requests.scan import run_scan
from researchdesk.requests.workflow import add_member, assign, file_request


def test_every_change_is_in_the_exported_history(tmp_path) -> None:  # type: ignore[no-untyped-def]
    desk = make_desk(tmp_path / "desk", embedder="none")
    ingest_paths(desk, [SAMPLE_LIBRARY / n for n in ("23_0283.htm", "23_0284.htm", "23_0311.htm")])
    add_member(desk, "Audit City", "city")
    rid = file_request(
        desk, "Audit City", "What are the barriers to local flavored tobacco policies?", who="ana"
    )
    assign(desk, rid, "lee", who="kim")
    result = run_scan(desk, rid, who="lee")
    first, second, third = result.evidence_ids[:3]
    accept(desk, first, "lee")
    reject(desk, second, "kim")
    old_role = desk.store.evidence(third).role.value
    new_role = "barrier" if old_role == "facilitator" else "facilitator"
    relabel(desk, third, "lee", role=new_role)
    _, report = draft(desk, rid, who="lee")
    assert report.ok, report.errors
    deliver(desk, rid, who="kim")

    history = request_history(desk, rid)
    assert all(e["who"] and e["at"] for e in history["events"])
    actions = [(e["subject"], e["action"], e["who"]) for e in history["events"]]
    assert ("request", "filed", "ana") in actions
    assert ("request", "assigned to lee", "kim") in actions
    assert ("scan", "scanned", "lee") in actions
    assert ("brief", "drafted", "lee") in actions and ("brief", "delivered", "kim") in actions
    assert any(a[1].startswith("status in review → delivered") for a in actions)
    by_id = {e["id"]: e for e in history["evidence"]}
    assert [h["action"] for h in by_id[first]["history"]] == ["accepted"]
    assert by_id[second]["status"] == "rejected" and by_id[second]["history"][0]["who"] == "kim"
    change = by_id[third]["history"][0]["detail"]["role"]
    assert change == {"old": old_role, "new": new_role}
    assert history["scans"][0]["queries"] and history["briefs"][0]["status"] == "delivered"
    desk.close()
