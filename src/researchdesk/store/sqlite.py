"""The embedded store: one SQLite database (WAL) with versioned migrations, backed up before each upgrade."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from researchdesk.errors import SchemaError
from researchdesk.store import schema
from researchdesk.store.accounts import AccountRows
from researchdesk.store.clock import now
from researchdesk.store.documents import DocumentRows
from researchdesk.store.evidence import EvidenceRows
from researchdesk.store.integrity import SqliteConnection
from researchdesk.store.work import WorkRows


class SqliteStore(DocumentRows, WorkRows, EvidenceRows, AccountRows):
    """Rows of the desk in one SQLite file. Methods are grouped by object; all writes are transactions.

    This class holds the connection, the migrations and the transaction; the row methods are the
    mixins' (``documents.py``, ``work.py``, ``evidence.py``, ``accounts.py``), and the only ones:
    ``PostgresStore`` subclasses this class and swaps the connection layer (``store/postgres.py``),
    so SQL stays SQLite-flavoured with ``?``.
    """

    dialect = "sqlite"

    def __init__(self, path: Path, backups_dir: Path | None = None) -> None:
        self.path = path
        self.backups_dir = backups_dir or path.parent / "backups"
        self.conn = sqlite3.connect(
            path, timeout=30, isolation_level=None, check_same_thread=False, factory=SqliteConnection
        )
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.applied_on_open = self.migrate()

    # --- schema ---------------------------------------------------------------------------------

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> list[int]:
        """Apply pending migrations after a backup copy; return the versions applied."""
        current = self.schema_version()
        if current > schema.LATEST:
            raise SchemaError(
                f"The desk database {self.path} has schema version {current}, newer than this "
                f"ResearchDesk understands ({schema.LATEST}).",
                "Upgrade ResearchDesk (pip install -U researchdesk) before opening this desk.",
            )
        if current == schema.LATEST:
            return []
        if current > 0:
            self.backup(self.backups_dir / f"desk-v{current}-{now().replace(':', '')}.sqlite3")
        applied = []
        # A migration may rebuild a table others point at, which SQLite allows only with foreign keys
        # off (its documented way); each migration checks them all before it commits instead.
        self.conn.execute("PRAGMA foreign_keys=OFF")
        try:
            for version in range(current + 1, schema.LATEST + 1):
                with self.transaction() as conn:
                    _apply(conn, schema.MIGRATIONS[version - 1])
                    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(
                            f"Migration {version} of {self.path} would leave rows pointing at rows that do "
                            f"not exist ({', '.join(sorted({str(row[0]) for row in broken}))}); nothing was changed.",
                            "Report this as a bug; the desk stays as it was.",
                        )
                    conn.execute(f"PRAGMA user_version={version}")
                applied.append(version)
        finally:
            self.conn.execute("PRAGMA foreign_keys=ON")
        return applied

    def backup(self, target: Path) -> Path:
        """Copy the whole database consistently to ``target`` (SQLite online backup)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target)
        try:
            self.conn.backup(dest)
        finally:
            dest.close()
        return target

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one IMMEDIATE transaction: all of it lands or none of it (a broken constraint:
        AlreadyExists or ConstraintError)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")  # a constraint the commit refuses is mapped by the connection too

    def close(self) -> None:
        self.conn.close()

    def integrity_check(self) -> str:
        """Return SQLite's integrity check verdict ("ok" when the file is sound)."""
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])


def _apply(conn: sqlite3.Connection, migration: str | schema.Migration) -> None:
    """Run one migration's statements (and its row move) on ``conn``, inside the caller's transaction,
    with foreign keys off: the caller checks them all before it commits."""
    if isinstance(migration, str):
        for statement in _statements(migration):
            conn.execute(statement)
        return
    for statement in _statements(migration.before):
        conn.execute(statement)
    for key in migration.repoint:
        _repoint(conn, key)
    migration.move(conn)
    for statement in _statements(migration.after):
        conn.execute(statement)


def _repoint(conn: sqlite3.Connection, key: schema.Repoint) -> None:
    """Rebuild ``key.table`` with ``key.column`` referencing ``key.parent``, rows and indexes unchanged
    (SQLite cannot alter a foreign key; this is its documented way, run with foreign keys off)."""
    found = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (key.table,)
    ).fetchone()
    column = rf"(\b{key.column}\b[^,]*?\bREFERENCES\s+)\w+"
    rebuilt, swapped = re.subn(column, rf"\g<1>{key.parent}", str(found[0]) if found else "", flags=re.I)
    if swapped != 1:
        raise SchemaError(
            f"The table {key.table} has no foreign key {key.column} for a migration to move.",
            "Restore the backup the migration took (in the desk's backups folder) and report this as a bug.",
        )
    indexes = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL", (key.table,)
    ).fetchall()
    moved = f"{key.table}_moving"
    conn.execute(re.sub(rf"^\s*CREATE\s+TABLE\s+{key.table}\b", f"CREATE TABLE {moved}", rebuilt, flags=re.I))
    conn.execute(f"INSERT INTO {moved} SELECT * FROM {key.table}")
    conn.execute(f"DROP TABLE {key.table}")
    conn.execute(f"ALTER TABLE {moved} RENAME TO {key.table}")
    for (index_sql,) in indexes:
        conn.execute(index_sql)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
