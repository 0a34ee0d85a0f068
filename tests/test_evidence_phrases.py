"""Factor phrases (table items): their shape, their compositional polarity and how classify uses them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from researchdesk.evidence import classify, classify_many, phrase_model
from researchdesk.evidence.classify import classify_cues, needs_phrase_head
from researchdesk.evidence.phrases import (
    is_factor_phrase,
    is_suggestion,
    is_table_clause,
    phrase_role,
    polarity,
)
from researchdesk.models import Role

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "text",
    ["High staff turnover", "Lack of trust.", "Dedicated IT support", "Champion left the agency", "Stigma"],
)
def test_table_items_are_factor_phrases(text: str) -> None:
    assert is_factor_phrase(text)


@pytest.mark.parametrize(
    "text",
    [
        "Staff turnover was high in the first year.",  # an auxiliary makes a clause
        "We could not find a venue",  # a subject
        "Recruitment by trusted individuals in their communities motivated participants to enroll.",
        "Median household income, $",  # a table stub
        "Age, mean (SD), y",
        "Why did the coalition stall?",
        "Funding was cut. Staff left.",
        "",
    ],
)
def test_sentences_and_stubs_are_not_factor_phrases(text: str) -> None:
    assert not is_factor_phrase(text)


@pytest.mark.parametrize(
    ("text", "role"),
    [
        # A lowerer turns the noun it modifies, whichever way the noun points.
        ("Low cost", Role.FACILITATOR),
        ("High costs", Role.BARRIER),
        ("Low trust among residents", Role.BARRIER),
        ("High trust among residents", Role.FACILITATOR),
        ("Reduced stigma", Role.FACILITATOR),
        ("Overcoming language barriers", Role.FACILITATOR),
        # A judging word says which way it went.
        ("Manageable caseloads", Role.FACILITATOR),
        ("Unsupportive leadership", Role.BARRIER),
        # A verb after a good thing can take it away.
        ("Funding ended", Role.BARRIER),
        ("Key champion left the organization", Role.BARRIER),
        # The head of a compound or of a complement decides.
        ("Staff shortages", Role.BARRIER),
        ("Barriers to engagement", Role.BARRIER),
        ("Lack of support from leadership", Role.BARRIER),
        # Modifiers that stand alone.
        ("Inconsistent enforcement", Role.BARRIER),
        ("Dedicated project coordinator", Role.FACILITATOR),
    ],
)
def test_polarity_is_compositional(text: str, role: Role) -> None:
    found, value, reasons = phrase_role(text)
    assert found is role, (value, reasons)
    assert reasons


def test_a_leaning_noun_alone_decides_nothing() -> None:
    assert phrase_role("Monthly coalition meetings")[0] is None
    assert phrase_role("Participant characteristics") == (None, 0.0, [])
    assert polarity("Adequate funding")[0] >= 1.0  # modified, the same noun is a clear factor


def test_a_phrase_that_starts_with_a_verb_is_a_suggestion() -> None:
    assert is_suggestion("Offer classes in the evening")
    assert phrase_role("Provide technical assistance to small retailers")[0] is Role.RECOMMENDATION
    assert not is_suggestion("Support from elected officials")  # "support" is the noun here
    assert phrase_role("Support from elected officials")[0] is Role.FACILITATOR


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Competing priorities", Role.BARRIER),
        ("Poor communication between agencies", Role.BARRIER),
        ("Trusted community messengers", Role.FACILITATOR),
        ("Peer support", Role.FACILITATOR),
        ("Offer classes in the evening", Role.RECOMMENDATION),
        ("Participant characteristics", Role.CONTEXT),
    ],
)
def test_classify_reads_table_items_as_factors(text: str, role: Role) -> None:
    for result in (classify(text), classify_cues(text)):
        assert result.role is role, result.reason
        assert 0.0 <= result.confidence <= 1.0


def test_factor_reading_says_why() -> None:
    result = classify("Lack of broadband in rural areas")
    assert result.role is Role.BARRIER
    assert result.reason.startswith("factor phrase") and "lack" in result.reason


def test_sentences_do_not_take_the_factor_reading() -> None:
    sentence = "Staff turnover was high, and the coalition met less often in the second year."
    assert not classify(sentence).reason.startswith("factor phrase")
    # A table label still decides over the phrase's own polarity.
    assert classify("Low cost", table_label="Barriers").role is Role.BARRIER


def test_the_phrase_head_reads_what_the_lexicon_leaves_neutral() -> None:
    text = "Dependence on volunteer drivers"
    assert phrase_role(text)[0] is None  # no word of the lexicon decides it
    result = classify(text)
    assert result.reason.startswith("factor phrase") and "phrase model" in result.reason, result.reason
    assert "nearest labelled example" in result.reason  # the training phrase behind the decision
    assert result.role in (Role.BARRIER, Role.FACILITATOR, Role.CONTEXT)
    # One batch or one at a time, the same reading; the lexicon alone does not use the head.
    assert classify_many(["Lack of trust", text, "Stigma"])[1] == result
    assert "phrase model" not in classify_cues(text).reason


def test_without_an_embedder_the_lexicon_reads_phrases_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESEARCHDESK_EMBEDDER", "none")
    phrase_model._embedder.cache_clear()
    try:
        assert phrase_model.phrase_vectors(["Dependence on volunteer drivers"]) is None
        result = classify("Dependence on volunteer drivers")
        assert "phrase model" not in result.reason
        assert classify("High staff turnover").role is Role.BARRIER
    finally:
        monkeypatch.delenv("RESEARCHDESK_EMBEDDER")
        phrase_model._embedder.cache_clear()


def test_training_script_rebuilds_the_shipped_head() -> None:
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import train_phrases
    finally:
        sys.path.pop(0)
    matrix, meta, examples = train_phrases.build()
    shipped = phrase_model.default_head()
    # Embeddings may differ in the last float bits between machines; the weights agree far closer.
    assert np.allclose(matrix[:-1], shipped.weights, atol=1e-3)
    assert np.allclose(matrix[-1], shipped.bias, atol=1e-3)
    assert meta["threshold"] == shipped.threshold and meta["C"] == shipped.meta["C"]
    assert meta["training"] == shipped.meta["training"]
    assert meta["examples"] == shipped.meta["examples"]
    assert np.allclose(examples.astype(np.float32), shipped.examples, atol=1e-2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Staff are stretched thin", True),
        ("“We never knew who to call”", True),
        ("Staff are stretched thin.", False),  # a full stop makes it a sentence
        ("[A text version of this figure is available.]", False),
        ("High staff turnover", False),  # a factor phrase, read by its polarity
        ("Only 2 of 9 sites reported monthly", False),  # numbers make a finding, not an item
        (
            "Staff were stretched thin across the three rural counties in the first two years of the grant while the coalition was still hiring",
            False,
        ),
    ],
)
def test_table_clauses(text: str, expected: bool) -> None:
    assert is_table_clause(text) is expected


def test_a_table_clause_goes_to_the_head_only_when_the_sentence_reading_finds_no_role() -> None:
    assert not needs_phrase_head("Partners could not agree on shared goals")  # 'could not': a cue decides
    assert classify("Partners could not agree on shared goals").role is Role.BARRIER
    assert needs_phrase_head("Staff are stretched thin")
    result = classify("Staff are stretched thin")
    assert result.reason.startswith("table item") and "nearest labelled example" in result.reason
    assert classify_many(["Staff are stretched thin"])[0] == result
    # The same words as a sentence keep the sentence reading.
    assert not classify("Staff are stretched thin.").reason.startswith("table item")
