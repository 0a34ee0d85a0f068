"""The trained role model: the shipped weights load, give their documented results, and are rebuilt exactly."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from researchdesk.errors import ConfigError
from researchdesk.evidence.classify import classify, classify_cues, combine, decide, score
from researchdesk.evidence.model import (
    CLASSES,
    DENSE,
    META_FILE,
    N_FEATURES,
    WEIGHTS_FILE,
    default_model,
    featurize,
    load_model,
    tokens,
)
from researchdesk.models import Role

ROOT = Path(__file__).resolve().parents[1]


def _probabilities(text: str) -> dict[str, float]:
    scores, _ = score(text)
    return default_model().predict_proba(text, scores, decide(scores)[0])


def test_shipped_model_loads_with_matching_shapes() -> None:
    model = default_model()
    assert model.weights.shape == (N_FEATURES, len(CLASSES))
    assert model.meta["classes"] == list(CLASSES)
    assert model.meta["dense"] == list(DENSE)
    assert 0.0 < model.promote <= 1.01 and 0.0 < model.veto <= 1.01
    assert np.isfinite(model.weights).all()


def test_shipped_model_gives_its_documented_probabilities() -> None:
    examples = default_model().meta["examples"]
    assert isinstance(examples, list) and len(examples) >= 4
    for example in examples:
        got = _probabilities(example["text"])
        for name in CLASSES:
            assert got[name] == pytest.approx(example["probabilities"][name], abs=1e-5), example["text"]
        assert sum(got.values()) == pytest.approx(1.0)


def test_model_reads_clear_sentences_the_way_a_reader_does() -> None:
    barrier = _probabilities("Lack of dedicated staff and insufficient funding delayed implementation.")
    facilitator = _probabilities("Strong support from the mayor helped the coalition pass the ordinance.")
    method = _probabilities("We interviewed 14 program coordinators between March and June 2023.")
    assert max(barrier, key=barrier.__getitem__) == "barrier"
    assert max(facilitator, key=facilitator.__getitem__) == "facilitator"
    assert max(method, key=method.__getitem__) == "other"


def test_negation_scope_marks_the_words_it_covers() -> None:
    assert tokens("Lack of a champion, but strong support") == [
        "lack",
        "not_of",
        "not_a",
        "not_champion",
        "but",
        "strong",
        "support",
    ]
    assert tokens("16 of 18 (89%) passed") == ["<number>", "of", "<number>", "<percent>", "passed"]


def test_features_are_deterministic_and_in_range() -> None:
    text = "Partnering with trusted community organizations made it easier to reach families."
    scores, _ = score(text)
    first = featurize(text, scores, decide(scores)[0])
    second = featurize(text, scores, decide(scores)[0])
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert first[0].min() >= 0 and first[0].max() < N_FEATURES
    assert list(first[0]) == sorted(set(first[0].tolist()))


def test_combine_rule() -> None:
    sure_other = {"barrier": 0.05, "facilitator": 0.05, "other": 0.9}
    leaning_barrier = {"barrier": 0.7, "facilitator": 0.1, "other": 0.2}
    assert combine(Role.BARRIER, leaning_barrier, promote=0.5, veto=0.6) is Role.BARRIER
    assert combine(Role.BARRIER, sure_other, promote=0.5, veto=0.6) is None
    assert combine(Role.BARRIER, sure_other, promote=0.5, veto=1.01) is Role.BARRIER
    assert combine(Role.CONTEXT, leaning_barrier, promote=0.5, veto=0.6) is Role.BARRIER
    assert combine(Role.STATISTIC, leaning_barrier, promote=0.8, veto=0.6) is None


def test_reason_names_cues_and_model() -> None:
    result = classify("Implementation was hindered by a lack of dedicated staff and insufficient funding.")
    assert result.role is Role.BARRIER
    assert "lack" in result.reason and "model: p(barrier)=" in result.reason


def test_cue_only_path_stays_callable() -> None:
    result = classify_cues("Strong leadership from the mayor was key to success.")
    assert result.role is Role.FACILITATOR
    assert "model" not in result.reason


def test_broken_model_files_give_a_clear_error(tmp_path: Path) -> None:
    source = ROOT / "src/researchdesk/evidence/model"
    shutil.copy(source / META_FILE, tmp_path / META_FILE)
    np.save(tmp_path / WEIGHTS_FILE, np.zeros((3, 3), dtype=np.float32))
    with pytest.raises(ConfigError) as info:
        load_model(tmp_path)
    assert "train_roles.py" in str(info.value)
    (tmp_path / META_FILE).write_text(json.dumps({"format": "something else"}), encoding="utf-8")
    with pytest.raises(ConfigError):
        load_model(tmp_path)
    with pytest.raises(ConfigError):
        load_model(tmp_path / "missing")


def test_training_script_rebuilds_the_shipped_model() -> None:
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import train_roles
    finally:
        sys.path.pop(0)
    weights, meta = train_roles.build()
    shipped = default_model()
    assert np.array_equal(weights, shipped.weights.astype(np.float32))
    assert json.loads(json.dumps(meta)) == shipped.meta
