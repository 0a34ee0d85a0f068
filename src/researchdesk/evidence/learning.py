"""The desk model: what this desk's reviewers taught it, on top of what ships.

Every review decision is a label (``store.review_labels``). Two heads learn from them, per desk:

- **heading**: which of the brief's headings (Barriers, Facilitators, ...) a quote belongs under. The
  heading the desk suggested (the shipped classifier and the document's own coding) is only its prior;
  the head learns corrections from the quote's meaning (MiniLM vector), its words and its closeness to
  the subject.
- **keep**: whether a suggestion is worth showing at all (kept vs dropped: off the subject, not a
  finding, filler). It reads the quote's meaning and words and the suggested role, not its closeness
  to the subject (the scan already orders by that), and weighs kept and dropped quotes as two equal
  classes, so the first few keepers among many drops teach it as much as the drops do.

Both are logistic regressions whose weights are pulled towards zero (L2): with a handful of labels
they barely move, so the shipped behaviour stays the prior. Each retrain also measures both heads on
labels held back a request at a time, and a head acts only once it beats the shipped behaviour there.
The quotes' vectors are cached in ``<home>/model/``, so a retrain is quick and the desk retrains
whenever its labels changed: at the next scan (CLI) or in the jobs worker after a review decision
(web). The model file records the labels' fingerprint; after ``db copy`` or a restore the model is
rebuilt from the labels, never trusted as an opaque copy. ``reset`` returns to the shipped behaviour
until new labels arrive or ``retrain``.

This module holds the heads (``DeskModel``), training and the held-back measure, and the model on
disk; labels become examples in ``review_examples.py``, examples become feature rows in
``quote_features.py``, and each head is fitted by ``softmax_fit.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from researchdesk.errors import ConfigError
from researchdesk.evidence.quote_features import (
    GROUPS,
    ROLES,
    SCALARS,
    WORD_BUCKETS,
    QuoteVectors,
    features,
    group_of,
    keep_columns,
    prior_logits,
    role_columns,
)
from researchdesk.evidence.review_examples import Example
from researchdesk.evidence.softmax_fit import balanced_weights, fit_softmax, softmax, with_bias
from researchdesk.models import Role, heading_of

FORMAT = "researchdesk-desk-model/2"
L2_ROLE = 5.0  # how hard the heading head's weights are pulled to zero (the prior)
L2_KEEP = 1.0
MIN_LABELS = 5  # fewer labels than this: the shipped behaviour, unchanged
SWAY = 0.6  # cosine (MiniLM) above which a reviewed quote is named as the example a suggestion is like
SWAY_WORDS = 0.45  # the same on hashed words, for a desk without an embedder
FOLDS = 3
KEEP_AUC_TO_USE = 0.6  # the keep head orders suggestions only once it ranks held-back keepers this well
MODEL_FILE = "desk-model.npz"
META_FILE = "desk-model.json"


@dataclass(frozen=True)
class Reading:
    """What the desk model makes of one suggestion: its role, how likely a reviewer keeps it, and why."""

    role: Role
    role_p: float
    keep_p: float
    like: str = ""  # "like quote #412 you filed under Barriers", when a reviewed quote stands close



@dataclass
class DeskModel:
    """The two learned heads and the reviewed quotes they learned from (to name the closest).

    ``meta["use_role"]`` and ``meta["use_keep"]`` say whether each head beat the shipped behaviour on
    labels held back by document when it was trained; a head that did not (too few labels, or labels
    that do not carry over to unseen documents) leaves suggestions as the shipped model made them.
    """

    role_w: np.ndarray  # (features + 1) x heading groups
    keep_w: np.ndarray  # (features but the subject's and length's + 1) x 2 (dropped, kept)
    sway: np.ndarray  # reviewed quotes' vectors, one row per example
    examples: list[Example]
    meta: dict[str, Any]

    def predict(self, x: sparse.csr_matrix, suggested: Sequence[Role]) -> tuple[np.ndarray, np.ndarray]:
        """Return (heading-group probabilities n x groups, keep probabilities n) for a feature matrix."""
        groups = softmax(prior_logits(suggested) + with_bias(role_columns(x)) @ self.role_w)
        keep = softmax(with_bias(keep_columns(x)) @ self.keep_w)[:, 1]
        return groups, keep

    def read(
        self, texts: Sequence[str], subject: str, suggested: Sequence[Role], vectors: QuoteVectors
    ) -> list[Reading]:
        """Return the model's reading of each suggestion (``suggested`` = the scan's roles).

        A head that did not prove itself on held-back labels gives the shipped answer (the suggested
        role, keep probability 0.5).
        """
        if not texts:
            return []
        x, sway = features(texts, [subject] * len(texts), suggested, vectors)
        return self.readings(x, sway, suggested)

    def readings(self, x: sparse.csr_matrix, sway: np.ndarray, suggested: Sequence[Role]) -> list[Reading]:
        """Return the readings of suggestions whose feature rows (``features``) are already made."""
        groups, keep = self.predict(x, suggested)
        use_role, use_keep = bool(self.meta.get("use_role")), bool(self.meta.get("use_keep"))
        out = []
        for i, given in enumerate(suggested):
            role, role_p = given, float(groups[i, group_of(given)])
            best = int(np.argmax(groups[i]))
            if use_role and best != group_of(given):
                role, role_p = GROUPS[best][0], float(groups[i, best])
            keep_p = float(keep[i]) if use_keep else 0.5
            like = self._like(sway[i], role, keep_p >= 0.5) if (use_keep or role is not given) else ""
            out.append(Reading(role, role_p, keep_p, like))
        return out

    def _like(self, vector: np.ndarray, role: Role, kept: bool) -> str:
        """Name the closest reviewed quote that decided the same way (heading and kept/dropped)."""
        if not len(self.examples) or not vector.any():
            return ""
        sims = self.sway @ vector
        threshold = SWAY if self.meta.get("embedded") else SWAY_WORDS
        for i in np.argsort(-sims):
            if sims[i] < threshold:
                return ""
            example = self.examples[int(i)]
            if example.kept != kept or (kept and heading_of(example.role) != heading_of(role)):
                continue
            name = (
                f"quote #{example.evidence_id}"
                if example.evidence_id
                else f"imported label {example.label_id}"
            )
            if not kept:
                return f"like {name} you dropped"
            heading = heading_of(example.role)
            return (
                f"like {name} you filed under {heading}"
                if heading
                else f"like {name} you kept as {example.role}"
            )
        return ""


def train(
    examples: Sequence[Example], vectors: QuoteVectors, meta: dict[str, Any] | None = None
) -> DeskModel:
    """Fit both heads on the examples, measure them on held-back labels, and switch on those that help."""
    x, sway = features(
        [e.text for e in examples], [e.subject for e in examples], [e.suggested for e in examples], vectors
    )
    model = fit(list(examples), x, sway, dict(meta or {}))
    scores = held_back_scores(list(examples), x, sway, start=model)
    model.meta.update(
        {
            "held_back": scores,
            "use_role": bool(scores) and scores["heading_accuracy"] > scores["heading_accuracy_shipped"],
            "use_keep": bool(scores) and scores["keep_auc"] >= KEEP_AUC_TO_USE,
        }
    )
    return model


def fit(
    examples: list[Example],
    x: sparse.csr_matrix,
    sway: np.ndarray,
    meta: dict[str, Any],
    start: DeskModel | None = None,
) -> DeskModel:
    """Fit both heads on examples whose feature rows (``features``) are already made (warm from ``start``)."""
    d = x.shape[1]
    role_w = np.zeros((d - len(ROLES) + 1, len(GROUPS)))
    keep_w = np.zeros((d - SCALARS + 1, 2))
    if len(examples) >= MIN_LABELS:
        y_role = np.array([group_of(e.role) for e in examples])
        role_w = fit_softmax(
            role_columns(x),
            y_role,
            prior_logits([e.suggested for e in examples]),
            L2_ROLE,
            start.role_w if start is not None else None,
        )
        y_keep = np.array([1 if e.kept else 0 for e in examples])
        if 0 < y_keep.sum() < len(y_keep):
            keep_w = fit_softmax(
                keep_columns(x),
                y_keep,
                np.zeros((len(examples), 2)),
                L2_KEEP,
                start.keep_w if start is not None else None,
                balanced_weights(y_keep),
            )
    meta = {
        "use_role": True,
        "use_keep": True,
        **meta,
        "format": FORMAT,
        "features": d,
        "examples": len(examples),
        "embedded": d > WORD_BUCKETS + SCALARS + len(ROLES),
    }
    return DeskModel(role_w, keep_w, sway.astype(np.float32), examples, meta)


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Return the probability that a random positive scores above a random negative (0.5: no better than chance)."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return 0.5
    ranks = np.argsort(np.argsort(np.array(list(pos) + list(neg)), kind="stable"), kind="stable") + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def held_back_scores(
    examples: list[Example], x: sparse.csr_matrix, sway: np.ndarray, start: DeskModel | None = None
) -> dict[str, Any]:
    """Return how the heads do on held-back labels (k-fold), next to the shipped behaviour.

    Heading accuracy compares the heading (Barriers, Facilitators, ...) as a brief files quotes; the
    shipped behaviour is the suggested heading. Keep/drop is measured by accuracy (next to keeping
    everything) and by AUC (how well it orders keepers first; 0.5 = no better than chance).
    """
    # A desk meets its library again in new requests: labels are held back a request at a time (by
    # document when they come from fewer than two requests, e.g. an imported file).
    requests = {e.request_id for e in examples if e.request_id is not None}
    by_request = len(requests) >= 2 and all(e.request_id is not None for e in examples)
    groups = sorted({(e.request_id if by_request else e.document_id) or 0 for e in examples})
    if len(examples) < 2 * MIN_LABELS or len(groups) < 2:
        return {}
    folds = min(FOLDS, len(groups))
    fold_of = {g: i % folds for i, g in enumerate(groups)}  # every fold gets its share of groups

    def group(e: Example) -> int:
        return (e.request_id if by_request else e.document_id) or 0

    role_hits = prior_hits = keep_hits = kept_hits = 0
    keep_scores: list[float] = []
    kept_truth: list[bool] = []
    for fold in range(folds):
        test = [i for i, e in enumerate(examples) if fold_of[group(e)] == fold]
        train_ix = [i for i, e in enumerate(examples) if fold_of[group(e)] != fold]
        if not test or len(train_ix) < MIN_LABELS:
            continue
        model = fit([examples[i] for i in train_ix], x[train_ix], sway[train_ix], {}, start)
        heading_p, keep = model.predict(x[test], [examples[i].suggested for i in test])
        for row, i in enumerate(test):
            e = examples[i]
            role_hits += int(np.argmax(heading_p[row])) == group_of(e.role)
            prior_hits += group_of(e.suggested) == group_of(e.role)
            keep_hits += (keep[row] >= 0.5) == e.kept
            kept_hits += e.kept
            keep_scores.append(float(keep[row]))
            kept_truth.append(e.kept)
    tested = len(kept_truth)
    if not tested:
        return {}
    return {
        "tested": tested,
        "folds": folds,
        "held_back_by": "request" if by_request else "document",
        "heading_accuracy": round(role_hits / tested, 3),
        "heading_accuracy_shipped": round(prior_hits / tested, 3),
        "keep_accuracy": round(keep_hits / tested, 3),
        "keep_accuracy_keep_all": round(kept_hits / tested, 3),
        "keep_auc": round(auc(keep_scores, kept_truth), 3),
    }


# --- on disk --------------------------------------------------------------------------------------


def save_model(model: DeskModel, folder: Path) -> None:
    """Write the model (weights and the examples it learned from) and its description, atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (MODEL_FILE + ".tmp.npz")
    # Compressed: the weights of word columns no reviewed quote fills are zeros, most of 65,536 rows.
    np.savez_compressed(
        tmp,
        role_w=model.role_w,
        keep_w=model.keep_w,
        sway=model.sway,
        label_ids=np.array([e.label_id for e in model.examples], dtype=np.int64),
    )
    tmp.replace(folder / MODEL_FILE)
    (folder / META_FILE).write_text(json.dumps(model.meta, indent=1), encoding="utf-8")


def load_meta(folder: Path) -> dict[str, Any]:
    """Return the saved model's description ({} when there is none or it cannot be read)."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else {}


def load_model(folder: Path, examples: Sequence[Example]) -> DeskModel | None:
    """Return the saved model, or None when it is missing, damaged or was made from other labels."""
    meta = load_meta(folder)
    if not meta or meta.get("state") == "reset":
        return None
    try:
        with np.load(folder / MODEL_FILE, allow_pickle=False) as data:
            role_w, keep_w, sway, label_ids = data["role_w"], data["keep_w"], data["sway"], data["label_ids"]
    except (OSError, ValueError, KeyError):
        return None
    by_id = {e.label_id: e for e in examples}
    if any(int(i) not in by_id for i in label_ids):
        return None
    return DeskModel(role_w, keep_w, sway, [by_id[int(i)] for i in label_ids], meta)


def write_reset(folder: Path, stamp: str) -> None:
    """Return the desk to the shipped behaviour until its labels change or it is retrained."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).unlink(missing_ok=True)
    (folder / META_FILE).write_text(
        json.dumps({"format": FORMAT, "state": "reset", "stamp": stamp, "at": _now()}, indent=1),
        encoding="utf-8",
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_folder(folder: Path) -> None:
    """Raise ConfigError when the model folder cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the desk model in {folder}: {exc.strerror}.",
            "Check the desk folder's permissions.",
        ) from exc
