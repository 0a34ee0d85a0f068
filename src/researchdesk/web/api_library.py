"""The REST API's library and jobs (/api/v1/search, /documents, /jobs): search, read, upload, follow.

The same error bodies and router settings as the rest of the API (``api.py``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import Field

from researchdesk.desk import Desk
from researchdesk.errors import InputError
from researchdesk.web.api import ROUTER_SETTINGS, ErrorBody, errors
from researchdesk.web.api_models import JobOut, JobRef
from researchdesk.web.api_models_library import DocumentOut, RejectedFile, SearchOut, UploadAccepted
from researchdesk.web.deps import RowId, context, get_desk, staff
from researchdesk.web.routes_library import receive_upload, refusal, run_search
from researchdesk.work import User

router = APIRouter(**ROUTER_SETTINGS)


class UploadRefused(ErrorBody):
    """No file was accepted (each is listed with its reason), or the request does not match this description."""

    job_id: None = None
    url: None = None
    accepted: list[str] = Field(default_factory=list)
    rejected: list[RejectedFile] = Field(default_factory=list)


@router.get("/search", responses=errors(400))
def search(
    request: Request,
    q: str,
    mode: str = "hybrid",
    top: int = 10,
    filter: list[str] | None = None,
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> SearchOut:
    """Search the library; ``filter`` is repeatable key=value (source_type, date_from, date_to, publisher ...)."""
    if not 1 <= top <= 100:
        raise InputError(f"top={top} is out of range.", "Ask for 1 to 100 results.")
    return SearchOut.of_results(run_search(context(request), desk, q, mode, filter or [], top))


@router.get("/documents/{document_id}", responses=errors(404))
def get_document(
    document_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> DocumentOut:
    """A library document's description and passages (without its full text)."""
    return DocumentOut.of_document(desk.store.get_document(document_id), desk.store.passages(document_id))


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
) -> UploadAccepted | JSONResponse:
    """Upload files; the good ones are ingested by a background job, the others are listed with the reason."""
    outcome = await receive_upload(context(request), desk, files, user.label)
    rejected = [RejectedFile.of(r) for r in outcome.rejected]
    if outcome.job_id is None:
        # Nothing to ingest: an error body like every other refusal, with each file's reason.
        refused = UploadRefused.model_validate({**refusal(outcome.rejected), "rejected": rejected})
        return JSONResponse(refused.model_dump(mode="json"), 422)
    return UploadAccepted(
        job_id=outcome.job_id,
        url=f"/api/v1/jobs/{outcome.job_id}",
        accepted=outcome.accepted,
        rejected=rejected,
    )


@router.get("/jobs")
def list_jobs(user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> list[JobOut]:
    """The latest jobs with their progress."""
    return [JobOut.of(job) for job in desk.store.jobs(100)]


@router.get("/jobs/{job_id}", responses=errors(404))
def get_job(job_id: str, user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> JobOut:
    """One job: status, progress (done/total), message, error and result."""
    return JobOut.of(desk.store.job(job_id))


@router.post("/jobs/{job_id}/retry", status_code=202, responses=errors(404, 409))
def retry_job(
    job_id: str, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> JobRef:
    """Queue a failed job again."""
    context(request).jobs.retry(desk, job_id)
    return JobRef(job_id=job_id, url=f"/api/v1/jobs/{job_id}")
