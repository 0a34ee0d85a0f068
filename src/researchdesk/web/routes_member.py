"""Pages every signed-in user has: file a request, my requests, the request page, attachments, brief downloads."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile

from researchdesk.brief.figures import request_figures
from researchdesk.brief.render import FORMATS, renderer_for
from researchdesk.desk import Desk
from researchdesk.errors import InputError, NotFound
from researchdesk.notify import KINDS as NOTICE_KINDS
from researchdesk.notify import choices_of, set_choices
from researchdesk.requests import thread
from researchdesk.requests.access import visible_brief, visible_briefs, visible_events, visible_request
from researchdesk.requests.limits import limit_of
from researchdesk.requests.thread import attachments, expected_date
from researchdesk.requests.workflow import STATUSES, TRANSITIONS, file_request
from researchdesk.web.deps import (
    MAX_ID,
    PAGE_SIZE,
    NeedsLogin,
    Principal,
    RowId,
    WebContext,
    check_csrf,
    context,
    get_desk,
    page_count,
    signed_in,
)
from researchdesk.web.history import describe
from researchdesk.web.jobs import brief_file_name
from researchdesk.web.notices import short, tell
from researchdesk.web.pages import render_page
from researchdesk.web.rendering import brief_bytes
from researchdesk.web.uploads import Accepted, Rejected, take
from researchdesk.work import User

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
# The formats a member opens (Markdown and JSON are for staff and scripts: the API still serves them).
MEMBER_FORMATS = ("pdf", "docx", "html")
FORMAT_NAMES = {
    "pdf": "PDF",
    "docx": "Word (DOCX)",
    "html": "Web page (HTML)",
    "md": "Markdown",
    "json": "JSON",
}


@router.get("/requests")
def my_requests(
    request: Request,
    page: int = Query(1, ge=1, le=MAX_ID),
    user: User = Depends(signed_in),
    desk: Desk = Depends(get_desk),
) -> Response:
    """The organization's requests, newest first, a page at a time."""
    if user.is_staff:
        return RedirectResponse("/queue", status_code=303)
    assert user.organization_id is not None
    total = desk.store.count_requests_of(user.organization_id)
    rows = desk.store.requests_of(user.organization_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_page(
        request, "my_requests.html", requests=rows, page=page, pages=page_count(total), total=total
    )


def _caller(request: Request) -> User:
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None:
        raise NeedsLogin()
    return who.user


def request_form_response(
    request: Request,
    desk: Desk,
    form: dict[str, str],
    problems: list[str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    """Return the request form, filled in with ``form`` (what was typed), its problems and a notice."""
    user = _caller(request)
    orgs = desk.store.organizations() if user.is_staff else []
    return render_page(
        request,
        "request_new.html",
        status_code=status_code,
        organizations=orgs,
        form=form,
        problems=problems or [],
        notice=notice,
        limits={k: limit_of(k) for k in ("prompt", "context")},
    )


@router.get("/requests/new")
def new_request_page(
    request: Request, user: User = Depends(signed_in), desk: Desk = Depends(get_desk)
) -> Response:
    return request_form_response(request, desk, {})


@router.post("/requests/new")
async def new_request(
    request: Request, user: User = Depends(signed_in), desk: Desk = Depends(get_desk)
) -> Response:
    ctx = context(request)
    form = await request.form()
    prompt = str(form.get("prompt") or "")
    extra = str(form.get("context") or "")
    due = str(form.get("due") or "")
    taken, problems = await _attachments(form, ctx, "attachments per request")
    if user.is_staff:
        org_name = str(form.get("organization") or "")
        requester = None
    else:
        org_name = str(user.organization)
        requester = user.email
    if not problems:
        try:
            rid = file_request(desk, org_name, prompt, requester, extra, due, who=user.label)
        except (InputError, NotFound) as exc:
            problems.append(str(exc))
    if problems:
        values = {"prompt": prompt, "context": extra, "due": due, "organization": org_name}
        return request_form_response(request, desk, values, problems, status_code=400)
    confirm_filing(request, desk, rid, user.label)
    for got in taken:
        digest = desk.blobs.put(got.data)
        desk.store.log_event(
            rid,
            "file",
            None,
            "attached",
            {"name": got.name, "digest": digest, "size": len(got.data), "format": got.format},
            user.label,
        )
    return RedirectResponse(f"/requests/{rid}", status_code=303)


def confirm_filing(request: Request, desk: Desk, request_id: int, who: str) -> None:
    """Tell the member their request arrived and when to expect the brief; tell staff there is a new one."""
    req = desk.store.request(request_id)
    expected = expected_date(req, desk.settings.turnaround_days)
    body = (
        f"We received your request on {req.created_at[:10]} and expect to deliver the brief by "
        f"{expected}. If we need to know more, we will ask here; the date then waits for your answer."
    )
    thread.post(desk, request_id, body, desk.settings.service_name, by_staff=True, kind="confirmation")
    tell(
        request,
        desk,
        request_id,
        "confirmation",
        f"Request {request_id} received: expected by {expected}",
        f"{body}\n\nYour question: “{short(req.prompt, 600)}”",
        who,
    )
    tell(
        request,
        desk,
        request_id,
        "new request",
        f"New request {request_id} from {req.organization}",
        f"{req.organization} filed request {request_id} (due {req.due or 'not set'}):\n\n{short(req.prompt, 2000)}",
        who,
    )


@router.post("/requests/{request_id}/messages")
async def send_message(
    request_id: RowId,
    request: Request,
    user: User = Depends(signed_in),
    desk: Desk = Depends(get_desk),
) -> Response:
    """Add a message (with any attached files) to the request's thread (staff may ask a clarifying
    question); tell the other side."""
    req = visible_request(desk, user, request_id)
    ctx = context(request)
    form = await request.form()
    message = str(form.get("message") or "")
    kind = "question" if form.get("question") and user.is_staff else "message"
    taken, problems = await _attachments(form, ctx, "files per message")
    try:
        if problems:
            raise InputError(" ".join(problems), "Attach the files again (the text is kept), then send.")
        sent = thread.post(desk, request_id, message, user.label, by_staff=user.is_staff, kind=kind)
    except InputError as exc:
        return request_page_response(
            request, desk, request_id, draft={"message": message}, notice=str(exc), status_code=exc.status
        )
    for got in taken:
        desk.store.log_event(
            request_id,
            "file",
            None,
            "attached",
            {
                "name": got.name,
                "digest": desk.blobs.put(got.data),
                "size": len(got.data),
                "format": got.format,
                "message": sent["id"],
            },
            user.label,
        )
    if user.is_staff:
        label = "A question" if sent["kind"] == "question" else "A message"
        tell(
            request,
            desk,
            request_id,
            "question",
            f"{label} about your request {request_id}",
            f"{user.name or 'The research staff'} wrote about your request “{short(req.prompt, 120)}”:\n\n"
            f"{sent['body']}"
            + (
                "\n\nPlease answer on the request's page; the due date waits for your answer."
                if sent["kind"] == "question"
                else ""
            ),
            user.label,
        )
    else:
        tell(
            request,
            desk,
            request_id,
            "answer",
            f"{'An answer' if sent['kind'] == 'answer' else 'A message'} from {req.organization} on request {request_id}",
            f"{user.name or user.email} ({req.organization}) wrote:\n\n{sent['body']}",
            user.label,
        )
    return RedirectResponse(f"/requests/{request_id}#thread", status_code=303)


@router.get("/requests/{request_id}")
def request_page(
    request_id: RowId,
    request: Request,
    page: int = Query(1, ge=1, le=MAX_ID, description="The page of the history, newest first."),
    user: User = Depends(signed_in),
    desk: Desk = Depends(get_desk),
) -> Response:
    return request_page_response(request, desk, request_id, page)


def request_page_response(
    request: Request,
    desk: Desk,
    request_id: int,
    page: int = 1,
    draft: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    """Return a request's page for the caller; ``draft`` fills the message form (text kept from a lost send)."""
    user = _caller(request)
    req = visible_request(desk, user, request_id)
    total, events = visible_events(desk, user.is_staff, request_id, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    quoted = {e.subject_id for e in events if e.subject == "evidence" and e.subject_id}
    quotes = {q.id: q for q in desk.store.evidence_for(request_id) if q.id in quoted} if quoted else {}
    values: dict[str, Any] = {
        "req": req,
        "events": [(e, describe(e, quotes)) for e in events],
        "events_total": total,
        "page": page,
        "pages": page_count(total),
        "briefs": visible_briefs(desk, user, request_id),
        "files": attachments(desk, request_id),
        "formats": FORMATS,
        "member_formats": MEMBER_FORMATS,
        "format_names": FORMAT_NAMES,
        "draft": draft or {},
        "notice": notice,
        "messages": thread.messages(desk, request_id),
        "waiting_question": thread.open_question(desk, request_id),
        "expected": expected_date(req, desk.settings.turnaround_days, thread.paused_days(desk, request_id)),
        "message_limit": limit_of("message"),
    }
    if user.is_staff:
        evidence = desk.store.evidence_for(request_id)
        log = desk.store.scan_log(request_id)
        # The same counts as the scan funnel: accepted includes edited quotes (both reach the brief).
        by_status = Counter(str(e.status) for e in evidence)
        counts = {
            "total": len(evidence),
            "accepted": by_status["accepted"] + by_status["edited"],
            "edited": by_status["edited"],
            "rejected": by_status["rejected"],
            "open": by_status["suggested"],
        }
        values.update(
            statuses=STATUSES,
            allowed=TRANSITIONS[req.status],
            staff_users=[u for u in desk.store.users() if u.is_staff and u.active],
            evidence_counts=counts,
            figures={k: Markup(v) for k, v in request_figures(desk, evidence, log).items()},
            scan_log=log,
            jobs=[j for j in desk.store.jobs(50) if j.args.get("request_id") == request_id][:5],
        )
    return render_page(request, "request.html", status_code=status_code, **values)


@router.get("/account/notifications")
def notifications_page(
    request: Request, user: User = Depends(signed_in), desk: Desk = Depends(get_desk), saved: bool = False
) -> Response:
    """Which e-mails the signed-in person gets (those of their role)."""
    role = "staff" if user.is_staff else "member"
    kinds = [(k, text) for k, (side, text) in NOTICE_KINDS.items() if side == role]
    return render_page(
        request, "notifications.html", kinds=kinds, chosen=choices_of(desk, user.id), saved=saved
    )


@router.post("/account/notifications")
async def notifications_save(
    request: Request, user: User = Depends(signed_in), desk: Desk = Depends(get_desk)
) -> Response:
    form = await request.form()
    wanted = [str(k) for k in form.getlist("kinds")]
    role = "staff" if user.is_staff else "member"
    others = [k for k in choices_of(desk, user.id) if NOTICE_KINDS.get(k, ("", ""))[0] != role]
    set_choices(desk, user.id, [*wanted, *others], user.label)
    return RedirectResponse("/account/notifications?saved=true", status_code=303)


@router.get("/requests/{request_id}/files/{file_id}")
def attachment(
    request_id: RowId, file_id: RowId, user: User = Depends(signed_in), desk: Desk = Depends(get_desk)
) -> Response:
    visible_request(desk, user, request_id)
    found = [f for f in attachments(desk, request_id) if f["id"] == file_id]
    if not found:
        raise NotFound(
            f"Request {request_id} has no attachment {file_id}.", "Open the request to see its files."
        )
    return download(desk.blobs.get(found[0]["digest"]), found[0]["name"], "application/octet-stream")


@router.get("/requests/{request_id}/brief/v{version:int}.{fmt}")
def brief_download(
    request_id: RowId,
    version: RowId,
    fmt: str,
    request: Request,
    user: User = Depends(signed_in),
    desk: Desk = Depends(get_desk),
) -> Response:
    row = visible_brief(desk, user, request_id, version)
    renderer = renderer_for(fmt)
    data = brief_bytes(desk, row, renderer.format, context(request).renders)
    return download(data, brief_file_name(request_id, version, renderer.extension), renderer.media_type)


def download(data: bytes, name: str, media_type: str) -> Response:
    """Return a file as an attachment; the name is ours (ASCII) and quoted, the type never sniffed."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
    )


async def _attachments(form: FormData, ctx: WebContext, what: str) -> tuple[list[Accepted], list[str]]:
    """Take a form's attached files within the upload limits; return (taken, problems in words)."""
    files = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    problems: list[str] = []
    if len(files) > ctx.web.max_attachments:
        problems.append(f"At most {ctx.web.max_attachments} {what}; you sent {len(files)}.")
    taken: list[Accepted] = []
    for f in files[: ctx.web.max_attachments]:
        got = await take(f, ctx.web.max_upload_bytes)
        if isinstance(got, Rejected):
            problems.append(f"{got.name}: {got.reason}. {got.hint}".strip())
        else:
            taken.append(got)
    return taken, problems


def reopen(
    request: Request, desk: Desk, page: str, kept: dict[str, str], notice: str, status: int
) -> Response:
    """Return the form's page filled in with ``kept`` and a notice; a page with no such form is a redirect."""
    if page == "/requests/new":
        return request_form_response(request, desk, kept, notice=notice, status_code=status)
    thread = re.match(r"^/requests/(\d+)$", page)
    if thread and "message" in kept:
        return request_page_response(
            request, desk, int(thread.group(1)), draft=kept, notice=notice, status_code=status
        )
    return RedirectResponse(page, status_code=303)
