"""The request lists come a page at a time, so years of requests keep the queue and members' pages quick."""

from __future__ import annotations

import html
import re

from researchdesk.accounts import new_api_token
from researchdesk.requests.workflow import set_status
from researchdesk.web.deps import PAGE_SIZE
from test_web_fixtures import WebDesk, client_for, sign_in, web_fixture  # noqa: F401  (the `web` fixture)


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/requests/(\d+)">\1</a></td>', html)]


def test_queue_and_member_lists_are_paged(web: WebDesk) -> None:
    with web.desk() as desk:
        hill = desk.store.organization("Hill City").id
        filed = [
            desk.store.add_request(hill, None, f"Question {i} on shade trees?", "", "", "t")
            for i in range(PAGE_SIZE + 7)
        ]
        for rid in filed[:3]:
            set_status(desk, rid, "scoping", "t")
    staff = client_for(web)
    sign_in(staff, "staff@desk.example")

    overview = staff.get("/queue").text
    received = PAGE_SIZE + 4  # the other three moved on to scoping
    assert len(_ids(overview)) == PAGE_SIZE + 3  # a page of "received", all three "scoping"
    assert f"All {received} received requests" in overview and 'href="/queue?status=received"' in overview

    first = staff.get("/queue?status=received")
    second = staff.get("/queue?status=received&page=2")
    assert "Page 1 of 2" in first.text and "Page 2 of 2" in second.text
    page1, page2 = _ids(first.text), _ids(second.text)
    assert len(page1) == PAGE_SIZE and len(page2) == 4 and not set(page1) & set(page2)
    assert sorted(page1 + page2) == sorted(filed[3:])
    assert staff.get("/queue?status=received&page=9").status_code == 200  # past the end: an empty page
    assert staff.get("/queue?page=0").status_code in (400, 422)

    bob = client_for(web)
    sign_in(bob, "bob@hill.example")
    mine = bob.get("/requests").text
    assert _ids(mine) == sorted(filed, reverse=True)[:PAGE_SIZE] and "Page 1 of 2" in mine
    assert _ids(bob.get("/requests?page=2").text) == sorted(filed, reverse=True)[PAGE_SIZE:]
    assert "past the last page" in bob.get("/requests?page=7").text


def _history(page: str) -> list[str]:
    section = page[page.index('<section id="history">') :]
    return [html.unescape(t) for t in re.findall(r'<span class="who">[^<]*</span> ([^<]*)</li>', section)]


def test_request_history_and_the_api_come_a_page_at_a_time(web: WebDesk) -> None:
    with web.desk() as desk:
        hill = desk.store.organization("Hill City").id
        rid = desk.store.add_request(hill, None, "How do towns pay for sidewalks?", "", "", "bob")
        for i in range(PAGE_SIZE + 10):  # staff's working notes, which members do not see
            desk.store.log_event(rid, "evidence", i + 1, f"note {i}", {}, "sam")
        desk.store.log_event(rid, "request", rid, "status received → scoping", {}, "sam")
        desk.store.log_event(rid, "request", rid, "plan derived", {}, "demo")  # a working step: staff only
        token = new_api_token(desk, "bob@hill.example", "test")
        staff_token = new_api_token(desk, "staff@desk.example", "test")
    total = PAGE_SIZE + 13  # filed, the notes, scoped, the plan

    staff = client_for(web)
    sign_in(staff, "staff@desk.example")
    first = staff.get(f"/requests/{rid}").text
    assert _history(first)[:3] == [
        "drew up the research plan from the question",
        "moved the request from received to scoping",
        f"note {PAGE_SIZE + 9} quote {PAGE_SIZE + 10}",
    ]
    assert len(_history(first)) == PAGE_SIZE
    assert f"{total} events, newest first" in first and f'href="/requests/{rid}?page=2#history"' in first
    last = _history(staff.get(f"/requests/{rid}?page=2").text)
    assert last == [f"note {i} quote {i + 1}" for i in range(11, -1, -1)] + ["filed the request"]
    assert "past the last page" in staff.get(f"/requests/{rid}?page=5").text

    bob = client_for(web)
    sign_in(bob, "bob@hill.example")
    mine = bob.get(f"/requests/{rid}").text
    assert _history(mine) == ["moved the request from received to scoping", "filed the request"]
    assert "2 events, newest first" in mine and "page=2" not in mine

    member, staff_api = {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {staff_token}"}
    seen = web.client.get(f"/api/v1/requests/{rid}", headers=member).json()
    assert [e["action"] for e in seen["events"]] == ["status received → scoping", "filed"]
    assert seen["events_total"] == 2
    full = web.client.get(f"/api/v1/requests/{rid}", headers=staff_api).json()
    assert len(full["events"]) == PAGE_SIZE and full["events_total"] == total
    page = web.client.get(f"/api/v1/requests/{rid}/events?limit=3&offset=1", headers=staff_api).json()
    assert [e["action"] for e in page] == ["note 0", "note 1", "note 2"]
    assert web.client.get(f"/api/v1/requests/{rid}/events?limit=0", headers=staff_api).status_code == 422
    history = web.client.get(f"/api/v1/requests/{rid}/history", headers=staff_api).json()
    assert len(history["events"]) == total
    assert web.client.get(f"/api/v1/requests/{rid}/history", headers=member).status_code == 403

    listed = web.client.get("/api/v1/requests?limit=1", headers=member).json()
    assert [r["id"] for r in listed] == [
        max(r["id"] for r in web.client.get("/api/v1/requests", headers=member).json())
    ]
    assert web.client.get("/api/v1/requests?limit=1001", headers=member).status_code == 422
