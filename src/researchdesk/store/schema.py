"""The versioned schema of the desk database: one list of migrations, applied in order.

``PRAGMA user_version`` (SQLite) or the table ``schema_version`` (PostgreSQL) holds the number of
migrations applied. A migration is never edited once released; a change is a new entry at the end.
Most are SQL (SQLite-flavoured, translated for PostgreSQL); one that moves rows between tables is a
``Migration``: SQL, then a Python step on the store's connection, then SQL, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from researchdesk.store.merge_people import merge_people


@dataclass(frozen=True)
class Repoint:
    """A foreign key moved: ``table.column`` references ``parent(id)`` from this migration on."""

    table: str
    column: str
    parent: str


@dataclass(frozen=True)
class Migration:
    """A migration that moves rows, in one transaction: ``before`` (SQL); the foreign keys in ``repoint``
    let go of their old tables; ``move(connection)``; the keys bound to their new tables (checked);
    ``after`` (SQL).

    The SQL is written once, SQLite-flavoured, as a plain migration's is; ``move`` gets the store's
    connection (``execute`` with ``?`` placeholders on either store), so the rows move alike on both.
    Each store moves a foreign key its own way (SQLite rebuilds the table, PostgreSQL swaps the
    constraint).
    """

    before: str
    move: Callable[[Any], None]
    after: str
    repoint: tuple[Repoint, ...] = ()

    @property
    def sql(self) -> str:
        """Return the migration's SQL (what the schema's catalogue reads, with ``repoint``)."""
        return f"{self.before};\n{self.after}"


def sql_of(migration: str | Migration) -> str:
    """Return the SQL of a migration, plain or with a row move."""
    return migration if isinstance(migration, str) else migration.sql


def repoints_of(migration: str | Migration) -> tuple[Repoint, ...]:
    """Return the foreign keys a migration moves (none for plain SQL)."""
    return () if isinstance(migration, str) else migration.repoint


MIGRATIONS: tuple[str | Migration, ...] = (
    # 1: the library
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        content_hash TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        norm_title TEXT NOT NULL DEFAULT '',
        authors TEXT NOT NULL DEFAULT '[]',
        publisher TEXT NOT NULL DEFAULT '',
        container TEXT NOT NULL DEFAULT '',
        date TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        doi TEXT NOT NULL DEFAULT '',
        source_type TEXT NOT NULL DEFAULT 'other',
        language TEXT NOT NULL DEFAULT '',
        abstract TEXT NOT NULL DEFAULT '',
        keywords TEXT NOT NULL DEFAULT '[]',
        file_name TEXT NOT NULL DEFAULT '',
        format TEXT NOT NULL,
        size INTEGER NOT NULL,
        pages INTEGER NOT NULL DEFAULT 0,
        text TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}',
        added_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX documents_doi ON documents(doi) WHERE doi != '';
    CREATE INDEX documents_norm_title ON documents(norm_title) WHERE norm_title != '';
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        section TEXT NOT NULL DEFAULT '',
        page INTEGER,
        kind TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        UNIQUE (document_id, seq)
    );
    CREATE TABLE sentences (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        passage_seq INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL
    );
    CREATE INDEX sentences_document ON sentences(document_id, passage_seq);
    CREATE TABLE document_edits (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        field TEXT NOT NULL,
        old TEXT NOT NULL,
        new TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL
    );
    """,
    # 2: members, requests, scans, evidence, briefs
    """
    CREATE TABLE organizations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        kind TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        organization_id INTEGER REFERENCES organizations(id),
        role TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        organization_id INTEGER NOT NULL REFERENCES organizations(id),
        requester_id INTEGER REFERENCES people(id),
        prompt TEXT NOT NULL,
        context TEXT NOT NULL DEFAULT '',
        due TEXT NOT NULL DEFAULT '',
        assignee TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        decline_reason TEXT NOT NULL DEFAULT '',
        plan TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        request_id INTEGER REFERENCES requests(id),
        subject TEXT NOT NULL,
        subject_id INTEGER,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        who TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX events_request ON events(request_id);
    CREATE TABLE scan_log (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests(id),
        run INTEGER NOT NULL,
        facet TEXT NOT NULL,
        query TEXT NOT NULL,
        filters TEXT NOT NULL DEFAULT '{}',
        mode TEXT NOT NULL,
        passages INTEGER NOT NULL,
        documents TEXT NOT NULL DEFAULT '[]',
        at TEXT NOT NULL
    );
    CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        request_id INTEGER REFERENCES requests(id),
        document_id INTEGER NOT NULL,
        passage_id INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        quote TEXT NOT NULL,
        pieces TEXT NOT NULL DEFAULT '[]',
        context TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL,
        confidence REAL NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        codes TEXT NOT NULL DEFAULT '[]',
        facet TEXT NOT NULL DEFAULT '',
        label TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'suggested',
        reviewer TEXT NOT NULL DEFAULT '',
        reviewed_at TEXT NOT NULL DEFAULT '',
        verification TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        UNIQUE (request_id, document_id, start, end)
    );
    CREATE INDEX evidence_request ON evidence(request_id, status);
    CREATE TABLE evidence_labels (
        evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL,
        role TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (evidence_id, reviewer)
    );
    CREATE TABLE briefs (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests(id),
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        check_report TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'draft',
        document_id INTEGER,
        created_at TEXT NOT NULL,
        delivered_at TEXT NOT NULL DEFAULT '',
        UNIQUE (request_id, version)
    );
    """,
    # 3: accounts, sessions, API tokens, login throttling, background jobs
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL DEFAULT '',
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        organization_id INTEGER REFERENCES organizations(id),
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        password_changed_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        last_used_at TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE login_attempts (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        ok INTEGER NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX login_attempts_email ON login_attempts(email, at);
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        args TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        message TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL DEFAULT '{}',
        created_by TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 4: review decisions kept as labels, the desk model's training data
    """
    CREATE TABLE review_labels (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER REFERENCES evidence(id) ON DELETE SET NULL,
        request_id INTEGER,
        document_id INTEGER NOT NULL,
        quote TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        reviewer TEXT NOT NULL,
        decision TEXT NOT NULL,
        role TEXT NOT NULL,
        suggested TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT 'review',
        active INTEGER NOT NULL DEFAULT 1,
        at TEXT NOT NULL
    );
    CREATE INDEX review_labels_evidence ON review_labels(evidence_id, reviewer);
    CREATE INDEX review_labels_active ON review_labels(active, id);
    """,
    # 5: one identity table: the people who file requests become users (those without a password cannot
    # sign in); requests' requester is a user (``merge_people.py``)
    Migration(
        before="ALTER TABLE users ADD COLUMN can_sign_in INTEGER NOT NULL DEFAULT 1",
        move=merge_people,
        after="DROP TABLE people",
        repoint=(Repoint("requests", "requester_id", "users"),),
    ),
)

LATEST = len(MIGRATIONS)
