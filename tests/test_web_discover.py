"""A request's "Beyond the library" page: candidates from recorded OpenAlex answers, picked and brought in
through the page's forms, with the outcome of each work, CSRF, escaping and who may see it.

The desk is offline, as by default: the services' recorded answers are put in its cache first (through
a replay transport, as the scan tests do), so the page's search is answered from the cache and nothing
leaves the machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape

import pytest
from starlette.testclient import TestClient

from discover_replay import Replay, donners_search, recorded
from researchdesk.discover import discover
from researchdesk.discover.http import PoliteClient
from researchdesk.discover.shortlist import load_shortlist
from researchdesk.requests.workflow import file_request
from test_web_fixtures import WebDesk, client_for, sign_in, web_fixture  # noqa: F401  (the `web` fixture)

QUERY = "emicizumab pharmacokinetics hemophilia A"
PROMPT = "What is known about emicizumab pharmacokinetics in people with hemophilia A?"
LIMIT = 200  # deep enough to reach the record OpenAlex marks as retracted (the 184th of the review's)


def prime(web: WebDesk, query: str = QUERY, limit: int = LIMIT) -> None:
    """Ask OpenAlex and Europe PMC once through the replay, so the desk's cache holds their answers."""
    replay = Replay()
    replay.add("https://api.openalex.org/works", donners_search())
    replay.add("https://www.ebi.ac.uk/europepmc/webservices/rest/search", recorded("europepmc_search_empty"))
    settings = web.settings.model_copy(update={"online": True})
    from researchdesk.desk import open_desk

    with (
        open_desk(settings) as desk,
        PoliteClient(settings, transport=replay.transport, sleep=lambda _s: None) as http,
    ):
        discover(desk, query, ["openalex", "europepmc"], limit, client=http, save=False)


@dataclass
class Beyond:
    staff: TestClient
    csrf: str
    request_id: int


@pytest.fixture(scope="module")
def beyond(web: WebDesk) -> Iterator[Beyond]:
    prime(web)
    with web.desk() as desk:
        rid = file_request(
            desk, "Lakeside County", PROMPT, "ann@lakeside.example", who="ann@lakeside.example"
        )
    staff = client_for(web)
    yield Beyond(staff, sign_in(staff, "staff@desk.example"), rid)


def _search(b: Beyond, query: str = QUERY, limit: int = LIMIT) -> str:
    r = b.staff.post(
        f"/requests/{b.request_id}/beyond/search",
        data={"csrf": b.csrf, "query": query, "services": ["openalex", "europepmc"], "limit": str(limit)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/"), r.text
    return str(r.headers["location"])


def _rows(html: str) -> dict[str, str]:
    """Return each candidate row of the page by its key (the row's HTML)."""
    return {
        unescape(m.group(1)): m.group(0)
        for m in re.finditer(r'<tr class="candidate[^"]*" data-key="([^"]+)">.*?</tr>', html, re.DOTALL)
    }


def test_the_page_searches_from_the_cache_and_lists_candidates(web: WebDesk, beyond: Beyond) -> None:
    page = beyond.staff.get(f"/requests/{beyond.request_id}/beyond")
    assert page.status_code == 200 and "No candidates yet" in page.text
    assert "The desk is offline" in page.text  # staff are told where the answers come from
    job_url = _search(beyond)
    job = beyond.staff.get(job_url)
    with web.desk() as desk:
        saved = load_shortlist(desk, beyond.request_id).candidates
    # 200 records asked of OpenAlex; the few the review lists twice (same DOI or title) are merged.
    assert LIMIT - 5 <= len(saved) < LIMIT
    assert job.status_code == 200 and "done" in job.text
    assert f"{len(saved)} candidate(s) for “{QUERY}”, {len(saved)} not in the library" in unescape(job.text)
    assert "answered from the cache" in job.text
    page = beyond.staff.get(f"/requests/{beyond.request_id}/beyond")
    rows = _rows(page.text)
    assert len(rows) == len(saved)
    assert list(rows) == [c.key for c in saved]  # best first, as ranked
    top = saved[0]
    row = rows[top.key]
    # Title, authors, year, venue, open access and why it matched, all from the recorded record.
    assert unescape(re.search(r'<strong class="title">(.*?)</strong>', row, re.DOTALL).group(1)) == top.title  # type: ignore[union-attr]
    assert str(top.year) in row and top.authors[0] in unescape(row)
    assert top.venue and top.venue in unescape(row)
    assert ("open (" if top.is_oa else "not open (") + top.oa_status in row
    assert "title has" in row and "emicizumab" in row and "openalex (#" in row
    # The record OpenAlex marks as retracted carries the flag; the others do not.
    retracted = [c for c in saved if c.refuses_quotes]
    assert [c.title for c in retracted] == ["Abstracts"]
    assert "RETRACTED" in rows[retracted[0].key] and "flagged" in rows[retracted[0].key].split(">")[0]
    assert sum("RETRACTED" in r for r in rows.values()) == 1
    # Markup in a recorded title is shown as text, never as markup.
    marked = next(c for c in saved if "<scp>" in c.title)
    assert "&lt;scp&gt;" in rows[marked.key] and "<scp>" not in rows[marked.key]
    # The history says what was looked for.
    with web.desk() as desk:
        events = [e for e in desk.store.events(beyond.request_id) if e.subject == "discover"]
    assert events[-1].detail["query"] == QUERY and events[-1].detail["candidates"] == len(saved)


def test_ticked_works_come_in_and_each_failure_says_why(web: WebDesk, beyond: Beyond) -> None:
    with web.desk() as desk:
        saved = load_shortlist(desk, beyond.request_id).candidates
    if not saved:
        _search(beyond)
        with web.desk() as desk:
            saved = load_shortlist(desk, beyond.request_id).candidates
    closed = next(c for c in saved if c.abstract and not c.is_oa and c.in_library is None)
    nothing = next(c for c in saved if not c.abstract and not c.is_oa)
    open_copy = next(c for c in saved if c.abstract and c.is_oa and c.pdf_url and not c.refuses_quotes)
    r = beyond.staff.post(
        f"/requests/{beyond.request_id}/beyond/bring",
        data={"csrf": beyond.csrf, "keys": [closed.key, nothing.key, open_copy.key], "full_text": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    job = unescape(beyond.staff.get(r.headers["location"]).text)
    assert "2 added, 0 already in the library, 1 failed." in job
    failed = re.search(r'<tr class="outcome-failed">(.*?)</tr>', job, re.DOTALL)
    assert failed and nothing.title in failed.group(1)
    assert "nothing to quote" in failed.group(1) and "researchdesk ingest" in failed.group(1)
    # The open copy could not be downloaded offline: the record came in, and the page says why not the text.
    opened = re.search(
        r'<tr class="outcome-added">((?:(?!</tr>).)*' + re.escape(open_copy.title[:40]) + r".*?)</tr>",
        job,
        re.DOTALL,
    )
    assert opened and "offline" in opened.group(1) and "<td>failed</td>" in opened.group(1)
    with web.desk() as desk:
        held = desk.store.find_duplicate("", closed.doi, "")
        assert held is not None
        doc = desk.store.get_document(held[0])
        assert doc.meta.title == closed.title and doc.extra["discovered"]["services"] == ["openalex"]
        assert desk.store.find_duplicate("", nothing.doi, "") is None  # nothing partial stored
    assert f'href="/documents/{held[0]}"' in job
    # Back on the list, the works brought in are marked as held and can no longer be ticked.
    rows = _rows(beyond.staff.get(f"/requests/{beyond.request_id}/beyond").text)
    assert "held" in rows[closed.key].split(">")[0] and 'name="keys"' not in rows[closed.key]
    assert 'name="keys"' in rows[nothing.key]


def test_forms_need_the_token_a_pick_and_a_current_list(web: WebDesk, beyond: Beyond) -> None:
    url = f"/requests/{beyond.request_id}/beyond"
    with web.desk() as desk:
        jobs_before = len(desk.store.jobs(500))
    no_token = beyond.staff.post(
        f"{url}/search", data={"query": QUERY}, headers={"accept": "application/json"}, follow_redirects=False
    )
    assert no_token.status_code == 403
    no_token = beyond.staff.post(
        f"{url}/bring",
        data={"keys": ["doi:10.1/x"]},
        headers={"accept": "application/json"},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    nothing = beyond.staff.post(f"{url}/bring", data={"csrf": beyond.csrf}, follow_redirects=False)
    assert nothing.status_code == 400 and "No work is ticked" in nothing.text
    stale = beyond.staff.post(
        f"{url}/bring",
        data={"csrf": beyond.csrf, "keys": ["doi:10.9999/not.in.the.list"]},
        follow_redirects=False,
    )
    assert stale.status_code == 400 and "no longer in this request" in stale.text
    bad = beyond.staff.post(
        f"{url}/search",
        data={"csrf": beyond.csrf, "query": QUERY, "services": ["scholar"]},
        follow_redirects=False,
    )
    assert bad.status_code == 400 and "openalex" in bad.text  # the valid choices are listed
    empty = beyond.staff.post(
        f"{url}/search", data={"csrf": beyond.csrf, "query": "  "}, follow_redirects=False
    )
    assert empty.status_code == 400 and "no words" in empty.text
    with web.desk() as desk:
        assert len(desk.store.jobs(500)) == jobs_before  # nothing was queued


def test_a_search_never_made_offline_says_so_and_members_cannot_see_the_page(
    web: WebDesk, beyond: Beyond
) -> None:
    job = unescape(beyond.staff.get(_search(beyond, "urban heat action plans", 10)).text)
    assert "0 candidate(s)" in job
    assert job.count('class="error service-error"') == 2 and "The desk is offline" in job
    assert "RESEARCHDESK_ONLINE" in job
    member = client_for(web)
    sign_in(member, "ann@lakeside.example")
    assert member.get(f"/requests/{beyond.request_id}/beyond").status_code == 403
