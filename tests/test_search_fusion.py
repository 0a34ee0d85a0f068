"""Rank fusion, per-document caps, top-k selection and embedding feedback."""

from __future__ import annotations

import numpy as np
import pytest

from researchdesk.search.fusion import cap_per_group, reciprocal_rank_fusion, top_indices
from researchdesk.search.semantic import feedback_plan, feedback_query


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


def test_feedback_takes_one_passage_in_a_hundred_up_to_the_limit_weighted_by_their_share() -> None:
    assert feedback_plan(99, 10, 1.5) == (0, 0.0)  # a small library has no "top" distinct from the whole
    assert feedback_plan(100, 10, 1.5) == (1, pytest.approx(0.15))
    assert feedback_plan(550, 10, 1.5) == (5, pytest.approx(0.75))
    assert feedback_plan(1033, 10, 1.5) == (10, 1.5)
    assert feedback_plan(100_000, 10, 1.5) == (10, 1.5)
    assert feedback_plan(100_000, 0, 1.5) == (0, 0.0)


def test_feedback_moves_the_query_toward_the_top_passages_at_unit_length() -> None:
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    top = np.array([[0.0, 1.0, 0.0], [0.0, 0.6, 0.8]], dtype=np.float32)
    moved = feedback_query(query, top, 1.0)
    assert np.linalg.norm(moved) == pytest.approx(1.0, abs=1e-6)
    centroid = top.mean(axis=0) / np.linalg.norm(top.mean(axis=0))
    assert moved @ centroid > query @ centroid
    assert moved @ query > 0  # the query still counts
    # A heavier weight moves it further; no passages or no weight leave it as it was.
    assert feedback_query(query, top, 3.0) @ centroid > moved @ centroid
    assert feedback_query(query, top[:0], 1.0).tolist() == query.tolist()
    assert feedback_query(query, top, 0.0).tolist() == query.tolist()
