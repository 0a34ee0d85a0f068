"""The job queue outside tests' immediate mode: a queued job survives a worker restart and then runs."""

from __future__ import annotations

from pathlib import Path

from researchdesk.desk import open_desk
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.search.desk import search as run_search
from researchdesk.search.desk import semantic_coverage
from researchdesk.web.config import WebSettings
from researchdesk.web.jobs import JobQueue, uploads_dir
from test_web_fixtures import LIBRARY, build_desk


def test_queued_ingest_survives_a_restart_and_reports_each_file(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", library_files=())
    settings = settings.model_copy(update={"embedder": "minilm-onnx"})
    web = WebSettings(jobs_immediate=False)
    folder = uploads_dir(settings) / "batch"
    folder.mkdir(parents=True)
    (folder / "a.htm").write_bytes((LIBRARY / "24_0109.htm").read_bytes())
    (folder / "b.txt").write_text("Notes on coalition work for smoke-free parks.\n" * 3, encoding="utf-8")
    with open_desk(settings) as desk:
        job_id = JobQueue(settings, web).submit(
            desk, "ingest", {"folder": str(folder), "files": ["a.htm", "b.txt", "gone.pdf"]}, "tester"
        )
        assert desk.store.job(job_id).status == "queued"
    # A new queue object over the same desk (a restarted worker) still holds the job.
    restarted = JobQueue(settings, web)
    assert restarted.pending() == 1
    task = restarted.huey.dequeue()
    assert task is not None
    restarted.huey.execute(task)
    with open_desk(settings) as desk:
        job = desk.store.job(job_id)
        # The ingest job ends once the words are indexed: searchable now, lexically; an embed job follows.
        assert semantic_coverage(desk.store, settings).embedded == 0
        lexical = run_search(desk.store, settings, "smoke-free parks coalition", embed=False)
        assert (
            lexical.mode == "lexical" and lexical.hits and "semantic index: 0 of" in " ".join(lexical.notes)
        )
        follow = desk.store.jobs(limit=5)[0]
    assert job.status == "done" and job.done == job.total == 3
    assert job.result["pending_embeddings"] > 0
    assert follow.kind == "embed" and follow.status == "queued" and restarted.pending() == 1
    embed_task = restarted.huey.dequeue()
    assert embed_task is not None
    restarted.huey.execute(embed_task)
    assert restarted.pending() == 0
    with open_desk(settings) as desk:
        embedded = desk.store.job(follow.id)
        coverage = semantic_coverage(desk.store, settings)
        assert run_search(desk.store, settings, "smoke-free parks coalition", embed=False).mode == "hybrid"
    assert embedded.status == "done" and embedded.result["complete"] and coverage.complete
    assert embedded.result["embedded"] == coverage.passages == job.result["pending_embeddings"]
    outcome = {f["name"]: f for f in job.result["files"]}
    assert outcome["a.htm"]["status"] == "added" and outcome["b.txt"]["status"] == "added"
    assert outcome["gone.pdf"]["status"] == "failed" and "disappeared" in outcome["gone.pdf"]["reason"]
    assert not folder.exists()  # the upload folder is cleaned after ingest


def test_a_worker_started_with_passages_waiting_queues_their_embedding(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", library_files=())
    settings = settings.model_copy(update={"embedder": "minilm-onnx"})
    web = WebSettings(jobs_immediate=False)
    with open_desk(settings) as desk:
        ingest_paths(desk, [LIBRARY / "24_0109.htm"])
        queue = JobQueue(settings, web)
        job_id = queue.resume_embedding(desk)  # what `researchdesk worker` does as it starts
        assert job_id is not None and desk.store.job(job_id).kind == "embed"
        assert queue.resume_embedding(desk) == job_id  # queued once
        task = queue.huey.dequeue()
        assert task is not None
        queue.huey.execute(task)
        assert semantic_coverage(desk.store, settings).complete
        assert queue.resume_embedding(desk) is None  # nothing waits


def test_unexpected_errors_fail_the_job_with_a_reason(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", library_files=())
    queue = JobQueue(settings, WebSettings(jobs_immediate=True))
    with open_desk(settings) as desk:
        job_id = queue.submit(desk, "scan", {"request_id": 424242}, "tester")
        job = desk.store.job(job_id)
    assert job.status == "failed" and "Request 424242 does not exist" in job.error


def test_a_running_job_without_progress_for_long_counts_as_stale() -> None:
    from datetime import UTC, datetime, timedelta

    from researchdesk.web.jobs import STALE_AFTER, is_stale
    from researchdesk.work import Job, JobStatus

    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def job(status: JobStatus, ago: timedelta) -> Job:
        stamp = (now - ago).isoformat()
        return Job("j", "scan", {}, status, 0, 0, "", "", {}, "t", stamp, stamp)

    fresh = job(JobStatus.RUNNING, timedelta(minutes=1))
    old = job(JobStatus.RUNNING, STALE_AFTER + timedelta(seconds=1))
    done = job(JobStatus.DONE, timedelta(days=1))
    assert not is_stale(fresh, now) and is_stale(old, now) and not is_stale(done, now)


def test_the_search_page_and_api_say_how_much_of_the_library_is_embedded(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from researchdesk.accounts import new_api_token
    from researchdesk.search.desk import sync_index
    from researchdesk.web.app import create_app
    from test_web_fixtures import sign_in

    settings, _ = build_desk(tmp_path / "desk", library_files=("24_0109.htm",))
    settings = settings.model_copy(update={"embedder": "minilm-onnx"})
    with open_desk(settings) as desk:
        index = sync_index(desk.store, settings, embed=False)  # words only: the vectors are to come
        total = len(index)
        token = new_api_token(desk, "staff@desk.example", "test")
    app = create_app(settings, WebSettings(jobs_immediate=False))
    with TestClient(app, base_url="https://testserver") as client:
        sign_in(client, "staff@desk.example")
        empty = client.get("/search")
        assert f"semantic index: 0 of {total:,} passages (0 %)" in empty.text
        page = client.get("/search", params={"q": "smoke-free parks coalition"})
        assert "mode lexical" in page.text and f"semantic index: 0 of {total:,}" in page.text
        # A checkpoint of vectors saved by the worker reaches the next search of the running app.
        index.embed_pending(limit=40)
        index.save(settings.index_dir)
        part = index.coverage().embedded
        assert 0 < part < total
        page = client.get("/search", params={"q": "smoke-free parks coalition"})
        assert "mode hybrid" in page.text and f"semantic index: {part:,} of {total:,}" in page.text
        api = client.get(
            "/api/v1/search", params={"q": "smoke-free parks"}, headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert api["mode"] == "hybrid" and api["semantic_index"]["embedded"] == part
        assert api["semantic_index"]["passages"] == total and api["semantic_index"]["complete"] is False
