"""Every quote the desk extracts from the real sample library is verbatim at its offsets."""

from __future__ import annotations

from researchdesk.desk import Desk
from researchdesk.evidence.harvest import extract_for_query
from researchdesk.evidence.review import verify_all
from researchdesk.evidence.verify import verify

QUERIES = [
    "barriers to implementing nutrition standards in county food contracts",
    "facilitators of community coalitions for tobacco control",
    "challenges recruiting participants to diabetes prevention programs",
    "partnerships between researchers and state legislators",
    "lack of funding and staff turnover in local health departments",
]


def test_every_extracted_quote_verifies_exactly(indexed_desk: Desk) -> None:
    total = 0
    roles = set()
    for query in QUERIES:
        for e in extract_for_query(indexed_desk, query, top_k=40):
            text = indexed_desk.store.get_document(e.document_id).text
            assert text[e.start : e.end] == e.quote or e.pieces
            assert verify(e.quote, e.start, e.end, text, pieces=e.pieces or None).status == "exact"
            assert e.quote == e.quote.strip() and e.context
            total += 1
            roles.add(e.role.value)
    assert total >= 50
    assert {"barrier", "facilitator"} <= roles
    outcomes = verify_all(indexed_desk)
    assert outcomes and all(o.status == "exact" for o in outcomes)


def test_table_rows_become_labelled_evidence(indexed_desk: Desk) -> None:
    items = extract_for_query(indexed_desk, "smaller vendors capacity to implement nutrition standards contracts")
    rows = [e for e in items if "Smaller vendors have less capacity" in e.quote]
    assert rows, [e.quote[:60] for e in items]
    assert rows[0].role.value == "barrier"
