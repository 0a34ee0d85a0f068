"""Request-scoped pieces of the web app: a desk per request, the signed-in user, CSRF and role checks.

Pages and API alike ask for ``signed_in``, ``staff`` or ``admin`` here; which requests, briefs and
events a user may see is the core's policy (``requests/access.py``), the same for every caller.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from jinja2 import Environment

from researchdesk.accounts import Throttle, same_token, session_user, token_user
from researchdesk.desk import Desk, open_desk
from researchdesk.errors import ResearchDeskError
from researchdesk.search.desk import DeskIndex, index_stamp, sync_index
from researchdesk.settings import Settings
from researchdesk.web.config import WebSettings
from researchdesk.web.jobs import JobQueue
from researchdesk.web.rendering import RenderPool
from researchdesk.work import User

SESSION_COOKIE = "rd_session"
LOGIN_CSRF_COOKIE = "rd_login"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Ids are signed 64-bit integers in both stores; a larger number names no row, and passed on to the
# database it overflows (a 500), so it is refused at the door like any malformed id.
MAX_ID = 2**63 - 1
# Rows per page of the request lists (the queue, a member's requests): years of requests stay quick.
PAGE_SIZE = 50


def page_count(rows: int) -> int:
    """Return how many pages of PAGE_SIZE ``rows`` fill (at least one, so an empty list has a page)."""
    return max(1, -(-rows // PAGE_SIZE))


RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row id (a positive integer).")]


class NeedsLogin(ResearchDeskError):
    status = 401

    def __init__(self) -> None:
        super().__init__("Sign in first.", "Sign in with your email and password, or send an API token.")


class Forbidden(ResearchDeskError):
    status = 403

    def __init__(self, what: str = "This page is for staff.") -> None:
        super().__init__(what, "Sign in with a staff account, or ask an admin for access.")


class CsrfFailed(ResearchDeskError):
    status = 403

    def __init__(self) -> None:
        super().__init__(
            "The form's security token is missing or out of date, so nothing was done.",
            "Open the page again from its link (not the browser's reload, which sends the old token again) "
            "and send the form from there.",
        )


class IndexCache:
    """The desk's search index, loaded once and reloaded only when the library changed; searches are serialized."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._index: DeskIndex | None = None
        self._key: tuple[Any, ...] = ()

    def get(self, desk: Desk) -> DeskIndex:
        """Return the index in step with the desk's library (call with ``lock`` held)."""
        row = desk.store.conn.execute("SELECT count(*), coalesce(max(id), 0) FROM passages").fetchone()
        key = (
            int(row[0]),
            int(row[1]),
            desk.store.count_documents(),
            *index_stamp(desk.store, desk.settings),
        )
        if self._index is None or key != self._key:
            # Words only: a search never waits for embeddings (the worker's embed job makes them) and
            # is hybrid for the passages embedded so far; a new checkpoint of vectors changes the key.
            if self._index is not None:
                self._index.close()
            self._index = sync_index(desk.store, desk.settings, embed=False)
            self._key = (*key[:3], *index_stamp(desk.store, desk.settings))
        return self._index


@dataclass
class WebContext:
    """What every request of one app shares: settings, templates, the job queue, the index cache and
    the render workers."""

    settings: Settings
    web: WebSettings
    templates: Environment
    jobs: JobQueue
    index: IndexCache = field(default_factory=IndexCache)
    renders: RenderPool = field(init=False)

    def __post_init__(self) -> None:
        self.renders = RenderPool(self.web.render_slots)

    @property
    def throttle(self) -> Throttle:
        return Throttle(
            self.web.login_failures_per_email,
            self.web.login_failures_per_address,
            self.web.login_window_minutes,
        )


@dataclass(frozen=True)
class Principal:
    """Who is calling, and how: by session cookie (CSRF applies) or by API token (it does not)."""

    user: User
    via: str  # "session" | "token"
    csrf: str = ""


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def get_desk(request: Request) -> Iterator[Desk]:
    """Yield a desk opened for this request only (SQLite connections are not shared across threads)."""
    desk = open_desk(context(request).settings)
    try:
        yield desk
    finally:
        desk.close()


def principal(request: Request, desk: Desk = Depends(get_desk)) -> Principal | None:
    """Return the caller from an API token (Authorization: Bearer) or a session cookie, or None."""
    auth = request.headers.get("authorization", "")
    found: Principal | None = None
    if auth.lower().startswith("bearer "):
        user = token_user(desk, auth[7:].strip())
        found = Principal(user, "token") if user else None
    else:
        live = session_user(desk, request.cookies.get(SESSION_COOKIE, ""))
        if live:
            found = Principal(live[0], "session", live[1])
    request.state.principal = found
    return found


async def check_csrf(request: Request, who: Principal | None = Depends(principal)) -> None:
    """Refuse an unsafe call made with a session cookie unless it carries the session's CSRF token."""
    if request.method not in UNSAFE or who is None or who.via != "session":
        return
    given = request.headers.get("x-csrf-token")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not same_token(given, who.csrf):
        raise CsrfFailed()


def signed_in(who: Principal | None = Depends(principal)) -> User:
    """Return the signed-in user or raise NeedsLogin."""
    if who is None:
        raise NeedsLogin()
    return who.user


def staff(user: User = Depends(signed_in)) -> User:
    """Return the signed-in staff (or admin) user, or raise Forbidden."""
    if not user.is_staff:
        raise Forbidden()
    return user


def admin(user: User = Depends(signed_in)) -> User:
    """Return the signed-in admin, or raise Forbidden."""
    if not user.is_admin:
        raise Forbidden("This page is for admins.")
    return user
