"""Discover a subject the library lacks, dedupe against the library, bring candidates in."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest

from discover_replay import Replay, donners_search, recorded
from researchdesk.desk import Desk
from researchdesk.discover import bring_in, discover, load_candidates
from researchdesk.discover.candidates import Candidate
from researchdesk.discover.http import PoliteClient
from researchdesk.discover.service import lookup_doi
from researchdesk.errors import InputError
from researchdesk.ingest.pipeline import ingest_file

QUERY = "emicizumab pharmacokinetics hemophilia A"


def online(desk: Desk, replay: Replay) -> PoliteClient:
    desk.settings.online = True
    return PoliteClient(desk.settings, transport=replay.transport, sleep=lambda _s: None)


def _record_file(tmp_path: Path, title: str, doi: str) -> Path:
    path = tmp_path / "held.json"
    item = {"type": "article-journal", "title": title, "DOI": doi, "abstract": "Already in the library."}
    path.write_text(json.dumps([item]), encoding="utf-8")
    return path


def test_a_subject_the_library_lacks_gives_on_subject_candidates_deduplicated(
    desk: Desk, tmp_path: Path
) -> None:
    replay = Replay()
    replay.add("https://api.openalex.org/works", donners_search())
    held_title = "Factor VIII–Mimetic Function of Humanized Bispecific Antibody in Hemophilia A"
    [held] = ingest_file(desk, _record_file(tmp_path, held_title, "10.1056/nejmoa1511769"))
    assert held.status == "added"
    with online(desk, replay) as http:
        result = discover(desk, QUERY, ["openalex"], limit=250, client=http)
    assert result.counts == {"openalex": 250} and not result.errors
    top = result.candidates[:10]
    assert all(c.in_library is None for c in top)
    on_subject = [c for c in top if "emicizumab" in (c.title + " " + c.abstract).lower()]
    assert len(on_subject) == 10, [c.title for c in top]
    assert all(any("emicizumab" in w for w in c.why) for c in top)
    dupes = [c for c in result.candidates if c.in_library is not None]
    assert [(c.title, c.in_library) for c in dupes] == [(held_title, held.document_id)]
    assert result.candidates[-1].in_library == held.document_id  # the library's own copy is listed last
    # The log holds every request, and the same query offline answers from the cache (its speed is measured by
    # the discovery benchmark, not here: a busy machine makes any timer in a test flaky).
    log = (desk.settings.discover_dir / "log.jsonl").read_text().splitlines()
    assert len(log) == len(replay.requests) >= 10
    desk.settings.online = False
    again = discover(desk, QUERY, ["openalex"], limit=250, client=PoliteClient(desk.settings))
    assert [c.key for c in again.candidates] == [c.key for c in result.candidates]
    assert all(e.cached for e in again.exchanges)


def test_offline_without_cache_reports_per_service_and_keeps_going(desk: Desk) -> None:
    result = discover(desk, "heat action plans", ["openalex", "crossref"], client=PoliteClient(desk.settings))
    assert result.candidates == []
    assert set(result.errors) == {"openalex", "crossref"}
    assert "offline" in result.errors["openalex"]


def test_bringing_in_a_record_makes_its_abstract_quotable(desk: Desk) -> None:
    replay = Replay()
    replay.add("https://api.openalex.org/works", donners_search())
    with online(desk, replay) as http:
        discover(desk, QUERY, ["openalex"], limit=25, client=http)
    _query, saved = load_candidates(desk)
    closed = next(c for c in saved if c.abstract and not c.is_oa)
    outcome = bring_in(desk, closed, client=PoliteClient(desk.settings))
    assert outcome.status == "added" and outcome.full_text == "not open"
    doc = desk.store.get_document(outcome.document_id)
    assert doc.meta.doi == closed.doi and doc.meta.container == closed.venue
    assert doc.extra["discovered"]["services"] == ["openalex"] and doc.extra["retracted"] is False
    passages = desk.store.passages(outcome.document_id)
    assert passages and all(p.section == "Abstract" for p in passages)
    sentence = closed.abstract.split(". ")[0]
    start = doc.text.find(sentence)
    assert start >= 0 and doc.text[start : start + len(sentence)] == sentence
    assert json.loads(desk.blobs.get(doc.extra["original"]))["id"].endswith(closed.ids["openalex"])
    again = bring_in(desk, closed)
    assert again.status == "duplicate" and again.document_id == outcome.document_id


def _article_pdf(title: str) -> bytes:
    from weasyprint import HTML

    body = "".join(
        f"<p>Paragraph {i}. Emicizumab prophylaxis reduced treated bleeds in every cohort we followed, "
        "and caregivers reported that weekly subcutaneous dosing was easier than intravenous infusions.</p>"
        for i in range(12)
    )
    out = io.BytesIO()
    HTML(
        string=f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    ).write_pdf(out)
    return out.getvalue()


def _open_candidate(pdf_url: str) -> Candidate:
    return Candidate(
        title="Emicizumab in children with haemophilia A: open full text",
        venue="Haemophilia",
        year=2020,
        date="2020",
        authors=["A. Author"],
        abstract="Emicizumab prophylaxis was well tolerated.",
        doi="10.9999/example.open",
        is_oa=True,
        oa_status="gold",
        oa_url=pdf_url,
        pdf_url=pdf_url,
        services=["openalex"],
    )


def test_bringing_in_open_full_text_reads_it_like_any_document(desk: Desk) -> None:
    replay = Replay()
    url = "https://repository.example.org/article.pdf"
    pdf = _article_pdf("Emicizumab in children")
    replay.add(url, lambda _r: httpx.Response(200, headers={"content-type": "application/pdf"}, content=pdf))
    cand = _open_candidate(url)
    with online(desk, replay) as http:
        outcome = bring_in(desk, cand, client=http)
    assert outcome.status == "added" and outcome.full_text == "read"
    doc = desk.store.get_document(outcome.document_id)
    assert doc.format == "pdf" and doc.pages >= 1 and doc.meta.title == cand.title
    assert "weekly subcutaneous dosing was easier" in doc.text
    assert all(p.page for p in desk.store.passages(outcome.document_id))


def test_a_login_page_that_claims_open_access_is_refused_and_the_record_kept(desk: Desk) -> None:
    replay = Replay()
    url = "https://publisher.example.org/doi/pdf/10.9999/example.open"
    login = (
        "<html><head><title>Sign in</title></head><body><form><input type='password' name='pw'>"
        "<p>Log in to continue reading.</p></form></body></html>"
    )
    replay.add(
        url, lambda _r: httpx.Response(200, headers={"content-type": "text/html"}, content=login.encode())
    )
    with online(desk, replay) as http:
        outcome = bring_in(desk, _open_candidate(url), client=http)
    assert outcome.status == "added" and outcome.full_text == "refused"
    assert any("sign-in" in w for w in outcome.warnings)
    doc = desk.store.get_document(outcome.document_id)
    assert doc.format == "csl-json" and "Sign in" not in doc.text


def test_a_batch_goes_on_past_a_bad_candidate(desk: Desk) -> None:
    empty = Candidate(
        title="A work with nothing to quote at all", doi="10.9999/nothing", services=["crossref"]
    )
    good = Candidate(
        title="Something with an abstract to quote",
        abstract="It found things.",
        doi="10.9999/x",
        services=["crossref"],
    )
    outcomes = [bring_in(desk, c, client=PoliteClient(desk.settings)) for c in (empty, good)]
    assert [o.status for o in outcomes] == ["failed", "added"]
    assert "nothing to quote" in outcomes[0].reason and outcomes[0].hint
    assert desk.store.find_duplicate("", "10.9999/nothing", "") is None


def test_a_doi_neither_service_knows_is_none_and_a_non_doi_is_refused(desk: Desk) -> None:
    replay = Replay()
    replay.add("https://api.crossref.org/works/10.1371/notarealdoi", recorded("crossref_work_not_found"))
    replay.add(
        "https://api.openalex.org/works/https://doi.org/10.1371/notarealdoi",
        recorded("openalex_work_not_found"),
    )
    replay.add("https://api.crossref.org/works/10.1073/pnas.1414271111", recorded("crossref_work_by_doi"))
    replay.add(
        "https://api.openalex.org/works/https://doi.org/10.1073/pnas.1414271111",
        recorded("openalex_work_by_doi"),
    )
    with online(desk, replay) as http:
        assert lookup_doi(http, "doi:10.1371/notarealdoi") is None
        known = lookup_doi(http, "https://doi.org/10.1073/pnas.1414271111")
        with pytest.raises(InputError):
            lookup_doi(http, "not a doi")
    assert known is not None and known.services == ["crossref", "openalex"]
    assert known.oa_status == "bronze" and known.flags() == ["corrected"]  # each service adds what it knows
