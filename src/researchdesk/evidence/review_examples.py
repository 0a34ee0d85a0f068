"""From review labels to the examples the desk model learns from, and what ``evidence model status`` shows.

One example per labelled quote (staff's resolution, else the latest decision); two reviewers' labels
of the same quote give the agreement figures (Cohen's kappa on kept/dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from researchdesk.evidence.agreement import cohens_kappa
from researchdesk.models import Decision, ReviewLabel, Role


@dataclass(frozen=True)
class Example:
    """One labelled quote as the model learns from it (the deciding label of that quote)."""

    text: str
    subject: str
    suggested: Role
    role: Role
    kept: bool
    document_id: int
    label_id: int
    evidence_id: int | None
    request_id: int | None = None




@dataclass
class ModelStatus:
    """What ``evidence model status`` shows."""

    state: str  # "shipped" (no labels yet), "learned", "stale" (labels changed since), "reset"
    labels: int = 0
    active_labels: int = 0
    examples: int = 0
    reviewers: int = 0
    disagreements: int = 0
    kappa: float | None = None
    trained_at: str = ""
    trained_on: int = 0
    held_back: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "labels": self.labels,
            "active_labels": self.active_labels,
            "examples": self.examples,
            "reviewers": self.reviewers,
            "disagreements": self.disagreements,
            "kappa": self.kappa,
            "trained_at": self.trained_at,
            "trained_on": self.trained_on,
            "held_back": self.held_back,
        }



def _quote_key(document_id: int, quote: str) -> tuple[int, str]:
    return document_id, " ".join(quote.split()).lower()


def training_examples(labels: Sequence[ReviewLabel]) -> list[Example]:
    """Return one example per labelled quote: staff's resolution if any, else the latest decision.

    Two reviewers who disagree both keep their labels (the agreement shows in the status); the later
    decision trains unless staff resolved the quote.
    """
    deciding: dict[tuple[int, str], ReviewLabel] = {}
    for label in sorted((lab for lab in labels if lab.active), key=lambda lab: lab.id):
        key = _quote_key(label.document_id, label.quote)
        held = deciding.get(key)
        if held is not None and held.origin == "resolution" and label.origin != "resolution":
            continue
        deciding[key] = label
    return [
        Example(
            text=lab.quote,
            subject=lab.subject,
            suggested=lab.suggested or lab.role,
            role=lab.role,
            kept=lab.decision is Decision.KEPT,
            document_id=lab.document_id,
            label_id=lab.id,
            evidence_id=lab.evidence_id,
            request_id=lab.request_id,
        )
        for lab in sorted(deciding.values(), key=lambda lab: lab.id)
    ]


def reviewer_agreement(labels: Sequence[ReviewLabel]) -> tuple[int, int, float | None]:
    """Return (quotes two reviewers decided, of them disagreements, Cohen's kappa on kept/dropped)."""
    by_quote: dict[tuple[int, str], dict[str, str]] = {}
    for label in sorted(
        (lab for lab in labels if lab.active and lab.origin != "resolution"), key=lambda x: x.id
    ):
        by_quote.setdefault(_quote_key(label.document_id, label.quote), {})[label.reviewer] = str(
            label.decision
        )
    pairs = [list(d.values())[:2] for d in by_quote.values() if len(d) >= 2]
    if not pairs:
        return 0, 0, None
    first, second = [p[0] for p in pairs], [p[1] for p in pairs]
    disagreements = sum(a != b for a, b in pairs)
    return len(pairs), disagreements, cohens_kappa(first, second)


# --- features --------------------------------------------------------------------------------------


def describe(meta: dict[str, Any], stamp: str, labels: Sequence[ReviewLabel]) -> ModelStatus:
    """Return the status of a model described by ``meta`` against the desk's labels now."""
    active = [lab for lab in labels if lab.active]
    _, disagreements, kappa = reviewer_agreement(labels)
    examples = training_examples(labels)
    if not meta:
        state = "shipped" if not active else "stale"
    elif meta.get("state") == "reset":
        state = "reset" if meta.get("stamp") == stamp else "stale"
    else:
        state = "learned" if meta.get("stamp") == stamp else "stale"
    return ModelStatus(
        state=state,
        labels=len(labels),
        active_labels=len(active),
        examples=len(examples),
        reviewers=len({lab.reviewer for lab in active}),
        disagreements=disagreements,
        kappa=None if kappa is None else round(kappa, 3),
        trained_at=str(meta.get("at", "")) if meta.get("state") != "reset" else "",
        trained_on=int(meta.get("examples", 0)) if meta.get("state") != "reset" else 0,
        held_back=dict(meta.get("held_back", {})) if meta.get("state") != "reset" else {},
    )
