"""Cohen's kappa against hand-computed values and on bad input."""

from __future__ import annotations

import pytest

from researchdesk.errors import InputError
from researchdesk.evidence import agreement, cohens_kappa


def test_kappa_hand_computed() -> None:
    # 10 items. A: 5 barrier, 3 facilitator, 2 other. B: 4 barrier, 4 facilitator, 2 other.
    a = ["barrier"] * 5 + ["facilitator"] * 3 + ["other"] * 2
    b = ["barrier"] * 4 + ["facilitator"] * 4 + ["other", "other"]
    # Agreement on 9 of 10 (item 5 differs): p_o = 0.9.
    # p_e = (5*4 + 3*4 + 2*2) / 100 = 0.36.  kappa = (0.9 - 0.36) / 0.64 = 0.84375.
    result = agreement(a, b)
    assert result.observed == pytest.approx(0.9)
    assert result.expected == pytest.approx(0.36)
    assert result.kappa == pytest.approx(0.84375)
    assert result.n == 10
    assert cohens_kappa(a, b) == pytest.approx(0.84375)


def test_kappa_two_by_two_textbook() -> None:
    # Classic 2x2: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o 0.7, p_e 0.5, kappa 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohens_kappa(a, b) == pytest.approx(0.4)


def test_perfect_and_chance() -> None:
    labels = ["barrier", "facilitator", "other", "barrier"]
    assert cohens_kappa(labels, labels) == pytest.approx(1.0)
    assert cohens_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == pytest.approx(0.0)
    assert cohens_kappa(["x", "x"], ["x", "x"]) == 1.0


def test_labels_compared_case_insensitively() -> None:
    assert cohens_kappa(["Barrier", "other"], ["barrier", "Other "]) == pytest.approx(1.0)


def test_unequal_lengths() -> None:
    with pytest.raises(InputError, match="different numbers of items"):
        cohens_kappa(["a", "b"], ["a"])


def test_empty() -> None:
    with pytest.raises(InputError, match="no items"):
        cohens_kappa([], [])
