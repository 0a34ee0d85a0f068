"""The main job end to end on a sample library: what `make demo` runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from researchdesk.brief.checks import CheckReport
from researchdesk.brief.render import FORMATS
from researchdesk.brief.service import deliver, draft, render_files
from researchdesk.desk import Desk
from researchdesk.errors import ResearchDeskError
from researchdesk.ingest.pipeline import IngestReport, ingest_paths
from researchdesk.models import Brief
from researchdesk.requests.scan import ScanResult, run_scan
from researchdesk.requests.workflow import add_member, add_person, file_request
from researchdesk.search.desk import sync_index

MEMBER = "Riverside County Department of Public Health"
REQUESTER = ("Dana Ortiz", "dana.ortiz@riverside-county.example")
FIRST_PROMPT = (
    "We are launching a cross-sector initiative on chronic disease prevention with our county health department "
    "and local partners. What are the barriers and facilitators of getting local tobacco and nutrition policies "
    "adopted and implemented? Have we produced any products or case studies on this?"
)
SECOND_PROMPT = (
    "Our board is weighing a county ordinance to restrict flavored tobacco sales. What barriers have local "
    "governments met when adopting tobacco policies, and what helped them? Have we produced anything on this?"
)


@dataclass
class DemoRun:
    request_id: int
    scan: ScanResult
    brief: Brief
    check: CheckReport
    files: list[Path]
    document_id: int | None = None


@dataclass
class DemoResult:
    ingest: IngestReport
    runs: list[DemoRun] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def run_demo(
    desk: Desk,
    library: Path,
    out: Path,
    say: Callable[[str], None] = lambda _: None,
    index_progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Build the library, answer one request end to end, deliver it, and show it coming back for the next."""
    t0 = time.perf_counter()
    say(f"Ingesting {library} …")
    report = ingest_paths(desk, [library])
    t1 = time.perf_counter()
    say(f"Indexing {desk.store.count_passages()} passages (embeddings are computed once) …")
    sync_index(desk.store, desk.settings, progress=index_progress)
    t2 = time.perf_counter()
    result = DemoResult(ingest=report, seconds={"ingest": t1 - t0, "index": t2 - t1})
    try:
        desk.store.organization(MEMBER)
    except ResearchDeskError:
        add_member(desk, MEMBER, "county")
        add_person(desk, REQUESTER[0], REQUESTER[1], MEMBER, "member")
    for n, prompt in enumerate((FIRST_PROMPT, SECOND_PROMPT), start=1):
        started = time.perf_counter()
        say(f"Request {n}: filing, scanning, drafting …")
        rid = file_request(desk, MEMBER, prompt, REQUESTER[1], who=REQUESTER[1])
        scan = run_scan(desk, rid, who="demo")
        brief, check = draft(desk, rid, who="demo", auto=True)
        files = render_files(desk, rid, list(FORMATS), out)
        run = DemoRun(rid, scan, brief, check, files)
        if n == 1:
            run.document_id = deliver(desk, rid, who="demo")
        result.runs.append(run)
        result.seconds[f"request {n}"] = time.perf_counter() - started
    return result
