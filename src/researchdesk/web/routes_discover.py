"""Staff pages beyond the library: a request's candidates from the open scholarly indexes, picked and brought in.

``/requests/{id}/beyond`` lists the works the request's last search (or its scan's "look beyond the
library" step) found, each with title, authors, year, venue, open-access status, why it matched and
its retraction or version flags; works the library already holds are marked. A search and a
bring-in run as jobs (the services are asked at their own pace, and full texts are downloaded and
read), and the job page shows what came in and what failed, with the reason. The functions doing
the work are ``researchdesk.discover.shortlist``'s; this module only reads forms and renders pages.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from researchdesk.desk import Desk
from researchdesk.discover.service import DEFAULT_SERVICES, parse_services
from researchdesk.discover.shortlist import check_picks, default_query, load_shortlist
from researchdesk.errors import InputError
from researchdesk.requests.access import visible_request
from researchdesk.requests.scan import plan_for
from researchdesk.web.deps import RowId, check_csrf, context, get_desk, staff
from researchdesk.web.pages import render_page
from researchdesk.work import Job, User

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

SERVICE_NAMES = {"openalex": "OpenAlex", "crossref": "Crossref", "europepmc": "Europe PMC"}
LIMITS = (10, 25, 50, 100, 200)
RECENT_JOBS = 200  # how far back the page looks for this request's searches and bring-ins


def _jobs_of(desk: Desk, request_id: int) -> list[Job]:
    return [
        j
        for j in desk.store.jobs(RECENT_JOBS)
        if j.kind in ("discover", "bring") and j.args.get("request_id") == request_id
    ][:5]


@router.get("/requests/{request_id}/beyond")
def beyond_page(
    request_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    """The request's candidates beyond the library, a search form, and the works to tick and bring in."""
    req = visible_request(desk, user, request_id)
    plan = plan_for(desk, request_id, user.label)
    shortlist = load_shortlist(desk, request_id)
    return render_page(
        request,
        "beyond.html",
        req=req,
        shortlist=shortlist,
        query=shortlist.query or default_query(plan.subjects, plan.topic),
        subjects=plan.subjects,
        services=SERVICE_NAMES,
        default_services=DEFAULT_SERVICES,
        limits=LIMITS,
        online=desk.settings.online,
        jobs=_jobs_of(desk, request_id),
    )


@router.post("/requests/{request_id}/beyond/search")
async def beyond_search(
    request_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    """Queue a search of the chosen services for the request; the job page follows it."""
    visible_request(desk, user, request_id)
    form = await request.form()
    query = " ".join(str(form.get("query") or "").split())
    if not query:
        raise InputError("The search has no words.", "Say what to look for, e.g. the request's subject.")
    services = parse_services([str(s) for s in form.getlist("services")] or list(DEFAULT_SERVICES))
    raw_limit = str(form.get("limit") or "25")
    if not raw_limit.isdigit() or int(raw_limit) not in LIMITS:
        raise InputError(
            f"{raw_limit!r} is not a number of candidates the page offers.",
            f"Choose {', '.join(map(str, LIMITS))}.",
        )
    args = {
        "request_id": request_id,
        "query": query,
        "services": services,
        "limit": int(raw_limit),
        "who": user.label,
    }
    job_id = context(request).jobs.submit(desk, "discover", args, user.label)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/requests/{request_id}/beyond/bring")
async def beyond_bring(
    request_id: RowId, request: Request, user: User = Depends(staff), desk: Desk = Depends(get_desk)
) -> Response:
    """Queue the bring-in of the ticked works; the job page lists what came in and what failed."""
    visible_request(desk, user, request_id)
    form = await request.form()
    keys = check_picks(
        load_shortlist(desk, request_id, refresh=False), [str(k) for k in form.getlist("keys")]
    )
    args = {
        "request_id": request_id,
        "keys": keys,
        "full_text": bool(form.get("full_text")),
        "who": user.label,
    }
    job_id = context(request).jobs.submit(desk, "bring", args, user.label)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
