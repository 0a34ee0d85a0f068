"""The job queue outside tests' immediate mode: a queued job survives a worker restart and then runs."""

from __future__ import annotations

from pathlib import Path

from researchdesk.desk import open_desk
from researchdesk.web.config import WebSettings
from researchdesk.web.jobs import JobQueue, uploads_dir
from test_web_fixtures import LIBRARY, build_desk


def test_queued_ingest_survives_a_restart_and_reports_each_file(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", library_files=())
    web = WebSettings(jobs_immediate=False)
    folder = uploads_dir(settings) / "batch"
    folder.mkdir(parents=True)
    (folder / "a.htm").write_bytes((LIBRARY / "24_0109.htm").read_bytes())
    (folder / "b.txt").write_text("Notes on coalition work for smoke-free parks.\n" * 3, encoding="utf-8")
    with open_desk(settings) as desk:
        job_id = JobQueue(settings, web).submit(
            desk, "ingest", {"folder": str(folder), "files": ["a.htm", "b.txt", "gone.pdf"]}, "tester"
        )
        assert desk.store.job(job_id)["status"] == "queued"
    # A new queue object over the same desk (a restarted worker) still holds the job.
    restarted = JobQueue(settings, web)
    assert restarted.pending() == 1
    task = restarted.huey.dequeue()
    assert task is not None
    restarted.huey.execute(task)
    assert restarted.pending() == 0
    with open_desk(settings) as desk:
        job = desk.store.job(job_id)
    assert job["status"] == "done" and job["done"] == job["total"] == 3
    outcome = {f["name"]: f for f in job["result"]["files"]}
    assert outcome["a.htm"]["status"] == "added" and outcome["b.txt"]["status"] == "added"
    assert outcome["gone.pdf"]["status"] == "failed" and "disappeared" in outcome["gone.pdf"]["reason"]
    assert not folder.exists()  # the upload folder is cleaned after ingest


def test_unexpected_errors_fail_the_job_with_a_reason(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", library_files=())
    queue = JobQueue(settings, WebSettings(jobs_immediate=True))
    with open_desk(settings) as desk:
        job_id = queue.submit(desk, "scan", {"request_id": 424242}, "tester")
        job = desk.store.job(job_id)
    assert job["status"] == "failed" and "Request 424242 does not exist" in job["error"]


def test_a_running_job_without_progress_for_long_counts_as_stale() -> None:
    from datetime import UTC, datetime, timedelta

    from researchdesk.web.jobs import STALE_AFTER, is_stale

    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    fresh = {"status": "running", "updated_at": (now - timedelta(minutes=1)).isoformat()}
    old = {"status": "running", "updated_at": (now - STALE_AFTER - timedelta(seconds=1)).isoformat()}
    done = {"status": "done", "updated_at": (now - timedelta(days=1)).isoformat()}
    assert not is_stale(fresh, now) and is_stale(old, now) and not is_stale(done, now)
