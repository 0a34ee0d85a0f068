"""Exact cosine search over a float32 matrix of unit-length passage vectors."""

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
