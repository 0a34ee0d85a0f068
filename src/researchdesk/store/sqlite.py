"""The embedded store: one SQLite database (WAL) with versioned migrations, backed up before each upgrade."""

from __future__ import annotations

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
        for version in range(current + 1, schema.LATEST + 1):
            with self.transaction() as conn:
                for statement in _statements(schema.MIGRATIONS[version - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={version}")
            applied.append(version)
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


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
