"""Exact cosine search over a float32 matrix of unit-length passage vectors, and pseudo-relevance feedback."""

from __future__ import annotations

import numpy as np


def cosine_scores(matrix: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """Return the cosine similarity of every row of ``matrix`` to ``query_vector`` (both unit length)."""
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    return matrix @ np.asarray(query_vector, dtype=np.float32).ravel()


def append_rows(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return ``matrix`` with ``rows`` appended (float32, C order)."""
    if rows.shape[0] == 0:
        return matrix
    return np.ascontiguousarray(np.vstack([matrix, rows.astype(np.float32)]), dtype=np.float32)


def feedback_pool(searched: int, most: int) -> int:
    """Return how many top passages feed back into the query when ``searched`` passages were searched.

    The top 1 in 100 passages, at most ``most``: with fewer than 100 there is no feedback, since the
    "top" would be most of the library and its mean would pull the query toward whatever is typical.
    """
    return max(0, min(most, searched // 100))


def feedback_query(query_vector: np.ndarray, top_vectors: np.ndarray, weight: float) -> np.ndarray:
    """Return the query vector moved toward the mean of the top passages' vectors, at unit length.

    This is Rocchio's pseudo-relevance feedback on embeddings: the best first-pass passages describe
    the topic in the library's own words, so passages like them rise in a second pass.
    """
    query = np.asarray(query_vector, dtype=np.float32).ravel()
    if top_vectors.shape[0] == 0 or weight <= 0:
        return query
    moved = query + np.float32(weight) * np.asarray(top_vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(moved))
    return (moved / norm).astype(np.float32) if norm > 0 else query
