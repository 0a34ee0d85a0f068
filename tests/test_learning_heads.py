"""The desk model's heads on plain examples: what they read and how they weigh a rare class.

No desk needed: examples and features as ``learning.train`` makes them (``quote_features``), on a desk without an embedder
(hashed words and the scalar columns only).
"""

from __future__ import annotations

import itertools
import string

import numpy as np

from researchdesk.evidence import quote_features
from researchdesk.evidence.learning import fit
from researchdesk.evidence.quote_features import QuoteVectors, features, word_matrix
from researchdesk.evidence.review_examples import Example
from researchdesk.evidence.softmax_fit import balanced_weights
from researchdesk.models import Role

VECTORS = QuoteVectors(None, None)
FILLER = (
    "council budget meeting minutes were approved",
    "the committee discussed road maintenance schedules",
    "library opening hours changed in the spring",
    "parking permits are renewed every year",
    "the annual report lists staff training sessions",
    "waste collection moved to a weekly round",
    "a new bus shelter was installed downtown",
    "the clerk read the agenda aloud",
)


def _examples(texts: list[str], kept: list[bool], subject: str = "tobacco retail licensing") -> list[Example]:
    return [
        Example(t, subject, Role.CONTEXT, Role.CONTEXT, k, i % 4, i, None)
        for i, (t, k) in enumerate(zip(texts, kept, strict=True))
    ]


def _keep_p(examples: list[Example], texts: list[str], subject: str) -> np.ndarray:
    x, sway = features(
        [e.text for e in examples], [e.subject for e in examples], [e.suggested for e in examples], VECTORS
    )
    model = fit(examples, x, sway, {})
    xt, _ = features(texts, [subject] * len(texts), [Role.CONTEXT] * len(texts), VECTORS)
    return model.predict(xt, [Role.CONTEXT] * len(texts))[1]


def test_each_class_weighs_the_same_in_the_keep_head() -> None:
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    w = balanced_weights(y)
    assert w[y == 1].sum() == w[y == 0].sum() == len(y) / 2
    assert np.allclose(balanced_weights(np.array([0, 1, 0, 1])), 1.0)


def test_a_rare_kind_of_keeper_is_learned_from_its_first_examples() -> None:
    # Three keepers among forty: unweighted, the dropped filler outweighs them and an unseen quote in
    # the keepers' words scores about even odds (0.51); weighed as a class, it is a likely keeper.
    kept_texts = [
        "retailer licensing fees funded compliance checks",
        "licensing fees paid for compliance checks of every retailer",
        "compliance checks by the licensing office reduced sales to minors",
    ]
    texts = kept_texts + [f"{FILLER[i % len(FILLER)]} {i}" for i in range(37)]
    kept = [True] * 3 + [False] * 37
    p = _keep_p(
        _examples(texts, kept),
        ["licensing fees funded compliance checks", FILLER[0]],
        "tobacco retail licensing",
    )
    assert p[0] > 0.75 and p[1] < 0.5


def test_the_keep_head_does_not_read_closeness_to_the_subject() -> None:
    # The scan already orders by closeness to the subject; the keep head reads the quote alone, so one
    # quote under two subjects gets one probability.
    texts = [
        f"{FILLER[i % len(FILLER)]} licensing" if i % 3 == 0 else FILLER[i % len(FILLER)] for i in range(24)
    ]
    kept = [i % 3 == 0 for i in range(24)]
    examples = _examples(texts, kept)
    quote = "licensing of tobacco retail outlets"
    on_subject = _keep_p(examples, [quote], "tobacco retail licensing")
    off_subject = _keep_p(examples, [quote], "road maintenance")
    assert on_subject[0] == off_subject[0]
    # ... while the heading head still reads it (its columns are all but the suggested role).
    x_on, _ = features([quote], ["tobacco retail licensing"], [Role.CONTEXT], VECTORS)
    x_off, _ = features([quote], ["road maintenance"], [Role.CONTEXT], VECTORS)
    column = quote_features.subject_column(VECTORS) + 1  # the share of the subject's words
    assert x_on[0, column] > x_off[0, column]


def test_distinct_words_rarely_share_a_column() -> None:
    # 3,000 distinct words: with few buckets most would share one with an unrelated word.
    words = [
        "".join(letters)
        for letters in itertools.islice(itertools.product(string.ascii_lowercase, repeat=3), 3000)
    ]
    columns = word_matrix([" ".join(words)]).indices
    assert len(set(columns.tolist())) >= 0.97 * len(words)
    row = word_matrix(["not a champion", "a champion"])
    assert row[0].indices.tolist() != row[1].indices.tolist()  # a negated word is a word of its own
    assert np.isclose(row[0].multiply(row[0]).sum(), 1.0)


def test_a_word_no_reviewed_quote_says_carries_no_weight() -> None:
    texts = [
        f"licensing checks {FILLER[i % len(FILLER)]}" if i % 2 else FILLER[i % len(FILLER)] for i in range(12)
    ]
    examples = _examples(texts, [bool(i % 2) for i in range(12)])
    x, sway = features(texts, [e.subject for e in examples], [e.suggested for e in examples], VECTORS)
    model = fit(examples, x, sway, {})
    said = quote_features.word_bucket("licensing")  # no embedder: the words are the first columns
    unsaid = quote_features.word_bucket("zoning")
    assert said != unsaid and model.keep_w[said, 1] > model.keep_w[said, 0]
    assert not model.keep_w[unsaid].any() and not model.role_w[unsaid].any()
