"""End to end in a real headless Chromium: a member files a request; staff scan, review with the keyboard,
relabel, draft, check and deliver; the member downloads the PDF. Screenshots of the main pages are saved
(to $RESEARCHDESK_SCREENSHOTS, default a temporary folder) for a look at the layout.

Needs Debian's /usr/bin/chromium (`make browser` installs it); Playwright drives it, no browser download.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from researchdesk.settings import Settings
from researchdesk.web.app import create_app
from researchdesk.web.config import WebSettings
from test_web_fixtures import PASSWORD, build_desk

CHROMIUM = Path(os.environ.get("RESEARCHDESK_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: run `make browser`")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(settings: Settings, port: int = 0, cookie_secure: bool = False) -> Iterator[str]:
    """Serve the desk of ``settings`` on 127.0.0.1 (``port``, or a free one) from a background thread; yield
    its base URL."""
    app = create_app(settings, WebSettings(jobs_immediate=True, cookie_secure=cookie_secure))
    port = port or _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@contextmanager
def signed_in_page(base: str, email: str) -> Iterator[tuple[Any, list[str]]]:
    """Open a page in headless Chromium signed in as ``email``; yield it with the console errors it logs."""
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            _sign_in(page, base, email)
            yield page, errors
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve a fresh desk on 127.0.0.1 from a background thread; yield its base URL."""
    settings, _ = build_desk(tmp_path_factory.mktemp("e2e") / "desk")
    yield from serve(settings, cookie_secure=True)  # the shipped setting: browsers accept it on 127.0.0.1


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("RESEARCHDESK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(page: object, base: str, email: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill('input[name="email"]', email)  # type: ignore[attr-defined]
    page.fill('input[name="password"]', PASSWORD)  # type: ignore[attr-defined]
    page.click('button[type="submit"]')  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_member_to_delivery_in_chromium(server: str, shots: Path, tmp_path: Path) -> None:
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            _run(browser, server, shots, tmp_path)
        finally:
            browser.close()


def _run(browser: object, base: str, shots: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    member_ctx = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    member = member_ctx.new_page()
    member.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(member, base, "ann@lakeside.example")
    assert member.url.endswith("/requests")
    member.click("text=New request")
    member.fill(
        'textarea[name="prompt"]',
        "What are the barriers and facilitators of state and local tobacco control programs and policies?",
    )
    member.fill('textarea[name="context"]', "Our board meets next month.")
    member.set_input_files(
        'input[name="attachments"]',
        files=[
            {
                "name": "notes.txt",
                "mimeType": "text/plain",
                "buffer": b"Board notes on tobacco retail licensing.\n",
            }
        ],
    )
    member.screenshot(path=str(shots / "01-member-request-form.png"), full_page=True)
    member.click("text=Send the request")
    member.wait_for_selector("h1:has-text('Request')")
    request_url = member.url
    request_id = int(request_url.rsplit("/", 1)[1])
    assert "received" in member.inner_text("h1") and "notes.txt" in member.content()
    member.screenshot(path=str(shots / "02-member-request-page.png"), full_page=True)

    staff_ctx = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    staff = staff_ctx.new_page()
    staff.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    staff.on("dialog", lambda d: d.accept())
    _sign_in(staff, base, "staff@desk.example")
    assert staff.url.endswith("/queue")
    assert staff.is_visible(f"a[href='/requests/{request_id}']")
    staff.screenshot(path=str(shots / "03-staff-queue.png"), full_page=True)
    staff.click(f"a[href='/requests/{request_id}'] >> nth=0")
    staff.click("#run-scan")
    staff.wait_for_selector(".job-status:has-text('done')", timeout=60_000)
    staff.click("text=Review the evidence")
    staff.wait_for_selector("article.evidence")
    cards = staff.locator("article.evidence")
    assert (
        cards.count() >= 3
    )  # the keyboard review below needs a few quotes, two of them barriers or facilitators
    staff.screenshot(path=str(shots / "04-evidence-review.png"), full_page=False)
    # Keyboard review: a accepts the current quote without a page load and focus moves to the next open
    # one; j skips a quote.
    accepted = 0
    for _ in range(min(6, cards.count())):
        current = staff.locator("article.evidence.current")
        eid = current.get_attribute("data-evidence")
        role = (current.locator(".role").text_content() or "").lower()
        if role in ("barrier", "facilitator") and "st-suggested" in (current.get_attribute("class") or ""):
            staff.keyboard.press("a")
            staff.wait_for_selector(f"#ev-{eid}.st-accepted")
            accepted += 1
        else:
            staff.keyboard.press("j")
    assert accepted >= 2, "too few barrier/facilitator quotes to review"
    # Relabel the first quote: e opens the form, a short label is set, the role kept.
    staff.locator("article.evidence").first.focus()
    staff.keyboard.press("e")
    form = staff.locator("article.evidence.current form[data-action='relabel']")
    form.locator("input[name='label']").fill("Funding")
    form.locator("button[type='submit']").click()
    staff.wait_for_selector("article.evidence.current .label:has-text('Funding')")
    staff.goto(f"{base}/requests/{request_id}")
    assert staff.locator("svg.evidence-map").count() == 1 and staff.locator("svg.scan-funnel").count() == 1
    staff.screenshot(path=str(shots / "05-staff-request-page.png"), full_page=True)
    staff.click("nav.tabs a[href$='/brief']")
    staff.click("#draft")
    staff.wait_for_selector("#check-report")
    assert "all checks pass" in staff.inner_text("#check-report"), staff.inner_text("#check-report")
    staff.click("#check")
    staff.wait_for_selector("#check-report")
    preview = staff.frame_locator("iframe.preview")
    assert preview.locator("h1").first.inner_text()
    staff.screenshot(path=str(shots / "06-brief-preview.png"), full_page=True)
    staff.click("#deliver")
    staff.wait_for_load_state()
    assert "delivered" in staff.inner_text("h1")

    member.goto(request_url)
    assert "delivered" in member.inner_text("h1")
    with member.expect_download() as info:
        member.click("a.download:has-text('PDF')")
    target = tmp_path / "brief.pdf"
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF") and target.stat().st_size > 5_000
    member.screenshot(path=str(shots / "07-member-delivered.png"), full_page=True)
    assert not errors, errors  # no CSP violations, script errors or failed loads along the way
    # The member cannot open staff pages.
    member.goto(f"{base}/requests/{request_id}/evidence")
    assert "Not allowed" in member.inner_text("h1")
