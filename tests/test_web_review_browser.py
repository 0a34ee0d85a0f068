"""Review at speed in a real headless Chromium: every suggestion decided by keyboard alone, each decision
saved without a page load, focus moving on by itself, the count going up, undo, bulk reject, filters and
pages; and a request typed while the session ended coming back after sign-in.

Needs Debian's /usr/bin/chromium (`make browser`); Playwright drives it, no browser download.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from researchdesk.desk import open_desk
from researchdesk.requests.plan import with_subjects
from researchdesk.requests.scan import plan_for, run_scan, save_plan
from researchdesk.requests.workflow import file_request
from researchdesk.settings import Settings
from test_web_browser import ARGS, CHROMIUM, _sign_in, serve, signed_in_page
from test_web_fixtures import LIBRARY, build_desk

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: run `make browser`")

PROMPT = (
    "What gets in the way of, and what helps, local tobacco policies, healthy food access programs, "
    "physical activity programs, and health data modernization?"
)
SUBJECTS = [
    "tobacco control policies",
    "school nutrition programs",
    "community health workers",
    "colorectal cancer screening",
    "health data systems",
]


@dataclass
class Served:
    base: str
    settings: Settings
    request_id: int


def scanned_request(settings: Settings) -> int:
    """File a broad request for Lakeside County and scan it for five subjects; return its id."""
    with open_desk(settings) as desk:
        rid = file_request(
            desk, "Lakeside County", PROMPT, "ann@lakeside.example", who="ann@lakeside.example"
        )
        save_plan(desk, rid, with_subjects(plan_for(desk, rid, "staff"), SUBJECTS), "staff@desk.example")
        run_scan(desk, rid, who="staff@desk.example")
    return rid


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    library = tuple(sorted(p.name for p in LIBRARY.iterdir() if p.suffix == ".htm"))
    settings, _ = build_desk(tmp_path_factory.mktemp("review") / "desk", library)
    rid = scanned_request(settings)
    for base in serve(settings):
        yield Served(base, settings, rid)


def _statuses(settings: Settings, rid: int) -> dict[int, str]:
    with open_desk(settings) as desk:
        return {e.id: str(e.status) for e in desk.store.evidence_for(rid)}


def test_every_suggestion_decided_by_keyboard_without_a_page_load(served: Served, tmp_path: Path) -> None:
    before = _statuses(served.settings, served.request_id)
    assert len(before) >= 15 and set(before.values()) == {"suggested"}
    with signed_in_page(served.base, "staff@desk.example") as (page, errors):
        page.goto(f"{served.base}/requests/{served.request_id}/evidence")
        page.wait_for_selector("article.evidence.current")
        loads: list[str] = []
        page.on("load", lambda: loads.append(page.url))
        total = len(before)
        assert page.inner_text("#review-progress").startswith(f"0 of {total} done")
        decided: list[int] = []
        for n in range(total):
            current = page.locator("article.evidence.current")
            eid = int(current.get_attribute("data-evidence") or 0)
            assert eid not in decided, "focus came back to a decided quote"
            key = "r" if n % 3 == 2 else "a"
            page.keyboard.press(key)
            page.wait_for_selector(f"#ev-{eid}.st-{'rejected' if key == 'r' else 'accepted'}")
            page.wait_for_function(
                "n => document.querySelector('#review-progress .done').textContent === String(n)",
                arg=n + 1,
            )
            decided.append(eid)
            if n < total - 1:  # focus moved on by itself, to a quote still open
                page.wait_for_function(
                    "id => document.activeElement && document.activeElement.dataset.evidence"
                    " && document.activeElement.dataset.evidence !== id",
                    arg=str(eid),
                )
                assert "st-suggested" in (
                    page.locator("article.evidence.current").get_attribute("class") or ""
                )
        assert not loads, f"a decision reloaded the page: {loads}"
        assert page.inner_text("#review-progress").startswith(f"{total} of {total} done")
        after = _statuses(served.settings, served.request_id)
        assert sorted(decided) == sorted(after) and "suggested" not in after.values()
        # u undoes the last decision: the quote is open again and has the focus.
        page.keyboard.press("u")
        last = decided[-1]
        page.wait_for_selector(f"#ev-{last}.st-suggested")
        assert page.evaluate("document.activeElement.id") == f"ev-{last}"
        assert _statuses(served.settings, served.request_id)[last] == "suggested"
        page.screenshot(path=str(tmp_path / "review.png"))
        # Bulk: tick two quotes with x, reject them together from the bar.
        page.locator(f"#ev-{decided[0]}").focus()
        page.keyboard.press("x")
        page.locator(f"#ev-{decided[1]}").focus()
        page.keyboard.press("x")
        page.click("button[name='bulk'][value='reject']")
        page.wait_for_selector(f"#ev-{decided[0]}.st-rejected")
        page.wait_for_selector(f"#ev-{decided[1]}.st-rejected")
        assert not loads
        # The "why" is words, not model internals; a filter narrows the cards to one role.
        why = page.locator("article.evidence .why").first.inner_text()
        assert why.startswith("Why: Suggested as") and "p(" not in why and " vs " not in why
        role = page.locator("article.evidence .role").first.text_content() or ""
        page.select_option("form.filters select[name='role']", role)
        page.click("form.filters button[type='submit']")
        page.wait_for_selector("article.evidence")
        roles = set(page.locator("article.evidence .role").all_text_contents())
        assert roles == {role}
        assert not errors, errors


def test_without_script_the_forms_still_decide(served: Served) -> None:
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(java_script_enabled=False)
            page = context.new_page()
            _sign_in(page, served.base, "staff@desk.example")
            page.goto(f"{served.base}/requests/{served.request_id}/evidence?status=suggested")
            card = page.locator("article.evidence").first
            eid = card.get_attribute("data-evidence")
            card.locator("form[data-action='accept'] button").click()
            page.wait_for_load_state()
            assert page.url.endswith(f"/evidence?status=suggested&page=1#ev-{eid}")
            assert _statuses(served.settings, served.request_id)[int(eid or 0)] == "accepted"
        finally:
            browser.close()


def test_a_request_typed_while_signed_out_comes_back_after_sign_in(served: Served) -> None:
    question = "Which counties fund tobacco retail licensing enforcement, and how?"
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page()
            _sign_in(page, served.base, "ann@lakeside.example")
            page.goto(f"{served.base}/requests/new")
            page.fill('textarea[name="prompt"]', question)
            with open_desk(served.settings) as desk:  # the session ends while the member types
                desk.store.conn.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00'")
                desk.store.conn.commit()
            page.click("text=Send the request")
            page.wait_for_selector("text=what you typed is kept")
            page.fill('input[name="password"]', "correct horse battery staple")
            page.fill('input[name="email"]', "ann@lakeside.example")
            page.click('button[type="submit"]')
            page.wait_for_selector("textarea[name='prompt']")
            assert page.input_value("textarea[name='prompt']") == question
            page.click("text=Send the request")
            page.wait_for_selector("h1:has-text('Request')")
            assert question in page.inner_text("blockquote.prompt")
        finally:
            browser.close()
