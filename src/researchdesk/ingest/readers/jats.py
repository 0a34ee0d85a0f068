"""JATS XML reader: journal articles as PubMed Central and Europe PMC give them (``fullTextXML``, ``.nxml``).

The article's own structure is kept. From ``<front>``: title, authors, journal, publisher, date, DOI,
and the abstract under an "Abstract" heading (a structured abstract's parts as sub-headings). From
``<body>``: each ``<sec>`` as a heading at its depth, with its paragraphs, list items, quotes, boxed
text, figure and table captions, and table rows labelled by the table's own headings, in reading
order, so every quote is located by its section path. The back matter is kept too, under headings
that name what it is whatever the article titles it ("Acknowledgments", "Funding", "References",
"Footnotes"), so the evidence rules know it as furniture and never quote it.

Parsing uses the standard library's expat parser: no external entity or DTD is ever fetched, and
expat refuses entity-expansion bombs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from researchdesk.errors import CorruptFile, EmptyFile
from researchdesk.ingest.metadata import clean_text, normalize_date, normalize_doi
from researchdesk.ingest.readers.decoding import decode_text
from researchdesk.models import Block, BlockKind, DocumentMeta, ReadResult, SourceType
from researchdesk.settings import Settings

# Elements that stand as blocks of their own even inside a paragraph.
_BLOCK_IN_P = {
    "list",
    "table-wrap",
    "fig",
    "boxed-text",
    "disp-quote",
    "def-list",
    "statement",
    "table-wrap-group",
}
# Inline elements whose text is not the sentence's (formulas as MathML, footnote marks, alternatives).
_SKIP_INLINE = {"{http://www.w3.org/1998/Math/MathML}math", "tex-math", "alternatives", "fn", "object-id"}
# Never text of the article: supplementary files, formulas on their own line, processing notes.
_SKIP_BLOCK = {
    "supplementary-material",
    "disp-formula",
    "disp-formula-group",
    "media",
    "graphic",
    "alternatives",
}
# Back matter, named so that the evidence rules know it as furniture (see evidence/findings.py).
_BACK_NAMES = {
    "ack": "Acknowledgments",
    "ref-list": "References",
    "fn-group": "Footnotes",
    "notes": "Notes",
    "glossary": "Abbreviations",
    "funding-group": "Funding",
}
_JATS = re.compile(
    rb"<!DOCTYPE\s+(?:pmc-)?articleset|JATS|-//NLM//DTD|<article-meta\b|<front>", re.IGNORECASE
)
_ARTICLE = re.compile(rb"<article[\s>]")


READER_FORMAT = "jats"


class JatsReader:
    format = READER_FORMAT
    extensions = (".nxml",)

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Return True for XML whose root is a JATS ``<article>`` (a JATS doctype, or its front matter)."""
        return (
            bool(_ARTICLE.search(head)) and bool(_JATS.search(head)) and b"<html" not in head[:2048].lower()
        )

    def read(self, path: Path, data: bytes, settings: Settings) -> ReadResult:
        """Return the article's description and its blocks; refuse XML that is broken or no article."""
        text, _encoding = decode_text(data, path)
        try:
            root = ET.fromstring(_without_doctype(text))
        except ET.ParseError as exc:
            line, column = getattr(exc, "position", (0, 0))
            raise CorruptFile(
                path,
                f"the XML is not well formed (line {line}, column {column}: {str(exc).split(':')[0]})",
                "Download the article's XML again; a truncated download ends like this.",
            ) from exc
        article = root if _local(root.tag) == "article" else root.find(".//article")
        if article is None:
            raise EmptyFile(
                path,
                f"the XML's root is <{_local(root.tag)}>, not a JATS <article>",
                "Give the article's JATS XML (Europe PMC's fullTextXML, or a PMC .nxml file).",
            )
        try:
            return _read_article(path, article)
        except RecursionError as exc:  # elements nested thousands deep: no article is built like that
            raise CorruptFile(
                path,
                "the XML nests its elements too deeply to be an article",
                "Check where the file came from.",
            ) from exc


def _read_article(path: Path, article: ET.Element) -> ReadResult:
    meta = _meta(article)
    blocks: list[Block] = []
    warnings: list[str] = []
    front = article.find("front")
    if front is not None:
        blocks.extend(_abstracts(front))
    body = article.find("body")
    if body is not None:
        blocks.extend(_flow(body, 1))
    if not any(b.kind is not BlockKind.HEADING for b in blocks):
        raise EmptyFile(
            path,
            "the JATS article has neither a body nor an abstract: there is no text to read",
            "The publisher did not deposit the full text; bring the work in as a record, or ingest its PDF.",
        )
    if body is None or not list(_flow(body, 1)):
        warnings.append("the JATS article has no body: only its abstract was read")
    back = article.find("back")
    funding = front.find(".//funding-group") if front is not None else None
    if funding is not None:
        blocks.extend(_named_section(funding, "Funding"))
    if back is not None:
        blocks.extend(_back(back))
    return ReadResult(meta=meta, blocks=blocks, format=READER_FORMAT, warnings=warnings)


def _without_doctype(text: str) -> str:
    """Return the XML without its DOCTYPE: the DTD is never fetched, and its entities are not needed
    (Europe PMC and PMC write characters as numeric references)."""
    return re.sub(r"<!DOCTYPE[^>\[]*(?:\[[^\]]*\])?\s*>", "", text, count=1)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _inline(el: ET.Element) -> str:
    """Return an element's running text: inline markup kept as text, blocks and formulas left out."""
    parts: list[str] = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if _local(tag) not in _BLOCK_IN_P and tag not in _SKIP_INLINE and _local(tag) not in _SKIP_BLOCK:
            parts.append(_inline(child))
        elif _local(tag) == "alternatives":  # an inline formula or graphic: its text form, if any
            parts.append(" ".join(_inline(c) for c in child if _local(c.tag) == "textual-form"))
        else:
            parts.append(" ")  # a block or formula left out still parts the words around it
        parts.append(child.tail or "")
    return "".join(parts)


def _text(el: ET.Element | None) -> str:
    return clean_text(_inline(el)) if el is not None else ""


def _meta(article: ET.Element) -> DocumentMeta:
    front = article.find("front")
    am = front.find("article-meta") if front is not None else None
    jm = front.find("journal-meta") if front is not None else None
    meta = DocumentMeta(title="", source_type=SourceType.JOURNAL_ARTICLE)
    if am is None:
        return meta
    meta.title = _text(am.find("title-group/article-title")).rstrip(".")
    for contrib in am.iterfind(".//contrib-group/contrib"):
        if contrib.get("contrib-type", "author") != "author":
            continue
        name = contrib.find("name")
        if name is not None:
            full = clean_text(f"{_text(name.find('given-names'))} {_text(name.find('surname'))}")
        else:
            full = _text(contrib.find("collab"))
        if full:
            meta.authors.append(full)
    if jm is not None:
        meta.container = _text(jm.find(".//journal-title"))
        meta.publisher = _text(jm.find(".//publisher-name"))
    for kind in ("doi",):
        found = am.find(f"article-id[@pub-id-type='{kind}']")
        if found is not None:
            meta.doi = normalize_doi(_text(found))
    meta.date = _pub_date(am)
    meta.abstract = " ".join(_text(p) for a in _plain_abstracts(am) for p in a.iter("p"))
    lang = article.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        meta.language = lang.lower()
    return meta


def _pub_date(am: ET.Element) -> str:
    """Return the publication date: electronic first, then print, then any, as YYYY[-MM[-DD]]."""
    dates = list(am.iterfind("pub-date"))

    def rank(d: ET.Element) -> int:
        kind = d.get("pub-type") or d.get("date-type") or ""
        fmt = d.get("publication-format") or ""
        return 0 if kind in ("epub", "pub") and fmt != "print" else 1 if kind in ("ppub", "pub") else 2

    for d in sorted(dates, key=rank):
        year = _text(d.find("year"))
        if not year.isdigit():
            continue
        month, day = _text(d.find("month")), _text(d.find("day"))
        parts = [year] + ([month.zfill(2)] if month.isdigit() else [])
        parts += [day.zfill(2)] if month.isdigit() and day.isdigit() else []
        return normalize_date("-".join(parts))
    return ""


def _plain_abstracts(am: ET.Element) -> list[ET.Element]:
    """Return the article's abstracts in its own language (not graphical, teaser or translated ones)."""
    return [
        a for a in am.iterfind("abstract") if a.get("abstract-type") in (None, "", "summary", "structured")
    ]


def _abstracts(front: ET.Element) -> Iterator[Block]:
    am = front.find("article-meta")
    if am is None:
        return
    for abstract in _plain_abstracts(am):
        kind = abstract.get("abstract-type") or ""
        title = _text(abstract.find("title")) or ("Author summary" if kind == "summary" else "Abstract")
        body = list(_flow(abstract, 2))
        if body:
            yield Block(text=title, kind=BlockKind.HEADING, level=1)
            yield from body


def _flow(container: ET.Element, level: int) -> Iterator[Block]:
    """Return the blocks of a section's content in reading order (sub-sections as headings at ``level``)."""
    for child in container:
        tag = _local(child.tag) if isinstance(child.tag, str) else ""
        if tag in ("title", "label") or tag in _SKIP_BLOCK:
            continue
        if tag in ("sec", "app", "boxed-text"):
            title = _text(child.find("title")) or _text(child.find("caption/title"))
            label = _text(child.find("label"))
            inner = list(_flow(child, level + 1))
            if title or label:
                heading = (
                    f"{label} {title}".strip() if label and not title.startswith(label) else title or label
                )
                if inner:
                    yield Block(text=heading, kind=BlockKind.HEADING, level=min(level, 6))
            yield from inner
        elif tag == "p":
            text = _text(child)
            if text:
                yield Block(text=text)
            for part in child:  # blocks set inside the paragraph follow it
                if _local(part.tag) in _BLOCK_IN_P:
                    yield from _flow_one(part, level)
        elif tag in _BLOCK_IN_P:
            yield from _flow_one(child, level)
        elif tag in ("caption",):
            continue
        elif tag in ("ref-list", "ack", "fn-group", "notes", "glossary"):
            yield from _named_section(child, _BACK_NAMES[tag])
        else:  # anything else that holds text (a def, a verse group, an unknown element): its paragraphs
            yield from _flow(child, level)


def _flow_one(el: ET.Element, level: int) -> Iterator[Block]:
    tag = _local(el.tag)
    if tag == "list":
        for item in el.iterfind("list-item"):
            text = clean_text(
                " ".join(_text(p) for p in item if _local(p.tag) in ("p", "title")) or _text(item)
            )
            if text:
                yield Block(text=text, kind=BlockKind.LIST_ITEM)
            for sub in item.iterfind("list"):
                yield from _flow_one(sub, level)
    elif tag == "def-list":
        for item in el.iterfind("def-item"):
            term, definition = _text(item.find("term")), _text(item.find("def"))
            if term or definition:
                yield Block(
                    text=f"{term}: {definition}" if term and definition else term or definition,
                    kind=BlockKind.LIST_ITEM,
                )
    elif tag in ("fig", "table-wrap"):
        caption = _caption(el)
        if caption:
            yield Block(text=caption, kind=BlockKind.CAPTION)
        for table in el.iter("table"):
            yield from _table_rows(table)
        for foot in el.iterfind("table-wrap-foot"):
            for p in foot.iter("p"):
                if _text(p):
                    yield Block(text=_text(p), kind=BlockKind.CAPTION)
    elif tag == "table-wrap-group":
        for inner in el.iterfind("table-wrap"):
            yield from _flow_one(inner, level)
    elif tag in ("boxed-text",):
        yield from _flow(_wrapped(el), level)
    else:  # disp-quote, statement
        yield from _flow(el, level)


def _wrapped(el: ET.Element) -> ET.Element:
    holder = ET.Element("holder")
    holder.append(el)
    return holder


def _caption(el: ET.Element) -> str:
    label = _text(el.find("label"))
    caption = el.find("caption")
    words = [label] if label else []
    if caption is not None:
        words += [_text(c) for c in caption if _local(c.tag) in ("title", "p")]
    return clean_text(" ".join(w for w in words if w))


def _table_rows(table: ET.Element) -> Iterator[Block]:
    """Return one TABLE_ROW per body row, labelled by the header's first cell or the group row above it."""
    label = ""
    header_seen = False
    for row in table.iter("tr"):
        cells = [_text(c) for c in row if _local(c.tag) in ("td", "th")]
        cells = [c for c in cells if c]
        if not cells:
            continue
        in_head = any(row in list(h) for h in table.iter("thead"))
        all_th = all(_local(c.tag) == "th" for c in row if _local(c.tag) in ("td", "th"))
        if in_head or (not header_seen and all_th and len(cells) > 1):
            header_seen = True
            label = cells[0]
            continue
        if len(cells) == 1:
            label = cells[0]  # a group row ("Barriers") labels the rows below it
            continue
        yield Block(text=" | ".join(cells), kind=BlockKind.TABLE_ROW, label=label)


def _named_section(el: ET.Element, name: str) -> Iterator[Block]:
    """Return back matter under a heading that says what it is (its own title follows when it differs)."""
    tag = _local(el.tag)
    own = _text(el.find("title"))
    inner: list[Block] = []
    if tag == "ref-list":
        for ref in el.iter("ref"):
            text = _reference(ref)
            if text:
                inner.append(Block(text=text, kind=BlockKind.LIST_ITEM))
    elif tag == "fn-group":
        for fn in el.iter("fn"):
            text = clean_text(" ".join(_text(p) for p in fn.iter("p")))
            if text:
                inner.append(Block(text=text))
    elif tag == "funding-group":
        for part in list(el.iter("award-group")) + list(el.iter("funding-statement")):
            text = clean_text(" ".join(t.strip() for t in part.itertext() if t.strip()))
            if text:
                inner.append(Block(text=text))
    else:
        inner = [b for b in _flow(el, 2) if b.kind is not BlockKind.HEADING or b.text != own]
    if inner:
        yield Block(text=name, kind=BlockKind.HEADING, level=1)
        if own and own.lower().rstrip("s") != name.lower().rstrip("s") and tag != "ref-list":
            yield Block(text=own, kind=BlockKind.HEADING, level=2)
        yield from inner


def _reference(ref: ET.Element) -> str:
    """Return one reference as a line: a mixed citation as written, an element citation's parts in order."""
    label = _text(ref.find("label"))
    citation = ref.find("mixed-citation")
    if citation is None:
        citation = ref.find("citation")
    if citation is not None:
        text = _text(citation)
    else:
        element = ref.find("element-citation")
        if element is None:
            return ""
        parts: list[str] = []
        for child in element:
            tag = _local(child.tag)
            if tag == "person-group":
                names = [
                    clean_text(f"{_text(n.find('surname'))} {_text(n.find('given-names'))}")
                    for n in child
                    if _local(n.tag) == "name"
                ]
                parts.append(", ".join(n for n in names if n))
            elif tag in ("fpage",):
                last = element.find("lpage")
                parts.append(_text(child) + (f"–{_text(last)}" if last is not None else ""))
            elif tag not in ("lpage", "comment"):
                parts.append(_text(child))
        text = ". ".join(p.rstrip(".") for p in parts if p) + "."
    return clean_text(f"{label} {text}" if label else text)


def _back(back: ET.Element) -> Iterator[Block]:
    for child in back:
        tag = _local(child.tag)
        if tag in _BACK_NAMES:
            yield from _named_section(child, _BACK_NAMES[tag])
        elif tag in ("sec", "app-group", "app"):
            yield from _flow(_wrapped(child), 1)
        elif tag == "label":
            continue
        else:
            yield from _flow(_wrapped(child), 1)


READER = JatsReader()
