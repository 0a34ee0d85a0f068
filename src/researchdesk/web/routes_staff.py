"""Staff pages: the queue, request actions, the plan editor, evidence review, jobs and users (the brief:
``routes_brief.py``)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from researchdesk.accounts import ROLES as USER_ROLES
from researchdesk.accounts import create_user
from researchdesk.desk import Desk
from researchdesk.errors import InputError, NotFound
from researchdesk.evidence.codebooks import desk_codebooks, load_codebooks
from researchdesk.evidence.review import ROLES, accept, reject, relabel
from researchdesk.models import Evidence
from researchdesk.requests.access import visible_request
from researchdesk.requests.plan import FACETS, FacetPlan, ResearchPlan, with_subjects
from researchdesk.requests.scan import plan_for, save_plan
from researchdesk.requests.workflow import STATUSES, assign, set_status
from researchdesk.search.filters import parse_filters
from researchdesk.web import review
from researchdesk.web.deps import (
    MAX_ID,
    PAGE_SIZE,
    RowId,
    admin,
    check_csrf,
    context,
    get_desk,
    page_count,
    staff,
)
from researchdesk.web.pages import render_page, wants_json
from researchdesk.work import User

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/queue")
def queue(
    request: Request,
    status: str = "",
    mine: bool = False,
    page: int = Query(1, ge=1, le=MAX_ID),
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    """The queue by status, soonest due first: a page of each status, or pages of one status."""
    if status and status not in STATUSES:
        raise InputError(f"Unknown status {status!r}.", f"Choose one of: {', '.join(STATUSES)}.")
    assignee = user.email if mine else None
    counts = {s: n for s, n in desk.store.request_counts(assignee).items() if s in STATUSES}
    shown = [status] if status else [s for s in STATUSES if counts.get(s)]
    first = (page - 1) * PAGE_SIZE if status else 0
    groups = {s: desk.store.requests(s, assignee, limit=PAGE_SIZE, offset=first) for s in shown}
    pages = page_count(counts.get(status, 0)) if status else 1
    return render_page(
        request,
        "queue.html",
        groups=groups,
        counts=counts,
        status=status,
        mine=mine,
        statuses=STATUSES,
        page=page,
        pages=pages,
    )


@router.post("/requests/{request_id}/status")
def change_status(
    request_id: RowId,
    status: str = Form(...),
    version: int = Form(..., ge=1, le=MAX_ID),
    reason: str = Form(""),
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    set_status(desk, request_id, status, user.label, reason, expected_version=version)
    return back(f"/requests/{request_id}")


@router.post("/requests/{request_id}/assign")
def assign_request(
    request_id: RowId, assignee: str = Form(...), user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    desk.store.request(request_id)
    staff_emails = {u.email for u in desk.store.users() if u.is_staff}
    if assignee and assignee not in staff_emails:
        raise InputError(f"{assignee!r} is not a staff user.", "Choose a staff member from the list.")
    assign(desk, request_id, assignee, user.label)
    return back(f"/requests/{request_id}")


@router.get("/requests/{request_id}/plan")
def plan_page(
    request_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    req = visible_request(desk, user, request_id)
    plan = plan_for(desk, request_id, user.label)
    return render_page(request, "plan.html", req=req, plan=plan, facets=FACETS, json=json)


@router.post("/requests/{request_id}/plan")
async def plan_save(
    request_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    desk.store.request(request_id)
    form = await request.form()
    facets: list[FacetPlan] = []
    for name in FACETS:
        key = name.replace(" ", "_")
        if not form.get(f"use_{key}"):
            continue
        queries = [q.strip() for q in str(form.get(f"queries_{key}") or "").splitlines() if q.strip()]
        specs = [s.strip() for s in str(form.get(f"filters_{key}") or "").splitlines() if s.strip()]
        filters = parse_filters(specs)  # validates; stored as the plan's plain dict
        stored = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in vars(filters).items()
            if v not in ((), "", None)
        }
        if not queries:
            raise InputError(
                f"The facet {name!r} is on but has no query.", "Write one query per line, or untick it."
            )
        facets.append(FacetPlan(name, queries, stored))
    if not facets:
        raise InputError("The plan has no facet.", "Tick at least one facet and give it a query.")
    keywords = [k.strip() for k in str(form.get("keywords") or "").split(",") if k.strip()]
    before = plan_for(desk, request_id, user.label).subjects
    subjects = (
        [" ".join(s.split()) for s in str(form.get("subjects") or "").splitlines() if s.strip()]
        if "subjects" in form
        else before
    )
    plan = ResearchPlan(
        str(form.get("topic") or "").strip(),
        str(form.get("domain") or "").strip(),
        facets,
        keywords,
        subjects,
    )
    if subjects != before:
        plan = with_subjects(plan, subjects)  # the queries follow the subjects staff named
    plan.look_beyond = bool(form.get("look_beyond"))
    save_plan(desk, request_id, plan, user.label)
    return back(f"/requests/{request_id}/plan")


@router.post("/requests/{request_id}/scan")
def scan(
    request_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    desk.store.request(request_id)
    job_id = context(request).jobs.submit(
        desk, "scan", {"request_id": request_id, "who": user.label}, user.label
    )
    return back(f"/jobs/{job_id}")


# --- evidence review ------------------------------------------------------------------------------


def _codes(desk: Desk) -> list[str]:
    books = load_codebooks(
        list(dict.fromkeys([*desk.settings.codebooks, *desk_codebooks(desk.home)])), desk.home
    )
    return [label for book in books for label in book.labels()]


def _in_context(desk: Desk, e: Evidence, margin: int = 300) -> dict[str, str]:
    """Return the quote with up to ``margin`` characters around it in its document (before, quote,
    after); only that span is read from the store."""
    first = max(0, e.start - margin)
    try:
        span = desk.store.text_span(e.document_id, first, e.end + margin + 1)
    except NotFound:
        return {"before": "", "quote": e.quote, "after": ""}
    quote_at, quote_end = e.start - first, e.end - first
    after = span[quote_end : quote_end + margin]
    return {
        "before": ("…" if first > 0 else "") + span[:quote_at],
        "quote": span[quote_at:quote_end],
        "after": after + ("…" if len(span) > quote_end + margin else ""),
    }


@router.get("/requests/{request_id}/evidence")
def evidence_page(
    request_id: RowId,
    request: Request,
    status: str = "",
    role: str = "",
    source: str = "",
    facet: str = "",
    page: int = Query(1, ge=1, le=MAX_ID),
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    """The review page: filters, progress, a page of cards, bulk decisions and undo."""
    req = visible_request(desk, user, request_id)
    chosen = review.filters_of(status, role, source, facet)
    everything = desk.store.evidence_for(request_id)
    titles = desk.store.document_titles({e.document_id for e in everything})
    shown = [e for e in everything if chosen.keeps(e)]
    pages = max(1, -(-len(shown) // review.PAGE_SIZE))
    on_page = shown[(page - 1) * review.PAGE_SIZE : page * review.PAGE_SIZE]
    passages = desk.store.passages_by_id([e.passage_id for e in on_page])
    cards = [
        {
            "e": e,
            "title": titles.get(e.document_id, "(removed)"),
            "ctx": _in_context(desk, e),
            "why": review.plain_why(e),
            "where": review.where_from(passages.get(e.passage_id)),
        }
        for e in on_page
    ]
    return render_page(
        request,
        "evidence.html",
        req=req,
        cards=cards,
        filters=chosen,
        choices=review.choices(everything, titles),
        progress=review.progress(everything),
        shown_progress=review.progress(shown),
        shown_total=len(shown),
        page=page,
        pages=pages,
        roles=ROLES,
        codes=_codes(desk),
        can_undo=bool(review.last_decision(desk, request_id, user.label)),
    )


def _decided(
    request: Request, desk: Desk, request_id: int, changed: list[Evidence], target: str, who: str
) -> Response:
    """Answer a decision: JSON for the page's script (no page load), else back to the card on its page."""
    if wants_json(request):
        return JSONResponse(
            {
                "changed": [review.card_state(e) for e in changed],
                "progress": review.progress(desk.store.evidence_for(request_id)),
                "can_undo": bool(review.last_decision(desk, request_id, who)),
            }
        )
    anchor = f"#ev-{changed[0].id}" if changed else ""
    return back(f"{target}{anchor}")


def _review_page(back_to: str, request_id: int) -> str:
    own = f"/requests/{request_id}/evidence"
    return back_to if back_to == own or back_to.startswith(own + "?") else own


@router.post("/evidence/{evidence_id}/{action}")
def evidence_action(
    request: Request,
    evidence_id: RowId,
    action: str,
    role: str = Form(""),
    codes: str = Form(""),
    label: str = Form(""),
    back_to: str = Form(""),
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    e = desk.store.evidence(evidence_id)
    if action == "accept":
        changed = accept(desk, evidence_id, user.label)
    elif action == "reject":
        changed = reject(desk, evidence_id, user.label)
    elif action == "relabel":
        code_list = [c.strip() for c in codes.replace("\n", ";").split(";") if c.strip()]
        changed = relabel(
            desk,
            evidence_id,
            user.label,
            role=role if role and role != str(e.role) else None,
            codes=code_list if code_list != e.codes else None,
            label=label if label.strip() != e.label else None,
        )
    else:
        raise InputError(f"Unknown evidence action {action!r}.", "Use accept, reject or relabel.")
    context(request).jobs.submit_once(desk, "learn", {}, user.label)  # the desk model learns from it
    assert e.request_id is not None
    return _decided(request, desk, e.request_id, [changed], _review_page(back_to, e.request_id), user.label)


@router.post("/requests/{request_id}/evidence/bulk")
async def evidence_bulk(
    request_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    """Accept or reject every ticked quote at once."""
    visible_request(desk, user, request_id)
    form = await request.form()
    raw = [str(v) for v in form.getlist("ids")]
    bad = [v for v in raw if not v.isdigit() or int(v) > MAX_ID]
    if bad:
        raise InputError(
            f"{', '.join(map(repr, bad))} is not an evidence number.", "Tick quotes on the page."
        )
    action = str(form.get("bulk") or "")
    changed = review.decide_many(desk, request_id, [int(v) for v in raw], action, user.label)
    context(request).jobs.submit_once(desk, "learn", {}, user.label)
    target = _review_page(str(form.get("back_to") or ""), request_id)
    return _decided(request, desk, request_id, changed, target, user.label)


@router.post("/requests/{request_id}/evidence/undo")
def evidence_undo(
    request_id: RowId,
    request: Request,
    back_to: str = Form(""),
    user: User = Depends(staff),
    desk: Desk = Depends(get_desk),
) -> Response:
    """Undo the signed-in reviewer's latest decision on this request (a bulk decision as a whole)."""
    visible_request(desk, user, request_id)
    changed = review.undo_last(desk, request_id, user.label)
    context(request).jobs.submit_once(desk, "learn", {}, user.label)  # a withdrawn label is learnt too
    return _decided(request, desk, request_id, changed, _review_page(back_to, request_id), user.label)


# --- jobs -----------------------------------------------------------------------------------------


@router.get("/jobs")
def jobs_page(request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)) -> Response:
    return render_page(request, "jobs.html", jobs=desk.store.jobs(100))


@router.get("/jobs/{job_id}")
def job_page(
    job_id: str, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    return render_page(request, "job.html", job=desk.store.job(job_id))


@router.post("/jobs/{job_id}/retry")
def job_retry(
    job_id: str, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    context(request).jobs.retry(desk, job_id)
    return back(f"/jobs/{job_id}")


# --- admin: users and members ---------------------------------------------------------------------


@router.get("/admin/users")
def users_page(request: Request, user: User = Depends(admin), desk: Desk = Depends(get_desk)) -> Response:
    return render_page(
        request,
        "users.html",
        users=desk.store.users(),
        organizations=desk.store.organizations(),
        roles=USER_ROLES,
        problems=[],
    )


@router.post("/admin/users")
def users_add(
    request: Request,
    email: str = Form(...),
    name: str = Form(""),
    role: str = Form(...),
    organization: str = Form(""),
    password: str = Form(...),
    user: User = Depends(admin),
    desk: Desk = Depends(get_desk),
) -> Response:
    create_user(desk, email, password, role, organization or None, name)
    return back("/admin/users")
