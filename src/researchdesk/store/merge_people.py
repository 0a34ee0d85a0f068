"""Schema 5's row move: the people who file requests folded into ``users``, one row per person, nothing lost.

Before schema 5 a desk knew people twice: ``people`` (name, email, organization, role: who files
requests) and ``users`` (accounts that sign in). Each person becomes the user with the same email
(compared without regard to case), or, when there is none, a new user who cannot sign in
(``can_sign_in`` 0, empty password hash). Users keep their ids, so sessions, API tokens and the
e-mail choices recorded under a user id stay theirs; requests' ``requester_id`` is re-pointed from
the person's id to the user's. Where a person and a user differ (a name, a role, an organization),
the user's values stand, since they are what the account signs in with (a name the user lacked is
taken from the person); each person's whole row is kept in the event log (subject ``user``, action
``merged``, the user's id), so every person's id, name, role and organization can still be read.

The move runs inside the migration's transaction on either store, on the store's connection
(SQLite-flavoured SQL, translated for PostgreSQL), while ``requests.requester_id`` is bound to no
table: the migration's ``repoint`` lets go of ``people`` before and binds it to ``users`` after,
each store its own way.
"""

from __future__ import annotations

import json
from typing import Any

from researchdesk.store.clock import now

WHO = "schema migration 5"


def merge_people(conn: Any) -> None:
    """Fold every row of ``people`` into ``users`` and point requests at the users (the table ``people``
    itself is dropped by the migration's SQL afterwards)."""
    by_email: dict[str, tuple[int, str]] = {}
    for row in conn.execute("SELECT id, email, name FROM users ORDER BY id").fetchall():
        by_email.setdefault(str(row["email"]).lower(), (int(row["id"]), str(row["name"])))
    stamp = now()
    user_of: dict[int, int] = {}
    people = conn.execute(
        "SELECT id, name, email, organization_id, role, created_at FROM people ORDER BY id"
    ).fetchall()
    for person in people:
        kept = {k: person[k] for k in ("id", "name", "email", "organization_id", "role", "created_at")}
        known = by_email.get(str(person["email"]).lower())
        if known is None:
            cur = conn.execute(
                """INSERT INTO users (email, name, password_hash, role, organization_id, active, can_sign_in,
                   created_at, password_changed_at) VALUES (?,?,?,?,?,?,?,?,?)""",
                (
                    person["email"],
                    person["name"],
                    "",
                    person["role"],
                    person["organization_id"],
                    1,
                    0,
                    person["created_at"],
                    "",
                ),
            )
            user_id, into = int(cur.lastrowid or 0), "a new user who cannot sign in"
            by_email[str(person["email"]).lower()] = (user_id, str(person["name"]))
        else:
            user_id, into = known[0], "the user with this email"
            if not known[1].strip() and str(person["name"]).strip():
                conn.execute("UPDATE users SET name=? WHERE id=?", (person["name"], user_id))
        user_of[int(person["id"])] = user_id
        conn.execute(
            """INSERT INTO events (request_id, subject, subject_id, action, detail, who, at)
               VALUES (?,?,?,?,?,?,?)""",
            (None, "user", user_id, "merged", json.dumps({"person": kept, "into": into}), WHO, stamp),
        )
    # Re-point by request id, all at once: a person's id may equal another user's id.
    filed = conn.execute("SELECT id, requester_id FROM requests WHERE requester_id IS NOT NULL").fetchall()
    moves = [
        (user_of[int(r["requester_id"])], int(r["id"])) for r in filed if int(r["requester_id"]) in user_of
    ]
    if moves:
        conn.executemany("UPDATE requests SET requester_id=? WHERE id=?", moves)
