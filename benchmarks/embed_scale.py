"""Indexing at scale the way a desk does it: words first (searchable), then embeddings a checkpoint at a time.

Usage:  python benchmarks/embed_scale.py [--passages 100000] [--embedders minilm,minilm-onnx]
                                         [--checkpoint 2048]

The passages are the sample library's (``../shared/data/library/pcd2024``), and beyond its 10,324 new
ones made from its own sentences under the titles and headings of real passages
(``embed_speed.sample_passages``). Each embedder runs in a process of its own over a fresh index
folder, through ``search.desk.sync_index`` exactly as ``researchdesk ingest`` does: first the words
(the library is searchable then: "searchable after"), then every passage's vector, saved every
``--checkpoint`` passages ("embedded after", of which "saves" is the time spent writing checkpoints).
Model loading is timed apart. ``--words-only`` times the first step alone (no model runs) and one
save of the whole index with its vectors, what each checkpoint costs at that size. Printed per embedder: passages/s and tokens/s of the embedding step,
CPU time, peak memory (RSS) of the process, and the mean cosine of its vectors to the first
embedder's. The first embedder is the baseline (PyTorch fp32 ``minilm`` by default); the machine is
shared, so compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from embed_speed import count_tokens, sample_passages
from researchdesk.models import Document, IndexedPassage, Passage


class PassageList:
    """The passages a store would give the index (no documents' metadata: profiles are not timed)."""

    def __init__(self, passages: list[IndexedPassage]) -> None:
        self._passages = passages

    def iter_indexed_passages(self, after_passage_id: int = 0) -> Iterator[IndexedPassage]:
        return (p for p in self._passages if p.passage_id > after_passage_id)

    def document_ids(self) -> set[int]:
        return {p.document_id for p in self._passages}

    def documents(self) -> list[Document]:
        return []

    def passages(self, document_id: int) -> list[Passage]:
        return []


def words_only(passages: list[IndexedPassage], home: Path) -> None:
    """Time indexing the words of the passages, and one checkpoint's save of the index at that size."""
    from researchdesk.search import desk as desk_search
    from researchdesk.settings import Settings

    settings = Settings(home=home, embedder="minilm-onnx")
    started = time.perf_counter()
    index = desk_search.sync_index(PassageList(passages), settings, embed=False)
    searchable_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index.embedded[:] = True  # a save of the same size as a checkpoint's late in the run
    started = time.perf_counter()
    index.save(settings.index_dir)
    save_s = time.perf_counter() - started
    size_mb = sum(f.stat().st_size for f in settings.index_dir.iterdir()) / 2**20
    print(
        f"words of {len(index):,} passages indexed (searchable) in {searchable_s:.1f} s, peak RSS {peak_mb:.0f} MB; "
        f"one checkpoint's save of the whole index ({size_mb:.0f} MB with its vectors): {save_s:.1f} s"
    )


def worker(name: str, passages_file: Path, home: Path, checkpoint: int, vectors_file: Path) -> None:
    """Index the passages with one embedder as a desk does; print timings and peak memory as JSON."""
    from researchdesk.search import desk as desk_search
    from researchdesk.search.embed import get_embedder
    from researchdesk.search.index import SearchIndex
    from researchdesk.settings import Settings

    passages = [IndexedPassage(**row) for row in json.loads(passages_file.read_text(encoding="utf-8"))]
    store = PassageList(passages)
    settings = Settings(home=home, embedder=name)
    embedder = get_embedder(name)
    assert embedder is not None
    started = time.perf_counter()
    embedder.encode(["warm up: the model is loaded (and exported the first time) before timing"])
    load_s = time.perf_counter() - started
    saves = {"s": 0.0, "n": 0}
    real_save = SearchIndex.save

    def timed_save(self: SearchIndex, directory: Path | str) -> None:
        t = time.perf_counter()
        real_save(self, directory)
        saves["s"] += time.perf_counter() - t
        saves["n"] += 1

    SearchIndex.save = timed_save  # type: ignore[method-assign]
    desk_search.get_embedder = lambda _name: embedder  # the warmed-up model, not a second copy
    started, cpu = time.perf_counter(), time.process_time()
    words = desk_search.sync_index(store, settings, embed=False)
    searchable_s = time.perf_counter() - started
    assert len(words) == len(passages) and words.coverage().embedded == 0
    started = time.perf_counter()
    index = desk_search.sync_index(store, settings, embed=True, checkpoint=checkpoint)
    embed_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    assert index.coverage().complete and index.vectors is not None
    order = np.argsort(index.table.passage_id, kind="stable")
    np.save(vectors_file, index.vectors[order], allow_pickle=False)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "load_s": load_s,
                "searchable_s": searchable_s,
                "embed_s": embed_s,
                "cpu_s": cpu_s,
                "saves_s": saves["s"],
                "saves": saves["n"],
                "peak_mb": peak_mb,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passages", default="100000", help="how many passages (default 100000), or 'all'")
    parser.add_argument(
        "--embedders", default="minilm,minilm-onnx", help="comma-separated, first is the baseline"
    )
    parser.add_argument("--checkpoint", type=int, default=2048, help="passages embedded between saves (2048)")
    parser.add_argument("--words-only", action="store_true", help="time the words step and one save only")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        name, passages_file, home, checkpoint, vectors = args.worker
        worker(name, Path(passages_file), Path(home), int(checkpoint), Path(vectors))
        return
    names = [n for n in args.embedders.split(",") if n]
    passages = sample_passages(args.passages)
    if args.words_only:
        with tempfile.TemporaryDirectory() as tmp:
            words_only(passages, Path(tmp) / "desk")
        return
    tokens = count_tokens(passages)
    print(
        f"{len(passages):,} passages ({len({p.document_id for p in passages}):,} documents), {tokens:,} tokens "
        f"read by the model; {os.cpu_count()} CPUs; checkpoint every {args.checkpoint:,} passages; "
        f"load average at start {os.getloadavg()[0]:.1f}\n",
        flush=True,
    )
    runs: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        passages_file = Path(tmp) / "passages.json"
        passages_file.write_text(json.dumps([asdict(p) for p in passages]), encoding="utf-8")
        del passages
        for name in names:
            home = Path(tmp) / f"desk-{name}"
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    name,
                    str(passages_file),
                    str(home),
                    str(args.checkpoint),
                    str(Path(tmp) / f"{name}.npy"),
                ],
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                sys.exit(f"{name} failed:\n{out.stderr}")
            runs[name] = json.loads(out.stdout.strip().splitlines()[-1])
            r = runs[name]
            print(
                f"  {name:12} searchable after {r['searchable_s']:.1f} s, embedded after {r['embed_s']:.0f} s "
                f"(saves {r['saves_s']:.1f} s in {r['saves']}), load average now {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        base_vectors = np.load(Path(tmp) / f"{names[0]}.npy")
        cosines = {n: np.sum(np.load(Path(tmp) / f"{n}.npy") * base_vectors, axis=1) for n in names}
    count = len(base_vectors)
    base = runs[names[0]]
    print(
        f"\n{'embedder':12} {'searchable s':>12} {'embedded s':>10} {'passages/s':>10} {'tokens/s':>9} "
        f"{'× ' + names[0]:>9} {'cpu ×':>6} {'saves s':>8} {'peak RSS MB':>11} {'load s':>6} {'cosine mean':>11}"
    )
    for name in names:
        r = runs[name]
        print(
            f"{name:12} {r['searchable_s']:12.1f} {r['embed_s']:10.0f} {count / r['embed_s']:10.1f} "
            f"{tokens / r['embed_s']:9.0f} {base['embed_s'] / r['embed_s']:9.2f} "
            f"{base['cpu_s'] / r['cpu_s']:6.2f} {r['saves_s']:8.1f} {r['peak_mb']:11.0f} {r['load_s']:6.1f} "
            f"{cosines[name].mean():11.5f}"
        )


if __name__ == "__main__":
    main()
