"""The scan: run a request's research plan over the library, log every query, suggest evidence."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from researchdesk.desk import Desk
from researchdesk.evidence.harvest import harvest
from researchdesk.models import Document, Evidence, Role
from researchdesk.requests.plan import ResearchPlan, derive_plan
from researchdesk.requests.workflow import advance_to
from researchdesk.search.desk import sync_index
from researchdesk.search.filters import Filters
from researchdesk.search.tokenize import tokenize

# The roles a facet's quotes may carry. A barrier found while looking for facilitators is still
# a barrier, so every facet accepts the two main roles; context alone is never suggested.
FACET_ROLES: dict[str, set[Role]] = {
    "barriers": {Role.BARRIER, Role.FACILITATOR},
    "facilitators": {Role.FACILITATOR, Role.BARRIER},
    "examples": {Role.EXAMPLE, Role.FACILITATOR, Role.BARRIER},
    "definitions": {Role.DEFINITION},
    "statistics": {Role.STATISTIC},
    "research gaps": {Role.RESEARCH_GAP},
    "recommendations": {Role.RECOMMENDATION, Role.FACILITATOR},
}
PER_DOCUMENT_QUOTES = 4  # suggestions per document, so a brief draws on many sources
MAX_SUGGESTIONS = 40  # a reviewer reads every suggestion: more would bury the good ones
MIN_CONFIDENCE = 0.5
# Articles restate their findings (abstract, summary box, discussion): a quote sharing this share of
# its word trigrams with one already suggested from the same document says the same thing again.
REPEAT_SIMILARITY = 0.5
_WORD = re.compile(r"\w+")


@dataclass
class ScanResult:
    request_id: int
    run: int
    queries: int = 0
    passages: int = 0
    documents: list[int] = field(default_factory=list)  # scanned documents, best first
    prior_products: list[int] = field(default_factory=list)
    evidence_ids: list[int] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)  # facets that yielded no evidence


def plan_for(desk: Desk, request_id: int, who: str = "staff") -> ResearchPlan:
    """Return the request's plan, deriving and saving it the first time."""
    request = desk.store.request(request_id)
    if request["plan"]:
        return ResearchPlan.from_dict(request["plan"])
    plan = derive_plan(request["prompt"], request["context"])
    desk.store.update_request(request_id, {"plan": plan.to_dict()}, who, "plan derived")
    return plan


def save_plan(desk: Desk, request_id: int, plan: ResearchPlan, who: str) -> None:
    """Store an edited plan; the change is in the request's event log."""
    desk.store.update_request(request_id, {"plan": plan.to_dict()}, who, "plan edited")


def run_scan(
    desk: Desk,
    request_id: int,
    who: str = "staff",
    top_k: int = 25,
    progress: Callable[[str], None] | None = None,
) -> ScanResult:
    """Run every query of the plan, log it, and store suggested evidence; return what was found."""
    plan = plan_for(desk, request_id, who)
    if desk.store.request(request_id)["status"] in ("received", "scoping"):
        advance_to(desk, request_id, "researching", who)
    index = sync_index(desk.store, desk.settings)
    store = desk.store
    result = ScanResult(request_id, store.next_scan_run(request_id))
    best: dict[int, float] = {}
    found: dict[str, list[Evidence]] = {f.facet: [] for f in plan.facets}
    docs: dict[int, Document] = {}
    seen_spans: set[tuple[int, int, int]] = set()
    query_terms = plan.keywords
    topic = set(tokenize(" ".join(plan.keywords)))
    weight: dict[int, float] = {}  # passage id → how high the searches ranked it (1.0 = first)
    for facet in plan.facets:
        for query in facet.queries:
            if progress:
                progress(f"{facet.facet}: {query}")
            res = index.search(
                query, top_k=top_k, mode="hybrid", filters=Filters(**facet.filters), max_per_document=3
            )
            doc_ids = list(dict.fromkeys(h.document_id for h in res.hits))
            store.add_scan_entry(
                request_id, result.run, facet.facet, query, facet.filters, res.mode, len(res.hits), doc_ids
            )
            result.queries += 1
            result.passages += len(res.hits)
            if facet.facet == "prior products":
                result.prior_products.extend(d for d in doc_ids if d not in result.prior_products)
                continue
            for hit in res.hits:
                best[hit.document_id] = max(best.get(hit.document_id, 0.0), hit.score)
                weight[hit.passage_id] = max(
                    weight.get(hit.passage_id, 0.0), 1.0 / (1.0 + (hit.rank - 1) / 5)
                )
            on_topic = [h for h in res.hits if _on_topic(h.text, topic)]
            for ev in harvest(desk, on_topic, facet=facet.facet, query_terms=query_terms, documents=docs):
                key = (ev.document_id, ev.start, ev.end)
                if key in seen_spans or ev.role not in FACET_ROLES.get(facet.facet, set()):
                    continue
                if ev.confidence < MIN_CONFIDENCE:
                    continue
                seen_spans.add(key)
                ev.request_id = request_id
                ev.facet = facet.facet
                found[facet.facet].append(ev)
    chosen = _spread(found, weight)
    result.evidence_ids = store.add_evidence(chosen, who)
    result.documents = sorted(best, key=lambda d: -best[d])
    result.not_found = [f for f, items in found.items() if not items and f != "prior products"]
    store.log_event(
        request_id,
        "scan",
        result.run,
        "scanned",
        {
            "queries": result.queries,
            "passages": result.passages,
            "evidence": len(result.evidence_ids),
            "not_found": result.not_found,
        },
        who,
    )
    return result


def _on_topic(text: str, topic: set[str]) -> bool:
    """Return True when a passage names enough of the request's topic words (facet words do not count)."""
    if not topic:
        return True
    shared = topic.intersection(tokenize(text))
    return len(shared) >= min(2, len(topic))


def _spread(found: dict[str, list[Evidence]], weight: dict[int, float]) -> list[Evidence]:
    """Return the best suggestions, at most a few per document, so quotes come from many sources.

    A suggestion's worth is its role confidence times how high the searches ranked its passage. Only
    the worthier of two quotes from one document is kept when their spans overlap (two facets'
    searches can cut one sentence, and it with the next, from the same passage) or when they say the
    same thing again (REPEAT_SIMILARITY), so a brief does not quote a finding twice.
    """
    everything = sorted(
        (e for items in found.values() for e in items),
        key=lambda e: -e.confidence * weight.get(e.passage_id, 0.2),
    )
    taken: dict[int, list[tuple[Evidence, set[tuple[str, ...]]]]] = {}
    chosen: list[Evidence] = []
    for ev in everything:
        if len(chosen) >= MAX_SUGGESTIONS:
            break
        same_document = taken.setdefault(ev.document_id, [])
        grams = word_trigrams(ev.quote)
        if len(same_document) >= PER_DOCUMENT_QUOTES or any(
            (ev.start < other.end and other.start < ev.end)
            or similarity(grams, other_grams) >= REPEAT_SIMILARITY
            for other, other_grams in same_document
        ):
            continue
        same_document.append((ev, grams))
        chosen.append(ev)
    return chosen


def word_trigrams(text: str) -> set[tuple[str, ...]]:
    """Return the text's word trigrams, lower-cased (a short text gives its words as one tuple)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def similarity(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """Return the Jaccard similarity of two trigram sets (0 when either is empty)."""
    return len(a & b) / len(a | b) if a and b else 0.0
