"""Compose a request's brief from its accepted evidence and its scan log, in the service's template.

Every summary paragraph records what it rests on (evidence ids, the scan log or the request), so the
checks can trace it; nothing is written that the evidence or the log does not support.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from researchdesk.brief.citations import CitationItem, format_each, format_references, resolve_style
from researchdesk.desk import Desk
from researchdesk.models import (
    Brief,
    BriefQuote,
    BriefSource,
    Document,
    Evidence,
    RelatedItem,
    ReviewStatus,
    Role,
    SourceType,
)
from researchdesk.requests.plan import asks_for_prior_products
from researchdesk.requests.scan import plan_for

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


def compose_brief(
    desk: Desk, request_id: int, style: str | None = None, prepared_by: str | None = None
) -> Brief:
    """Return the brief of a request, drafted from its accepted evidence and latest scan."""
    store = desk.store
    settings = desk.settings
    resolve_style(
        style or settings.csl_style
    )  # an unknown style fails before any work, listing the valid ones
    request = store.request(request_id)
    plan = plan_for(desk, request_id)
    evidence = [e for e in store.evidence_for(request_id) if e.status in USABLE]
    scan = store.scan_log(request_id)
    docs: dict[int, Document] = {}
    for e in evidence:
        if e.document_id not in docs and e.document_id in store.document_ids():
            docs[e.document_id] = store.get_document(e.document_id)
    evidence = [e for e in evidence if e.document_id in docs]
    passages = store.passages_by_id([e.passage_id for e in evidence])
    places = {
        e.id: (passages[e.passage_id].page, passages[e.passage_id].section)
        for e in evidence
        if e.passage_id in passages
    }
    sources = _sources(evidence, docs, places, style or settings.csl_style)
    quoted = {s.document_id for s in sources}
    prior = _prior_products(desk, scan, request_id)
    further = _further_reading(desk, scan, quoted | {p.document_id for p in prior})
    topic = plan.topic or request["prompt"][:80]
    not_found = _not_found(scan, evidence, plan)
    summary, support = _summary(request, scan, evidence, sources, prior, not_found, docs)
    steps = _next_steps(topic, evidence, sources, further, not_found, docs)
    if steps:
        summary.append(
            f"The Next Steps section below recommends {len(steps)} concrete follow-up actions, and the research "
            "service is glad to help with any of them."
        )
        support.append(["scan", "request"])
    references = (
        format_references([_citation_item(docs[s.document_id]) for s in sources], style or settings.csl_style)
        if sources
        else []
    )
    brief = Brief(
        request_id=request_id,
        version=0,
        title=f"Research Request: {_title_case(topic)}",
        member=request["organization"],
        requester=request.get("requester") or "",
        received=request["created_at"][:10],
        due=request["due"],
        prepared_by=prepared_by or settings.prepared_by,
        prepared_on=date.today().isoformat(),
        service_paragraph=settings.service_paragraph,
        prompt=request["prompt"],
        summary=summary,
        sources=sources,
        further_reading=further,
        next_steps=steps,
        related_products=prior,
        references=references,
        style=style or settings.csl_style,
        topic=topic,
        summary_support=support,
        not_found=not_found,
    )
    return brief


def _citation_item(doc: Document) -> CitationItem:
    m = doc.meta
    return CitationItem(m.title, m.authors, m.container, m.publisher, m.date, m.url, m.doi, m.source_type)


def _location(ev: Evidence, page: int | None, section: str) -> str:
    if page:
        return f"p. {page}"
    last = section.split(" › ")[-1] if section else ""
    return last or "full text"


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
                    location=_location(e, page, section),
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


def _prior_products(desk: Desk, scan: list[dict[str, Any]], request_id: int) -> list[RelatedItem]:
    ids: list[int] = []
    for entry in scan:
        if entry["facet"] == "prior products":
            ids.extend(d for d in entry["documents"] if d not in ids)
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


def _further_reading(desk: Desk, scan: list[dict[str, Any]], exclude: set[int]) -> list[RelatedItem]:
    counts: Counter[int] = Counter()
    facets: dict[int, set[str]] = defaultdict(set)
    for entry in scan:
        if entry["facet"] == "prior products":
            continue
        for rank, doc_id in enumerate(entry["documents"]):
            counts[doc_id] += max(1, 10 - rank)
            facets[doc_id].add(entry["facet"])
    present = desk.store.document_ids()
    items = []
    for doc_id, _ in counts.most_common():
        if doc_id in exclude or doc_id not in present:
            continue
        doc = desk.store.get_document(doc_id)
        m = doc.meta
        link = m.url or (f"https://doi.org/{m.doi}" if m.doi else "")
        items.append(
            RelatedItem(
                doc_id,
                m.title,
                m.container or m.publisher,
                m.date,
                link,
                "Matched the scan for " + ", ".join(sorted(facets[doc_id])),
            )
        )
        if len(items) >= FURTHER_READING:
            break
    return items


def _not_found(scan: list[dict[str, Any]], evidence: list[Evidence], plan: Any) -> list[str]:
    facets = [f.facet for f in plan.facets if f.facet != "prior products"]
    roles_found = {e.facet for e in evidence}
    return [f for f in facets if f not in roles_found]


def _themes(
    evidence: list[Evidence], role: Role, docs: dict[int, Document]
) -> list[tuple[str, list[int], list[int]]]:
    """Return (theme, evidence ids, document ids) for a role, most supported first."""
    groups: dict[str, list[Evidence]] = defaultdict(list)
    for e in evidence:
        if e.role is not role:
            continue
        theme = (e.codes[0].split(": ", 1)[-1] if e.codes else "") or e.label
        if theme:  # uncoded quotes still appear under their source; only named themes are summarised
            groups[theme].append(e)
    ranked = sorted(groups.items(), key=lambda kv: (-len({e.document_id for e in kv[1]}), -len(kv[1]), kv[0]))
    return [
        (t, [e.id for e in items], list(dict.fromkeys(e.document_id for e in items))) for t, items in ranked
    ]


def _short(doc: Document) -> str:
    title = doc.meta.title or doc.file_name
    return f"“{title[:70].rsplit(' ', 1)[0]}…”" if len(title) > 70 else f"“{title}”"


def _summary(
    request: dict[str, Any],
    scan: list[dict[str, Any]],
    evidence: list[Evidence],
    sources: list[BriefSource],
    prior: list[RelatedItem],
    not_found: list[str],
    docs: dict[int, Document],
) -> tuple[list[str], list[list[str]]]:
    paragraphs: list[str] = []
    support: list[list[str]] = []
    run = f"scan:{scan[0]['run']}" if scan else "scan:0"
    scanned = {d for entry in scan for d in entry["documents"]}
    facets = list(dict.fromkeys(e["facet"] for e in scan))
    if scan:
        paragraphs.append(
            f"We scanned the service's library with {len(scan)} searches covering {', '.join(facets)}. "
            f"They matched {sum(e['passages'] for e in scan)} passages in {len(scanned)} sources; "
            f"{sum(len(s.quotes) for s in sources)} quotes from {len(sources)} sources are quoted in this brief."
        )
    else:
        paragraphs.append(
            "The library has not been scanned for this request yet, so this brief holds no findings."
        )
    support.append([run])
    if asks_for_prior_products(request["prompt"]) or prior:
        if prior:
            titles = "; ".join(f"“{p.title}”" for p in prior[:3])
            paragraphs.append(
                f"You asked whether we have produced anything on this before: yes, {len(prior)} of the service's "
                f"earlier products relate to this request ({titles}); see “You may also be interested in”."
            )
        else:
            paragraphs.append(
                "You asked whether we have produced anything on this before: the service's library holds no "
                "earlier brief or product on this topic, so this brief is the first."
            )
        support.append([run, "request"])
    if not evidence:
        paragraphs.append(
            "No evidence has been accepted for this request yet, so the brief has no findings to report; "
            "review the suggested quotes (researchdesk evidence list) or draft with --auto-accept."
        )
        support.append(["request"])
        return paragraphs, support
    for role in (Role.FACILITATOR, Role.BARRIER):
        themes = _themes(evidence, role, docs)
        count = sum(1 for e in evidence if e.role is role)
        if not themes:
            if count:
                paragraphs.append(
                    f"The sources give {count} {ROLE_PLURAL[role]}, quoted under each source below."
                )
                support.append([f"evidence:{e.id}" for e in evidence if e.role is role])
            continue
        parts = []
        ids: list[str] = []
        for theme, ev_ids, doc_ids in themes[:3]:
            names = ", ".join(_short(docs[d]) for d in doc_ids[:2])
            parts.append(
                f"{theme.lower()} ({len(doc_ids)} source{'s' if len(doc_ids) > 1 else ''}, e.g. {names})"
            )
            ids.extend(f"evidence:{i}" for i in ev_ids)
        count = sum(1 for e in evidence if e.role is role)
        paragraphs.append(
            f"The {count} {ROLE_PLURAL[role]} quoted most often concern " + "; ".join(parts) + "."
        )
        support.append(ids)
    others = Counter(e.role for e in evidence if e.role not in (Role.FACILITATOR, Role.BARRIER))
    if others:
        listed = ", ".join(f"{n} {ROLE_PLURAL[r] if n > 1 else str(r)}" for r, n in others.most_common())
        paragraphs.append(f"The sources also offer {listed}, quoted under each source below.")
        support.append([f"evidence:{e.id}" for e in evidence if e.role in others])
    if not_found:
        paragraphs.append(
            "The scan found no quotable evidence for: "
            + ", ".join(not_found)
            + ". The library may not cover "
            "these aspects; they are listed as gaps in the Next Steps."
        )
        support.append([run])
    return paragraphs, support


def _next_steps(
    topic: str,
    evidence: list[Evidence],
    sources: list[BriefSource],
    further: list[RelatedItem],
    not_found: list[str],
    docs: dict[int, Document],
) -> list[str]:
    steps: list[str] = []
    if not evidence:
        return steps
    barriers = _themes(evidence, Role.BARRIER, docs)
    facilitators = _themes(evidence, Role.FACILITATOR, docs)
    if barriers:
        steps.append(
            f"Use the barriers quoted above — starting with {barriers[0][0].lower()} — as a checklist when "
            "planning the initiative, and name for each who on the team will address it."
        )
    if facilitators:
        top = docs[facilitators[0][2][0]]
        steps.append(
            f"Contact the authors of {_short(top)} to learn how they put {facilitators[0][0].lower()} into practice."
        )
    if further:
        steps.append(
            f"Read the {len(further)} sources under Further Reading: the scan matched them, but no quote was "
            "taken from them yet."
        )
    if not_found:
        steps.append(
            "Fill the gaps the library could not answer (" + ", ".join(not_found) + ") with a search of "
            "external databases or peer members; the research service can run it on request."
        )
    steps.append(
        "Ask the research service for a follow-up consultation to adapt these findings to your jurisdiction."
    )
    return steps


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
