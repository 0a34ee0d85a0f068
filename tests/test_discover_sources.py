"""OpenAlex, Crossref and Europe PMC answers (recorded) read into candidates."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from discover_replay import DONNERS, Replay, donners_pages, recorded, response  # noqa: F401
from researchdesk.discover import crossref, europepmc, openalex
from researchdesk.discover.http import PoliteClient
from researchdesk.errors import BadResponse
from researchdesk.settings import Settings


def online(tmp_path: Path, replay: Replay, **settings: object) -> PoliteClient:
    s = Settings(home=tmp_path / "desk", online=True, **settings)  # type: ignore[arg-type]
    return PoliteClient(s, transport=replay.transport, sleep=lambda _s: None)


def test_openalex_search_reads_title_venue_abstract_and_open_access(tmp_path: Path) -> None:
    replay = Replay()
    replay.add("https://api.openalex.org/works", recorded("openalex_works_title_search"))
    with online(tmp_path, replay, contact_email="desk@example.org") as http:
        found = openalex.search(http, "PaperQA retrieval-augmented agent", limit=10)
    assert replay.params()["search"] == "PaperQA retrieval-augmented agent"
    assert replay.params()["mailto"] == "desk@example.org"
    assert len(found) == 1
    c = found[0]
    assert c.title == "PaperQA: Retrieval-Augmented Generative Agent for Scientific Research"
    assert c.doi == "10.48550/arxiv.2312.07559" and c.year == 2023
    assert c.is_oa and c.oa_status == "green" and c.oa_url.startswith("https://arxiv.org/")
    assert c.abstract.startswith("Large Language Models") and "  " not in c.abstract
    assert c.ids["openalex"] == "W4389761608" and c.ranks == {"openalex": 1}


def test_openalex_by_doi_and_an_unknown_doi(tmp_path: Path) -> None:
    replay = Replay()
    replay.add(
        "https://api.openalex.org/works/https://doi.org/10.1073/pnas.1414271111",
        recorded("openalex_work_by_doi"),
    )
    replay.add(
        "https://api.openalex.org/works/https://doi.org/10.1046/j.1365-2699.2003.00795",
        recorded("openalex_work_not_found"),
    )
    with online(tmp_path, replay) as http:
        c = openalex.by_doi(http, "10.1073/pnas.1414271111")
        assert openalex.by_doi(http, "10.1046/j.1365-2699.2003.00795") is None
    assert c is not None
    assert c.venue == "Proceedings of the National Academy of Sciences"
    assert c.oa_status == "bronze" and not c.retracted
    assert len(c.authors) >= 3 and c.date.startswith("2014")


def test_openalex_pages_are_followed_and_a_retraction_is_flagged() -> None:
    pages = donners_pages()
    records = [r for page in pages for r in page]
    retracted = [openalex.work(r) for r in records if r.get("is_retracted")]
    assert len(retracted) == 1 and retracted[0] is not None
    assert retracted[0].refuses_quotes and retracted[0].flags() == ["RETRACTED"]
    assert sum(1 for r in records if openalex.work(r) and openalex.work(r).abstract) > 150  # type: ignore[union-attr]


def test_openalex_answer_without_results_is_a_bad_response(tmp_path: Path) -> None:
    replay = Replay()
    replay.add(
        "https://api.openalex.org/works", lambda _r: httpx.Response(200, json={"error": "Invalid query"})
    )
    with online(tmp_path, replay) as http, pytest.raises(BadResponse):
        openalex.search(http, "x")


def test_crossref_query_and_by_doi_with_its_correction_notice(tmp_path: Path) -> None:
    replay = Replay()
    replay.add("https://api.crossref.org/works", recorded("crossref_works_query"))
    replay.add("https://api.crossref.org/works/10.1073/pnas.1414271111", recorded("crossref_work_by_doi"))
    replay.add("https://api.crossref.org/works/10.1371/notarealdoi", recorded("crossref_work_not_found"))
    with online(tmp_path, replay) as http:
        listed = crossref.search(http, "ecology", limit=2)
        work = crossref.by_doi(http, "https://doi.org/10.1073/PNAS.1414271111")
        assert crossref.by_doi(http, "10.1371/notarealdoi") is None
    assert replay.params(0)["query.bibliographic"] == "ecology" and replay.params(0)["cursor"] == "*"
    assert len(listed) == 2 and all(c.title and c.doi for c in listed)
    assert work is not None and work.venue == "Proceedings of the National Academy of Sciences"
    assert [(n.kind, n.doi, n.date) for n in work.notices] == [
        ("correction", "10.1073/pnas.1507001112", "2015-05-04")
    ]
    assert work.flags() == ["corrected"] and not work.refuses_quotes


def test_crossref_truncated_list_is_a_bad_response(tmp_path: Path) -> None:
    replay = Replay()
    fixture = recorded("crossref_works_query")
    replay.add("https://api.crossref.org/works", lambda _r: response(fixture, fixture["body"][:3000]))
    with online(tmp_path, replay) as http, pytest.raises(BadResponse):
        crossref.search(http, "ecology")


def test_europepmc_hit_and_no_match(tmp_path: Path) -> None:
    replay = Replay()
    replay.add(
        "https://www.ebi.ac.uk/europepmc/webservices/rest/search",
        recorded("europepmc_search_hit"),
        recorded("europepmc_search_empty"),
    )
    with online(tmp_path, replay) as http:
        hit = europepmc.search(http, "NF Data Portal", limit=5)
        none = europepmc.search(http, "no such thing at all", limit=5)
    assert none == []
    assert len(hit) == 1
    c = hit[0]
    assert c.doi == "10.1038/s41597-019-0317-x" and c.ids == {"pmid": "31836719", "pmcid": "PMC6910996"}
    assert c.is_oa and c.venue == "Sci Data" and c.year == 2019
    assert c.title == "Engaging a community to enable disease-centric data sharing with the NF Data Portal"


def test_the_package_public_face_is_sorted_typed_and_documented() -> None:
    import inspect

    import researchdesk.discover as package

    order = sorted(package.__all__, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert list(package.__all__) == order
    for name in package.__all__:
        obj = getattr(package, name)
        assert obj.__doc__, name
        if inspect.isfunction(obj):
            assert inspect.signature(obj).return_annotation is not inspect.Signature.empty, name
