"""Rows of who uses the desk: users (one row per person, signing in or not), sessions, API tokens,
login attempts and background jobs.

A mixin of the SQLite store like ``work.py``: plain ``self.conn.execute`` with ``?`` placeholders
and ``self.transaction()``, so it ports to another database the same way. Secrets never reach this
module in the clear: sessions and tokens are stored by their SHA-256, passwords as argon2 hashes.

A person of a member organization who was never given a password (``researchdesk member add --email``)
is a user row that cannot sign in: ``can_sign_in`` 0 and an empty password hash. Every way in (the
password lookup, a session, an API token) asks for ``can_sign_in = 1``, so such a row never opens a
session whatever is presented; ``user``/``users`` see only the users who can sign in, ``person``/
``people`` everyone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from researchdesk.errors import AlreadyExists, MemberNotFound, NotFound
from researchdesk.store.clock import now
from researchdesk.store.integrity import TAKEN, naming
from researchdesk.work import ApiToken, Job, JobStatus, Session, User, UserRole


class UserNotFound(NotFound):
    def __init__(self, key: int | str) -> None:
        super().__init__(f"No user {key!r}.", "List users with `researchdesk user list`.")
        self.key = key


class JobNotFound(NotFound):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"Job {job_id} does not exist.", "Open the job list to see the current jobs.")
        self.job_id = job_id


_USER_SELECT = """SELECT u.id, u.email, u.name, u.role, u.organization_id, u.active, u.can_sign_in,
                          u.created_at, u.password_changed_at, o.name AS organization
                   FROM users u LEFT JOIN organizations o ON o.id = u.organization_id"""
# A new user row: one who signs in (add_user) or a person who cannot (add_person, no password).
_INSERT_USER = """INSERT INTO users (email, name, password_hash, role, organization_id, active, can_sign_in,
                  created_at, password_changed_at) VALUES (?,?,?,?,?,?,?,?,?)"""
# What to say when `member add --email` names an email the desk already holds.
_PERSON_TAKEN = (
    "person",
    "email",
    "Use that person (`researchdesk member list` lists them), or give the new one their own email.",
)


class AccountRows:
    conn: sqlite3.Connection
    ROW_LOCK: str  # provided by the store ("" on SQLite; the server store's " FOR UPDATE")

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # provided by the store
        raise NotImplementedError

    # --- users ---------------------------------------------------------------------------------

    def add_user(
        self, email: str, name: str, password_hash: str, role: str, organization_id: int | None
    ) -> int:
        """Give ``email`` an account and return its user id: a new user, or the person already known by
        that email (who could not sign in) now signing in with this role, organization and name. An email
        that already signs in is AlreadyExists."""
        stamp = now()
        with naming(email), self.transaction() as conn:
            known = conn.execute(
                f"SELECT id, can_sign_in, name FROM users WHERE email=?{self.ROW_LOCK}", (email,)
            ).fetchone()
            if known is None:
                cur = conn.execute(
                    _INSERT_USER, (email, name, password_hash, role, organization_id, 1, 1, stamp, stamp)
                )
                return int(cur.lastrowid or 0)
            if known["can_sign_in"]:
                raise AlreadyExists(*TAKEN["users"])
            conn.execute(
                """UPDATE users SET name=?, password_hash=?, role=?, organization_id=?, active=1,
                   can_sign_in=1, password_changed_at=? WHERE id=?""",
                (name or known["name"], password_hash, role, organization_id, stamp, int(known["id"])),
            )
        return int(known["id"])

    def user(self, key: int | str) -> User:
        """Return a user who can sign in (without the password hash) by id or email."""
        column = "id" if isinstance(key, int) else "email"
        row = self.conn.execute(f"{_USER_SELECT} WHERE u.{column}=? AND u.can_sign_in=1", (key,)).fetchone()
        if row is None:
            raise UserNotFound(key)
        return _user(row)

    def users(self) -> list[User]:
        """Return every user who can sign in (active or not), by email."""
        rows = self.conn.execute(f"{_USER_SELECT} WHERE u.can_sign_in=1 ORDER BY u.email").fetchall()
        return [_user(r) for r in rows]

    # --- people: every user, signing in or not --------------------------------------------------

    def add_person(self, name: str, email: str, organization_id: int | None, role: str) -> int:
        """Insert a person who cannot sign in and return their user id; an email already held is AlreadyExists."""
        try:
            with self.transaction() as conn:
                cur = conn.execute(_INSERT_USER, (email, name, "", role, organization_id, 1, 0, now(), ""))
        except AlreadyExists as exc:
            raise AlreadyExists(*_PERSON_TAKEN, value=email) from exc.__cause__
        return int(cur.lastrowid or 0)

    def person(self, key: int | str) -> User:
        """Return anyone the desk knows (signing in or not) by id or email."""
        column = "id" if isinstance(key, int) else "email"
        row = self.conn.execute(f"{_USER_SELECT} WHERE u.{column}=?", (key,)).fetchone()
        if row is None:
            raise MemberNotFound(str(key))
        return _user(row)

    def people(self) -> list[User]:
        """Return everyone the desk knows (signing in or not), by name."""
        return [_user(r) for r in self.conn.execute(f"{_USER_SELECT} ORDER BY u.name, u.id").fetchall()]

    def password_hash(self, email: str) -> tuple[int, str] | None:
        """Return (user id, password hash) of an active user, or None."""
        row = self.conn.execute(
            """SELECT id, password_hash FROM users
               WHERE email=? AND active=1 AND can_sign_in=1 AND password_hash != ''""",
            (email,),
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Store a new password hash and end every session of the user (a reset logs them out)."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE users SET password_hash=?, password_changed_at=? WHERE id=? AND can_sign_in=1",
                (password_hash, now(), user_id),
            )
            if not cur.rowcount:
                raise UserNotFound(user_id)
            conn.execute("DELETE FROM sessions WHERE user_id=?", (user_id,))

    def set_user_active(self, user_id: int, active: bool) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE users SET active=? WHERE id=?", (int(active), user_id))
            if not active:
                conn.execute("DELETE FROM sessions WHERE user_id=?", (user_id,))
                conn.execute("DELETE FROM api_tokens WHERE user_id=?", (user_id,))

    # --- sessions -------------------------------------------------------------------------------

    def add_session(self, session_hash: str, user_id: int, csrf: str, expires_at: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES (?,?,?,?,?)",
                (session_hash, user_id, csrf, now(), expires_at),
            )

    def session(self, session_hash: str, at: str) -> Session | None:
        """Return the live session (with its active user's id) for a hashed id, or None."""
        row = self.conn.execute(
            """SELECT s.user_id, s.csrf, s.created_at, s.expires_at FROM sessions s
               JOIN users u ON u.id = s.user_id
               WHERE s.id=? AND s.expires_at > ? AND u.active=1 AND u.can_sign_in=1""",
            (session_hash, at),
        ).fetchone()
        if row is None:
            return None
        return Session(
            user_id=int(row["user_id"]),
            csrf=row["csrf"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
        )

    def delete_session(self, session_hash: str) -> None:
        self.conn.execute("DELETE FROM sessions WHERE id=?", (session_hash,))

    def delete_expired_sessions(self, at: str) -> int:
        return int(self.conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (at,)).rowcount)

    # --- API tokens -----------------------------------------------------------------------------

    def add_api_token(self, user_id: int, token_hash: str, name: str) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?,?,?,?)",
                (user_id, token_hash, name, now()),
            )
        return int(cur.lastrowid or 0)

    def token_user(self, token_hash: str) -> int | None:
        """Return the active user id of an API token (and note its use), or None."""
        row = self.conn.execute(
            """SELECT t.id, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
               WHERE t.token_hash=? AND u.active=1 AND u.can_sign_in=1""",
            (token_hash,),
        ).fetchone()
        if row is None:
            return None
        self.conn.execute("UPDATE api_tokens SET last_used_at=? WHERE id=?", (now(), int(row[0])))
        return int(row[1])

    def api_tokens(self, user_id: int) -> list[ApiToken]:
        """Return a user's API tokens (never their hashes), oldest first."""
        rows = self.conn.execute(
            "SELECT id, user_id, name, created_at, last_used_at FROM api_tokens WHERE user_id=? ORDER BY id",
            (user_id,),
        ).fetchall()
        return [
            ApiToken(
                id=int(r["id"]),
                user_id=int(r["user_id"]),
                name=r["name"],
                created_at=r["created_at"],
                last_used_at=r["last_used_at"],
            )
            for r in rows
        ]

    def delete_api_token(self, user_id: int, token_id: int) -> bool:
        cur = self.conn.execute("DELETE FROM api_tokens WHERE id=? AND user_id=?", (token_id, user_id))
        return bool(cur.rowcount)

    # --- login attempts -------------------------------------------------------------------------

    def add_login_attempt(self, email: str, address: str, ok: bool, at: str) -> None:
        self.conn.execute(
            "INSERT INTO login_attempts (email, address, ok, at) VALUES (?,?,?,?)",
            (email.lower(), address, int(ok), at),
        )

    def failed_logins(self, email: str, address: str, since: str) -> tuple[int, int]:
        """Return the failed attempts since ``since`` for this email and from this address."""
        by_email = self.conn.execute(
            "SELECT count(*) FROM login_attempts WHERE email=? AND ok=0 AND at > ?", (email.lower(), since)
        ).fetchone()[0]
        by_address = self.conn.execute(
            "SELECT count(*) FROM login_attempts WHERE address=? AND ok=0 AND at > ?", (address, since)
        ).fetchone()[0]
        return int(by_email), int(by_address)

    def clear_failed_logins(self, email: str) -> None:
        self.conn.execute("DELETE FROM login_attempts WHERE email=? AND ok=0", (email.lower(),))

    # --- jobs -----------------------------------------------------------------------------------

    def add_job(self, job_id: str, kind: str, args: dict[str, Any], created_by: str) -> None:
        stamp = now()
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO jobs (id, kind, args, status, created_by, created_at, updated_at)
                   VALUES (?,?,?,?,?,?,?)""",
                (job_id, kind, json.dumps(args, ensure_ascii=False), "queued", created_by, stamp, stamp),
            )

    def update_job(self, job_id: str, **changes: Any) -> None:
        """Change job columns (status, done, total, message, error, result)."""
        allowed = {"status", "done", "total", "message", "error", "result"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown job columns {sorted(unknown)}")
        stored = {
            k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
            for k, v in changes.items()
        }
        sets = ", ".join(f"{k}=?" for k in stored)
        self.conn.execute(
            f"UPDATE jobs SET {sets}, updated_at=? WHERE id=?", (*stored.values(), now(), job_id)
        )

    def job(self, job_id: str) -> Job:
        row = self.conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFound(job_id)
        return _job(row)

    def jobs(self, limit: int = 100, created_by: str | None = None) -> list[Job]:
        """Return the newest jobs first (optionally only those one user started)."""
        if created_by is None:
            rows = self.conn.execute(
                "SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)
            ).fetchall()
        else:
            rows = self.conn.execute(
                "SELECT * FROM jobs WHERE created_by=? ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (created_by, limit),
            ).fetchall()
        return [_job(r) for r in rows]

    def count_jobs(self, status: str) -> int:
        return int(self.conn.execute("SELECT count(*) FROM jobs WHERE status=?", (status,)).fetchone()[0])


def _job(row: Mapping[str, Any]) -> Job:
    """Return the job of a row of the jobs table."""
    return Job(
        id=row["id"],
        kind=row["kind"],
        args=json.loads(row["args"]),
        status=JobStatus(row["status"]),
        done=int(row["done"]),
        total=int(row["total"]),
        message=row["message"],
        error=row["error"],
        result=json.loads(row["result"] or "{}"),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _user(row: Mapping[str, Any]) -> User:
    """Return the user of a row of ``_USER_SELECT``."""
    organization_id = row["organization_id"]
    return User(
        id=int(row["id"]),
        email=row["email"],
        name=row["name"] or "",
        role=UserRole(row["role"]),
        organization_id=None if organization_id is None else int(organization_id),
        active=bool(row["active"]),
        can_sign_in=bool(row["can_sign_in"]),
        created_at=row["created_at"],
        password_changed_at=row["password_changed_at"],
        organization=row["organization"],
    )
