"""A small trained model of barrier / facilitator / other: multinomial logistic regression over the cue
scores and hashed words of a sentence.

The cue lexicon (``cues.py``) is precise when a cue is present, but many sentences that name a barrier or
a facilitator carry no listed cue, or carry cues pulling both ways. This model reads the same cue scores
plus the sentence's own words (unigrams with negation scope marked, and bigrams, hashed into a fixed
number of buckets) and gives p(barrier), p(facilitator) and p(other).

Run time needs only NumPy: the weights are a plain ``.npy`` matrix and a JSON description in
``evidence/model/``, loaded with ``allow_pickle=False``. ``benchmarks/train_roles.py`` rebuilds both
deterministically from ``benchmarks/data/evidence_train.csv``; ``benchmarks/data/README.md`` says how
those sentences were labelled and which articles they come from.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from researchdesk.errors import ConfigError
from researchdesk.models import Role

CLASSES: tuple[str, ...] = ("barrier", "facilitator", "other")
FORMAT = "researchdesk-role-model/1"
N_BUCKETS = 1 << 14

# Dense features first, in this order; the hashed word buckets follow them.
_SCORE_ROLES: tuple[Role, ...] = (
    Role.BARRIER,
    Role.FACILITATOR,
    Role.RESEARCH_GAP,
    Role.RECOMMENDATION,
    Role.DEFINITION,
    Role.EXAMPLE,
    Role.STATISTIC,
)
DENSE: tuple[str, ...] = (
    *(f"cue score {role.value}" for role in _SCORE_ROLES),
    "cue margin barrier-facilitator",
    "cue decision barrier",
    "cue decision facilitator",
    "cue decision other",
    "length (log words)",
)
N_FEATURES = len(DENSE) + N_BUCKETS

_TOKEN = re.compile(r"[a-z][a-z'’-]*|\d+(?:\.\d+)?%?")
# Words that open a negation scope; the scope ends at the next clause punctuation.
_NEGATORS = frozenset(
    {
        *("not", "no", "never", "without", "lack", "lacks", "lacked", "lacking", "absence", "absent"),
        *("insufficient", "inadequate", "limited", "few", "fewer", "little", "unable", "cannot"),
        *("can't", "couldn't", "didn't", "don't", "doesn't", "wasn't", "weren't", "isn't", "aren't"),
        *("hard", "difficult", "difficulty", "difficulties"),
    }
)
_SCOPE_END = re.compile(r"[,.;:!?()\[\]]")
_PACKAGE_DIR = "model"
WEIGHTS_FILE = "roles_weights.npy"
META_FILE = "roles_model.json"


def tokens(text: str) -> list[str]:
    """Return the lower-cased word tokens of ``text``, each marked ``not_`` inside a negation scope.

    "lack of a champion on the council, but" → [..., "lack", "not_of", "not_a", "not_champion", ...]:
    the model then learns that a negated "champion" is not the same word as a plain one.
    """
    out: list[str] = []
    for clause in _SCOPE_END.split(text.lower()):
        negated = False
        for token in _TOKEN.findall(clause):
            token = token.replace("’", "'")
            if token.endswith("%"):
                token = "<percent>"
            elif token[0].isdigit():
                token = "<number>"
            out.append("not_" + token if negated else token)
            if token in _NEGATORS:
                negated = True
    return out


def _bucket(feature: str) -> int:
    # crc32, not hash(): Python salts str hashes per process, the weights need a fixed map.
    return len(DENSE) + zlib.crc32(feature.encode("utf-8")) % N_BUCKETS


def dense_features(scores: Mapping[Role, float], cue_role: Role, n_words: int) -> list[float]:
    """Return the dense feature values (see ``DENSE``) for cue ``scores`` and the cue-only decision."""
    values = [math.log1p(max(0.0, float(scores.get(role, 0.0)))) for role in _SCORE_ROLES]
    values.append(values[0] - values[1])
    values.append(1.0 if cue_role is Role.BARRIER else 0.0)
    values.append(1.0 if cue_role is Role.FACILITATOR else 0.0)
    values.append(0.0 if cue_role in (Role.BARRIER, Role.FACILITATOR) else 1.0)
    values.append(math.log1p(n_words) / 4.0)
    return values


def featurize(text: str, scores: Mapping[Role, float], cue_role: Role) -> tuple[np.ndarray, np.ndarray]:
    """Return the sparse feature vector of one sentence as (indices, values), indices unique and sorted.

    ``scores`` are the cue scores of ``text`` (``classify.score``) and ``cue_role`` the cue-only decision.
    """
    words = tokens(text)
    counts: dict[int, float] = {}
    for index, value in enumerate(dense_features(scores, cue_role, len(words))):
        if value:
            counts[index] = value
    grams = [f"w:{w}" for w in words] + [f"b:{a} {b}" for a, b in itertools.pairwise(words)]
    for gram in set(grams):  # presence, not counts: long sentences should not shout
        bucket = _bucket(gram)
        counts[bucket] = counts.get(bucket, 0.0) + 1.0
    indices = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
    values = np.fromiter((counts[i] for i in indices.tolist()), dtype=np.float64, count=len(counts))
    return indices, values


@dataclass(frozen=True)
class RoleModel:
    """Weights (features × classes), per-class bias, the decision thresholds and the saved description.

    ``promote`` and ``veto`` are the thresholds ``classify.combine`` applies (chosen with the weights).
    """

    weights: np.ndarray
    bias: np.ndarray
    promote: float
    veto: float
    meta: dict[str, object]

    def predict_proba(self, text: str, scores: Mapping[Role, float], cue_role: Role) -> dict[str, float]:
        """Return {class: probability} for barrier / facilitator / other (they sum to 1)."""
        indices, values = featurize(text, scores, cue_role)
        logits = values @ self.weights[indices] + self.bias
        logits = logits - logits.max()
        exp = np.exp(logits)
        probs = exp / exp.sum()
        return {name: float(p) for name, p in zip(CLASSES, probs, strict=True)}


def _model_dir() -> Path:
    return Path(str(resources.files("researchdesk.evidence"))) / _PACKAGE_DIR


def load_model(directory: Path | None = None) -> RoleModel:
    """Return the role model stored in ``directory`` (default: the one shipped in the package).

    Raises ConfigError when the files are missing, of another format or do not match each other.
    """
    folder = directory if directory is not None else _model_dir()
    hint = "Reinstall researchdesk, or rebuild the model with `python benchmarks/train_roles.py`."
    meta_path, weights_path = folder / META_FILE, folder / WEIGHTS_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        weights = np.load(weights_path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Role model in {folder} cannot be read ({exc}).", hint) from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ConfigError(f"{meta_path}: not a {FORMAT} description.", hint)
    expected = (N_FEATURES, len(CLASSES))
    if weights.shape != expected or meta.get("classes") != list(CLASSES) or meta.get("dense") != list(DENSE):
        raise ConfigError(
            f"{weights_path}: weights of shape {weights.shape} or features/classes in {meta_path.name} "
            f"do not match this version of researchdesk (expected {expected}).",
            hint,
        )
    try:
        bias = np.asarray(meta["bias"], dtype=np.float64).reshape(len(CLASSES))
        promote, veto = float(meta["decision"]["promote"]), float(meta["decision"]["veto"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{meta_path}: bias or decision thresholds missing or malformed ({exc}).", hint
        ) from exc
    return RoleModel(weights.astype(np.float64), bias, promote, veto, meta)


@lru_cache(maxsize=1)
def default_model() -> RoleModel:
    """Return the shipped role model, loaded once per process."""
    return load_model()
