"""One identity table: a person who files requests and an account that signs in are one user row.

Run on SQLite and on PostgreSQL (``store_url``). The migration tests build a desk at schema 4 the way
the project's migration tests do (the migrations list cut back to 4) and fill it as the code of
schema 4 did (``people`` and ``users`` apart, with sessions and API tokens), then carry it forward.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from researchdesk.accounts import (
    LoginFailed,
    authenticate,
    create_user,
    digest,
    hash_password,
    new_api_token,
    reset_password,
    session_user,
    token_user,
)
from researchdesk.backup import backup, restore
from researchdesk.cli import app
from researchdesk.desk import Desk, init_desk, open_desk
from researchdesk.errors import AlreadyExists, ConstraintError, NotFound, SchemaError
from researchdesk.notify import choices_of, set_choices
from researchdesk.requests.workflow import add_member, add_person, file_request
from researchdesk.settings import Settings
from researchdesk.store import dialect, schema, sql_catalog
from researchdesk.work import User

PASSWORD = "correct horse battery"
STAMP = "2024-03-01T09:00:00+00:00"
FAR = "2999-01-01T00:00:00+00:00"


def settings_for(home: Path, url: str) -> Settings:
    return Settings(home=home, database_url=url, embedder="none")


def _clear_caches() -> None:
    sql_catalog.schema_catalog.cache_clear()
    sql_catalog.reserved_columns.cache_clear()
    dialect.translate.cache_clear()


@pytest.fixture
def at_schema_4(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Inside: the schema as it was at version 4 (``people`` and ``users`` apart)."""
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:4])
    monkeypatch.setattr(schema, "LATEST", 4)
    _clear_caches()
    yield
    monkeypatch.undo()
    _clear_caches()


# --- a person who cannot sign in -----------------------------------------------------------------


@pytest.fixture
def desk(tmp_path: Path, store_url: str) -> Iterator[Desk]:
    d = init_desk(settings_for(tmp_path / "desk", store_url))
    add_member(d, "Springfield City", "city")
    yield d
    d.close()


def test_a_person_without_a_password_never_signs_in(desk: Desk) -> None:
    pid = add_person(desk, "Ann Analyst", "ann@springfield.gov", "Springfield City")
    ann = desk.store.person("ANN@springfield.gov")
    assert isinstance(ann, User) and ann.id == pid and not ann.can_sign_in and ann.active
    assert ann.password_changed_at == "" and ann.organization == "Springfield City"
    assert desk.store.password_hash("ann@springfield.gov") is None
    for password in ("", PASSWORD, "x" * 12):
        with pytest.raises(LoginFailed):
            authenticate(desk, "ann@springfield.gov", password, "10.0.0.1")
    desk.store.clear_failed_logins("ann@springfield.gov")
    with pytest.raises(NotFound):  # no token, no password reset: she has no account to act as
        new_api_token(desk, "ann@springfield.gov")
    with pytest.raises(NotFound):
        reset_password(desk, "ann@springfield.gov", PASSWORD)
    # Even a session or token row written for her directly opens nothing.
    desk.store.add_session(digest("sid-of-ann"), pid, "csrf", FAR)
    desk.store.add_api_token(pid, digest("rd_token-of-ann"), "direct")
    assert session_user(desk, "sid-of-ann") is None and token_user(desk, "rd_token-of-ann") is None
    # And a stored hash does not open it either while the row says it cannot sign in.
    desk.store.conn.execute("UPDATE users SET password_hash=? WHERE id=?", (hash_password(PASSWORD), pid))
    with pytest.raises(LoginFailed):
        authenticate(desk, "ann@springfield.gov", PASSWORD, "10.0.0.2")
    assert [u.email for u in desk.store.users()] == []
    assert [p.email for p in desk.store.people()] == ["ann@springfield.gov"]


def test_user_add_gives_a_known_person_a_sign_in_and_keeps_their_requests(desk: Desk) -> None:
    pid = add_person(desk, "Ann Analyst", "ann@springfield.gov", "Springfield City")
    rid = file_request(desk, "Springfield City", "What helps coalitions last?", "ann@springfield.gov")
    user = create_user(desk, "Ann@Springfield.gov", PASSWORD, "member", "Springfield City")
    assert user.id == pid and user.can_sign_in and user.name == "Ann Analyst"  # the name she had is kept
    assert authenticate(desk, "ann@springfield.gov", PASSWORD, "10.0.0.1").id == pid
    assert desk.store.request(rid).requester_id == pid
    assert len(desk.store.people()) == 1 and [u.id for u in desk.store.users()] == [pid]
    with pytest.raises(AlreadyExists, match=r"A user with the email 'ann@springfield\.gov'"):
        create_user(desk, "ann@springfield.gov", PASSWORD, "member", "Springfield City")
    with pytest.raises(AlreadyExists, match=r"A person with the email 'ANN@springfield\.gov'"):
        add_person(desk, "Ann Again", "ANN@springfield.gov", "Springfield City")


def test_a_user_files_requests_as_themselves(desk: Desk) -> None:
    user = create_user(desk, "bob@springfield.gov", PASSWORD, "member", "Springfield City", "Bob Baker")
    rid = file_request(desk, "Springfield City", "Which programs cut idling?", "BOB@springfield.gov")
    request = desk.store.request(rid)
    assert (request.requester_id, request.requester, request.requester_email) == (
        user.id,
        "Bob Baker",
        "bob@springfield.gov",
    )
    assert desk.store.person(user.id) == user
    with pytest.raises(ConstraintError):  # the requester is a user: a row that is none is refused
        desk.store.conn.execute("UPDATE requests SET requester_id=? WHERE id=?", (999_999, rid))


def test_member_and_user_lists_keep_their_keys(tmp_path: Path, store_url: str) -> None:
    home = tmp_path / "desk"
    env = {"RESEARCHDESK_DATABASE_URL": store_url, "RESEARCHDESK_EMBEDDER": "none"}
    runner = CliRunner()

    def cli(*args: str) -> Any:
        result = runner.invoke(app, ["--home", str(home), *args], env=env)
        assert result.exit_code == 0, result.output
        return result

    cli("init")
    cli("member", "add", "Springfield City")
    cli("member", "add", "Ann Analyst", "--email", "ann@springfield.gov", "--org", "Springfield City")
    cli("user", "add", "admin@desk.org", "--role", "admin", "--password", PASSWORD)
    people = json.loads(cli("member", "list", "--json").output)["people"]
    assert [sorted(p) for p in people] == [sorted(User.PERSON_FIELDS)] * 2
    assert [p["email"] for p in people] == ["admin@desk.org", "ann@springfield.gov"]
    users = json.loads(cli("user", "list", "--json").output)
    assert [u["email"] for u in users] == ["admin@desk.org"] and sorted(users[0]) == sorted(
        User.ACCOUNT_FIELDS
    )


def test_adding_a_person_says_how_they_get_a_sign_in(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    env = {"RESEARCHDESK_EMBEDDER": "none"}
    runner = CliRunner()
    for args in (("init",), ("member", "add", "Springfield City")):
        assert runner.invoke(app, ["--home", str(home), *args], env=env).exit_code == 0
    person = ["member", "add", "Ann Analyst", "--email", "ann@springfield.gov", "--org", "Springfield City"]
    added = runner.invoke(app, ["--home", str(home), *person], env=env)
    assert added.exit_code == 0, added.output
    said = " ".join(added.output.split())
    assert "no sign-in" in said and "researchdesk user add ann@springfield.gov" in said


# --- schema 4 → 5: people merged into users ------------------------------------------------------


def _fill_schema_4(desk: Desk) -> dict[str, Any]:
    """Write rows as the code of schema 4 did; return what the test needs to find them again."""
    conn = desk.store.conn
    org = add_member(desk, "Springfield City", "city")

    def user(email: str, name: str, role: str, org_id: int | None) -> int:
        return int(
            conn.execute(
                """INSERT INTO users (email, name, password_hash, role, organization_id, active, created_at,
                   password_changed_at) VALUES (?,?,?,?,?,?,?,?)""",
                (email, name, hash_password(PASSWORD), role, org_id, 1, STAMP, STAMP),
            ).lastrowid
        )

    def person(name: str, email: str, role: str, org_id: int | None) -> int:
        return int(
            conn.execute(
                "INSERT INTO people (name, email, organization_id, role, created_at) VALUES (?,?,?,?,?)",
                (name, email, org_id, role, STAMP),
            ).lastrowid
        )

    admin = user("admin@desk.org", "Ada Admin", "admin", None)  # a user who was never a person
    bob = user("BOB@Springfield.gov", "", "member", org)  # a user whose person has another case
    # People's ids: Ann's collides with the admin's user id, so her requests must move, not stay.
    ann_p = person("Ann Analyst", "ann@springfield.gov", "member", org)
    bob_p = person("Bob Baker", "bob@springfield.GOV", "member", org)
    assert (admin, ann_p) == (1, 1)
    # Filed as schema 4's `file_request` did: the requester is the person's id.
    ann_requests = [desk.store.add_request(org, ann_p, f"Ann's question {n}?", "", "", "ann") for n in (1, 2)]
    bob_request = desk.store.add_request(org, bob_p, "Bob's question?", "", "", "bob")
    nobody_request = desk.store.add_request(org, None, "Filed by staff for the city?", "", "", "staff")
    for uid, secret in ((bob, "bob"), (admin, "admin")):
        desk.store.add_session(digest(f"sid-{secret}"), uid, f"csrf-{secret}", FAR)
        desk.store.add_api_token(uid, digest(f"rd_token-{secret}"), secret)
    set_choices(desk, bob, ["delivery"], "bob")
    people = [dict(r) for r in conn.execute("SELECT * FROM people ORDER BY id").fetchall()]
    return {
        "admin": admin,
        "bob": bob,
        "ann_requests": ann_requests,
        "bob_request": bob_request,
        "nobody_request": nobody_request,
        "people": people,
        "bob_person": bob_p,
    }


def _check_merged(desk: Desk, made: dict[str, Any]) -> None:
    store = desk.store
    assert store.schema_version() == schema.LATEST == 5
    tables = set(sql_catalog.schema_catalog())
    assert "people" not in tables and "users" in tables
    # Everyone once, by email: the admin, Bob (one row for the person and the user), and Ann.
    everyone = {p.email.lower(): p for p in store.people()}
    assert sorted(everyone) == ["admin@desk.org", "ann@springfield.gov", "bob@springfield.gov"]
    ann, bob, admin = (
        everyone["ann@springfield.gov"],
        everyone["bob@springfield.gov"],
        everyone["admin@desk.org"],
    )
    assert (bob.id, bob.email, bob.name, bob.can_sign_in) == (
        made["bob"],
        "BOB@Springfield.gov",
        "Bob Baker",
        True,
    )
    assert (admin.id, admin.name, admin.can_sign_in) == (made["admin"], "Ada Admin", True)
    assert not ann.can_sign_in and ann.id not in (made["admin"], made["bob"])
    assert (ann.name, ann.role.value, ann.organization, ann.created_at) == (
        "Ann Analyst",
        "member",
        "Springfield City",
        STAMP,
    )
    assert [u.email for u in store.users()] == ["admin@desk.org", "BOB@Springfield.gov"]  # case aside
    # Requests point at the same people as before.
    for rid in made["ann_requests"]:
        request = store.request(rid)
        assert (request.requester_id, request.requester, request.requester_email) == (
            ann.id,
            "Ann Analyst",
            "ann@springfield.gov",
        )
    assert store.request(made["bob_request"]).requester_id == bob.id
    assert store.request(made["nobody_request"]).requester_id is None
    # Every person's whole row is kept in the event log, under the user they became.
    merged = store.conn.execute(
        "SELECT subject_id, detail, who FROM events WHERE subject='user' AND action='merged' ORDER BY id"
    ).fetchall()
    kept = {
        json.loads(r["detail"])["person"]["id"]: (int(r["subject_id"]), json.loads(r["detail"]))
        for r in merged
    }
    assert sorted(kept) == [p["id"] for p in made["people"]]
    for original in made["people"]:
        user_id, detail = kept[original["id"]]
        assert detail["person"] == original
        assert user_id == everyone[original["email"].lower()].id
    assert kept[made["bob_person"]][1]["into"] == "the user with this email"
    # Sessions, API tokens and e-mail choices stay their users'.
    for secret, uid in (("bob", made["bob"]), ("admin", made["admin"])):
        found = session_user(desk, f"sid-{secret}")
        assert found is not None and found[0].id == uid and found[1] == f"csrf-{secret}"
        token = token_user(desk, f"rd_token-{secret}")
        assert token is not None and token.id == uid
    assert choices_of(desk, made["bob"]) == {"delivery"}
    assert authenticate(desk, "bob@springfield.gov", PASSWORD, "10.0.0.9").id == made["bob"]
    with pytest.raises(LoginFailed):
        authenticate(desk, "ann@springfield.gov", PASSWORD, "10.0.0.9")
    # The merged desk works as a new one does: Ann files again, and the keys hold.
    rid = file_request(desk, "Springfield City", "Ann's third question?", "ANN@springfield.gov")
    assert store.request(rid).requester_id == ann.id
    with pytest.raises(ConstraintError):
        store.conn.execute("UPDATE requests SET requester_id=? WHERE id=?", (999_999, rid))
    assert store.integrity_check() == "ok"
    if store.dialect == "sqlite":
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        keys = store.conn.execute("PRAGMA foreign_key_list(requests)").fetchall()
        assert {(k["from"], k["table"]) for k in keys} == {
            ("organization_id", "organizations"),
            ("requester_id", "users"),
        }


def test_schema_5_merges_people_into_users_with_nothing_lost(
    tmp_path: Path, store_url: str, at_schema_4: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path / "desk", store_url)
    with init_desk(settings) as old:
        assert old.store.schema_version() == 4
        made = _fill_schema_4(old)
    monkeypatch.undo()  # this ResearchDesk: schema 5
    _clear_caches()
    if store_url:
        from researchdesk.store.postgres import PostgresStore

        with pytest.raises(SchemaError, match="researchdesk db migrate"):
            open_desk(settings)
        store = PostgresStore(store_url, check=False)
        assert store.migrate() == [5] and store.migrate() == []
        store.close()
    with open_desk(settings) as desk:
        if not store_url:  # SQLite migrates on open, after a backup copy of the desk as it was
            assert desk.store.applied_on_open == [5]
            [copy] = sorted(settings.backups_dir.glob("desk-v4-*.sqlite3"))
            import sqlite3

            kept = sqlite3.connect(copy)
            assert kept.execute("SELECT count(*) FROM people").fetchone()[0] == len(made["people"])
            kept.close()
        _check_merged(desk, made)


def test_a_backup_made_at_schema_4_restores_into_schema_5(
    tmp_path: Path, at_schema_4: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import researchdesk.backup as backup_module

    with init_desk(settings_for(tmp_path / "desk", "")) as old:
        made = _fill_schema_4(old)
        # The tables the backup of that day counted.
        monkeypatch.setattr(backup_module, "TABLES", (*backup_module.TABLES[:-1], "people"))
        report = backup(old, tmp_path / "old.tar.gz")
    assert report.counts["people"] == 2
    monkeypatch.undo()
    _clear_caches()
    with restore(report.archive, tmp_path / "restored") as desk:
        _check_merged(desk, made)
