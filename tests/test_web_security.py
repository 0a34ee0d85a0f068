"""Security properties of the web app, checked on every route the app has (the list comes from app.routes).

- access: every route has a rule (public, signed-in, own request, staff, admin); a member of another
  organization gets 404 on request-scoped routes and 403 on staff ones, a signed-out caller is sent to
  sign in, and none of the refused unsafe calls changes anything;
- CSRF on every unsafe route reached with a session cookie;
- session expiry and fixation;
- escaping of hostile document and member text on every page and in the HTML, DOCX and PDF briefs;
- path traversal in download URLs;
- security headers on every response.

Upload limits, upload names and login throttling, which need other settings, are in test_web_limits.py.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from starlette.testclient import TestClient

from researchdesk.accounts import digest, new_api_token, start_session
from researchdesk.brief.service import deliver, draft
from researchdesk.evidence.review import accept
from researchdesk.models import Evidence, Role
from researchdesk.requests.scan import run_scan
from test_web_fixtures import PASSWORD, WebDesk, client_for, sign_in, web_fixture  # noqa: F401  (the `web` fixture)

HOSTILE_PROMPT = "<script>alert('prompt')</script> What helps <img src=x onerror=alert(4)> tobacco policies?"
QUOTE_MARK = "<script>alert('quote')</script>"
TITLE_MARK = "<script>alert('title')</script>"

# Who may use each route. A route the app gains without a rule here fails test_every_route_has_a_rule.
#   public     anyone, signed in or not
#   signed-in  any signed-in user; what it lists or creates is limited to the caller's organization
#   own        any signed-in user, but only for a request of their own organization (others: 404)
#   staff      staff and admins (members: 403)
#   admin      admins only
RULES: dict[tuple[str, str], str] = {
    ("GET", "/"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/api/openapi.json"): "public",
    ("HEAD", "/api/openapi.json"): "public",
    ("GET", "/static/{path}"): "public",
    ("GET", "/requests"): "signed-in",
    ("GET", "/requests/new"): "signed-in",
    ("POST", "/requests/new"): "signed-in",
    ("GET", "/api/v1/me"): "signed-in",
    ("GET", "/api/v1/requests"): "signed-in",
    ("POST", "/api/v1/requests"): "signed-in",
    ("GET", "/requests/{request_id}"): "own",
    ("POST", "/requests/{request_id}/messages"): "own",
    ("GET", "/account/notifications"): "signed-in",
    ("POST", "/account/notifications"): "signed-in",
    ("GET", "/requests/{request_id}/files/{file_id}"): "own",
    ("GET", "/requests/{request_id}/brief/v{version:int}.{fmt}"): "own",
    ("GET", "/api/v1/requests/{request_id}"): "own",
    ("GET", "/api/v1/requests/{request_id}/events"): "own",
    ("GET", "/api/v1/requests/{request_id}/brief/v{version:int}"): "own",
    ("GET", "/api/v1/requests/{request_id}/brief/v{version:int}.{fmt}"): "own",
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users"): "admin",
}
STAFF_ROUTES = {
    ("GET", "/queue"),
    ("POST", "/requests/{request_id}/status"),
    ("POST", "/requests/{request_id}/assign"),
    ("GET", "/requests/{request_id}/plan"),
    ("POST", "/requests/{request_id}/plan"),
    ("POST", "/requests/{request_id}/scan"),
    ("GET", "/requests/{request_id}/beyond"),
    ("POST", "/requests/{request_id}/beyond/search"),
    ("POST", "/requests/{request_id}/beyond/bring"),
    ("GET", "/requests/{request_id}/evidence"),
    ("POST", "/evidence/{evidence_id}/{action}"),
    ("POST", "/requests/{request_id}/evidence/bulk"),
    ("POST", "/requests/{request_id}/evidence/undo"),
    ("GET", "/requests/{request_id}/brief"),
    ("GET", "/requests/{request_id}/brief/v{version}/preview"),
    ("POST", "/requests/{request_id}/brief/{action}"),
    ("GET", "/jobs"),
    ("GET", "/jobs/{job_id}"),
    ("POST", "/jobs/{job_id}/retry"),
    ("GET", "/library"),
    ("POST", "/library/upload"),
    ("GET", "/search"),
    ("GET", "/documents/{document_id}"),
    ("GET", "/documents/{document_id}/original"),
    ("POST", "/documents/{document_id}/metadata"),
    ("GET", "/api/v1/requests/{request_id}/plan"),
    ("PUT", "/api/v1/requests/{request_id}/plan"),
    ("POST", "/api/v1/requests/{request_id}/status"),
    ("POST", "/api/v1/requests/{request_id}/assign"),
    ("POST", "/api/v1/requests/{request_id}/scan"),
    ("GET", "/api/v1/requests/{request_id}/scan-log"),
    ("GET", "/api/v1/requests/{request_id}/history"),
    ("GET", "/api/v1/requests/{request_id}/evidence"),
    ("POST", "/api/v1/evidence/{evidence_id}/accept"),
    ("POST", "/api/v1/evidence/{evidence_id}/reject"),
    ("POST", "/api/v1/evidence/{evidence_id}/relabel"),
    ("POST", "/api/v1/requests/{request_id}/brief"),
    ("POST", "/api/v1/requests/{request_id}/brief/check"),
    ("POST", "/api/v1/requests/{request_id}/brief/deliver"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/documents/{document_id}"),
    ("POST", "/api/v1/documents"),
    ("GET", "/api/v1/jobs"),
    ("GET", "/api/v1/jobs/{job_id}"),
    ("POST", "/api/v1/jobs/{job_id}/retry"),
}
RULES.update({route: "staff" for route in STAFF_ROUTES})
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def app_routes(app: Any) -> set[tuple[str, str]]:
    """Return every (method, path) the app answers, walking included routers and mounts."""
    found: set[tuple[str, str]] = set()

    def walk(routes: Any, prefix: str = "") -> None:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # FastAPI >= 0.16x keeps included routers apart
                for ctx in route.effective_route_contexts():
                    found.update((m, ctx.path) for m in ctx.methods)
            elif hasattr(route, "routes") and hasattr(route, "path") and getattr(route, "app", None):
                if type(route).__name__ == "Mount" and not route.routes:  # a static folder
                    found.add(("GET", prefix + route.path + "/{path}"))
                else:
                    walk(route.routes, prefix + route.path)
            elif getattr(route, "methods", None):
                found.update((m, prefix + route.path) for m in route.methods)

    walk(app.routes)
    return found


@dataclass
class Scene:
    """Lakeside's request ``a`` (delivered, with an attachment and hostile evidence) and who is who."""

    web: WebDesk
    ann: TestClient  # Lakeside member: owns request a
    ann_csrf: str
    bob: TestClient  # Hill City member: must see nothing of a
    bob_csrf: str
    bob_token: str
    staff: TestClient
    staff_csrf: str
    a: int
    file_id: int
    evidence_id: int
    job_id: str

    def values(self) -> dict[str, str]:
        """Return the path parameters that name request a's rows."""
        return {
            "request_id": str(self.a),
            "file_id": str(self.file_id),
            "version": "1",
            "fmt": "pdf",
            "evidence_id": str(self.evidence_id),
            "document_id": str(self.web.hostile_id),
            "job_id": self.job_id,
            "path": "app.css",
        }

    def url(self, path: str, action: str = "") -> str:
        """Return a route's path with request a's rows filled in."""
        values = {**self.values(), "action": action}
        return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)


def _action(path: str) -> str:
    return "accept" if path.startswith("/evidence/") else "draft"


@pytest.fixture(scope="module")
def scene(web: WebDesk) -> Scene:
    ann, bob, staff = client_for(web), client_for(web), client_for(web)
    ann_csrf, bob_csrf = sign_in(ann, "ann@lakeside.example"), sign_in(bob, "bob@hill.example")
    staff_csrf = sign_in(staff, "staff@desk.example")
    r = ann.post(
        "/requests/new",
        data={"csrf": ann_csrf, "prompt": HOSTILE_PROMPT, "context": "<b>board</b> wants it"},
        files=[
            (
                "attachments",
                ("<script>x</script>notes.txt", b"Board notes on retail licensing.\n", "text/plain"),
            )
        ],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    a = int(r.headers["location"].rsplit("/", 1)[1])
    with web.desk() as desk:
        file_id = next(e.id for e in desk.store.events(a) if e.action == "attached")
        run_scan(desk, a, "test")
        # A quote whose text carries a script tag, from the hostile page whose title carries one too.
        hostile = web.hostile_id
        passage = next(p for p in desk.store.passages(hostile) if "lack of funding" in p.text)
        text = desk.store.get_document(hostile).text
        start, end = text.index("A major barrier"), text.index("which limited")
        assert QUOTE_MARK in text[start:end]
        ev = Evidence(
            hostile, passage.id, start, end, text[start:end], Role.BARRIER, 0.9, "test", request_id=a
        )
        [evidence_id] = desk.store.add_evidence([ev], "test")
        accept(desk, evidence_id, "staff@desk.example")
        draft(desk, a, who="test", auto=True)
        deliver(desk, a, "test")
        app: Any = web.client.app
        job_id = app.state.ctx.jobs.submit(
            desk, "render", {"request_id": a, "version": 1, "formats": ["md"]}, "test"
        )
        bob_token = new_api_token(desk, "bob@hill.example", "test")
    return Scene(
        web, ann, ann_csrf, bob, bob_csrf, bob_token, staff, staff_csrf, a, file_id, evidence_id, job_id
    )


def _call(client: TestClient, method: str, url: str, csrf: str = "", token: str = "") -> Any:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if token:
        headers = {"Authorization": f"Bearer {token}"}
    data = (
        {"csrf": csrf, "prompt": "x", "status": "scoping", "version": "1", "assignee": "x"} if csrf else None
    )
    if method in UNSAFE and url.startswith("/api/"):
        return client.request(method, url, json={}, headers=headers, follow_redirects=False)
    if method in UNSAFE:
        return client.request(method, url, data=data, headers=headers, follow_redirects=False)
    return client.request(method, url, headers=headers, follow_redirects=False)


def _state(web: WebDesk, a: int) -> tuple[Any, ...]:
    with web.desk() as desk:
        req = desk.store.request(a)
        return (
            req.version,
            req.status,
            req.assignee,
            len(desk.store.brief_versions(a)),
            sorted((e.id, str(e.status), e.label) for e in desk.store.evidence_for(a)),
            len(desk.store.events(a)),
            [str(j.status) for j in desk.store.jobs(100)],
        )


# --- access -------------------------------------------------------------------------------------------


def test_every_route_has_a_rule(web: WebDesk) -> None:
    routes = app_routes(web.client.app)
    missing = sorted(routes - set(RULES))
    assert not missing, f"routes without an access rule (add them to RULES in this file): {missing}"
    stale = sorted(set(RULES) - routes)
    assert not stale, f"rules for routes the app no longer has: {stale}"


def test_signed_out_callers_are_sent_to_sign_in(scene: Scene) -> None:
    anonymous = client_for(scene.web)
    for (method, path), rule in sorted(RULES.items()):
        if rule == "public" or method == "HEAD":
            continue
        r = _call(anonymous, method, scene.url(path, _action(path)))
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path)


def test_another_organization_reaches_nothing_on_any_route(scene: Scene) -> None:
    before = _state(scene.web, scene.a)
    checked = 0
    for (method, path), rule in sorted(RULES.items()):
        if rule in ("public", "signed-in") or method == "HEAD":
            continue
        url = scene.url(path, _action(path))
        expected = 404 if rule == "own" else 403
        attempts = [_call(scene.bob, method, url, csrf=scene.bob_csrf)]
        if path.startswith("/api/"):
            attempts.append(_call(scene.bob, method, url, token=scene.bob_token))
        for r in attempts:
            assert r.status_code == expected, (method, path, rule, r.status_code, r.text[:200])
            checked += 1
        if rule == "own":
            # The owner's organization reaches the same URL: the 404 above is the organization rule.
            mine = _call(scene.ann, method, url, csrf=scene.ann_csrf)
            if method == "GET":
                assert mine.status_code == 200, (method, path, mine.status_code)
            else:  # reached the handler (an empty message is refused there, so request a stays as it was)
                assert mine.status_code not in (403, 404), (method, path, mine.status_code)
        if rule == "admin":
            staff = _call(scene.staff, method, url, csrf=scene.staff_csrf)
            assert staff.status_code == 403, (method, path)
    assert checked >= 45
    assert _state(scene.web, scene.a) == before  # no refused call changed request a
    # Listing and filing are limited to the caller's own organization.
    assert str(scene.a) not in {str(r["id"]) for r in scene.bob.get("/api/v1/requests").json()}
    assert f'href="/requests/{scene.a}"' not in scene.bob.get("/requests").text
    filed = scene.bob.post(
        "/api/v1/requests",
        json={"prompt": "Filed for someone else?", "organization": "Lakeside County"},
        headers={"X-CSRF-Token": scene.bob_csrf},
    )
    assert filed.status_code == 201 and filed.json()["organization"] == "Hill City"
    r = scene.bob.post(
        "/requests/new",
        data={"csrf": scene.bob_csrf, "prompt": "Also for someone else?", "organization": "Lakeside County"},
        follow_redirects=False,
    )
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    with scene.web.desk() as desk:
        assert desk.store.request(rid).organization == "Hill City"


# --- CSRF ---------------------------------------------------------------------------------------------


def test_every_unsafe_route_refuses_a_session_call_without_its_csrf_token(scene: Scene) -> None:
    unsafe = sorted((m, p) for m, p in RULES if m in UNSAFE)
    assert len(unsafe) >= 25
    before = _state(scene.web, scene.a)
    admin = client_for(scene.web)
    admin_csrf = sign_in(admin, "admin@desk.example")
    for method, path in unsafe:
        url = scene.url(path, _action(path))
        client = client_for(scene.web) if path == "/login" else admin  # sign-in: a fresh browser
        if path == "/login":
            client.get("/login")  # sets the double-submit cookie; the form's token is not sent
        for bad in ("", "forged-token", scene.staff_csrf):  # missing, made up, another session's
            headers = {"X-CSRF-Token": bad} if bad else {}
            form = {"csrf": bad, "email": "admin@desk.example", "password": "x" * 12}
            if path.startswith("/api/"):
                r = client.request(method, url, json={}, headers=headers, follow_redirects=False)
            else:
                r = client.request(method, url, data=form, follow_redirects=False)
            assert r.status_code == 403 and "security token" in r.text, (method, path, bad, r.status_code)
    assert _state(scene.web, scene.a) == before
    # With the right token the same kind of call goes through: the refusals above were the CSRF check.
    ok = admin.post(f"/api/v1/requests/{scene.a}/brief/check", headers={"X-CSRF-Token": admin_csrf})
    assert ok.status_code == 200
    # A token in the form also works, and the session is still alive after all those refusals.
    assert admin.post("/logout", data={"csrf": admin_csrf}, follow_redirects=False).status_code == 303


# --- sessions -----------------------------------------------------------------------------------------


def test_an_expired_session_is_refused_and_a_live_one_is_not(web: WebDesk) -> None:
    with web.desk() as desk:
        user = desk.store.user("ann@lakeside.example")
        expired = start_session(desk, user, hours=-0.01)
        live = start_session(desk, user, hours=1)
    for sid, alive in ((live.id, True), (expired.id, False)):
        c = client_for(web)
        c.cookies.set("rd_session", sid)
        page = c.get("/requests", follow_redirects=False)
        api = c.get("/api/v1/me")
        assert (page.status_code == 200) is alive and (api.status_code == 200) is alive, (
            alive,
            page.status_code,
        )
        if not alive:
            assert page.headers["location"].startswith("/login") and api.status_code == 401
    with web.desk() as desk:
        # The next sign-in sweeps expired rows away.
        start_session(desk, user, hours=1)
        assert desk.store.session(digest(expired.id), "0000") is None


def _sign_in_form(client: TestClient, email: str) -> Any:
    """Post the sign-in form (its own token, not the signed-in page's logout token); return the answer."""
    page = HTMLParser(client.get("/login").text)
    node = page.css_first('form[action="/login"] input[name="csrf"]')
    assert node is not None
    token = node.attributes["value"]
    return client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf": token}, follow_redirects=False
    )


def test_sign_in_cookie_lasts_the_configured_hours_and_a_new_sign_in_replaces_the_session(
    web: WebDesk,
) -> None:
    c = client_for(web)
    sign_in(c, "bob@hill.example")
    first = c.cookies["rd_session"]
    with web.desk() as desk:
        row = desk.store.session(digest(first), "0000")
    assert row is not None
    page = c.get("/login")
    cookie_header = page.headers.get("set-cookie", "")
    assert "rd_session" not in cookie_header  # the sign-in page does not touch the session
    # Signing in again (as someone else) on the same browser drops the old session id entirely.
    r = _sign_in_form(c, "ann@lakeside.example")
    assert r.status_code == 303 and c.cookies["rd_session"] != first
    with web.desk() as desk:
        assert desk.store.session(digest(first), "0000") is None
    replay = client_for(web)
    replay.cookies.set("rd_session", first)
    assert replay.get("/api/v1/me").status_code == 401
    # The cookie and the server-side row both end after the configured hours.
    hours = web.web.session_hours
    assert f"Max-Age={int(hours * 3600)}" in r.headers["set-cookie"]
    with web.desk() as desk:
        row = desk.store.session(digest(c.cookies["rd_session"]), "0000")
    assert row is not None
    ends = datetime.fromisoformat(row.expires_at)
    assert abs((ends - datetime.now(UTC)).total_seconds() - hours * 3600) < 120


# --- escaping -----------------------------------------------------------------------------------------


def _scripts_and_handlers(html: str) -> list[str]:
    """Return script elements other than our own file, and any on* event attribute, found in a page."""
    tree = HTMLParser(html)
    found = [
        f"<script {s.attributes}>{s.text()[:60]}"
        for s in tree.css("script")
        if s.attributes.get("src") != "/static/app.js" or s.text().strip()
    ]
    for node in tree.css("*"):
        found += [f"<{node.tag} {k}=...>" for k in node.attributes if k.lower().startswith("on")]
        if node.tag == "img" and node.attributes.get("src") == "x":
            found.append("<img src=x>")
    return found


def test_hostile_text_is_text_on_every_page(scene: Scene) -> None:
    pages = 0
    admin = client_for(scene.web)
    sign_in(admin, "admin@desk.example")
    for viewer, who in ((admin, "admin"), (scene.ann, "member")):
        for (method, path), rule in sorted(RULES.items()):
            if method != "GET" or path.startswith(("/api/", "/static")) or path == "/healthz":
                continue
            if who == "member" and rule in ("staff", "admin"):
                continue
            url = scene.url(path)
            if path == "/search":
                url += "?q=funding+enforcement+staff+small+towns"
            r = viewer.get(url, follow_redirects=True)
            assert r.status_code == 200, (who, url, r.status_code)
            if "html" not in r.headers["content-type"] or "attachment" in r.headers.get(
                "content-disposition", ""
            ):
                continue
            pages += 1
            assert not _scripts_and_handlers(r.text), (who, url, _scripts_and_handlers(r.text))
            if "alert(" in r.text:
                assert "alert(" in HTMLParser(r.text).text(), (who, url)  # shown, as text
    assert pages >= 15
    # The pages that show the hostile texts show them as text.
    for url, marks in (
        (f"/documents/{scene.web.hostile_id}", [TITLE_MARK, QUOTE_MARK]),
        (f"/requests/{scene.a}/evidence", [QUOTE_MARK]),
        (f"/requests/{scene.a}", ["<script>alert('prompt')</script>"]),
        ("/library", [TITLE_MARK]),
        ("/queue", ["<script>alert('prompt')</script>"]),
    ):
        text = HTMLParser(scene.staff.get(url).text).text()
        for mark in marks:
            assert mark in text, (url, mark)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_hostile_text_is_text_in_the_html_docx_and_pdf_briefs(scene: Scene) -> None:
    base = f"/requests/{scene.a}/brief/v1"
    html = scene.ann.get(base + ".html")
    assert html.status_code == 200
    assert not _scripts_and_handlers(html.text), _scripts_and_handlers(html.text)
    shown = HTMLParser(html.text).text()
    assert QUOTE_MARK in shown and TITLE_MARK in shown and "<script>alert('prompt')</script>" in shown
    preview = scene.staff.get(base + "/preview")
    assert not HTMLParser(preview.text).css("script") and QUOTE_MARK in HTMLParser(preview.text).text()

    import docx

    document = docx.Document(io.BytesIO(scene.ann.get(base + ".docx").content))
    words = [p.text for p in document.paragraphs]
    words += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    docx_text = "\n".join(words)
    assert QUOTE_MARK in docx_text and TITLE_MARK in docx_text

    import pypdfium2

    pdf = pypdfium2.PdfDocument(scene.ann.get(base + ".pdf").content)
    pdf_text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert _squash(QUOTE_MARK) in _squash(pdf_text) and _squash(TITLE_MARK) in _squash(pdf_text)


# --- path traversal in download URLs ------------------------------------------------------------------

TRAVERSALS = (
    "../../../../etc/passwd",
    "..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/app.py",
    "..%5c..%5capp.py",
    "%2fetc%2fpasswd",
    "/etc/passwd",
    "%252e%252e%252fetc%252fpasswd",
)


def test_download_urls_do_not_walk_out_of_their_folder(scene: Scene) -> None:
    a = scene.a
    templates = (
        "/static/{x}",
        "/static/css/{x}",
        f"/requests/{a}/files/{{x}}",
        f"/requests/{a}/files/{scene.file_id}/{{x}}",
        f"/requests/{a}/brief/v1.{{x}}",
        f"/api/v1/requests/{a}/brief/v1.{{x}}",
        "/documents/{x}/original",
        f"/documents/{scene.web.hostile_id}/original/{{x}}",
    )
    for template in templates:
        for x in TRAVERSALS:
            url = template.replace("{x}", x)
            for client in (scene.staff, scene.ann):
                r = client.get(url, follow_redirects=False)
                assert r.status_code in (400, 403, 404, 422), (url, r.status_code)
                assert b"root:" not in r.content and b"def create_app" not in r.content, url
    # Ids past what the database holds are refused as input (once a 500: the integer overflowed).
    huge = str(2**64)
    for url in (
        f"/requests/{huge}",
        f"/documents/{huge}/original",
        f"/api/v1/requests/{huge}",
        f"/jobs/{huge}",
    ):
        r = scene.staff.get(url, follow_redirects=False)
        assert r.status_code in (404, 422), (url, r.status_code)
    # The legitimate URLs next to them do serve.
    assert scene.staff.get("/static/app.css").status_code == 200
    assert scene.ann.get(f"/requests/{a}/files/{scene.file_id}").status_code == 200


def test_download_names_are_plain_and_quoted(scene: Scene) -> None:
    r = scene.ann.get(f"/requests/{scene.a}/files/{scene.file_id}")
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.count('"') == 2
    assert "<" not in disposition and "/" not in disposition and "\\" not in disposition
    assert r.headers["content-type"] == "application/octet-stream"


# --- headers ------------------------------------------------------------------------------------------


def _headers_ok(headers: Any) -> list[str]:
    problems = []
    csp = headers.get("content-security-policy", "")
    if not csp:
        problems.append("no Content-Security-Policy")
    elif "script-src 'self'" not in csp and "default-src 'none'" not in csp:
        problems.append(f"CSP lets scripts in: {csp}")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not headers.get("referrer-policy"):
        problems.append("no Referrer-Policy")
    if not headers.get("x-frame-options") and "frame-ancestors" not in csp:
        problems.append("no X-Frame-Options or frame-ancestors")
    return problems


def test_security_headers_on_every_response(scene: Scene) -> None:
    checked = 0
    anonymous = client_for(scene.web)
    for (method, path), rule in sorted(RULES.items()):
        url = scene.url(path, _action(path))
        for client in (anonymous, scene.staff if rule != "admin" else scene.bob):
            if method in UNSAFE and path in ("/logout", "/login"):
                r = client.request(method, url, data={"csrf": "forged"}, follow_redirects=False)
            elif method in UNSAFE:
                r = client.request(method, url, headers={"X-CSRF-Token": "forged"}, follow_redirects=False)
            else:
                r = client.request(method, url, follow_redirects=False)
            problems = _headers_ok(r.headers)
            assert not problems, (method, url, r.status_code, problems)
            checked += 1
    # Errors of every kind carry them too: not found, invalid input, too large.
    extra = [
        scene.staff.get("/no/such/page"),
        scene.staff.get("/api/v1/no/such/thing"),
        scene.staff.get("/requests/not-a-number"),
        scene.staff.get("/api/v1/search?top=abc&q=x"),
        scene.staff.post(
            "/library/upload",
            content=b"x",
            headers={"content-length": str(10**12), "X-CSRF-Token": scene.staff_csrf},
        ),
        scene.ann.get(f"/requests/{scene.a}/brief/v1.docx"),
    ]
    for r in extra:
        assert not _headers_ok(r.headers), (r.url, r.status_code, _headers_ok(r.headers))
    assert {r.status_code for r in extra} >= {404, 422, 413, 200}
    assert checked >= 100
