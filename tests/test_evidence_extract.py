"""Candidate extraction: whole sentences only, exact offsets, noise skipped, table rows with labels."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest

from researchdesk.evidence import candidates, cell_spans, is_noise, join_pieces, verify
from researchdesk.evidence.extract import is_title
from researchdesk.models import BlockKind, Passage, Role

SHARED = Path(
    os.environ.get("RESEARCHDESK_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
)
_SENTENCE = re.compile(r"[^.!?]+[.!?]+")


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence offsets by a plain regex (the segmenter's job; kept simple here on purpose)."""
    out = []
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        out.append((s, e))
    return out


def _passage(text: str, body: str, **kwargs: object) -> Passage:
    start = text.index(body)
    return Passage(document_id=7, seq=0, start=start, end=start + len(body), text=body, id=70, **kwargs)  # type: ignore[arg-type]


PARAGRAPH = (
    "Programs that faced staffing shortages or high staff turnover had difficulty maintaining momentum. "
    "Top. "
    "The COVID-19 pandemic interrupted the work of almost every coalition in the state. "
    "See https://example.org/report for details of the reports. "
    "Strong champions on the city council were key to passing the policies in urban areas. "
    "Smith J, Jones K. Tobacco policy in cities. Am J Public Health 2020;110(3):1-9."
)
DOCUMENT = "Heading\n\n" + PARAGRAPH + "\n\nNext paragraph."


def test_quotes_are_whole_sentences_with_exact_offsets() -> None:
    passage = _passage(DOCUMENT, PARAGRAPH)
    sentences = _sentences(DOCUMENT, passage.start, passage.end)
    found = candidates(passage, sentences, DOCUMENT)
    assert found
    starts = {s for s, _ in sentences}
    ends = {e for _, e in sentences}
    for ev in found:
        assert ev.quote == DOCUMENT[ev.start : ev.end]
        assert ev.start in starts and ev.end in ends, "cut mid-sentence"
        assert ev.document_id == 7 and ev.passage_id == 70
        assert ev.context == PARAGRAPH
        assert verify(ev.quote, ev.start, ev.end, DOCUMENT).status == "exact"
    quotes = " ".join(ev.quote for ev in found)
    assert "https://" not in quotes
    assert "Am J Public Health" not in quotes
    assert not any(ev.quote == "Top." for ev in found)


def test_candidates_do_not_overlap_and_respect_max_sentences() -> None:
    passage = _passage(DOCUMENT, PARAGRAPH)
    sentences = _sentences(DOCUMENT, passage.start, passage.end)
    found = candidates(passage, sentences, DOCUMENT, max_sentences=2)
    spans = sorted((ev.start, ev.end) for ev in found)
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        assert e1 <= s2
    for ev in found:
        inside = [s for s in sentences if ev.start <= s[0] and s[1] <= ev.end]
        assert 1 <= len(inside) <= 2


def test_facet_selects_roles_and_terms() -> None:
    passage = _passage(DOCUMENT, PARAGRAPH)
    sentences = _sentences(DOCUMENT, passage.start, passage.end)
    barriers = candidates(passage, sentences, DOCUMENT, facet="barriers")
    assert barriers and all(ev.role is Role.BARRIER for ev in barriers)
    assert any("turnover" in ev.quote for ev in barriers)
    assert barriers[0].facet == "barriers"
    assert any("Sufficient funds" in code for ev in barriers for code in ev.codes)
    facilitators = candidates(passage, sentences, DOCUMENT, facet="facilitators")
    assert [ev.role for ev in facilitators] == [Role.FACILITATOR]
    assert "champions" in facilitators[0].quote
    by_term = candidates(passage, sentences, DOCUMENT, query_terms=["pandemic"])
    assert any("COVID-19" in ev.quote for ev in by_term)
    assert "pandemic" in by_term[0].reason


def test_short_fragment_only_joined_with_neighbours() -> None:
    body = "One participant said: Go. That would be pretty hard for us to do with our small staff capacity."
    text = "x\n\n" + body
    passage = _passage(text, body)
    sentences = [(3, 24), (25, 28), (29, len(text))]
    assert text[25:28] == "Go."
    for ev in candidates(passage, sentences, text):
        assert ev.quote != "Go."
        assert ev.quote == text[ev.start : ev.end]


def test_boilerplate_between_sentences_becomes_an_ellipsis() -> None:
    body = (
        "Youth engagement was critical to the campaign in every county. Figure 2. "
        "This momentum helped coalitions persuade skeptical council members to act."
    )
    text = "T\n\n" + body
    passage = _passage(text, body)
    sentences = _sentences(text, passage.start, passage.end)
    assert is_noise("Figure 2.")
    found = candidates(passage, sentences, text, query_terms=["youth", "council"])
    with_pieces = [ev for ev in found if ev.pieces]
    assert with_pieces, "both terms sit on either side of the figure line: one quote should skip it"
    for ev in with_pieces:
        assert ev.quote == join_pieces(text, ev.pieces)
        assert "Figure 2" not in ev.quote
        assert verify(ev.quote, ev.start, ev.end, text, pieces=ev.pieces).status == "exact"


def test_titles_and_references_are_not_quoted() -> None:
    body = (
        "Rural Health Disparities: Contemporary Solutions for Persistent Rural Public Health Challenges. "
        "Schulze MB, Martínez-González MA, Fung TT, Lichtenstein AH, Forouhi NG. "
        "Rural health departments faced persistent challenges in recruiting staff for the program."
    )
    text = "T\n\n" + body
    passage = _passage(text, body)
    found = candidates(passage, _sentences(text, passage.start, passage.end), text)
    assert [ev.quote for ev in found] == [
        "Rural health departments faced persistent challenges in recruiting staff for the program."
    ]
    assert found[0].role is Role.BARRIER
    # Many capitalised names, but a lower-case verb: prose, not a title.
    assert not is_title(
        "The Los Angeles County Department of Public Health Nutrition and Physical Activity Program funded it."
    )


def test_cell_spans() -> None:
    row = "Stakeholder engagement |  Building partnerships with administrators. | "
    spans = cell_spans(row, 100)
    assert [(s - 100, e - 100) for s, e in spans] == [(0, 22), (26, 68)]


def test_table_row_takes_role_from_table_label_and_theme_from_first_cell() -> None:
    row = (
        "Lack of staff nutrition knowledge | County departments have limited staff capacity, training, "
        "and nutrition knowledge to implement nutrition standards."
    )
    text = "Table 4. Facilitators and challenges\n\n" + row + "\n\nAfter."
    passage = _passage(text, row, kind=BlockKind.TABLE_ROW, label="Challenges")
    found = candidates(passage, [], text)
    assert len(found) == 1
    ev = found[0]
    assert ev.role is Role.BARRIER
    assert "Challenges" in ev.reason
    assert ev.label == "Lack of staff nutrition knowledge"
    assert ev.quote.startswith("County departments")
    assert ev.quote == text[ev.start : ev.end]

    good = "Stakeholder engagement | Building partnerships with county administrators and contract managers."
    text2 = "T\n\n" + good
    facilitator = candidates(_passage(text2, good, kind=BlockKind.TABLE_ROW, label="Facilitator"), [], text2)
    assert [(e.role, e.label) for e in facilitator] == [(Role.FACILITATOR, "Stakeholder engagement")]


def test_table_row_without_role_label_uses_text() -> None:
    row = "Smaller vendors have less capacity (resources and staffing) to implement nutrition standards."
    text = "T\n\n" + row
    found = candidates(_passage(text, row, kind=BlockKind.TABLE_ROW, label="Themes"), [], text)
    assert len(found) == 1 and found[0].role is Role.BARRIER and found[0].label == ""


@pytest.mark.parametrize(
    ("theme", "role"),
    [("Trusted community messengers", Role.FACILITATOR), ("Low reimbursement rates", Role.BARRIER)],
)
def test_table_row_theme_read_as_a_factor_phrase_gives_the_role(theme: str, role: Role) -> None:
    row = f"{theme} | Staff at the three clinics described how this worked in the first year of the program."
    text = "T\n\n" + row
    found = candidates(_passage(text, row, kind=BlockKind.TABLE_ROW, label="Theme"), [], text)
    assert [(e.role, e.label) for e in found] == [(role, theme)]
    assert found[0].reason.startswith("row theme: factor phrase")
    assert found[0].quote == text[found[0].start : found[0].end]


def test_table_row_of_numbers_gives_nothing() -> None:
    row = "Alpine County | NA | 738.33 | D | NA"
    text = "T\n\n" + row
    assert candidates(_passage(text, row, kind=BlockKind.TABLE_ROW, label="Facilitators"), [], text) == []


@pytest.mark.parametrize(
    ("row", "label"),
    [
        # A review's table of the studies it included: each row describes a study.
        (
            "Carnie et al, 2013, US (35) | Mixed: in-person at the workplace and online through a web application",
            "Author, year, country",
        ),
        (
            "Baetge et al, 2017, US (28) | Women taking part gained support from their peers and lost more weight",
            "",
        ),
        # A questionnaire's items under their rating scale.
        (
            "Self-efficacy | I can remain calm when facing difficulties because I can rely on my coping abilities",
            "Policy-related self-efficacy (1 = not at all true; 4 = exactly true)",
        ),
    ],
)
def test_rows_of_included_studies_and_questionnaire_items_are_not_quoted(row: str, label: str) -> None:
    text = "T\n\n" + row
    assert candidates(_passage(text, row, kind=BlockKind.TABLE_ROW, label=label), [], text) == []


# --- Real articles through the real reader and segmenter -----------------------------------------

ARTICLES = ["23_0220", "23_0283", "24_0156", "24_0003"]


@pytest.mark.parametrize("article", ARTICLES)
def test_sample_articles_give_exact_whole_sentence_quotes(article: str) -> None:
    path = SHARED / "library" / "pcd2024" / f"{article}.htm"
    if not path.exists():
        pytest.skip("shared sample library not present")
    from researchdesk.ingest.pipeline import segment
    from researchdesk.ingest.readers.html import HtmlReader
    from researchdesk.ingest.segment import build_text
    from researchdesk.settings import Settings

    result = HtmlReader().read(path, path.read_bytes(), Settings())
    text, spans = build_text(result.blocks)
    passages, sentences = segment(text, spans)
    total = 0
    table_roles: set[Role] = set()
    for passage in passages:
        own = [(s.start, s.end) for s in sentences if s.passage_seq == passage.seq]
        for facet, terms in (("barriers", ["staff", "policy"]), ("facilitators", ["partnership"]), ("", [])):
            for ev in candidates(passage, own, text, facet=facet, query_terms=terms):
                total += 1
                pieces = ev.pieces or [(ev.start, ev.end)]
                assert ev.quote == join_pieces(text, pieces)
                assert verify(ev.quote, ev.start, ev.end, text, pieces=ev.pieces).status == "exact"
                if passage.kind == BlockKind.TABLE_ROW:
                    table_roles.add(ev.role)
                    assert passage.start <= ev.start < ev.end <= passage.end
                else:
                    starts = {s for s, _ in own}
                    ends = {e for _, e in own}
                    assert all(s in starts and e in ends for s, e in pieces), ev.quote
    assert total > 20
    if article == "23_0220":
        assert {Role.BARRIER, Role.FACILITATOR} <= table_roles


def test_a_second_header_row_under_column_groups_labels_no_rows(tmp_path: Path) -> None:
    from researchdesk.ingest.readers.html import HtmlReader
    from researchdesk.settings import Settings

    page = tmp_path / "table.html"
    page.write_text(
        "<html><body><h1>Data sources</h1><table><caption>Table 1. Attributes of two data sources</caption>"
        "<thead><tr><th rowspan='2'>Attribute</th><th colspan='2'>Surveys</th><th colspan='2'>Records</th></tr>"
        "<tr><th>Strengths</th><th>Weaknesses</th><th>Strengths</th><th>Weaknesses</th></tr></thead>"
        "<tbody><tr><th>Timeliness</th><td>NA</td><td>Can take years between data collection and availability</td>"
        "<td>Available soon after collected</td><td>NA</td></tr></tbody></table></body></html>",
        encoding="utf-8",
    )
    rows = [
        b
        for b in HtmlReader().read(page, page.read_bytes(), Settings()).blocks
        if b.kind == BlockKind.TABLE_ROW
    ]
    # "Strengths" heads the second column only: it must not file the weaknesses beside it as strengths.
    assert [b.label for b in rows] == ["Attribute"]


def test_a_paragraph_turning_to_its_limitations_is_not_quoted_from_there_on() -> None:
    # Limitations announced part-way through a paragraph: the findings before are quotable, the numbered
    # limitations after are not, in this passage and in the next passage cut from the same paragraph; the next
    # paragraph is quotable again.
    head = (
        "Counties with high poverty had a higher prevalence of chronic kidney disease than other counties. "
        "Although our study sheds light on the correlation between poverty and kidney disease, it has "
        "limitations in addressing the multifaceted nature of poverty. "
        "First, individual-level poverty also plays a crucial role in kidney disease risk. "
    )
    rest = "Second, we identified kidney disease from diagnosis codes because we lacked laboratory data. "
    after = (
        "Screening programs in high-poverty counties found more undiagnosed kidney disease than elsewhere."
    )
    document = "Discussion\n\n" + head + rest + "\n\n" + after
    first = _passage(document, head.strip())
    quoted = " ".join(
        ev.quote for ev in candidates(first, _sentences(document, first.start, first.end), document)
    )
    assert "higher prevalence of chronic kidney disease" in quoted
    assert "sheds light" not in quoted and "individual-level poverty" not in quoted
    second = _passage(document, rest.strip())
    assert candidates(second, _sentences(document, second.start, second.end), document) == []
    third = _passage(document, after)
    assert candidates(third, _sentences(document, third.start, third.end), document)
