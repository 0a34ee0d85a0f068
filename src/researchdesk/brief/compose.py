"""Compose a request's brief from its accepted evidence and its scan log, in the service's template.

Every summary paragraph records what it rests on (evidence ids, the scan log or the request), so the
checks can trace it; nothing is written that the evidence or the log does not support.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from researchdesk.brief.answer import Similarity, main_factors, summarize
from researchdesk.brief.citations import CitationItem, format_each, format_references, resolve_style
from researchdesk.desk import Desk
from researchdesk.evidence.findings import Part, section_part
from researchdesk.evidence.not_findings import not_a_finding
from researchdesk.ingest.segment import sentence_spans
from researchdesk.models import (
    Brief,
    BriefQuote,
    BriefSource,
    Document,
    Evidence,
    Passage,
    RelatedItem,
    ReviewStatus,
    Role,
    SourceType,
)
from researchdesk.requests.central import is_central
from researchdesk.requests.plan import ResearchPlan
from researchdesk.requests.reading import last_reading
from researchdesk.requests.scan import plan_for
from researchdesk.search.embed import get_embedder
from researchdesk.search.profiles import in_abstract
from researchdesk.work import Request, ScanQuery

ROLE_ORDER = (
    Role.CONTEXT,
    Role.DEFINITION,
    Role.BARRIER,
    Role.FACILITATOR,
    Role.EXAMPLE,
    Role.STATISTIC,
    Role.RESEARCH_GAP,
    Role.RECOMMENDATION,
)
ROLE_PLURAL = {
    Role.BARRIER: "barriers",
    Role.FACILITATOR: "facilitators",
    Role.EXAMPLE: "examples",
    Role.STATISTIC: "statistics",
    Role.RESEARCH_GAP: "research gaps",
    Role.RECOMMENDATION: "recommendations",
    Role.DEFINITION: "definitions",
    Role.CONTEXT: "context",
}
FURTHER_READING = 6
USABLE = (ReviewStatus.ACCEPTED, ReviewStatus.EDITED)


@dataclass
class BriefInputs:
    """Everything a brief is drafted from, read from the desk once (``gather``); ``compose`` reads no more."""

    request_id: int
    request: Request
    plan: ResearchPlan
    evidence: list[Evidence]  # accepted or edited, of documents still in the library
    docs: dict[int, Document]  # the quoted documents
    passages: dict[int, Passage]  # the passages the evidence stands in
    scan: list[ScanQuery]  # the request's scan log, newest run first
    reading: list[dict[str, Any]]  # how the latest scan read the library: subjects and their sources
    prior: list[RelatedItem]  # the service's earlier products on the subject
    further: list[RelatedItem]  # on-subject sources the brief does not quote
    style: str
    prepared_by: str
    service_paragraph: str
    similar: Similarity | None = None  # how close in meaning a question is to each quote


def compose_brief(
    desk: Desk, request_id: int, style: str | None = None, prepared_by: str | None = None
) -> Brief:
    """Return the brief of a request, drafted from its accepted evidence and latest scan."""
    return compose(gather(desk, request_id, style, prepared_by))


def gather(
    desk: Desk, request_id: int, style: str | None = None, prepared_by: str | None = None
) -> BriefInputs:
    """Read from the desk what the brief of a request is drafted from."""
    store = desk.store
    settings = desk.settings
    style = style or settings.csl_style
    resolve_style(style)  # an unknown style fails before any work, listing the valid ones
    request = store.request(request_id)
    plan = plan_for(desk, request_id)
    present = store.document_ids()
    evidence = [e for e in store.evidence_for(request_id) if e.status in USABLE and e.document_id in present]
    docs = {d: store.get_document(d) for d in dict.fromkeys(e.document_id for e in evidence)}
    scan = store.scan_log(request_id)
    prior = _prior_products(desk, scan, request_id)
    reading = last_reading(desk, request_id)
    on_subject = list(dict.fromkeys(d for r in reading for d in r["documents"]))
    beyond = [d for r in reading for d in r.get("more", []) if d not in on_subject]
    quoted = set(docs) | {p.document_id for p in prior}
    return BriefInputs(
        request_id=request_id,
        request=request,
        plan=plan,
        evidence=evidence,
        docs=docs,
        passages=store.passages_by_id([e.passage_id for e in evidence]),
        scan=scan,
        reading=reading,
        prior=prior,
        further=_further_reading(desk, scan, quoted, on_subject + beyond),
        style=style,
        prepared_by=prepared_by or settings.prepared_by,
        service_paragraph=settings.service_paragraph,
        similar=_similarity(settings.embedder),
    )


def compose(inputs: BriefInputs) -> Brief:
    """Return the brief drafted from what ``gather`` read: sources, summary, further reading, next steps."""
    evidence, docs, passages, scan = inputs.evidence, inputs.docs, inputs.passages, inputs.scan
    places = {
        e.id: (passages[e.passage_id].page, passages[e.passage_id].section)
        for e in evidence
        if e.passage_id in passages
    }
    sources = _sources(evidence, docs, places, inputs.style)
    on_subject = list(dict.fromkeys(d for r in inputs.reading for d in r["documents"]))
    topic = inputs.plan.topic or inputs.request.prompt[:80]
    subjects = [r["subject"] for r in inputs.reading] or list(inputs.plan.subjects)
    missing = [r["subject"] for r in inputs.reading if not r["documents"]]
    run = f"scan:{scan[0].run}" if scan else "scan:0"
    # Each source's central results, the sources most about the subject first.
    rank = {d: i for i, d in enumerate(on_subject)}
    central = [
        e.id
        for e in sorted(evidence, key=lambda e: (rank.get(e.document_id, len(rank)), e.start))
        if e.passage_id in passages and is_central(passages[e.passage_id], e.role)
    ]
    summary, support = summarize(
        inputs.request.prompt,
        subjects,
        missing,
        evidence,
        docs,
        inputs.prior,
        run=run,
        held=len(on_subject),
        central=central,
        similar=inputs.similar,
        ranked=on_subject,
        further=len(inputs.further),
    )
    steps = _next_steps(evidence, sources, inputs.further, missing, docs)
    references = (
        format_references([_citation_item(docs[s.document_id]) for s in sources], inputs.style)
        if sources
        else []
    )
    request = inputs.request
    return Brief(
        request_id=inputs.request_id,
        version=0,
        title=f"Research Request: {_title_case(topic)}",
        member=request.organization,
        requester=request.requester or "",
        received=request.created_at[:10],
        due=request.due,
        prepared_by=inputs.prepared_by,
        prepared_on=date.today().isoformat(),
        service_paragraph=inputs.service_paragraph,
        prompt=request.prompt,
        summary=summary,
        sources=sources,
        further_reading=inputs.further,
        next_steps=steps,
        related_products=inputs.prior,
        references=references,
        style=inputs.style,
        topic=topic,
        summary_support=support,
        not_found=_not_found(scan, evidence, inputs.plan),
        subjects=subjects,
        missing_subjects=missing,
    )


def _citation_item(doc: Document) -> CitationItem:
    m = doc.meta
    return CitationItem(m.title, m.authors, m.container, m.publisher, m.date, m.url, m.doi, m.source_type)


def _location(ev: Evidence, page: int | None, section: str, ocr_pages: dict[str, float] | None = None) -> str:
    if page:
        # A quote from a page read by OCR says so: the reader checks it against the page image.
        if ocr_pages and str(page) in ocr_pages:
            return f"p. {page} (OCR text, {ocr_pages[str(page)]:.0f}% confidence)"
        return f"p. {page}"
    last = section.split(" › ")[-1] if section else ""
    return last or "full text"


def _ocr_pages(doc: Document) -> dict[str, float]:
    info = doc.extra.get("ocr")
    pages = info.get("pages") if isinstance(info, dict) else None
    return {str(k): float(v) for k, v in pages.items()} if isinstance(pages, dict) else {}


def _sources(
    evidence: list[Evidence],
    docs: dict[int, Document],
    places: dict[int, tuple[int | None, str]],
    style: str,
) -> list[BriefSource]:
    by_doc: dict[int, list[Evidence]] = defaultdict(list)
    for e in evidence:
        by_doc[e.document_id].append(e)
    # Sources with the most accepted quotes first: they carry the brief.
    order = sorted(by_doc, key=lambda d: (-len(by_doc[d]), d))
    citations = format_each([_citation_item(docs[d]) for d in order], style) if order else []
    sources = []
    seen_quotes: set[str] = set()
    for doc_id, citation in zip(order, citations, strict=True):
        doc = docs[doc_id]
        quotes = []
        for e in sorted(by_doc[doc_id], key=lambda e: (ROLE_ORDER.index(e.role), e.start)):
            if e.quote in seen_quotes:
                continue
            seen_quotes.add(e.quote)
            page, section = places.get(e.id, (None, ""))
            quotes.append(
                BriefQuote(
                    evidence_id=e.id,
                    document_id=e.document_id,
                    text=e.quote,
                    role=e.role,
                    location=_location(e, page, section, _ocr_pages(doc)),
                    start=e.start,
                    end=e.end,
                    pieces=list(e.pieces),
                    label=e.label,
                    codes=[c.split(": ", 1)[-1] for c in e.codes[:2]],
                )
            )
        m = doc.meta
        sources.append(
            BriefSource(
                document_id=doc_id,
                title=m.title,
                publisher=m.publisher,
                container=m.container,
                date=m.date,
                url=m.url or (f"https://doi.org/{m.doi}" if m.doi else ""),
                doi=m.doi,
                authors=m.authors,
                quotes=quotes,
                citation=citation,
                missing=m.missing(),
            )
        )
    return sources


def _about_line(desk: Desk, doc: Document) -> str:
    """Return one line on what a document is about: its abstract's finding, else its opening sentence."""
    passages = desk.store.passages(doc.id)
    abstract = [p for p in passages if in_abstract(p.section)]
    findings = [p for p in abstract if section_part(p.section, p.kind) is Part.FINDINGS]
    text = doc.meta.abstract or " ".join(p.text for p in (findings or abstract or passages[:1]))
    first = next((s for s in sentence_texts(text) if len(s.split()) >= 6 and not not_a_finding(s)), "")
    if not first:
        return ""
    return first if len(first) <= 220 else first[:220].rsplit(" ", 1)[0] + "…"


def _prior_products(desk: Desk, scan: list[ScanQuery], request_id: int) -> list[RelatedItem]:
    ids: list[int] = []
    for entry in scan:
        if entry.facet == "prior products":
            ids.extend(d for d in entry.documents if d not in ids)
    items = []
    present = desk.store.document_ids()
    for doc_id in ids:
        if doc_id not in present:
            continue
        doc = desk.store.get_document(doc_id)
        if doc.meta.source_type is not SourceType.OUR_PRODUCT or doc.extra.get("request_id") == request_id:
            continue
        note = f"Brief for {doc.extra.get('member', 'a member')}, request {doc.extra.get('request_id', '?')}"
        items.append(
            RelatedItem(
                doc_id,
                doc.meta.title,
                doc.meta.publisher or doc.meta.container,
                doc.meta.date,
                doc.meta.url,
                note,
            )
        )
    return items


def _further_reading(
    desk: Desk, scan: list[ScanQuery], exclude: set[int], on_subject: list[int]
) -> list[RelatedItem]:
    """Return the sources on the subject that the brief does not quote, each with a line on what it is about.

    The documents the scan read as on the subject come first (best first), then those its searches
    ranked; a scan from before subjects were read contributes its searches' documents only.
    """
    counts: Counter[int] = Counter()
    for rank, doc_id in enumerate(on_subject):
        counts[doc_id] += 100 - rank
    for entry in scan:
        if entry.facet == "prior products":
            continue
        for rank, doc_id in enumerate(entry.documents):
            counts[doc_id] += max(1, 10 - rank)
    present = desk.store.document_ids()
    items = []
    for doc_id, _ in counts.most_common():
        if doc_id in exclude or doc_id not in present:
            continue
        doc = desk.store.get_document(doc_id)
        m = doc.meta
        link = m.url or (f"https://doi.org/{m.doi}" if m.doi else "")
        items.append(
            RelatedItem(doc_id, m.title, m.container or m.publisher, m.date, link, _about_line(desk, doc))
        )
        if len(items) >= FURTHER_READING:
            break
    return items


def _not_found(scan: list[ScanQuery], evidence: list[Evidence], plan: ResearchPlan) -> list[str]:
    facets = [f.facet for f in plan.facets if f.facet != "prior products"]
    roles_found = {e.facet for e in evidence}
    return [f for f in facets if f not in roles_found]


def _similarity(embedder_name: str) -> Similarity | None:
    """Return how close in meaning a question is to each quote, by the desk's embedder (None without one)."""
    embedder = get_embedder(embedder_name)
    if embedder is None:
        return None
    model = embedder
    # The summary asks about the same quotes once per question (routing, answers, main findings, factors):
    # each text is embedded once per draft.
    known: dict[str, Any] = {}

    def similar(question: str, quotes: Sequence[str]) -> list[float]:
        new = [t for t in dict.fromkeys([question, *quotes]) if t not in known]
        if new:
            known.update(zip(new, model.encode(new), strict=True))
        asked = known[question]
        return [float(known[t] @ asked) for t in quotes]

    return similar


def _next_steps(
    evidence: list[Evidence],
    sources: list[BriefSource],
    further: list[RelatedItem],
    missing: list[str],
    docs: dict[int, Document],
) -> list[str]:
    steps: list[str] = []
    for subject in missing:
        steps.append(
            f"Search beyond the library for {subject}: peer-reviewed databases (PubMed, Google Scholar), the "
            "practice literature of national associations, and peer jurisdictions; the research service can "
            "run that search on request."
        )
    if not evidence:
        if not missing:
            steps.append("Review the suggested quotes for this request, then draft the brief again.")
        return steps
    barriers = main_factors(evidence, "Barriers")
    facilitators = main_factors(evidence, "Facilitators")
    if barriers:
        steps.append(
            f"Plan for the barriers the sources report, starting with {barriers[0].name}: name who on your team "
            "will address each, and how."
        )
    if facilitators:
        doc = docs[facilitators[0].document_ids[0]]
        steps.append(
            f"Build on what helped elsewhere — {facilitators[0].name} — and ask the authors of “{doc.meta.title or doc.file_name}” "
            "how they put it into practice."
        )
    if sources:
        richest = max(sources, key=lambda s: len(s.quotes))
        steps.append(f"Read “{richest.title}” in full: it is the source most quoted in this brief.")
    if further:
        steps.append(
            f"Read the {len(further)} sources under Further Reading: they are on this subject but not quoted here."
        )
    steps.append(
        "Ask the research service for a follow-up consultation to adapt these findings to your jurisdiction."
    )
    return steps


def sentence_texts(text: str) -> list[str]:
    """Return the sentences of a text."""
    return [text[a:b] for a, b in sentence_spans(text)]


def _title_case(text: str) -> str:
    small = {
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "in",
        "nor",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    }
    words = text.split()
    out = []
    for i, w in enumerate(words):
        if i and w.lower() in small:
            out.append(w.lower())
        elif w[:1].islower():
            out.append(w[:1].upper() + w[1:])
        else:
            out.append(w)
    return " ".join(out)
