"""Server-side SVG figures: the evidence map (sources × themes) and the scan funnel (found → screened → quoted).

The SVG is built as text with every label escaped (``=`` and ``:`` too, so the brief's figure guard
never mistakes a document title for an attribute or a link). Colours are presentation attributes,
not ``style``, so the pages' Content-Security-Policy needs no inline styles.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from researchdesk.desk import Desk
from researchdesk.models import Brief, Evidence, ReviewStatus, Role
from researchdesk.work import ScanQuery

UNCODED = "(no theme)"
BARRIER_RGB = (196, 60, 57)
FACILITATOR_RGB = (46, 125, 94)
OTHER_RGB = (110, 120, 140)
EVIDENCE_MAP = "Evidence map: sources × themes"
# How far a column label (22 characters at 12px, turned 35°) reaches right of its column's centre, plus a margin.
HEADER_REACH = 150
LEGEND_WIDTH = 640
SCAN_FUNNEL = "Scan funnel: found → screened → quoted"


@dataclass(frozen=True)
class MapItem:
    """One quote as the evidence map counts it."""

    source: str
    role: str
    codes: tuple[str, ...]


def _text(value: object, limit: int = 0) -> str:
    """Return ``value`` as escaped SVG text, shortened to ``limit`` characters."""
    text = " ".join(str(value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return html.escape(text, quote=True).replace("=", "&#61;").replace(":", "&#58;")


def theme_of(code: str) -> str:
    """Return the theme (codebook category) of a code "Category: Code"."""
    return code.split(":", 1)[0].strip() or code


def _mix(count_b: int, count_f: int, total: int, peak: int) -> str:
    if count_b + count_f:
        share = count_b / (count_b + count_f)
        rgb = tuple(
            round(b * share + f * (1 - share)) for b, f in zip(BARRIER_RGB, FACILITATOR_RGB, strict=True)
        )
    else:
        rgb = OTHER_RGB
    strength = 0.25 + 0.75 * (total / peak if peak else 0)
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02x}" for c in rgb)


def evidence_map(items: Iterable[MapItem], max_sources: int = 20, max_themes: int = 10) -> str:
    """Return an SVG grid of sources × themes; each cell counts quotes, coloured barrier (red) to facilitator (green)."""
    cells: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    per_source: Counter[str] = Counter()
    per_theme: Counter[str] = Counter()
    for item in items:
        themes = sorted({theme_of(c) for c in item.codes}) or [UNCODED]
        per_source[item.source] += 1
        for theme in themes:
            cells[(item.source, theme)][item.role] += 1
            per_theme[theme] += 1
    if not per_source:
        return _empty("No quotes yet: the evidence map fills in as evidence is reviewed.")
    sources = [s for s, _ in per_source.most_common(max_sources)]
    themes = [t for t, _ in per_theme.most_common(max_themes)]
    label_w, cell_w, cell_h, head_h = 300, 86, 26, 96
    # The last column's label leans right past its cell: leave room for it, and for the legend's line.
    width = max(label_w + cell_w * len(themes) + HEADER_REACH, LEGEND_WIDTH)
    height = head_h + cell_h * len(sources) + 46
    peak = max((sum(c.values()) for c in cells.values()), default=1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot evidence-map" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_text(EVIDENCE_MAP)}" font-family="sans-serif" '
        'font-size="12">',
        f"<title>{_text(EVIDENCE_MAP)}</title>",
    ]
    for j, theme in enumerate(themes):
        x = label_w + j * cell_w + cell_w / 2
        out.append(
            f'<text x="{x:.0f}" y="{head_h - 8}" transform="rotate(-35 {x:.0f} {head_h - 8})" '
            f'fill="#222">{_text(theme, 22)}</text>'
        )
    for i, source in enumerate(sources):
        y = head_h + i * cell_h
        out.append(f'<text x="4" y="{y + 17}" fill="#222">{_text(source, 46)}</text>')
        for j, theme in enumerate(themes):
            counts = cells.get((source, theme))
            x = label_w + j * cell_w
            if not counts:
                out.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="#f4f4f4"/>'
                )
                continue
            total = sum(counts.values())
            b, f = counts.get(Role.BARRIER.value, 0), counts.get(Role.FACILITATOR.value, 0)
            tip = f"{source} — {theme}: {b} barrier, {f} facilitator, {total - b - f} other"
            out.append(
                f'<g><title>{_text(tip)}</title><rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{_mix(b, f, total, peak)}"/>'
                f'<text x="{x + cell_w / 2:.0f}" y="{y + 17}" text-anchor="middle" fill="#111">{total}</text></g>'
            )
    legend_y = head_h + len(sources) * cell_h + 22
    out.append(
        f'<text x="4" y="{legend_y}" fill="#222">Colour:</text>'
        f'<rect x="56" y="{legend_y - 11}" width="14" height="14" fill="{_mix(1, 0, 1, 1)}"/>'
        f'<text x="76" y="{legend_y}" fill="#222">barriers</text>'
        f'<rect x="140" y="{legend_y - 11}" width="14" height="14" fill="{_mix(1, 1, 2, 2)}"/>'
        f'<text x="160" y="{legend_y}" fill="#222">both</text>'
        f'<rect x="200" y="{legend_y - 11}" width="14" height="14" fill="{_mix(0, 1, 1, 1)}"/>'
        f'<text x="220" y="{legend_y}" fill="#222">facilitators</text>'
        f'<rect x="300" y="{legend_y - 11}" width="14" height="14" fill="{_mix(0, 0, 1, 1)}"/>'
        f'<text x="320" y="{legend_y}" fill="#222">other roles · number = quotes, darker = more</text>'
    )
    out.append("</svg>")
    return "".join(out)


def scan_funnel(stages: list[tuple[str, int]]) -> str:
    """Return an SVG funnel: one centred bar per stage, width proportional to its count."""
    if not stages or not stages[0][1]:
        return _empty("No scan yet: run the scan to see what was found.")
    width, bar_h, gap, left = 640, 34, 8, 190
    height = len(stages) * (bar_h + gap) + 30
    peak = max(count for _, count in stages) or 1
    span = width - left - 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot scan-funnel" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_text(SCAN_FUNNEL)}" font-family="sans-serif" '
        'font-size="13">',
        f"<title>{_text(SCAN_FUNNEL)}</title>",
    ]
    shades = ("#1f4e79", "#2e6da4", "#4a90c2", "#7fb3d9", "#a9cde8")
    for i, (label, count) in enumerate(stages):
        y = 10 + i * (bar_h + gap)
        w = max(2.0, span * count / peak)
        x = left + (span - w) / 2
        out.append(f'<text x="4" y="{y + 22}" fill="#222">{_text(label, 28)}</text>')
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{shades[i % len(shades)]}"/>'
        )
        # Light bars get dark figures, dark bars light ones.
        ink = "#fff" if i % len(shades) < 3 else "#0d2238"
        out.append(
            f'<text x="{left + span / 2:.0f}" y="{y + 22}" text-anchor="middle" fill="{ink}" '
            f'font-weight="bold">{count}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _empty(message: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" class="plot empty" width="480" height="40" viewBox="0 0 480 40" '
        f'role="img" font-family="sans-serif" font-size="13"><text x="4" y="24" fill="#555">{_text(message)}</text></svg>'
    )


def funnel_stages(scan_log: list[ScanQuery], evidence: list[Evidence]) -> list[tuple[str, int]]:
    """Return the funnel of a scan: passages found, sources screened, quotes suggested, accepted, sources quoted."""
    docs = {d for entry in scan_log for d in entry.documents}
    usable = [e for e in evidence if e.status in (ReviewStatus.ACCEPTED, ReviewStatus.EDITED)]
    return [
        ("passages found", sum(e.passages for e in scan_log)),
        ("sources screened", len(docs)),
        ("quotes suggested", len(evidence)),
        ("quotes accepted", len(usable)),
        ("sources quoted", len({e.document_id for e in usable})),
    ]


def request_figures(desk: Desk, evidence: list[Evidence], log: list[ScanQuery]) -> dict[str, str]:
    """Return the request page's figures from a request's current evidence (accepted, or else suggested)
    and its scan log (both as the page has already read them)."""
    usable = [e for e in evidence if e.status in (ReviewStatus.ACCEPTED, ReviewStatus.EDITED)]
    shown = usable or [e for e in evidence if e.status == ReviewStatus.SUGGESTED]
    titles = desk.store.document_titles({e.document_id for e in shown})
    items = [
        MapItem(titles.get(e.document_id, f"document {e.document_id}"), str(e.role), tuple(e.codes))
        for e in shown
    ]
    return {
        EVIDENCE_MAP: evidence_map(items),
        SCAN_FUNNEL: scan_funnel(funnel_stages(log, evidence)),
    }


def brief_figures(desk: Desk, brief: Brief) -> dict[str, str]:
    """Return the brief's appendix figures: its own quotes mapped, and the scan that fed it."""
    items = [
        MapItem(s.title or f"document {s.document_id}", str(q.role), tuple(q.codes))
        for s in brief.sources
        for q in s.quotes
    ]
    figures = {EVIDENCE_MAP: evidence_map(items)}
    log = desk.store.scan_log(brief.request_id)
    if log:
        stages = funnel_stages(log, desk.store.evidence_for(brief.request_id))
        stages[-2:] = [
            ("quotes in the brief", sum(len(s.quotes) for s in brief.sources)),
            ("sources quoted", len(brief.sources)),
        ]
        figures[SCAN_FUNNEL] = scan_funnel(stages)
    return figures
