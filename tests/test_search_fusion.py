"""Rank fusion, per-document caps and top-k selection."""

from __future__ import annotations

import numpy as np
import pytest

from researchdesk.search.fusion import cap_per_group, reciprocal_rank_fusion, top_indices


def test_rrf_sums_weighted_reciprocal_ranks() -> None:
    fused = dict(reciprocal_rank_fusion([[7, 8, 9], [9, 7]], [1.0, 2.0], k=10))
    assert fused[7] == pytest.approx(1 / 11 + 2 / 12)
    assert fused[8] == pytest.approx(1 / 12)
    assert fused[9] == pytest.approx(1 / 13 + 2 / 11)


def test_rrf_orders_best_first_and_agreement_wins() -> None:
    # 5 is second in both lists; 1 and 2 are first in one list only
    order = [item for item, _ in reciprocal_rank_fusion([[1, 5, 3], [2, 5, 4]], [1.0, 1.0], k=1)]
    assert order[0] == 5
    assert set(order) == {1, 2, 3, 4, 5}


def test_rrf_weight_decides_between_lists() -> None:
    lexical_first = reciprocal_rank_fusion([[1, 2], [2, 1]], [2.0, 1.0], k=60)
    semantic_first = reciprocal_rank_fusion([[1, 2], [2, 1]], [1.0, 2.0], k=60)
    assert lexical_first[0][0] == 1
    assert semantic_first[0][0] == 2


def test_rrf_ties_are_broken_by_best_rank_then_item() -> None:
    fused = reciprocal_rank_fusion([[4, 3], [3, 4]], [1.0, 1.0], k=60)
    assert fused[0][1] == pytest.approx(fused[1][1])
    assert [item for item, _ in fused] == [3, 4]


def test_rrf_needs_one_weight_per_list() -> None:
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[1], [2]], [1.0])


def test_cap_per_group_keeps_order_and_limits_each_group() -> None:
    group_of = np.array([10, 10, 10, 20, 10, 30])
    assert cap_per_group([0, 1, 2, 3, 4, 5], group_of, 2) == [0, 1, 3, 5]
    assert cap_per_group([0, 1, 2, 3, 4, 5], group_of, None) == [0, 1, 2, 3, 4, 5]


def test_top_indices_sorts_and_respects_floor_and_infinity() -> None:
    scores = np.array([0.0, 3.0, 1.0, 3.0, -np.inf, 2.0], dtype=np.float32)
    assert top_indices(scores, 3).tolist() == [1, 3, 5]
    assert top_indices(scores, 10, floor=0.0).tolist() == [1, 3, 5, 2]
    assert top_indices(scores, 10).tolist() == [1, 3, 5, 2, 0]
    assert top_indices(scores, 0).tolist() == []
