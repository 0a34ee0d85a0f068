"""JSON export of the whole brief: every field, the sections shown, and each quote under ``"quote"``.

Keys come out in a fixed order (the order written here), text is kept verbatim (``ensure_ascii``
off) and ``brief_from_dict`` reads the export back into a ``Brief``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields, is_dataclass
from typing import Any, BinaryIO

from researchdesk.brief.render import RenderOptions
from researchdesk.brief.render.layout import build_layout, role_of
from researchdesk.brief.render.markup import parse_inline, runs_to_text
from researchdesk.models import Brief, BriefQuote, BriefSource, RelatedItem, Role

SCHEMA = "researchdesk.brief/1"


def quote_dict(q: BriefQuote) -> dict[str, Any]:
    """Return a quote as exported: the verbatim text under "quote" with its anchor in the source."""
    return {
        "quote": q.text,
        "evidence_id": q.evidence_id,
        "document_id": q.document_id,
        "start": q.start,
        "end": q.end,
        "pieces": [[int(a), int(b)] for a, b in q.pieces],
        "role": str(role_of(q)),
        "location": q.location,
        "label": q.label,
        "codes": list(q.codes),
    }


def _source_dict(s: BriefSource) -> dict[str, Any]:
    return {
        "document_id": s.document_id,
        "title": s.title,
        "publisher": s.publisher,
        "container": s.container,
        "date": s.date,
        "url": s.url,
        "doi": s.doi,
        "authors": list(s.authors),
        "citation": s.citation,
        "citation_text": runs_to_text(parse_inline(s.citation)) if s.citation else "",
        "missing": list(s.missing),
        "quotes": [quote_dict(q) for q in s.quotes],
    }


def _related_dict(r: RelatedItem) -> dict[str, Any]:
    return {
        "document_id": r.document_id,
        "title": r.title,
        "container": r.container,
        "date": r.date,
        "url": r.url,
        "note": r.note,
    }


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """Return the whole brief as JSON-ready data in a stable key order."""
    layout = build_layout(brief)
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "request_id": brief.request_id,
        "version": brief.version,
        "title": brief.title,
        "topic": brief.topic,
        "member": brief.member,
        "requester": brief.requester,
        "received": brief.received,
        "due": brief.due,
        "prepared_by": brief.prepared_by,
        "prepared_on": brief.prepared_on,
        "style": brief.style,
        "sections": [{"key": key, "heading": heading} for key, heading in layout.sections],
        "service_paragraph": brief.service_paragraph,
        "prompt": brief.prompt,
        "summary": list(brief.summary),
        "sources": [_source_dict(s) for s in brief.sources],
        "further_reading": [_related_dict(r) for r in brief.further_reading],
        "next_steps": list(brief.next_steps),
        "related_products": [_related_dict(r) for r in brief.related_products],
        "references": [{"html": ref, "text": runs_to_text(parse_inline(ref))} for ref in brief.references],
        "figures": dict(brief.figures),
    }
    # Fields added to Brief later (e.g. summary_support) are exported too, after the known ones.
    for f in fields(brief):
        if f.name not in data:
            data[f.name] = _plain(getattr(brief, f.name))
    return data


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def brief_from_dict(data: dict[str, Any]) -> Brief:
    """Return the ``Brief`` an export describes (the inverse of ``brief_to_dict``)."""

    def quote(d: dict[str, Any]) -> BriefQuote:
        return BriefQuote(
            evidence_id=d["evidence_id"],
            document_id=d["document_id"],
            text=d["quote"],
            role=Role(d["role"]),
            location=d["location"],
            start=d["start"],
            end=d["end"],
            pieces=[(int(a), int(b)) for a, b in d.get("pieces", [])],
            label=d.get("label", ""),
            codes=list(d.get("codes", [])),
        )

    def related(d: dict[str, Any]) -> RelatedItem:
        return RelatedItem(
            d["document_id"], d["title"], d["container"], d["date"], d["url"], d.get("note", "")
        )

    sources = [
        BriefSource(
            document_id=s["document_id"],
            title=s["title"],
            publisher=s["publisher"],
            container=s["container"],
            date=s["date"],
            url=s["url"],
            doi=s["doi"],
            authors=list(s["authors"]),
            quotes=[quote(q) for q in s["quotes"]],
            citation=s.get("citation", ""),
            missing=list(s.get("missing", [])),
        )
        for s in data["sources"]
    ]
    extra = {f.name: data[f.name] for f in fields(Brief) if f.name not in _EXPLICIT and f.name in data}
    return Brief(
        **extra,
        request_id=data["request_id"],
        version=data["version"],
        title=data["title"],
        member=data["member"],
        requester=data["requester"],
        received=data["received"],
        due=data["due"],
        prepared_by=data["prepared_by"],
        prepared_on=data["prepared_on"],
        service_paragraph=data["service_paragraph"],
        prompt=data["prompt"],
        summary=list(data["summary"]),
        sources=sources,
        further_reading=[related(r) for r in data["further_reading"]],
        next_steps=list(data["next_steps"]),
        related_products=[related(r) for r in data["related_products"]],
        references=[r["html"] if isinstance(r, dict) else r for r in data["references"]],
        style=data.get("style", "apa"),
        topic=data.get("topic", ""),
        figures=dict(data.get("figures", {})),
    )


_EXPLICIT = frozenset(
    {
        "request_id",
        "version",
        "title",
        "member",
        "requester",
        "received",
        "due",
        "prepared_by",
        "prepared_on",
        "service_paragraph",
        "prompt",
        "summary",
        "sources",
        "further_reading",
        "next_steps",
        "related_products",
        "references",
        "style",
        "topic",
        "figures",
    }
)


def render_json(brief: Brief) -> str:
    """Return the brief as indented JSON text."""
    return json.dumps(brief_to_dict(brief), ensure_ascii=False, indent=2) + "\n"


class JsonRenderer:
    format = "json"
    extension = ".json"
    media_type = "application/json"

    def render(self, brief: Brief, out: BinaryIO, options: RenderOptions) -> None:
        """Write the brief as UTF-8 JSON."""
        out.write(render_json(brief).encode("utf-8"))


RENDERER = JsonRenderer()
