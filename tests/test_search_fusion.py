"""Rank fusion, per-document caps, top-k selection and embedding feedback."""

from __future__ import annotations

import numpy as np
import pytest

from researchdesk.search.fusion import (
    RANK_FUSION,
    FusionSettings,
    cap_per_group,
    fuse,
    reciprocal_rank_fusion,
    standardized_score_fusion,
    top_indices,
)
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


# 100 passages: the lexical list ranks them 1..100; the semantic list agrees except that it puts
# the lexical first (1) 31st and the lexical 31st first.
LEX = list(range(1, 101))
SEM = [31, *range(2, 31), 1, *range(32, 101)]
COSINES = [0.80 - 0.002 * i for i in range(100)]


def test_a_decisive_lexical_list_gets_more_weight_than_a_flat_one() -> None:
    # Decisive: passage 1 holds the query's rare term, far above the rest. Flat: every passage shares
    # the query's common words and scores alike. Same ranking, so rank fusion cannot tell them apart.
    decisive = [20.0] + [3.0 - 0.01 * i for i in range(99)]
    flat = [4.0 - 0.01 * i for i in range(100)]
    settings = FusionSettings()
    first = {
        name: fuse(LEX, scores, SEM, COSINES, settings)[0][0]
        for name, scores in (("decisive", decisive), ("flat", flat))
    }
    assert first["decisive"] == 1  # the lexical side's standout comes first
    assert first["flat"] == 2  # the lexical order is one vote: the passage second in both comes first
    by_rank = [fuse(LEX, scores, SEM, COSINES, RANK_FUSION)[0][0] for scores in (decisive, flat)]
    assert by_rank[0] == by_rank[1]


def test_score_fusion_does_not_depend_on_the_scale_of_a_store_s_scores() -> None:
    # BM25 and PostgreSQL's ts_rank differ in scale: standardized, the same shape fuses the same.
    lexical = [9.0, 7.5, 3.0, 2.9, 1.0]
    cosines = [0.71, 0.70, 0.52, 0.50, 0.49]
    ranked = fuse([1, 2, 3, 4, 5], lexical, [5, 4, 3, 2, 1], cosines, FusionSettings())
    scaled = fuse([1, 2, 3, 4, 5], [x / 37.0 for x in lexical], [5, 4, 3, 2, 1], cosines, FusionSettings())
    assert [item for item, _ in ranked] == [item for item, _ in scaled]
    assert [score for _, score in ranked] == pytest.approx([score for _, score in scaled])


def test_missing_from_a_list_counts_as_its_unlisted_score() -> None:
    # Item 9 is only in the semantic list: lexically it has none of the query's words (score 0).
    fused = dict(
        standardized_score_fusion([[1, 2], [9, 1]], [[3.0, 1.0], [0.9, 0.5]], [1.0, 1.0], [0.0, None])
    )
    z_zero = (0.0 - 2.0) / 1.0  # lexical mean 2, standard deviation 1
    assert fused[9] == pytest.approx(z_zero + 1.0)
    # Item 2 is only in the lexical list: semantically it is at most the list's last score (z -1).
    assert fused[2] == pytest.approx(-1.0 + -1.0)
    assert fused[1] == pytest.approx(1.0 + -1.0)


def test_a_list_of_equal_scores_leaves_the_order_to_the_other_list() -> None:
    fused = standardized_score_fusion(
        [[1, 2, 3], [3, 2, 1]], [[5.0, 5.0, 5.0], [0.9, 0.6, 0.3]], [1.0, 1.0], [0.0, None]
    )
    assert [item for item, _ in fused] == [3, 2, 1]


def test_only_the_window_sets_the_standard() -> None:
    # Scores past the window change neither the mean nor the spread the list is standardized with.
    head = [10.0, 8.0, 6.0]
    a = dict(standardized_score_fusion([[1, 2, 3, 4]], [[*head, 1.0]], [1.0], [0.0], window=3))
    b = dict(standardized_score_fusion([[1, 2, 3, 4]], [[*head, -50.0]], [1.0], [0.0], window=3))
    assert a[1] == pytest.approx(b[1]) and a[2] == pytest.approx(b[2])


def test_score_fusion_needs_a_score_per_item_and_list() -> None:
    with pytest.raises(ValueError):
        standardized_score_fusion([[1, 2]], [[1.0]], [1.0], [None])
    with pytest.raises(ValueError):
        standardized_score_fusion([[1], [2]], [[1.0], [2.0]], [1.0], [None, None])
    with pytest.raises(ValueError):
        FusionSettings(method="borda")


def test_rank_fusion_settings_fuse_by_reciprocal_rank() -> None:
    expected = reciprocal_rank_fusion([LEX, SEM], [RANK_FUSION.lexical_weight, 1.0], RANK_FUSION.rrf_k)
    assert fuse(LEX, [1.0] * 20, SEM, COSINES, RANK_FUSION) == expected


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
