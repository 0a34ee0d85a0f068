"""Members, requests and the request workflow: who may file, which status changes are allowed."""

from __future__ import annotations

from datetime import date
from typing import Any

from researchdesk.desk import Desk
from researchdesk.errors import InputError, UnknownChoice, WorkflowError
from researchdesk.requests.limits import check_length
from researchdesk.work import OrganizationKind, RequestStatus, UserRole

ORG_KINDS = tuple(k.value for k in OrganizationKind)
PERSON_ROLES = tuple(r.value for r in UserRole)
STATUSES: tuple[RequestStatus, ...] = tuple(RequestStatus)

# Allowed moves. Work may step back one stage (a reviewer sends a draft back); delivery is final
# except for closing; declining is possible until delivery and needs a reason.
_S = RequestStatus
TRANSITIONS: dict[RequestStatus, tuple[RequestStatus, ...]] = {
    _S.RECEIVED: (_S.SCOPING, _S.DECLINED),
    _S.SCOPING: (_S.RESEARCHING, _S.DECLINED),
    _S.RESEARCHING: (_S.DRAFTING, _S.SCOPING, _S.DECLINED),
    _S.DRAFTING: (_S.IN_REVIEW, _S.RESEARCHING, _S.DECLINED),
    _S.IN_REVIEW: (_S.DELIVERED, _S.DRAFTING, _S.DECLINED),
    _S.DELIVERED: (_S.CLOSED,),
    _S.CLOSED: (),
    _S.DECLINED: (),
}


def add_member(desk: Desk, name: str, kind: str, active: bool = True) -> int:
    """Register a member organization and return its id; a name already held (in any case) is AlreadyExists."""
    if kind not in ORG_KINDS:
        raise UnknownChoice("organization kind", kind, ORG_KINDS)
    if not name.strip():
        raise InputError("An organization needs a name.", "Give the member's official name.")
    return desk.store.add_organization(name.strip(), kind, active)


def add_person(desk: Desk, name: str, email: str, organization: str | None, role: str = "member") -> int:
    """Register a person (member, staff or admin) who files requests but cannot sign in; return their
    user id (`researchdesk user add` with the same email gives them a sign-in)."""
    if role not in PERSON_ROLES:
        raise UnknownChoice("role", role, PERSON_ROLES)
    if "@" not in email:
        raise InputError(f"{email!r} is not an email address.", "Give an address like name@city.gov.")
    org_id = desk.store.organization(organization).id if organization else None
    if role == "member" and org_id is None:
        raise InputError(
            "A member must belong to an organization.", "Pass --org with the organization's name."
        )
    return desk.store.add_person(name.strip(), email.strip(), org_id, role)


def file_request(
    desk: Desk,
    organization: str,
    prompt: str,
    requester_email: str | None = None,
    context: str = "",
    due: str = "",
    who: str = "",
    today: date | None = None,
) -> int:
    """File a member's request, verbatim; only active members may file. Return the request id."""
    org = desk.store.organization(organization)
    if not org.active:
        raise WorkflowError(
            f"{org.name} is not an active member, so it cannot file requests.",
            "Renew the membership (researchdesk member activate) or file on behalf of an active member.",
        )
    if not prompt.strip():
        raise InputError("The request prompt is empty.", "Write the member's question, in their own words.")
    check_length("prompt", prompt)
    check_length("context", context)
    if due:
        try:
            due_date = date.fromisoformat(due)
        except ValueError as exc:
            raise InputError(f"{due!r} is not a date.", "Write the due date as YYYY-MM-DD.") from exc
        if due_date < (today or date.today()):
            raise InputError(f"The due date {due} is in the past.", "Choose a date from today on.")
    requester_id = None
    if requester_email:
        person = desk.store.person(requester_email)
        if person.organization_id != org.id:
            raise InputError(
                f"{requester_email} does not belong to {org.name}.",
                "File it under the person's own organization.",
            )
        requester_id = person.id
    return desk.store.add_request(
        org.id, requester_id, prompt, context, due, who or requester_email or "staff"
    )


def set_status(
    desk: Desk, request_id: int, status: str, who: str, reason: str = "", expected_version: int | None = None
) -> int:
    """Move a request to ``status`` if the workflow allows it; return the request's new version."""
    if status not in STATUSES:
        raise UnknownChoice("status", status, STATUSES)
    new = RequestStatus(status)
    check_length("reason", reason)
    current = desk.store.request(request_id).status
    allowed = TRANSITIONS[current]
    if new not in allowed:
        nxt = ", ".join(allowed) if allowed else "nothing (it is final)"
        raise WorkflowError(
            f"Request {request_id} is {current.value!r}; it cannot move to {new.value!r}.",
            f"From {current.value!r} it can move to: {nxt}.",
        )
    changes: dict[str, Any] = {"status": new.value}
    if new is RequestStatus.DECLINED:
        if not reason.strip():
            raise InputError(
                "Declining a request needs a reason.", "Pass --reason with what the member should know."
            )
        changes["decline_reason"] = reason.strip()
    return desk.store.update_request(
        request_id, changes, who, f"status {current.value} → {new.value}", expected_version
    )


def advance_to(desk: Desk, request_id: int, status: str, who: str) -> None:
    """Walk a request forward through the workflow until it reaches ``status`` (no-op if already there)."""
    order = RequestStatus.stages()
    current = desk.store.request(request_id).status
    if current not in order or status not in order:
        raise WorkflowError(f"Request {request_id} is {current.value!r}; it cannot move to {status!r}.")
    for step in order[order.index(current) + 1 : order.index(RequestStatus(status)) + 1]:
        set_status(desk, request_id, step, who)


def assign(desk: Desk, request_id: int, assignee: str, who: str) -> None:
    """Assign a request to a staff member."""
    desk.store.update_request(request_id, {"assignee": assignee}, who, f"assigned to {assignee}")
