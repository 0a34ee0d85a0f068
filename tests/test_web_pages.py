"""Every page and permission rule of the web app, in process: members, staff, cross-organization attempts,
hostile document text, uploads and background jobs."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from starlette.testclient import TestClient

from researchdesk.brief.figures import EVIDENCE_MAP, SCAN_FUNNEL
from researchdesk.evidence.codebooks import load_codebook
from researchdesk.evidence.review import accept
from researchdesk.models import Evidence, ReviewStatus, Role
from test_web_fixtures import LIBRARY, WebDesk, client_for, sign_in, web_fixture  # noqa: F401  (the `web` fixture)

PROMPT = (
    "What are the barriers and facilitators of getting local tobacco policies adopted and implemented? "
    "Have we produced anything on this before?"
)


@dataclass
class Flow:
    ann: TestClient
    ann_csrf: str
    bob: TestClient
    bob_csrf: str
    staff: TestClient
    staff_csrf: str
    a: int  # Lakeside's request, taken to delivery
    b: int  # Hill City's request, left undelivered
    file_id: int


def _file(client: TestClient, csrf: str, prompt: str, files: list[tuple[str, bytes]] | None = None) -> int:
    r = client.post(
        "/requests/new",
        data={"csrf": csrf, "prompt": prompt, "context": "For our board.", "due": ""},
        files=[("attachments", (n, d, "application/octet-stream")) for n, d in (files or [])] or None,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def flow(web: WebDesk) -> Flow:
    ann, bob, staff = client_for(web), client_for(web), client_for(web)
    ann_csrf, bob_csrf = sign_in(ann, "ann@lakeside.example"), sign_in(bob, "bob@hill.example")
    staff_csrf = sign_in(staff, "staff@desk.example")
    a = _file(
        ann, ann_csrf, PROMPT, [("board notes.txt", b"Our board asked about tobacco retail licensing.\n")]
    )
    b = _file(bob, bob_csrf, "What helps small cities fund enforcement of smoke-free policies?")
    with web.desk() as desk:
        file_id = next(e.id for e in desk.store.events(a) if e.action == "attached")
    # Staff take request A to delivery through the pages.
    r = staff.post(f"/requests/{a}/scan", data={"csrf": staff_csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    with web.desk() as desk:
        suggested = desk.store.evidence_for(a, status="suggested")
        assert any(e.role in (Role.BARRIER, Role.FACILITATOR) for e in suggested)
        for e in suggested:
            if e.role in (Role.BARRIER, Role.FACILITATOR):
                accept(desk, e.id, "staff@desk.example")
    assert staff.post(f"/requests/{a}/brief/draft", data={"csrf": staff_csrf}).status_code == 200
    r = staff.post(f"/requests/{a}/brief/deliver", data={"csrf": staff_csrf})
    assert r.status_code == 200, r.text
    with web.desk() as desk:
        assert desk.store.request(a).status == "delivered"
        # B gets a draft that is never delivered: members must not see it.
        desk.store.add_brief(b, {"title": "draft"}, {}, "staff")
    return Flow(ann, ann_csrf, bob, bob_csrf, staff, staff_csrf, a, b, file_id)


# --- members ----------------------------------------------------------------------------------------


def test_member_files_a_request_with_attachments_and_sees_its_history(web: WebDesk, flow: Flow) -> None:
    mine = flow.ann.get("/requests")
    assert mine.status_code == 200 and f'href="/requests/{flow.a}"' in mine.text
    assert f'href="/requests/{flow.b}"' not in mine.text  # Hill City's request is not listed
    page = flow.ann.get(f"/requests/{flow.a}")
    assert "board notes.txt" in page.text and "delivered" in page.text and "filed" in page.text
    # Staff's working notes on evidence are not shown to members.
    assert "accepted" not in page.text and "relabelled" not in page.text
    assert "Run the scan" not in page.text
    got = flow.ann.get(f"/requests/{flow.a}/files/{flow.file_id}")
    assert got.status_code == 200 and got.content == b"Our board asked about tobacco retail licensing.\n"
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"] == 'attachment; filename="board notes.txt"'


def test_attachment_kind_is_judged_by_content(web: WebDesk, flow: Flow) -> None:
    r = flow.ann.post(
        "/requests/new",
        data={"csrf": flow.ann_csrf, "prompt": "Anything on vaping near schools?"},
        files=[("attachments", ("fake.pdf", b"this is not a pdf at all", "application/pdf"))],
    )
    assert (
        r.status_code == 400
        and "fake.pdf" in r.text
        and "the name says .pdf but the content is text" in r.text
    )
    assert "Anything on vaping near schools?" in r.text  # the form keeps what was typed
    r = flow.ann.post("/requests/new", data={"csrf": flow.ann_csrf, "prompt": "x", "due": "2001-01-01"})
    assert r.status_code == 400 and "in the past" in r.text


def test_member_downloads_the_delivered_brief_in_every_format(web: WebDesk, flow: Flow) -> None:
    page = flow.ann.get(f"/requests/{flow.a}")
    assert f"/requests/{flow.a}/brief/v1.pdf" in page.text
    pdf = flow.ann.get(f"/requests/{flow.a}/brief/v1.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    html = flow.ann.get(f"/requests/{flow.a}/brief/v1.html")
    assert html.headers["content-disposition"].startswith("attachment;")
    assert "Appendix" in html.text and "evidence-map" in html.text and "scan-funnel" in html.text
    # Markdown and JSON are not offered to members, but their links still work (scripts may keep them).
    assert f"/requests/{flow.a}/brief/v1.md" not in page.text
    for fmt, magic in (("md", b"#"), ("docx", b"PK"), ("json", b"{")):
        r = flow.ann.get(f"/requests/{flow.a}/brief/v1.{fmt}")
        assert r.status_code == 200 and r.content.lstrip().startswith(magic), fmt


def test_member_cannot_reach_other_organizations_work(web: WebDesk, flow: Flow) -> None:
    bob = flow.bob
    a = flow.a
    for path in (
        f"/requests/{a}",
        f"/requests/{a}/files/{flow.file_id}",
        f"/requests/{a}/brief/v1.pdf",
        f"/requests/{a}/brief/v1.md",
        f"/api/v1/requests/{a}",
        f"/api/v1/requests/{a}/brief/v1",
        f"/api/v1/requests/{a}/brief/v1.pdf",
        "/requests/999999",
    ):
        r = bob.get(path)
        assert r.status_code == 404, (path, r.status_code)
    # Same 404 for a request that exists and one that does not: nothing leaks.
    assert "does not exist" in bob.get(f"/requests/{a}").text
    # Bob's own undelivered draft is not his to download, and Ann cannot take Bob's file id via her request.
    assert bob.get(f"/requests/{flow.b}/brief/v1.pdf").status_code == 404
    assert flow.ann.get(f"/requests/{flow.b}").status_code == 404
    listing = bob.get("/api/v1/requests").json()
    assert [r["id"] for r in listing] == [flow.b]


def test_members_are_kept_out_of_staff_pages(web: WebDesk, flow: Flow) -> None:
    for path in (
        "/queue",
        "/library",
        "/search?q=tobacco",
        f"/documents/{web.hostile_id}",
        f"/documents/{web.hostile_id}/original",
        f"/requests/{flow.b}/plan",
        f"/requests/{flow.b}/evidence",
        f"/requests/{flow.b}/brief",
        "/jobs",
        "/admin/users",
        "/api/v1/jobs",
        "/api/v1/search?q=tobacco",
    ):
        r = flow.bob.get(path)
        assert r.status_code == 403, (path, r.status_code)
    posts = (
        f"/requests/{flow.b}/status",
        f"/requests/{flow.b}/assign",
        f"/requests/{flow.b}/scan",
        f"/requests/{flow.b}/brief/draft",
        "/library/upload",
    )
    for path in posts:
        r = flow.bob.post(
            path, data={"csrf": flow.bob_csrf, "status": "scoping", "version": "1", "assignee": "x"}
        )
        assert r.status_code == 403, (path, r.status_code)
    with web.desk() as desk:
        assert desk.store.request(flow.b).status == "received"


# --- staff ------------------------------------------------------------------------------------------


def test_queue_groups_by_status_and_highlights_overdue(web: WebDesk, flow: Flow) -> None:
    with web.desk() as desk:
        late = desk.store.add_request(
            desk.store.organization("Hill City").id, None, "Late one: park smoking bans?", "", "", "t"
        )
        desk.store.update_request(late, {"due": (date.today() - timedelta(days=3)).isoformat()}, "t", "due")
    page = flow.staff.get("/queue")
    assert page.status_code == 200
    row = re.search(rf'<tr class="([^"]*)">\s*<td><a href="/requests/{late}">', page.text)
    assert row and "overdue" in row.group(1)
    on_time = re.search(rf'<tr class="([^"]*)">\s*<td><a href="/requests/{flow.b}">', page.text)
    assert on_time and "overdue" not in on_time.group(1)
    delivered = flow.staff.get("/queue?status=delivered").text
    assert f'href="/requests/{flow.a}"' in delivered and f'href="/requests/{flow.b}"' not in delivered
    assert flow.staff.get("/queue?status=bogus").status_code == 400


def test_assign_and_status_change_with_conflict(web: WebDesk, flow: Flow) -> None:
    with web.desk() as desk:
        rid = desk.store.add_request(desk.store.organization("Hill City").id, None, "Zoning?", "", "", "t")
        version = desk.store.request(rid).version
    r = flow.staff.post(
        f"/requests/{rid}/assign", data={"csrf": flow.staff_csrf, "assignee": "staff@desk.example"}
    )
    assert r.status_code == 200 and "assigned the request to staff@desk.example" in r.text
    assert (
        flow.staff.post(
            f"/requests/{rid}/assign", data={"csrf": flow.staff_csrf, "assignee": "ann@lakeside.example"}
        ).status_code
        == 400
    )
    # The form still carries the version from before the assignment: a conflict, not a silent overwrite.
    stale = flow.staff.post(
        f"/requests/{rid}/status",
        data={"csrf": flow.staff_csrf, "status": "scoping", "version": str(version)},
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    with web.desk() as desk:
        version = desk.store.request(rid).version
    ok = flow.staff.post(
        f"/requests/{rid}/status",
        data={"csrf": flow.staff_csrf, "status": "scoping", "version": str(version)},
    )
    assert ok.status_code == 200 and "moved the request from received to scoping" in ok.text
    bad = flow.staff.post(
        f"/requests/{rid}/status",
        data={"csrf": flow.staff_csrf, "status": "delivered", "version": str(version + 1)},
    )
    assert bad.status_code == 409 and "it can move to" in bad.text


def test_plan_editor_saves_queries_and_filters(web: WebDesk, flow: Flow) -> None:
    page = flow.staff.get(f"/requests/{flow.b}/plan")
    assert page.status_code == 200 and 'name="queries_barriers"' in page.text
    form = {
        "csrf": flow.staff_csrf,
        "topic": "smoke-free enforcement funding",
        "domain": "public health",
        "keywords": "smoke-free, enforcement",
        "use_barriers": "1",
        "queries_barriers": "enforcement funding barriers\nlack of staff smoke-free",
        "filters_barriers": "date_from=2020\nsource_type=journal article",
        "use_facilitators": "1",
        "queries_facilitators": "partnerships facilitated adoption",
    }
    r = flow.staff.post(f"/requests/{flow.b}/plan", data=form)
    assert r.status_code == 200
    with web.desk() as desk:
        plan = desk.store.request(flow.b).plan
    assert plan["topic"] == "smoke-free enforcement funding"
    facets = {f["facet"]: f for f in plan["facets"]}
    assert set(facets) == {"barriers", "facilitators"}
    assert facets["barriers"]["queries"] == ["enforcement funding barriers", "lack of staff smoke-free"]
    assert facets["barriers"]["filters"] == {"source_types": ["journal article"], "date_from": "2020"}
    bad = flow.staff.post(
        f"/requests/{flow.b}/plan", data={**form, "filters_barriers": "date_from=last year"}
    )
    assert bad.status_code == 400 and "not a date" in bad.text
    # Naming the subject rewrites the queries for it; the facets and their filters stay.
    assert 'name="subjects"' in page.text
    r = flow.staff.post(f"/requests/{flow.b}/plan", data={**form, "subjects": "smoke-free housing\n"})
    assert r.status_code == 200
    with web.desk() as desk:
        plan = desk.store.request(flow.b).plan
    assert plan["subjects"] == ["smoke-free housing"]
    facets = {f["facet"]: f for f in plan["facets"]}
    assert all("smoke-free housing" in q for q in facets["barriers"]["queries"])
    assert facets["barriers"]["filters"] == {"source_types": ["journal article"], "date_from": "2020"}


def test_request_page_shows_plots_and_scan_log(web: WebDesk, flow: Flow) -> None:
    page = flow.staff.get(f"/requests/{flow.a}")
    assert page.status_code == 200
    assert EVIDENCE_MAP in page.text and SCAN_FUNNEL in page.text
    assert page.text.count("<svg") == 2 and "passages found" in page.text
    assert "Scan log (run 1" in page.text


def test_evidence_cards_show_each_quote_in_its_own_context(web: WebDesk, flow: Flow) -> None:
    page = flow.staff.get(f"/requests/{flow.a}/evidence").text
    with web.desk() as desk:
        items = desk.store.evidence_for(flow.a)
        texts = {e.document_id: desk.store.get_document(e.document_id).text for e in items}
    shown = re.findall(r'<p class="in-context">(.*?)<mark class="quote">(.*?)</mark>(.*?)</p>', page, re.S)
    assert len(shown) == len(items)
    for e, (before, quote, after) in zip(items, shown, strict=True):
        text = texts[e.document_id]
        assert html.unescape(quote) == e.quote == text[e.start : e.end]
        assert html.unescape(before).removeprefix("…") == text[max(0, e.start - 300) : e.start]
        assert html.unescape(after).removesuffix("…") == text[e.end : e.end + 300]
        assert after.endswith("…") == (e.end + 300 < len(text))


def test_evidence_review_accept_reject_relabel(web: WebDesk, flow: Flow) -> None:
    page = flow.staff.get(f"/requests/{flow.a}/evidence")
    assert page.status_code == 200 and 'data-action="accept"' in page.text
    assert '<mark class="quote">' in page.text and "Why:" in page.text
    with web.desk() as desk:
        items = desk.store.evidence_for(flow.a)
    first, second = items[0].id, items[1].id
    r = flow.staff.post(f"/evidence/{first}/reject", data={"csrf": flow.staff_csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith(f"#ev-{first}")
    code = load_codebook("collaboration-factors").labels()[-1]
    r = flow.staff.post(
        f"/evidence/{second}/relabel",
        data={"csrf": flow.staff_csrf, "role": "recommendation", "codes": code, "label": "Roles"},
    )
    assert r.status_code == 200
    with web.desk() as desk:
        assert desk.store.evidence(first).status == ReviewStatus.REJECTED
        e = desk.store.evidence(second)
        assert (e.role, e.codes, e.label, e.status) == (
            Role.RECOMMENDATION,
            [code],
            "Roles",
            ReviewStatus.EDITED,
        )
        assert desk.store.evidence(first).reviewer == "staff@desk.example"
    bad = flow.staff.post(f"/evidence/{second}/relabel", data={"csrf": flow.staff_csrf, "role": "vibes"})
    assert bad.status_code == 400 and "Choose one of" in bad.text
    r = flow.staff.post(f"/evidence/{first}/accept", data={"csrf": flow.staff_csrf})
    assert r.status_code == 200
    only = flow.staff.get(f"/requests/{flow.a}/evidence?status=edited").text
    assert only.count("<article") == 1


def test_brief_page_preview_check_and_downloads(web: WebDesk, flow: Flow) -> None:
    page = flow.staff.get(f"/requests/{flow.a}/brief")
    assert page.status_code == 200 and "Check report of version 1" in page.text
    for fmt in ("md", "html", "docx", "pdf", "json"):
        assert f"/requests/{flow.a}/brief/v1.{fmt}" in page.text
    preview = flow.staff.get(f"/requests/{flow.a}/brief/v1/preview")
    assert preview.status_code == 200 and preview.headers["content-security-policy"].startswith(
        "default-src 'none'"
    )
    assert "<script" not in preview.text and "Appendix" in preview.text
    check = flow.staff.post(f"/requests/{flow.a}/brief/check", data={"csrf": flow.staff_csrf})
    assert check.status_code == 200
    # Delivering twice is refused by the workflow (a delivered request is final).
    again = flow.staff.post(f"/requests/{flow.a}/brief/deliver", data={"csrf": flow.staff_csrf})
    assert again.status_code == 409


def test_hostile_document_text_is_shown_as_text(web: WebDesk, flow: Flow) -> None:
    hostile = web.hostile_id
    doc = flow.staff.get(f"/documents/{hostile}")
    assert doc.status_code == 200
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in doc.text
    assert "<script>alert" not in doc.text and "<b>bold</b>" not in doc.text and "<img src=x" not in doc.text
    found = flow.staff.get("/search", params={"q": "funding enforcement staff small towns"})
    assert "&lt;script&gt;alert(&#39;quote&#39;)&lt;/script&gt;" in found.text
    assert "<script>alert" not in found.text and "<mark>" in found.text
    library = flow.staff.get("/library")
    assert "&lt;script&gt;" in library.text and "<script>alert" not in library.text
    # A hostile quote under review and in the brief's preview and figures.
    with web.desk() as desk:
        passage = next(p for p in desk.store.passages(hostile) if "lack of funding" in p.text)
        text = desk.store.get_document(hostile).text
        start = text.index("A major barrier")
        end = text.index("for enforcement staff")
        ev = Evidence(
            hostile, passage.id, start, end, text[start:end], Role.BARRIER, 0.9, "test", request_id=flow.b
        )
        [eid] = desk.store.add_evidence([ev], "test")
        accept(desk, eid, "staff@desk.example")
    review = flow.staff.get(f"/requests/{flow.b}/evidence")
    assert (
        "&lt;script&gt;alert(&#39;quote&#39;)&lt;/script&gt;" in review.text
        and "<script>alert" not in review.text
    )
    page = flow.staff.get(f"/requests/{flow.b}")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text  # the evidence map label
    original = flow.staff.get(f"/documents/{hostile}/original")
    assert original.headers["content-type"] == "application/octet-stream"
    assert original.headers["content-disposition"].startswith("attachment;")


def test_search_filters_and_highlights(web: WebDesk, flow: Flow) -> None:
    page = flow.staff.get("/search", params={"q": "tobacco policy", "source_type": "journal article"})
    assert page.status_code == 200 and page.text.count('class="hit"') >= 3
    assert "<mark>tobacco</mark>" in page.text.lower() or "<mark>Tobacco</mark>" in page.text
    none = flow.staff.get("/search", params={"q": "tobacco policy", "date_from": "2031"})
    assert none.status_code == 200 and 'class="hit"' not in none.text
    bad = flow.staff.get("/search", params={"q": "tobacco", "date_from": "soon"})
    assert bad.status_code == 400 and "not a date" in bad.text


def test_library_upload_many_files_with_per_file_errors(web: WebDesk, flow: Flow) -> None:
    good = (LIBRARY / "24_0109.htm").read_bytes()
    files = [
        ("files", ("../../../../tmp/evil article.htm", good, "text/html")),
        ("files", ("scan.pdf", b"GIF89a not a pdf", "application/pdf")),
        ("files", ("empty.txt", b"", "text/plain")),
        (
            "files",
            (
                "notes.txt",
                b"Plain notes on smoke-free parks and their enforcement by volunteers.\n" * 3,
                "text/plain",
            ),
        ),
    ]
    r = flow.staff.post(
        "/library/upload",
        files=files,
        headers={"X-CSRF-Token": flow.staff_csrf, "Accept": "application/json"},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["accepted"] == ["evil article.htm", "notes.txt"]
    reasons = {x["name"]: x["reason"] for x in body["rejected"]}
    assert set(reasons) == {"scan.pdf", "empty.txt"} and "empty" in reasons["empty.txt"]
    job = flow.staff.get(body["job_url"])
    assert job.status_code == 200 and "done" in job.text
    assert "2 added, 0 duplicates, 2 failed" in job.text
    with web.desk() as desk:
        names = {d.file_name for d in desk.store.documents()}
    assert "evil article.htm" in names and not any("/" in n or ".." in n for n in names)
    # Uploading the same article again: a duplicate, said per file.
    r = flow.staff.post(
        "/library/upload",
        files=[("files", ("again.htm", good, "text/html"))],
        data={"csrf": flow.staff_csrf},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "0 added, 1 duplicates" in r.text
    refused = flow.staff.post(
        "/library/upload",
        files=[("files", ("x.pdf", b"nope", "application/pdf"))],
        data={"csrf": flow.staff_csrf},
    )
    assert refused.status_code == 422 and "x.pdf" in refused.text


def test_failed_job_says_why_and_can_be_retried(web: WebDesk, flow: Flow) -> None:
    with web.desk() as desk:
        rid = desk.store.add_request(desk.store.organization("Hill City").id, None, "Renders?", "", "", "t")
        job_id = web.client.app.state.ctx.jobs.submit(desk, "render", {"request_id": rid, "version": 1}, "t")
        job = desk.store.job(job_id)
    assert job.status == "failed" and "no brief version 1" in job.error
    page = flow.staff.get(f"/jobs/{job_id}")
    assert "no brief version 1" in page.text and "Retry" in page.text
    listing = flow.staff.get("/jobs")
    assert job_id in listing.text and "job-failed" in listing.text
    with web.desk() as desk:
        desk.store.add_brief(rid, _minimal_brief(rid), {}, "t")
    r = flow.staff.post(f"/jobs/{job_id}/retry", data={"csrf": flow.staff_csrf})
    assert r.status_code == 200
    with web.desk() as desk:
        job = desk.store.job(job_id)
    assert job.status == "done" and job.done == job.total == 5
    assert any(name.endswith(".pdf") for name in job.result["files"])
    # A finished job cannot be retried.
    assert flow.staff.post(f"/jobs/{job_id}/retry", data={"csrf": flow.staff_csrf}).status_code == 409


def _minimal_brief(request_id: int) -> dict[str, object]:
    from researchdesk.brief.render.jsonfmt import brief_to_dict
    from researchdesk.models import Brief

    return brief_to_dict(
        Brief(
            request_id,
            1,
            "A title",
            "Hill City",
            "",
            "2024-01-01",
            "",
            "staff",
            "2024-01-02",
            "About us.",
            "Renders?",
            ["Nothing was found."],
            [],
            [],
            [],
            [],
            [],
        )
    )


def test_admin_adds_users_and_staff_cannot(web: WebDesk, flow: Flow) -> None:
    admin = client_for(web)
    token = sign_in(admin, "admin@desk.example")
    r = admin.post(
        "/admin/users",
        data={
            "csrf": token,
            "email": "cara@hill.example",
            "role": "member",
            "organization": "Hill City",
            "password": "another long password",
        },
    )
    assert r.status_code == 200 and "cara@hill.example" in r.text
    short = admin.post(
        "/admin/users", data={"csrf": token, "email": "d@hill.example", "role": "staff", "password": "short"}
    )
    assert short.status_code == 422 or short.status_code == 400
    assert flow.staff.get("/admin/users").status_code == 403
    cara = client_for(web)
    sign_in(cara, "cara@hill.example", "another long password")
    assert cara.get(f"/requests/{flow.b}").status_code == 200
    assert cara.get(f"/requests/{flow.a}").status_code == 404


def test_static_script_and_styles_are_served(web: WebDesk) -> None:
    c = client_for(web)
    js = c.get("/static/app.js")
    assert js.status_code == 200 and "keydown" in js.text
    assert c.get("/static/app.css").status_code == 200
    assert c.get("/static/../app.py").status_code == 404
