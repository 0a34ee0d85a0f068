"""The web app: ``create_app(settings)`` builds the FastAPI application over one desk.

Pages are server-rendered Jinja2 (autoescaped) with a little plain JavaScript from /static; the REST
API lives under /api/v1 with its OpenAPI description at /api/openapi.json. One exception handler
turns every ResearchDeskError into an HTML page or a JSON body with its status, message and hint.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from researchdesk.desk import init_desk
from researchdesk.errors import ResearchDeskError
from researchdesk.settings import Settings
from researchdesk.web import (
    api,
    api_library,
    forms,
    routes_auth,
    routes_brief,
    routes_discover,
    routes_library,
    routes_member,
    routes_staff,
)
from researchdesk.web.allocator import limit_arenas
from researchdesk.web.config import WebSettings
from researchdesk.web.deps import CsrfFailed, NeedsLogin, Principal, WebContext
from researchdesk.web.jobs import JobQueue
from researchdesk.web.pages import CSP, render_page, templates, wants_json

access_log = logging.getLogger("researchdesk.access")


def create_app(settings: Settings | None = None, web: WebSettings | None = None) -> FastAPI:
    """Return the web app over the desk of ``settings`` (created if missing)."""
    settings = settings or Settings()
    web = web or WebSettings()
    limit_arenas()  # before the request threads start: see allocator.py
    init_desk(settings).close()
    ctx = WebContext(settings=settings, web=web, templates=templates(), jobs=JobQueue(settings, web))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.renders.close()

    app = FastAPI(
        lifespan=lifespan,
        title="ResearchDesk",
        version="1",
        description="Requests, library, evidence and briefs of a research service. "
        "Authenticate scripts with `Authorization: Bearer <token>` (`researchdesk user token EMAIL`).",
        docs_url=None,  # Swagger UI loads scripts from a CDN; the desk works offline
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.ctx = ctx

    app.include_router(routes_auth.router)
    app.include_router(routes_member.router)
    app.include_router(routes_staff.router)
    app.include_router(routes_brief.router)
    app.include_router(routes_library.router)
    app.include_router(routes_discover.router)
    app.include_router(api.router)
    app.include_router(api_library.router)
    from importlib.resources import files

    app.mount("/static", StaticFiles(directory=str(files("researchdesk.web") / "static")), name="static")

    @app.get("/healthz", include_in_schema=False)
    def health() -> JSONResponse:
        from researchdesk.desk import open_desk

        try:
            with open_desk(settings) as desk:
                schema = desk.store.schema_version()
                documents = desk.store.count_documents()
                failed = desk.store.count_jobs("failed")
            return JSONResponse(
                {
                    "status": "ok",
                    "schema": schema,
                    "documents": documents,
                    "jobs_queued": app.state.ctx.jobs.pending(),
                    "jobs_failed": failed,
                }
            )
        except Exception as exc:  # health must answer, whatever is broken
            return JSONResponse({"status": "error", "error": f"{type(exc).__name__}: {exc}"}, status_code=503)

    _handlers(app)
    _middleware(app, web)
    return app


def app_from_env() -> FastAPI:
    """Return the app for the desk named by the environment (uvicorn --factory, several workers)."""
    return create_app(Settings(), WebSettings())


# What a member is told to do instead of a hint meant for staff at the command line.
MEMBER_HINTS = {
    404: "Check the address, or open My requests to find your organization's requests.",
    409: "Reload the request's page to see where it stands, or write to the research staff.",
}
MEMBER_HINT = "Check what you entered and try again; if it keeps happening, write to the research staff."


def in_members_words(exc: ResearchDeskError, user: Any) -> ResearchDeskError:
    """Return the error as a member should read it: no command-line advice for people without one."""
    if user is not None and user.is_staff:
        return exc
    if "researchdesk " not in exc.hint and "`" not in exc.hint and "--" not in exc.hint:
        return exc
    plain = ResearchDeskError(exc.message, MEMBER_HINTS.get(exc.status, MEMBER_HINT))
    plain.status = exc.status
    return plain


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ResearchDeskError)
    async def desk_error(request: Request, exc: ResearchDeskError) -> Response:
        who: Principal | None = getattr(request.state, "principal", None)
        if isinstance(exc, NeedsLogin) and not wants_json(request):
            kept = await forms.typed_fields(request)
            if kept:  # the session ended while a form was being filled in: sign in here, keep the text
                return routes_auth.sign_in_again(request, forms.form_page(request), kept)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        if isinstance(exc, CsrfFailed) and who is not None and forms.wants_page(request):
            return await _stale_form(request, exc)
        if wants_json(request):
            return JSONResponse(
                {"error": type(exc).__name__, "message": exc.message, "hint": exc.hint, "status": exc.status},
                status_code=exc.status,
            )
        shown = in_members_words(exc, who.user if who else None)
        return render_page(request, "error.html", status_code=exc.status, error=shown)

    async def _stale_form(request: Request, exc: ResearchDeskError) -> Response:
        """Open the form's page again with what was typed and a fresh token; nothing was done."""
        from researchdesk.desk import open_desk

        page = forms.form_page(request)
        kept = await forms.typed_fields(request)
        notice = (
            "This form's security token was out of date (the form was opened before your last sign-in, "
            "or in another window), so it was not sent. What you typed is below: check it and send it again."
        )
        if kept:
            with open_desk(request.app.state.ctx.settings) as desk:
                response = routes_member.reopen(request, desk, page, kept, notice, exc.status)
            if response.status_code != 303:
                return response
        return render_page(request, "error.html", status_code=exc.status, error=exc, again=page)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if errors and all(e.get("loc", ("",))[0] == "path" for e in errors):
            # /requests/abc names nothing: that is a missing page, not a form to correct
            bad = ", ".join(repr(e.get("input")) for e in errors)
            missing = ResearchDeskError(
                f"There is no page at {request.url.path}: {bad} is not a number the desk gives out.",
                "Open the page from a link (requests, documents and evidence are numbered 1, 2, 3 ...).",
            )
            missing.status = 404
            return await desk_error(request, missing)
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'input'}: {e.get('msg', '')}" for e in errors
        ]
        error = ResearchDeskError(
            "The input is not valid: " + "; ".join(problems) + ".", "Correct it and try again."
        )
        error.status = 422
        return await desk_error(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        hint = "Check the address." if exc.status_code == 404 else "Try again."
        error = ResearchDeskError(str(exc.detail), hint)
        error.status = exc.status_code
        return await desk_error(request, error)


def _middleware(app: FastAPI, web: WebSettings) -> None:
    limit = int(web.max_request_mb * 1024 * 1024)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        length = request.headers.get("content-length", "")
        response: Response
        if length.isdigit() and int(length) > limit:
            response = JSONResponse(
                {
                    "error": "TooLarge",
                    "message": f"The upload is {int(length) / 1e6:.0f} MB, over the limit of one request.",
                    "hint": "Upload fewer or smaller files at a time.",
                    "status": 413,
                },
                status_code=413,
            )
        else:
            response = await call_next(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "SAMEORIGIN"
        headers.setdefault("Cache-Control", "no-store")
        who: Principal | None = getattr(request.state, "principal", None)
        access_log.info(
            json.dumps(
                {
                    "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": who.user.email if who else None,
                    "via": who.via if who else None,
                    "client": request.client.host if request.client else None,
                }
            )
        )
        return response
