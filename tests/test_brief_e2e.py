"""The main job end to end on the real sample library: request → scan → evidence → brief → delivery."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from pypdf import PdfReader
from selectolax.lexbor import LexborHTMLParser

from researchdesk.brief.checks import check_brief
from researchdesk.brief.figures import EVIDENCE_MAP, SCAN_FUNNEL
from researchdesk.brief.render import render
from researchdesk.brief.service import deliver, draft, latest, render_files
from researchdesk.desk import Desk
from researchdesk.errors import CheckFailed, InputError, RenderError, UnknownChoice, WorkflowError
from researchdesk.evidence.findings import QUOTABLE, passage_part
from researchdesk.evidence.review import verify_all
from researchdesk.evidence.verify import verify
from researchdesk.models import Evidence, ReviewStatus, Role, SourceType
from researchdesk.requests.reading import last_reading
from researchdesk.requests.scan import run_scan
from researchdesk.requests.spread import similarity, word_trigrams
from researchdesk.requests.workflow import add_member, file_request

FIRST = (
    "We are launching a cross-sector initiative on chronic disease prevention with our county health department "
    "and local partners. What are the barriers and facilitators of getting local tobacco and nutrition policies "
    "adopted and implemented? Have we produced any products or case studies on this?"
)
SECOND = (
    "Our county is considering an ordinance restricting flavored tobacco sales. What barriers did other local "
    "governments face when adopting tobacco policies, and what helped them succeed? Have we produced anything?"
)


@pytest.fixture(scope="module")
def member(indexed_desk: Desk) -> str:
    name = "Lakeside County Health Department"
    add_member(indexed_desk, name, "county")
    return name


@pytest.fixture(scope="module")
def first_request(indexed_desk: Desk, member: str) -> int:
    rid = file_request(indexed_desk, member, FIRST)
    run_scan(indexed_desk, rid, who="tester")
    return rid


def test_scan_logs_every_query_and_suggests_verified_evidence(indexed_desk: Desk, first_request: int) -> None:
    log = indexed_desk.store.scan_log(first_request)
    facets = [e.facet for e in log]
    assert facets[0] == "prior products" and {"barriers", "facilitators"} <= set(facets)
    # The service's own products are read by subject (mode "subject"), the library searched for each facet.
    assert all(e.query and e.mode in ("hybrid", "lexical", "subject") for e in log)
    suggested = indexed_desk.store.evidence_for(first_request)
    assert len(suggested) >= 8
    assert {e.role.value for e in suggested} >= {"barrier", "facilitator"}
    # Quotes cut by different facets from the same sentences, or a finding restated in another
    # section of the same article, are not suggested twice.
    by_document: dict[int, list[Evidence]] = {}
    for e in suggested:
        for other in by_document.get(e.document_id, []):
            assert not (e.start < other.end and other.start < e.end), (e.quote, other.quote)
            assert similarity(word_trigrams(e.quote), word_trigrams(other.quote)) < 0.5, (
                e.quote,
                other.quote,
            )
        by_document.setdefault(e.document_id, []).append(e)
    # Spread over the library's tobacco and nutrition policy papers (four of them; a fifth, on chronic-disease
    # mapping, was the member's setting read as a subject).
    assert len({e.document_id for e in suggested}) >= 4
    for e in suggested:
        text = indexed_desk.store.get_document(e.document_id).text
        assert text[e.start : e.end] == e.quote
    assert all(o.status == "exact" for o in verify_all(indexed_desk, first_request))
    # The flavored-tobacco study of 36 California communities is the one a researcher would quote.
    titles = {indexed_desk.store.get_document(e.document_id).meta.title for e in suggested}
    assert any("Flavored Tobacco" in t for t in titles)


def test_draft_check_render_deliver_and_the_prior_product_loop(
    indexed_desk: Desk, member: str, first_request: int, tmp_path: Path
) -> None:
    brief, report = draft(indexed_desk, first_request, who="tester", auto=True)
    assert report.ok, report.errors
    assert brief.title.startswith("Research Request: ")
    assert brief.prompt == FIRST
    assert brief.sources and brief.next_steps and brief.references
    assert "first" in " ".join(brief.summary)  # nothing produced before: said plainly
    for source in brief.sources:
        text = indexed_desk.store.get_document(source.document_id).text
        for q in source.quotes:
            assert verify(q.text, q.start, q.end, text).status == "exact"

    files = render_files(indexed_desk, first_request, ["md", "html", "docx", "pdf", "json"], tmp_path)
    by_ext = {p.suffix: p for p in files}
    data = json.loads(by_ext[".json"].read_text())
    quotes = [q for s in data["sources"] for q in s["quotes"]]
    assert quotes and all(
        indexed_desk.store.get_document(q["document_id"]).text[q["start"] : q["end"]] == q["quote"]
        for q in quotes
    )
    docx = DocxDocument(str(by_ext[".docx"]))
    headings = [p.text for p in docx.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    assert "Request Prompt" in headings and "Background Research" in headings
    pdf_text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(str(by_ext[".pdf"])).pages
    )
    assert "Request Prompt" in pdf_text and "Summary of Findings" in pdf_text
    html = LexborHTMLParser(by_ext[".html"].read_text())
    assert html.css_first("h1") is not None and "Research Request" in html.css_first("h1").text()
    # The figures (evidence map, scan funnel) come with the files from the command line too.
    figure_titles = [t.text() for t in html.css("figure svg title")]
    assert any(EVIDENCE_MAP in t for t in figure_titles) and any(SCAN_FUNNEL in t for t in figure_titles)

    doc_id = deliver(indexed_desk, first_request, who="tester")
    product = indexed_desk.store.get_document(doc_id)
    assert product.meta.source_type is SourceType.OUR_PRODUCT
    assert product.extra["request_id"] == first_request and product.extra["member"] == member
    assert indexed_desk.store.request(first_request).status == "delivered"
    with pytest.raises(WorkflowError, match="already delivered"):
        deliver(indexed_desk, first_request, who="tester")

    second = file_request(indexed_desk, member, SECOND)
    run_scan(indexed_desk, second, who="tester")
    brief2, report2 = draft(indexed_desk, second, who="tester", auto=True)
    assert report2.ok, report2.errors
    assert doc_id in [p.document_id for p in brief2.related_products]
    assert "have we produced anything on this? yes" in " ".join(brief2.summary).lower()


def test_a_brief_is_composed_from_what_was_gathered_alone(indexed_desk: Desk, first_request: int) -> None:
    """``compose`` drafts from the gathered inputs alone: plain data, no desk, the same brief every time."""
    from researchdesk.brief.compose import compose, gather

    inputs = gather(indexed_desk, first_request)
    assert not any(isinstance(v, Desk) for v in vars(inputs).values())
    brief = compose(inputs)
    assert brief.sources and brief.summary and brief.references
    assert compose(inputs) == brief


def test_checks_catch_the_failures_of_hand_made_briefs(indexed_desk: Desk, member: str) -> None:
    rid = file_request(indexed_desk, member, FIRST)
    run_scan(indexed_desk, rid, who="tester")
    brief, report = draft(indexed_desk, rid, who="tester", auto=True)
    assert report.ok
    pasted = replace(
        brief,
        summary=[
            *brief.summary[:1],
            "Broadband subsidies for rural libraries expanded internet hotspot lending and digital literacy "
            "classes for seniors across several township library systems.",
        ],
    )
    assert any("neither the request nor the evidence" in e for e in check_brief(indexed_desk, pasted).errors)
    promised = replace(
        brief,
        next_steps=[],
        summary=[*brief.summary, "Next steps: the section below proposes three actions."],
    )
    assert any("Next Steps section is missing" in e for e in check_brief(indexed_desk, promised).errors)
    source = brief.sources[0]
    doubled = replace(brief, sources=[source, replace(source, document_id=source.document_id)])
    assert any("used twice" in e for e in check_brief(indexed_desk, doubled).errors)
    typo = replace(brief, service_paragraph=brief.service_paragraph.replace("research", "reserach", 1))
    assert any("configured text" in e for e in check_brief(indexed_desk, typo).errors)
    q = source.quotes[0]
    forged = replace(brief, sources=[replace(source, quotes=[replace(q, text=q.text + " Everyone agreed.")])])
    assert any("not in its source" in e for e in check_brief(indexed_desk, forged).errors)


def test_a_draft_without_accepted_evidence_says_so_and_cannot_be_delivered(
    indexed_desk: Desk, member: str, tmp_path: Path
) -> None:
    rid = file_request(
        indexed_desk, member, "What gets in the way of mailed colorectal cancer screening outreach?"
    )
    run_scan(indexed_desk, rid, who="tester")
    brief, report = draft(indexed_desk, rid, who="tester")
    assert not report.ok
    assert any("No evidence has been accepted" in p for p in brief.summary)
    with pytest.raises(CheckFailed):
        deliver(indexed_desk, rid, who="tester")
    with pytest.raises(UnknownChoice):
        render_files(indexed_desk, rid, ["odt"], tmp_path)
    with pytest.raises(UnknownChoice):
        draft(indexed_desk, rid, style="no-such-style")
    if os.geteuid() != 0:  # root can write anywhere, so an unwritable folder cannot be made
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(RenderError):
            render_files(indexed_desk, rid, ["md"], locked)
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(RenderError):
        render_files(indexed_desk, rid, ["md"], blocked / "out")
    assert latest(indexed_desk, rid).version == 1


def test_another_citation_style(indexed_desk: Desk, first_request: int) -> None:
    apa, _ = draft(indexed_desk, first_request, who="tester", auto=True)
    ieee, _ = draft(indexed_desk, first_request, who="tester", style="ieee")
    assert ieee.style == "ieee" and apa.references and ieee.references
    assert ieee.references[0].startswith("[1]") and not apa.references[0].startswith("[1]")
    out = io.BytesIO()
    render(ieee, "md", out)
    assert b"References" in out.getvalue()


def test_the_members_setting_is_not_a_subject_of_its_own(indexed_desk: Desk, first_request: int) -> None:
    # "a cross-sector initiative on chronic disease prevention" is where the member works, not what they ask
    # about: the sources are the library's tobacco and nutrition policy papers, not its chronic-disease maps.
    reading = last_reading(indexed_desk, first_request)
    docs = [indexed_desk.store.get_document(d) for r in reading for d in r["documents"]]
    assert docs
    about = [f"{d.meta.title} {d.meta.abstract}" for d in docs]
    assert all(re.search(r"tobacco|nutrition|food|menthol", text, re.I) for text in about), [
        d.meta.title for d in docs
    ]


def test_a_brief_quotes_sources_on_the_subject_and_findings_only(indexed_desk: Desk, member: str) -> None:
    prompt = (
        "We want to run a community campaign about menthol cigarettes with our Black residents. What made "
        "such campaigns work, and what challenges did they run into?"
    )
    rid = file_request(indexed_desk, member, prompt)
    result = run_scan(indexed_desk, rid, who="tester")
    brief, report = draft(indexed_desk, rid, who="tester", auto=True)
    assert report.ok, report.errors
    files = {indexed_desk.store.get_document(s.document_id).file_name for s in brief.sources}
    # Both menthol-campaign evaluations are quoted; nothing off the subject is.
    assert {"23_0282.htm", "23_0237.htm"} <= files
    on_subject = {d for r in result.subjects for d in r["documents"]}
    assert {s.document_id for s in brief.sources} <= on_subject
    evidence = {e.id: e for e in indexed_desk.store.evidence_for(rid)}
    quoted = [evidence[q.evidence_id] for s in brief.sources for q in s.quotes]
    passages = indexed_desk.store.passages_by_id([e.passage_id for e in quoted])
    assert all(passage_part(p.section, p.kind, p.text) in QUOTABLE for p in passages.values())
    # The summary answers: the sources' central results, then what helps and what gets in the way.
    assert brief.summary[0].startswith("Main findings: ")
    assert any(p.startswith("What helps: ") for p in brief.summary)
    assert any(p.startswith("What gets in the way: ") for p in brief.summary)


def test_a_subject_the_library_does_not_hold_gets_a_short_brief_that_says_so(
    indexed_desk: Desk, member: str
) -> None:
    rid = file_request(
        indexed_desk,
        member,
        "Our county is thinking about naloxone vending machines in libraries and bus stations to cut opioid "
        "overdose deaths. What has worked elsewhere?",
    )
    result = run_scan(indexed_desk, rid, who="tester")
    assert result.missing_subjects and not result.evidence_ids
    brief, report = draft(indexed_desk, rid, who="tester", auto=True)
    assert report.ok, report.errors
    assert not brief.sources and not brief.further_reading
    assert "The library holds nothing on" in " ".join(brief.summary)
    assert any("Search beyond the library" in s for s in brief.next_steps)


def test_a_prompt_with_no_subject_asks_staff_to_name_it(indexed_desk: Desk, member: str) -> None:
    rid = file_request(indexed_desk, member, "What are the barriers and facilitators, and what has worked?")
    with pytest.raises(InputError, match="names no subject") as caught:
        run_scan(indexed_desk, rid, who="tester")
    assert "--subject" in caught.value.hint
    assert indexed_desk.store.evidence_for(rid) == []


def test_checks_catch_substance(indexed_desk: Desk, member: str) -> None:
    """A quote from a part that reports no finding, a summary that contradicts the quotes, a paragraph
    resting on nothing, and a quote already used for a request on another subject are caught."""
    from researchdesk.evidence.review import accept

    store = indexed_desk.store
    menthol = file_request(
        indexed_desk,
        member,
        "What made community campaigns about menthol cigarettes work, and what got in the way?",
    )
    run_scan(indexed_desk, menthol, who="tester")
    # Staff accept a sentence from an article's Acknowledgments by hand.
    doc = next(d for d in store.documents() if d.file_name == "23_0282.htm")
    thanks = next(p for p in store.passages(doc.id) if p.section.startswith("Acknowledgments"))
    text = store.get_document(doc.id).text
    (eid,) = store.add_evidence(
        [
            Evidence(
                doc.id,
                thanks.id,
                thanks.start,
                thanks.end,
                text[thanks.start : thanks.end],
                Role.FACILITATOR,
                0.9,
                "by hand",
                request_id=menthol,
            )
        ],
        "tester",
    )
    accept(indexed_desk, eid, "tester")
    brief, report = draft(indexed_desk, menthol, who="tester", auto=True)
    assert any(f"Quote {eid} comes from the source's furniture" in e for e in report.errors)

    contradicting = replace(brief, summary=["What helps: none of the quoted sources names a facilitator."])
    assert any(
        "contradicts the Background Research" in e for e in check_brief(indexed_desk, contradicting).errors
    )
    unsupported = replace(brief, summary_support=[[] for _ in brief.summary])
    assert any("rests on no evidence" in e for e in check_brief(indexed_desk, unsupported).errors)

    # The same quote, accepted for a request on another subject, is flagged there.
    screening = file_request(
        indexed_desk, member, "What gets in the way of colorectal cancer screening outreach?"
    )
    run_scan(indexed_desk, screening, who="tester")
    quote = next(q for s in brief.sources for q in s.quotes if q.evidence_id != eid)
    original = store.evidence(quote.evidence_id)
    (reused,) = store.add_evidence(
        [replace(original, id=0, request_id=screening, status=ReviewStatus.SUGGESTED)], "tester"
    )
    accept(indexed_desk, reused, "tester")
    _, screening_report = draft(indexed_desk, screening, who="tester", auto=True)
    assert any(f"also used for request {menthol}, on another subject" in w for w in screening_report.warnings)


def test_a_question_of_effect_quotes_the_result_an_abstract_without_headings_states(
    indexed_desk: Desk, member: str
) -> None:
    """A question of effect ("did the programs lower smoking?") is answered by what the program evaluation found:
    its abstract has no headings of its own, and its overall result there is quoted, not only subgroup figures."""
    rid = file_request(
        indexed_desk,
        member,
        "Our health program wants to cut commercial tobacco use. Did tobacco use reduction programs lower smoking "
        "and help people quit?",
    )
    run_scan(indexed_desk, rid, who="tester")
    brief, _ = draft(indexed_desk, rid, who="tester", auto=True)
    evaluation = [
        s for s in brief.sources if s.title.startswith("The Effect of a Tobacco Use Reduction Program")
    ]
    assert evaluation, [s.title for s in brief.sources]
    assert any(
        q.location == "Abstract" and "decreased significantly" in q.text and q.role is Role.STATISTIC
        for q in evaluation[0].quotes
    ), [(q.location, q.text[:80]) for q in evaluation[0].quotes]
