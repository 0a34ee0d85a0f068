"""Quote candidates from search hits: the passage, its sentences and its document, located exactly."""

from __future__ import annotations

from researchdesk.desk import Desk
from researchdesk.evidence.extract import candidates
from researchdesk.models import BlockKind, Document, Evidence, Passage, SearchHit


def harvest(
    desk: Desk,
    hits: list[SearchHit],
    facet: str = "",
    query_terms: list[str] | None = None,
    documents: dict[int, Document] | None = None,
) -> list[Evidence]:
    """Return quote candidates from the passages of ``hits``, in hit order."""
    store = desk.store
    passages = store.passages_by_id([h.passage_id for h in hits])
    return harvest_passages(
        desk,
        [passages[h.passage_id] for h in hits if h.passage_id in passages],
        facet,
        query_terms,
        documents,
    )


def harvest_passages(
    desk: Desk,
    passages: list[Passage],
    facet: str = "",
    query_terms: list[str] | None = None,
    documents: dict[int, Document] | None = None,
    captions: dict[int, dict[int, str]] | None = None,
) -> list[Evidence]:
    """Return quote candidates from ``passages``, in order (``documents`` and ``captions`` are caches)."""
    store = desk.store
    docs = documents if documents is not None else {}
    captions = captions if captions is not None else {}
    found: list[Evidence] = []
    for passage in passages:
        doc = docs.get(passage.document_id)
        if doc is None:
            doc = docs[passage.document_id] = store.get_document(passage.document_id)
        caption = ""
        if passage.kind == BlockKind.TABLE_ROW:
            if doc.id not in captions:
                captions[doc.id] = table_captions(store.passages(doc.id))
            caption = captions[doc.id].get(passage.seq, "")
        spans = [(s.start, s.end) for s in store.sentences(doc.id, passage.seq)]
        found.extend(
            candidates(passage, spans, doc.text, facet=facet, query_terms=query_terms, table_caption=caption)
        )
    return found


def table_captions(passages: list[Passage]) -> dict[int, str]:
    """Return table row seq → the caption of its table (the nearest caption before it)."""
    out: dict[int, str] = {}
    caption = ""
    for p in sorted(passages, key=lambda p: p.seq):
        if p.kind == BlockKind.CAPTION:
            caption = p.text
        elif p.kind == BlockKind.TABLE_ROW:
            out[p.seq] = caption
        elif not p.section.lower().startswith("table"):
            caption = ""  # body text between tables: the next rows belong to another table
    return out


def extract_for_query(desk: Desk, query: str, top_k: int = 25, who: str = "staff") -> list[Evidence]:
    """Suggest and store evidence (without a request) from the passages one query finds."""
    from researchdesk.search.desk import sync_index

    index = sync_index(desk.store, desk.settings)
    results = index.search(query, top_k=top_k, mode="hybrid")
    items = [e for e in harvest(desk, results.hits, query_terms=results.terms) if str(e.role) != "context"]
    ids = desk.store.add_evidence(items, who)
    return [desk.store.evidence(i) for i in ids]
