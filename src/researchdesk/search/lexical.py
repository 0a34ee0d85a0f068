"""BM25 over passages with SciPy sparse matrices: term counts are stored, BM25 weights derived.

The stored part is a CSR matrix of term counts (passages x vocabulary) and the vocabulary; the BM25
weight of every (passage, term) pair is derived from it into a CSC matrix so a query term is one
contiguous column slice. Adding or removing passages changes every idf and the average length, so
the weights are re-derived from the counts (vectorised, O(non-zeros)) instead of re-tokenizing text.
Scoring follows Lucene's BM25 (idf = ln(1 + (N - df + 0.5) / (df + 0.5)), no (k1 + 1) factor), as
bm25s does by default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import chain
from pathlib import Path

import numpy as np
import scipy.sparse as sp

K1 = 1.5
B = 0.75


Column = tuple[np.ndarray, np.ndarray]  # the rows holding a term (ascending) and its BM25 weight in each


def average_length(total: int, n: int) -> float:
    """Return the mean passage length in tokens (1.0 for an empty collection)."""
    return (total / n if n else 0.0) or 1.0


def bm25_idf(n: int, df: np.ndarray) -> np.ndarray:
    """Return Lucene's BM25 idf, ln(1 + (N - df + 0.5) / (df + 0.5)), of document frequencies (float32)."""
    df = np.asarray(df, dtype=np.float32)
    return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)


def row_norms(lengths: np.ndarray, avg: float, k1: float = K1, b: float = B) -> np.ndarray:
    """Return k1 * (1 - b + b * length / avg) of passage lengths (float32): BM25's length normalisation."""
    lengths = np.asarray(lengths, dtype=np.float32)
    return (k1 * (1.0 - b + b * lengths / avg)).astype(np.float32)


def bm25_weights(idf: np.ndarray, tf: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """Return idf * tf / (tf + norm) per posting (float32), computed in place in ``idf`` and ``norms``.

    Both are float32 arrays with one entry per posting that this overwrites (at 100k passages each
    is ~30 MB, and the transient arrays here set a search process's peak memory on load). Lucene
    drops BM25's constant (k1 + 1) numerator factor; so do we, so scores equal bm25s's. Every
    backend's lexical search weighs its postings here, element by element, so equal counts give
    equal weights to the last bit whichever backend holds them.
    """
    tf32 = np.asarray(tf, dtype=np.float32)
    norms += tf32
    idf *= tf32
    del tf32
    idf /= norms
    return idf


def accumulate(
    size: int,
    columns: Mapping[str, Column],
    terms: Mapping[str, float],
    phrases: Sequence[tuple[Sequence[str], float]] = (),
) -> np.ndarray:
    """Return the BM25 score of ``size`` rows from the columns (postings) of the query's words.

    Terms add ``weight * BM25`` in the order of ``terms`` (float additions in one order, so every
    backend sums alike). A phrase adds ``weight / len(words)`` times the BM25 of each of its words,
    but only in the rows that contain all of them. A word without a column occurs nowhere.
    """
    out = np.zeros(size, dtype=np.float32)
    for term, query_weight in terms.items():
        column = columns.get(term)
        if column is not None and column[0].size:
            rows, weights = column
            out[rows] += np.float32(query_weight) * weights
    for words, weight in phrases:
        if not words or any(w not in columns for w in words):
            continue
        found = [columns[w] for w in words]
        common = found[0][0]
        for rows, _ in found[1:]:
            common = np.intersect1d(common, rows, assume_unique=True)
        if common.size == 0:
            continue
        share = np.float32(weight / len(words))
        for rows, weights in found:
            out[common] += share * weights[np.searchsorted(rows, common)]
    return out


class LexicalIndex:
    """Term counts of passages and the BM25 weights derived from them."""

    def __init__(
        self,
        terms: list[str] | None = None,
        counts: sp.csr_matrix | None = None,
        k1: float = K1,
        b: float = B,
    ) -> None:
        self.terms: list[str] = list(terms or [])
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(self.terms)}
        self.k1 = k1
        self.b = b
        if counts is None:
            counts = sp.csr_matrix((0, len(self.terms)), dtype=np.int32)
        self.counts: sp.csr_matrix = counts
        self._weights: sp.csc_matrix = sp.csc_matrix((0, 0), dtype=np.float32)
        self._derive()

    def __len__(self) -> int:
        return int(self.counts.shape[0])

    def _rows_to_csr(self, token_lists: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Return the count rows of new passages, adding unseen terms to the vocabulary."""
        flat = list(chain.from_iterable(token_lists))
        vocab = self.vocab
        for term in dict.fromkeys(flat):
            if term not in vocab:
                vocab[term] = len(self.terms)
                self.terms.append(term)
        ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int32, count=len(flat))
        rows = np.repeat(np.arange(len(token_lists), dtype=np.int32), [len(t) for t in token_lists])
        matrix = sp.csr_matrix(
            (np.ones(len(flat), dtype=np.int32), (rows, ids)), shape=(len(token_lists), len(self.terms))
        )
        matrix.sum_duplicates()
        return matrix

    def append(self, token_lists: Sequence[Sequence[str]]) -> None:
        """Append passages (one token list each) and re-derive the BM25 weights."""
        if not token_lists:
            return
        rows = self._rows_to_csr(token_lists)
        old = self.counts
        old.resize((old.shape[0], len(self.terms)))
        self.counts = sp.vstack([old, rows], format="csr", dtype=np.int32)
        self._derive()

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the passages where ``mask`` is true and re-derive the weights."""
        self.counts = self.counts[np.flatnonzero(mask)]
        self._derive()

    def _derive(self) -> None:
        """Compute the BM25 weight matrix (CSC, float32) from the counts."""
        counts = self.counts
        counts.resize((counts.shape[0], len(self.terms)))
        n = counts.shape[0]
        if n == 0 or counts.nnz == 0:
            self._weights = sp.csc_matrix((n, len(self.terms)), dtype=np.float32)
            self.idf = np.zeros(len(self.terms), dtype=np.float32)
            return
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        avg = average_length(int(lengths.sum()), n)
        df = np.bincount(counts.indices, minlength=len(self.terms))
        self.idf = bm25_idf(n, df)
        norms = np.repeat(row_norms(lengths, avg, self.k1, self.b), np.diff(counts.indptr))
        weights = bm25_weights(self.idf[counts.indices], counts.data, norms)
        self._weights = sp.csr_matrix((weights, counts.indices, counts.indptr), shape=counts.shape).tocsc()

    def term_ids(self, terms: Mapping[str, float]) -> dict[int, float]:
        """Return term id -> weight for the terms the vocabulary knows."""
        return {self.vocab[t]: w for t, w in terms.items() if t in self.vocab}

    def _column(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the passage rows holding a term and the term's BM25 weight in each."""
        lo, hi = self._weights.indptr[term_id], self._weights.indptr[term_id + 1]
        return self._weights.indices[lo:hi], self._weights.data[lo:hi]

    def scores(
        self,
        terms: Mapping[str, float],
        phrases: Sequence[tuple[Sequence[str], float]] = (),
    ) -> np.ndarray:
        """Return the BM25 score of every passage for weighted query terms (weight 1.0 = once).

        A phrase adds ``weight / len(words)`` times the BM25 of each of its words, but only in the
        passages that contain all of them (``accumulate``).
        """
        words = set(terms).union(*(w for w, _ in phrases)) if phrases else set(terms)
        columns = {w: self._column(self.vocab[w]) for w in words if w in self.vocab}
        return accumulate(len(self), columns, terms, phrases)

    def document_frequency(self, term: str) -> int:
        """Return how many passages contain ``term``."""
        term_id = self.vocab.get(term)
        if term_id is None:
            return 0
        return int(self._weights.indptr[term_id + 1] - self._weights.indptr[term_id])

    def passage_terms(self, row: int) -> set[str]:
        """Return the terms of one passage."""
        lo, hi = self.counts.indptr[row], self.counts.indptr[row + 1]
        return {self.terms[i] for i in self.counts.indices[lo:hi]}

    def save(self, directory: Path) -> None:
        """Write ``lexical_terms.json`` and ``lexical_counts.npz`` into ``directory``."""
        (directory / "lexical_terms.json").write_text(json.dumps(self.terms), encoding="utf-8")
        sp.save_npz(directory / "lexical_counts.npz", self.counts, compressed=False)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Return the lexical index saved in ``directory``."""
        terms = json.loads((directory / "lexical_terms.json").read_text(encoding="utf-8"))
        counts = sp.load_npz(directory / "lexical_counts.npz").tocsr().astype(np.int32, copy=False)
        return cls(terms, counts)
