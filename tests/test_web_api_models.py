"""The REST API's answers are declared models: OpenAPI names every field, and the answers are exactly them.

The description is read from /api/openapi.json: every JSON operation under /api/v1 answers a named,
closed model (no free ``dict``), and a route that returns an undeclared dict is caught. Real answers, on
SQLite and on PostgreSQL, validate against their models and dump back to the same JSON, key order too;
the models mirror the store's typed objects field by field.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from starlette.testclient import TestClient

from researchdesk.accounts import new_api_token
from researchdesk.brief.render import FORMATS, renderer_for
from researchdesk.desk import open_desk
from researchdesk.models import Document, DocumentMeta, Evidence, SearchHit
from researchdesk.requests.scan import run_scan
from researchdesk.settings import Settings
from researchdesk.web import api, api_library
from researchdesk.web.api_models import (
    BriefChecked,
    BriefOut,
    BriefVersionOut,
    EventOut,
    EvidenceOut,
    HistoryOut,
    JobOut,
    Me,
    MemberListed,
    MemberRequestDetail,
    PlanOut,
    RequestDetail,
    RequestOut,
    ScanQueryOut,
    StaffListed,
)
from researchdesk.web.api_models_library import DocumentMetaOut, DocumentOut, SearchHitOut, SearchOut
from researchdesk.web.app import create_app
from researchdesk.web.config import WebSettings
from researchdesk.work import BriefVersion, Event, Job, Request, User
from test_web_fixtures import build_desk

PREFIX = "/api/v1"
# Operations that answer a file, not JSON: each declares the media type of every format instead.
FILE_OPERATIONS = {f"GET {PREFIX}/requests/{{request_id}}/brief/v{{version}}.{{fmt}}"}
PROMPT = "What are the barriers and facilitators of adopting local tobacco and smoke-free policies?"


def _refs(schema: Any) -> Iterator[str]:
    """Yield the component names a schema refers to, at any depth."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            yield schema["$ref"].rsplit("/", 1)[-1]
        for value in schema.values():
            yield from _refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _refs(value)


def _names_a_model(schema: dict[str, Any]) -> bool:
    """Return True for a named model, a list of named models, or a choice among those."""
    if "anyOf" in schema:
        return all(_names_a_model(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return _names_a_model(schema.get("items", {}))
    return set(schema) == {"$ref"}


def undeclared(spec: dict[str, Any]) -> list[str]:
    """Return the API operations whose success answer is not a declared, closed model, with why."""
    components = spec.get("components", {}).get("schemas", {})
    problems = []
    for path, operations in spec["paths"].items():
        if not path.startswith(PREFIX):
            continue
        for method, op in operations.items():
            label = f"{method.upper()} {path}"
            if label in FILE_OPERATIONS:
                continue
            success = [r for code, r in op["responses"].items() if code.startswith("2")]
            if len(success) != 1:
                problems.append(f"{label}: {len(success)} success answers")
                continue
            schema = success[0].get("content", {}).get("application/json", {}).get("schema", {})
            if not _names_a_model(schema):
                problems.append(f"{label}: answers {json.dumps(schema)}, not a model")
                continue
            seen, todo = set(), list(_refs(schema))
            while todo:
                name = todo.pop()
                if name in seen:
                    continue
                seen.add(name)
                model = components[name]
                if model.get("type") == "object" and model.get("additionalProperties") is not False:
                    problems.append(f"{label}: {name} is not closed (it allows fields it does not name)")
                todo.extend(_refs(model))
    return problems


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(home=tmp_path_factory.mktemp("spec") / "desk", embedder="none"), WebSettings())
    with TestClient(app) as client:
        answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


def test_every_json_operation_answers_a_declared_model(spec: dict[str, Any]) -> None:
    operations = [(p, m) for p, ops in spec["paths"].items() if p.startswith(PREFIX) for m in ops]
    assert len(operations) >= 27, "the description lost operations"
    assert undeclared(spec) == []


class OpenAnswer(BaseModel):
    """A model that lets any other field through (pydantic's default): not a closed answer."""

    anything: int


def test_a_route_returning_a_plain_dict_is_caught() -> None:
    loose = APIRouter(prefix=PREFIX)

    @loose.get("/loose")
    def loose_route() -> dict[str, Any]:
        return {"anything": 1}

    @loose.get("/unsaid")
    def unsaid_route():  # type: ignore[no-untyped-def]  # no annotation: an answer of any shape
        return {"anything": 1}

    @loose.get("/open")
    def open_route() -> OpenAnswer:
        return OpenAnswer(anything=1)

    app = FastAPI()
    app.include_router(api.router)
    app.include_router(api_library.router)
    app.include_router(loose)
    problems = undeclared(app.openapi())
    assert [p.split(":")[0] for p in problems] == [
        f"GET {PREFIX}/loose",
        f"GET {PREFIX}/unsaid",
        f"GET {PREFIX}/open",
    ], problems


def test_a_brief_download_declares_every_format(spec: dict[str, Any]) -> None:
    (label,) = FILE_OPERATIONS
    method, path = label.split(" ")
    content = spec["paths"][path][method.lower()]["responses"]["200"]["content"]
    assert set(content) == {renderer_for(f).media_type.split(";")[0] for f in FORMATS}


# The models that show all of an object's fields, in its order: a field added to the object must be
# added to its model (or the API decide to leave it out, here), never reach the API unseen.
MIRRORS: list[tuple[type[BaseModel], type[Any], set[str]]] = [
    (RequestOut, Request, set()),
    (EventOut, Event, set()),
    (BriefVersionOut, BriefVersion, set()),
    (EvidenceOut, Evidence, set()),
    (JobOut, Job, set()),
    (DocumentMetaOut, DocumentMeta, set()),
    (SearchHitOut, SearchHit, set()),
    (Me, User, {"active", "can_sign_in", "created_at", "password_changed_at"}),
    (DocumentOut, Document, {"text", "content_hash", "updated_at", "extra"}),
]


@pytest.mark.parametrize("model, source, left_out", MIRRORS, ids=[m.__name__ for m, _, _ in MIRRORS])
def test_models_mirror_the_store_objects(
    model: type[BaseModel], source: type[Any], left_out: set[str]
) -> None:
    shown = [f.name for f in dataclasses.fields(source) if f.name not in left_out]
    assert [n for n in model.model_fields if n in {f.name for f in dataclasses.fields(source)}] == shown


def _same(answer: Any, model: type[BaseModel]) -> None:
    """Assert the answer is exactly the model: it validates, and dumps back to the same JSON, key order too."""
    parsed = model.model_validate(answer)
    assert json.dumps(parsed.model_dump(mode="json")) == json.dumps(answer)


@pytest.fixture
def client(
    store_url: str, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str], int]]:
    """A web app on a small desk (SQLite, or PostgreSQL) with a scanned request; staff's and Ann's tokens."""
    settings, _ = build_desk(tmp_path / "desk", ("23_0283.htm", "24_0362.htm"), database_url=store_url)
    with open_desk(settings) as desk:
        staff = {"Authorization": f"Bearer {new_api_token(desk, 'staff@desk.example', 'test')}"}
        ann = {"Authorization": f"Bearer {new_api_token(desk, 'ann@lakeside.example', 'test')}"}
    app = create_app(settings, WebSettings(jobs_immediate=True))
    with TestClient(app) as c:
        rid = c.post(f"{PREFIX}/requests", json={"prompt": PROMPT}, headers=ann).json()["id"]
        with open_desk(settings) as desk:
            run_scan(desk, rid, "staff@desk.example")
            for detail in ({"message": 7}, {}):  # a file sent with a message, and one of the request's own
                file = {"name": "notes.txt", "digest": "0" * 64, "size": 5, "format": "text", **detail}
                desk.store.log_event(rid, "file", None, "attached", file, "ann@lakeside.example")
        yield c, staff, ann, rid


def test_answers_are_exactly_their_models(
    client: tuple[TestClient, dict[str, str], dict[str, str], int],
) -> None:
    c, staff, ann, rid = client
    _same(c.get(f"{PREFIX}/me", headers=ann).json(), Me)
    _same(c.post(f"{PREFIX}/requests", json={"prompt": "Shape?"}, headers=ann).json(), RequestOut)
    for item in c.get(f"{PREFIX}/requests", headers=staff).json():
        _same(item, StaffListed)
    for item in c.get(f"{PREFIX}/requests", headers=ann).json():
        _same(item, MemberListed)
    _same(c.get(f"{PREFIX}/requests/{rid}/plan", headers=staff).json(), PlanOut)
    for row in c.get(f"{PREFIX}/requests/{rid}/scan-log", headers=staff).json():
        _same(row, ScanQueryOut)
    evidence = c.get(f"{PREFIX}/requests/{rid}/evidence", headers=staff).json()
    assert evidence
    for item in evidence:
        _same(item, EvidenceOut)
    accepted = c.post(f"{PREFIX}/evidence/{evidence[0]['id']}/accept", headers=staff).json()
    _same(accepted, EvidenceOut)
    assert accepted["status"] == "accepted" and accepted["pieces"] == evidence[0]["pieces"]
    drafted = c.post(f"{PREFIX}/requests/{rid}/brief", headers=staff)
    assert drafted.status_code == 201
    _same(drafted.json(), BriefChecked)
    _same(c.get(f"{PREFIX}/requests/{rid}/brief/v1", headers=staff).json(), BriefOut)

    for_staff = c.get(f"{PREFIX}/requests/{rid}", headers=staff).json()
    _same(for_staff, RequestDetail)
    for_member = c.get(f"{PREFIX}/requests/{rid}", headers=ann).json()
    _same(for_member, MemberRequestDetail)
    assert "plan" in for_staff and "plan" not in for_member
    # A file keeps its message only when it came with one; its stored digest is never shown.
    assert [list(f) for f in for_member["files"]] == [
        ["id", "name", "size", "format", "message", "who", "at"],
        ["id", "name", "size", "format", "who", "at"],
    ]
    _same(c.get(f"{PREFIX}/requests/{rid}/history", headers=staff).json(), HistoryOut)

    found = c.get(f"{PREFIX}/search", params={"q": "tobacco policy", "top": 3}, headers=staff).json()
    _same(found, SearchOut)
    assert found["hits"]
    _same(c.get(f"{PREFIX}/documents/{found['hits'][0]['document_id']}", headers=staff).json(), DocumentOut)
    jobs = c.get(f"{PREFIX}/jobs", headers=staff).json()
    assert jobs
    for job in jobs:
        _same(job, JobOut)
