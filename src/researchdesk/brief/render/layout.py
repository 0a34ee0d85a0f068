"""The brief's template as plain data: which sections appear, in what order, with what text.

Every renderer walks the same ``Layout`` so the formats cannot drift apart: section order, quote
grouping by role, headings, dates and links are decided here once. Empty sections are simply not
in ``Layout.sections`` — a renderer never writes an empty heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from researchdesk.brief.render.markup import Run, parse_inline, runs_to_text
from researchdesk.models import ROLE_GROUPS, Brief, BriefQuote, BriefSource, RelatedItem, Role

# (key, heading) in the order of the service's template.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("prompt", "Request Prompt"),
    ("summary", "Summary of Findings"),
    ("background", "Background Research"),
    ("further_reading", "Further Reading"),
    ("next_steps", "Next Steps"),
    ("related_products", "You may also be interested in"),
    ("references", "References"),
)

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Characters XML 1.0 cannot hold (DOCX, and HTML treats them as errors): C0 controls but tab/newline.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SAFE_SCHEMES = {"http", "https", "mailto"}


def clean(text: str) -> str:
    """Return ``text`` without characters XML cannot hold; everything else is kept verbatim."""
    return _XML_ILLEGAL.sub("", text or "")


def one_line(text: str) -> str:
    """Return ``text`` cleaned and with line breaks folded to spaces (titles, quotes, labels)."""
    return " ".join(clean(text).split())


def human_date(value: str) -> str:
    """Return an ISO date as "March 14, 2024" / "March 2024" / "2024"; other text unchanged."""
    value = (value or "").strip()
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:[T ].*)?$", value)
    if not m:
        return one_line(value)
    year, month, day = m.groups()
    if month and 1 <= int(month) <= 12:
        name = _MONTHS[int(month) - 1]
        return f"{name} {int(day)}, {year}" if day and 1 <= int(day) <= 31 else f"{name} {year}"
    return year


def safe_url(url: str) -> str:
    """Return ``url`` when it is an http(s) or mailto link, else "" (no javascript: or file: links)."""
    url = one_line(url)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in _SAFE_SCHEMES else ""


def doi_url(doi: str) -> str:
    """Return the https://doi.org/ link of a DOI ("" when there is none)."""
    doi = one_line(doi)
    if not doi:
        return ""
    if doi.lower().startswith(("http://", "https://")):
        return safe_url(doi)
    doi = re.sub(r"^doi:\s*", "", doi, flags=re.IGNORECASE)
    return "https://doi.org/" + url_quote(doi, safe="/:;()._-")


def role_of(quote: BriefQuote) -> Role:
    """Return the quote's role as a ``Role`` (unknown values count as context)."""
    try:
        return Role(quote.role)
    except ValueError:
        return Role.CONTEXT


@dataclass
class QuoteGroup:
    """Quotes of one role group in a source block; ``heading`` is "" for the unlabelled group."""

    heading: str
    roles: tuple[Role, ...]
    quotes: list[BriefQuote]


@dataclass
class SourceBlock:
    """One Background Research block: heading parts, link and grouped quotes."""

    source: BriefSource
    title: str
    venue: str
    date: str
    href: str
    link_text: str
    authors: str
    groups: list[QuoteGroup]

    @property
    def heading(self) -> str:
        """Return "<Title>, <Publisher or container>, <Date>" (missing parts left out)."""
        return ", ".join(part for part in (self.title, self.venue, self.date) if part)


@dataclass
class RelatedBlock:
    """An item of Further Reading or You may also be interested in."""

    item: RelatedItem
    title: str
    container: str
    date: str
    href: str
    note: str

    @property
    def heading(self) -> str:
        """Return "<Title>, <Container>, <Date>" (missing parts left out)."""
        return ", ".join(part for part in (self.title, self.container, self.date) if part)


@dataclass
class Reference:
    """A formatted reference as runs, with a plain-text copy."""

    markup: str
    runs: list[Run]
    text: str


@dataclass
class Layout:
    """A brief arranged in the template; ``sections`` lists only the sections with content."""

    brief: Brief
    title: str
    meta: list[tuple[str, str]]
    service_paragraph: list[str]
    prompt: str
    summary: list[str]
    sources: list[SourceBlock]
    further_reading: list[RelatedBlock]
    next_steps: list[str]
    related_products: list[RelatedBlock]
    references: list[Reference]
    sections: list[tuple[str, str]] = field(default_factory=list)

    def has(self, key: str) -> bool:
        """Return True when the section ``key`` is shown."""
        return any(k == key for k, _ in self.sections)


def quote_groups(quotes: list[BriefQuote]) -> list[QuoteGroup]:
    """Return the quotes grouped by role in template order; empty groups are left out."""
    groups = []
    for roles, heading in ROLE_GROUPS:
        members = [q for q in quotes if role_of(q) in roles and q.text.strip()]
        if members:
            groups.append(QuoteGroup(heading, roles, members))
    return groups


def authors_line(authors: list[str], limit: int = 3) -> str:
    """Return up to ``limit`` author names ("Family, Given" shown as written) and "et al."."""
    names = [one_line(a) for a in authors if a and a.strip()]
    shown = "; ".join(names[:limit])
    return shown + (" et al." if len(names) > limit else "")


def build_layout(brief: Brief) -> Layout:
    """Return the brief arranged in the template, ready for any renderer."""
    sources = []
    for src in brief.sources:
        groups = quote_groups(src.quotes)
        if not groups:
            continue
        href = safe_url(src.url) or doi_url(src.doi)
        sources.append(
            SourceBlock(
                source=src,
                title=one_line(src.title) or "Untitled source",
                venue=one_line(src.container or src.publisher),
                date=human_date(src.date),
                href=href,
                link_text=(doi_url(src.doi) if src.doi else href),
                authors=authors_line(src.authors),
                groups=groups,
            )
        )
    references = []
    for ref in brief.references:
        if not (ref or "").strip():
            continue
        runs = parse_inline(clean(ref))
        references.append(Reference(markup=ref, runs=runs, text=runs_to_text(runs).strip()))
    layout = Layout(
        brief=brief,
        title=one_line(brief.title) or "Research Request",
        meta=_meta(brief),
        service_paragraph=_paragraphs(brief.service_paragraph),
        prompt=clean(brief.prompt).strip(),
        summary=[p for p in (one_line(s) for s in brief.summary) if p],
        sources=sources,
        further_reading=_related(brief.further_reading),
        next_steps=[s for s in (one_line(x) for x in brief.next_steps) if s],
        related_products=_related(brief.related_products),
        references=references,
    )
    present = {
        "prompt": bool(layout.prompt),
        "summary": bool(layout.summary),
        "background": bool(layout.sources),
        "further_reading": bool(layout.further_reading),
        "next_steps": bool(layout.next_steps),
        "related_products": bool(layout.related_products),
        "references": bool(layout.references),
    }
    layout.sections = [(key, heading) for key, heading in SECTIONS if present[key]]
    return layout


def _meta(brief: Brief) -> list[tuple[str, str]]:
    member = one_line(brief.member)
    if brief.requester and brief.requester.strip():
        member = f"{member} ({one_line(brief.requester)})" if member else one_line(brief.requester)
    pairs = [
        ("Member", member),
        ("Request", f"#{brief.request_id}" if brief.request_id else ""),
        ("Received", human_date(brief.received)),
        ("Due", human_date(brief.due)),
        ("Prepared by", one_line(brief.prepared_by)),
        ("Prepared on", human_date(brief.prepared_on)),
    ]
    return [(label, value) for label, value in pairs if value]


def _paragraphs(text: str) -> list[str]:
    return [one_line(p) for p in re.split(r"\n\s*\n", clean(text)) if p.strip()]


def _related(items: list[RelatedItem]) -> list[RelatedBlock]:
    return [
        RelatedBlock(
            item=item,
            title=one_line(item.title) or "Untitled",
            container=one_line(item.container),
            date=human_date(item.date),
            href=safe_url(item.url),
            note=one_line(item.note),
        )
        for item in items
        if (item.title or item.url).strip()
    ]
