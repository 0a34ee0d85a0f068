"""Nothing typed is lost and nothing is cryptic: a form sent after the session ended or with a stale token
comes back filled in, long texts meet a clear limit, malformed ids are missing pages, and members never
read command-line advice."""

from __future__ import annotations

import html
import re

from researchdesk.requests.limits import limit_of
from test_web_fixtures import PASSWORD, WebDesk, client_for, csrf_of, sign_in, web_fixture  # noqa: F401

QUESTION = "Which small towns <b>licensed</b> tobacco retailers, and what did enforcement cost them?"


def _requests_of(web: WebDesk) -> int:
    with web.desk() as desk:
        return int(desk.store.conn.execute("SELECT count(*) FROM requests").fetchone()[0])


def _expire_sessions(web: WebDesk) -> None:
    with web.desk() as desk:
        desk.store.conn.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00'")
        desk.store.conn.commit()


def _textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no {name} field"
    return html.unescape(found.group(1))


def test_a_request_typed_while_the_session_ended_comes_back_after_sign_in(web: WebDesk) -> None:
    ann = client_for(web)
    csrf = sign_in(ann, "ann@lakeside.example")
    form = ann.get("/requests/new")
    assert form.status_code == 200
    _expire_sessions(web)
    before = _requests_of(web)
    sent = ann.post(
        "/requests/new",
        data={"csrf": csrf, "prompt": QUESTION, "context": "For the council.", "due": ""},
        follow_redirects=False,
    )
    assert sent.status_code == 401 and "Sign in" in sent.text and "what you typed is kept" in sent.text
    assert _requests_of(web) == before
    login = ann.post(
        "/login",
        data={
            "email": "ann@lakeside.example",
            "password": PASSWORD,
            "csrf": csrf_of(sent.text),
            "next": re.search(r'name="next" value="([^"]*)"', sent.text).group(1),  # type: ignore[union-attr]
            "kept": html.unescape(re.search(r'name="kept" value="([^"]*)"', sent.text).group(1)),  # type: ignore[union-attr]
        },
        follow_redirects=False,
    )
    assert login.status_code == 200, login.text[:300]
    assert (
        _textarea(login.text, "prompt") == QUESTION and _textarea(login.text, "context") == "For the council."
    )
    assert "<b>licensed</b>" not in login.text  # escaped on the way back
    again = ann.post(
        "/requests/new",
        data={"csrf": csrf_of(login.text), "prompt": _textarea(login.text, "prompt"), "due": ""},
        follow_redirects=False,
    )
    assert again.status_code == 303 and _requests_of(web) == before + 1


def test_a_stale_token_keeps_the_text_and_gives_a_fresh_one(web: WebDesk) -> None:
    ann = client_for(web)
    sign_in(ann, "ann@lakeside.example")
    before = _requests_of(web)
    stale = ann.post(
        "/requests/new",
        data={"csrf": "token-of-an-earlier-session", "prompt": QUESTION, "due": ""},
        follow_redirects=False,
    )
    assert stale.status_code == 403
    assert "was not sent" in stale.text and "reload" not in stale.text.lower()
    assert _textarea(stale.text, "prompt") == QUESTION and _requests_of(web) == before
    resent = ann.post(
        "/requests/new",
        data={"csrf": csrf_of(stale.text), "prompt": QUESTION, "due": ""},
        follow_redirects=False,
    )
    assert resent.status_code == 303 and _requests_of(web) == before + 1
    # A stale form with nothing of the person's own (a button) links to its page instead of advising reload.
    button = ann.post(
        "/requests/new",
        data={"csrf": "stale"},
        headers={"referer": "https://testserver/requests"},
        follow_redirects=False,
    )
    assert button.status_code == 403 and 'href="/requests/new"' in button.text
    assert "Open the page again" in button.text


def test_a_stale_sign_in_form_is_offered_again_with_the_email(web: WebDesk) -> None:
    fresh = client_for(web)
    r = fresh.post(
        "/login", data={"email": "ann@lakeside.example", "password": PASSWORD, "csrf": "old", "next": "/"}
    )
    assert r.status_code == 403 and 'value="ann@lakeside.example"' in r.text
    assert "Enter your password again" in r.text
    token = csrf_of(r.text)
    ok = fresh.post(
        "/login",
        data={"email": "ann@lakeside.example", "password": PASSWORD, "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_an_over_long_question_is_refused_with_its_limit(web: WebDesk) -> None:
    ann = client_for(web)
    csrf = sign_in(ann, "ann@lakeside.example")
    page = ann.get("/requests/new").text
    assert f'maxlength="{limit_of("prompt")}"' in page
    before = _requests_of(web)
    huge = "Why? " * 115_200  # 576,000 characters
    r = ann.post("/requests/new", data={"csrf": csrf, "prompt": huge, "due": ""}, follow_redirects=False)
    assert r.status_code == 400
    assert f"576,000 characters long; the limit is {limit_of('prompt'):,}" in r.text
    assert _requests_of(web) == before
    api = ann.post("/api/v1/requests", json={"prompt": huge}, headers={"X-CSRF-Token": csrf})
    assert api.status_code == 400 and "the limit is" in api.json()["message"]


def test_malformed_ids_are_missing_pages(web: WebDesk) -> None:
    ann, staff = client_for(web), client_for(web)
    sign_in(ann, "ann@lakeside.example")
    sign_in(staff, "staff@desk.example")
    for client, url in (
        (ann, "/requests/abc"),
        (ann, "/requests/1.5/files/x"),
        (staff, "/documents/abc"),
        (staff, "/requests/-3/evidence"),
    ):
        r = client.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert "Not found" in r.text and "is not a number" in r.text and "input is not valid" not in r.text
    api = ann.get("/api/v1/requests/abc")
    assert api.status_code == 404 and api.json()["status"] == 404


def test_members_never_read_command_line_advice(web: WebDesk) -> None:
    ann, staff = client_for(web), client_for(web)
    sign_in(ann, "ann@lakeside.example")
    sign_in(staff, "staff@desk.example")
    for url in ("/requests/999999", "/requests/999999/brief/v1.pdf", "/requests/999999/files/1"):
        r = ann.get(url)
        assert r.status_code == 404, url
        assert "researchdesk" not in r.text.split("</header>")[1].lower(), url
        assert "My requests" in r.text
    # Staff keep the precise advice: they have the command line.
    assert "researchdesk request list" in staff.get("/requests/999999").text
