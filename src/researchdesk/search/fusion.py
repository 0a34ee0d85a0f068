"""Rank fusion and diversification: weighted reciprocal rank fusion and a per-document cap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Tuned on the odd-numbered MED queries only (`python benchmarks/retrieval.py --tune`); the
# even-numbered queries are held out. The grid covers the fusion and the embedding feedback together:
# with feedback from the top 10 passages at weight 1.5, k=20 and w_lex=0.3 are best on dev
# (nDCG@10 0.905; without feedback the best was k=30, w_lex=0.3 at 0.899).
RRF_K = 20.0
LEXICAL_WEIGHT = 0.3
# Pseudo-relevance feedback (semantic and hybrid modes): the query vector moves toward the mean
# vector of the first pass's top passages (one per document), then is searched again
# (semantic.feedback_plan says how many passages and what weight a library of a given size gets;
# these are the most).
FEEDBACK_PASSAGES = 10
FEEDBACK_WEIGHT = 1.5
SEMANTIC_WEIGHT = 1.0


def top_indices(scores: np.ndarray, k: int, floor: float | None = None) -> np.ndarray:
    """Return the indices of the ``k`` highest scores, best first; with ``floor``, only scores above it.

    Ties keep index order, so results are reproducible.
    """
    if floor is None and k > 0 and scores.size > k and np.isfinite(scores).all():
        # Unfiltered semantic scores: partition them all directly (no index copy of 100k rows).
        candidates = np.argpartition(-scores, k - 1)[:k]
        order = np.lexsort((candidates, -scores[candidates]))
        return candidates[order].astype(np.int64)
    keep = scores > floor if floor is not None else np.isfinite(scores)
    candidates = np.flatnonzero(keep)
    if candidates.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    if candidates.size > k:
        values = scores[candidates]
        part = np.argpartition(-values, k - 1)[:k]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order].astype(np.int64)


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]],
    weights: Sequence[float],
    k: float = RRF_K,
) -> list[tuple[int, float]]:
    """Return (item, fused score) pairs, best first: the sum over lists of weight / (k + rank).

    Ranks are 1-based; an item missing from a list gets nothing from it. Ties are broken by the
    item's best rank in any list, then by the item itself.
    """
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking is needed")
    fused: dict[int, float] = {}
    best: dict[int, int] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            item = int(item)
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
            best[item] = min(best.get(item, rank), rank)
    return sorted(fused.items(), key=lambda pair: (-pair[1], best[pair[0]], pair[0]))


def cap_per_group(items: Sequence[int], group_of: Sequence[int] | np.ndarray, cap: int | None) -> list[int]:
    """Return ``items`` in order, keeping at most ``cap`` from each group (None or 0 = no cap)."""
    if not cap:
        return list(items)
    taken: dict[int, int] = {}
    kept = []
    for item in items:
        group = int(group_of[item])
        if taken.get(group, 0) < cap:
            taken[group] = taken.get(group, 0) + 1
            kept.append(item)
    return kept
