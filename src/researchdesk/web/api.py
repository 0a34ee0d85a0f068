"""The REST API (/api/v1): the same operations and the same permission rules as the pages, as JSON.

Scripts authenticate with ``Authorization: Bearer <token>``; a browser session may call it too, and
then every unsafe call needs the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from researchdesk.brief.render import FORMATS, renderer_for
from researchdesk.brief.service import check, deliver, draft
from researchdesk.desk import Desk
from researchdesk.errors import InputError
from researchdesk.evidence.review import accept, reject, relabel
from researchdesk.requests.access import (
    visible_brief,
    visible_briefs,
    visible_events,
    visible_request,
    visible_requests,
)
from researchdesk.requests.history import gather_history
from researchdesk.requests.plan import ResearchPlan
from researchdesk.requests.scan import plan_for, save_plan
from researchdesk.requests.thread import attachment_events
from researchdesk.requests.workflow import assign, file_request, set_status
from researchdesk.web.api_models import (
    Assigned,
    BriefChecked,
    BriefOut,
    CheckOut,
    Delivered,
    EventOut,
    EvidenceOut,
    HistoryOut,
    JobRef,
    Me,
    MemberListed,
    MemberRequestDetail,
    PlanOut,
    RequestDetail,
    RequestOut,
    ScanQueryOut,
    StaffListed,
    StatusChanged,
    request_detail,
)
from researchdesk.web.deps import (
    MAX_ID,
    PAGE_SIZE,
    RowId,
    check_csrf,
    context,
    get_desk,
    signed_in,
    staff,
)
from researchdesk.web.routes_member import brief_download, confirm_filing
from researchdesk.work import RequestStatus, User


class ErrorBody(BaseModel):
    """The body of every refused call (one exception handler renders them all)."""

    error: str = Field(..., description="The error's kind, e.g. RequestNotFound or InputError.")
    message: str = Field(..., description="What went wrong.")
    hint: str = Field(..., description="What to do next.")
    status: int = Field(..., description="The HTTP status, repeated.")


_WHY = {
    400: "The input is not valid; the message says which part and the hint how to correct it.",
    401: "No valid API token (Authorization: Bearer) or session.",
    403: "Staff only, or a browser session's unsafe call without its X-CSRF-Token header.",
    404: "No such item, or not one the caller may see (another organization's work is 'not found').",
    409: "The item is not in a state that allows this (a stale version, a finished job, a failed check).",
    413: "The request body is over the size limit.",
    422: "The request does not match this description (a missing field, a wrong type).",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI ``responses`` for the error statuses an operation may answer, all with ErrorBody."""
    return {code: {"model": ErrorBody, "description": _WHY[code]} for code in codes}


# Every API router (this one, ``api_library.py``'s): one prefix, CSRF for sessions, the common errors.
ROUTER_SETTINGS: dict[str, Any] = {
    "prefix": "/api/v1",
    "tags": ["api"],
    "dependencies": [Depends(check_csrf)],
    "responses": errors(401, 403, 413, 422),
}
router = APIRouter(**ROUTER_SETTINGS)


class NewRequest(BaseModel):
    prompt: str = Field(..., description="The member's question, verbatim.")
    context: str = Field("", description="Background the member gives.")
    due: str = Field("", description="Due date, YYYY-MM-DD.")
    organization: str = Field("", description="Staff only: the member organization filing it.")


class StatusChange(BaseModel):
    status: str
    version: int = Field(
        ...,
        ge=1,
        le=MAX_ID,
        description="The request version you saw (a concurrent change is a 409 conflict).",
    )
    reason: str = ""


class Assignment(BaseModel):
    assignee: str


class Relabel(BaseModel):
    role: str | None = None
    codes: list[str] | None = None
    label: str | None = None


@router.get("/me")
def me(user: User = Depends(signed_in)) -> Me:
    """The signed-in user."""
    return Me.of(user)


@router.get("/requests", responses=errors(400))
def list_requests(
    status: str = "",
    limit: int = Query(100, ge=1, le=1000, description="How many requests to return."),
    offset: int = Query(0, ge=0, le=MAX_ID, description="How many to skip (for the next page)."),
    user: User = Depends(signed_in),
    desk: Desk = Depends(get_desk),
) -> list[StaffListed] | list[MemberListed]:
    """Requests a page at a time: all by due date for staff, the organization's own newest first for a member
    (staff see who is assigned, a member when the request last moved)."""
    found = visible_requests(desk, user, status or None, limit=limit, offset=offset)
    if user.is_staff:
        return [StaffListed.of(r) for r in found]
    return [MemberListed.of(r) for r in found]


@router.post("/requests", status_code=201, responses=errors(400, 404, 409))
def new_request(
    body: NewRequest, request: Request, user: User = Depends(signed_in), desk: Desk = Depends(get_desk)
) -> RequestOut:
    """File a request (a member files for their own organization); the member is sent the confirmation with
    the expected date, and staff a notice, as when filing on the page."""
    if user.is_staff:
        if not body.organization:
            raise InputError("Staff must name the organization filing the request.", "Set `organization`.")
        rid = file_request(desk, body.organization, body.prompt, None, body.context, body.due, who=user.label)
    else:
        rid = file_request(
            desk, str(user.organization), body.prompt, user.email, body.context, body.due, who=user.label
        )
    confirm_filing(request, desk, rid, user.label)
    return RequestOut.of(desk.store.request(rid))


@router.get("/requests/{request_id}", responses=errors(404))
def get_request(
    request_id: RowId, user: User = Depends(signed_in), desk: Desk = Depends(get_desk)
) -> RequestDetail | MemberRequestDetail:
    """A request with its attachments, visible brief versions and its newest events (``events``, newest
    first; ``events_total`` counts them all, and ``/events`` pages through them); a member is not shown
    the research plan."""
    req = visible_request(desk, user, request_id)
    total, events = visible_events(desk, user.is_staff, request_id, PAGE_SIZE)
    briefs = visible_briefs(desk, user, request_id)
    files = attachment_events(desk, request_id)
    return request_detail(req, not user.is_staff, total, events, briefs, files)


@router.get("/requests/{request_id}/events", responses=errors(404))
def list_events(
    request_id: RowId,
    limit: int = Query(100, ge=1, le=1000, description="How many events to return."),
    offset: int = Query(0, ge=0, le=MAX_ID, description="How many to skip (for the next page)."),
    user: User = Depends(signed_in),
    desk: Desk = Depends(get_desk),
) -> list[EventOut]:
    """A request's event log in order, oldest first, a page at a time (a member sees the request's own
    story: filed, status changes, files, messages and delivery; not staff's working steps)."""
    visible_request(desk, user, request_id)
    page = visible_events(desk, user.is_staff, request_id, limit, offset, newest_first=False)[1]
    return [EventOut.of(e) for e in page]


@router.get("/requests/{request_id}/history", responses=errors(403, 404))
def get_history(request_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> HistoryOut:
    """The request's full history for audit: every event, scan, piece of evidence with its changes,
    and brief version (the same export as ``researchdesk request history``)."""
    return HistoryOut.of_history(gather_history(desk, request_id))


@router.post("/requests/{request_id}/status", responses=errors(400, 404, 409))
def change_status(
    request_id: RowId, body: StatusChange, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> StatusChanged:
    """Move a request along the workflow."""
    version = set_status(
        desk, request_id, body.status, user.label, body.reason, expected_version=body.version
    )
    return StatusChanged(id=request_id, status=RequestStatus(body.status), version=version)


@router.post("/requests/{request_id}/assign", responses=errors(400, 404, 409))
def assign_request(
    request_id: RowId, body: Assignment, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Assigned:
    """Assign a request to a staff member."""
    assign(desk, request_id, body.assignee, user.label)
    return Assigned(id=request_id, assignee=body.assignee)


@router.get("/requests/{request_id}/plan", responses=errors(404))
def get_plan(request_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> PlanOut:
    """The research plan (derived the first time)."""
    return PlanOut.of(plan_for(desk, request_id, user.label))


@router.put("/requests/{request_id}/plan", responses=errors(400, 404))
def put_plan(
    request_id: RowId, body: dict[str, Any], user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> PlanOut:
    """Replace the research plan (the shape GET returns)."""
    desk.store.request(request_id)
    try:
        plan = ResearchPlan.from_dict(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"The plan is not valid: {exc}.", "Send the shape GET /plan returns.") from exc
    save_plan(desk, request_id, plan, user.label)
    return PlanOut.of(plan)


@router.post("/requests/{request_id}/scan", status_code=202, responses=errors(404, 409))
def start_scan(
    request_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> JobRef:
    """Run the scan as a background job."""
    desk.store.request(request_id)
    job_id = context(request).jobs.submit(
        desk, "scan", {"request_id": request_id, "who": user.label}, user.label
    )
    return JobRef(job_id=job_id, url=f"/api/v1/jobs/{job_id}")


@router.get("/requests/{request_id}/scan-log", responses=errors(404))
def scan_log(
    request_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> list[ScanQueryOut]:
    """The latest scan's log: every query, filter and count."""
    desk.store.request(request_id)
    return [ScanQueryOut.of(query) for query in desk.store.scan_log(request_id)]


@router.get("/requests/{request_id}/evidence", responses=errors(400, 404))
def list_evidence(
    request_id: RowId, status: str = "", user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> list[EvidenceOut]:
    """The request's evidence, optionally of one review status."""
    desk.store.request(request_id)
    return [EvidenceOut.of(e) for e in desk.store.evidence_for(request_id, status=status or None)]


@router.post("/evidence/{evidence_id}/accept", responses=errors(404, 409))
def accept_evidence(
    request: Request, evidence_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> EvidenceOut:
    """Accept a quote."""
    reviewed = accept(desk, evidence_id, user.label)
    context(request).jobs.submit_once(desk, "learn", {}, user.label)
    return EvidenceOut.of(reviewed)


@router.post("/evidence/{evidence_id}/reject", responses=errors(404, 409))
def reject_evidence(
    request: Request, evidence_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> EvidenceOut:
    """Reject a quote."""
    reviewed = reject(desk, evidence_id, user.label)
    context(request).jobs.submit_once(desk, "learn", {}, user.label)
    return EvidenceOut.of(reviewed)


@router.post("/evidence/{evidence_id}/relabel", responses=errors(400, 404, 409))
def relabel_evidence(
    request: Request,
    evidence_id: RowId,
    body: Relabel,
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> EvidenceOut:
    """Change a quote's role, codes or label."""
    reviewed = relabel(desk, evidence_id, user.label, body.role, body.codes, body.label)
    context(request).jobs.submit_once(desk, "learn", {}, user.label)
    return EvidenceOut.of(reviewed)


@router.post("/requests/{request_id}/brief", status_code=201, responses=errors(404, 409))
def draft_brief(
    request_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> BriefChecked:
    """Draft a new brief version from the accepted evidence, with its check report."""
    brief, report = draft(desk, request_id, who=user.label)
    return BriefChecked(version=brief.version, check=CheckOut.of_report(report))


@router.post("/requests/{request_id}/brief/check", responses=errors(404, 409))
def check_latest(
    request_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> BriefChecked:
    """Check the latest brief again."""
    brief, report = check(desk, request_id)
    return BriefChecked(version=brief.version, check=CheckOut.of_report(report))


@router.post("/requests/{request_id}/brief/deliver", responses=errors(404, 409))
def deliver_brief(
    request_id: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Delivered:
    """Deliver the latest brief; it joins the library. 409 when a check fails or the brief was already
    delivered; a delivery that stopped half-way (archived, request not yet moved on) is finished."""
    document_id = deliver(desk, request_id, user.label)
    return Delivered(request_id=request_id, document_id=document_id)


@router.get("/requests/{request_id}/brief/v{version:int}", responses=errors(404))
def get_brief(
    request_id: RowId, version: RowId, user: User = Depends(signed_in), desk: Desk = Depends(get_desk)
) -> BriefOut:
    """A brief version as data (members: delivered versions of their organization)."""
    return BriefOut.of(visible_brief(desk, user, request_id, version))


def _brief_files() -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI answer of a brief download: a file, one media type per format."""
    content: dict[str, Any] = {}
    for fmt in FORMATS:
        media_type = renderer_for(fmt).media_type.split(";")[0]
        schema = (
            {"type": "object"} if media_type == "application/json" else {"type": "string", "format": "binary"}
        )
        content[media_type] = {"schema": schema}
    return {200: {"description": "The brief as a file (an attachment).", "content": content}}


@router.get(
    "/requests/{request_id}/brief/v{version:int}.{fmt}",
    response_class=Response,
    responses={**_brief_files(), **errors(400, 404)},
)
def download_brief(
    request_id: RowId,
    version: RowId,
    fmt: str,
    request: Request,
    user: User = Depends(signed_in),
    desk: Desk = Depends(get_desk),
) -> Response:
    """A brief version as a file: md, html, docx, pdf or json."""
    return brief_download(request_id, version, fmt, request, user, desk)
