"""Retrieval quality of each way to run MiniLM, in one run: does a faster embedder find the same things?

Usage:  python benchmarks/embed_quality.py [--embedders minilm,minilm-int8,minilm-int8-token] [--desk DIR]
                                           [--parts med,synergy]

For every embedder, the same indexes are built and searched as in ``benchmarks/retrieval.py`` (MED,
1,033 abstracts, 30 queries: dev = odd ids, held-out test = even ids) and
``benchmarks/retrieval_titled.py`` (the five SYNERGY screening sets, query = the review's title), with
the shipped fusion and feedback settings. Prints nDCG@10 of the semantic and hybrid modes per set,
each embedder's difference to the first (the baseline, PyTorch fp32), and the mean cosine between its
passage vectors and the baseline's. ``minilm-int8-all`` (not a setting) is ONNX Runtime's per-tensor
int8 on every weight matrix (the feed-forward outputs too), for comparison with the int8 recipes.

``--desk DIR`` (a desk built from the sample library) adds the member requests: the desk's passages
embedded by each embedder, searched with the requests' subjects (graded nDCG@10 of documents ranked
by their best passage, as in ``retrieval_titled.py --desk``). Repeated, ``--desk`` names copies of the
same desk whose indexes were embedded by other embedders: each embedder searches the one holding its
vectors instead of embedding the passages again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from _med import load_med, shared_data
from researchdesk.errors import DeskError
from researchdesk.search.embed import Embedder, OnnxMiniLMEmbedder, get_embedder
from researchdesk.search.index import SearchIndex
from retrieval import desk_run, ndcg_at
from retrieval_titled import SYNERGY, _graded, desk_ranking, load_set, passages

ROOT = Path(__file__).resolve().parents[1]


def make_embedder(name: str) -> Embedder:
    embedder = OnnxMiniLMEmbedder("int8-all") if name == "minilm-int8-all" else get_embedder(name)
    assert embedder is not None, name
    return embedder


def med_scores(embedder: Embedder) -> tuple[dict[str, float], np.ndarray]:
    """Return nDCG@10 per (mode, split) on MED, and the passage vectors."""
    coll = load_med()
    index = SearchIndex.build(coll.passages(), embedder)
    out = {}
    for mode in ("semantic", "hybrid"):
        run = desk_run(index, coll, mode)
        for split in ("dev", "test"):
            out[f"MED {split} {mode}"] = float(
                np.mean([ndcg_at(run[q], coll.qrels[q]) for q in coll.split(split)])
            )
    assert index.vectors is not None
    return out, index.vectors


def synergy_scores(embedder: Embedder, names: list[str]) -> tuple[dict[str, float], np.ndarray]:
    """Return nDCG@10 per (set, mode) on the SYNERGY sets, and all their passage vectors."""
    out: dict[str, float] = {}
    vectors = []
    for name in names:
        s = load_set(name)
        index = SearchIndex.build(passages(s), embedder)
        for mode in ("semantic", "hybrid"):
            out[f"{name} {mode}"] = ndcg_at(desk_ranking(index, s.query, mode), s.relevant)
        assert index.vectors is not None
        vectors.append(index.vectors)
    for mode in ("semantic", "hybrid"):
        out[f"SYNERGY mean {mode}"] = float(np.mean([out[f"{n} {mode}"] for n in names]))
    return out, np.vstack(vectors)


def request_scores(embedder: Embedder, desks: list[Path]) -> tuple[dict[str, float], np.ndarray]:
    """Return graded nDCG@10 of the member requests over the sample desk's passages, and the vectors.

    The first of ``desks`` whose saved index holds this embedder's vectors is searched as it is;
    otherwise the first desk's passages are embedded here.
    """
    from researchdesk.desk import open_desk
    from researchdesk.requests.subject import derive_subjects
    from researchdesk.settings import Settings

    for desk_dir in desks:
        try:
            index = SearchIndex.load(desk_dir / "index", embedder)
        except DeskError:
            continue
        desk = open_desk(Settings(home=desk_dir, embedder="none"))
        break
    else:
        desk = open_desk(Settings(home=desks[0], embedder="none"))
        index = SearchIndex.build(desk.store.iter_indexed_passages(), embedder)
    order = np.argsort(index.table.passage_id)  # rows in passage order, whichever desk they come from
    files = {d.id: d.file_name for d in desk.store.documents() if str(d.meta.source_type) != "our product"}
    sets = {
        "dev requests": shared_data() / "requests" / "dev-requests.json",
        "held-out requests": ROOT / "benchmarks" / "data" / "requests" / "heldout.json",
    }
    out = {}
    for label, path in sets.items():
        requests = [r for r in json.loads(path.read_text(encoding="utf-8"))["requests"] if r["must"]]
        for mode in ("semantic", "hybrid"):
            values = []
            for r in requests:
                gains = {**{f: 1 for f in r["relevant"]}, **{f: 2 for f in r["must"]}}
                query = " ".join(derive_subjects(r["prompt"])) or r["prompt"]
                hits = index.search(query, top_k=50, mode=mode, max_per_document=1).hits
                values.append(_graded([files[h.document_id] for h in hits if h.document_id in files], gains))
            out[f"{label} {mode}"] = float(np.mean(values))
    assert index.vectors is not None
    return out, index.vectors[order]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--embedders", default="minilm,minilm-int8,minilm-int8-token", help="first is the baseline"
    )
    parser.add_argument(
        "--desk",
        type=Path,
        action="append",
        help="a desk built from the sample library: adds the member requests (repeatable, see above)",
    )
    parser.add_argument("--parts", default="med,synergy", help="'med', 'synergy', both (default) or ''")
    args = parser.parse_args()
    names = [n for n in args.embedders.split(",") if n]
    sets = sorted(p.name.removesuffix(".review.json") for p in SYNERGY.glob("*.review.json"))
    table: dict[str, dict[str, float]] = {}
    vectors: dict[str, dict[str, np.ndarray]] = {}
    for name in names:
        embedder = make_embedder(name)
        started = time.perf_counter()
        parts = []
        if "med" in args.parts:
            parts.append(("MED", med_scores(embedder)))
        if "synergy" in args.parts:
            parts.append(("SYNERGY", synergy_scores(embedder, sets)))
        if args.desk:
            parts.append(("requests", request_scores(embedder, args.desk)))
        table[name] = {k: v for _label, (scores, _vecs) in parts for k, v in scores.items()}
        vectors[name] = {label: vecs for label, (_scores, vecs) in parts}
        print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
    base = names[0]
    print(f"\nnDCG@10 per set and mode; differences to {base} in brackets")
    print(f"{'set / mode':32}" + "".join(f"{n:>26}" for n in names))
    for key in table[base]:
        cells = [f"{table[base][key]:.4f}"] + [
            f"{table[n][key]:.4f} ({table[n][key] - table[base][key]:+.4f})" for n in names[1:]
        ]
        print(f"{key:32}" + "".join(f"{c:>26}" for c in cells))
    print(f"\nCosine of each passage vector to {base}'s (mean / min)")
    for label in vectors[base]:
        row = []
        for n in names[1:]:
            c = np.sum(vectors[n][label] * vectors[base][label], axis=1)
            row.append(f"{c.mean():.5f} / {c.min():.5f}")
        print(f"{label:32}" + "".join(f"{c:>26}" for c in ["1", *row]))


if __name__ == "__main__":
    main()
