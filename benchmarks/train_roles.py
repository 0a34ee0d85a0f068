"""Rebuild the role model (barrier / facilitator / other) from the training sentences, deterministically.

Reads   benchmarks/data/evidence_train.csv   (hand-labelled; articles disjoint from every evaluation set)
Writes  src/researchdesk/evidence/model/roles_weights.npy and roles_model.json

Nothing evaluated is trained on: the evaluation sets (benchmarks/data/evidence_dev.csv, evidence_test.csv,
evidence_holdout.csv, evidence_holdout2.csv and ../shared/data/labels/pcd2024_barrier_facilitator_dev.csv) are read only to drop
any training sentence that nearly repeats one of them (word-trigram Jaccard >= 0.5; figure boilerplate).
The regularisation strength and class weighting are chosen by cross-validation grouped by article on
the training set alone. scikit-learn (the `dev` extra) is needed here, never at run time.

Run:   .venv/bin/python benchmarks/train_roles.py            rebuild and write the model
       .venv/bin/python benchmarks/train_roles.py --check    rebuild in memory, compare with the shipped files
"""

from __future__ import annotations

import os

# One BLAS thread: faster here (small problem) and the same sums in the same order on every run.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import csv
import hashlib
import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from researchdesk.evidence.classify import combine, decide, score, sentence_cues
from researchdesk.evidence.model import (
    CLASSES,
    DENSE,
    FORMAT,
    META_FILE,
    N_BUCKETS,
    N_FEATURES,
    WEIGHTS_FILE,
    RoleModel,
    featurize,
    load_model,
)
from researchdesk.models import Role

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / "../shared/data"))
TRAIN = ROOT / "benchmarks/data/evidence_train.csv"
EVALUATION = [
    ROOT / "benchmarks/data/evidence_dev.csv",
    ROOT / "benchmarks/data/evidence_test.csv",
    ROOT / "benchmarks/data/evidence_holdout.csv",
    ROOT / "benchmarks/data/evidence_holdout2.csv",
    SHARED / "labels/pcd2024_barrier_facilitator_dev.csv",
]
OUT = ROOT / "src/researchdesk/evidence/model"
OVERLAP = 0.5
C_GRID = (0.03, 0.1, 0.3, 1.0)
CLASS_WEIGHTS: tuple[str | None, ...] = (None, "balanced")
# Thresholds of classify.combine; 1.01 = never (promote never / veto never = the cue decision alone).
PROMOTE_GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 1.01)
VETO_GRID = (0.6, 0.7, 0.8, 0.9, 1.01)
FOLDS = 5
# Sentences written for this check (not from any data set); their probabilities are saved with the model
# so a test can prove the shipped weights still give them.
EXAMPLES = (
    "Lack of dedicated staff and insufficient funding delayed implementation in rural counties.",
    "Strong support from the mayor helped the coalition pass the ordinance.",
    "We interviewed 14 program coordinators between March and June 2023.",
    "Partnering with trusted community organizations made it easier to reach families.",
)


def coarse(label: str) -> str:
    label = label.strip().lower()
    return label if label in ("barrier", "facilitator") else "other"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z]+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def drop_overlaps(rows: list[dict[str, str]], evaluation: Sequence[str]) -> tuple[list[dict[str, str]], int]:
    """Return the rows that repeat no evaluation sentence (trigram Jaccard < OVERLAP) and how many went."""
    eval_grams = [g for g in (_trigrams(t) for t in evaluation) if g]
    kept = []
    for row in rows:
        grams = _trigrams(row["text"])
        if grams and any(len(grams & g) / len(grams | g) >= OVERLAP for g in eval_grams):
            continue
        kept.append(row)
    return kept, len(rows) - len(kept)


def design(texts: Sequence[str]) -> sparse.csr_matrix:
    """Return the feature matrix (one row per text) the run-time model reads."""
    data: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    indptr = [0]
    for text in texts:
        scores, _ = score(text)
        cue_role, _ = decide(scores)
        indices, values = featurize(text, scores, cue_role)
        cols.append(indices)
        data.append(values)
        indptr.append(indptr[-1] + len(indices))
    return sparse.csr_matrix(
        (np.concatenate(data), np.concatenate(cols), np.asarray(indptr)), shape=(len(texts), N_FEATURES)
    )


def fit(x: sparse.csr_matrix, y: np.ndarray, c: float, class_weight: str | None) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight=class_weight, max_iter=5000, tol=1e-6)
    return model.fit(x, y)


def macro_f1(gold: Sequence[int], pred: Sequence[int]) -> float:
    f1s = []
    for k in range(len(CLASSES)):
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == k and p == k)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != k and p == k)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == k and p != k)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def grouped_folds(groups: Sequence[str], k: int) -> list[np.ndarray]:
    """Return k test-index arrays, whole articles per fold, assigned by sorted article id (deterministic)."""
    articles = sorted(set(groups))
    fold_of = {a: i % k for i, a in enumerate(articles)}
    return [np.array([i for i, g in enumerate(groups) if fold_of[g] == f]) for f in range(k)]


def cross_validate(
    x: sparse.csr_matrix, y: np.ndarray, groups: Sequence[str], c: float, class_weight: str | None
) -> np.ndarray:
    """Return class probabilities for every sentence from a model that never saw its article."""
    probs = np.zeros((len(y), len(CLASSES)))
    for test in grouped_folds(groups, FOLDS):
        train = np.setdiff1d(np.arange(len(y)), test)
        model = fit(x[train], y[train], c, class_weight)
        order = [list(model.classes_).index(k) for k in range(len(CLASSES))]
        probs[test] = model.predict_proba(x[test])[:, order]
    return probs


def combined(cue_roles: Sequence[Role], probs: np.ndarray, promote: float, veto: float) -> list[int]:
    """Return class indexes as ``classify`` decides them from the cue roles and model probabilities."""
    out = []
    for cue_role, row in zip(cue_roles, probs, strict=True):
        role = combine(cue_role, dict(zip(CLASSES, row.tolist(), strict=True)), promote, veto)
        out.append(CLASSES.index(role.value) if role is not None else CLASSES.index("other"))
    return out


def build() -> tuple[np.ndarray, dict[str, object]]:
    """Return the weights matrix and the JSON description of the model trained on TRAIN."""
    # One BLAS thread even when imported by a process that already started NumPy (the test suite).
    with threadpool_limits(limits=1):
        return _build()


def _build() -> tuple[np.ndarray, dict[str, object]]:
    evaluation = [r["text"] for path in EVALUATION for r in read_rows(path)]
    rows, dropped = drop_overlaps(read_rows(TRAIN), evaluation)
    texts = [r["text"] for r in rows]
    y = np.array([CLASSES.index(coarse(r["label"])) for r in rows])
    groups = [r["article_id"] for r in rows]
    x = design(texts)
    cue_roles = [sentence_cues(t).role for t in texts]
    cue_f1 = macro_f1(y.tolist(), combined(cue_roles, np.zeros((len(y), 3)), 1.01, 1.01))
    grid = []
    cv_probs = {}
    for c, cw in itertools.product(C_GRID, CLASS_WEIGHTS):
        cv_probs[(c, cw)] = probs = cross_validate(x, y, groups, c, cw)
        grid.append((round(macro_f1(y.tolist(), probs.argmax(axis=1).tolist()), 4), c, cw))
    # Best grouped-CV macro-F1 of the model alone; on a tie the smaller C, then no reweighting.
    best_f1, best_c, best_cw = max(grid, key=lambda g: (g[0], -g[1], g[2] is None))
    decisions = []
    for promote, veto in itertools.product(PROMOTE_GRID, VETO_GRID):
        pred = combined(cue_roles, cv_probs[(best_c, best_cw)], promote, veto)
        decisions.append((round(macro_f1(y.tolist(), pred), 4), promote, veto))
    # On a tie the thresholds that change the cue decision least (highest promote, then highest veto).
    combo_f1, promote, veto = max(decisions, key=lambda d: (d[0], d[1], d[2]))
    model = fit(x, y, best_c, best_cw)
    order = [list(model.classes_).index(k) for k in range(len(CLASSES))]
    weights = np.ascontiguousarray(model.coef_[order].T, dtype=np.float32)
    bias = [float(b) for b in model.intercept_[order]]
    meta: dict[str, object] = {
        "format": FORMAT,
        "classes": list(CLASSES),
        "dense": list(DENSE),
        "buckets": N_BUCKETS,
        "bias": bias,
        "C": best_c,
        "class_weight": best_cw,
        "training": {
            "file": "benchmarks/data/evidence_train.csv",
            "sha256": hashlib.sha256(TRAIN.read_bytes()).hexdigest(),
            "sentences": len(rows),
            "dropped_as_near_repeats_of_evaluation_sentences": dropped,
            "labels": dict(sorted(Counter(coarse(r["label"]) for r in rows).items())),
            "articles": sorted(set(groups)),
        },
        "decision": {"promote": promote, "veto": veto},
        "grouped_cv_macro_f1": {
            "cues alone": round(cue_f1, 4),
            "model alone": {f"C={c} class_weight={cw}": f1 for f1, c, cw in grid},
            "chosen model alone": best_f1,
            "cues and model (classify)": combo_f1,
        },
        "examples": [],
    }
    shipped = _as_model(weights, meta)
    meta["examples"] = [
        {"text": t, "probabilities": {k: round(v, 6) for k, v in _predict(shipped, t).items()}}
        for t in EXAMPLES
    ]
    return weights, meta


def _as_model(weights: np.ndarray, meta: dict[str, object]) -> RoleModel:
    decision = meta["decision"]
    assert isinstance(decision, dict)
    bias = np.asarray(meta["bias"], dtype=np.float64)
    return RoleModel(weights.astype(np.float64), bias, decision["promote"], decision["veto"], meta)


def _predict(model: RoleModel, text: str) -> dict[str, float]:
    scores, _ = score(text)
    return model.predict_proba(text, scores, decide(scores)[0])


def main(argv: Sequence[str]) -> int:
    weights, meta = build()
    print(json.dumps({k: meta[k] for k in ("training", "C", "class_weight", "decision")}, indent=1))
    print(f"grouped {FOLDS}-fold cross-validation on the training sentences, macro-F1:")
    print(json.dumps(meta["grouped_cv_macro_f1"], indent=1))
    if "--check" in argv:
        shipped = load_model()
        same = np.array_equal(shipped.weights.astype(np.float32), weights) and shipped.meta == json.loads(
            json.dumps(meta)
        )
        print("shipped model matches the rebuild" if same else "shipped model DIFFERS from the rebuild")
        return 0 if same else 1
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / WEIGHTS_FILE, weights, allow_pickle=False)
    (OUT / META_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT / WEIGHTS_FILE} and {OUT / META_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
