"""The evidence-review page at speed, in process: decisions answered as JSON without a page load (and as a
redirect without script), progress, filters, pages, bulk decisions, undo, a plain "why" and a history that
names the quote."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from starlette.testclient import TestClient

from researchdesk.models import ReviewStatus
from researchdesk.web import review
from test_web_fixtures import WebDesk, client_for, sign_in, web_fixture  # noqa: F401  (the `web` fixture)

PROMPT = "What are the barriers and facilitators of state and local tobacco control programs and policies?"
JSON = {"Accept": "application/json"}


@dataclass
class Scene:
    web: WebDesk
    staff: TestClient
    csrf: str
    rid: int

    def evidence(self) -> list[int]:
        with self.web.desk() as desk:
            return [e.id for e in desk.store.evidence_for(self.rid)]

    def status(self, eid: int) -> str:
        with self.web.desk() as desk:
            return str(desk.store.evidence(eid).status)


@pytest.fixture(scope="module")
def scene(web: WebDesk) -> Scene:
    staff = client_for(web)
    csrf = sign_in(staff, "staff@desk.example")
    r = staff.post(
        "/requests/new",
        data={"csrf": csrf, "organization": "Lakeside County", "prompt": PROMPT, "due": ""},
        follow_redirects=False,
    )
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    staff.post(f"/requests/{rid}/scan", data={"csrf": csrf})
    found = Scene(web, staff, csrf, rid)
    assert len(found.evidence()) >= 3  # the review flows below decide on three quotes
    return found


def _progress(page: str) -> tuple[int, int]:
    found = re.search(r'<strong class="done">(\d+)</strong> of <span class="total">(\d+)</span> done', page)
    assert found, "no progress line"
    return int(found.group(1)), int(found.group(2))


def test_a_decision_by_script_is_json_and_moves_the_count(scene: Scene) -> None:
    first = scene.evidence()[0]
    done, total = _progress(scene.staff.get(f"/requests/{scene.rid}/evidence").text)
    r = scene.staff.post(
        f"/evidence/{first}/accept", data={"csrf": scene.csrf}, headers={**JSON, "X-CSRF-Token": scene.csrf}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["changed"][0] == {**body["changed"][0], "id": first, "status": "accepted"}
    assert body["progress"] == {"done": done + 1, "total": total} and body["can_undo"] is True
    assert "p(barrier)" not in body["changed"][0]["why"]
    assert _progress(scene.staff.get(f"/requests/{scene.rid}/evidence").text) == (done + 1, total)


def test_without_script_a_decision_comes_back_to_its_card_and_view(scene: Scene) -> None:
    second = scene.evidence()[1]
    view = f"/requests/{scene.rid}/evidence?status=suggested"
    r = scene.staff.post(
        f"/evidence/{second}/reject", data={"csrf": scene.csrf, "back_to": view}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"{view}#ev-{second}"
    assert scene.status(second) == "rejected"
    # back_to cannot send the reviewer elsewhere
    r = scene.staff.post(
        f"/evidence/{second}/reject",
        data={"csrf": scene.csrf, "back_to": "https://evil.example/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/requests/{scene.rid}/evidence#ev-{second}"


def test_undo_puts_back_the_last_decision_then_the_one_before(scene: Scene) -> None:
    ids = scene.evidence()
    scene.staff.post(f"/evidence/{ids[2]}/accept", data={"csrf": scene.csrf}, headers=JSON)
    scene.staff.post(f"/evidence/{ids[2]}/reject", data={"csrf": scene.csrf}, headers=JSON)
    r = scene.staff.post(f"/requests/{scene.rid}/evidence/undo", data={"csrf": scene.csrf}, headers=JSON)
    assert r.status_code == 200 and [c["status"] for c in r.json()["changed"]] == ["accepted"]
    r = scene.staff.post(f"/requests/{scene.rid}/evidence/undo", data={"csrf": scene.csrf}, headers=JSON)
    assert r.json()["changed"][0] == {
        **r.json()["changed"][0],
        "id": ids[2],
        "status": "suggested",
        "reviewer": "",
    }
    # another reviewer's undo does not touch staff's decisions
    admin = client_for(scene.web)
    admin_csrf = sign_in(admin, "admin@desk.example")
    r = admin.post(f"/requests/{scene.rid}/evidence/undo", data={"csrf": admin_csrf}, headers=JSON)
    assert r.status_code == 409 and "no decision of yours" in r.json()["message"]


def test_bulk_reject_and_its_undo_as_a_whole(scene: Scene) -> None:
    ids = scene.evidence()
    before = {i: scene.status(i) for i in ids}
    chosen = ids[-2:]
    r = scene.staff.post(
        f"/requests/{scene.rid}/evidence/bulk",
        data={"csrf": scene.csrf, "bulk": "reject", "ids": [str(i) for i in chosen]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert all(scene.status(i) == "rejected" for i in chosen)
    r = scene.staff.post(f"/requests/{scene.rid}/evidence/undo", data={"csrf": scene.csrf}, headers=JSON)
    assert sorted(c["id"] for c in r.json()["changed"]) == sorted(chosen)
    assert {i: scene.status(i) for i in ids} == before
    # a quote of another request, or no selection, is refused with what to do
    r = scene.staff.post(
        f"/requests/{scene.rid}/evidence/bulk", data={"csrf": scene.csrf, "bulk": "reject"}, headers=JSON
    )
    assert r.status_code == 400 and "No quote is selected" in r.json()["message"]
    r = scene.staff.post(
        f"/requests/{scene.rid}/evidence/bulk",
        data={"csrf": scene.csrf, "bulk": "reject", "ids": ["999999"]},
        headers=JSON,
    )
    assert r.status_code == 400 and "not part of request" in r.json()["message"]


def test_filters_pages_and_the_plain_why(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    with scene.web.desk() as desk:
        items = desk.store.evidence_for(scene.rid)
    role = str(items[0].role)
    page = scene.staff.get(f"/requests/{scene.rid}/evidence?role={role}").text
    shown = re.findall(r'<span class="role">([^<]+)</span>', page)
    assert shown and set(shown) == {role} and len(shown) == sum(str(e.role) == role for e in items)
    source = items[0].document_id
    page = scene.staff.get(f"/requests/{scene.rid}/evidence?source={source}").text
    assert page.count("<article") == sum(e.document_id == source for e in items)
    assert "Why:</strong>" in page and "p(barrier)" not in page and " vs " not in page
    assert "Suggested as" in page and "From " in page
    assert scene.staff.get(f"/requests/{scene.rid}/evidence?role=villain").status_code == 400
    monkeypatch.setattr(review, "PAGE_SIZE", 2)
    first = scene.staff.get(f"/requests/{scene.rid}/evidence").text
    assert first.count("<article") == 2 and f"Page 1 of {-(-len(items) // 2)}" in first
    second = scene.staff.get(f"/requests/{scene.rid}/evidence?page=2").text
    ids = lambda html: re.findall(r'id="ev-(\d+)"', html)  # noqa: E731
    assert ids(second) and not set(ids(first)) & set(ids(second))


def test_history_names_the_quote(scene: Scene) -> None:
    page = scene.staff.get(f"/requests/{scene.rid}").text
    history = page.split('id="history"')[1]
    with scene.web.desk() as desk:
        first = desk.store.evidence(scene.evidence()[0])
    assert "accepted" in history
    assert review.short_quote(first.quote, 60).rstrip("…")[:40] in history.replace("&#39;", "'").replace(
        "&quot;", '"'
    )


def test_plain_why_reads_the_reason_in_words() -> None:
    from researchdesk.evidence.classify import classify
    from researchdesk.models import Evidence, Role

    c = classify("Lack of funding was the main barrier to implementation.")
    e = Evidence(1, 1, 0, 10, "x", c.role, c.confidence, c.reason + "; matches: funding")
    why = review.plain_why(e)
    assert why.startswith("Suggested as a barrier: it says “Lack of”") and "funding" in why
    assert "p(" not in why and "cues" not in why
    table = Evidence(1, 1, 0, 10, "x", Role.FACILITATOR, 0.9, "table label 'Facilitators'")
    assert "table labels it “Facilitators”" in review.plain_why(table)
    assert ReviewStatus.SUGGESTED.value == "suggested"


def test_undo_on_the_page_withdraws_the_review_label(scene: Scene) -> None:
    open_ids = [i for i in scene.evidence() if scene.status(i) == "suggested"]
    assert open_ids
    eid = open_ids[0]

    def labelled() -> set[int | None]:
        with scene.web.desk() as desk:
            return {
                lb.evidence_id for lb in desk.store.review_labels() if lb.reviewer == "staff@desk.example"
            }

    scene.staff.post(f"/evidence/{eid}/reject", data={"csrf": scene.csrf}, headers=JSON)
    assert eid in labelled()
    r = scene.staff.post(f"/requests/{scene.rid}/evidence/undo", data={"csrf": scene.csrf}, headers=JSON)
    assert r.json()["changed"][0]["id"] == eid and scene.status(eid) == "suggested"
    assert eid not in labelled()


def test_undo_of_a_changed_mind_puts_the_earlier_label_back(scene: Scene) -> None:
    eid = next(i for i in scene.evidence() if scene.status(i) == "suggested")

    def decision() -> str | None:
        with scene.web.desk() as desk:
            found = [
                str(lb.decision)
                for lb in desk.store.review_labels()
                if lb.evidence_id == eid and lb.reviewer == "staff@desk.example"
            ]
        return found[0] if found else None

    scene.staff.post(f"/evidence/{eid}/accept", data={"csrf": scene.csrf}, headers=JSON)
    scene.staff.post(f"/evidence/{eid}/reject", data={"csrf": scene.csrf}, headers=JSON)
    assert decision() == "dropped"
    scene.staff.post(f"/requests/{scene.rid}/evidence/undo", data={"csrf": scene.csrf}, headers=JSON)
    assert scene.status(eid) == "accepted" and decision() == "kept"


def test_plain_why_names_the_reviewed_quote_that_swayed_it() -> None:
    from researchdesk.models import Evidence, Role

    reason = "filed under Facilitators by this desk's reviews; no strong role cue; like quote #412 you filed under Facilitators"
    why = review.plain_why(Evidence(1, 1, 0, 10, "x", Role.FACILITATOR, 0.8, reason))
    assert "your earlier reviews filed quotes like it here" in why
    assert "Your reviews: it is like quote #412 you filed under Facilitators." in why
