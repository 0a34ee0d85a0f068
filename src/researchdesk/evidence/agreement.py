"""Agreement between two reviewers who coded the same items: observed agreement and Cohen's kappa."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from researchdesk.errors import InputError


@dataclass(frozen=True)
class Agreement:
    """Cohen's kappa with the figures behind it."""

    kappa: float
    observed: float  # share of items both reviewers coded the same
    expected: float  # agreement expected by chance from each reviewer's label frequencies
    n: int
    categories: tuple[str, ...]


def agreement(labels_a: Sequence[str], labels_b: Sequence[str]) -> Agreement:
    """Return Cohen's kappa, observed and chance agreement for two reviewers' labels of the same items.

    When both reviewers used one and the same label throughout, chance agreement is 1 and kappa is
    undefined; it is reported as 1.0 (perfect agreement), the convention of qualitative-coding tools.
    """
    if len(labels_a) != len(labels_b):
        raise InputError(
            f"The two reviewers coded different numbers of items ({len(labels_a)} and {len(labels_b)}).",
            "Compare the same set of evidence: each item needs a label from both reviewers.",
        )
    n = len(labels_a)
    if n == 0:
        raise InputError(
            "There are no items to compare.",
            "Give both reviewers' labels for at least one piece of evidence.",
        )
    a = [str(x).strip().lower() for x in labels_a]
    b = [str(x).strip().lower() for x in labels_b]
    observed = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    count_a, count_b = Counter(a), Counter(b)
    categories = tuple(sorted(set(count_a) | set(count_b)))
    expected = sum(count_a[c] * count_b[c] for c in categories) / (n * n)
    kappa = 1.0 if expected >= 1.0 else (observed - expected) / (1.0 - expected)
    return Agreement(round(kappa, 6), observed, expected, n, categories)


def cohens_kappa(labels_a: Sequence[str], labels_b: Sequence[str]) -> float:
    """Return Cohen's kappa for two reviewers' labels of the same items (see ``agreement``)."""
    return agreement(labels_a, labels_b).kappa
