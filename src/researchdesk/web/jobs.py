"""Background jobs: ingest, embed, scan and render outside the web request, with progress, failure reason and retry.

An ingest job ends once the files are read and their words indexed (the library is searchable then);
it queues an "embed" job that gives the new passages their vectors, saved a checkpoint at a time, so a
worker killed mid-way loses at most one checkpoint: the next embed job, or the next start of the
worker, goes on from there.

The queue is huey: its SQLite storage in the desk directory by default (a worker restart loses no
queued job), Redis when ``RESEARCHDESK_WEB_REDIS_URL`` is set. The queue only carries a job id; what
to do, how far it got and how it ended live in the desk's ``jobs`` table, which the pages read.
"""

from __future__ import annotations

import shutil
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey

from researchdesk.brief.render import FORMATS, RenderOptions, render_bytes, renderer_for
from researchdesk.brief.render.jsonfmt import brief_from_dict
from researchdesk.desk import Desk, open_desk
from researchdesk.discover.shortlist import bring_for_request, outcome_rows, search_for_request
from researchdesk.errors import InputError, ResearchDeskError, WorkflowError
from researchdesk.evidence import desk_model
from researchdesk.ingest.pipeline import FileOutcome, ingest_file
from researchdesk.models import Brief
from researchdesk.requests.scan import plan_for, run_scan
from researchdesk.search.desk import embed_pending, semantic_coverage
from researchdesk.settings import Settings
from researchdesk.web.config import WebSettings
from researchdesk.work import Job, JobStatus

KINDS = ("ingest", "embed", "scan", "render", "learn", "mail", "discover", "bring")
RETRYABLE = (JobStatus.FAILED,)
# A job still "running" this long after its last progress lost its worker (killed, machine restarted).
STALE_AFTER = timedelta(minutes=15)


def uploads_dir(settings: Settings) -> Path:
    """Return the folder where uploaded files wait for their ingest job."""
    return settings.home / "uploads"


def renders_dir(settings: Settings, request_id: int, version: int) -> Path:
    """Return the folder holding the rendered files of a brief version."""
    return settings.home / "renders" / f"request-{request_id}" / f"v{version}"


def brief_file_name(request_id: int, version: int, extension: str) -> str:
    """Return the file name of a rendered brief version (as downloads and render jobs name it)."""
    return f"brief-request-{request_id}-v{version}{extension}"


def write_render(target: Path, data: bytes) -> None:
    """Write a rendered file whole or not at all (a unique temporary file, then an atomic rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def is_stale(job: Job, now: datetime | None = None) -> bool:
    """Return True when a running job has shown no progress for STALE_AFTER (its worker is gone)."""
    if job.status is not JobStatus.RUNNING:
        return False
    updated = datetime.fromisoformat(job.updated_at)
    return (now or datetime.now(UTC)) - updated > STALE_AFTER


class JobQueue:
    """Submits jobs to huey and runs them (in the worker, or at once when immediate)."""

    def __init__(self, settings: Settings, web: WebSettings | None = None) -> None:
        web = web or WebSettings()
        self.settings = settings
        self.huey: Huey
        if web.redis_url:
            self.huey = RedisHuey("researchdesk", url=web.redis_url, immediate=web.jobs_immediate)
        else:
            settings.home.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey(
                "researchdesk",
                filename=str(settings.home / "jobs.sqlite3"),
                immediate=web.jobs_immediate,
                immediate_use_memory=True,
            )
        self._task = self.huey.task(name="researchdesk.job")(self.run)

    def submit(self, desk: Desk, kind: str, args: dict[str, Any], who: str) -> str:
        """Record a job and queue it; return its id."""
        if kind not in KINDS:
            raise InputError(f"Unknown job kind {kind!r}.", f"Choose one of: {', '.join(KINDS)}.")
        job_id = uuid.uuid4().hex[:16]
        desk.store.add_job(job_id, kind, args, who)
        self._task(job_id)
        return job_id

    def submit_once(self, desk: Desk, kind: str, args: dict[str, Any], who: str) -> str:
        """Queue a job unless one of the same kind and arguments already waits; return its id.

        Review decisions come in quick succession: one waiting "learn" job learns from them all.
        """
        for job in desk.store.jobs(limit=50):
            if job.kind == kind and job.status is JobStatus.QUEUED and job.args == args:
                return job.id
        return self.submit(desk, kind, args, who)

    def retry(self, desk: Desk, job_id: str) -> None:
        """Queue a failed job again from the start."""
        job = desk.store.job(job_id)
        if job.status not in RETRYABLE and not is_stale(job):
            raise WorkflowError(
                f"Job {job_id} is {job.status}; only a failed job (or one whose worker stopped) can be retried.",
                "Wait for it to finish, or start a new one.",
            )
        desk.store.update_job(job_id, status="queued", error="", done=0, message="queued again")
        self._task(job_id)

    def pending(self) -> int:
        """Return how many jobs wait in the queue."""
        return int(self.huey.pending_count())

    def run(self, job_id: str) -> None:
        """Run one job with a desk of its own; record progress, the result, or why it failed."""
        with open_desk(self.settings) as desk:
            job = desk.store.job(job_id)
            desk.store.update_job(job_id, status="running", message="started", error="")

            def progress(done: int, total: int, message: str) -> None:
                desk.store.update_job(job_id, done=done, total=total, message=message[:300])

            try:
                result = RUNNERS[job.kind](desk, job.args, progress)
            except ResearchDeskError as exc:
                desk.store.update_job(job_id, status="failed", error=str(exc), message="failed")
                return
            except Exception as exc:  # a bug or a broken file: keep the reason, never kill the worker
                tail = traceback.format_exception_only(type(exc), exc)[-1].strip()
                desk.store.update_job(
                    job_id,
                    status="failed",
                    error=f"Unexpected error: {tail}. Retry the job; if it fails again, report it.",
                    message="failed",
                )
                return
            desk.store.update_job(job_id, status="done", result=result, message="done")
            if job.kind in ("ingest", "bring"):  # new passages: their vectors follow in an embed job
                self.resume_embedding(desk, job.created_by or "worker")

    def resume_embedding(self, desk: Desk, who: str = "worker") -> str | None:
        """Queue an embed job when passages wait for their vectors (e.g. after a worker was killed);
        return its id, or None when every passage has one."""
        coverage = semantic_coverage(desk.store, desk.settings)
        if coverage.complete or not coverage.model:
            return None
        return self.submit_once(desk, "embed", {}, who)


Progress = Callable[[int, int, str], None]


def _ingest(desk: Desk, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    folder = Path(args["folder"])
    files = [folder / name for name in args["files"]]
    outcomes: list[FileOutcome] = [FileOutcome(**o) for o in args.get("rejected", [])]
    for i, path in enumerate(files):
        progress(i, len(files), f"reading {path.name}")

        def pages(done: int, total: int, i: int = i, name: str = path.name) -> None:
            progress(i, len(files), f"reading {name}: OCR page {done} of {total}")

        for outcome in ingest_file(desk, path, progress=pages):
            outcome.path = path.name  # never show the server's folder
            outcomes.append(outcome)
    progress(len(files), len(files), "indexing words")
    coverage = semantic_coverage(desk.store, desk.settings)  # searchable from here; vectors follow
    progress(len(files), len(files), "ingested")
    if folder.is_relative_to(uploads_dir(desk.settings)):
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "pending_embeddings": coverage.passages - coverage.embedded if coverage.model else 0,
        "summary": {s: sum(1 for o in outcomes if o.status == s) for s in ("added", "duplicate", "failed")},
        "files": [
            {
                "name": o.path,
                "status": o.status,
                "document_id": o.document_id,
                "title": o.title,
                "reason": o.reason,
                "hint": o.hint,
            }
            for o in outcomes
        ],
    }


def _embed(desk: Desk, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Give every passage without a vector its vector, saved a checkpoint at a time (resumable)."""
    progress(0, 0, "embedding passages")
    coverage = embed_pending(
        desk.store, desk.settings, progress=lambda done, total: progress(done, total, "embedding passages")
    )
    progress(coverage.embedded, coverage.passages, coverage.line())
    return coverage.to_dict()


def _scan(desk: Desk, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    request_id = int(args["request_id"])
    plan = plan_for(desk, request_id, args.get("who", "staff"))
    total = sum(len(f.queries) for f in plan.facets)
    done = 0

    def step(message: str) -> None:
        nonlocal done
        progress(done, total, message)
        done += 1

    result = run_scan(desk, request_id, who=args.get("who", "staff"), progress=step)
    progress(total, total, "scanned")
    return {
        "request_id": request_id,
        "run": result.run,
        "queries": result.queries,
        "passages": result.passages,
        "documents": len(result.documents),
        "evidence": len(result.evidence_ids),
        "not_found": result.not_found,
    }


def _learn(desk: Desk, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Retrain the desk model from the review labels (after review decisions on the web)."""
    progress(0, 1, "learning from review decisions")
    status = desk_model.retrain(
        desk, progress=lambda done, total: progress(done, total, "reading reviewed quotes")
    )
    progress(1, 1, "learned")
    return status.to_dict()


def stored_brief(desk: Desk, body: dict[str, Any], version: int) -> Brief:
    """Return a stored brief version (its JSON ``body``) ready to render: numbered, with its figures."""
    from researchdesk.brief.figures import brief_figures

    brief = brief_from_dict(body)
    brief.version = version
    brief.figures = brief_figures(desk, brief)
    return brief


def brief_options(desk: Desk) -> RenderOptions:
    """Return the desk's rendering options (its own templates folder when it has one)."""
    folder = desk.home / "templates"
    return RenderOptions(template_dir=folder if folder.is_dir() else None)


def _render(desk: Desk, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Render a stored brief version in each format asked for; the files go to its renders folder."""
    request_id, version = int(args["request_id"]), int(args["version"])
    formats = list(args.get("formats") or FORMATS)
    row = desk.store.brief_version(request_id, version)
    if row is None:
        raise InputError(f"Request {request_id} has no brief version {version}.", "Draft a brief first.")
    brief = stored_brief(desk, row.body, version)
    options = brief_options(desk)
    out = renders_dir(desk.settings, request_id, version)
    files = []
    for i, fmt in enumerate(formats):
        progress(i, len(formats), f"rendering {fmt}")
        renderer = renderer_for(fmt)
        target = out / brief_file_name(request_id, version, renderer.extension)
        write_render(target, render_bytes(brief, renderer.format, options))
        files.append(target.name)
    progress(len(formats), len(formats), "rendered")
    return {"request_id": request_id, "version": version, "files": files}


def _mail(desk: Desk, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Send what waits in the outbox; a message the server refuses stays there and fails the job (retry)."""
    from researchdesk.notify import send_outbox

    report = send_outbox(desk.settings)
    progress(len(report.sent), len(report.sent) + len(report.waiting), "sent")
    if report.errors:
        raise ResearchDeskError(
            f"{len(report.errors)} e-mail(s) could not be sent: {report.errors[0]}",
            "They stay in the outbox; check the SMTP settings and retry the job.",
        )
    return {"sent": len(report.sent), "waiting": len(report.waiting), "failed": len(report.failed)}


def _discover(desk: Desk, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Look beyond the library for a request: ask the services, keep the candidates as the request's list."""
    request_id, services = int(args["request_id"]), list(args["services"])
    progress(0, 1, f"asking {', '.join(services)}")
    result = search_for_request(
        desk, request_id, args["query"], services, int(args.get("limit", 25)), args.get("who", "staff")
    )
    progress(1, 1, "searched")
    return {
        "request_id": request_id,
        "query": result.query,
        "counts": result.counts,
        "errors": result.errors,
        "candidates": len(result.candidates),
        "new": len(result.new),
        "requests": len(result.exchanges),
        "cached": sum(1 for e in result.exchanges if e.cached),
    }


def _bring(desk: Desk, args: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Bring the works picked from a request's list into the library, each with its own outcome."""
    request_id = int(args["request_id"])
    outcomes = bring_for_request(
        desk,
        request_id,
        list(args["keys"]),
        bool(args.get("full_text", True)),
        args.get("who", "staff"),
        progress=progress,
    )
    return {"request_id": request_id, **outcome_rows(outcomes)}


RUNNERS: dict[str, Callable[[Desk, dict[str, Any], Progress], dict[str, Any]]] = {
    "ingest": _ingest,
    "embed": _embed,
    "scan": _scan,
    "render": _render,
    "learn": _learn,
    "mail": _mail,
    "discover": _discover,
    "bring": _bring,
}
