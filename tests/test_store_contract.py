"""The store contract, run on SQLite and on PostgreSQL (RESEARCHDESK_TEST_DATABASE_URL selects the server).

Every test takes ``store_url`` ("" = SQLite desk; else an emptied PostgreSQL database) and works on
a desk opened with it, through the same functions the CLI and web app call.
"""

from __future__ import annotations

import html
import io
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SAMPLE_LIBRARY
from researchdesk.desk import Desk, init_desk, open_desk
from researchdesk.errors import (
    AlreadyExists,
    ConstraintError,
    DocumentNotFound,
    EvidenceNotFound,
    InputError,
    NotFound,
    SchemaError,
    WorkflowError,
)
from researchdesk.evidence import desk_model
from researchdesk.evidence.review import accept, reject, relabel, resolve, undo, verify_all
from researchdesk.evidence.review_examples import training_examples
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.library import check_library
from researchdesk.models import (
    Decision,
    DocumentEdit,
    DocumentMeta,
    Evidence,
    Passage,
    Role,
    Sentence,
    SourceType,
    normalize_title,
)
from researchdesk.requests.workflow import add_member, add_person, file_request, set_status
from researchdesk.search import Filters, SearchIndex, get_embedder
from researchdesk.search.desk import search, sync_index
from researchdesk.search.fusion import fuse
from researchdesk.settings import SearchSettings, Settings
from researchdesk.store import schema
from researchdesk.store.integrity import integrity_errors
from researchdesk.work import (
    ApiToken,
    BriefStatus,
    BriefVersion,
    Event,
    JobStatus,
    Organization,
    OrganizationKind,
    RequestStatus,
    ScanQuery,
    Session,
    UserRole,
)

SAMPLE_FILES = sorted(SAMPLE_LIBRARY.glob("*.htm*"))[:3]


def settings_for(home: Path, url: str, embedder: str = "none") -> Settings:
    return Settings(home=home, database_url=url, embedder=embedder)


@pytest.fixture
def desk(tmp_path: Path, store_url: str) -> Iterator[Desk]:
    d = init_desk(settings_for(tmp_path / "desk", store_url))
    yield d
    d.close()


@pytest.fixture
def library_desk(desk: Desk) -> Desk:
    report = ingest_paths(desk, SAMPLE_FILES)
    assert report.added == len(SAMPLE_FILES)
    return desk


def _synthetic_document(desk: Desk, n: int) -> int:
    text = f"Document {n}. Local health departments built coalitions. Funding was a barrier number {n}."
    passages = [Passage(document_id=0, seq=0, start=0, end=len(text), text=text)]
    sentences = [Sentence(0, 0, 0, 13)]
    return desk.store.add_document(
        DocumentMeta(title=f"Synthetic report {n}", source_type=SourceType.REPORT, date="2023-05"),
        text,
        content_hash=f"hash-{n}",
        file_name=f"s{n}.txt",
        fmt="text",
        size=len(text),
        pages=0,
        passages=passages,
        sentences=sentences,
    )


def _request(desk: Desk) -> int:
    add_member(desk, "Springfield City", "city")
    add_person(desk, "Ann Analyst", "Ann@Springfield.gov", "Springfield City")
    return file_request(
        desk, "Springfield City", "What helps cross-sector coalitions last?", "ann@springfield.gov"
    )


def _evidence(doc_id: int, passage_id: int, request_id: int, start: int, end: int, quote: str) -> Evidence:
    return Evidence(
        document_id=doc_id,
        passage_id=passage_id,
        start=start,
        end=end,
        quote=quote,
        role=Role.BARRIER,
        confidence=0.8,
        reason="cue: barrier",
        codes=["resources"],
        request_id=request_id,
    )


# --- schema ------------------------------------------------------------------------------------


def test_a_new_desk_is_at_the_latest_schema(desk: Desk) -> None:
    assert desk.store.schema_version() == schema.LATEST
    assert desk.store.integrity_check() == "ok"


def test_a_server_database_on_an_old_schema_refuses_to_open_until_migrated(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not store_url:
        pytest.skip("SQLite migrates itself on open (after a backup copy); tested in test_ingest")
    from researchdesk.store.postgres import PostgresStore

    settings = settings_for(tmp_path / "desk", store_url)
    latest = schema.LATEST
    with monkeypatch.context() as m:  # a database made by the previous release
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:-1])
        m.setattr(schema, "LATEST", latest - 1)
        init_desk(settings).close()
    with pytest.raises(SchemaError) as caught:
        open_desk(settings)
    assert "researchdesk db migrate" in str(caught.value)
    assert f"version {latest - 1}" in str(caught.value)
    store = PostgresStore(store_url, check=False)
    assert store.pending_migrations() == [latest]
    assert store.migrate() == [latest]
    assert store.migrate() == []
    store.close()
    open_desk(settings).close()


def test_an_appended_migration_applies_on_both_stores(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from researchdesk.store import dialect, sql_catalog

    init_desk(settings_for(tmp_path / "desk", store_url)).close()
    extra = """
    ALTER TABLE evidence ADD COLUMN weight REAL NOT NULL DEFAULT 1.0;
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
        tag TEXT NOT NULL COLLATE NOCASE UNIQUE,
        end INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX notes_open ON notes(evidence_id) WHERE end = 0;
    """
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, extra))
    monkeypatch.setattr(schema, "LATEST", len(schema.MIGRATIONS))
    sql_catalog.schema_catalog.cache_clear()
    dialect.translate.cache_clear()
    sql_catalog.reserved_columns.cache_clear()
    try:
        settings = settings_for(tmp_path / "desk", store_url)
        if store_url:
            from researchdesk.store.postgres import PostgresStore

            with pytest.raises(SchemaError):
                open_desk(settings)
            store = PostgresStore(store_url, check=False)
            assert store.migrate() == [schema.LATEST]
            store.close()
        d = open_desk(settings)
        assert d.store.schema_version() == schema.LATEST
        doc = _synthetic_document(d, 1)
        rid = _request(d)
        pid = d.store.passages(doc)[0].id
        [eid] = d.store.add_evidence([_evidence(doc, pid, rid, 0, 11, "Document 1.")], "t")
        d.store.conn.execute("INSERT INTO notes (evidence_id, tag, end) VALUES (?,?,?)", (eid, "Funding", 3))
        with pytest.raises(AlreadyExists, match="row of notes"), d.store.transaction() as conn:
            conn.execute("INSERT INTO notes (evidence_id, tag) VALUES (?,?)", (eid, "FUNDING"))
        row = d.store.conn.execute("SELECT tag, end FROM notes WHERE tag=?", ("funding",)).fetchone()
        assert (row["tag"], row["end"]) == ("Funding", 3)
        assert d.store.conn.execute("SELECT weight FROM evidence").fetchone()[0] == 1.0
        d.close()
    finally:
        monkeypatch.undo()
        sql_catalog.schema_catalog.cache_clear()
        dialect.translate.cache_clear()
        sql_catalog.reserved_columns.cache_clear()


# --- library rows ------------------------------------------------------------------------------


def test_documents_passages_and_sentences_round_trip(library_desk: Desk) -> None:
    store = library_desk.store
    docs = store.documents(with_text=True)
    assert len(docs) == len(SAMPLE_FILES) == store.count_documents()
    for doc in docs:
        again = store.get_document(doc.id)
        assert again == doc
        passages = store.passages(doc.id)
        assert passages and all(doc.text[p.start : p.end] == p.text for p in passages)
        assert store.passages_by_id([p.id for p in passages]) == {p.id: p for p in passages}
        sentences = store.sentences(doc.id)
        assert sentences and all(0 <= s.start < s.end <= len(doc.text) for s in sentences)
        assert store.find_duplicate(doc.content_hash, "", "") == (doc.id, "same content")
        if normalize_title(doc.meta.title):
            assert doc.id in store.documents_titled(normalize_title(doc.meta.title))
    assert store.documents_titled("") == [] and store.documents_titled("no document has this title") == []
    indexed = list(store.iter_indexed_passages())
    assert [p.passage_id for p in indexed] == sorted(p.passage_id for p in indexed)
    assert len(indexed) == store.count_passages() == store.stats().passages
    assert check_library(library_desk).ok


def test_metadata_edits_are_kept_and_removal_cascades(library_desk: Desk) -> None:
    store = library_desk.store
    doc = store.documents()[0]
    changed = store.update_document_meta(
        doc.id, {"title": "A corrected title", "authors": ["A. B."]}, "staff"
    )
    assert changed.meta.title == "A corrected title" and changed.meta.authors == ["A. B."]
    edits = store.document_edits(doc.id)
    assert [e.field for e in edits] == ["title", "authors"] and all(type(e) is DocumentEdit for e in edits)
    assert edits[0].old == doc.meta.title and edits[0].new == "A corrected title" and edits[0].who == "staff"
    assert edits[1].new == '["A. B."]' and edits[1].at  # lists are kept as their JSON text
    store.remove_document(doc.id)
    assert doc.id not in store.document_ids()
    assert store.passages(doc.id) == [] and store.sentences(doc.id) == []
    assert store.document_edits(doc.id) == []


# --- members, requests, evidence, briefs, accounts ---------------------------------------------


def test_member_names_and_emails_match_without_regard_to_case(desk: Desk) -> None:
    _request(desk)
    springfield = desk.store.organization("SPRINGFIELD city")
    assert type(springfield) is Organization and springfield.name == "Springfield City"
    assert springfield.kind is OrganizationKind.CITY and springfield.active is True
    assert desk.store.organization(springfield.id) == springfield
    # `member list --json` prints what the row held: the kind plain, active as stored (1 or 0).
    assert springfield.to_dict() == {
        "id": springfield.id,
        "name": "Springfield City",
        "kind": "city",
        "active": 1,
        "created_at": springfield.created_at,
    }
    assert desk.store.person("ann@springfield.GOV").name == "Ann Analyst"
    with pytest.raises(AlreadyExists) as taken:
        desk.store.add_organization("springfield CITY", "city")
    assert str(taken.value.message) == (
        "A member organization with the name 'springfield CITY' already exists; nothing was saved."
    )
    assert "researchdesk member list" in taken.value.hint and taken.value.status == 409
    add_member(desk, "albany County", "county", active=False)
    orgs = desk.store.organizations()
    assert [(o.name, o.kind, o.active) for o in orgs] == [
        ("albany County", OrganizationKind.COUNTY, False),
        ("Springfield City", OrganizationKind.CITY, True),
    ]
    assert orgs[0].to_dict()["active"] == 0


def test_duplicates_and_broken_rules_are_errors_of_the_desk_on_both_stores(desk: Desk) -> None:
    """A driver's integrity error (sqlite3's or psycopg's) never reaches a caller: the store maps it."""
    _request(desk)
    with pytest.raises(AlreadyExists, match=r"person with the email 'ANN@springfield\.gov'") as taken:
        add_person(desk, "Ann Again", "ANN@springfield.gov", "Springfield City")
    assert isinstance(taken.value.__cause__, integrity_errors())  # the driver's own error, kept as the cause
    assert [p.name for p in desk.store.people()] == ["Ann Analyst"]  # nothing half-saved
    with pytest.raises(ConstraintError, match="nothing was saved"), desk.store.transaction() as conn:
        conn.execute(
            """INSERT INTO users (name, email, password_hash, organization_id, role, created_at,
               password_changed_at) VALUES (?,?,?,?,?,?,?)""",
            ("Nobody", "nobody@nowhere.example", "", 999_999, "member", "2024-01-01T00:00:00+00:00", ""),
        )
    assert "nobody@nowhere.example" not in [p.email for p in desk.store.people()]


def test_a_write_outside_a_transaction_is_mapped_too(desk: Desk) -> None:
    """The connection itself maps: a statement run on its own (autocommit) cannot leak a driver's error."""
    add_member(desk, "Springfield City", "city")
    with pytest.raises(AlreadyExists, match="member organization with that name already exists") as taken:
        desk.store.conn.execute(
            "INSERT INTO organizations (name, kind, active, created_at) VALUES (?,?,?,?)",
            ("SPRINGFIELD CITY", "city", 1, "2024-01-01T00:00:00+00:00"),
        )
    assert isinstance(taken.value.__cause__, integrity_errors())
    assert [o.name for o in desk.store.organizations()] == ["Springfield City"]


def test_a_duplicate_member_from_the_command_line_is_a_clear_error(tmp_path: Path, store_url: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "RESEARCHDESK_EMBEDDER": "none"}
    if store_url:
        env["RESEARCHDESK_DATABASE_URL"] = store_url

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "researchdesk", "--home", str(tmp_path / "desk"), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)

    assert cli("init").returncode == 0
    assert cli("member", "add", "Springfield City").returncode == 0
    again = cli("member", "add", "springfield city")
    assert again.returncode == 2 and "Traceback" not in again.stderr and "IntegrityError" not in again.stderr
    said = " ".join(again.stderr.split())
    assert "A member organization with the name 'springfield city' already exists; nothing was saved." in said
    assert "researchdesk member list" in said


def test_a_taken_email_in_the_admin_form_is_a_clear_error(tmp_path: Path, store_url: str) -> None:
    from starlette.testclient import TestClient

    from researchdesk.accounts import create_user
    from researchdesk.web.app import create_app
    from researchdesk.web.config import WebSettings
    from test_web_fixtures import PASSWORD, sign_in

    settings = settings_for(tmp_path / "desk", store_url)
    with init_desk(settings) as d:
        create_user(d, "admin@desk.example", PASSWORD, "admin", name="Ada Admin")
    with TestClient(
        create_app(settings, WebSettings(jobs_immediate=True)), base_url="https://testserver"
    ) as web:
        token = sign_in(web, "admin@desk.example")
        form = {
            "csrf": token,
            "email": "ADMIN@desk.example",
            "role": "staff",
            "password": "another long password",
        }
        taken = web.post("/admin/users", data=form)
    assert taken.status_code == 409, taken.text
    page = " ".join(html.unescape(taken.text).split())
    assert "A user with the email 'ADMIN@desk.example' already exists; nothing was saved." in page
    assert "researchdesk user reset-password" in page
    with open_desk(settings) as d:
        assert [u.email for u in d.store.users()] == ["admin@desk.example"]


def test_verification_verdicts_go_through_the_store_with_their_history(desk: Desk) -> None:
    doc = _synthetic_document(desk, 1)
    rid = _request(desk)
    pid = desk.store.passages(doc)[0].id
    said, unsaid = desk.store.add_evidence(
        [
            _evidence(doc, pid, rid, 0, 11, "Document 1."),
            _evidence(doc, pid, rid, 12, 40, "Councils banned every vape."),
        ],
        "t",
    )

    def verified(eid: int) -> list[Event]:
        return [e for e in desk.store.evidence_history(eid) if e.action == "verified"]

    def stored(eid: int) -> str:
        return str(
            desk.store.conn.execute("SELECT verification FROM evidence WHERE id=?", (eid,)).fetchone()[0]
        )

    assert {o.evidence_id: o.status for o in verify_all(desk, rid)} == {said: "exact", unsaid: "not found"}
    assert (stored(said), stored(unsaid)) == ("exact", "not found")
    assert verified(said) == []  # an unchanged verdict writes nothing
    [event] = verified(unsaid)
    assert event.who == "verify" and event.request_id == rid
    assert event.detail == {"verification": {"old": "exact", "new": "not found"}}
    verify_all(desk, rid)
    assert len(verified(unsaid)) == 1  # the same verdict again: nothing new in the history
    with pytest.raises(EvidenceNotFound):
        desk.store.set_verification(999_999, "exact", "verify")


def test_request_versions_events_and_conflicts(desk: Desk) -> None:
    rid = _request(desk)
    assert desk.store.request(rid).version == 1
    assert set_status(desk, rid, "scoping", "staff", expected_version=1) == 2
    with pytest.raises(WorkflowError, match="changed by someone else"):
        set_status(desk, rid, "researching", "other", expected_version=1)
    desk.store.update_request(rid, {"plan": {"topic": "coalitions"}}, "staff", "plan")
    req = desk.store.request(rid)
    assert req.status is RequestStatus.SCOPING and req.plan == {"topic": "coalitions"} and req.version == 3
    assert (
        req.organization == "Springfield City" and str(req.requester_email).lower() == "ann@springfield.gov"
    )
    assert [e.action for e in desk.store.events(rid)] == ["filed", "status received → scoping", "plan"]
    assert [r.id for r in desk.store.requests("scoping")] == [rid]


def test_request_lists_page_count_and_filter_by_assignee(desk: Desk) -> None:
    ids = [_request(desk)]
    ids += [file_request(desk, "Springfield City", f"Question {i}?", "ann@springfield.gov") for i in range(4)]
    desk.store.update_request(ids[1], {"assignee": "sam@desk.example"}, "staff", "assign")
    set_status(desk, ids[2], "scoping", "staff")
    everything = [r.id for r in desk.store.requests()]
    assert [r.id for r in desk.store.requests(limit=2)] == everything[:2]
    assert [r.id for r in desk.store.requests(limit=2, offset=4)] == everything[4:]
    assert desk.store.request_counts() == {"received": 4, "scoping": 1}
    assert desk.store.request_counts("sam@desk.example") == {"received": 1}
    assert [r.id for r in desk.store.requests("received", "sam@desk.example")] == [ids[1]]
    org = desk.store.request(ids[0]).organization_id
    assert desk.store.count_requests_of(org) == 5
    assert [r.id for r in desk.store.requests_of(org, limit=2, offset=1)] == sorted(ids, reverse=True)[1:3]
    assert desk.store.requests_of(org, "scoping") == [desk.store.request(ids[2])]  # the same whole request
    assert desk.store.requests("received", "sam@desk.example") == [desk.store.request(ids[1])]
    assert desk.store.count_requests_of(org, "received") == 4


def test_event_log_pages_and_filters_by_subject(desk: Desk) -> None:
    rid = _request(desk)
    for i in range(5):
        desk.store.update_request(rid, {"context": f"note {i}"}, "staff", f"context {i}")
    desk.store.log_event(rid, "file", 7, "attached", {"name": "notes.txt"}, "ann")
    actions = [e.action for e in desk.store.events(rid)]
    assert actions == ["filed", *(f"context {i}" for i in range(5)), "attached"]
    assert desk.store.count_events(rid) == 7 and desk.store.count_events(rid, ("file",)) == 1
    assert [e.action for e in desk.store.events(rid, limit=2, offset=1)] == actions[1:3]
    newest = desk.store.events(rid, limit=3, newest_first=True)
    assert [e.action for e in newest] == actions[::-1][:3]
    [attached] = desk.store.events(rid, ("file",))
    assert attached.detail == {"name": "notes.txt"} and (attached.subject, attached.subject_id) == ("file", 7)
    assert attached.request_id == rid and attached.who == "ann"
    assert desk.store.events(rid, ()) == [] and desk.store.count_events(rid, ()) == 0


def test_titles_and_text_spans_are_read_without_the_whole_catalogue(library_desk: Desk) -> None:
    store = library_desk.store
    docs = store.documents(with_text=True)
    first, last = docs[0], docs[-1]
    titles = store.document_titles([first.id, last.id, 10**9])
    assert titles == {d.id: d.meta.title or d.file_name for d in (first, last)}
    assert store.document_titles([]) == {}
    text = last.text
    assert store.text_span(last.id, 10, 60) == text[10:60]
    assert store.text_span(last.id, len(text) - 5, len(text) + 50) == text[-5:]
    assert store.text_span(last.id, len(text) + 5, len(text) + 50) == ""
    assert store.text_span(last.id, 30, 30) == "" and store.text_span(last.id, -10, 5) == text[:5]
    with pytest.raises(DocumentNotFound):
        store.text_span(10**9, 0, 10)


def test_evidence_is_not_duplicated_and_every_change_is_logged(desk: Desk) -> None:
    rid = _request(desk)
    doc = _synthetic_document(desk, 1)
    pid = desk.store.passages(doc)[0].id
    first = desk.store.add_evidence([_evidence(doc, pid, rid, 0, 11, "Document 1.")], "scan")
    again = desk.store.add_evidence(
        [_evidence(doc, pid, rid, 0, 11, "Document 1."), _evidence(doc, pid, rid, 12, 20, "Local he")], "scan"
    )
    assert len(first) == 1 and len(again) == 1 and again[0] != first[0]
    desk.store.update_evidence(first[0], {"status": "accepted", "codes": ["a", "b"]}, "rev", "accepted")
    got = desk.store.evidence(first[0])
    assert str(got.status) == "accepted" and got.codes == ["a", "b"] and got.end == 11
    history = desk.store.evidence_history(first[0])
    assert history[-1].detail["status"] == {"old": "suggested", "new": "accepted"}
    desk.store.set_reviewer_label(first[0], "rev", "barrier")
    desk.store.set_reviewer_label(first[0], "rev", "facilitator")  # replaces, not duplicates
    assert desk.store.reviewer_labels("rev") == {first[0]: "facilitator"}
    assert [e.id for e in desk.store.evidence_for(rid, status="accepted")] == [first[0]]


def test_scan_log_and_brief_versions(desk: Desk) -> None:
    rid = _request(desk)
    run = desk.store.next_scan_run(rid)
    desk.store.add_scan_entry(
        rid, run, "barriers", "funding barrier", {"date_from": "2020"}, "hybrid", 4, [1, 2]
    )
    [query] = desk.store.scan_log(rid)
    assert type(query) is ScanQuery and query.filters == {"date_from": "2020"} and query.documents == [1, 2]
    assert (query.request_id, query.run, query.facet, query.mode, query.passages) == (
        rid,
        run,
        "barriers",
        "hybrid",
        4,
    )
    # The API and the history export answer the keys the rows had, in the same order.
    assert list(query.to_dict()) == [
        "id",
        "request_id",
        "run",
        "facet",
        "query",
        "filters",
        "mode",
        "passages",
        "documents",
        "at",
    ]
    assert desk.store.scan_log(rid, run + 1) == []
    assert desk.store.next_scan_run(rid) == run + 1
    assert desk.store.add_brief(rid, {"title": "v1"}, {"ok": False}, "staff") == 1
    assert desk.store.add_brief(rid, {"title": "v2"}, {}, "staff") == 2
    desk.store.mark_brief_delivered(rid, 2, 99, "staff")
    latest = desk.store.latest_brief(rid)
    assert latest is not None and latest.version == 2 and latest.status is BriefStatus.DELIVERED
    assert latest.is_delivered and latest.document_id == 99 and latest.delivered_at
    assert latest.body == {"title": "v2"} and latest.check_report == {}
    first = desk.store.brief_version(rid, 1)
    assert first is not None and first.status is BriefStatus.DRAFT and not first.is_delivered
    assert first.body == {"title": "v1"} and first.check_report == {"ok": False}
    assert first.document_id is None and first.delivered_at == ""
    assert desk.store.brief_version(rid, 3) is None
    versions = desk.store.brief_versions(rid)
    assert [b.version for b in versions] == [2, 1]
    assert all(type(b) is BriefVersion for b in versions)  # a list of versions leaves the text out
    # The API and the history export answer the same JSON as the rows did: no text, the status plain.
    assert versions[1].to_dict() == {
        "request_id": rid,
        "version": 1,
        "status": "draft",
        "document_id": None,
        "created_at": first.created_at,
        "delivered_at": "",
        "check_report": {"ok": False},
    }
    assert latest.to_dict()["body"] == {"title": "v2"} and latest.to_dict()["status"] == "delivered"


def test_accounts_sessions_and_jobs(desk: Desk) -> None:
    org = add_member(desk, "Springfield City", "city")
    uid = desk.store.add_user("Staff@Desk.org", "Staff", "argon2-hash", "staff", org)
    staff = desk.store.user("staff@desk.ORG")
    assert staff == desk.store.user(uid) and staff.id == uid and staff.email == "Staff@Desk.org"
    assert staff.role is UserRole.STAFF and staff.is_staff and not staff.is_admin and staff.active
    assert (staff.organization_id, staff.organization) == (org, "Springfield City")
    assert staff.created_at and staff.password_changed_at
    admin = desk.store.user(desk.store.add_user("a@desk.org", "", "argon2-hash", "admin", None))
    assert admin.is_admin and admin.organization_id is None and admin.organization is None
    desk.store.set_user_active(admin.id, False)
    assert {u.email: u.active for u in desk.store.users()} == {"a@desk.org": False, "Staff@Desk.org": True}
    with pytest.raises(NotFound, match=r"No user 'nobody@desk\.org'"):
        desk.store.user("nobody@desk.org")
    # The CLI's `user list --json` prints what the rows did: the role plain, active as stored (1 or 0).
    assert staff.to_dict() == {**staff.shown(staff.ACCOUNT_FIELDS), "can_sign_in": True}
    assert staff.shown(staff.ACCOUNT_FIELDS) == {
        "id": uid,
        "email": "Staff@Desk.org",
        "name": "Staff",
        "role": "staff",
        "organization_id": org,
        "active": 1,
        "created_at": staff.created_at,
        "password_changed_at": staff.password_changed_at,
        "organization": "Springfield City",
    }
    assert desk.store.password_hash("STAFF@desk.org") == (uid, "argon2-hash")
    desk.store.add_session("s-hash", uid, "csrf", "2999-01-01T00:00:00+00:00")
    session = desk.store.session("s-hash", "2024-01-01")
    assert type(session) is Session and session.created_at
    assert (session.user_id, session.csrf, session.expires_at) == (uid, "csrf", "2999-01-01T00:00:00+00:00")
    assert desk.store.session("s-hash", "3000-01-01") is None  # expired by then
    desk.store.add_api_token(uid, "token-hash", "laptop")
    [token] = desk.store.api_tokens(uid)
    assert type(token) is ApiToken and (token.user_id, token.name, token.last_used_at) == (uid, "laptop", "")
    assert "token-hash" not in token.to_dict().values() and token.created_at
    assert desk.store.token_user("token-hash") == uid and desk.store.api_tokens(uid)[0].last_used_at
    assert desk.store.api_tokens(admin.id) == []
    for n in range(3):
        desk.store.add_job(f"job-{n}", "ingest", {"n": n}, "staff")
    # Same second: newest first by insertion order (SQLite's rowid, a hidden identity on the server).
    assert [j.id for j in desk.store.jobs()] == ["job-2", "job-1", "job-0"]
    first = desk.store.job("job-0")
    assert first.status is JobStatus.QUEUED and first.args == {"n": 0} and first.result == {}
    assert "rowid" not in first.to_dict()
    assert [r["id"] for r in desk.store.iter_rows("jobs")] == ["job-0", "job-1", "job-2"]


# --- concurrency -------------------------------------------------------------------------------


def test_two_staff_changing_a_status_at_once_one_wins_one_gets_a_conflict(
    tmp_path: Path, store_url: str
) -> None:
    settings = settings_for(tmp_path / "desk", store_url)
    setup = init_desk(settings)
    rids = [_request(setup)] + [
        file_request(setup, "Springfield City", f"Question {n}", "ann@springfield.gov") for n in range(4)
    ]
    setup.close()

    def change(d: Desk, rid: int, status: str, barrier: threading.Barrier, outcomes: list[object]) -> None:
        version = d.store.request(rid).version
        barrier.wait()  # both have read version 1 before either writes
        try:
            outcomes.append(set_status(d, rid, status, "staff", reason="not ours", expected_version=version))
        except WorkflowError as exc:
            outcomes.append(exc)

    for rid in rids:
        desks = [open_desk(settings), open_desk(settings)]  # two processes' worth of connections
        barrier = threading.Barrier(2)
        outcomes: list[object] = []
        threads = [
            threading.Thread(target=change, args=(d, rid, s, barrier, outcomes))
            for d, s in zip(desks, ("scoping", "declined"), strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wins = [o for o in outcomes if isinstance(o, int)]
        conflicts = [o for o in outcomes if isinstance(o, WorkflowError)]
        assert wins == [2] and len(conflicts) == 1, outcomes
        req = desks[0].store.request(rid)
        assert req.version == 2
        assert len(desks[0].store.events(rid)) == 2  # filed + the one change that won
        for d in desks:
            d.close()


def test_ingest_and_evidence_review_at_once_lose_nothing(tmp_path: Path, store_url: str) -> None:
    settings = settings_for(tmp_path / "desk", store_url)
    setup = init_desk(settings)
    rid = _request(setup)
    doc = _synthetic_document(setup, 0)
    pid = setup.store.passages(doc)[0].id
    ids = setup.store.add_evidence([_evidence(doc, pid, rid, i, i + 5, f"q{i}") for i in range(20)], "scan")
    setup.close()
    errors: list[BaseException] = []

    def ingest() -> None:
        d = open_desk(settings)
        try:
            for n in range(1, 41):
                _synthetic_document(d, n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            d.close()

    def review() -> None:
        d = open_desk(settings)
        try:
            for round_ in range(3):
                for eid in ids:
                    d.store.update_evidence(eid, {"label": f"round {round_}"}, "rev", "relabelled")
        except BaseException as exc:
            errors.append(exc)
        finally:
            d.close()

    threads = [threading.Thread(target=ingest), threading.Thread(target=review)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    d = open_desk(settings)
    assert d.store.count_documents() == 41
    assert d.store.count_passages() == 41
    assert {d.store.evidence(eid).label for eid in ids} == {"round 2"}
    assert all(len(d.store.evidence_history(eid)) == 3 for eid in ids)
    d.close()


# --- search ------------------------------------------------------------------------------------


def test_lexical_search_and_filters_behave_alike_on_both_stores(library_desk: Desk) -> None:
    settings = library_desk.settings
    index = sync_index(library_desk.store, settings)
    assert len(index) == library_desk.store.count_passages()
    results = index.search("tobacco", mode="lexical", top_k=10, max_per_document=None, expand=False)
    assert results.hits, results.notes
    assert all("tobacco" in " ".join(h.matched_terms) for h in results.hits)
    assert [h.rank for h in results.hits] == list(range(1, len(results.hits) + 1))
    docs = library_desk.store.documents()
    one = docs[0].id
    only = index.search("health", mode="lexical", filters=Filters(document_ids=(one,)))
    assert only.hits and {h.document_id for h in only.hits} == {one}
    none = index.search("health", mode="lexical", filters=Filters(source_types=("our product",)))
    assert none.hits == [] and any("No document" in n for n in none.notes)
    capped = index.search("health", mode="lexical", top_k=20, max_per_document=2)
    per_doc: dict[int, int] = {}
    for h in capped.hits:
        per_doc[h.document_id] = per_doc.get(h.document_id, 0) + 1
    assert max(per_doc.values()) <= 2
    hybrid = search(library_desk.store, settings, "health", mode="hybrid")
    assert hybrid.mode == "lexical" and any("Semantic search is off" in n for n in hybrid.notes)


def test_search_tuning_is_the_settings_search_section_on_both_stores(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RESEARCHDESK_SEARCH__* reach both backends: the per-document cap and the fusion's weights."""
    monkeypatch.setenv("RESEARCHDESK_SEARCH__MAX_PER_DOCUMENT", "1")
    monkeypatch.setenv("RESEARCHDESK_SEARCH__LEXICAL_WEIGHT", "0.5")
    with init_desk(settings_for(tmp_path / "desk", store_url)) as d:
        assert d.settings.search == SearchSettings(max_per_document=1, lexical_weight=0.5)
        ingest_paths(d, SAMPLE_FILES)
        index = sync_index(d.store, d.settings, embed=False)
        assert index.tuning == d.settings.search and index.fusion.lexical_weight == 0.5
        capped = index.search("health policy community", mode="lexical", top_k=10).hits
        documents = [h.document_id for h in capped]
        assert len(documents) == len(set(documents)) == len(SAMPLE_FILES)  # one passage a document
        uncapped = index.search(
            "health policy community", mode="lexical", top_k=10, max_per_document=None
        ).hits
        assert len(uncapped) == 10 and len({h.document_id for h in uncapped}) < 10
        assert (
            search(d.store, d.settings, "health policy community", mode="lexical", index=index).hits == capped
        )
        index.close()


def test_search_follows_removals_and_title_changes(library_desk: Desk) -> None:
    store = library_desk.store
    settings = library_desk.settings
    sync_index(store, settings)
    doc = store.documents()[0]
    word = store.passages(doc.id)[-1].text.split()[-1].strip(".,;:()").lower()
    store.update_document_meta(doc.id, {"title": "Zanzibarian quokka survey"}, "staff")
    index = sync_index(store, settings)
    if (
        store.dialect == "postgresql"
    ):  # the embedded index keeps titles as indexed; the server reads them live
        filtered = index.search(word, mode="lexical", filters=Filters(document_ids=(doc.id,)), expand=False)
        assert filtered.hits and {h.title for h in filtered.hits} == {"Zanzibarian quokka survey"}
        # A title word ranks the document's passages that match on their own text, never alone.
        assert index.search("quokka", mode="lexical").hits == []
    store.remove_document(doc.id)
    index = sync_index(store, settings)
    assert doc.id not in index.document_ids()
    assert all(h.document_id != doc.id for h in index.search(word, mode="lexical", top_k=50).hits)


@pytest.mark.slow
def test_hybrid_search_fuses_lexical_and_semantic_ranks(tmp_path: Path, store_url: str) -> None:
    d = init_desk(settings_for(tmp_path / "desk", store_url, embedder="minilm"))
    ingest_paths(d, SAMPLE_FILES[:2])
    index = sync_index(d.store, d.settings)
    assert index.semantic_ready
    results = index.search("working with lawmakers on health policy", top_k=8, max_per_document=None)
    assert results.mode == "hybrid"
    assert any(h.lexical_rank for h in results.hits) and any(h.semantic_rank for h in results.hits)
    assert [h.score for h in results.hits] == sorted((h.score for h in results.hits), reverse=True)
    semantic = index.search("working with lawmakers", mode="semantic", top_k=3)
    assert len(semantic.hits) == 3 and all(h.semantic_rank for h in semantic.hits)
    # Both stores fuse through fusion.fuse: the hybrid is the fusion of the store's own two lists
    # (PostgreSQL's ts_rank scores standardized as BM25's are in the embedded index).
    query = "working with lawmakers on health policy"
    lists = [
        index.search(
            query, mode=mode, top_k=SearchSettings().fusion_depth, max_per_document=None, feedback=False
        ).hits
        for mode in ("lexical", "semantic")
    ]
    assert lists[0] and lists[1]
    lexical, semantic_list = ([(h.passage_id, h.score) for h in hits] for hits in lists)
    fused = fuse(
        [p for p, _ in lexical],
        [x for _, x in lexical],
        [p for p, _ in semantic_list],
        [x for _, x in semantic_list],
        index.fusion,
    )
    hybrid = index.search(query, top_k=8, max_per_document=None, feedback=False).hits
    assert [h.passage_id for h in hybrid] == [p for p, _ in fused[:8]]
    # Embedding feedback (the top 1 in 100 of 253 passages) moves the query alike on both stores.
    assert d.store.count_passages() >= 200
    embedded = SearchIndex.build(d.store.iter_indexed_passages(), get_embedder("minilm"))
    for feedback in (True, False):
        ours = index.search("working with lawmakers", mode="semantic", top_k=8, feedback=feedback)
        ref = embedded.search("working with lawmakers", mode="semantic", top_k=8, feedback=feedback)
        assert [h.passage_id for h in ours.hits] == [h.passage_id for h in ref.hits]
    d.close()


def _reviewed_desk(desk: Desk) -> tuple[int, list[int]]:
    """A request whose suggestions a reviewer decided: a finding kept from every document, the
    document's bare opening line dropped; return (request id, evidence ids in pairs)."""
    rid = _request(desk)
    ids: list[int] = []
    for n in range(1, 13):
        doc = _synthetic_document(desk, n)
        pid = desk.store.passages(doc)[0].id
        opening = f"Document {n}."
        finding = "Local health departments built coalitions."
        start = len(opening) + 1
        ids += desk.store.add_evidence(
            [
                _evidence(doc, pid, rid, 0, len(opening), opening),
                _evidence(doc, pid, rid, start, start + len(finding), finding),
            ],
            "scan",
        )
    for dropped, kept in zip(ids[::2], ids[1::2], strict=True):
        reject(desk, dropped, "ann")
        relabel(desk, kept, "ann", role="facilitator")
    return rid, ids


def test_review_decisions_are_labels_the_desk_model_learns_from(desk: Desk) -> None:
    rid, ids = _reviewed_desk(desk)
    labels = desk.store.review_labels()
    assert len(labels) == 24 and {lab.reviewer for lab in labels} == {"ann"}
    kept = next(lab for lab in labels if lab.evidence_id == ids[1])
    assert (kept.decision, kept.role, kept.suggested, kept.request_id) == (
        Decision.KEPT,
        Role.FACILITATOR,
        Role.BARRIER,  # what the desk had suggested, before the reviewer moved it
        rid,
    )
    # A later decision replaces the reviewer's label; an undo withdraws it; history keeps both.
    accept(desk, ids[0], "ann")
    undo(desk, ids[2], "ann")
    active = {lab.evidence_id: lab for lab in desk.store.review_labels()}
    assert active[ids[0]].decision is Decision.KEPT and ids[2] not in active
    assert len(desk.store.review_labels(active_only=False)) == 25
    assert str(desk.store.evidence(ids[2]).status) == "suggested"
    reject(desk, ids[0], "ann")  # back as it was
    # A second reviewer disagrees on one quote: both labels stay, the agreement shows, the later trains.
    accept(desk, ids[4], "bo")
    status = desk_model.status(desk)
    assert status.state == "stale" and status.reviewers == 2 and status.disagreements == 1
    status = desk_model.retrain(desk)
    assert status.state == "learned" and status.trained_on == 23 and status.held_back["tested"] > 0
    taught = desk_model.learned(desk)
    assert taught.model is not None and not taught.retrained
    readings = taught.model.read(
        ["Document 99.", "Local health departments built coalitions."],
        "",
        [Role.BARRIER, Role.BARRIER],
        taught.vectors,
    )
    assert readings[0].keep_p < 0.5 < readings[1].keep_p
    assert readings[1].role is Role.FACILITATOR and "you filed under Facilitators" in readings[1].like
    # A desk copied to another store or restored arrives without its model: it is rebuilt from the labels.
    shutil.rmtree(desk.settings.model_dir)
    again = desk_model.learned(desk)
    assert again.retrained and again.model is not None and len(again.model.examples) == 23
    # Staff settle the disagreement: the resolution outranks both reviewers.
    resolve(desk, ids[4], "lead", Decision.DROPPED)
    examples = training_examples(desk.store.review_labels())
    assert [e.kept for e in examples if e.evidence_id == ids[4]] == [False]
    # Reset returns to the shipped behaviour until the labels change.
    assert desk_model.reset(desk).state == "reset"
    assert desk_model.learned(desk).model is None


def test_labels_travel_as_csv_and_a_bad_file_imports_nothing(desk: Desk, tmp_path: Path) -> None:
    _reviewed_desk(desk)
    out = io.StringIO()
    assert desk_model.export_labels(desk, out) == 24
    other = init_desk(settings_for(tmp_path / "other", ""))
    try:
        for n in range(1, 13):
            _synthetic_document(other, n)
        assert desk_model.import_labels(other, io.StringIO(out.getvalue())) == 24
        assert desk_model.import_labels(other, io.StringIO(out.getvalue())) == 0  # already held
        assert desk_model.retrain(other).trained_on == 24
        header, *rows = out.getvalue().splitlines()
        bad_files = {
            "unknown columns colour": "\n".join([header + ",colour", *(r + ",red" for r in rows)]),
            "line 3: unknown heading 'Obstacles'": "\n".join(
                [header, rows[0], rows[1].replace(",facilitator,Facilitators,", ",Obstacles,,"), *rows[2:]]
            ),
            "line 2: the document 'Not here' is not in": "\n".join(
                [header, rows[0].replace("Synthetic report 1", "Not here").replace("hash-1", "hash-x")]
            ),
        }
        before = len(other.store.review_labels(active_only=False))
        for problem, text in bad_files.items():
            with pytest.raises(InputError, match=problem):
                desk_model.import_labels(other, io.StringIO(text))
        assert len(other.store.review_labels(active_only=False)) == before
    finally:
        other.close()
