"""The REST API's library and jobs (/api/v1/search, /documents, /jobs): search, read, upload, follow.

The same error bodies and router settings as the rest of the API (``api.py``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse

from researchdesk.desk import Desk
from researchdesk.errors import InputError
from researchdesk.library import passage_record
from researchdesk.web.api import ROUTER_SETTINGS, JobRef, UploadAccepted, UploadRefused, errors
from researchdesk.web.deps import RowId, context, get_desk, staff
from researchdesk.web.routes_library import receive_upload, refusal, run_search
from researchdesk.work import User

router = APIRouter(**ROUTER_SETTINGS)


@router.get("/search", responses=errors(400))
def search(
    request: Request,
    q: str,
    mode: str = "hybrid",
    top: int = 10,
    filter: list[str] | None = None,
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> dict[str, Any]:
    """Search the library; ``filter`` is repeatable key=value (source_type, date_from, date_to, publisher ...)."""
    if not 1 <= top <= 100:
        raise InputError(f"top={top} is out of range.", "Ask for 1 to 100 results.")
    return run_search(context(request), desk, q, mode, filter or [], top).to_dict()


@router.get("/documents/{document_id}", responses=errors(404))
def get_document(
    document_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> dict[str, Any]:
    """A library document's description and passages (without its full text)."""
    doc = desk.store.get_document(document_id)
    meta = asdict(doc.meta)
    meta["source_type"] = str(doc.meta.source_type)
    return {
        "id": doc.id,
        "meta": meta,
        "file_name": doc.file_name,
        "format": doc.format,
        "size": doc.size,
        "pages": doc.pages,
        "added_at": doc.added_at,
        "passages": [passage_record(p) for p in desk.store.passages(document_id)],
    }


@router.post(
    "/documents",
    status_code=202,
    response_model=UploadAccepted,
    responses={**errors(400), 422: {"model": UploadRefused, "description": UploadRefused.__doc__}},
)
async def upload_documents(
    request: Request,
    files: list[UploadFile] = File(..., description="One or more files to add to the library."),
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> JSONResponse:
    """Upload files; the good ones are ingested by a background job, the others are listed with the reason."""
    outcome = await receive_upload(context(request), desk, files, user.label)
    rejected = [vars(r) for r in outcome.rejected]
    if outcome.job_id is None:
        # Nothing to ingest: an error body like every other refusal, with each file's reason.
        refused = refusal(outcome.rejected)
        return JSONResponse(
            {**refused, "job_id": None, "url": None, "accepted": [], "rejected": rejected}, 422
        )
    return JSONResponse(
        {
            "job_id": outcome.job_id,
            "url": f"/api/v1/jobs/{outcome.job_id}",
            "accepted": outcome.accepted,
            "rejected": rejected,
        },
        status_code=202,
    )


@router.get("/jobs")
def list_jobs(user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> list[dict[str, Any]]:
    """The latest jobs with their progress."""
    return [job.to_dict() for job in desk.store.jobs(100)]


@router.get("/jobs/{job_id}", responses=errors(404))
def get_job(job_id: str, user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> dict[str, Any]:
    """One job: status, progress (done/total), message, error and result."""
    return desk.store.job(job_id).to_dict()


@router.post("/jobs/{job_id}/retry", status_code=202, responses=errors(404, 409))
def retry_job(
    job_id: str, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> JobRef:
    """Queue a failed job again."""
    context(request).jobs.retry(desk, job_id)
    return JobRef(job_id=job_id, url=f"/api/v1/jobs/{job_id}")
