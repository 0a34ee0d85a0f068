"""Sign-in, sessions, CSRF, throttling and security headers of the web app (in-process ASGI client)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from researchdesk.accounts import digest, reset_password
from researchdesk.web.app import create_app
from researchdesk.web.config import WebSettings
from researchdesk.web.routes_auth import safe_next
from researchdesk.web.uploads import safe_name
from test_web_fixtures import PASSWORD, WebDesk, build_desk, client_for, csrf_of, sign_in, web_fixture  # noqa: F401  (the `web` fixture)


def test_pages_need_sign_in_and_the_api_says_401(web: WebDesk) -> None:
    c = client_for(web)
    for path in ("/queue", "/requests", "/requests/1", "/library", "/search?q=x", "/jobs", "/admin/users"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next=")
    r = c.get("/api/v1/requests")
    assert r.status_code == 401 and r.json()["error"] == "NeedsLogin"


def test_session_cookie_is_secure_httponly_lax_and_new_at_every_sign_in(web: WebDesk) -> None:
    c = client_for(web)
    page = c.get("/login")
    login_cookie = c.cookies["rd_login"]
    # An attacker planted a session id in the victim's browser before they sign in (fixation).
    r = c.post(
        "/login",
        data={"email": "ann@lakeside.example", "password": PASSWORD, "csrf": csrf_of(page.text)},
        headers={"cookie": f"rd_login={login_cookie}; rd_session=planted-by-attacker"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "rd_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "samesite=lax" in cookie.lower()
    first = r.cookies["rd_session"]
    assert first != "planted-by-attacker" and len(first) >= 40
    with web.desk() as desk:
        assert desk.store.session(digest("planted-by-attacker"), "0") is None
        assert desk.store.session(first, "0") is None  # only the hash is stored
        assert desk.store.session(digest(first), "0") is not None
    # Signing in again gives another id; logout deletes the row, so the old cookie is dead.
    second_client = client_for(web)
    sign_in(second_client, "ann@lakeside.example")
    assert second_client.cookies["rd_session"] != first
    token = csrf_of(c.get("/requests").text)
    assert c.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    replay = client_for(web)
    r = replay.get("/requests", headers={"cookie": f"rd_session={first}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_login_form_needs_its_csrf_cookie(web: WebDesk) -> None:
    c = client_for(web)
    r = c.post("/login", data={"email": "ann@lakeside.example", "password": PASSWORD, "csrf": "made-up"})
    assert r.status_code == 403
    assert "security token" in r.text


def test_wrong_password_then_throttle(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", library_files=())
    web_settings = WebSettings(jobs_immediate=True, login_failures_per_email=3)
    with TestClient(create_app(settings, web_settings), base_url="https://testserver") as c:
        token = csrf_of(c.get("/login").text)
        for _ in range(3):
            r = c.post(
                "/login", data={"email": "bob@hill.example", "password": "wrong password!", "csrf": token}
            )
            assert r.status_code == 401 and "Wrong email or password" in r.text
        # Even the right password is refused while the account is paused.
        r = c.post("/login", data={"email": "bob@hill.example", "password": PASSWORD, "csrf": token})
        assert r.status_code == 429 and "Wait 15 minutes" in r.text
        # An unknown email fails the same way as a wrong password (no account probing).
        r = c.post("/login", data={"email": "nobody@x.example", "password": PASSWORD, "csrf": token})
        assert r.status_code == 401


def test_password_reset_ends_sessions(tmp_path: Path) -> None:
    settings, _ = build_desk(tmp_path / "desk", library_files=())
    with TestClient(
        create_app(settings, WebSettings(jobs_immediate=True)), base_url="https://testserver"
    ) as c:
        sign_in(c, "bob@hill.example")
        assert c.get("/requests").status_code == 200
        from researchdesk.desk import open_desk

        with open_desk(settings) as desk:
            reset_password(desk, "bob@hill.example", "a brand new passphrase")
        assert c.get("/requests", follow_redirects=False).status_code == 303
        sign_in(c, "bob@hill.example", "a brand new passphrase")


def test_every_form_post_without_the_csrf_token_is_refused(web: WebDesk) -> None:
    staff = client_for(web)
    token = sign_in(staff, "staff@desk.example")
    with web.desk() as desk:
        from researchdesk.requests.workflow import file_request

        rid = file_request(desk, "Hill City", "What helps cities adopt tobacco policies?", who="test")
        version = desk.store.request(rid).version
    posts = {
        f"/requests/{rid}/status": {"status": "scoping", "version": str(version)},
        f"/requests/{rid}/assign": {"assignee": "staff@desk.example"},
        f"/requests/{rid}/plan": {"topic": "x", "use_barriers": "1", "queries_barriers": "x"},
        f"/requests/{rid}/scan": {},
        f"/requests/{rid}/brief/draft": {},
        "/requests/new": {"prompt": "x", "organization": "Hill City"},
        "/admin/users": {"email": "x@y.z", "role": "staff", "password": "0123456789ab"},
        "/logout": {},
    }
    for path, data in posts.items():
        for bad in (None, "wrong-token"):
            form = dict(data) if bad is None else {**data, "csrf": bad}
            r = staff.post(path, data=form, follow_redirects=False)
            assert r.status_code == 403, (path, bad, r.status_code)
    with web.desk() as desk:
        req = desk.store.request(rid)
        assert req.status == "received" and req.assignee == "" and req.version == version
        assert desk.store.latest_brief(rid) is None
        assert desk.store.scan_log(rid) == []
    # The same post with the token goes through, so the refusals above were the CSRF check.
    r = staff.post(f"/requests/{rid}/assign", data={"assignee": "staff@desk.example", "csrf": token})
    assert r.status_code == 200
    # API calls made with the session cookie need the header; a wrong header is refused too.
    r = staff.post(f"/api/v1/requests/{rid}/assign", json={"assignee": ""})
    assert r.status_code == 403
    r = staff.post(f"/api/v1/requests/{rid}/assign", json={"assignee": ""}, headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403
    r = staff.post(f"/api/v1/requests/{rid}/assign", json={"assignee": ""}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200


def test_security_headers_on_pages_and_files(web: WebDesk) -> None:
    c = client_for(web)
    r = c.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in r.text.replace('<script src="/static/app.js" defer></script>', "")


def test_health_and_access_log(web: WebDesk, caplog: pytest.LogCaptureFixture) -> None:
    c = client_for(web)
    sign_in(c, "staff@desk.example")
    with caplog.at_level(logging.INFO, logger="researchdesk.access"):
        r = c.get("/healthz")
        c.get("/queue")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["documents"] >= 7
    lines = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "researchdesk.access"]
    queue = [line for line in lines if line["path"] == "/queue"]
    assert queue and queue[0]["status"] == 200 and queue[0]["user"] == "staff@desk.example"
    assert queue[0]["method"] == "GET" and queue[0]["ms"] >= 0


def test_next_after_sign_in_stays_on_the_site() -> None:
    assert safe_next("/requests/3") == "/requests/3"
    for bad in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", ""):
        assert safe_next(bad) == "/"


def test_safe_upload_names() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\windows\\win.ini") == "win.ini"
    assert safe_name(".htaccess") == "htaccess"
    assert safe_name("report <final>.pdf") == "report _final_.pdf"
    assert safe_name("..") == "upload"
    assert safe_name("a" * 300 + ".pdf").endswith(".pdf") and len(safe_name("a" * 300 + ".pdf")) <= 120
