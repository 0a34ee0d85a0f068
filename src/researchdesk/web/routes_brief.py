"""Staff's brief pages: the latest version with its checks, a preview, edits, the cover note and delivery.

Delivery is the core's one rule (``brief.service.deliver``), as at the command line; the page adds the
cover note to the request's thread and tells the member.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from researchdesk.brief.figures import brief_figures
from researchdesk.brief.render import FORMATS
from researchdesk.brief.render.html import render_html
from researchdesk.brief.render.jsonfmt import brief_from_dict
from researchdesk.brief.service import check, deliver, draft, revise
from researchdesk.desk import Desk
from researchdesk.errors import InputError
from researchdesk.requests.access import visible_request
from researchdesk.requests.limits import check_length, limit_of
from researchdesk.requests.thread import post
from researchdesk.web.deps import RowId, check_csrf, context, get_desk, staff
from researchdesk.web.jobs import brief_options
from researchdesk.web.notices import tell
from researchdesk.web.pages import PREVIEW_CSP, render_page
from researchdesk.web.routes_member import FORMAT_NAMES, MEMBER_FORMATS
from researchdesk.web.routes_staff import back
from researchdesk.work import BriefText, User
from researchdesk.work import Request as ResearchRequest

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def cover_note_of(desk: Desk, req: ResearchRequest, latest: BriefText | None) -> str:
    """Return the cover note staff last saved for a request, or a first draft of one."""
    saved = [e for e in desk.store.events(req.id, subjects=("brief",)) if e.action == "cover note saved"]
    if saved:
        return str(saved[-1].detail.get("text", ""))
    sources = len(latest.body.get("sources", [])) if latest else 0
    greeting = f"Dear {req.requester}," if req.requester else "Hello,"
    return (
        f"{greeting}\n\nThe research brief on your question is ready: it draws on {sources} "
        f"source{'' if sources == 1 else 's'} from our library, each quoted word for word with its page or link. "
        "If you would like us to look further, reply on the request's page; we are glad to help.\n\n"
        f"{desk.settings.service_name}"
    )


@router.get("/requests/{request_id}/brief")
def brief_page(
    request_id: RowId,
    request: Request,
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    req = visible_request(desk, user, request_id)
    versions = desk.store.brief_versions(request_id)
    latest = desk.store.latest_brief(request_id)  # with its body: the edit form shows its text
    return render_page(
        request,
        "brief.html",
        req=req,
        latest=latest,
        versions=versions,
        formats=FORMATS,
        cover_note=cover_note_of(desk, req, latest),
        limits={k: limit_of(k) for k in ("summary", "next_steps", "cover_note")},
    )


@router.get("/requests/{request_id}/brief/v{version}/preview")
def brief_preview(
    request_id: RowId, version: RowId, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    row = desk.store.brief_version(request_id, version)
    if row is None:
        raise InputError(f"Request {request_id} has no brief version {version}.", "Draft the brief first.")
    brief = brief_from_dict(row.body)
    brief.version = version
    brief.figures = brief_figures(desk, brief)
    return HTMLResponse(
        render_html(brief, brief_options(desk)), headers={"Content-Security-Policy": PREVIEW_CSP}
    )


@router.post("/requests/{request_id}/brief/{action}")
def brief_action(
    request_id: RowId,
    action: str,
    request: Request,
    summary: str | None = Form(None),
    next_steps: str | None = Form(None),
    cover_note: str | None = Form(None),
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    req = desk.store.request(request_id)
    if action == "draft":
        draft(desk, request_id, who=user.label)
    elif action == "check":
        check(desk, request_id)
    elif action == "edit":
        paragraphs = [p for p in re.split(r"\n\s*\n", summary or "")] if summary is not None else None
        steps = (next_steps or "").splitlines() if next_steps is not None else None
        revise(desk, request_id, user.label, summary=paragraphs, next_steps=steps)
    elif action == "cover-note":
        _save_cover_note(desk, request_id, cover_note or "", user.label)
    elif action == "deliver":
        note = (
            cover_note
            if cover_note is not None
            else cover_note_of(desk, req, desk.store.latest_brief(request_id))
        )
        if cover_note is not None:
            _save_cover_note(desk, request_id, note, user.label)
        deliver(desk, request_id, user.label)
        _tell_delivery(request, desk, request_id, note, user.label)
    elif action == "render":
        versions = desk.store.brief_versions(request_id)
        if not versions:
            raise InputError(f"Request {request_id} has no brief yet.", "Draft it first.")
        args = {"request_id": request_id, "version": versions[0].version, "formats": list(FORMATS)}
        job_id = context(request).jobs.submit(desk, "render", args, user.label)
        return back(f"/jobs/{job_id}")
    else:
        raise InputError(
            f"Unknown brief action {action!r}.", "Use draft, check, edit, cover-note, deliver or render."
        )
    return back(f"/requests/{request_id}/brief")


def _save_cover_note(desk: Desk, request_id: int, text: str, who: str) -> None:
    note = text.strip()
    if not note:
        raise InputError("The cover note is empty.", "Write a few lines to the member, or keep the draft.")
    check_length("cover_note", note)
    desk.store.log_event(request_id, "brief", None, "cover note saved", {"text": note}, who)


def _tell_delivery(request: Request, desk: Desk, request_id: int, note: str, who: str) -> None:
    """Put the cover note in the thread and e-mail the member the note with the brief's links."""
    version = desk.store.brief_versions(request_id)[0].version
    post(desk, request_id, note, who, by_staff=True, kind="cover note")
    site = desk.settings.site_url.rstrip("/")
    links = "\n".join(
        f"  {FORMAT_NAMES[f]}: {site}/requests/{request_id}/brief/v{version}.{f}" for f in MEMBER_FORMATS
    )
    tell(
        request,
        desk,
        request_id,
        "delivery",
        f"Your research brief for request {request_id} is ready",
        f"{note}\n\nDownload the brief:\n{links}",
        who,
    )
