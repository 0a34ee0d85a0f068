"""`db copy`: a whole desk moves between stores with ids, rows and checksums intact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import PG_SKIP_REASON, PG_URL, SAMPLE_LIBRARY, reset_postgres
from researchdesk.cli import app
from researchdesk.desk import Desk, init_desk, open_desk
from researchdesk.desk_copy import copy_desk, desk_checksums
from researchdesk.errors import InputError
from researchdesk.evidence.review import accept, record_label
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.models import Evidence, Role
from researchdesk.requests.workflow import add_member, add_person, file_request, set_status
from researchdesk.settings import Settings

SAMPLE_FILES = sorted(SAMPLE_LIBRARY.glob("*.htm*"))[:3]
needs_pg = pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)


def _full_desk(home: Path) -> Desk:
    """Return a SQLite desk with rows in every table the schema has."""
    d = init_desk(Settings(home=home, embedder="none"))
    ingest_paths(d, SAMPLE_FILES)
    doc = d.store.documents()[0]
    d.store.update_document_meta(doc.id, {"publisher": "CDC"}, "staff")
    add_member(d, "Springfield City", "city")
    add_person(d, "Ann Analyst", "ann@springfield.gov", "Springfield City")
    rid = file_request(
        d,
        "Springfield City",
        'What helps coalitions last? 100% of "quoted" words; it\'s ok',
        "ann@springfield.gov",
    )
    set_status(d, rid, "scoping", "staff")
    d.store.update_request(rid, {"plan": {"facets": ["barriers"]}}, "staff", "plan")
    passage = d.store.passages(doc.id)[1]
    quote = passage.text[:40]
    [eid] = d.store.add_evidence(
        [
            Evidence(
                document_id=doc.id,
                passage_id=passage.id,
                start=passage.start,
                end=passage.start + 40,
                quote=quote,
                role=Role.BARRIER,
                confidence=0.625,
                reason="cue",
                codes=["resources"],
                request_id=rid,
                pieces=[(passage.start, passage.start + 40)],
            )
        ],
        "scan",
    )
    accept(d, eid, "rev")
    record_label(d, eid, "rev", "barrier")
    run = d.store.next_scan_run(rid)
    d.store.add_scan_entry(rid, run, "barriers", "coalition barrier", {}, "hybrid", 3, [doc.id])
    d.store.add_brief(rid, {"title": "Brief", "é": "ü"}, {"ok": True}, "staff")
    uid = d.store.add_user("staff@desk.org", "Staff", "hash", "staff", None)
    d.store.add_session("sess", uid, "csrf", "2999-01-01")
    d.store.add_api_token(uid, "tok", "cli")
    d.store.add_login_attempt("staff@desk.org", "127.0.0.1", False, "2024-01-01")
    d.store.add_job("job-1", "ingest", {"paths": ["a"]}, "staff")
    return d


def _fingerprint(home_or_url: str) -> dict[str, tuple[int, str]]:
    from researchdesk.desk_copy import locate, open_location

    store = open_location(locate(home_or_url), create=False)
    try:
        return desk_checksums(store)
    finally:
        store.close()


def test_sqlite_to_sqlite_copy_keeps_every_row_and_file(tmp_path: Path) -> None:
    source = _full_desk(tmp_path / "a")
    source.close()
    report = copy_desk(str(tmp_path / "a"), str(tmp_path / "b"), embedder_name="none")
    assert report.ok, report.tables
    assert all(t.source_rows > 0 for t in report.tables), [
        t.table for t in report.tables if not t.source_rows
    ]
    assert report.files == len(SAMPLE_FILES)
    assert _fingerprint(str(tmp_path / "a")) == _fingerprint(str(tmp_path / "b"))
    copied = open_desk(Settings(home=tmp_path / "b", embedder="none"))
    from researchdesk.library import check_library

    assert check_library(copied).ok
    copied.close()
    with pytest.raises(InputError, match="already holds"):
        copy_desk(str(tmp_path / "a"), str(tmp_path / "b"), embedder_name="none")


def test_a_changed_row_changes_the_checksum(tmp_path: Path) -> None:
    source = _full_desk(tmp_path / "a")
    before = desk_checksums(source.store)
    source.store.conn.execute("UPDATE evidence SET confidence = 0.626")
    after = desk_checksums(source.store)
    source.close()
    assert before["evidence"] != after["evidence"] and before["documents"] == after["documents"]


@needs_pg
def test_round_trip_sqlite_postgres_sqlite_preserves_everything(tmp_path: Path) -> None:
    reset_postgres(PG_URL)
    source = _full_desk(tmp_path / "a")
    max_org = max(o.id for o in source.store.organizations())
    source.close()
    there = copy_desk(
        str(tmp_path / "a"), PG_URL, files_of_postgres=tmp_path / "pg-home" / "files", embedder_name="none"
    )
    assert there.ok, there.tables
    back = copy_desk(
        PG_URL, str(tmp_path / "c"), files_of_postgres=tmp_path / "pg-home" / "files", embedder_name="none"
    )
    assert back.ok, back.tables
    original = _fingerprint(str(tmp_path / "a"))
    assert original == _fingerprint(PG_URL) == _fingerprint(str(tmp_path / "c"))
    assert (tmp_path / "c" / "files").exists() and back.files == len(SAMPLE_FILES)
    # Ids are preserved, and new rows on the server continue after them (sequences were reset).
    server = open_desk(Settings(home=tmp_path / "pg-home", database_url=PG_URL, embedder="none"))
    assert server.store.add_organization("Shelbyville", "city") == max_org + 1
    request = server.store.requests()[0]
    assert server.store.request(request.id).plan == {"facets": ["barriers"]}
    server.close()


@needs_pg
def test_cli_copy_prints_the_verification_and_status_reports_the_schema(tmp_path: Path) -> None:
    reset_postgres(PG_URL)
    _full_desk(tmp_path / "a").close()
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "--home",
            str(tmp_path / "pg-home"),
            "db",
            "copy",
            "--from",
            str(tmp_path / "a"),
            "--to",
            PG_URL,
            "--json",
        ],
        env={"RESEARCHDESK_EMBEDDER": "none"},
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and {t["table"] for t in report["tables"]} >= {"documents", "evidence", "jobs"}
    status = runner.invoke(app, ["db", "status", "--json"], env={"RESEARCHDESK_DATABASE_URL": PG_URL})
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["pending"] == []


def test_cli_status_and_migrate_on_sqlite(tmp_path: Path) -> None:
    init_desk(Settings(home=tmp_path / "d")).close()
    runner = CliRunner()
    status = runner.invoke(
        app, ["--home", str(tmp_path / "d"), "db", "status", "--json"], env={"RESEARCHDESK_DATABASE_URL": ""}
    )
    assert status.exit_code == 0, status.output
    info = json.loads(status.output)
    assert info["kind"] == "sqlite" and info["pending"] == []
    migrate = runner.invoke(
        app, ["--home", str(tmp_path / "d"), "db", "migrate"], env={"RESEARCHDESK_DATABASE_URL": ""}
    )
    assert migrate.exit_code == 0 and "Nothing to migrate" in migrate.output
    shutil.rmtree(tmp_path / "d")
