"""Shared fixtures: real desks built from the real sample library, once per test session."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from researchdesk.desk import Desk, init_desk
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SHARED = Path(
    os.environ.get("RESEARCHDESK_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
)
SAMPLE_LIBRARY = SHARED / "library" / "pcd2024"


def make_desk(home: Path, **overrides: object) -> Desk:
    """Return a new desk in ``home`` with settings overridden as given."""
    return init_desk(Settings(home=home, **overrides))  # type: ignore[arg-type]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    d = make_desk(tmp_path / "desk")
    yield d
    d.close()


@pytest.fixture(scope="session")
def sample_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """A desk holding the whole sample library (no search index).

    RESEARCHDESK_TEST_SAMPLE_DESK may name a desk already built from the sample library (with its
    index); it is copied, not rebuilt, which saves the embedding time when iterating locally.
    """
    home = tmp_path_factory.mktemp("sample") / "desk"
    prebuilt = os.environ.get("RESEARCHDESK_TEST_SAMPLE_DESK")
    if prebuilt:
        shutil.copytree(prebuilt, home)
    d = make_desk(home)
    ingest_paths(d, [SAMPLE_LIBRARY])
    yield d
    d.close()


@pytest.fixture(scope="session")
def indexed_desk(sample_desk: Desk) -> Desk:
    """The sample desk with its search index built (embeddings computed once per test session)."""
    from researchdesk.search.desk import sync_index

    sync_index(sample_desk.store, sample_desk.settings)
    return sample_desk


# --- both stores: SQLite always, PostgreSQL when RESEARCHDESK_TEST_DATABASE_URL is set ----------------
# (store engineer's block: `store_url` runs a test on each store; `.ci/run` starts a PostgreSQL)

PG_URL = os.environ.get("RESEARCHDESK_TEST_DATABASE_URL", "").strip()
PG_SKIP_REASON = (
    "PostgreSQL half skipped: RESEARCHDESK_TEST_DATABASE_URL is not set "
    "(start a server with `python scripts/pg_test_server.py start`, or run `.ci/run`)"
)


def reset_postgres(url: str) -> None:
    """Empty the test database (every table, the schema version and the extensions' objects)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """'' for a SQLite desk, or the URL of an emptied PostgreSQL test database."""
    if request.param == "sqlite":
        return ""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    reset_postgres(PG_URL)
    return PG_URL


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the PostgreSQL half of the store tests ran."""
    if PG_URL:
        terminalreporter.write_line(f"PostgreSQL store tests ran against {PG_URL.split('@')[-1]}.")
    else:
        terminalreporter.write_line(PG_SKIP_REASON + ".", yellow=True)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that opens a connection to an address off this machine (the desk works offline;
    network services are replayed from recordings, PostgreSQL, SMTP and the browser run on loopback)."""
    real = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if (
            isinstance(host, str)
            and not (host.startswith("127.") or host in ("::1", "localhost"))
            and self.family != socket.AF_UNIX
        ):
            pytest.fail(f"a test opened a network connection to {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield
