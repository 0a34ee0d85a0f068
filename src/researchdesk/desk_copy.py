"""Move a whole desk between stores (SQLite ⇄ PostgreSQL), verified by per-table counts and checksums.

Every table of the schema is copied parents first (so foreign keys hold), ids preserved, in one
transaction on the target; identity sequences of a PostgreSQL target are then moved past the copied
ids. Each table's checksum is the SHA-256 of its rows as canonical JSON lines (schema columns, in
schema order), sorted, so the two databases' different text orderings do not matter. Embeddings go
along where the target keeps them: a SQLite desk's saved index feeds a PostgreSQL target's
``passage_embeddings``; a PostgreSQL source's embeddings become a SQLite target's index files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from researchdesk.errors import DeskError, DeskNotFound, InputError
from researchdesk.store.postgres import PostgresStore, is_postgres_url, redact
from researchdesk.store.sql_catalog import parents_first, schema_catalog
from researchdesk.store.sqlite import SqliteStore

BATCH = 2000
DB_FILE = "desk.sqlite3"


@dataclass
class TableCheck:
    """One table's row counts and checksums on both sides."""

    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sha256 == self.target_sha256


@dataclass
class CopyReport:
    """What a copy moved and whether every table arrived intact."""

    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)
    embeddings: int = 0
    files: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


@dataclass
class Location:
    """A desk named on the command line: a PostgreSQL URL, a desk folder or a SQLite file."""

    text: str
    url: str = ""
    db_file: Path | None = None
    home: Path | None = None  # the desk folder (files, index), when there is one

    @property
    def is_postgres(self) -> bool:
        return bool(self.url)

    def describe(self) -> str:
        return redact(self.url) if self.url else str(self.db_file)


def locate(text: str) -> Location:
    """Return where ``text`` points: postgresql://... , a desk folder, or a .sqlite3 file."""
    if is_postgres_url(text):
        return Location(text, url=text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    path = Path(text).expanduser()
    if path.suffix in (".sqlite3", ".sqlite", ".db") or path.is_file():
        return Location(text, db_file=path, home=path.parent)
    return Location(text, db_file=path / DB_FILE, home=path)


def open_location(where: Location, create: bool) -> SqliteStore:
    """Return the store at ``where``; ``create`` makes a new SQLite desk or the schema in an empty database."""
    if where.is_postgres:
        return PostgresStore(where.url, create=create)
    assert where.db_file is not None
    if not where.db_file.exists():
        if not create:
            raise DeskNotFound(where.home or where.db_file.parent)
        where.db_file.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(where.db_file, where.db_file.parent / "backups")


def table_rows(store: SqliteStore, table: str) -> Iterator[tuple[Any, ...]]:
    """Yield a table's rows (schema columns, schema order), ordered by primary key."""
    info = schema_catalog()[table]
    cols = ", ".join(info.columns)
    order = ", ".join(info.primary_key) if info.primary_key else "rowid"
    for row in store.conn.execute(f"SELECT {cols} FROM {table} ORDER BY {order}"):
        yield tuple(row)


def _canonical(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float) and value.is_integer():
        return value  # keep floats floats: 1.0 stays 1.0 on both sides
    return value


def table_checksum(store: SqliteStore, table: str) -> tuple[int, str]:
    """Return (row count, SHA-256 of the sorted canonical JSON lines of the rows)."""
    lines = sorted(
        json.dumps([_canonical(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        for row in table_rows(store, table)
    )
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return len(lines), digest.hexdigest()


def desk_checksums(store: SqliteStore) -> dict[str, tuple[int, str]]:
    """Return every schema table's (row count, checksum)."""
    return {table: table_checksum(store, table) for table in schema_catalog()}


def _count_rows(store: SqliteStore) -> int:
    return sum(int(store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in schema_catalog())


def copy_desk(
    source: str,
    target: str,
    files_of_postgres: Path | None = None,
    embedder_name: str = "minilm",
    progress: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy the desk at ``source`` into the empty desk ``target`` and return the verified report.

    ``source``/``target`` are postgresql:// URLs, desk folders or SQLite files. Original files are
    copied between desk folders; a PostgreSQL side uses ``files_of_postgres`` (the desk home's
    ``files`` folder) for them. Raises InputError when the target already holds rows.
    """
    src_loc, dst_loc = locate(source), locate(target)
    if src_loc.describe() == dst_loc.describe():
        raise InputError(
            "The source and the target of the copy are the same desk.", "Name two different desks."
        )
    src = open_location(src_loc, create=False)
    try:
        dst = open_location(dst_loc, create=True)
    except BaseException:
        src.close()
        raise
    report = CopyReport(src_loc.describe(), dst_loc.describe())
    try:
        existing = _count_rows(dst)
        if existing:
            raise InputError(
                f"The target {dst_loc.describe()} already holds {existing} rows.",
                "Copy into a new desk folder or an empty database (drop and create it first).",
            )
        _copy_rows(src, dst, progress)
        for table in schema_catalog():
            n_src, sha_src = table_checksum(src, table)
            n_dst, sha_dst = table_checksum(dst, table)
            report.tables.append(TableCheck(table, n_src, n_dst, sha_src, sha_dst))
        report.files = _copy_files(src_loc, dst_loc, files_of_postgres, report)
        report.embeddings = _carry_embeddings(src, dst, src_loc, dst_loc, embedder_name, report)
    finally:
        src.close()
        dst.close()
    return report


def _copy_rows(src: SqliteStore, dst: SqliteStore, progress: Callable[[str, int], None] | None) -> None:
    catalog = schema_catalog()
    with dst.transaction() as conn:
        for table in parents_first(catalog):
            info = catalog[table]
            marks = ",".join("?" * len(info.columns))
            sql = f"INSERT INTO {table} ({', '.join(info.columns)}) VALUES ({marks})"
            batch: list[tuple[Any, ...]] = []
            done = 0
            for row in table_rows(src, table):
                batch.append(row)
                if len(batch) >= BATCH:
                    conn.executemany(sql, batch)
                    done += len(batch)
                    batch = []
                    if progress is not None:
                        progress(table, done)
            if batch:
                conn.executemany(sql, batch)
                done += len(batch)
            if progress is not None:
                progress(table, done)
        if isinstance(dst, PostgresStore):
            raw = dst.pg.raw()
            for table, info in catalog.items():
                if info.integer_key:
                    # Identity columns do not see explicitly inserted ids: move them past the copies.
                    raw.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{info.integer_key}'), "
                        f"coalesce((SELECT max({info.integer_key}) FROM {table}), 0) + 1, false)"
                    )


def _files_dir(where: Location, files_of_postgres: Path | None) -> Path | None:
    if where.is_postgres:
        return files_of_postgres
    return where.home / "files" if where.home is not None else None


def _copy_files(src: Location, dst: Location, files_of_postgres: Path | None, report: CopyReport) -> int:
    """Copy original files the target's folder lacks; return how many were copied."""
    src_dir, dst_dir = _files_dir(src, files_of_postgres), _files_dir(dst, files_of_postgres)
    if src_dir is None or dst_dir is None or not src_dir.exists():
        report.notes.append("Original files were not copied (no files folder on one side).")
        return 0
    if src_dir.resolve() == dst_dir.resolve():
        report.notes.append(f"Both desks keep their original files in {src_dir}.")
        return 0
    copied = 0
    for path in src_dir.glob("*/*/*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        target = dst_dir / path.relative_to(src_dir)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied += 1
    return copied


def _carry_embeddings(
    src: SqliteStore,
    dst: SqliteStore,
    src_loc: Location,
    dst_loc: Location,
    embedder_name: str,
    report: CopyReport,
) -> int:
    """Move passage embeddings to where the target keeps them; return how many were moved."""
    from researchdesk.search.embed import get_embedder, passage_space

    embedder = get_embedder(embedder_name)
    if embedder is None:
        return 0
    if isinstance(dst, PostgresStore) and not isinstance(src, PostgresStore) and src_loc.home is not None:
        return _index_to_postgres(src_loc.home / "index", dst, passage_space(embedder), report)
    if isinstance(src, PostgresStore) and not isinstance(dst, PostgresStore) and dst_loc.home is not None:
        return _postgres_to_index(src, dst, dst_loc.home / "index", embedder, report)
    return 0


def _index_to_postgres(index_dir: Path, dst: PostgresStore, model: str, report: CopyReport) -> int:
    import numpy as np

    from researchdesk.search.postgres_sync import build_vector_index, write_embeddings

    meta_path = index_dir / "meta.json"
    if not meta_path.exists():
        report.notes.append(
            "The source desk has no saved search index; `researchdesk index embed` embeds the passages."
        )
        return 0
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("embedder") != model or not (index_dir / "embeddings.npy").exists():
        report.notes.append(
            f"The source index holds no {model} embeddings; `researchdesk index embed` computes them."
        )
        return 0
    from researchdesk.search.catalog import PassageTable

    table = PassageTable.load(index_dir)
    vectors = np.load(index_dir / "embeddings.npy", allow_pickle=False)
    embedded_path = index_dir / "embedded.npy"  # rows embedded so far (absent: all of them)
    embedded = (
        np.load(embedded_path, allow_pickle=False).astype(bool)
        if embedded_path.exists()
        else np.ones(len(table), dtype=bool)
    )
    present = {int(r[0]) for r in dst.pg.raw().execute("SELECT id FROM passages")}
    keep = [i for i, pid in enumerate(table.passage_id.tolist()) if pid in present and embedded[i]]
    ids = [(int(table.passage_id[i]), int(table.document_id[i])) for i in keep]
    dst.pg.raw().execute("DROP INDEX IF EXISTS passage_embeddings_hnsw")
    written = write_embeddings(dst, ids, vectors[keep], model)
    build_vector_index(dst)
    return written


def _postgres_to_index(
    src: PostgresStore, dst: SqliteStore, index_dir: Path, embedder: Any, report: CopyReport
) -> int:
    import numpy as np

    from researchdesk.search.embed import passage_space
    from researchdesk.search.index import SearchIndex, embedding_text

    raw = src.pg.raw()
    rows = raw.execute(
        "SELECT passage_id, embedding::text FROM passage_embeddings WHERE model = %s",
        (passage_space(embedder),),
    ).fetchall()
    if not rows:
        report.notes.append(
            "The source database holds no embeddings; `researchdesk index embed` computes them."
        )
        return 0
    by_id = {int(r[0]): np.array(json.loads(r[1]), dtype=np.float32) for r in rows}
    passages = list(dst.iter_indexed_passages())
    if any(p.passage_id not in by_id for p in passages):
        report.notes.append(
            "Some passages have no embedding in the source; `researchdesk index embed` computes them."
        )
        return 0
    by_text = {embedding_text(p): by_id[p.passage_id] for p in passages}
    index = SearchIndex.build(passages, _Precomputed(embedder, by_text))
    index.save(index_dir)
    return len(passages)


class _Precomputed:
    """An embedder that answers from vectors already computed by the same model."""

    def __init__(self, embedder: Any, vectors: dict[str, Any]) -> None:
        self.name = embedder.name
        self.dim = embedder.dim
        self.vectors = vectors

    def encode(self, texts: list[str], batch_size: int = 64) -> Any:
        import numpy as np

        try:
            return np.vstack([self.vectors[t] for t in texts]).astype(np.float32)
        except KeyError as exc:
            raise DeskError(
                "A passage's embedding is missing from the source.", "Run the copy again."
            ) from exc
