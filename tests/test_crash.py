"""Crash consistency: SIGKILL at random points of ingest, evidence extraction and delivery, many times.

After every kill the desk opens, `library check` passes, everything the killed process had
acknowledged (printed after its commit) is there, and running the same work again finishes it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from conftest import SAMPLE_LIBRARY, make_desk
from researchdesk.desk import open_desk
from researchdesk.library import check_library
from researchdesk.requests.workflow import add_member
from researchdesk.settings import Settings

ARTICLES = ("23_0283.htm", "23_0284.htm", "24_0171.htm", "23_0220.htm", "23_0311.htm", "24_0156.htm")
WORK = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from researchdesk.brief.service import deliver, draft
    from researchdesk.desk import open_desk
    from researchdesk.ingest.pipeline import ingest_paths
    from researchdesk.requests.scan import run_scan
    from researchdesk.requests.workflow import file_request
    from researchdesk.settings import Settings

    def ack(*parts):
        print(*parts, flush=True)

    home, folder = sys.argv[1], sys.argv[2]
    desk = open_desk(Settings(home=Path(home), embedder="none"))
    report = ingest_paths(desk, [folder])
    for o in report.outcomes:
        if o.document_id:
            ack("document", o.document_id)
    rid = desk.store.requests()[0].id if desk.store.requests() else file_request(
        desk, "Crash County", "What are the barriers and facilitators of local flavored tobacco policies?")
    ack("request", rid)
    if not desk.store.evidence_for(rid):
        for evidence_id in run_scan(desk, rid, who="crash").evidence_ids:
            ack("evidence", evidence_id)
    if desk.store.request(rid).status != "delivered":
        draft(desk, rid, who="crash", auto=True)
        ack("delivered", deliver(desk, rid, who="crash"))
    ack("done")
    """
)
RUNS = 5


def run_until_killed(home: Path, folder: Path, delay: float) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WORK, str(home), str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "RESEARCHDESK_EMBEDDER": "none"},
    )
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, -signal.SIGKILL), err[-2000:]
    return out.splitlines()


def prepare(tmp_path: Path, name: str) -> tuple[Path, Path]:
    home, folder = tmp_path / f"desk-{name}", tmp_path / f"in-{name}"
    folder.mkdir()
    for article in ARTICLES:
        (folder / article).write_bytes((SAMPLE_LIBRARY / article).read_bytes())
    desk = make_desk(home, embedder="none")
    add_member(desk, "Crash County", "county")
    desk.close()
    return home, folder


def test_killed_anywhere_the_desk_stays_consistent_and_the_work_resumes(tmp_path: Path) -> None:
    rng = random.Random(20261128)
    # How long the whole job takes here, so the kills land inside it (the machine may be slow or busy):
    # the faster of two runs on fresh desks, the job alone (not making its desk).
    durations = []
    for name in ("calibrate-1", "calibrate-2"):
        home, folder = prepare(tmp_path, name)
        started = time.perf_counter()
        assert run_until_killed(home, folder, 600)[-1] == "done"
        durations.append(time.perf_counter() - started)
    duration = min(durations)
    kills = 0
    for run in range(RUNS):
        home, folder = prepare(tmp_path, str(run))
        acked: list[str] = []
        # Kill at a random moment, twice, then let the work run to the end.
        for _ in range(2):
            lines = run_until_killed(home, folder, rng.uniform(0.1, 0.75) * duration)
            kills += "done" not in lines
            acked += lines
            settings = Settings(home=home, embedder="none")
            desk = open_desk(settings)
            report = check_library(desk)
            assert report.ok, report.errors
            ids = desk.store.document_ids()
            for line in acked:
                kind, _, value = line.partition(" ")
                if kind in ("document", "delivered"):
                    assert int(value) in ids, line
                elif kind == "evidence":
                    desk.store.evidence(int(value))
            desk.close()
        final = run_until_killed(home, folder, 600)
        assert final[-1] == "done"
        desk = open_desk(Settings(home=home, embedder="none"))
        assert check_library(desk).ok
        request = desk.store.requests()[0]
        assert request.status == "delivered"
        products = [d for d in desk.store.documents() if d.meta.source_type.value == "our product"]
        assert len(products) == 1  # a delivery resumed after a kill never files the brief twice
        assert len(desk.store.requests()) == 1
        library = [d for d in desk.store.documents() if d.meta.source_type.value != "our product"]
        assert len(library) == len(ARTICLES)
        desk.close()
    print(
        f"\ncrash consistency: {2 * RUNS} kills sent, {kills} landed mid-work, all {RUNS} desks consistent and resumed"
    )
    assert kills >= RUNS  # at least one kill per run landed mid-way
