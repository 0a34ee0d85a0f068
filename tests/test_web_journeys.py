"""Both journeys end to end in a real headless Chromium, with a real SMTP server: a member files a request;
staff ask a clarifying question; the member answers; staff name the subjects, scan, review every
suggestion by keyboard alone, edit the summary, and deliver with a cover note; the member gets the
e-mail, follows its link and downloads the brief. Screenshots of each key screen go to
$RESEARCHDESK_SCREENSHOTS (default a temporary folder).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from researchdesk.desk import open_desk
from researchdesk.settings import Settings
from test_web_browser import ARGS, CHROMIUM, _free_port, _sign_in, serve
from test_web_conversation import Inbox
from test_web_fixtures import LIBRARY, build_desk
from test_web_review_browser import PROMPT, SUBJECTS

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: run `make browser`")


@dataclass
class World:
    base: str
    settings: Settings
    inbox: Inbox


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    library = tuple(sorted(p.name for p in LIBRARY.iterdir() if p.suffix == ".htm"))
    built, _ = build_desk(tmp_path_factory.mktemp("journeys") / "desk", library)
    web_port = _free_port()
    settings = built.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "site_url": f"http://127.0.0.1:{web_port}"}
    )
    for base in serve(settings, web_port):
        yield World(base, settings, inbox)
    controller.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("RESEARCHDESK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_member_and_staff_work_together_to_a_delivered_brief(
    world: World, shots: Path, tmp_path: Path
) -> None:
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            _journey(browser, world, shots, tmp_path)
        finally:
            browser.close()


def _journey(browser: object, world: World, shots: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    member = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}).new_page()  # type: ignore[attr-defined]
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # type: ignore[attr-defined]
    for page in (member, staff):
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    staff.on("dialog", lambda d: d.accept())

    # The member files; the page confirms it with the expected date, and so does an e-mail.
    _sign_in(member, world.base, "ann@lakeside.example")
    member.click("text=New request")
    member.fill('textarea[name="prompt"]', PROMPT)
    member.click("text=Send the request")
    member.wait_for_selector("#thread")
    rid = int(member.url.rsplit("/", 1)[1])
    assert "We received your request" in member.inner_text("#thread")
    assert "expected by" in member.inner_text("p.meta")
    assert any(f"Request {rid} received" in str(m["Subject"]) for m in world.inbox.to("ann@lakeside.example"))
    member.screenshot(path=str(shots / "j01-member-confirmation.png"), full_page=True)

    # Staff ask a clarifying question from the request page.
    _sign_in(staff, world.base, "staff@desk.example")
    staff.goto(f"{world.base}/requests/{rid}")
    staff.fill("#thread textarea[name='message']", "Is this for the county board or the health department?")
    staff.check("#thread input[name='question']")
    staff.click("#send-message")
    staff.wait_for_selector("li.msg.kind-question")
    asked = world.inbox.to("ann@lakeside.example")[-1]
    assert asked["Subject"] == f"A question about your request {rid}"

    # The member answers from the page the e-mail links to.
    link = re.search(r"(https?://\S+/requests/\d+)", world.inbox.body(asked)).group(1)  # type: ignore[union-attr]
    member.goto(link)
    assert "Your answer" in member.inner_text("#thread")
    member.screenshot(path=str(shots / "j02-member-question.png"), full_page=True)
    member.fill("#thread textarea[name='message']", "For the county board, which meets next month.")
    member.click("#send-message")
    member.wait_for_selector("li.msg.kind-answer")
    assert (
        world.inbox.to("staff@desk.example")[-1]["Subject"]
        == f"An answer from Lakeside County on request {rid}"
    )

    # Staff name the subjects on the plan page and run the scan.
    staff.goto(f"{world.base}/requests/{rid}/plan")
    staff.fill("textarea[name='subjects']", "\n".join(SUBJECTS))
    staff.click("form[action$='/plan'] button[type='submit']")
    staff.goto(f"{world.base}/requests/{rid}")
    staff.click("#run-scan")
    staff.wait_for_selector(".job-status:has-text('done')", timeout=120_000)

    # Every suggestion decided by keyboard alone, without a page load.
    staff.goto(f"{world.base}/requests/{rid}/evidence")
    staff.wait_for_selector("article.evidence.current")
    total = int(staff.inner_text("#review-progress .total"))
    assert total >= 15, total
    staff.screenshot(path=str(shots / "j03-staff-review.png"))
    loads: list[str] = []
    staff.on("load", lambda: loads.append(staff.url))
    for n in range(total):
        role = (staff.locator("article.evidence.current .role").text_content() or "").strip()
        staff.keyboard.press("a" if role in ("barrier", "facilitator") else "r")
        staff.wait_for_function(
            "n => document.querySelector('#review-progress .done').textContent === String(n)", arg=n + 1
        )
    assert not loads and staff.inner_text("#review-progress").startswith(f"{total} of {total} done")
    staff.screenshot(path=str(shots / "j04-staff-review-done.png"))

    # Staff draft, edit the summary on the web (a new version, checked again) and deliver with a note.
    staff.goto(f"{world.base}/requests/{rid}/brief")
    staff.click("#draft")
    staff.wait_for_selector("#check-report")
    staff.locator("#edit-text summary").click()
    summary = staff.input_value("textarea[name='summary']")
    staff.fill(
        "textarea[name='summary']",
        summary + "\n\nThe county board asked for this brief before its meeting next month.",
    )
    staff.click("#save-text")
    staff.wait_for_selector("#check-report:has-text('version 2')")
    assert "all checks pass" in staff.inner_text("#check-report"), staff.inner_text("#check-report")
    staff.fill("textarea[name='cover_note']", "Dear Ann,\n\nHere is the brief for your county board.")
    staff.screenshot(path=str(shots / "j05-staff-edit-and-deliver.png"), full_page=True)
    staff.click("#deliver")
    staff.wait_for_selector("h1:has-text('delivered')")

    # The member gets the e-mail with the note and the links, and downloads the brief.
    delivered = world.inbox.to("ann@lakeside.example")[-1]
    assert delivered["Subject"] == f"Your research brief for request {rid} is ready"
    body = world.inbox.body(delivered)
    assert "Here is the brief for your county board." in body
    pdf_link = re.search(r"(https?://\S+\.pdf)", body).group(1)  # type: ignore[union-attr]
    member.goto(f"{world.base}/requests/{rid}")
    assert "Here is the brief for your county board." in member.inner_text("#thread")
    offered = member.locator("a.download").all_inner_texts()
    assert offered and not any(t in ("MD", "JSON", "Markdown") for t in offered), offered
    with member.expect_download() as info:
        member.click(f"a.download[href='{pdf_link.split(world.base, 1)[1]}']")
    target = tmp_path / "brief.pdf"
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    member.screenshot(path=str(shots / "j06-member-delivered.png"), full_page=True)
    with open_desk(world.settings) as desk:
        assert desk.store.request(rid).status == "delivered"
    assert not errors, errors
