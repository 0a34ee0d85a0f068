"""Sign-in and sign-out pages, and the home page that sends each role where it works."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from researchdesk.desk import Desk
from researchdesk.errors import ResearchDeskError
from researchdesk.web.app import render_page
from researchdesk.web.auth import authenticate, end_session, same_token, start_session
from researchdesk.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfFailed,
    Principal,
    check_csrf,
    context,
    get_desk,
    principal,
)

router = APIRouter(include_in_schema=False)


def safe_next(target: str) -> str:
    """Return a local path to go to after sign-in; anything pointing elsewhere becomes /."""
    parts = urlsplit(target or "/")
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return "/"
    return target


@router.get("/")
def home(who: Principal | None = Depends(principal)) -> Response:
    if who is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/queue" if who.user.is_staff else "/requests", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/", who: Principal | None = Depends(principal)) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render_page(request, "login.html", next=safe_next(next), login_csrf=token, error=None)
    _login_cookie(request, response, token)
    return response


@router.post("/login")
def login(
    request: Request,
    email: str = Form(...),
    password: str = Form(...),
    csrf: str = Form(""),
    next: str = Form("/"),
    desk: Desk = Depends(get_desk),
) -> Response:
    ctx = context(request)
    # Sign-in has no session yet: its CSRF token is a double-submit cookie.
    if not same_token(csrf, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        raise CsrfFailed()
    address = request.client.host if request.client else ""
    try:
        user = authenticate(desk, email, password, address, ctx.throttle)
    except ResearchDeskError as exc:
        response = render_page(
            request,
            "login.html",
            status_code=exc.status,
            next=safe_next(next),
            login_csrf=csrf,
            error=exc,
            email=email,
        )
        return response
    # A session id sent before sign-in is dropped, never promoted: a new id at every sign-in.
    end_session(desk, request.cookies.get(SESSION_COOKIE, ""))
    session = start_session(desk, user, ctx.web.session_hours)
    done: Response = RedirectResponse(
        safe_next(next) if next != "/" else ("/queue" if user.is_staff else "/requests"), 303
    )
    done.set_cookie(
        SESSION_COOKIE,
        session.id,
        max_age=int(ctx.web.session_hours * 3600),
        httponly=True,
        secure=ctx.web.cookie_secure,
        samesite="lax",
        path="/",
    )
    done.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return done


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, desk: Desk = Depends(get_desk)) -> Response:
    end_session(desk, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _login_cookie(request: Request, response: Response, token: str) -> None:
    ctx = context(request)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        secure=ctx.web.cookie_secure,
        samesite="lax",
        path="/",
    )
