"""Backup and restore of a whole desk: one archive holding a consistent database copy and every file.

The database is copied with SQLite's online backup (consistent even while others write), the
originals, search index, codebooks and templates are added as they are, and a manifest records row
counts and a SHA-256 per file so a restore can prove it is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from researchdesk.desk import Desk, open_desk
from researchdesk.errors import DeskError, InputError
from researchdesk.library import check_library
from researchdesk.settings import Settings
from researchdesk.store.clock import now

FOLDERS = ("files", "index", "codebooks", "templates")
TABLES = (
    "documents",
    "passages",
    "sentences",
    "requests",
    "events",
    "evidence",
    "briefs",
    "organizations",
    "users",
)


@dataclass
class BackupReport:
    archive: Path
    files: int
    bytes: int
    counts: dict[str, int]


def backup(desk: Desk, archive: Path) -> BackupReport:
    """Write the whole desk to ``archive`` (a .tar.gz); return what it holds."""
    if desk.settings.database_url:
        raise InputError(
            "`researchdesk backup` archives embedded (SQLite) desks.",
            "For a PostgreSQL desk use pg_dump, or `researchdesk db copy` to an SQLite desk first.",
        )
    archive.parent.mkdir(parents=True, exist_ok=True)
    counts = {t: int(desk.store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
    with tempfile.TemporaryDirectory(dir=archive.parent) as tmp:
        db_copy = desk.store.backup(Path(tmp) / "desk.sqlite3")
        members: dict[str, Path] = {"desk.sqlite3": db_copy}
        for folder in FOLDERS:
            root = desk.home / folder
            if root.is_dir():
                for path in sorted(root.rglob("*")):
                    if path.is_file() and not path.name.endswith(".tmp"):
                        members[path.relative_to(desk.home).as_posix()] = path
        manifest = {
            "created_at": now(),
            "schema_version": desk.store.schema_version(),
            "counts": counts,
            "files": {name: _sha256(path) for name, path in members.items()},
        }
        manifest_path = Path(tmp) / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, indent=2))
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(manifest_path, arcname="manifest.json")
            for name, path in members.items():
                tar.add(path, arcname=name)
        os.replace(partial, archive)  # an interrupted backup never leaves a truncated archive behind
    size = sum(p.stat().st_size for p in members.values() if p.exists())
    return BackupReport(archive, len(members), size, counts)


def restore(archive: Path, home: Path) -> Desk:
    """Unpack ``archive`` into the empty folder ``home``, verify every file and row count; return the desk."""
    if home.exists() and any(home.iterdir()):
        raise InputError(
            f"{home} is not empty.", "Restore into a new or empty folder, so nothing is overwritten."
        )
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115  (closed by the `with tar:` below)
    except (OSError, tarfile.TarError) as exc:
        raise InputError(
            f"{archive} is not a ResearchDesk backup ({exc}).", "Give a file made by `researchdesk backup`."
        ) from exc
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=home.parent if home.parent.exists() else None))
    try:
        with tar:
            tar.extractall(staging, filter="data")  # the data filter refuses absolute paths and ../ escapes
        manifest = json.loads((staging / "manifest.json").read_text())
        for name, digest in manifest["files"].items():
            path = staging / name
            if not path.is_file() or _sha256(path) != digest:
                raise DeskError(
                    f"The backup is damaged: {name} is missing or changed.", "Use another backup."
                )
        # Counted in the file as archived, before opening it migrates it: an archive of an older schema
        # records the tables of its day (``people`` before schema 5), and they must all be there.
        if _counts(staging / "desk.sqlite3", list(manifest["counts"])) != manifest["counts"]:
            raise DeskError(
                "The restored database does not hold the rows the backup recorded.", "Use another backup."
            )
        (staging / "manifest.json").unlink()
        home.parent.mkdir(parents=True, exist_ok=True)
        if home.exists():
            home.rmdir()
        shutil.move(str(staging), str(home))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    desk = open_desk(Settings(home=home))
    report = check_library(desk)
    if not report.ok:
        desk.close()
        raise DeskError(
            "The restored desk fails its check: " + "; ".join(report.errors[:3]), "Use another backup."
        )
    return desk


def _counts(db_file: Path, tables: list[str]) -> dict[str, int] | None:
    """Return the row count of each table in a SQLite file, or None when one is missing."""
    conn = sqlite3.connect(db_file)
    try:
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
