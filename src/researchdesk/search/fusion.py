"""Fusion of ranked lists and diversification: standardized score fusion, weighted reciprocal rank
fusion, and a per-document cap.

Hybrid search fuses by scores, each list's scores standardized over its own top (mean 0, standard
deviation 1), then added with the list's weight. A lexical list whose first passages stand far above
the rest (a rare term found in a few passages) so moves them up a long way, while a flat list (every
passage shares the query's common words, as in a set of records that a search already chose) moves
nothing far: the lexical side is trusted by how decisive its scores are, query by query. Reciprocal
rank fusion gives rank 1 the same pull whatever the scores say, and a weight chosen for one kind of
collection did not hold on another (``benchmarks/ranking_sets.py`` prints both side by side).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import get_args

import numpy as np

from researchdesk.settings import SearchSettings

# The tuning (weights, window, rank fusion's k) is the settings' ``search`` section; its defaults are
# these functions' defaults too.
_DEFAULT = SearchSettings()
FUSION_METHODS: tuple[str, ...] = get_args(SearchSettings.model_fields["fusion"].annotation)
# Reciprocal rank fusion as it was tuned on MED's odd-numbered queries alone (k 20, lexical weight
# 0.3), before scores were standardized; kept as a method to compare with.
RRF_LEXICAL_WEIGHT = 0.3


@dataclass(frozen=True)
class FusionSettings:
    """How a hybrid search makes one list of its lexical and semantic lists (``of`` the settings' section).

    ``method`` "scores" adds each list's standardized scores (over its first ``window`` entries) times
    its weight; "rrf" adds weight / (``rrf_k`` + rank).
    """

    method: str = _DEFAULT.fusion
    lexical_weight: float = _DEFAULT.lexical_weight
    semantic_weight: float = _DEFAULT.semantic_weight
    window: int = _DEFAULT.score_window
    rrf_k: float = _DEFAULT.rrf_k

    def __post_init__(self) -> None:
        if self.method not in FUSION_METHODS:
            raise ValueError(f"fusion method must be one of {', '.join(FUSION_METHODS)}, not {self.method!r}")
        if self.window < 2:
            raise ValueError("scores are standardized over at least 2 entries")

    @classmethod
    def of(cls, search: SearchSettings) -> FusionSettings:
        """Return the fusion the settings' ``search`` section describes."""
        return cls(search.fusion, search.lexical_weight, search.semantic_weight, search.score_window, search.rrf_k)


# The fusion shipped before scores were standardized.
RANK_FUSION = FusionSettings(method="rrf", lexical_weight=RRF_LEXICAL_WEIGHT)


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
    k: float = _DEFAULT.rrf_k,
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


def cap_per_group(
    items: Sequence[int], group_of: Mapping[int, int] | Sequence[int] | np.ndarray, cap: int | None
) -> list[int]:
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


def standardized_score_fusion(
    rankings: Sequence[Sequence[int]],
    scores: Sequence[Sequence[float] | np.ndarray],
    weights: Sequence[float],
    unlisted: Sequence[float | None],
    window: int = _DEFAULT.score_window,
) -> list[tuple[int, float]]:
    """Return (item, fused score) pairs, best first: the sum over lists of weight * z, where z is the
    item's score standardized over the list's first ``window`` scores (mean 0, standard deviation 1).

    An item missing from a list counts there with the score ``unlisted`` gives for that list (None: the
    list's last score, which a missing item is at most). A list whose scores are all equal adds the same
    to every item. Ties are broken by the item's best rank in any list, then by the item itself.
    """
    if not len(rankings) == len(scores) == len(weights) == len(unlisted):
        raise ValueError("one score list, weight and unlisted score per ranking are needed")
    columns: list[tuple[dict[int, float], float, float]] = []
    best: dict[int, int] = {}
    for ranking, values, weight, missing in zip(rankings, scores, weights, unlisted, strict=True):
        if len(ranking) != len(values):
            raise ValueError("one score per ranked item is needed")
        if not len(ranking):
            continue
        v = np.asarray(values, dtype=np.float64)
        top = v[:window]
        mean = float(top.mean())
        sd = float(top.std())
        sd = sd if sd > 1e-12 else 1.0
        z = (v - mean) / sd
        floor = float(v[-1]) if missing is None else float(missing)
        columns.append(
            ({int(i): float(x) for i, x in zip(ranking, z, strict=True)}, (floor - mean) / sd, weight)
        )
        for rank, item in enumerate(ranking, start=1):
            item = int(item)
            best[item] = min(best.get(item, rank), rank)
    fused = {item: sum(w * z_of.get(item, low) for z_of, low, w in columns) for item in best}
    return sorted(fused.items(), key=lambda pair: (-pair[1], best[pair[0]], pair[0]))


def fuse(
    lexical: Sequence[int],
    lexical_scores: Sequence[float] | np.ndarray,
    semantic: Sequence[int],
    semantic_scores: Sequence[float] | np.ndarray,
    settings: FusionSettings,
) -> list[tuple[int, float]]:
    """Return the items of a lexical and a semantic list (each best first) fused, best first, with scores.

    Every store fuses through here, so a hybrid search ranks alike whatever keeps the passages. A
    passage missing from the lexical list has none of the query's words (score 0); one missing from
    the semantic list is at most as similar as its last passage.
    """
    weights = [settings.lexical_weight, settings.semantic_weight]
    if settings.method == "rrf":
        return reciprocal_rank_fusion([lexical, semantic], weights, settings.rrf_k)
    return standardized_score_fusion(
        [lexical, semantic], [lexical_scores, semantic_scores], weights, [0.0, None], settings.window
    )
