"""HTML reader: the main text of a saved web page, without navigation, banners, menus and footers.

Uses selectolax (Lexbor), a fast HTML5 parser. Main-text extraction is structural: drop elements that
are site chrome by tag, ARIA role or class/id, pick the main content root (``<main>``, ``role=main``,
``<article>``, else the body), then keep block elements whose text is not mostly links.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from researchdesk.errors import EmptyFile
from researchdesk.ingest.metadata import clean_text, guess_language, normalize_date, normalize_doi
from researchdesk.ingest.readers.decoding import decode_text
from researchdesk.ingest.titles import byline_authors, is_byline
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult, SourceType
from researchdesk.settings import Settings

_DROP_TAGS = (
    "script, style, noscript, template, svg, iframe, form, button, select, input, nav, header, footer, "
    "aside, object, embed, canvas, video, audio, map"
)
_DROP_ROLES = ("navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar", "dialog")
_CHROME = re.compile(
    r"(^|[\s_-])(nav|navbar|navigation|menu|breadcrumbs?|footer|site-header|page-header|sidebar|share|"
    r"social|cookie|skip|skipmenu|dropdown|related-pages|leftnav|banner|toolbar|pagination|"
    r"advert|promo|subscribe|newsletter|print-link|title-bar|on-this-page|tp-on-this-page|altmetric)"
    r"($|[\s_-])",
    re.IGNORECASE,
)
_BLOCK_TAGS = {"p", "li", "blockquote", "pre", "dd", "dt", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6"}
_CONTAINER_TAGS = {"div", "section", "article", "main", "body", "ul", "ol", "dl", "figure", "td", "span"}
_HEADING = re.compile(r"^h([1-6])$")
_TAGS = re.compile(r"<[^>]{0,200}>")
_JOURNAL_TYPES = ("article", "journal")


class HtmlReader:
    format = "html"
    extensions = (".html", ".htm", ".xhtml")

    def sniff(self, head: bytes, suffix: str) -> bool:
        sample = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if sample.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in head[:8192].lower():
            return True
        return suffix in self.extensions and b"<" in sample[:200] and b"%pdf" not in sample[:8]

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        text, encoding = decode_text(data, path, _declared_charset(data))
        if not text.strip():
            raise EmptyFile(path, "the page has no content", "Check the file was saved completely.")
        tree = LexborHTMLParser(text)
        meta = _metadata(tree)
        published = _page_published(tree)
        _strip_chrome(tree)
        root = _content_root(tree)
        blocks = _blocks(root) if root is not None else []
        if not meta.title:
            h1 = next((b.text for b in blocks if b.kind is BlockKind.HEADING and b.level == 1), "")
            meta.title = h1
        if len(meta.authors) <= 1:
            # Some pages' metadata name only the first author; the printed byline names them all.
            named = next((byline_authors(b.text) for b in blocks[:12] if is_byline(b.text)), [])
            if len(named) > len(meta.authors) and (
                not meta.authors or _same_person(meta.authors[0], named[0])
            ):
                meta.authors = named
        if not blocks:
            raise EmptyFile(
                path,
                "no readable text in the page (only scripts, menus or images)",
                "Save the page as 'Web page, complete' after it has loaded, or print it to PDF.",
            )
        if len(meta.date) <= 4:
            # A bare year is common in citation_* tags: the printed dateline, else the page's own
            # first-published date, refines it when it agrees.
            fuller = _dateline(blocks, meta.date) or published
            if fuller.startswith(meta.date):
                meta.date = fuller
        if not meta.language:
            meta.language = guess_language(" ".join(b.text for b in blocks[:50]))
        warnings = [] if encoding in ("utf-8", "ascii") else [f"decoded as {encoding}"]
        return ReadResult(meta=meta, blocks=blocks, format=self.format, pages=0, warnings=warnings)


READER = HtmlReader()


_DATELINE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+\d{1,2},\s+\d{4}\b"
)


def _dateline(blocks: list[Block], year: str) -> str:
    """Return the date printed in a short line near the top (a dateline) when it agrees with ``year``."""
    for block in blocks[:8]:
        if block.kind is BlockKind.HEADING and block.level > 1:
            break
        m = _DATELINE.search(block.text) if len(block.text) < 200 else None
        if m:
            date = normalize_date(m.group(0))
            if not year or date.startswith(year):
                return date
    return ""


def _declared_charset(data: bytes) -> str:
    m = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", data[:4096], re.IGNORECASE)
    return m.group(1).decode("ascii", "ignore").lower() if m else ""


def _metas(tree: LexborHTMLParser) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node in tree.css("meta"):
        key = (node.attributes.get("name") or node.attributes.get("property") or "").strip().lower()
        # Some sites put markup inside meta values (<i>…</i> in a title): keep the words only.
        value = clean_text(_TAGS.sub("", html_lib.unescape(node.attributes.get("content") or "")))
        if key and value:
            found.setdefault(key, []).append(value)
    return found


def _first(metas: dict[str, list[str]], *keys: str) -> str:
    for key in keys:
        if metas.get(key):
            return metas[key][0]
    return ""


def _page_published(tree: LexborHTMLParser) -> str:
    """Return the page's own first-published date (site-specific meta tags), or ""."""
    m = _metas(tree)
    return normalize_date(_first(m, "article:published_time", "dc.date.issued", "cdc:first_published"))


def _metadata(tree: LexborHTMLParser) -> DocumentMeta:
    m = _metas(tree)
    title_node = tree.css_first("title")
    title = _first(m, "citation_title", "dc.title", "og:title") or (
        clean_text(title_node.text()) if title_node is not None else ""
    )
    authors = m.get("citation_author") or m.get("dc.creator") or m.get("author") or []
    container = _first(m, "citation_journal_title", "citation_conference_title", "og:site_name")
    publisher = _first(m, "citation_publisher", "dc.publisher")
    date = normalize_date(
        _first(
            m,
            "citation_publication_date",
            "citation_date",
            "citation_online_date",
            "dc.date.issued",
            "article:published_time",
            "dc.date",
        )
    )
    doi = normalize_doi(_first(m, "citation_doi", "dc.identifier", "prism.doi"))
    url = _first(m, "citation_abstract_html_url", "citation_fulltext_html_url", "og:url", "dc.identifier.uri")
    if not url:
        canonical = tree.css_first('link[rel="canonical"]')
        url = (canonical.attributes.get("href") or "") if canonical is not None else ""
    if url and not url.startswith(("http://", "https://")):
        url = ""
    html_node = tree.css_first("html")
    language = _first(m, "citation_language", "dc.language") or (
        (html_node.attributes.get("lang") or "") if html_node is not None else ""
    )
    language = language.split("-")[0].lower()[:2] if language else ""
    keywords = [k.strip() for k in _first(m, "citation_keywords", "keywords").split(";") if k.strip()]
    source_type = SourceType.OTHER
    if container and _first(m, "citation_journal_title", "citation_issn"):
        source_type = SourceType.JOURNAL_ARTICLE
    elif _first(m, "citation_technical_report_institution", "citation_technical_report_number"):
        source_type = SourceType.REPORT
        publisher = publisher or _first(m, "citation_technical_report_institution")
    elif _first(m, "og:type").lower() in _JOURNAL_TYPES or url:
        source_type = SourceType.NEWS_WEB
    return DocumentMeta(
        title=title,
        authors=[clean_text(a) for a in authors],
        publisher=publisher,
        container=container,
        date=date,
        url=url,
        doi=doi,
        source_type=source_type,
        language=language,
        abstract=_first(m, "citation_abstract", "dc.description.abstract"),
        keywords=keywords,
    )


def _strip_chrome(tree: LexborHTMLParser) -> None:
    for node in tree.css(_DROP_TAGS):
        node.decompose()
    for node in tree.css("[role]"):
        if (node.attributes.get("role") or "").lower() in _DROP_ROLES and node.tag not in ("main", "body"):
            node.decompose()
    for node in tree.css("[class], [id]"):
        marker = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if node.tag in ("main", "body", "html", "article"):
            continue
        if _CHROME.search(marker) or _hidden(node):
            node.decompose()


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    style = (attrs.get("style") or "").replace(" ", "").lower()
    classes = (attrs.get("class") or "").split()
    if "hidden" in attrs or attrs.get("aria-hidden") == "true" or "display:none" in style:
        return True
    # Bootstrap: d-none hides, unless a breakpoint class shows it again (d-lg-block).
    return "d-none" in classes and not any(c.startswith("d-") and c.endswith("block") for c in classes)


def _content_root(tree: LexborHTMLParser) -> LexborNode | None:
    for selector in ("main", '[role="main"]', "article", "#content", ".content", "body"):
        node = tree.css_first(selector)
        if node is not None and len(node.text(strip=True)) > 200:
            return node
    return tree.body


def _blocks(root: LexborNode) -> list[Block]:
    blocks: list[Block] = []
    _walk(root, blocks)
    return [b for b in blocks if b.text]


def _walk(node: LexborNode, out: list[Block]) -> None:
    child = node.child
    while child is not None:
        tag = child.tag
        if tag == "-text":
            pass
        elif tag == "table":
            out.extend(_table_blocks(child))
        elif tag in _BLOCK_TAGS and not _has_block_child(child):
            block = _block(child)
            if block is not None:
                out.append(block)
        elif tag in _BLOCK_TAGS or tag in _CONTAINER_TAGS or _has_block_child(child):
            loose = _loose_text(child)
            if loose:
                out.append(Block(text=loose))
            _walk(child, out)
        else:
            text = _text(child)
            if len(text) > 40 and not _linky(child, text):
                out.append(Block(text=text))
        child = child.next


def _has_block_child(node: LexborNode) -> bool:
    child = node.child
    while child is not None:
        if child.tag in _BLOCK_TAGS or child.tag in ("div", "table", "ul", "ol", "section"):
            return True
        child = child.next
    return False


def _loose_text(node: LexborNode) -> str:
    """Return text sitting directly in a container next to block children (e.g. div > text + p)."""
    parts = []
    child = node.child
    while child is not None:
        if child.tag == "-text":
            parts.append(child.text_content or "")
        elif child.tag in ("a", "b", "strong", "i", "em", "span", "sup", "sub", "br"):
            parts.append(" " if child.tag == "br" else child.text())
        child = child.next
    text = clean_text(html_lib.unescape("".join(parts)))
    return text if len(text) > 40 else ""


def _block(node: LexborNode) -> Block | None:
    text = _text(node)
    if not text:
        return None
    heading = _HEADING.match(node.tag or "")
    if heading and not is_byline(text):
        return Block(text=text, kind=BlockKind.HEADING, level=int(heading.group(1)))
    if heading:
        return Block(text=text)  # an author line set as a heading is not a section of the document
    if _linky(node, text):
        return None
    if node.tag == "li":
        return Block(text=text, kind=BlockKind.LIST_ITEM)
    if node.tag == "p" and len(text) <= 120 and _all_bold(node, text):
        # A paragraph that is one bold phrase is a run-in heading ("Purpose and Objectives").
        return Block(text=text, kind=BlockKind.HEADING, level=6)
    if node.tag == "figcaption":
        return Block(text=text, kind=BlockKind.CAPTION)
    return Block(text=text)


def _same_person(a: str, b: str) -> bool:
    return a.split()[-1].lower() == b.split()[-1].lower() if a.split() and b.split() else False


def _all_bold(node: LexborNode, text: str) -> bool:
    bold = " ".join(_text(b) for b in node.css("b, strong"))
    return bool(bold) and clean_text(bold) == text


def _text(node: LexborNode) -> str:
    return clean_text(node.text(deep=True, separator=""))


def _linky(node: LexborNode, text: str) -> bool:
    """Return True for menus and link lists: short text made mostly of links."""
    link_chars = sum(len(clean_text(a.text())) for a in node.css("a"))
    return link_chars > 0.8 * len(text) and len(text) < 200


def _rowspan(cell: LexborNode) -> int:
    """Return how many rows a table cell spans (1 when it does not say, or says nonsense)."""
    value = (cell.attributes.get("rowspan") or "1").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 100 else 1


def _table_blocks(table: LexborNode) -> list[Block]:
    """Return the caption and one TABLE_ROW block per row, labelled with the table's own headings."""
    out: list[Block] = []
    caption = table.css_first("caption")
    if caption is not None and _text(caption):
        out.append(Block(text=_text(caption), kind=BlockKind.CAPTION))
    label = ""
    header_seen = False
    spanned = 0  # header rows still under the first column's cell (rowspan) of a header row above
    for row in table.css("tr"):
        cells = [_text(c) for c in row.css("th, td")]
        cells = [c for c in cells if c]
        if not cells:
            continue
        all_th = all(c.tag == "th" for c in row.css("th, td"))
        in_head = row.parent is not None and row.parent.tag == "thead"
        if in_head or (not header_seen and all_th and len(cells) > 1):
            header_seen = True
            if spanned:
                # A second header row under a column group ("Strengths | Weaknesses" under each source):
                # its first cell heads the second column, not the rows.
                spanned -= 1
                continue
            label = cells[0]
            first = row.css_first("th, td")
            spanned = max(0, _rowspan(first) - 1) if first is not None else 0
            continue
        spanned = 0
        bold_row = all(
            c.css_first("b, strong") is not None and _text(c.css_first("b, strong")) == _text(c)  # type: ignore[arg-type]
            for c in row.css("th, td")
            if _text(c)
        )
        if len(cells) == 1 or bold_row:
            label = cells[0]  # a group row ("Barriers", "Challenges") labels the rows below it
            continue
        out.append(Block(text=" | ".join(cells), kind=BlockKind.TABLE_ROW, label=label))
    return out
