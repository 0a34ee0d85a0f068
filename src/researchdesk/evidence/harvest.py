"""Quote candidates from search hits: the passage, its sentences and its document, located exactly."""

from __future__ import annotations

from researchdesk.desk import Desk
from researchdesk.evidence.extract import candidates
from researchdesk.models import Document, Evidence, SearchHit


def harvest(
    desk: Desk,
    hits: list[SearchHit],
    facet: str = "",
    query_terms: list[str] | None = None,
    documents: dict[int, Document] | None = None,
) -> list[Evidence]:
    """Return quote candidates from the passages of ``hits``, in hit order."""
    store = desk.store
    docs = documents if documents is not None else {}
    passages = store.passages_by_id([h.passage_id for h in hits])
    found: list[Evidence] = []
    for hit in hits:
        passage = passages.get(hit.passage_id)
        if passage is None:
            continue
        doc = docs.get(passage.document_id)
        if doc is None:
            doc = docs[passage.document_id] = store.get_document(passage.document_id)
        spans = [(s.start, s.end) for s in store.sentences(doc.id, passage.seq)]
        found.extend(candidates(passage, spans, doc.text, facet=facet, query_terms=query_terms))
    return found


def extract_for_query(desk: Desk, query: str, top_k: int = 25, who: str = "staff") -> list[Evidence]:
    """Suggest and store evidence (without a request) from the passages one query finds."""
    from researchdesk.search.desk import sync_index

    index = sync_index(desk.store, desk.settings)
    results = index.search(query, top_k=top_k, mode="hybrid")
    items = [e for e in harvest(desk, results.hits, query_terms=results.terms) if str(e.role) != "context"]
    ids = desk.store.add_evidence(items, who)
    return [desk.store.evidence(i) for i in ids]
