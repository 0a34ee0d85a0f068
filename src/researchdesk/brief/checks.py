"""Checks a brief must pass before it is delivered: the failure modes of hand-made briefs, made impossible.

Errors refuse delivery; warnings are shown to the reviewer.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from researchdesk.desk import Desk
from researchdesk.evidence.verify import verify
from researchdesk.models import Brief

PROMISES = re.compile(
    r"next steps?|recommend|follow-up|we (?:will|can) (?:also )?(?:help|provide|offer)", re.IGNORECASE
)
# Words the summary's own templates use; they are not topics.
_TEMPLATE_WORDS = set(
    [
        "scanned",
        "service",
        "library",
        "searches",
        "covering",
        "matched",
        "passages",
        "sources",
        "quotes",
        "accepted",
        "brief",
        "asked",
        "whether",
        "produced",
        "anything",
        "before",
        "earlier",
        "products",
        "relate",
        "request",
        "interested",
        "holds",
        "topic",
        "first",
        "quoted",
        "often",
        "concern",
        "source",
        "offer",
        "under",
        "below",
        "found",
        "quotable",
        "evidence",
        "aspects",
        "listed",
        "gaps",
        "steps",
        "section",
        "recommends",
        "concrete",
        "follow-up",
        "actions",
        "glad",
        "help",
        "scan",
        "prior",
        "barriers",
        "facilitators",
        "examples",
        "definitions",
        "statistics",
        "research",
        "recommendations",
        "context",
        "library's",
        "service's",
        "yet",
        "findings",
        "report",
        "review",
        "suggested",
        "draft",
        "auto-accept",
        "accepted",
        "themes",
        "other",
        "factors",
        "cover",
        "these",
    ]
)
_WORD = re.compile(r"[A-Za-z][A-Za-z-]{3,}")
_STOP = set(
    [
        "this",
        "that",
        "with",
        "from",
        "have",
        "were",
        "been",
        "their",
        "there",
        "which",
        "would",
        "could",
        "should",
        "about",
        "into",
        "than",
        "them",
        "they",
        "these",
        "those",
        "what",
        "when",
        "where",
        "while",
        "also",
        "only",
        "more",
        "most",
        "many",
        "much",
        "some",
        "such",
        "very",
        "each",
        "other",
        "over",
        "under",
        "after",
        "before",
        "because",
        "between",
        "both",
        "during",
        "same",
        "just",
        "your",
        "yours",
        "ours",
    ]
)
FOREIGN_SHARE = 0.34  # a summary paragraph with more than this share of unknown topic words is foreign


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    verified: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


def check_brief(desk: Desk, brief: Brief) -> CheckReport:
    """Return the check report of a brief: errors refuse delivery, warnings inform the reviewer."""
    report = CheckReport()
    _check_quotes(desk, brief, report)
    _check_sources(brief, report)
    _check_sections(brief, report)
    _check_summary_topics(desk, brief, report)
    _check_boilerplate(desk, brief, report)
    return report


def _check_quotes(desk: Desk, brief: Brief, report: CheckReport) -> None:
    counts = {"exact": 0, "relocated": 0, "not found": 0}
    seen_text: dict[str, int] = {}
    seen_ids: set[int] = set()
    present = desk.store.document_ids()
    texts: dict[int, str] = {}
    for source in brief.sources:
        for q in source.quotes:
            if q.evidence_id in seen_ids or q.text in seen_text:
                report.errors.append(f"Quote {q.evidence_id} is used twice in the brief: “{q.text[:60]}…”.")
            seen_ids.add(q.evidence_id)
            seen_text[q.text] = q.evidence_id
            if q.document_id not in present:
                counts["not found"] += 1
                report.errors.append(
                    f"Quote {q.evidence_id} comes from document {q.document_id}, which is no longer in the library."
                )
                continue
            if q.document_id not in texts:
                texts[q.document_id] = desk.store.get_document(q.document_id).text
            result = verify(q.text, q.start, q.end, texts[q.document_id], pieces=q.pieces or None)
            counts[result.status] = counts.get(result.status, 0) + 1
            if result.status == "not found":
                report.errors.append(
                    f"Quote {q.evidence_id} is not in its source (“{source.title[:50]}”): “{q.text[:60]}…”."
                )
            elif result.status == "relocated":
                report.warnings.append(
                    f"Quote {q.evidence_id} was found at another place in its source than recorded; "
                    "re-run `researchdesk evidence verify` to update it."
                )
    report.verified = counts


def _check_sources(brief: Brief, report: CheckReport) -> None:
    for source in brief.sources:
        gaps = []
        if not source.title:
            gaps.append("title")
        if not (source.publisher or source.container):
            gaps.append("publisher or container")
        if not source.date:
            gaps.append("date")
        if not (source.url or source.doi):
            gaps.append("link or DOI")
        if gaps:
            report.warnings.append(
                f"Source {source.document_id} (“{source.title[:50] or 'untitled'}”) lacks {', '.join(gaps)}; "
                f"correct it with `researchdesk library edit {source.document_id} FIELD=VALUE`."
            )


def _check_sections(brief: Brief, report: CheckReport) -> None:
    if not brief.prompt.strip():
        report.errors.append("The Request Prompt is empty.")
    if not [p for p in brief.summary if p.strip()]:
        report.errors.append("The Summary of Findings is empty.")
    if not brief.sources:
        report.errors.append(
            "The brief quotes no source (no accepted evidence). Accept evidence with `researchdesk evidence accept` "
            "or draft with --auto-accept, then draft again."
        )
    for source in brief.sources:
        if not source.quotes:
            report.errors.append(f"Source “{source.title[:50]}” has a heading but no quotes.")
    for name, items in (
        ("Further Reading", brief.further_reading),
        ("You may also be interested in", brief.related_products),
    ):
        for item in items:
            if not item.title:
                report.errors.append(f"An item under {name} has no title.")
    summary = " ".join(brief.summary)
    if PROMISES.search(summary) and not brief.next_steps:
        report.errors.append(
            "The summary promises next steps or recommendations, but the Next Steps section is missing."
        )
    if brief.next_steps and any(not s.strip() for s in brief.next_steps):
        report.errors.append("A next step is empty.")


def _stem(word: str) -> str:
    w = word.lower().strip("-")
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "s", "ed", "al", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    return w


def _vocabulary(desk: Desk, brief: Brief) -> set[str]:
    texts = [brief.prompt, brief.topic, brief.title, brief.member]
    request = desk.store.request(brief.request_id)
    texts.append(request.get("context") or "")
    for source in brief.sources:
        texts.extend([source.title, source.container, source.publisher])
        texts.extend(q.text for q in source.quotes)
        texts.extend(q.label for q in source.quotes)
        texts.extend(c for q in source.quotes for c in q.codes)
    for item in brief.further_reading + brief.related_products:
        texts.extend([item.title, item.note])
    for entry in desk.store.scan_log(brief.request_id):
        texts.append(entry["query"])
    vocab = {_stem(w) for t in texts for w in _WORD.findall(t or "")}
    return vocab | {_stem(w) for w in _TEMPLATE_WORDS}


def _check_summary_topics(desk: Desk, brief: Brief, report: CheckReport) -> None:
    vocab = _vocabulary(desk, brief)
    for i, paragraph in enumerate(brief.summary, start=1):
        words = [w for w in _WORD.findall(paragraph) if w.lower() not in _STOP]
        if len(words) < 4:
            continue
        foreign = sorted({w.lower() for w in words if _stem(w) not in vocab})
        if len(foreign) / len({w.lower() for w in words}) > FOREIGN_SHARE:
            report.errors.append(
                f"Summary paragraph {i} speaks of topics that are in neither the request nor the evidence "
                f"({', '.join(foreign[:8])}); it may be pasted from another brief. Rewrite it from this request's evidence."
            )
    if brief.summary_support and len(brief.summary_support) != len(brief.summary):
        report.warnings.append(
            "Some summary paragraphs were edited by hand: check that each rests on the evidence."
        )


def _check_boilerplate(desk: Desk, brief: Brief, report: CheckReport) -> None:
    if brief.service_paragraph != desk.settings.service_paragraph:
        report.errors.append(
            "The paragraph about the research service differs from the configured text "
            "(RESEARCHDESK_SERVICE_PARAGRAPH); restore it or change the setting."
        )
    if not brief.title.startswith("Research Request: ") or len(brief.title) <= len("Research Request: "):
        report.errors.append("The title must read “Research Request: <topic>”.")
