"""Rendering a page: the templates' environment, the content security policies, and HTML-or-JSON.

Every route module renders through ``render_page`` here, so the app (which includes the routes) and the
routes never import each other.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from researchdesk.web.deps import Principal, WebContext

# Pages run only our own script file; SVG plots use presentation attributes, so no inline style either.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
)
# The brief preview is the rendered brief itself: inline CSS, no script at all.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def templates() -> Environment:
    """Return the page templates' environment (autoescape on for every template)."""
    env = Environment(
        loader=PackageLoader("researchdesk.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["today"] = lambda: date.today().isoformat()
    return env


def wants_json(request: Request) -> bool:
    """Return True when the caller is the API or asks for JSON."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def render_page(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Return a page rendered from a template, with the signed-in user and their CSRF token."""
    ctx: WebContext = request.app.state.ctx
    who: Principal | None = getattr(request.state, "principal", None)
    body = ctx.templates.get_template(name).render(
        request=request,
        user=who.user if who else None,
        csrf=who.csrf if who else "",
        path=request.url.path,
        **values,
    )
    return HTMLResponse(body, status_code=status_code)
