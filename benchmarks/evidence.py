"""Print role-classification quality and speed: the classifier (cue lexicon + trained model), the cue
lexicon alone and a keyword-only baseline, run in the same process on the same sentences.

Data (relative to the repository root; see data/README.md for how each set was made and used):
  ../shared/data/labels/pcd2024_barrier_facilitator_dev.csv  22 author-labelled table statements
  benchmarks/data/evidence_dev.csv                           hand-labelled sentences the lexicon was tuned on
  benchmarks/data/evidence_test.csv                          sentences from other articles, labelled after a freeze
  benchmarks/data/evidence_holdout.csv                       sentences from 2 more articles, labelled before any
                                                             classifier ran on them: the first held-out figure
  benchmarks/data/evidence_holdout2.csv                      sentences from 4 more articles, by a third reader,
                                                             labelled before any classifier ran on them
  benchmarks/data/evidence_phrases_dev.csv                   table-style factor phrases by one reader: the phrase
                                                             lexicon was tuned and the phrase head trained on them
  benchmarks/data/evidence_phrases_test.csv                  factor phrases by another reader, never trained on

Scores are for three classes, barrier / facilitator / other (every other role, and the authors'
"Suggestion", counts as other). Run:  .venv/bin/python benchmarks/evidence.py
"""

from __future__ import annotations

import csv
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from researchdesk.evidence.agreement import cohens_kappa
from researchdesk.evidence.classify import classify, classify_cues, classify_many

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / "../shared/data"))
CLASSES = ("barrier", "facilitator", "other")

# The baseline: plain cue-word lists counted in the text, no negation, contrast or numbers.
_BASE_BARRIER = re.compile(
    r"\b(?:barriers?|challeng\w*|obstacles?|lack\w*|difficult\w*|limited|hinder\w*|insufficient|shortages?|"
    r"turnover|resistance|opposition)\b",
    re.I,
)
_BASE_FACILITATOR = re.compile(
    r"\b(?:facilitat\w*|help\w*|success\w*|support\w*|key|enabl\w*|champions?|partnerships?|buy-in|"
    r"instrumental|critical|important|beneficial)\b",
    re.I,
)


def keyword_baseline(text: str) -> str:
    """Return barrier / facilitator / other by counting cue words (ties and none → other)."""
    b = len(_BASE_BARRIER.findall(text))
    f = len(_BASE_FACILITATOR.findall(text))
    return "barrier" if b > f else "facilitator" if f > b else "other"


def coarse(label: str) -> str:
    label = label.strip().lower()
    return label if label in ("barrier", "facilitator") else "other"


def load(path: Path) -> tuple[list[str], list[str], list[str]]:
    """Return the texts, their labels and (where the set has a second, independent reader) that reader's."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    second = [coarse(r["label_reader2"]) for r in rows if r.get("label_reader2")]
    return [r["text"] for r in rows], [coarse(r["label"]) for r in rows], second


def metrics(gold: list[str], pred: list[str]) -> tuple[float, float, dict[str, dict[str, int]]]:
    """Return accuracy, macro-F1 over CLASSES and the confusion matrix (gold → predicted → count)."""
    confusion = {g: dict.fromkeys(CLASSES, 0) for g in CLASSES}
    for g, p in zip(gold, pred, strict=True):
        confusion[g][p] += 1
    f1s = []
    for c in CLASSES:
        tp = confusion[c][c]
        fp = sum(confusion[g][c] for g in CLASSES if g != c)
        fn = sum(confusion[c][p] for p in CLASSES if p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    accuracy = sum(confusion[c][c] for c in CLASSES) / len(gold)
    return accuracy, sum(f1s) / len(f1s), confusion


def throughput(fn: Callable[[list[str]], object], texts: list[str], minimum: int = 5000) -> float:
    """Return sentences per second of ``fn`` over ``texts`` repeated to at least ``minimum`` sentences."""
    batch = texts * max(1, minimum // max(1, len(texts)))
    started = time.perf_counter()
    fn(batch)
    return len(batch) / (time.perf_counter() - started)


def report(name: str, texts: list[str], gold: list[str]) -> None:
    systems: list[tuple[str, Callable[[list[str]], list[str]]]] = [
        ("cues + model", lambda ts: [coarse(c.role.value) for c in classify_many(ts)]),
        ("cue lexicon only", lambda ts: [coarse(classify_cues(t).role.value) for t in ts]),
        ("keyword baseline", lambda ts: [keyword_baseline(t) for t in ts]),
    ]
    counts = {c: gold.count(c) for c in CLASSES}
    print(f"\n== {name}: {len(texts)} statements ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    for label, fn in systems:
        pred = fn(texts)
        accuracy, macro_f1, confusion = metrics(gold, pred)
        speed = throughput(fn, texts)
        print(f"{label:17s} accuracy {accuracy:.3f}  macro-F1 {macro_f1:.3f}  {speed:,.0f} sentences/s")
        print("   gold \\ predicted " + " ".join(f"{c:>12s}" for c in CLASSES))
        for g in CLASSES:
            print(f"   {g:17s} " + " ".join(f"{confusion[g][p]:12d}" for p in CLASSES))


def main() -> int:
    datasets = [
        ("PCD 2024 author-labelled table statements", SHARED / "labels/pcd2024_barrier_facilitator_dev.csv"),
        ("own development set (hand-labelled sentences)", ROOT / "benchmarks/data/evidence_dev.csv"),
        (
            "own test set (labelled after the lexicon freeze; see data/README.md)",
            ROOT / "benchmarks/data/evidence_test.csv",
        ),
        (
            "own held-out set (labelled before any classifier ran on it)",
            ROOT / "benchmarks/data/evidence_holdout.csv",
        ),
        (
            "second held-out set (4 more articles, third reader)",
            ROOT / "benchmarks/data/evidence_holdout2.csv",
        ),
        (
            "table-style factor phrases, development (lexicon tuned and phrase head trained on them)",
            ROOT / "benchmarks/data/evidence_phrases_dev.csv",
        ),
        (
            "table-style factor phrases, held out (another reader)",
            ROOT / "benchmarks/data/evidence_phrases_test.csv",
        ),
    ]
    for name, path in datasets:
        if not path.exists():
            print(
                f"{path}: missing; set RESEARCHDESK_SHARED_DATA to the shared data folder.", file=sys.stderr
            )
            return 2
        texts, gold, second = load(path)
        report(name, texts, gold)
        if second and len(second) == len(gold):
            accuracy, macro_f1, _ = metrics(gold, second)
            print(
                f"second reader vs first (independent labelling, same rules): accuracy {accuracy:.3f}  "
                f"macro-F1 {macro_f1:.3f}  Cohen's kappa {cohens_kappa(gold, second):.3f}"
            )
    if "-v" in sys.argv:
        for name, path in datasets:
            texts, gold, _ = load(path)
            print(f"\n-- errors on {name}")
            for text, g in zip(texts, gold, strict=True):
                c = classify(text)
                if coarse(c.role.value) != g:
                    print(f"[{g} → {c.role.value}] {text[:140]}\n     {c.reason[:200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
