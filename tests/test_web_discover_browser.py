"""Beyond the library in a real headless Chromium: staff search for a request, see the candidates with their
flags, tick works, bring them in, and read what came in and what failed; recorded OpenAlex answers only.

Needs Debian's /usr/bin/chromium (`make browser`); Playwright drives it, no browser download. The desk
is offline, as by default; the services' recorded answers are put in its cache before the server starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from discover_replay import Replay, donners_search, recorded
from researchdesk.desk import open_desk
from researchdesk.discover import discover
from researchdesk.discover.http import PoliteClient
from researchdesk.discover.shortlist import load_shortlist
from researchdesk.requests.workflow import file_request
from researchdesk.settings import Settings
from test_web_browser import CHROMIUM, serve, signed_in_page
from test_web_fixtures import build_desk

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: run `make browser`")

QUERY = "emicizumab pharmacokinetics hemophilia A"
PROMPT = "What is known about emicizumab pharmacokinetics in people with hemophilia A?"
LIMIT = 200  # deep enough to reach the record OpenAlex marks as retracted


@dataclass
class Served:
    base: str
    settings: Settings
    request_id: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    settings, _ = build_desk(tmp_path_factory.mktemp("beyond") / "desk")
    replay = Replay()
    replay.add("https://api.openalex.org/works", donners_search())
    replay.add("https://www.ebi.ac.uk/europepmc/webservices/rest/search", recorded("europepmc_search_empty"))
    online = settings.model_copy(update={"online": True})
    with (
        open_desk(online) as desk,
        PoliteClient(online, transport=replay.transport, sleep=lambda _s: None) as http,
    ):
        discover(desk, QUERY, ["openalex", "europepmc"], LIMIT, client=http, save=False)
    with open_desk(settings) as desk:
        rid = file_request(
            desk, "Lakeside County", PROMPT, "ann@lakeside.example", who="ann@lakeside.example"
        )
    for base in serve(settings):
        yield Served(base, settings, rid)


def test_staff_find_pick_and_bring_in_works_beyond_the_library(served: Served, tmp_path: Path) -> None:
    with signed_in_page(served.base, "staff@desk.example") as (page, errors):
        page.goto(f"{served.base}/requests/{served.request_id}")
        page.click("#beyond-tab")
        page.wait_for_selector("text=No candidates yet")
        page.fill("#beyond-search input[name='query']", QUERY)
        page.select_option("#beyond-search select[name='limit']", str(LIMIT))
        page.click("#beyond-search-button")
        page.wait_for_selector(".job-status:has-text('done')", timeout=60_000)
        assert "answered from the cache" in page.inner_text(".discover-result")
        page.click("#back-to-beyond")
        page.wait_for_selector("table.candidates")

        with open_desk(served.settings) as desk:
            saved = load_shortlist(desk, served.request_id).candidates
        rows = page.locator("tr.candidate")
        assert rows.count() == len(saved) > 150
        first = rows.first
        assert first.get_attribute("data-key") == saved[0].key
        assert first.locator("strong.title").inner_text() == saved[0].title
        assert first.locator(".year").inner_text() == str(saved[0].year)
        assert "title has" in first.locator("td.why").inner_text()
        # Markup inside a recorded title is text on the page, never an element.
        marked = next(c for c in saved if "<scp>" in c.title)
        title = page.locator(f"tr.candidate[data-key='{marked.key}'] strong.title")
        assert title.inner_text() == marked.title and title.locator("scp").count() == 0
        # The retracted record is flagged, and only it.
        flagged = page.locator("tr.candidate .badge.flag.bad")
        assert flagged.count() == 1 and flagged.inner_text() == "RETRACTED"
        retracted = next(c for c in saved if c.refuses_quotes)
        assert page.locator(f"tr.candidate[data-key='{retracted.key}'] .badge.flag").count() == 1
        page.screenshot(path=str(tmp_path / "beyond.png"))

        closed = next(c for c in saved if c.abstract and not c.is_oa)
        nothing = next(c for c in saved if not c.abstract and not c.is_oa)
        for cand in (closed, nothing):
            page.check(f"tr.candidate[data-key='{cand.key}'] input[name='keys']")
        page.click("#bring-button")
        page.wait_for_selector(".job-status:has-text('done')", timeout=60_000)
        assert page.inner_text(".bring-summary") == "1 added, 0 already in the library, 1 failed."
        failed = page.locator("table.bring-result tr.outcome-failed")
        assert failed.count() == 1 and nothing.title in failed.inner_text()
        assert "nothing to quote" in failed.inner_text()
        page.click("table.bring-result tr.outcome-added a")
        page.wait_for_selector("h1")
        assert closed.title in page.inner_text("h1")
        page.goto(f"{served.base}/requests/{served.request_id}/beyond")
        held = page.locator(f"tr.candidate[data-key='{closed.key}']")
        assert held.locator("a.held-link").inner_text() == "in the library"
        assert held.locator("input[name='keys']").count() == 0
        page.goto(f"{served.base}/requests/{served.request_id}")
        assert "brought 1 work(s) in from beyond the library, 1 failed" in page.content()
        assert not errors, errors
