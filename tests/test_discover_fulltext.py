"""Open full text from Europe PMC: a real JATS article read with its sections, located paragraphs, and its
acknowledgments and references marked as furniture; brought in ahead of the abstract, and the fallbacks.

The article is PMC3339580 (3 Biotech, 2011, CC BY), its JATS as Europe PMC serves it (recorded in
tests/fixtures/discover/europepmc_fulltext_xml.json; see the README there).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from discover_replay import Replay, recorded
from researchdesk.desk import Desk
from researchdesk.discover import bring_in
from researchdesk.discover.europepmc import full_text_url, pmcid_of, work
from researchdesk.discover.http import PoliteClient
from researchdesk.errors import CorruptFile, EmptyFile
from researchdesk.evidence.findings import Part, passage_part
from researchdesk.evidence.verify import verify
from researchdesk.ingest.readers import reader_for
from researchdesk.ingest.readers.jats import READER
from researchdesk.models import BlockKind
from researchdesk.settings import Settings

FIXTURE = recorded("europepmc_fulltext_xml")
XML = FIXTURE["body"].encode("utf-8")
PMCID = "PMC3339580"
DOI = "10.1007/s13205-011-0035-3"
TITLE = "Decolorization and partial mineralization of a polyazo dye by Bacillus firmus immobilized within tubular polymeric gel"


def europepmc_record() -> dict[str, object]:
    """The article as a Europe PMC search result (``core``) would describe it.

    No recorded search answer names this article, so the record holds only facts of the article's own
    front matter (ids, DOI, title, journal, year, open access): the shape Europe PMC documents.
    """
    return {
        "id": "22582158",
        "source": "MED",
        "pmid": "22582158",
        "pmcid": PMCID,
        "doi": DOI,
        "title": TITLE + ".",
        "authorString": "Ogugbue CJ, Morad N, Sawidis T, Oranusi NA.",
        "journalTitle": "3 Biotech",
        "pubYear": "2011",
        "isOpenAccess": "Y",
        "abstractText": "The degradation of C.I. Direct red 80, a polyazo dye, was investigated.",
    }


def online(desk: Desk, replay: Replay) -> PoliteClient:
    desk.settings.online = True
    return PoliteClient(desk.settings, transport=replay.transport, sleep=lambda _s: None)


def test_the_jats_reader_keeps_the_article_structure(tmp_path: Path) -> None:
    assert reader_for(Path("article.xml"), XML[:8192]).format == "jats"
    assert reader_for(Path("notes.xml"), b"<?xml version='1.0'?><notes><p>x</p></notes>").format != "jats"
    result = READER.read(Path("PMC3339580.xml"), XML, Settings(home=tmp_path))
    meta = result.meta
    assert meta.title == TITLE and meta.doi == DOI and meta.container == "3 Biotech"
    assert meta.authors[0] == "Chimezie Jason Ogugbue" and len(meta.authors) == 4
    assert meta.date == "2011-11-05" and meta.abstract.startswith("The degradation of C.I. Direct red 80")
    headings = [(b.level, b.text) for b in result.blocks if b.kind is BlockKind.HEADING]
    top = [t for level, t in headings if level == 1]
    assert top == [
        "Abstract",
        "Introduction",
        "Materials and methods",
        "Results and discussion",
        "Conclusions",
        "Acknowledgments",  # the article's <ack> has no title of its own
        "References",
    ]
    assert (2, "HPLC analysis") in headings  # a sub-section at its depth
    captions = [b.text for b in result.blocks if b.kind is BlockKind.CAPTION]
    assert any(c.startswith("Fig. 1 Chemical structure of C.I. Direct red 80") for c in captions)
    refs = [b for b in result.blocks if b.kind is BlockKind.LIST_ITEM]
    assert len(refs) == XML.count(b"<ref id=") and refs[0].text.startswith("Ai Z, Li J, Zhang L, Lee S.")
    # Inline markup is text of the sentence, and a formula left out does not glue words together.
    text = " ".join(b.text for b in result.blocks)
    assert "Bacillus firmus was isolated" in text and "equation:where" not in text


def test_bringing_in_an_open_europepmc_article_reads_its_jats_full_text(desk: Desk) -> None:
    cand = work(europepmc_record())
    assert cand is not None and cand.ids["pmcid"] == PMCID and cand.is_oa
    replay = Replay()
    replay.add(full_text_url(PMCID), FIXTURE)
    with online(desk, replay) as http:
        outcome = bring_in(desk, cand, client=http)
    assert outcome.status == "added" and outcome.full_text == "read", outcome
    assert [str(r.url) for r in replay.requests] == [FIXTURE["url"]]
    doc = desk.store.get_document(outcome.document_id)
    assert doc.format == "jats" and doc.meta.doi == DOI and doc.meta.container == "3 Biotech"
    assert doc.extra["full_text_url"] == FIXTURE["url"]
    passages = desk.store.passages(outcome.document_id)
    sections = {p.section.split(" › ")[0] for p in passages}
    assert {"Introduction", "Results and discussion", "Conclusions", "References"} <= sections
    # A finding in Conclusions is located, verifiable, and a finding; the furniture is not quotable.
    conclusion = next(p for p in passages if p.section == "Conclusions")
    sentence = conclusion.text.split(". ")[0]
    start = doc.text.find(sentence)
    assert verify(sentence, start, start + len(sentence), doc.text).status == "exact"
    assert passage_part(conclusion.section, conclusion.kind, conclusion.text) is Part.FINDINGS
    thanks = next(p for p in passages if "gratefully acknowledge" in p.text)
    assert passage_part(thanks.section, thanks.kind, thanks.text) is Part.FURNITURE
    cited = [p for p in passages if p.section == "References"]
    assert cited and all(passage_part(p.section, p.kind, p.text) is Part.FURNITURE for p in cited)
    assert desk.blobs.get(doc.extra["original"]) == XML  # the original file is the answer, byte for byte


def test_without_europepmc_full_text_the_other_open_copy_and_then_the_record(desk: Desk) -> None:
    cand = work(europepmc_record())
    assert cand is not None
    cand.pdf_url = cand.oa_url = "https://publisher.example.org/doi/pdf/10.1007/s13205-011-0035-3"
    replay = Replay()
    replay.add(full_text_url(PMCID), lambda _r: httpx.Response(404, text="Not found"))
    login = (
        b"<html><body><form><input type='password'></form><p>Log in to continue reading.</p></body></html>"
    )
    replay.add(
        cand.pdf_url, lambda _r: httpx.Response(200, headers={"content-type": "text/html"}, content=login)
    )
    with online(desk, replay) as http:
        outcome = bring_in(desk, cand, client=http)
    assert outcome.status == "added" and outcome.full_text == "refused"
    [note] = outcome.warnings
    assert "Europe PMC holds no open full text" in note and "sign-in" in note
    assert desk.store.get_document(outcome.document_id).format == "csl-json"  # the record, with its abstract


def test_a_truncated_jats_answer_stores_nothing_of_it(desk: Desk, tmp_path: Path) -> None:
    cut = XML[: len(XML) // 2]
    with pytest.raises(CorruptFile, match="not well formed"):
        READER.read(Path("cut.xml"), cut, Settings(home=tmp_path))
    front = XML[: XML.index(b"<body>")]
    abstract_only = READER.read(Path("front.xml"), front + b"</article>", Settings(home=tmp_path))
    assert abstract_only.warnings == ["the JATS article has no body: only its abstract was read"]
    assert {b.text for b in abstract_only.blocks if b.kind is BlockKind.HEADING} == {"Abstract"}
    no_abstract = front.replace(front[front.index(b"<abstract") : front.index(b"</abstract>") + 11], b"")
    with pytest.raises(EmptyFile, match="neither a body nor an abstract"):
        READER.read(Path("bare.xml"), no_abstract + b"</article>", Settings(home=tmp_path))
    cand = work(europepmc_record())
    assert cand is not None
    replay = Replay()
    replay.add(full_text_url(PMCID), {**FIXTURE, "body": FIXTURE["body"][: len(FIXTURE["body"]) // 2]})
    with online(desk, replay) as http:
        outcome = bring_in(desk, cand, client=http)
    assert outcome.status == "added" and outcome.full_text == "failed"
    assert "could not be read" in outcome.warnings[0] and "not well formed" in outcome.warnings[0]
    assert desk.store.get_document(outcome.document_id).format == "csl-json"


def test_pmc_ids_as_each_service_writes_them() -> None:
    assert pmcid_of("PMC3339580") == pmcid_of("3339580") == PMCID
    assert pmcid_of("https://www.ncbi.nlm.nih.gov/pmc/articles/3339580") == PMCID
    assert pmcid_of("") == "" and full_text_url("not an id") == ""
