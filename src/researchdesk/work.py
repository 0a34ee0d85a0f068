"""The service's work as plain data: the member organizations; a request, where it stands, its event log
and scans, the versions of its brief; background jobs; the users who do and ask for the work, with their
sessions and API tokens. No I/O here.

The library's objects (documents, passages, evidence, the brief as composed) are in ``models.py``; these
are the objects of the work done for members, read from the store's rows (``store/work.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class OrganizationKind(StrEnum):
    """What kind of government a member organization is."""

    CITY = "city"
    COUNTY = "county"
    STATE_AGENCY = "state agency"
    OTHER = "other"


@dataclass(frozen=True)
class Organization:
    """A member organization: its name, its kind and whether its membership is active (a lapsed member
    cannot file requests)."""

    id: int
    name: str
    kind: OrganizationKind
    active: bool
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        """Return the organization as JSON-ready data (the kind as its plain value, active as 1 or 0 as
        stored)."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["active"] = int(self.active)
        return data


class RequestStatus(StrEnum):
    """Where a request stands. The work moves forward through the stages in the order listed, from
    received to closed; declining ends it at any stage before delivery."""

    RECEIVED = "received"
    SCOPING = "scoping"
    RESEARCHING = "researching"
    DRAFTING = "drafting"
    IN_REVIEW = "in review"
    DELIVERED = "delivered"
    CLOSED = "closed"
    DECLINED = "declined"

    @classmethod
    def stages(cls) -> tuple[RequestStatus, ...]:
        """Return the forward path, received to closed (declining leaves it, so it is not a stage)."""
        return tuple(s for s in cls if s is not cls.DECLINED)

    @property
    def is_open(self) -> bool:
        """Return True while the member still waits: before delivery and not declined."""
        return self not in (RequestStatus.DELIVERED, RequestStatus.CLOSED, RequestStatus.DECLINED)

    def is_before(self, other: RequestStatus) -> bool:
        """Return True when this stage comes before ``other`` on the forward path (declined never does)."""
        stages = RequestStatus.stages()
        return self in stages and other in stages and stages.index(self) < stages.index(other)


@dataclass(frozen=True)
class Request:
    """A member's research request as the desk keeps it, with its organization and requester named.

    ``version`` counts the changes (a change made against an older version is a conflict); ``plan`` is
    the research plan as data (``ResearchPlan.to_dict()``), None until one is derived.
    """

    id: int
    organization_id: int
    requester_id: int | None
    prompt: str
    context: str
    due: str  # YYYY-MM-DD, "" when not set
    assignee: str
    status: RequestStatus
    decline_reason: str
    plan: dict[str, Any] | None
    version: int
    created_at: str
    updated_at: str
    organization: str
    organization_kind: str
    requester: str | None  # the requester's name; None when filed without one
    requester_email: str | None

    # What `researchdesk request list --json` shows of each (the API's lists: web/api_models.py).
    LISTED = ("id", "status", "due", "assignee", "prompt", "created_at", "organization")

    def is_overdue(self, today: str = "") -> bool:
        """Return True when the request is still open and past its due date (``today``: YYYY-MM-DD, else
        the date today)."""
        return bool(self.due) and self.status.is_open and self.due < (today or date.today().isoformat())

    def to_dict(self) -> dict[str, Any]:
        """Return the request as JSON-ready data (the status as its plain value)."""
        data = asdict(self)
        data["status"] = self.status.value
        return data

    def listed(self) -> dict[str, Any]:
        """Return the fields a list of requests shows, as JSON-ready data."""
        data = self.to_dict()
        return {k: data[k] for k in self.LISTED}


@dataclass(frozen=True)
class Event:
    """One entry of the event log: who did what (``action``) to which subject, when, with the details.

    ``subject`` is what changed (request, evidence, brief, file, message, scan, ...), ``subject_id``
    its id where it has one; ``request_id`` is None for an event about no request (a user's choices).
    """

    id: int
    request_id: int | None
    subject: str
    subject_id: int | None
    action: str
    detail: dict[str, Any]
    who: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        """Return the event as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class ScanQuery:
    """One query of a request's scan: the plan's facet it served, its query, filters and mode, and what
    it found (how many passages, from which documents). ``run`` numbers the scans of a request from 1."""

    id: int
    request_id: int
    run: int
    facet: str
    query: str
    filters: dict[str, Any]
    mode: str
    passages: int
    documents: list[int]
    at: str

    def to_dict(self) -> dict[str, Any]:
        """Return the query as JSON-ready data."""
        return asdict(self)


class BriefStatus(StrEnum):
    """Where a brief version stands: a draft until it is delivered to the member (then it stays as sent)."""

    DRAFT = "draft"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class BriefVersion:
    """One stored version of a request's brief, without its text: its status and its check report.

    ``document_id`` is the library document a delivered version was archived as (None for a draft);
    ``delivered_at`` is "" until delivery; ``check_report`` is ``CheckReport.to_dict()`` of its last check.
    """

    request_id: int
    version: int
    status: BriefStatus
    document_id: int | None
    created_at: str
    delivered_at: str
    check_report: dict[str, Any]

    @property
    def is_delivered(self) -> bool:
        """Return True once the version was delivered to the member."""
        return self.status is BriefStatus.DELIVERED

    def to_dict(self) -> dict[str, Any]:
        """Return the version as JSON-ready data (the status as its plain value)."""
        data = asdict(self)
        data["status"] = self.status.value
        return data


@dataclass(frozen=True)
class BriefText(BriefVersion):
    """A stored brief version with its text: ``body`` is the brief as data (``brief_to_dict``)."""

    body: dict[str, Any]


class JobStatus(StrEnum):
    """Where a background job stands: queued, running, then done or failed (a failed job may be queued again)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    """A background job (ingest, embed, scan, render, ...): what to do, how far it got and how it ended.

    ``args`` and ``result`` are the job kind's own JSON data; ``done`` of ``total`` counts its progress.
    """

    id: str
    kind: str
    args: dict[str, Any]
    status: JobStatus
    done: int
    total: int
    message: str
    error: str
    result: dict[str, Any]
    created_by: str
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        """Return the job as JSON-ready data (the status as its plain value)."""
        data = asdict(self)
        data["status"] = self.status.value
        return data


class UserRole(StrEnum):
    """What a user is: a member files and follows their organization's requests; staff do the research;
    an admin is staff who also manage members and users."""

    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    """Someone the desk knows, with one row for them whatever they do (the password hash stays in the
    store): their role and, for a member, their organization, named.

    A person of a member organization who files requests but was never given a password is a user who
    cannot sign in (``can_sign_in`` False); ``researchdesk user add`` with their email gives them an
    account. An inactive user cannot sign in either.
    """

    id: int
    email: str
    name: str
    role: UserRole
    organization_id: int | None
    active: bool
    can_sign_in: bool
    created_at: str
    password_changed_at: str  # "" for a user who cannot sign in
    organization: str | None  # the organization's name; None for staff

    # What `researchdesk member list` says of each person, and `researchdesk user list` of each account
    # (the lists show what they did before people and users were one table).
    PERSON_FIELDS = ("id", "name", "email", "organization_id", "role", "created_at")
    ACCOUNT_FIELDS = (
        "id",
        "email",
        "name",
        "role",
        "organization_id",
        "active",
        "created_at",
        "password_changed_at",
        "organization",
    )

    @property
    def is_staff(self) -> bool:
        """Return True for staff and admins (they see every request)."""
        return self.role in (UserRole.STAFF, UserRole.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is UserRole.ADMIN

    @property
    def label(self) -> str:
        """Return how the user is named in event logs."""
        return self.email

    def to_dict(self) -> dict[str, Any]:
        """Return the user as JSON-ready data (the role as its plain value, active as 1 or 0 as stored)."""
        data = asdict(self)
        data["role"] = self.role.value
        data["active"] = int(self.active)
        return data

    def shown(self, fields: tuple[str, ...]) -> dict[str, Any]:
        """Return the named fields of ``to_dict()`` (a list's or a page's share of the user), in that order."""
        data = self.to_dict()
        return {k: data[k] for k in fields}


@dataclass(frozen=True)
class Session:
    """A live sign-in session of a user who may sign in: its CSRF token and when it ends.

    The store keeps a session by the SHA-256 of the id the browser holds; whoever reads a session looked
    it up by that hash, so the object does not carry it again.
    """

    user_id: int
    csrf: str
    created_at: str
    expires_at: str


@dataclass(frozen=True)
class ApiToken:
    """An API token of a user as a list shows it: its name, when it was made and last used ("" if never).
    The token's hash stays in the store (only a lookup by it, ``store.token_user``, needs it)."""

    id: int
    user_id: int
    name: str
    created_at: str
    last_used_at: str

    def to_dict(self) -> dict[str, Any]:
        """Return the token as JSON-ready data."""
        return asdict(self)
