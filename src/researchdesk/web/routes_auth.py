"""Sign-in and sign-out pages, and the home page that sends each role where it works."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from researchdesk.accounts import authenticate, end_session, same_token, start_session
from researchdesk.desk import Desk
from researchdesk.errors import ResearchDeskError
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
from researchdesk.web.forms import decode_kept, encode_kept
from researchdesk.web.pages import render_page
from researchdesk.web.routes_member import reopen

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


SIGNED_OUT = (
    "Your session ended before the form was sent, so it was not sent. Sign in again: what you typed "
    "is kept and comes back filled in (files must be attached again)."
)


def sign_in_again(request: Request, next: str, kept: dict[str, str]) -> Response:
    """Return the sign-in page for a form sent after the session ended, carrying what was typed."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    carried = encode_kept(kept)
    notice = SIGNED_OUT if carried else SIGNED_OUT.split(" Sign in again")[0] + ". Sign in again."
    response = render_page(
        request,
        "login.html",
        status_code=401,
        next=safe_next(next),
        login_csrf=token,
        error=None,
        kept=carried,
        notice=notice,
    )
    _login_cookie(request, response, token)
    return response


@router.post("/login")
def login(
    request: Request,
    email: str = Form(...),
    password: str = Form(...),
    csrf: str = Form(""),
    next: str = Form("/"),
    kept: str = Form(""),
    desk: Desk = Depends(get_desk),
) -> Response:
    ctx = context(request)
    # Sign-in has no session yet: its CSRF token is a double-submit cookie.
    if not same_token(csrf, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        # The sign-in form itself went stale (its cookie expired): a fresh form, the email kept.
        token = secrets.token_urlsafe(24)
        stale = CsrfFailed()
        stale.hint = "Enter your password again and sign in."
        response = render_page(
            request,
            "login.html",
            status_code=stale.status,
            next=safe_next(next),
            login_csrf=token,
            error=stale,
            email=email,
            kept=kept,
        )
        _login_cookie(request, response, token)
        return response
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
            kept=kept,
        )
        return response
    # A session id sent before sign-in is dropped, never promoted: a new id at every sign-in.
    end_session(desk, request.cookies.get(SESSION_COOKIE, ""))
    session = start_session(desk, user, ctx.web.session_hours)
    typed = decode_kept(kept)
    done: Response
    if typed:  # back to the form, filled in with what was typed before the session ended
        request.state.principal = Principal(user, "session", session.csrf)
        done = reopen(
            request,
            desk,
            safe_next(next),
            typed,
            "You are signed in again. Check what you typed and send it.",
            200,
        )
    else:
        done = RedirectResponse(
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
