"""Where embedding time goes: tokenizing, windowing, padding, and each ONNX Runtime operator, per variant.

Usage:  python benchmarks/embed_profile.py [--passages 300] [--variants fp32,int8-token,int8]

A random sample of the sample library's passages (``../shared/data/library/pcd2024``, read as the
index reads them) is cut into the model's windows and batched as ``OnnxMiniLMEmbedder`` batches them
(``int8`` one window at a time, as it runs). Each variant runs the batches in this process on one
thread with ONNX Runtime's profiler on; printed: CPU seconds of the steps before the model, the padded
share of the batches, each variant's model CPU time, tokens per CPU second and the share of kernel
time of its ten costliest operator types. One thread makes CPU time the measure (the machine is
shared: compare the ratios).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from embed_speed import sample_passages
from researchdesk.search import minilm_onnx
from researchdesk.search.embed import OnnxMiniLMEmbedder, _pad
from researchdesk.search.index import embedding_text


def profile(path: Path, batches: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, collections.Counter]:
    """Return the CPU seconds the model at ``path`` takes over ``batches``, and kernel time per operator."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.enable_profiling = True
    with tempfile.TemporaryDirectory() as tmp:
        options.profile_file_prefix = str(Path(tmp) / "profile")
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        started = time.process_time()
        for ids, mask in batches:
            minilm_onnx.token_sums(session, ids, mask)
        cpu = time.process_time() - started
        events = json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))
    ops: collections.Counter = collections.Counter()
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            ops[event["args"]["op_name"]] += event["dur"]
    return cpu, ops


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passages", default="300", help="how many passages (default 300)")
    parser.add_argument("--variants", default="fp32,int8-token,int8", help="ONNX variants, comma-separated")
    args = parser.parse_args()
    texts = [embedding_text(p) for p in sample_passages(args.passages)]
    base = OnnxMiniLMEmbedder("fp32")
    tokenizer = base._tokenizer()
    started = time.process_time()
    windows, _owners = base._windows(tokenizer, texts)
    windows_cpu = time.process_time() - started
    tokens = sum(map(len, windows))
    print(
        f"{len(texts)} passages, {len(windows)} windows, {tokens:,} tokens; "
        f"tokenizing and windowing: {windows_cpu:.2f} CPU s"
    )
    for variant in [v for v in args.variants.split(",") if v]:
        embedder = OnnxMiniLMEmbedder(variant)
        started = time.process_time()
        groups = list(embedder._batches(windows, 64))
        batches = [_pad([windows[i] for i in group], tokenizer.pad_token_id) for group in groups]
        pad_cpu = time.process_time() - started
        cells = sum(ids.size for ids, _mask in batches)
        cpu, ops = profile(minilm_onnx.model_file(embedder.model_dir, variant), batches)
        total = sum(ops.values())
        print(
            f"\n{variant}: {len(batches)} batches, padded {100 * (cells - tokens) / cells:.1f}% of their cells "
            f"(batching and padding {pad_cpu:.2f} CPU s); model {cpu:.2f} CPU s, {tokens / cpu:,.0f} tokens "
            f"per CPU second"
        )
        for op, duration in ops.most_common(10):
            print(f"  {op:28} {100 * duration / total:5.1f}% of kernel time")


if __name__ == "__main__":
    main()
