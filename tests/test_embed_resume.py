"""Embedding after ingest: the words first, the vectors afterwards; a SIGKILL mid-way loses nothing.

Each test runs on SQLite (the index files) and, when RESEARCHDESK_TEST_DATABASE_URL is set, on
PostgreSQL (``passage_embeddings``). The killed process is a real `researchdesk index embed`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import PG_SKIP_REASON, PG_URL, SAMPLE_LIBRARY, reset_postgres
from researchdesk.desk import Desk, init_desk
from researchdesk.ingest.pipeline import ingest_paths
from researchdesk.search.desk import search, semantic_coverage, sync_index
from researchdesk.search.embed import MiniLMEmbedder, get_embedder
from researchdesk.search.index import SearchIndex, embedding_text
from researchdesk.settings import Settings

# Four articles of the sample library: about 440 passages, some seconds of embedding.
ARTICLES = sorted(SAMPLE_LIBRARY.glob("*.htm"))[:4]
CHECKPOINT = 16
CHECKED = 96  # saved vectors compared with the model's, at random


def _desk(home: Path, url: str) -> Desk:
    desk = init_desk(Settings(home=home, database_url=url, embedder="minilm-onnx"))
    report = ingest_paths(desk, ARTICLES)
    assert report.added == len(ARTICLES)
    return desk


def _env(desk: Desk) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESEARCHDESK_")}
    env.update(RESEARCHDESK_EMBEDDER="minilm-onnx", RESEARCHDESK_DATABASE_URL=desk.settings.database_url)
    return env


def _cli(desk: Desk, *args: str) -> list[str]:
    return [sys.executable, "-m", "researchdesk", "--home", str(desk.settings.home), *args]


def _stored(desk: Desk) -> dict[int, np.ndarray]:
    """Return passage id → vector of every passage whose vector is saved (read as another process would)."""
    if desk.store.dialect == "postgresql":
        rows = (
            desk.store.pg.raw()
            .execute("SELECT passage_id, embedding::text FROM passage_embeddings")
            .fetchall()
        )
        return {int(r[0]): np.array(json.loads(r[1]), dtype=np.float32) for r in rows}
    directory = desk.settings.index_dir
    if not (directory / "embedded.npy").exists():
        return {}
    index = SearchIndex.load(directory, MiniLMEmbedder())
    assert index.vectors is not None
    return {
        int(pid): index.vectors[row] for row, pid in enumerate(index.table.passage_id) if index.embedded[row]
    }


def _embedded_count(desk: Desk) -> int:
    if desk.store.dialect == "postgresql":
        return int(desk.store.pg.raw().execute("SELECT count(*) FROM passage_embeddings").fetchone()[0])
    try:
        meta = json.loads((desk.settings.index_dir / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0  # being replaced at this instant
    return int(meta.get("embedded", 0))


def _check_vectors(desk: Desk, stored: dict[int, np.ndarray]) -> None:
    """Saved vectors are the ones the model gives the passages' texts (nothing half written)."""
    passages = {p.passage_id: p for p in desk.store.iter_indexed_passages()}
    ids = sorted(stored)
    if len(ids) > CHECKED:
        ids = sorted(np.random.default_rng(0).choice(ids, CHECKED, replace=False).tolist())
    embedder = get_embedder("minilm-onnx")
    assert embedder is not None
    fresh = embedder.encode([embedding_text(passages[i]) for i in ids])
    np.testing.assert_allclose(np.stack([stored[i] for i in ids]), fresh, atol=1e-5)


def test_a_kill_mid_embedding_loses_nothing_and_the_next_run_goes_on(tmp_path: Path, store_url: str) -> None:
    desk = _desk(tmp_path / "desk", store_url)
    words = sync_index(desk.store, desk.settings, embed=False)  # what `ingest --no-wait` leaves
    total = len(words)
    assert words.coverage().embedded == 0 and total > 20 * CHECKPOINT
    lexical = search(desk.store, desk.settings, "tobacco retail licensing", embed=False)
    assert lexical.mode == "lexical" and lexical.hits  # searchable before any vector exists

    proc = subprocess.Popen(
        _cli(desk, "index", "embed", "--checkpoint", str(CHECKPOINT)),
        env=_env(desk),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen, deadline = 0, time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        seen = _embedded_count(desk)
        if seen >= 2 * CHECKPOINT:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"index embed ended before it could be killed: {proc.stderr.read()!r}"  # type: ignore[union-attr]
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    kept = _stored(desk)  # the index (or database) opens and holds every checkpoint saved before the kill
    assert seen <= len(kept) < total, (seen, len(kept), total)
    _check_vectors(desk, kept)
    coverage = semantic_coverage(desk.store, desk.settings)
    assert coverage.embedded == len(kept) and coverage.passages == total
    partial = search(desk.store, desk.settings, "tobacco retail licensing", embed=False)
    assert partial.mode == "hybrid" and partial.semantic_index == coverage  # hybrid for what is embedded
    assert any(coverage.line() in note for note in partial.notes)

    done = subprocess.run(
        _cli(desk, "index", "embed", "--checkpoint", str(CHECKPOINT), "--json"),
        env=_env(desk),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["complete"] and report["embedded"] == total
    assert report["embedded_now"] == total - len(kept)  # resumed where it stopped, not started over
    final = _stored(desk)
    assert len(final) == total and all(np.array_equal(final[i], v) for i, v in kept.items())
    _check_vectors(desk, final)
    desk.close()


def test_a_worker_crash_between_the_two_renames_of_a_save_keeps_the_index(tmp_path: Path) -> None:
    desk = _desk(tmp_path / "desk", "")
    index = sync_index(desk.store, desk.settings, embed=False)
    index.embed_pending(limit=50)
    index.save(desk.settings.index_dir)
    directory = desk.settings.index_dir
    # What a kill after "move the index aside" and before "move the new copy in" leaves behind.
    directory.rename(directory.with_name("index.old"))
    again = sync_index(desk.store, desk.settings, embed=False)
    assert again.coverage().embedded == index.coverage().embedded > 0
    desk.close()


def _pg_desk(tmp_path: Path) -> Desk:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    reset_postgres(PG_URL)
    return _desk(tmp_path / "desk", PG_URL)


def test_postgres_workers_skip_the_passages_another_is_embedding(tmp_path: Path) -> None:
    import psycopg

    desk = _pg_desk(tmp_path)
    total = len(sync_index(desk.store, desk.settings, embed=False))
    held = [int(r[0]) for r in desk.store.pg.raw().execute("SELECT id FROM passages ORDER BY id LIMIT 100")]
    with psycopg.connect(PG_URL) as other:  # another worker, its checkpoint under way
        other.execute("SELECT id FROM passages WHERE id = ANY(%s) FOR NO KEY UPDATE", (held,))
        result: list[int] = []
        run = threading.Thread(
            target=lambda: result.append(
                sync_index(desk.store, desk.settings, checkpoint=CHECKPOINT).embedded_now
            )
        )
        run.start()
        run.join(timeout=300)
        assert not run.is_alive(), "a worker waited for passages another worker holds"
        assert result == [total - len(held)]
        assert not set(held) & set(_stored(desk))
        other.rollback()  # that worker dies: its passages go back to the pool
    assert sync_index(desk.store, desk.settings).embedded_now == len(held)
    assert semantic_coverage(desk.store, desk.settings).complete
    desk.close()


def test_two_postgres_workers_split_the_library_between_them(tmp_path: Path) -> None:
    desk = _pg_desk(tmp_path)
    total = len(sync_index(desk.store, desk.settings, embed=False))
    procs = [
        subprocess.Popen(
            _cli(desk, "index", "embed", "--checkpoint", "8", "--json"),
            env=_env(desk),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    assert sum(r["embedded_now"] for r in reports) == total  # each passage embedded once, by one of them
    assert all(r["complete"] for r in reports)
    _check_vectors(desk, _stored(desk))
    desk.close()
