"""Indexing at scale the way a desk does it: words first (searchable), then embeddings a checkpoint at a time.

Usage:  python benchmarks/embed_scale.py [--passages 100000] [--checkpoint 2048]
                                         [--embedders minilm:2000,minilm-onnx:4000,minilm-int8-token]

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

``NAME:COUNT`` runs an embedder on a random ``COUNT`` of the passages instead of all of them (the
same sample for every embedder given the same count): the slow baseline can then run in the same
run as the fast path at 100,000 passages. Its rates (passages/s, tokens/s, CPU seconds per passage)
are its own sample's, the ratios compare rates, and the output says which embedder ran on how many
passages: nothing is extrapolated. Cosines compare the passages both embedders ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
        "--embedders",
        default="minilm:2000,minilm-onnx:4000,minilm-int8-token",
        help="comma-separated, first is the baseline; NAME:COUNT runs NAME on a random COUNT of the passages",
    )
    parser.add_argument("--checkpoint", type=int, default=2048, help="passages embedded between saves (2048)")
    parser.add_argument("--words-only", action="store_true", help="time the words step and one save only")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        name, passages_file, home, checkpoint, vectors = args.worker
        worker(name, Path(passages_file), Path(home), int(checkpoint), Path(vectors))
        return
    wanted = [spec.partition(":") for spec in args.embedders.split(",") if spec]
    names = [name for name, _, _ in wanted]
    passages = sample_passages(args.passages)
    counts = {name: min(int(count), len(passages)) if count else len(passages) for name, _, count in wanted}
    if args.words_only:
        with tempfile.TemporaryDirectory() as tmp:
            words_only(passages, Path(tmp) / "desk")
        return
    samples = {n: _sample(passages, c) for n, c in sorted(set(counts.items()), key=lambda nc: nc[1])}
    print(
        f"{len(passages):,} passages ({len({p.document_id for p in passages}):,} documents); "
        f"{os.cpu_count()} CPUs; checkpoint every {args.checkpoint:,} passages; "
        f"load average at start {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    tokens = {}
    for name in names:
        sample = samples[name]
        tokens[name] = count_tokens(sample)
        part = (
            "all passages"
            if len(sample) == len(passages)
            else f"a random {len(sample):,} of the passages only"
        )
        print(f"  {name} runs on {part} ({tokens[name]:,} tokens read by the model)", flush=True)
    print(flush=True)
    runs: dict[str, dict[str, float]] = {}
    vectors: dict[str, dict[int, np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            passages_file = Path(tmp) / f"passages-{name}.json"
            passages_file.write_text(json.dumps([asdict(p) for p in samples[name]]), encoding="utf-8")
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
            passages_file.unlink()
            if out.returncode != 0:
                sys.exit(f"{name} failed:\n{out.stderr}")
            runs[name] = json.loads(out.stdout.strip().splitlines()[-1])
            ids = sorted(p.passage_id for p in samples[name])
            vectors[name] = dict(zip(ids, np.load(Path(tmp) / f"{name}.npy"), strict=True))
            r = runs[name]
            print(
                f"  {name:17} {len(ids):,} passages: searchable after {r['searchable_s']:.1f} s, "
                f"embedded after {r['embed_s']:.0f} s (saves {r['saves_s']:.1f} s in {r['saves']}), "
                f"load average now {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    base_name = names[0]
    base = runs[base_name]
    base_rate, base_cpu = counts[base_name] / base["embed_s"], base["cpu_s"] / counts[base_name]
    print(
        f"\n{'embedder':17} {'passages':>8} {'searchable s':>12} {'embedded s':>10} {'passages/s':>10} "
        f"{'tokens/s':>9} {'× ' + base_name:>9} {'cpu ms/passage':>14} {'cpu ×':>6} {'saves s':>8} {'peak RSS MB':>11} {'load s':>6} "
        f"{'cosine mean / min (passages compared)':>38}"
    )
    for name in names:
        r, n = runs[name], counts[name]
        shared = sorted(vectors[name].keys() & vectors[base_name].keys())
        cos = np.array([float(vectors[name][i] @ vectors[base_name][i]) for i in shared])
        print(
            f"{name:17} {n:8,} {r['searchable_s']:12.1f} {r['embed_s']:10.0f} {n / r['embed_s']:10.1f} "
            f"{tokens[name] / r['embed_s']:9.0f} {n / r['embed_s'] / base_rate:9.2f} "
            f"{1000 * r['cpu_s'] / n:14.1f} {base_cpu / (r['cpu_s'] / n):6.2f} {r['saves_s']:8.1f} {r['peak_mb']:11.0f} {r['load_s']:6.1f} "
            f"{cos.mean():>21.5f} / {cos.min():.5f} ({len(shared):,})"
        )
    smaller = [name for name in names if counts[name] < len(passages)]
    if smaller:
        print(
            f"\n{', '.join(smaller)} ran on a smaller random sample of the same passages (see 'passages'); "
            "its rates are measured on that sample, not extrapolated, and the ratios compare rates."
        )


def _sample(passages: list[IndexedPassage], count: int, seed: int = 1) -> list[IndexedPassage]:
    """Return ``count`` of the passages at random (all of them for ``count`` >= their number), in order."""
    if count >= len(passages):
        return passages
    chosen = random.Random(seed).sample(range(len(passages)), count)
    return [passages[i] for i in sorted(chosen)]


if __name__ == "__main__":
    main()
