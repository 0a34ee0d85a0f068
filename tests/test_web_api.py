"""The REST API with token authentication: the same operations and permission rules as the pages."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from researchdesk.accounts import new_api_token
from researchdesk.cli import app as cli_app
from researchdesk.desk import Desk
from researchdesk.errors import WorkflowError
from researchdesk.models import Role, SourceType
from researchdesk.requests.scan import run_scan
from researchdesk.requests.workflow import file_request
from researchdesk.work import BriefStatus
from test_web_fixtures import PASSWORD, WebDesk, client_for, web_fixture  # noqa: F401  (the `web` fixture)

PROMPT = "What are the barriers and facilitators of adopting local tobacco and smoke-free policies?"


def _token(web: WebDesk, email: str) -> dict[str, str]:
    with web.desk() as desk:
        return {"Authorization": f"Bearer {new_api_token(desk, email, 'test')}"}


def test_openapi_describes_the_api(web: WebDesk) -> None:
    spec = web.client.get("/api/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/requests",
        "/api/v1/requests/{request_id}/status",
        "/api/v1/requests/{request_id}/scan",
        "/api/v1/evidence/{evidence_id}/relabel",
        "/api/v1/requests/{request_id}/brief/deliver",
        "/api/v1/search",
        "/api/v1/documents",
        "/api/v1/jobs/{job_id}/retry",
    ):
        assert path in paths, path
    assert not any(p.startswith("/login") or p.startswith("/queue") for p in paths)  # pages stay out


# The fields each request answer carries (its JSON shape is the API's contract with scripts).
REQUEST_FIELDS = [
    "id", "organization_id", "requester_id", "prompt", "context", "due", "assignee", "status",
    "decline_reason", "plan", "version", "created_at", "updated_at", "organization", "organization_kind",
    "requester", "requester_email",
]  # fmt: skip


def test_request_answers_keep_their_shape(web: WebDesk) -> None:
    c = client_for(web)
    ann, staff = _token(web, "ann@lakeside.example"), _token(web, "staff@desk.example")
    filed = c.post("/api/v1/requests", json={"prompt": "Shape?", "due": "2031-02-03"}, headers=ann).json()
    assert list(filed) == REQUEST_FIELDS
    assert filed["status"] == "received" and filed["plan"] is None and filed["requester"] == "Ann Lake"
    rid = filed["id"]
    c.post(f"/api/v1/requests/{rid}/status", json={"status": "scoping", "version": 1}, headers=staff)
    for_staff = c.get(f"/api/v1/requests/{rid}", headers=staff).json()
    assert list(for_staff) == [*REQUEST_FIELDS, "events", "events_total", "briefs", "files"]
    assert for_staff["status"] == "scoping" and for_staff["version"] == 2
    for_member = c.get(f"/api/v1/requests/{rid}", headers=ann).json()
    assert "plan" not in for_member and for_member["status"] == "scoping"
    # A list shows staff who is assigned, a member when their request last moved.
    mine = next(r for r in c.get("/api/v1/requests", headers=ann).json() if r["id"] == rid)
    assert list(mine) == ["id", "status", "due", "prompt", "created_at", "updated_at", "organization"]
    queued = next(r for r in c.get("/api/v1/requests", headers=staff).json() if r["id"] == rid)
    assert list(queued) == ["id", "status", "due", "assignee", "prompt", "created_at", "organization"]
    assert queued["status"] == mine["status"] == "scoping" and queued["due"] == "2031-02-03"


def test_token_flow_from_request_to_delivered_brief(web: WebDesk) -> None:
    c = client_for(web)
    ann, staff, bob = (
        _token(web, "ann@lakeside.example"),
        _token(web, "staff@desk.example"),
        _token(web, "bob@hill.example"),
    )
    assert c.get("/api/v1/me", headers=ann).json()["organization"] == "Lakeside County"
    # Tokens need no CSRF header: they are not sent by browsers on their own.
    r = c.post("/api/v1/requests", json={"prompt": PROMPT, "context": "board"}, headers=ann)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert (
        r.json()["organization"] == "Lakeside County"
        and r.json()["requester_email"] == "ann@lakeside.example"
    )
    assert c.get(f"/api/v1/requests/{rid}", headers=bob).status_code == 404
    assert c.post(f"/api/v1/requests/{rid}/scan", headers=ann).status_code == 403
    job = c.post(f"/api/v1/requests/{rid}/scan", headers=staff)
    assert job.status_code == 202
    state = c.get(job.json()["url"], headers=staff).json()
    assert state["status"] == "done" and state["done"] == state["total"] > 0, state
    assert state["result"]["evidence"] > 0
    log = c.get(f"/api/v1/requests/{rid}/scan-log", headers=staff).json()
    assert len(log) == state["result"]["queries"]
    evidence = c.get(f"/api/v1/requests/{rid}/evidence?status=suggested", headers=staff).json()
    main = [e for e in evidence if e["role"] in (Role.BARRIER, Role.FACILITATOR)]
    assert main
    for e in main:
        assert c.post(f"/api/v1/evidence/{e['id']}/accept", headers=staff).json()["status"] == "accepted"
    relabelled = c.post(f"/api/v1/evidence/{main[0]['id']}/relabel", json={"label": "Funding"}, headers=staff)
    assert relabelled.json()["label"] == "Funding" and relabelled.json()["status"] == "edited"
    drafted = c.post(f"/api/v1/requests/{rid}/brief", headers=staff)
    assert drafted.status_code == 201 and drafted.json()["check"]["ok"], drafted.json()
    version = drafted.json()["version"]
    # Not delivered yet: the member cannot have it.
    assert c.get(f"/api/v1/requests/{rid}/brief/v{version}", headers=ann).status_code == 404
    delivered = c.post(f"/api/v1/requests/{rid}/brief/deliver", headers=staff)
    assert delivered.status_code == 200 and delivered.json()["document_id"] > 0
    assert c.post(f"/api/v1/requests/{rid}/brief/deliver", headers=staff).status_code == 409
    body = c.get(f"/api/v1/requests/{rid}/brief/v{version}", headers=ann).json()
    assert body["status"] == "delivered" and body["body"]["prompt"] == PROMPT
    assert list(body) == [
        "request_id",
        "version",
        "status",
        "created_at",
        "delivered_at",
        "body",
        "check_report",
    ]
    assert body["check_report"]["ok"] and body["delivered_at"] >= body["created_at"]
    pdf = c.get(f"/api/v1/requests/{rid}/brief/v{version}.pdf", headers=ann)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert c.get(f"/api/v1/requests/{rid}/brief/v{version}.pdf", headers=bob).status_code == 404
    seen = c.get(f"/api/v1/requests/{rid}", headers=ann).json()
    assert seen["status"] == "delivered" and "plan" not in seen
    # A list of versions leaves the text out; the member sees the delivered one, with its library document.
    assert [list(v) for v in seen["briefs"]] == [
        ["request_id", "version", "status", "document_id", "created_at", "delivered_at", "check_report"]
    ]
    assert seen["briefs"][0]["status"] == "delivered"
    assert seen["briefs"][0]["document_id"] == delivered.json()["document_id"]
    assert all(e["subject"] in ("request", "brief", "file", "message") for e in seen["events"])
    assert "confirmation" in {e["action"] for e in seen["events"]}  # filed by API, confirmed all the same


def test_api_status_conflicts_and_errors_are_json(web: WebDesk) -> None:
    c = client_for(web)
    staff = _token(web, "staff@desk.example")
    rid = c.post(
        "/api/v1/requests",
        json={"prompt": "Any work on heat plans?", "organization": "Hill City"},
        headers=staff,
    ).json()["id"]
    ok = c.post(f"/api/v1/requests/{rid}/status", json={"status": "scoping", "version": 1}, headers=staff)
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = c.post(
        f"/api/v1/requests/{rid}/status", json={"status": "researching", "version": 1}, headers=staff
    )
    assert stale.status_code == 409 and stale.json()["error"] == "WorkflowError" and stale.json()["hint"]
    wrong = c.post(f"/api/v1/requests/{rid}/status", json={"status": "nope", "version": 2}, headers=staff)
    assert wrong.status_code == 400 and "Choose one of" in wrong.json()["hint"]
    missing = c.post(f"/api/v1/requests/{rid}/status", json={"status": "scoping"}, headers=staff)
    assert missing.status_code == 422 and "version" in missing.json()["message"]
    lapsed = c.post("/api/v1/requests", json={"prompt": "x", "organization": "Lapsed Town"}, headers=staff)
    assert lapsed.status_code == 409 and "not an active member" in lapsed.json()["message"]
    assert c.get("/api/v1/requests", headers={"Authorization": "Bearer rd_forged"}).status_code == 401


def test_api_search_documents_and_upload(web: WebDesk) -> None:
    c = client_for(web)
    staff = _token(web, "staff@desk.example")
    found = c.get(
        "/api/v1/search",
        params={"q": "tobacco policy", "top": 5, "filter": ["source_type=journal article", "date_from=2020"]},
        headers=staff,
    )
    assert found.status_code == 200 and 0 < len(found.json()["hits"]) <= 5
    doc_id = found.json()["hits"][0]["document_id"]
    doc = c.get(f"/api/v1/documents/{doc_id}", headers=staff).json()
    assert doc["meta"]["title"] and doc["passages"]
    assert c.get("/api/v1/search", params={"q": "x", "top": 1000}, headers=staff).status_code == 400
    up = c.post(
        "/api/v1/documents",
        files=[
            (
                "files",
                (
                    "memo.md",
                    b"# Memo\n\nSmoke-free parks were adopted after a coalition campaign.\n",
                    "text/markdown",
                ),
            )
        ],
        headers=staff,
    )
    assert up.status_code == 202 and up.json()["accepted"] == ["memo.md"]
    job = c.get(up.json()["url"], headers=staff).json()
    assert job["status"] == "done" and job["result"]["summary"]["added"] == 1


def test_cli_user_commands(web: WebDesk) -> None:
    runner = CliRunner()
    home = str(web.settings.home)
    r = runner.invoke(
        cli_app,
        [
            "--home",
            home,
            "user",
            "add",
            "dee@hill.example",
            "--role",
            "member",
            "--org",
            "Hill City",
            "--password",
            PASSWORD,
        ],
    )
    assert r.exit_code == 0, r.output
    assert "dee@hill.example as member of Hill City" in r.output
    r = runner.invoke(cli_app, ["--home", home, "user", "token", "dee@hill.example", "--name", "script"])
    assert r.exit_code == 0 and r.output.strip().startswith("rd_")
    token = r.output.strip()
    me = client_for(web).get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == "dee@hill.example"
    assert list(me.json()) == ["id", "email", "name", "role", "organization_id", "organization"]
    assert me.json()["role"] == "member" and me.json()["organization"] == "Hill City"
    r = runner.invoke(
        cli_app, ["--home", home, "user", "reset-password", "dee@hill.example", "--password", "x" * 12]
    )
    assert r.exit_code == 0
    r = runner.invoke(cli_app, ["--home", home, "user", "list", "--json"])
    listed = {u["email"]: u for u in json.loads(r.output)}
    assert list(listed["dee@hill.example"]) == [
        *("id", "email", "name", "role", "organization_id", "active", "created_at", "password_changed_at"),
        "organization",
    ]
    assert listed["dee@hill.example"]["role"] == "member" and listed["dee@hill.example"]["active"] == 1
    r = runner.invoke(
        cli_app, ["--home", home, "user", "add", "e@x.example", "--role", "member", "--password", PASSWORD]
    )
    assert r.exit_code != 0  # a member needs an organization


class _Killed(Exception):
    """Stands for the process dying between archiving a brief and moving its request on."""


def _delivery_cut_short(web: WebDesk, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Return a request whose delivery stopped after archiving (brief delivered, request still in review),
    and the library document it archived."""
    from researchdesk.brief import service

    with web.desk() as desk:
        rid = file_request(desk, "Lakeside County", PROMPT, "ann@lakeside.example")
        run_scan(desk, rid, who="staff@desk.example")
        _, report = service.draft(desk, rid, who="staff@desk.example", auto=True)
        assert report.ok, report.errors
        real = service.advance_to

        def dies_before_delivered(desk: Desk, request_id: int, status: str, who: str) -> None:
            if status == "delivered":
                raise _Killed()
            real(desk, request_id, status, who)

        monkeypatch.setattr(service, "advance_to", dies_before_delivered)
        with pytest.raises(_Killed):
            service.deliver(desk, rid, "staff@desk.example")
        monkeypatch.undo()
        latest = desk.store.latest_brief(rid)
        assert latest is not None and latest.status == BriefStatus.DELIVERED
        assert desk.store.request(rid).status == "in review"
        assert latest.document_id is not None
        return rid, latest.document_id


def _products_of(web: WebDesk, rid: int) -> list[int]:
    with web.desk() as desk:
        return [
            d.id
            for d in desk.store.documents()
            if d.meta.source_type is SourceType.OUR_PRODUCT and d.extra.get("request_id") == rid
        ]


def test_web_and_cli_deliver_by_one_rule(web: WebDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery cut short is finished (not refused) and a second delivery is refused, on both surfaces."""
    c, staff = client_for(web), _token(web, "staff@desk.example")
    runner, home = CliRunner(), str(web.settings.home)

    # Finished on the web, then refused on the web and at the command line.
    rid, document_id = _delivery_cut_short(web, monkeypatch)
    finished = c.post(f"/api/v1/requests/{rid}/brief/deliver", headers=staff)
    assert finished.status_code == 200, finished.text
    assert finished.json()["document_id"] == document_id
    assert c.get(f"/api/v1/requests/{rid}", headers=staff).json()["status"] == "delivered"
    again = c.post(f"/api/v1/requests/{rid}/brief/deliver", headers=staff)
    assert again.status_code == 409 and "already delivered" in again.json()["message"]
    r = runner.invoke(cli_app, ["--home", home, "brief", "deliver", str(rid)])
    assert (
        r.exit_code != 0
        and isinstance(r.exception, WorkflowError)
        and "already delivered" in str(r.exception)
    )
    assert _products_of(web, rid) == [document_id]

    # Finished at the command line, then refused there and on the web.
    rid, document_id = _delivery_cut_short(web, monkeypatch)
    r = runner.invoke(cli_app, ["--home", home, "brief", "deliver", str(rid)])
    assert r.exit_code == 0, r.output
    assert f"library document {document_id}" in " ".join(r.output.split())
    again = c.post(f"/api/v1/requests/{rid}/brief/deliver", headers=staff)
    assert again.status_code == 409 and "already delivered" in again.json()["message"]
    r = runner.invoke(cli_app, ["--home", home, "brief", "deliver", str(rid)])
    assert r.exit_code != 0 and isinstance(r.exception, WorkflowError)
    assert _products_of(web, rid) == [document_id]
