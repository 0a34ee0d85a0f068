"""The phrase head: barrier / facilitator / other for table items the lexicon finds neutral.

Many table items carry their role in their meaning only ("Reliance on a single grant", "Co-located
services", "Night-shift workers"). For those, a logistic regression over the item's MiniLM embedding
(the search embedder, so nothing new is installed or downloaded) decides. Its weights (384 x 3 and a
bias) ship in ``model/phrase_head.npy``; ``benchmarks/train_phrases.py`` rebuilds them from the
training phrases and chose its threshold by cross-validation on them alone.

Without an embedder (``RESEARCHDESK_EMBEDDER=none``, or the model package missing) the head is off and
the lexicon reads every phrase alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from researchdesk.errors import ConfigError
from researchdesk.search.embed import Embedder, get_embedder
from researchdesk.settings import Settings

CLASSES = ("barrier", "facilitator", "other")
FORMAT = "researchdesk-phrase-head-1"
WEIGHTS_FILE = "phrase_head.npy"
META_FILE = "phrase_head.json"


@dataclass(frozen=True)
class PhraseHead:
    """Logistic-regression weights over phrase embeddings; ``threshold`` is the least p(barrier or
    facilitator) that gives the phrase that role."""

    weights: np.ndarray  # dim x 3
    bias: np.ndarray  # 3
    threshold: float
    embedder: str
    meta: dict[str, Any]

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Return p(barrier), p(facilitator), p(other) per row of ``vectors``."""
        logits = vectors.astype(np.float64) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def decide(self, row: np.ndarray) -> str:
        """Return barrier / facilitator / other for one row of probabilities."""
        best = int(np.argmax(row[:2]))
        return CLASSES[best] if row[best] >= self.threshold else "other"


def _model_dir() -> Path:
    return Path(__file__).resolve().parent / "model"


def load_head(directory: Path | None = None) -> PhraseHead:
    """Return the head stored in ``directory`` (default: the one shipped in the package)."""
    where = directory or _model_dir()
    try:
        meta = json.loads((where / META_FILE).read_text(encoding="utf-8"))
        matrix = np.load(where / WEIGHTS_FILE)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"The phrase head in {where} cannot be read ({exc}).",
            "Reinstall ResearchDesk, or rebuild it with `python benchmarks/train_phrases.py`.",
        ) from exc
    if meta.get("format") != FORMAT or matrix.ndim != 2 or matrix.shape[1] != len(CLASSES):
        raise ConfigError(
            f"The phrase head in {where} is not in the format {FORMAT}.",
            "Rebuild it with `python benchmarks/train_phrases.py`.",
        )
    return PhraseHead(
        weights=matrix[:-1].astype(np.float64),
        bias=matrix[-1].astype(np.float64),
        threshold=float(meta["threshold"]),
        embedder=str(meta["embedder"]),
        meta=meta,
    )


@lru_cache(maxsize=1)
def _embedder() -> Embedder | None:
    try:
        embedder = get_embedder(Settings().embedder)
    except ConfigError:
        return None
    head = default_head()
    # A head learnt on one embedder's vectors means nothing on another's.
    return embedder if embedder is not None and embedder.name == head.embedder else None


@lru_cache(maxsize=1)
def default_head() -> PhraseHead:
    """Return the shipped head (loaded once)."""
    return load_head()


def phrase_probabilities(texts: list[str]) -> np.ndarray | None:
    """Return p(barrier, facilitator, other) per text, or None when no embedder is available."""
    embedder = _embedder()
    if embedder is None or not texts:
        return None
    try:
        vectors = embedder.encode(texts)
    except ConfigError:
        return None
    return default_head().probabilities(vectors)
