"""CSL references through citeproc-py: APA 7 by default, other styles by name, never invented fields."""

from __future__ import annotations

import re

import pytest

from researchdesk.brief.citations import (
    CitationItem,
    available_styles,
    format_each,
    format_references,
    minimal_reference,
    plain_text,
    resolve_style,
    to_csl_json,
)
from researchdesk.errors import UnknownChoice
from researchdesk.models import DocumentMeta, SourceType

ARTICLE = DocumentMeta(
    title="Barriers and facilitators to adopting local tobacco retail policies",
    authors=["Smith, Jane A.", "Lee, Min"],
    container="Preventing Chronic Disease",
    publisher="Centers for Disease Control and Prevention",
    date="2024-03-14",
    url="https://www.cdc.gov/pcd/issues/2024/23_0123.htm",
    doi="10.5888/pcd21.230123",
    source_type=SourceType.JOURNAL_ARTICLE,
)
REPORT = DocumentMeta(
    title="Healthy food procurement in county facilities",
    publisher="Springfield County Health Department",
    date="2023-05",
    url="https://example.org/report.pdf",
    source_type=SourceType.REPORT,
)
WEB = CitationItem(
    title="Tobacco 21 laws",
    container="Public Health Law Center",
    url="https://example.org/t21",
    source_type=SourceType.NEWS_WEB,
)


def test_apa_journal_article_with_doi() -> None:
    [ref] = format_references([ARTICLE])
    assert ref.startswith("Smith, J. A., &amp; Lee, M. (2024). Barriers and facilitators to adopting local")
    assert "<i>Preventing Chronic Disease</i>" in ref
    assert ref.endswith("https://doi.org/10.5888/pcd21.230123")
    assert plain_text(ref).startswith("Smith, J. A., & Lee, M. (2024).")
    assert "<" not in plain_text(ref)


def test_bibliography_order_and_input_order() -> None:
    items = [ARTICLE, REPORT, WEB]
    sorted_refs = format_references(items)
    in_order = format_each(items)
    assert sorted(sorted_refs) == sorted(in_order)
    assert in_order[0].startswith("Smith")
    # APA sorts by the first element (author or, without one, title): H…, S…, T…
    assert [plain_text(r)[0] for r in sorted_refs] == ["H", "S", "T"]


def test_authorless_work_does_not_repeat_its_title() -> None:
    for style in ("apa", "chicago-author-date", "modern-language-association", "harvard-cite-them-right"):
        [ref] = format_references([REPORT], style)
        words = plain_text(ref).lower()
        assert words.count("healthy food procurement") == 1, (style, ref)


def test_missing_fields_are_not_invented() -> None:
    [ref] = format_references([CitationItem(title="Undated memo", publisher="City Manager")])
    text = plain_text(ref)
    assert "(n.d.)" in text
    assert "http" not in text and "doi" not in text.lower()
    record = to_csl_json(CitationItem(title="Undated memo"))
    assert set(record) == {"id", "type", "title"}


def test_hostile_text_is_escaped() -> None:
    item = CitationItem(
        title="<script>alert(1)</script> & more",
        authors=["O'Neil, Ann"],
        date="2022",
        container="Journal <b>X</b>",
        source_type=SourceType.JOURNAL_ARTICLE,
    )
    [ref] = format_references([item])
    assert "<script>" not in ref and "<b>" not in ref
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in ref
    assert "<i>Journal &lt;b&gt;X&lt;/b&gt;</i>" in ref
    assert "<script>alert(1)</script> & more" in plain_text(ref)


def test_csl_json_conversion() -> None:
    record = to_csl_json(ARTICLE, "a1")
    assert record["type"] == "article-journal"
    assert record["author"] == [{"family": "Smith", "given": "Jane A."}, {"family": "Lee", "given": "Min"}]
    assert record["issued"] == {"date-parts": [[2024, 3, 14]]}
    assert (
        record["DOI"] == "10.5888/pcd21.230123" and record["container-title"] == "Preventing Chronic Disease"
    )
    assert to_csl_json(REPORT)["type"] == "report"
    assert to_csl_json(REPORT)["issued"] == {"date-parts": [[2023, 5]]}
    assert to_csl_json(WEB)["type"] == "webpage"
    org = to_csl_json(CitationItem(title="x", authors=["World Health Organization"]))
    assert org["author"] == [{"literal": "World Health Organization"}]


@pytest.mark.parametrize(
    "style",
    [
        "apa",
        "chicago-author-date",
        "harvard-cite-them-right",
        "ieee",
        "vancouver",
        "modern-language-association",
    ],
)
def test_every_named_style_formats_all_kinds(style: str) -> None:
    refs = format_references([ARTICLE, REPORT, WEB], style)
    assert len(refs) == 3
    joined = plain_text(" ".join(refs)).lower()
    for title in ("barriers and facilitators to adopting", "healthy food procurement", "tobacco 21 laws"):
        assert title in joined, (style, refs)
    # citeproc-py leaves "[1]J." / "1.Smith" / "2023May"; the output is tidied
    assert not re.search(r"^(\[\d+\]|\d+\.)\S", refs[0])
    assert not re.search(r"\d{4}[A-Z][a-z]{2}", " ".join(refs))


def test_ieee_numbers_in_citation_order() -> None:
    refs = format_references([REPORT, ARTICLE], "ieee")
    assert refs[0].startswith("[1] ") and "Healthy food" in refs[0]
    assert refs[1].startswith("[2] ")


def test_styles_and_unknown_style() -> None:
    names = available_styles()
    assert {"apa", "chicago-author-date", "ieee", "vancouver", "modern-language-association"} <= set(names)
    assert resolve_style("APA").endswith("apa.csl")
    assert resolve_style("elsevier-harvard").endswith(".csl")  # any shipped style id works
    with pytest.raises(UnknownChoice) as info:
        format_references([ARTICLE], "no-such-style")
    assert "apa" in str(info.value) and "ieee" in str(info.value)
    with pytest.raises(UnknownChoice):
        resolve_style("../../etc/passwd")


def test_citeproc_failure_falls_back_to_minimal_reference() -> None:
    # citeproc-py cannot format a non-numeric date part; the brief still gets a clear reference.
    bad = {
        "type": "article-journal",
        "title": "Seasonal report",
        "issued": {"date-parts": [["spring"]]},
        "container-title": "Bulletin",
        "DOI": "10.1/x",
    }
    [ref] = format_references([bad])
    assert ref == minimal_reference({**bad, "id": "ref-0"})
    assert "Seasonal report." in ref and "<i>Bulletin</i>" in ref and "https://doi.org/10.1/x" in ref


def test_empty_list() -> None:
    assert format_references([]) == []


def test_personal_names_without_commas_become_family_and_given() -> None:
    from researchdesk.brief.citations import CitationItem, format_references

    [ref] = format_references(
        [
            CitationItem(
                title="A study",
                authors=["Dana Guglielmo"],
                container="Preventing Chronic Disease",
                date="2024",
            )
        ]
    )
    assert ref.startswith("Guglielmo, D.")
    [org] = format_references(
        [CitationItem(title="A report", authors=["Centers for Disease Control and Prevention"], date="2023")]
    )
    assert org.startswith("Centers for Disease Control and Prevention")
