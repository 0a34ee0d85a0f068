"""The databases' constraint errors, mapped into the error tree: the one place that knows the drivers' classes.

Every statement either store runs passes through ``mapped()`` (the SQLite connection's ``execute``,
``PgConnection.execute``, and each store's ``transaction()`` for what a commit refuses), which hands a
driver's integrity error (sqlite3's or psycopg's) to ``refused``: a unique key already taken becomes
``AlreadyExists`` saying what is taken and what to do instead; any other broken rule (a foreign key, a
required value) becomes a ``ConstraintError``. Above the store, no caller sees a driver's exception
class, whether it wrote in a transaction or not.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from researchdesk.errors import AlreadyExists, ConstraintError, ResearchDeskError

# What the unique key of each table is, in words, and what to do instead of adding it again.
TAKEN: dict[str, tuple[str, str, str]] = {
    "organizations": (
        "member organization",
        "name",
        "Use that member (`researchdesk member list` lists them), or give the new one a name of its own.",
    ),
    "users": (
        "user",
        "email",
        "Reset their password with `researchdesk user reset-password` instead, or use another email.",
    ),
    "documents": (
        "document",
        "content",
        "It is in the library already (`researchdesk library list`): nothing needs adding.",
    ),
    "evidence": (
        "quote of this request",
        "document and place",
        "It is evidence of the request already (`researchdesk evidence list`).",
    ),
    "briefs": (
        "brief version",
        "number",
        "Someone saved a version at the same moment: open the brief again, then draft once more.",
    ),
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite desks work without it
        return None
    return psycopg


@lru_cache(maxsize=1)
def integrity_errors() -> tuple[type[Exception], ...]:
    """Return the exception classes the database drivers raise for a broken constraint."""
    psycopg = _psycopg()
    return (sqlite3.IntegrityError,) + ((psycopg.errors.IntegrityError,) if psycopg else ())


def duplicate_table(exc: Exception) -> str | None:
    """Return the table whose unique key ``exc`` reports as taken, or None for another broken rule."""
    if isinstance(exc, sqlite3.IntegrityError):
        found = _SQLITE_UNIQUE.match(str(exc))
        return found.group(1) if found else None
    psycopg = _psycopg()
    if psycopg is not None and isinstance(exc, psycopg.errors.UniqueViolation):
        return str(exc.diag.table_name or "?")
    return None


def refused(exc: Exception) -> ResearchDeskError:
    """Return the project's error for a driver's integrity error."""
    table = duplicate_table(exc)
    if table is None:
        return ConstraintError(" ".join(str(exc).split()))
    what, key, hint = TAKEN.get(
        table, (f"row of {table}", "key", "Nothing was saved: open what you were changing again and retry.")
    )
    return AlreadyExists(what, key, hint)


@contextmanager
def mapped() -> Iterator[None]:
    """Turn a driver's integrity error raised inside into the project's error (the driver's kept as the cause)."""
    try:
        yield
    except integrity_errors() as exc:
        raise refused(exc) from exc


class SqliteConnection(sqlite3.Connection):
    """A SQLite connection whose statements raise the project's errors for a broken constraint."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        with mapped():
            return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        with mapped():
            return super().executemany(sql, parameters)


@contextmanager
def naming(value: str) -> Iterator[None]:
    """Name ``value`` in an AlreadyExists raised inside (the databases do not both say which value)."""
    try:
        yield
    except AlreadyExists as exc:
        raise exc.naming(value) from exc.__cause__
