"""The server store: the same rows and row methods as the SQLite store, kept in PostgreSQL.

Only the connection layer differs. ``PgConnection`` accepts the ``execute(sql, params)`` calls the
row methods make (SQLite-flavoured SQL with ``?`` placeholders, translated by ``dialect``), returns
rows usable as ``row["col"]``, ``row[0]`` and ``dict(row)``, and gives cursors ``lastrowid`` and
``rowcount``. A store holds one server connection; threads sharing a store take turns, a statement
or a whole transaction at a time, so two threads' transactions never mix.

Migrations are applied only on request (``researchdesk db migrate``): a server database on an older
schema refuses to open, because other processes may be using it. The version is recorded in the
table ``schema_version``.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from researchdesk.errors import ConfigError, DeskError, SchemaError
from researchdesk.store import dialect, schema
from researchdesk.store.clock import now
from researchdesk.store.integrity import mapped
from researchdesk.store.sqlite import SqliteStore

# Derived search structures of the server store (rebuilt by `sync_index`, not part of the copied desk):
# the embeddings; the lexical search's tables are its backend's own (``search/postgres.py``).
SEARCH_DDL = (
    "CREATE EXTENSION IF NOT EXISTS vector",
    """CREATE TABLE IF NOT EXISTS passage_embeddings (
        passage_id BIGINT PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
        document_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        embedding vector(384) NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS passage_embeddings_document ON passage_embeddings (document_id)",
    """CREATE INDEX IF NOT EXISTS passage_embeddings_hnsw ON passage_embeddings
       USING hnsw (embedding vector_cosine_ops)""",
)
SEARCH_TABLES = ("passage_embeddings",)
# Any fixed number: serialises concurrent `db migrate` runs on one database.
_MIGRATE_LOCK = 7_104_2024


def is_postgres_url(url: str) -> bool:
    """Return True when ``url`` names a PostgreSQL database."""
    return url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def redact(url: str) -> str:
    """Return the URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PgRow(tuple[Any, ...]):
    """A result row readable by position, by column name, and as a mapping (``dict(row)``)."""

    _names: tuple[str, ...]
    _index: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Any:
    description = cursor.description or []
    names = [d.name for d in description]
    # The hidden rowid column of tables without an integer key is an implementation detail.
    keep = [i for i, n in enumerate(names) if n != "rowid"] if "rowid" in names else None
    kept_names = tuple(names[i] for i in keep) if keep is not None else tuple(names)
    index = {n: i for i, n in enumerate(kept_names)}

    def make(values: Sequence[Any]) -> PgRow:
        row = PgRow(values if keep is None else [values[i] for i in keep])
        row._names = kept_names
        row._index = index
        return row

    return make


class PgCursor:
    """The part of a DB-API cursor the row methods use: rows, ``lastrowid`` and ``rowcount``."""

    def __init__(self, rows: list[PgRow], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self._pos = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def fetchone(self) -> PgRow | None:
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    def fetchall(self) -> list[PgRow]:
        rest = self._rows[self._pos :]
        self._pos = len(self._rows)
        return rest

    def __iter__(self) -> Iterator[PgRow]:
        while self._pos < len(self._rows):
            self._pos += 1
            yield self._rows[self._pos - 1]


class PgConnection:
    """SQLite-style ``execute`` over psycopg: one server connection per store, autocommit outside transactions.

    One connection, not one per thread: a store is opened for one piece of work (a web request, a job,
    a command) whose steps may run one after another on different worker threads. A connection per
    thread made one web request hold up to three connections, and a cached search index one per
    worker thread that ever searched, so 50 busy users ran the server out of connections ("sorry, too
    many clients already"). Threads that do share a store take turns (``turn``): one statement, or one
    whole transaction, at a time, so two threads' transactions never mix.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.turn = threading.RLock()
        self._conn: Any = None
        self.raw()  # connect now, so a wrong URL fails at open time

    def raw(self) -> Any:
        """Return the store's psycopg connection (opened again if it was closed)."""
        with self.turn:
            if self._conn is None or self._conn.closed:
                self._conn = _connect(self.url)
            return self._conn

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> PgCursor:
        translated = dialect.translate(sql)
        with self.turn:
            cur = self.raw().cursor(row_factory=_row_factory)
            try:
                with mapped():
                    cur.execute(translated.sql, tuple(parameters) or None)
                rows = cur.fetchall() if cur.description is not None else []
                lastrowid = None
                if translated.returns_id:
                    lastrowid = int(rows[0][0]) if rows else None
                    rows = []
                return PgCursor(rows, cur.rowcount, lastrowid)
            finally:
                cur.close()

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> PgCursor:
        translated = dialect.translate(sql)
        text = translated.sql
        if translated.returns_id:
            text = re.sub(r"\s+RETURNING\s+\S+$", "", text)
        with self.turn, self.raw().cursor() as cur, mapped():
            cur.executemany(text, [tuple(p) for p in seq])
            return PgCursor([], cur.rowcount, None)

    def close(self) -> None:
        with self.turn:
            if self._conn is not None:
                self._conn.close()
            self._conn = None


def _drop_foreign_key(raw: Any, key: schema.Repoint) -> None:
    """Drop the foreign key constraint of ``key.table.column``, whatever it was named (a migration moves it)."""
    names = raw.execute(
        """SELECT c.conname FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
           WHERE c.contype = 'f' AND c.conrelid = to_regclass(%s) AND a.attname = %s""",
        (key.table, key.column),
    ).fetchall()
    for (name,) in names:
        raw.execute(f'ALTER TABLE {key.table} DROP CONSTRAINT "{name}"')


def _connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        raise ConfigError(
            "The PostgreSQL store needs the package psycopg.",
            "Install it with `pip install 'psycopg[binary]'`.",
        ) from exc
    try:
        return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    except psycopg.OperationalError as exc:
        raise DeskError(
            f"Cannot connect to the PostgreSQL database {redact(url)}: {str(exc).strip()}.",
            "Check RESEARCHDESK_DATABASE_URL (postgresql://user:password@host:port/dbname) and that the "
            "server is running and reachable.",
        ) from exc


class PostgresStore(SqliteStore):
    """The desk's rows in a PostgreSQL database; every row method is the SQLite store's own.

    ``create=True`` (``researchdesk init``) builds the schema in an empty database. Otherwise the
    database must be at the schema this ResearchDesk expects, or opening fails with a SchemaError
    that says to run ``researchdesk db migrate`` (``check=False`` skips that, for the db commands).
    """

    dialect = "postgresql"
    ROW_LOCK = " FOR UPDATE"

    def __init__(self, url: str, create: bool = False, check: bool = True) -> None:
        self.url = url
        self.path = Path(redact(url))
        self.backups_dir = Path()
        self.pg = PgConnection(url)
        # The row methods are typed against sqlite3; PgConnection answers the same calls.
        self.conn = cast(sqlite3.Connection, self.pg)
        current = self.schema_version()
        if current == 0 and create and not self._has_tables():
            self.migrate()
        elif check:
            self.check_schema()

    # --- schema ---------------------------------------------------------------------------------

    def _has_tables(self) -> bool:
        row = (
            self.pg.raw()
            .execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
            .fetchone()
        )
        return bool(row and row[0])

    def schema_version(self) -> int:
        raw = self.pg.raw()
        exists = raw.execute("SELECT to_regclass('schema_version')").fetchone()[0]
        if exists is None:
            return 0
        return int(raw.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])

    def check_schema(self) -> None:
        """Raise SchemaError unless the database is at this ResearchDesk's schema version."""
        current = self.schema_version()
        where = redact(self.url)
        if current > schema.LATEST:
            raise SchemaError(
                f"The PostgreSQL database {where} has schema version {current}, newer than this "
                f"ResearchDesk understands ({schema.LATEST}).",
                "Upgrade ResearchDesk (pip install -U researchdesk) on this machine.",
            )
        if current < schema.LATEST:
            what = "has no desk schema" if current == 0 else f"is at schema version {current}"
            raise SchemaError(
                f"The PostgreSQL database {where} {what}; this ResearchDesk needs version {schema.LATEST}.",
                "Back it up (pg_dump) and run `researchdesk db migrate`, then start again."
                if current
                else "Create the schema with `researchdesk init` or `researchdesk db migrate`.",
            )
        missing = [
            t
            for t in SEARCH_TABLES
            if self.pg.raw().execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is None
        ]
        if missing:
            raise SchemaError(
                f"The PostgreSQL database {where} lacks the search tables {', '.join(missing)}.",
                "Run `researchdesk db migrate` to create them.",
            )

    def pending_migrations(self) -> list[int]:
        """Return the schema versions `migrate` would apply."""
        return list(range(self.schema_version() + 1, schema.LATEST + 1))

    def migrate(self) -> list[int]:
        """Apply pending migrations (each in one transaction) and the search tables; return versions applied."""
        raw = self.pg.raw()
        applied: list[int] = []
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
            raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        current = self.schema_version()
        if current > schema.LATEST:
            self.check_schema()
        for version in range(current + 1, schema.LATEST + 1):
            with raw.transaction():
                raw.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
                if self.schema_version() >= version:
                    continue  # another process applied it meanwhile
                migration = schema.MIGRATIONS[version - 1]
                if isinstance(migration, str):
                    for statement in dialect.translate_ddl(migration):
                        raw.execute(statement)
                else:
                    for statement in dialect.translate_ddl(migration.before):
                        raw.execute(statement)
                    for key in migration.repoint:
                        _drop_foreign_key(raw, key)
                    migration.move(self.pg)
                    for key in migration.repoint:
                        raw.execute(
                            f"ALTER TABLE {key.table} ADD CONSTRAINT {key.table}_{key.column}_fkey "
                            f"FOREIGN KEY ({key.column}) REFERENCES {key.parent}(id)"
                        )
                    for statement in dialect.translate_ddl(migration.after):
                        raw.execute(statement)
                raw.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (%s, %s)", (version, now())
                )
            applied.append(version)
        try:
            with raw.transaction():
                raw.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
                for statement in SEARCH_DDL:
                    raw.execute(statement)
        except Exception as exc:
            if "vector" in str(exc):
                raise ConfigError(
                    f"The PostgreSQL server of {redact(self.url)} has no pgvector extension: {exc}".strip(),
                    "Install pgvector on the server (e.g. the postgresql-NN-pgvector package) and run "
                    "`researchdesk db migrate` again; a database owner may need to run CREATE EXTENSION vector.",
                ) from exc
            raise
        return applied

    def backup(self, target: Path) -> Path:
        raise DeskError(
            "A PostgreSQL desk is backed up with the server's own tools.",
            f"Run pg_dump on {redact(self.url)}, or `researchdesk db copy --from URL --to {target}`.",
        )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one transaction (a savepoint when nested): all of it lands or none of it (a broken
        constraint: AlreadyExists or ConstraintError, as on SQLite)."""
        with self.pg.turn, mapped(), self.pg.raw().transaction():  # mapped(): what the commit refuses
            yield self.conn

    def close(self) -> None:
        self.pg.close()

    def integrity_check(self) -> str:
        """Return "ok": the server checks its own pages; row-level checks are `check_library`'s."""
        return "ok"
