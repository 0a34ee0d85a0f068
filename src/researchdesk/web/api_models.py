"""What the REST API answers about the work (/api/v1/me, /requests, /evidence, /jobs): one model per shape.

Each model is built from the typed object the store gives back (``Request``, ``Event``, ``BriefVersion``,
``Evidence``, ``Job``, ``User`` ...), attribute by attribute, so OpenAPI names every field: a field removed
or renamed there fails here, and one added there reaches no answer until a model names it (the tests
check the models mirror the objects). Models forbid unknown fields, and list their fields in the order
the answers have always had. Free-form JSON (an event's detail, a job's
arguments, a brief's body) stays an object.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from researchdesk.brief.checks import CheckReport
from researchdesk.models import ReviewStatus, Role
from researchdesk.requests.history import RequestHistory
from researchdesk.work import (
    BriefStatus,
    BriefVersion,
    Event,
    JobStatus,
    Request,
    RequestStatus,
    UserRole,
)


class ApiModel(BaseModel):
    """An API answer: its fields are exactly the declared ones, read from an object's attributes."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    @classmethod
    def of(cls, obj: object) -> Self:
        """Return the answer built from ``obj``'s attributes of the same names."""
        return cls.model_validate(obj, from_attributes=True)


class Me(ApiModel):
    """The signed-in user."""

    id: int
    email: str
    name: str
    role: UserRole
    organization_id: int | None = Field(description="The member organization's id; null for staff.")
    organization: str | None = Field(description="The member organization's name; null for staff.")


class FacetPlanOut(ApiModel):
    facet: str
    queries: list[str]
    filters: dict[str, Any] = {}


class PlanOut(ApiModel):
    """The research plan: the subjects asked about, the facets and the queries run for each."""

    topic: str
    domain: str
    facets: list[FacetPlanOut]
    keywords: list[str]
    subjects: list[str] = []
    look_beyond: bool = False


# --- requests -------------------------------------------------------------------------------------


class RequestOut(ApiModel):
    """A member's research request, as staff see it (and as it is answered when filed)."""

    id: int
    organization_id: int
    requester_id: int | None
    prompt: str = Field(description="The member's question, verbatim.")
    context: str
    due: str = Field(description='Due date, YYYY-MM-DD; "" when not set.')
    assignee: str
    status: RequestStatus
    decline_reason: str
    plan: dict[str, Any] | None = Field(
        description="The research plan as saved (the shape GET /plan returns); null until one is derived."
    )
    version: int = Field(description="Counts the changes; send it back with a status change.")
    created_at: str
    updated_at: str
    organization: str
    organization_kind: str
    requester: str | None = Field(description="The requester's name; null when filed without one.")
    requester_email: str | None


class MemberRequestOut(ApiModel):
    """A request as its member sees it: everything but the research plan."""

    id: int
    organization_id: int
    requester_id: int | None
    prompt: str
    context: str
    due: str
    assignee: str
    status: RequestStatus
    decline_reason: str
    version: int
    created_at: str
    updated_at: str
    organization: str
    organization_kind: str
    requester: str | None
    requester_email: str | None


class EventOut(ApiModel):
    """One entry of a request's event log: who did what to which subject, when."""

    id: int
    request_id: int | None
    subject: str = Field(description="What changed: request, evidence, brief, file, message, scan ...")
    subject_id: int | None
    action: str
    detail: dict[str, Any] = Field(description="The action's own details.")
    who: str
    at: str


class FileOut(ApiModel):
    """A file attached to a request (with a message, when ``message`` names it)."""

    id: int = Field(description="The attaching event's id (the file's download URL uses it).")
    name: str
    size: int
    format: str
    message: int | None = Field(
        None,
        description="The message it came with; absent for the request's own files.",
        exclude_if=lambda message: message is None,
    )
    who: str
    at: str

    @classmethod
    def of_event(cls, event: Event) -> FileOut:
        """Return the file an 'attached' event keeps (its stored blob digest is not shown)."""
        d = event.detail
        return cls(
            id=event.id,
            name=d["name"],
            size=d["size"],
            format=d["format"],
            message=d.get("message"),
            who=event.who,
            at=event.at,
        )


class CheckOut(ApiModel):
    """A brief's check report: errors refuse delivery, warnings inform the reviewer."""

    ok: bool = Field(description="True when there is no error.")
    errors: list[str]
    warnings: list[str]
    verified: dict[str, int] = Field(description="Quotes counted by how they were verified.")

    @classmethod
    def of_report(cls, report: CheckReport) -> CheckOut:
        return cls(ok=report.ok, errors=report.errors, warnings=report.warnings, verified=report.verified)


class NoCheck(ApiModel):
    """The check report of a version never checked: an empty object."""


class BriefVersionOut(ApiModel):
    """One version of a request's brief, without its text."""

    request_id: int
    version: int
    status: BriefStatus
    document_id: int | None = Field(description="The library document a delivered version became.")
    created_at: str
    delivered_at: str = Field(description='"" until delivery.')
    check_report: CheckOut | NoCheck


class BriefOut(ApiModel):
    """A brief version with its text (``body``: the brief as data, as the json download gives it)."""

    request_id: int
    version: int
    status: BriefStatus
    created_at: str
    delivered_at: str
    body: dict[str, Any]
    check_report: CheckOut | NoCheck


class RequestDetail(RequestOut):
    """A request with its files, the brief versions the caller sees and its newest events."""

    events: list[EventOut] = Field(description="The newest events, newest first (``/events`` pages).")
    events_total: int = Field(description="How many events the caller may see in all.")
    briefs: list[BriefVersionOut]
    files: list[FileOut]


class MemberRequestDetail(MemberRequestOut):
    """A request as its member sees it, with its files, delivered briefs and the events of its story."""

    events: list[EventOut]
    events_total: int
    briefs: list[BriefVersionOut]
    files: list[FileOut]


def request_detail(
    request: Request,
    for_member: bool,
    total: int,
    events: list[Event],
    briefs: list[BriefVersion],
    files: list[Event],
) -> RequestDetail | MemberRequestDetail:
    """Return a request's page of data: staff see the plan, a member does not."""
    parts = {
        "events": [EventOut.of(e) for e in events],
        "events_total": total,
        "briefs": [BriefVersionOut.of(b) for b in briefs],
        "files": [FileOut.of_event(f) for f in files],
    }
    if for_member:
        return MemberRequestDetail(**MemberRequestOut.of(request).model_dump(), **parts)
    return RequestDetail(**RequestOut.of(request).model_dump(), **parts)


class StaffListed(ApiModel):
    """A request in staff's list: who is assigned."""

    id: int
    status: RequestStatus
    due: str
    assignee: str
    prompt: str
    created_at: str
    organization: str


class MemberListed(ApiModel):
    """A request in its member's list: when it last moved."""

    id: int
    status: RequestStatus
    due: str
    prompt: str
    created_at: str
    updated_at: str
    organization: str


class StatusChanged(ApiModel):
    id: int
    status: RequestStatus
    version: int = Field(description="The request's version after the change.")


class Assigned(ApiModel):
    id: int
    assignee: str


class ScanQueryOut(ApiModel):
    """One query of a scan: its facet, filters and mode, and what it found."""

    id: int
    request_id: int
    run: int
    facet: str
    query: str
    filters: dict[str, Any]
    mode: str
    passages: int = Field(description="How many passages it found.")
    documents: list[int] = Field(description="The documents they came from.")
    at: str


# --- evidence and briefs --------------------------------------------------------------------------


class EvidenceOut(ApiModel):
    """A verbatim quote anchored in a document by character offsets, with its role and review status."""

    document_id: int
    passage_id: int
    start: int
    end: int
    quote: str
    role: Role
    confidence: float
    reason: str
    context: str
    codes: list[str]
    facet: str
    status: ReviewStatus
    reviewer: str
    reviewed_at: str
    request_id: int | None
    pieces: list[tuple[int, int]] = Field(description="The located pieces of a quote that skips words.")
    label: str
    id: int


class BriefChecked(ApiModel):
    version: int
    check: CheckOut


class Delivered(ApiModel):
    request_id: int
    document_id: int = Field(description="The library document the delivered brief became.")


# --- history --------------------------------------------------------------------------------------


class EvidenceWithHistory(EvidenceOut):
    history: list[EventOut] = Field(description="Every change to the quote, oldest first.")


class ScanRunOut(ApiModel):
    run: int
    queries: list[ScanQueryOut]


class HistoryOut(ApiModel):
    """A request's whole history for audit: every event, scan, piece of evidence and brief version."""

    request: RequestOut
    events: list[EventOut]
    scans: list[ScanRunOut]
    evidence: list[EvidenceWithHistory]
    briefs: list[BriefVersionOut]

    @classmethod
    def of_history(cls, h: RequestHistory) -> HistoryOut:
        return cls(
            request=RequestOut.of(h.request),
            events=[EventOut.of(e) for e in h.events],
            scans=[
                ScanRunOut(run=run, queries=[ScanQueryOut.of(q) for q in queries]) for run, queries in h.scans
            ],
            evidence=[
                EvidenceWithHistory(
                    **EvidenceOut.of(e).model_dump(), history=[EventOut.of(c) for c in changes]
                )
                for e, changes in h.evidence
            ],
            briefs=[BriefVersionOut.of(b) for b in h.briefs],
        )


# --- jobs -----------------------------------------------------------------------------------------


class JobOut(ApiModel):
    """A background job: what it does, how far it got (``done`` of ``total``) and how it ended."""

    id: str
    kind: str = Field(description="ingest, embed, scan, render, learn ...")
    args: dict[str, Any]
    status: JobStatus
    done: int
    total: int
    message: str
    error: str
    result: dict[str, Any] = Field(description="The job kind's own result, once done.")
    created_by: str
    created_at: str
    updated_at: str


class JobRef(ApiModel):
    job_id: str
    url: str = Field(description="Where to follow the job.")
