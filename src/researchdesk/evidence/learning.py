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
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from researchdesk.errors import ConfigError
from researchdesk.evidence.agreement import cohens_kappa
from researchdesk.evidence.model import tokens
from researchdesk.models import ROLE_GROUPS, Decision, ReviewLabel, Role, heading_of
from researchdesk.search.embed import Embedder
from researchdesk.search.tokenize import tokenize

FORMAT = "researchdesk-desk-model/2"
ROLES: tuple[Role, ...] = tuple(Role)
# The words a head learns from, hashed: enough buckets that distinct words rarely share one. With
# 2,048 buckets (words and word pairs) most buckets held dozens of unrelated words, and the words that
# tell a review's includes apart were blurred with common ones (a words-only learner on the screening
# sets of benchmarks/review_learning.py: mean WSS@95 44 % with 2,048 buckets, 54 % with 65,536).
WORD_BUCKETS = 1 << 16
SWAY_BUCKETS = 1 << 11  # words and word pairs, dense: to name the closest reviewed quote without an embedder
PRIOR_SHARE = 0.7  # the shipped prior: the suggested role is this likely, the others share the rest
L2_ROLE = 5.0  # how hard the heading head's weights are pulled to zero (the prior)
L2_KEEP = 1.0
MIN_LABELS = 5  # fewer labels than this: the shipped behaviour, unchanged
SWAY = 0.6  # cosine (MiniLM) above which a reviewed quote is named as the example a suggestion is like
SWAY_WORDS = 0.45  # the same on hashed words, for a desk without an embedder
FOLDS = 3
KEEP_AUC_TO_USE = 0.6  # the keep head orders suggestions only once it ranks held-back keepers this well
MODEL_FILE = "desk-model.npz"
META_FILE = "desk-model.json"
VECTORS_FILE = "quote-vectors.npz"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Example:
    """One labelled quote as the model learns from it (the deciding label of that quote)."""

    text: str
    subject: str
    suggested: Role
    role: Role
    kept: bool
    document_id: int
    label_id: int
    evidence_id: int | None
    request_id: int | None = None


@dataclass(frozen=True)
class Reading:
    """What the desk model makes of one suggestion: its role, how likely a reviewer keeps it, and why."""

    role: Role
    role_p: float
    keep_p: float
    like: str = ""  # "like quote #412 you filed under Barriers", when a reviewed quote stands close


@dataclass
class ModelStatus:
    """What ``evidence model status`` shows."""

    state: str  # "shipped" (no labels yet), "learned", "stale" (labels changed since), "reset"
    labels: int = 0
    active_labels: int = 0
    examples: int = 0
    reviewers: int = 0
    disagreements: int = 0
    kappa: float | None = None
    trained_at: str = ""
    trained_on: int = 0
    held_back: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "labels": self.labels,
            "active_labels": self.active_labels,
            "examples": self.examples,
            "reviewers": self.reviewers,
            "disagreements": self.disagreements,
            "kappa": self.kappa,
            "trained_at": self.trained_at,
            "trained_on": self.trained_on,
            "held_back": self.held_back,
        }


# --- from labels to examples ----------------------------------------------------------------------


def _quote_key(document_id: int, quote: str) -> tuple[int, str]:
    return document_id, " ".join(quote.split()).lower()


def training_examples(labels: Sequence[ReviewLabel]) -> list[Example]:
    """Return one example per labelled quote: staff's resolution if any, else the latest decision.

    Two reviewers who disagree both keep their labels (the agreement shows in the status); the later
    decision trains unless staff resolved the quote.
    """
    deciding: dict[tuple[int, str], ReviewLabel] = {}
    for label in sorted((lab for lab in labels if lab.active), key=lambda lab: lab.id):
        key = _quote_key(label.document_id, label.quote)
        held = deciding.get(key)
        if held is not None and held.origin == "resolution" and label.origin != "resolution":
            continue
        deciding[key] = label
    return [
        Example(
            text=lab.quote,
            subject=lab.subject,
            suggested=lab.suggested or lab.role,
            role=lab.role,
            kept=lab.decision is Decision.KEPT,
            document_id=lab.document_id,
            label_id=lab.id,
            evidence_id=lab.evidence_id,
            request_id=lab.request_id,
        )
        for lab in sorted(deciding.values(), key=lambda lab: lab.id)
    ]


def reviewer_agreement(labels: Sequence[ReviewLabel]) -> tuple[int, int, float | None]:
    """Return (quotes two reviewers decided, of them disagreements, Cohen's kappa on kept/dropped)."""
    by_quote: dict[tuple[int, str], dict[str, str]] = {}
    for label in sorted(
        (lab for lab in labels if lab.active and lab.origin != "resolution"), key=lambda x: x.id
    ):
        by_quote.setdefault(_quote_key(label.document_id, label.quote), {})[label.reviewer] = str(
            label.decision
        )
    pairs = [list(d.values())[:2] for d in by_quote.values() if len(d) >= 2]
    if not pairs:
        return 0, 0, None
    first, second = [p[0] for p in pairs], [p[1] for p in pairs]
    disagreements = sum(a != b for a, b in pairs)
    return len(pairs), disagreements, cohens_kappa(first, second)


# --- features --------------------------------------------------------------------------------------


class QuoteVectors:
    """MiniLM vectors of quotes and subjects, cached on disk by text so a retrain never re-embeds."""

    def __init__(self, embedder: Embedder | None, folder: Path | None) -> None:
        self.embedder = embedder
        self.path = folder / VECTORS_FILE if folder is not None else None
        self._cache: dict[str, np.ndarray] = {}
        self._dirty = False
        if self.path is not None and self.path.exists() and embedder is not None:
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    if str(data["space"]) == embedder.name:
                        keys, vectors = data["keys"], data["vectors"]
                        self._cache = {str(k): vectors[i] for i, k in enumerate(keys)}
            except (OSError, ValueError, KeyError):
                self._cache = {}  # a damaged cache is only a cache: the vectors are made again

    @property
    def dim(self) -> int:
        return self.embedder.dim if self.embedder is not None else 0

    def of(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Return one unit vector per text (an n x 0 array without an embedder)."""
        if self.embedder is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            done = 0
            for lo in range(0, len(missing), 256):
                chunk = missing[lo : lo + 256]
                vectors = self.embedder.encode([text_of[k] for k in chunk])
                self._cache.update(zip(chunk, vectors, strict=True))
                done += len(chunk)
                if progress is not None:
                    progress(done, len(missing))
            self._dirty = True
        return (
            np.vstack([self._cache[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, self.dim))
        )

    def save(self) -> None:
        if not self._dirty or self.path is None or self.embedder is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._cache)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(
            tmp,
            space=np.array(self.embedder.name),
            keys=np.array(keys),
            vectors=np.vstack([self._cache[k] for k in keys]),
        )
        tmp.replace(self.path)
        self._dirty = False


def word_vector(text: str) -> np.ndarray:
    """Return the quote's words and word pairs (negation marked) hashed into a small dense unit vector.

    Only to name the reviewed quote a suggestion is like on a desk without an embedder; the heads
    learn from ``word_matrix``.
    """
    words = tokens(text)
    out = np.zeros(SWAY_BUCKETS, dtype=np.float32)
    for gram in {f"w:{w}" for w in words} | {f"b:{a} {b}" for a, b in itertools.pairwise(words)}:
        out[zlib.crc32(gram.encode("utf-8")) % SWAY_BUCKETS] = 1.0
    norm = float(np.linalg.norm(out))
    return out / norm if norm else out


@functools.lru_cache(maxsize=1 << 16)
def word_bucket(word: str) -> int:
    """Return the column (within the words block) a word is hashed to.

    BLAKE2, not crc32: crc32 is linear, and its low bits put similar short words in the same column
    far more often than chance (3,000 three-letter words filled 2,473 of 65,536 columns).
    """
    digest = hashlib.blake2b(word.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "little") % WORD_BUCKETS


def word_matrix(texts: Sequence[str]) -> sparse.csr_matrix:
    """Return each text's words (negation marked) hashed into WORD_BUCKETS columns, one unit row per text.

    Words only: word pairs doubled the columns a text fills without ranking better, and a negated
    word is already a word of its own (``not_champion``).
    """
    indptr, indices = [0], []
    values: list[float] = []
    for text in texts:
        buckets = sorted({word_bucket(w) for w in tokens(text)})
        indices.extend(buckets)
        values.extend([1.0 / math.sqrt(len(buckets))] * len(buckets))
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.array(values, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(len(texts), WORD_BUCKETS),
    )


def _subject_share(text: str, subject: str) -> float:
    wanted = set(tokenize(subject))
    if not wanted:
        return 0.0
    return len(wanted & set(tokenize(text))) / len(wanted)


def features(
    texts: Sequence[str], subjects: Sequence[str], suggested: Sequence[Role], vectors: QuoteVectors
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Return (the feature matrix, the vectors used to name the closest reviewed quote).

    Columns: the quote's meaning (its MiniLM vector, when the desk has an embedder), its words and
    word pairs (hashed), its cosine to the subject, the share of the subject's words it says, its length,
    and last the suggested role (one-hot).
    """
    n = len(texts)
    words = word_matrix(texts)
    subject_cos = np.zeros((n, 1), dtype=np.float32)
    if vectors.dim:
        meaning = vectors.of(texts)
        distinct = sorted(set(subjects))
        subject_vecs = dict(zip(distinct, vectors.of(distinct), strict=True))
        subject_cos[:, 0] = [
            float(meaning[i] @ subject_vecs[s]) if s.strip() else 0.0 for i, s in enumerate(subjects)
        ]
    else:
        meaning = np.zeros((n, 0), dtype=np.float32)
    share = np.array([[_subject_share(t, s)] for t, s in zip(texts, subjects, strict=True)], dtype=np.float32)
    length = np.array([[math.log1p(len(t.split())) / 4.0] for t in texts], dtype=np.float32)
    roles = np.zeros((n, len(ROLES)), dtype=np.float32)
    for i, role in enumerate(suggested):
        roles[i, ROLES.index(role)] = 1.0
    # Sparse: the hashed words are a few dozen of WORD_BUCKETS columns, and fitting stays fast.
    matrix = sparse.hstack(
        [
            sparse.csr_matrix(meaning, dtype=np.float64),
            words,
            sparse.csr_matrix(np.hstack([subject_cos, share, length, roles]), dtype=np.float64),
        ],
        format="csr",
    )
    if vectors.dim:
        return matrix, meaning.astype(np.float32)
    sway = np.vstack([word_vector(t) for t in texts]) if n else np.zeros((0, SWAY_BUCKETS), np.float32)
    return matrix, sway


def subject_column(vectors: QuoteVectors) -> int:
    """Return the column of ``features`` that holds the cosine to the subject."""
    return vectors.dim + WORD_BUCKETS


# The role head decides the heading a quote is filed under (as a brief groups quotes); within a
# heading the suggested role stays, a quote moved to another heading takes that heading's first role.
GROUPS: tuple[tuple[Role, ...], ...] = tuple(roles for roles, _ in ROLE_GROUPS)


def group_of(role: Role) -> int:
    """Return the index of the heading group ``role`` belongs to (``GROUPS``)."""
    return next(i for i, roles in enumerate(GROUPS) if role in roles)


def _content(x: sparse.csr_matrix) -> sparse.csr_matrix:
    """Return the feature columns the role head reads: all but the suggested role (one-hot, last).

    The suggested role enters the role head only as its prior; given as a feature too, a few
    documents whose quotes were mostly misfiled would teach a blanket rule ("facilitators are
    context") that does not carry over to other documents.
    """
    return x[:, : -len(ROLES)]


SCALARS = 3  # the subject's cosine, the share of its words, the length: the columns before the roles


def _keep_columns(x: sparse.csr_matrix) -> sparse.csr_matrix:
    """Return the feature columns the keep head reads: the quote's meaning and words, and its suggested role.

    Not its closeness to the subject nor its length: a scan already orders suggestions by closeness to
    the subject and multiplies in the keep head's probability. A keep head that read the closeness too
    learned from the first decisions (all made on the closest suggestions) that close means keep, and
    the words took over late: on the screening sets of benchmarks/review_learning.py mean WSS@95 was
    50.7 % with these columns, 51.7 % without them.
    """
    first = x.shape[1] - len(ROLES) - SCALARS
    keep = np.r_[0:first, first + SCALARS : x.shape[1]]
    return x[:, keep]


def _prior_logits(suggested: Sequence[Role]) -> np.ndarray:
    other = (1.0 - PRIOR_SHARE) / (len(GROUPS) - 1)
    out = np.full((len(suggested), len(GROUPS)), math.log(other))
    for i, role in enumerate(suggested):
        out[i, group_of(role)] = math.log(PRIOR_SHARE)
    return out


# --- the two heads -------------------------------------------------------------------------------


DENSE_SHARE = 0.5  # a feature column filled in more than this share of rows is multiplied as dense


def _with_bias(x: sparse.csr_matrix) -> sparse.csr_matrix:
    return sparse.hstack([x, np.ones((x.shape[0], 1))], format="csr")


def balanced_weights(y: np.ndarray) -> np.ndarray:
    """Return one weight per example so that every class present weighs as much as every other.

    Screening and review are lopsided (a review keeps a few records in a hundred): unweighted, the
    rare class barely moves the fit and the first keepers found teach it little.
    """
    classes, counts = np.unique(y, return_counts=True)
    per_class = dict(zip(classes.tolist(), (len(y) / (len(classes) * counts)).tolist(), strict=True))
    return np.array([per_class[int(c)] for c in y], dtype=np.float64)


def _fit_softmax(
    x: sparse.csr_matrix,
    y: np.ndarray,
    offset: np.ndarray,
    l2: float,
    start: np.ndarray | None = None,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Return weights (features + 1 bias) x classes of a softmax regression over ``offset`` logits.

    ``start`` (weights of the same shape) warm-starts the fit: a held-back fold starts from the model
    fitted on all labels and needs few steps. ``weight`` weighs each example's loss (``balanced_weights``).
    """
    n, d_all = x.shape
    k = offset.shape[1]
    xb = _with_bias(x).tocsc()
    # Only the columns some example fills: a column no example fills has a zero weight at the optimum
    # (the L2 pull alone acts on it), and of the 65,536 word columns a thousand quotes fill a few thousand.
    used = np.flatnonzero(np.diff(xb.indptr) > 0)
    xb = xb[:, used]
    d = len(used) - 1
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    if weight is not None:
        onehot *= weight[:, None]  # a weighted example counts as that many (its rows of the loss scale)
    total = onehot.sum(axis=1, keepdims=True)
    # The meaning vector and the few scalar features fill every row: as a dense block they multiply many
    # times faster than as sparse columns; the hashed words stay sparse.
    filled = np.diff(xb.indptr) > DENSE_SHARE * n
    dense_cols, sparse_cols = np.flatnonzero(filled), np.flatnonzero(~filled)
    xd = xb[:, dense_cols].toarray()
    xs = xb[:, sparse_cols].tocsr()
    xs_t = xs.T.tocsr()

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(d + 1, k)
        logits = offset + xd @ w[dense_cols] + xs @ w[sparse_cols]
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        value = -float(np.sum(onehot * np.log(np.clip(p, 1e-12, None)))) + 0.5 * l2 * float(np.sum(w * w))
        residual = total * p - onehot
        grad = l2 * w
        grad[dense_cols] += xd.T @ residual
        grad[sparse_cols] += xs_t @ residual
        return value, grad.ravel()

    # Small matrices: one BLAS thread is many times faster than several contending for the cores.
    with threadpool_limits(limits=1, user_api="blas"):
        found = minimize(
            loss,
            np.zeros((d + 1) * k) if start is None else start[used].ravel(),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 100, "gtol": 1e-4},
        )
    out = np.zeros((d_all + 1, k))
    out[used] = np.asarray(found.x).reshape(d + 1, k)
    return out


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


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
        groups = _softmax(_prior_logits(suggested) + _with_bias(_content(x)) @ self.role_w)
        keep = _softmax(_with_bias(_keep_columns(x)) @ self.keep_w)[:, 1]
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
        role_w = _fit_softmax(
            _content(x),
            y_role,
            _prior_logits([e.suggested for e in examples]),
            L2_ROLE,
            start.role_w if start is not None else None,
        )
        y_keep = np.array([1 if e.kept else 0 for e in examples])
        if 0 < y_keep.sum() < len(y_keep):
            keep_w = _fit_softmax(
                _keep_columns(x),
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


def describe(meta: dict[str, Any], stamp: str, labels: Sequence[ReviewLabel]) -> ModelStatus:
    """Return the status of a model described by ``meta`` against the desk's labels now."""
    active = [lab for lab in labels if lab.active]
    _, disagreements, kappa = reviewer_agreement(labels)
    examples = training_examples(labels)
    if not meta:
        state = "shipped" if not active else "stale"
    elif meta.get("state") == "reset":
        state = "reset" if meta.get("stamp") == stamp else "stale"
    else:
        state = "learned" if meta.get("stamp") == stamp else "stale"
    return ModelStatus(
        state=state,
        labels=len(labels),
        active_labels=len(active),
        examples=len(examples),
        reviewers=len({lab.reviewer for lab in active}),
        disagreements=disagreements,
        kappa=None if kappa is None else round(kappa, 3),
        trained_at=str(meta.get("at", "")) if meta.get("state") != "reset" else "",
        trained_on=int(meta.get("examples", 0)) if meta.get("state") != "reset" else 0,
        held_back=dict(meta.get("held_back", {})) if meta.get("state") != "reset" else {},
    )


def check_folder(folder: Path) -> None:
    """Raise ConfigError when the model folder cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the desk model in {folder}: {exc.strerror}.",
            "Check the desk folder's permissions.",
        ) from exc
