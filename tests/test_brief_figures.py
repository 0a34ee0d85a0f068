"""The server-side SVG figures: counts, colours, escaping, and their place in the brief's appendix."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from researchdesk.brief.figures import (
    BARRIER_RGB,
    UNCODED,
    MapItem,
    evidence_map,
    funnel_stages,
    scan_funnel,
)
from researchdesk.brief.render.html import render_html, safe_figures
from researchdesk.models import Brief, BriefQuote, BriefSource, Evidence, ReviewStatus, Role
from researchdesk.work import ScanQuery

SVG = "{http://www.w3.org/2000/svg}"


def _cells(svg: str) -> dict[str, str]:
    """Return each counted cell's tooltip → its count."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        text = g.find(f"{SVG}text")
        assert title is not None and text is not None
        out[title.text or ""] = text.text or ""
    return out


def test_evidence_map_counts_sources_by_theme() -> None:
    items = [
        MapItem("Source A", "barrier", ("Resources: Sufficient funds",)),
        MapItem("Source A", "barrier", ("Resources: Skilled leadership",)),
        MapItem("Source A", "facilitator", ("Communication: Open and frequent",)),
        MapItem("Source B", "facilitator", ()),
    ]
    svg = evidence_map(items)
    cells = _cells(svg)
    assert cells["Source A — Resources: 2 barrier, 0 facilitator, 0 other"] == "2"
    assert cells["Source A — Communication: 0 barrier, 1 facilitator, 0 other"] == "1"
    assert cells[f"Source B — {UNCODED}: 0 barrier, 1 facilitator, 0 other"] == "1"
    # The all-barrier cell is the red end of the scale, at full strength (it holds the most quotes).
    assert f'fill="#{"".join(f"{c:02x}" for c in BARRIER_RGB)}"' in svg


def test_hostile_titles_are_escaped_and_pass_the_brief_guard() -> None:
    svg = evidence_map([MapItem('<script>alert(1)</script> x onload="y" javascript:z', "barrier", ())])
    ET.fromstring(svg)  # well-formed
    assert "<script" not in svg and "javascript:" not in svg and ' onload="' not in svg
    assert len(safe_figures({"map": svg})) == 1
    assert len(safe_figures({"funnel": scan_funnel([("passages found", 10), ("sources screened", 3)])})) == 1


def _scan_query(query_id: int, passages: int, documents: list[int]) -> ScanQuery:
    return ScanQuery(query_id, 1, 1, "barriers", "barriers", {}, "hybrid", passages, documents, "2024-01-01")


def test_funnel_stages_and_widths() -> None:
    log = [_scan_query(1, 12, [1, 2, 3]), _scan_query(2, 8, [3, 4])]
    evidence = [
        Evidence(1, 1, 0, 5, "a", Role.BARRIER, 0.9, "", status=ReviewStatus.ACCEPTED),
        Evidence(2, 2, 0, 5, "b", Role.BARRIER, 0.9, "", status=ReviewStatus.EDITED),
        Evidence(2, 2, 9, 15, "c", Role.FACILITATOR, 0.9, "", status=ReviewStatus.REJECTED),
    ]
    stages = funnel_stages(log, evidence)
    assert stages == [
        ("passages found", 20),
        ("sources screened", 4),
        ("quotes suggested", 3),
        ("quotes accepted", 2),
        ("sources quoted", 2),
    ]
    svg = scan_funnel(stages)
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)"', svg)]
    assert widths == sorted(widths, reverse=True) and widths[0] == 10 * widths[-1]
    assert "No scan yet" in scan_funnel([("passages found", 0)])


def test_figures_land_in_the_html_brief_appendix() -> None:
    quote = BriefQuote(
        1, 1, "Funding was short.", Role.BARRIER, "p. 2", 0, 18, codes=["Resources: Sufficient funds"]
    )
    source = BriefSource(1, "A study", "CDC", "PCD", "2024", "https://example.org", "", [], [quote])
    brief = Brief(
        1,
        1,
        "Title",
        "Member",
        "",
        "2024-01-01",
        "",
        "staff",
        "2024-01-02",
        "About.",
        "Q?",
        ["Summary."],
        [source],
        [],
        [],
        [],
        [],
    )
    brief.figures = {"Evidence map": evidence_map([MapItem("A study", "barrier", tuple(quote.codes))])}
    page = render_html(brief)
    appendix = page[page.index('id="appendix"') :]
    assert "<svg" in appendix and "Evidence map" in appendix and "Resources" in appendix


def test_evidence_map_fits_its_last_column_label_and_its_legend() -> None:
    import math

    for themes in (1, 3, 10):
        items = [
            MapItem("Source A", "barrier", (f"Theme number {t} with a long name: x",)) for t in range(themes)
        ]
        root = ET.fromstring(evidence_map(items))
        width = float(root.get("width") or 0)
        for text in root.iter(f"{SVG}text"):
            x, chars = float(text.get("x") or 0), len(text.text or "")
            # 12px sans-serif runs about 7px a character; a turned label reaches cos(35°) of that to the right
            reach = chars * 7 * (math.cos(math.radians(35)) if text.get("transform") else 1)
            assert x + reach <= width, (themes, text.text, x + reach, width)
        legend = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
        assert "barriers" in legend and "facilitators" in legend and "both" in legend
