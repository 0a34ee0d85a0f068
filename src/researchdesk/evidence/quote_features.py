"""The features the desk model's heads read: a quote's meaning, its hashed words, its closeness to the subject.

``features`` makes one sparse row per quote (the MiniLM vector when the desk has an embedder, the
words hashed into WORD_BUCKETS columns, three scalars, the suggested role one-hot); the column
helpers pick what each head reads, and ``prior_logits`` is the shipped behaviour the heading head
starts from.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from researchdesk.evidence.model import tokens
from researchdesk.models import ROLE_GROUPS, Role
from researchdesk.search.embed import Embedder
from researchdesk.search.tokenize import tokenize

ROLES: tuple[Role, ...] = tuple(Role)
# The words a head learns from, hashed: enough buckets that distinct words rarely share one. With
# 2,048 buckets (words and word pairs) most buckets held dozens of unrelated words, and the words that
# tell a review's includes apart were blurred with common ones (a words-only learner on the screening
# sets of benchmarks/review_learning.py: mean WSS@95 44 % with 2,048 buckets, 54 % with 65,536).
WORD_BUCKETS = 1 << 16
SWAY_BUCKETS = 1 << 11  # words and word pairs, dense: to name the closest reviewed quote without an embedder
PRIOR_SHARE = 0.7  # the shipped prior: the suggested role is this likely, the others share the rest
VECTORS_FILE = "quote-vectors.npz"

Progress = Callable[[int, int], None]


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


def role_columns(x: sparse.csr_matrix) -> sparse.csr_matrix:
    """Return the feature columns the role head reads: all but the suggested role (one-hot, last).

    The suggested role enters the role head only as its prior; given as a feature too, a few
    documents whose quotes were mostly misfiled would teach a blanket rule ("facilitators are
    context") that does not carry over to other documents.
    """
    return x[:, : -len(ROLES)]


SCALARS = 3  # the subject's cosine, the share of its words, the length: the columns before the roles


def keep_columns(x: sparse.csr_matrix) -> sparse.csr_matrix:
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


def prior_logits(suggested: Sequence[Role]) -> np.ndarray:
    other = (1.0 - PRIOR_SHARE) / (len(GROUPS) - 1)
    out = np.full((len(suggested), len(GROUPS)), math.log(other))
    for i, role in enumerate(suggested):
        out[i, group_of(role)] = math.log(PRIOR_SHARE)
    return out
