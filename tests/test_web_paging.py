"""The request lists come a page at a time, so years of requests keep the queue and members' pages quick."""

from __future__ import annotations

import re

from researchdesk.requests.workflow import set_status
from researchdesk.web.deps import PAGE_SIZE
from test_web_fixtures import WebDesk, client_for, sign_in, web_fixture  # noqa: F401  (the `web` fixture)


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/requests/(\d+)">\1</a></td>', html)]


def test_queue_and_member_lists_are_paged(web: WebDesk) -> None:
    with web.desk() as desk:
        hill = int(desk.store.organization("Hill City")["id"])
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
