"""Who may see what of the service's work: one policy for the web pages, the REST API and anything after.

Staff and admins see every request. A member sees only their own organization's requests, of those
only the brief versions that were delivered, and of a request's history only its own story (filed,
status changes, due date, files, messages, delivery), not staff's working steps. Anything a member may
not see is "not found", never "forbidden", so the ids of other members' work tell them nothing.
"""

from __future__ import annotations

from researchdesk.desk import Desk
from researchdesk.errors import NotFound, RequestNotFound
from researchdesk.work import BriefText, BriefVersion, Event, Request, User

# Request events a member sees; any other request event (plan derived or edited, assignment) is staff's.
MEMBER_REQUEST_ACTIONS = ("filed",)
MEMBER_SUBJECTS = frozenset({"request", "brief", "file", "message"})


def visible_request(desk: Desk, user: User, request_id: int) -> Request:
    """Return a request the user may see; another organization's request is RequestNotFound (404)."""
    req = desk.store.request(request_id)
    if not user.is_staff and req.organization_id != user.organization_id:
        raise RequestNotFound(request_id)
    return req


def visible_requests(
    desk: Desk, user: User, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[Request]:
    """Return one page of the requests the user may see: all by due date for staff, the organization's
    own newest first for a member."""
    if user.is_staff:
        return desk.store.requests(status, limit=limit, offset=offset)
    if user.organization_id is None:  # a member account always has one; without it nothing is theirs
        return []
    return desk.store.requests_of(user.organization_id, status, limit=limit, offset=offset)


def visible_brief(desk: Desk, user: User, request_id: int, version: int) -> BriefText:
    """Return a brief version the user may have: members only delivered ones of their organization."""
    visible_request(desk, user, request_id)
    row = desk.store.brief_version(request_id, version)
    if row is None or (not user.is_staff and not row.is_delivered):
        raise NotFound(
            f"Request {request_id} has no brief version {version}.", "Open the request to see its briefs."
        )
    return row


def visible_briefs(desk: Desk, user: User, request_id: int) -> list[BriefVersion]:
    """Return the brief versions of a visible request that the user may have (members: delivered ones)."""
    versions = desk.store.brief_versions(request_id)
    return versions if user.is_staff else [b for b in versions if b.is_delivered]


def member_sees(event: Event) -> bool:
    """Return True for an event that tells a member where their request stands."""
    subject, action = event.subject, event.action
    if subject == "request":
        return action in MEMBER_REQUEST_ACTIONS or action.startswith(("status ", "due date moved"))
    if subject == "brief":
        return action == "delivered"
    return subject in MEMBER_SUBJECTS


def visible_events(
    desk: Desk, is_staff: bool, request_id: int, limit: int, offset: int = 0, newest_first: bool = True
) -> tuple[int, list[Event]]:
    """Return how many events of a request the caller sees, and one page of them (members: their story only)."""
    if is_staff:
        total = desk.store.count_events(request_id)
        return total, desk.store.events(request_id, limit=limit, offset=offset, newest_first=newest_first)
    # a member's request has a short story: read it whole, keep what members see, page it
    story = [e for e in desk.store.events(request_id, newest_first=newest_first) if member_sees(e)]
    return len(story), story[offset : offset + limit]
