"""Beyond the library inside a request: the plan's step, its scan log, and retracted sources in the brief's checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE_LIBRARY, make_desk
from discover_replay import Replay, donners_search, recorded
from researchdesk.brief.checks import check_brief
from researchdesk.brief.service import check, draft
from researchdesk.desk import Desk
from researchdesk.discover import discover
from researchdesk.discover.http import PoliteClient
from researchdesk.discover.retractions import allow_retracted
from researchdesk.discover.shortlist import load_shortlist
from researchdesk.evidence.review import accept
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.requests.beyond_library import BEYOND_FACET, BEYOND_LIMIT
from researchdesk.requests.scan import plan_for, run_scan, save_plan
from researchdesk.requests.workflow import add_member, file_request

PROMPT = "What are the barriers to local flavored tobacco policies?"


def tobacco_desk(tmp_path: Path) -> tuple[Desk, int]:
    desk = make_desk(tmp_path / "desk", embedder="none")
    ingest_paths(desk, [SAMPLE_LIBRARY / n for n in ("23_0283.htm", "23_0284.htm", "23_0311.htm")])
    add_member(desk, "Scan City", "city")
    return desk, file_request(desk, "Scan City", PROMPT, who="ana")


def prime(desk: Desk, subject: str, services: dict[str, dict]) -> None:  # type: ignore[type-arg]
    """Ask each service once, online through the replay, so the scan below answers from the cache."""
    replay = Replay()
    replay.add(
        "https://api.openalex.org/works", services.get("openalex") or recorded("openalex_works_title_search")
    )
    replay.add(
        "https://www.ebi.ac.uk/europepmc/webservices/rest/search",
        services.get("europepmc") or recorded("europepmc_search_empty"),
    )
    desk.settings.online = True
    with PoliteClient(desk.settings, transport=replay.transport, sleep=lambda _s: None) as http:
        for name in services:
            discover(desk, subject, [name], BEYOND_LIMIT, client=http, save=False)
    desk.settings.online = False


def test_the_plan_step_runs_only_when_asked_and_logs_every_request(tmp_path: Path) -> None:
    desk, rid = tobacco_desk(tmp_path)
    first = run_scan(desk, rid)
    assert first.beyond == []
    assert all(e.facet != BEYOND_FACET for e in desk.store.scan_log(rid, first.run))

    plan = plan_for(desk, rid)
    plan.look_beyond = True
    save_plan(desk, rid, plan, "lee")
    assert plan_for(desk, rid).look_beyond
    [subject] = plan.subjects
    prime(desk, subject, {"openalex": recorded("openalex_works_title_search")})  # Europe PMC never answered
    second = run_scan(desk, rid)
    rows = [e for e in desk.store.scan_log(rid, second.run) if e.facet == BEYOND_FACET]
    assert [(r.query, r.mode) for r in rows] == [(subject, "external"), (subject, "external")]
    by_service = {r.filters["service"]: r for r in rows}
    openalex_row, epmc_row = by_service["openalex"], by_service["europepmc"]
    assert openalex_row.passages == 1 and openalex_row.filters["requests"][0]["cached"] is True
    assert openalex_row.filters["requests"][0]["url"].startswith("https://api.openalex.org/works?search=")
    assert epmc_row.passages == 0 and "offline" in epmc_row.filters["error"]
    assert [c["title"] for c in second.beyond] == [
        "PaperQA: Retrieval-Augmented Generative Agent for Scientific Research"
    ]
    # The request keeps its own list for its "Beyond the library" page, whatever the desk ran since.
    kept = load_shortlist(desk, rid)
    assert [c.key for c in kept.candidates] == [c["key"] for c in second.beyond] and kept.query == subject
    assert (second.passages, second.documents) == (
        first.passages,
        first.documents,
    )  # the library scan is unchanged
    log = (desk.settings.discover_dir / "log.jsonl").read_text().splitlines()
    assert any(json.loads(line)["context"] == "discover" and json.loads(line)["cached"] for line in log)
    desk.close()


def test_a_retracted_source_is_refused_until_staff_record_why(tmp_path: Path) -> None:
    desk, rid = tobacco_desk(tmp_path)
    result = run_scan(desk, rid)
    accept(desk, result.evidence_ids[0], "lee")
    brief, report = draft(desk, rid, who="lee")
    assert report.ok, report.errors
    doc_id = brief.sources[0].document_id
    doc = desk.store.get_document(doc_id)
    notice = {
        "kind": "retraction",
        "doi": "10.9999/notice",
        "date": "2024-05-01",
        "source": "crossref (publisher)",
    }
    desk.store.update_document_extra(doc_id, {**doc.extra, "retracted": True, "notices": [notice]})
    refused = check_brief(desk, brief)
    assert not refused.ok
    [error] = [e for e in refused.errors if "retracted" in e]
    assert "retraction 10.9999/notice" in error and f"researchdesk retractions allow {doc_id}" in error
    allow_retracted(desk, doc_id, "kim", "The retraction concerns a table we do not quote.")
    _, allowed = check(desk, rid)
    assert allowed.ok, allowed.errors
    assert any("quoted by decision of kim" in w for w in allowed.warnings)
    desk.close()
    found = json.loads(run_cli(tmp_path / "desk", "search", "flavored tobacco", "--json").stdout)["hits"]
    assert {h["document_id"]: h["flag"] for h in found if h["flag"]} == {doc_id: "RETRACTED"}


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "researchdesk", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "RESEARCHDESK_EMBEDDER": "none"},
        timeout=300,
    )


def test_the_command_line_answers_offline_from_the_cache_and_brings_in(tmp_path: Path) -> None:
    desk = make_desk(tmp_path / "desk", embedder="none")
    query = "emicizumab prophylaxis"
    replay = Replay()
    replay.add("https://api.openalex.org/works", donners_search())
    desk.settings.online = True
    with PoliteClient(desk.settings, transport=replay.transport, sleep=lambda _s: None) as http:
        discover(desk, query, ["openalex"], 25, client=http)
    desk.close()
    home = tmp_path / "desk"
    listed = run_cli(home, "discover", query, "--service", "openalex", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["counts"] == {"openalex": 25} and all(r["cached"] for r in data["requests"])
    first = data["candidates"][0]
    assert "emicizumab" in (first["title"] + first["abstract"]).lower()
    text = run_cli(home, "discover", query, "--service", "openalex")
    assert "1. " in text.stdout and "why: " in text.stdout
    brought = run_cli(home, "bring", "1", "--record-only", "--json")
    assert brought.returncode == 0, brought.stderr
    [outcome] = json.loads(brought.stdout)
    assert outcome["status"] == "added" and outcome["document_id"] == 1
    shown = json.loads(run_cli(home, "library", "show", "1", "--json").stdout)
    assert shown["meta"]["title"] == first["title"] and shown["meta"]["doi"] == first["doi"]
    assert shown["passages"] >= 1 and shown["first_passages"][0]["section"] == "Abstract"
    missing = run_cli(home, "discover", "something never asked", "--service", "crossref")
    assert missing.returncode != 0 and "--online" in missing.stderr and "Traceback" not in missing.stderr
    assert run_cli(home, "bring", "99").returncode != 0
