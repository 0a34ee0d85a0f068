"""Checks a brief must pass before it is delivered: the failure modes of hand-made briefs, made impossible.

Errors refuse delivery; warnings are shown to the reviewer.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from researchdesk.brief.answer import TEMPLATE_WORDS
from researchdesk.desk import Desk
from researchdesk.evidence.findings import QUOTABLE, Part, passage_part
from researchdesk.evidence.not_findings import not_a_finding
from researchdesk.evidence.verify import verify
from researchdesk.models import Brief, BriefQuote, heading_of
from researchdesk.requests.plan import asks_for_prior_products
from researchdesk.requests.reading import last_reading

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
    _check_retractions(desk, brief, report)
    _check_sources(brief, report)
    _check_sections(brief, report)
    _check_summary_topics(desk, brief, report)
    _check_substance(desk, brief, report)
    _check_boilerplate(desk, brief, report)
    return report


# A summary paragraph that says a heading has nothing, while the brief quotes under that heading.
_NONE_UNDER = {
    "Facilitators": re.compile(r"none of the quoted sources names a facilitator", re.I),
    "Barriers": re.compile(r"none of the quoted sources names a barrier", re.I),
}
_ANSWERS_PRIOR = re.compile(r"have we produced anything on this\?", re.I)


def _check_substance(desk: Desk, brief: Brief, report: CheckReport) -> None:
    """What a brief says, not only its shape: findings only, on the subject, a summary that answers."""
    pairs = _quote_passages(desk, brief)
    passages = desk.store.passages_by_id([passage_id for passage_id, _ in pairs])
    for passage_id, q in pairs:
        p = passages.get(passage_id)
        if p is None:
            continue
        part = passage_part(p.section, p.kind, p.text)
        if part not in QUOTABLE and part is not Part.BACKGROUND:
            report.errors.append(
                f"Quote {q.evidence_id} comes from the source's {part} (“{p.section.split(' › ')[-1][:40]}”), "
                "which reports no finding; reject it (`researchdesk evidence reject "
                f"{q.evidence_id}`) and draft again."
            )
        elif why := not_a_finding(q.text):
            report.warnings.append(f"Quote {q.evidence_id} reads as {why}, not a finding: “{q.text[:60]}…”.")
    reading = last_reading(desk, brief.request_id)
    if reading:
        on_subject = {d for r in reading for d in r["documents"]}
        for source in brief.sources:
            if source.document_id not in on_subject:
                report.warnings.append(
                    f"Source “{source.title[:60]}” is not about the request's subject as the scan read the library "
                    f"({'; '.join(brief.subjects) or 'no subject'}); keep it only if it belongs."
                )
    headings = {heading_of(q.role) for s in brief.sources for q in s.quotes}
    support = brief.summary_support if len(brief.summary_support) == len(brief.summary) else []
    for i, paragraph in enumerate(brief.summary, start=1):
        for heading, says_none in _NONE_UNDER.items():
            if says_none.search(paragraph) and heading in headings:
                report.errors.append(
                    f"Summary paragraph {i} says no source names one of the {heading.lower()}, but the brief "
                    f"quotes {heading.lower()}; the summary contradicts the Background Research. Draft again."
                )
        if support and not support[i - 1]:
            report.errors.append(
                f"Summary paragraph {i} rests on no evidence, scan or request; rewrite or remove it."
            )
    if asks_for_prior_products(brief.prompt) and not any(_ANSWERS_PRIOR.search(p) for p in brief.summary):
        report.errors.append(
            "The member asks whether the service has produced anything on this, and the summary does not answer."
        )
    if brief.sources and not any(
        p.startswith(("Main findings", "What helps", "What gets in the way")) for p in brief.summary
    ):
        report.warnings.append(
            "The summary names no finding: it should say what helps and what gets in the way."
        )
    _check_reuse(desk, brief, report, {d for r in reading for d in r["documents"]})


def _quote_passages(desk: Desk, brief: Brief) -> list[tuple[int, BriefQuote]]:
    """Return (passage id, quote) for every quote of the brief whose evidence the request holds."""
    evidence = {e.id: e for e in desk.store.evidence_for(brief.request_id)}
    return [
        (evidence[q.evidence_id].passage_id, q)
        for s in brief.sources
        for q in s.quotes
        if q.evidence_id in evidence
    ]


def _check_reuse(desk: Desk, brief: Brief, report: CheckReport, mine: set[int]) -> None:
    """Warn of a quote already used for a request on another subject (the same empty quote everywhere).

    ``mine`` are the documents the scan read as on this request's subject; another request is on
    another subject when its scan shares none of them.
    """
    texts = {q.text for s in brief.sources for q in s.quotes}
    if not texts or not mine:
        return
    theirs: dict[int, set[int]] = {}  # each other request's reading, read once
    for rid, quote in desk.store.evidence_by_quotes(texts, exclude_request=brief.request_id):
        if rid not in theirs:
            theirs[rid] = {d for r in last_reading(desk, rid) for d in r["documents"]}
        if theirs[rid] and not mine & theirs[rid]:
            report.warnings.append(
                f"Quote “{quote[:60]}…” was also used for request {rid}, on another "
                "subject; a quote that fits unrelated requests may say little about this one."
            )


def _check_retractions(desk: Desk, brief: Brief, report: CheckReport) -> None:
    """A retracted, withdrawn or superseded source is not quoted unless staff have recorded why it stands."""
    for source in brief.sources:
        if not source.quotes or source.document_id not in desk.store.document_ids():
            continue
        extra = desk.store.get_document(source.document_id).extra
        if not (extra.get("retracted") or extra.get("superseded")):
            continue
        override = extra.get("retraction_override")
        listed = extra.get("notices")
        notices = [n for n in listed if isinstance(n, dict)] if isinstance(listed, list) else []
        said = ", ".join(f"{n.get('kind')} {n.get('doi') or ''}".strip() for n in notices) or "retraction"
        if isinstance(override, dict) and override.get("reason"):
            report.warnings.append(
                f"“{source.title[:60]}” is flagged ({said}); quoted by decision of {override.get('who')}: "
                f"{override.get('reason')}"
            )
            continue
        report.errors.append(
            f"“{source.title[:60]}” (document {source.document_id}) is flagged as retracted, withdrawn or "
            f"superseded ({said}); "
            "its quotes cannot be delivered. Remove them, or record why they stand with "
            f'`researchdesk retractions allow {source.document_id} --reason "..."`.'
        )


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
    if not brief.sources and not brief.missing_subjects:
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
    texts.append(desk.store.request(brief.request_id).context)
    for source in brief.sources:
        texts.extend([source.title, source.container, source.publisher, *source.authors])
        texts.extend(q.text for q in source.quotes)
        texts.extend(q.label for q in source.quotes)
        texts.extend(c for q in source.quotes for c in q.codes)
    for item in brief.further_reading + brief.related_products:
        texts.extend([item.title, item.note])
    for entry in desk.store.scan_log(brief.request_id):
        texts.append(entry.query)
    vocab = {_stem(w) for t in texts for w in _WORD.findall(t or "")}
    return vocab | {_stem(w) for w in _TEMPLATE_WORDS | TEMPLATE_WORDS}


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
