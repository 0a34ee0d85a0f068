"""The phrase head: barrier / facilitator / other for table items the lexicon finds neutral.

Many table items carry their role in their meaning only ("Reliance on a single grant", "Co-located
services", "Night-shift workers"). For those, a logistic regression over the item's MiniLM embedding
(the search embedder, so nothing new is installed or downloaded) decides. Its weights (384 x 3 and a
bias) ship in ``model/phrase_head.npy``; ``benchmarks/train_phrases.py`` rebuilds them from the
training phrases and chose its threshold by cross-validation on them alone. The training phrases' own
vectors ship too (``model/phrase_examples.npy``, float16), so a decision names the nearest labelled
example behind it.

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
from researchdesk.search.embed import Embedder, embedder_of_space, get_embedder
from researchdesk.settings import Settings

CLASSES = ("barrier", "facilitator", "other")
FORMAT = "researchdesk-phrase-head-1"
WEIGHTS_FILE = "phrase_head.npy"
META_FILE = "phrase_head.json"
EXAMPLES_FILE = "phrase_examples.npy"


@dataclass(frozen=True)
class PhraseHead:
    """Logistic-regression weights over phrase embeddings; ``threshold`` is the least p(barrier or
    facilitator) that gives the phrase that role."""

    weights: np.ndarray  # dim x 3
    bias: np.ndarray  # 3
    threshold: float
    embedder: str
    meta: dict[str, Any]
    examples: np.ndarray  # one unit vector per training phrase (meta["examples"] holds text and label)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Return p(barrier), p(facilitator), p(other) per row of ``vectors``."""
        logits = vectors.astype(np.float64) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def nearest(self, vector: np.ndarray) -> tuple[str, str]:
        """Return the text and label of the training phrase nearest to ``vector``."""
        best = int(np.argmax(self.examples @ vector.astype(np.float32)))
        example = self.meta["examples"][best]
        return str(example["text"]), str(example["label"])

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
        examples = np.load(where / EXAMPLES_FILE).astype(np.float32)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"The phrase head in {where} cannot be read ({exc}).",
            "Reinstall ResearchDesk, or rebuild it with `python benchmarks/train_phrases.py`.",
        ) from exc
    if (
        meta.get("format") != FORMAT
        or matrix.ndim != 2
        or matrix.shape[1] != len(CLASSES)
        or examples.shape != (len(meta.get("examples", [])), matrix.shape[0] - 1)
    ):
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
        examples=examples,
    )


@lru_cache(maxsize=1)
def _embedder() -> Embedder | None:
    try:
        embedder = get_embedder(Settings().embedder)
    except ConfigError:
        return None
    if embedder is None:
        return None
    # A head learnt on one embedder's vectors means nothing on another's: when the configured one
    # makes other vectors (MiniLM in int8), the built-in embedder of the head's vectors is used.
    return embedder_of_space(default_head().embedder, embedder)


@lru_cache(maxsize=1)
def default_head() -> PhraseHead:
    """Return the shipped head (loaded once)."""
    return load_head()


def phrase_vectors(texts: list[str]) -> np.ndarray | None:
    """Return the head's input vectors of ``texts``, or None when no embedder is available."""
    embedder = _embedder()
    if embedder is None or not texts:
        return None
    try:
        return embedder.encode(texts)
    except ConfigError:
        return None
