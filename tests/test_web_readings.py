"""Small misreadings fixed, in process: search lists documents with their best passages, the evidence tab
and the scan funnel count alike, members are offered the formats they open, and a member's history has
no working steps."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from starlette.testclient import TestClient

from researchdesk.evidence.review import accept, reject, relabel
from researchdesk.models import Role
from test_web_fixtures import WebDesk, client_for, sign_in, web_fixture  # noqa: F401  (the `web` fixture)

PROMPT = "What are the barriers and facilitators of state and local tobacco control programs and policies?"


@pytest.fixture(scope="module")
def delivered(web: WebDesk) -> tuple[TestClient, TestClient, int]:
    ann, staff = client_for(web), client_for(web)
    ann_csrf, staff_csrf = sign_in(ann, "ann@lakeside.example"), sign_in(staff, "staff@desk.example")
    r = ann.post(
        "/requests/new", data={"csrf": ann_csrf, "prompt": PROMPT, "due": ""}, follow_redirects=False
    )
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    staff.post(f"/requests/{rid}/scan", data={"csrf": staff_csrf})
    with web.desk() as desk:
        items = desk.store.evidence_for(rid)
        useful = [e for e in items if e.role in (Role.BARRIER, Role.FACILITATOR)]
        assert len(useful) >= 3
        accept(desk, useful[0].id, "staff@desk.example")
        relabel(desk, useful[1].id, "staff@desk.example", label="Funding")  # edited: reaches the brief too
        accept(desk, useful[2].id, "staff@desk.example")
        others = [e for e in items if e not in useful[:3]]
        if others:
            reject(desk, others[0].id, "staff@desk.example")
    assert staff.post(f"/requests/{rid}/brief/draft", data={"csrf": staff_csrf}).status_code == 200
    assert staff.post(f"/requests/{rid}/brief/deliver", data={"csrf": staff_csrf}).status_code == 200
    return ann, staff, rid


def test_search_lists_documents_with_their_best_passages(web: WebDesk, delivered: tuple) -> None:
    _, staff, _ = delivered
    page = staff.get("/search", params={"q": "tobacco retail licensing policy adoption"}).text
    items = page.split('<ol class="hits">')[1].split("</ol>")[0].split('<li class="hit">')[1:]
    documents = [re.search(r'href="/documents/(\d+)', item).group(1) for item in items]  # type: ignore[union-attr]
    assert len(documents) >= 3 and len(set(documents)) == len(documents)  # one line per document
    passages = [item.count('<li class="passage">') for item in items]
    assert all(1 <= n <= 3 for n in passages) and max(passages) >= 2
    assert f"{len(documents)} documents, {sum(passages)} passages" in page


def test_the_evidence_tab_and_the_funnel_count_alike(web: WebDesk, delivered: tuple) -> None:
    _, staff, rid = delivered
    page = staff.get(f"/requests/{rid}").text
    tab = re.sub(r"<[^>]+>", "", page.split('id="evidence-tab">')[1].split("</a>")[0])
    suggested = int(re.search(r"(\d+) quotes suggested", tab).group(1))  # type: ignore[union-attr]
    accepted = int(re.search(r"(\d+) accepted", tab).group(1))  # type: ignore[union-attr]
    funnel = page.split('class="plot scan-funnel"')[1].split("</svg>")[0]
    bars = dict(re.findall(r'fill="#222">([^<]+)</text>.*?font-weight="bold">(\d+)</text>', funnel))
    assert int(bars["quotes suggested"]) == suggested and int(bars["quotes accepted"]) == accepted
    assert accepted == 3 and "1 edited" in tab


def test_members_are_offered_the_formats_they_open(web: WebDesk, delivered: tuple) -> None:
    ann, staff, rid = delivered
    offered = lambda html: sorted(set(re.findall(rf"/requests/{rid}/brief/v\d+\.(\w+)", html)))  # noqa: E731
    assert offered(ann.get(f"/requests/{rid}").text) == ["docx", "html", "pdf"]
    assert offered(staff.get(f"/requests/{rid}").text) == ["docx", "html", "json", "md", "pdf"]
    assert "Word (DOCX)" in ann.get(f"/requests/{rid}").text


def test_a_members_history_has_no_working_steps(web: WebDesk, delivered: tuple) -> None:
    ann, staff, rid = delivered
    mine = unquote(ann.get(f"/requests/{rid}").text.split('id="history"')[1])
    assert "filed the request" in mine and "delivered brief version 1" in mine
    for step in ("plan", "scan", "drafted", "quote"):
        assert step not in mine, step
    theirs = staff.get(f"/requests/{rid}").text.split('id="history"')[1]
    assert "drew up the research plan" in theirs and "ran the scan" in theirs and "relabelled the" in theirs
