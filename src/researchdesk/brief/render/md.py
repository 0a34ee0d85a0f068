"""Markdown renderer: clean CommonMark where untrusted text cannot add structure.

Document text is folded to one line and its Markdown-significant characters are backslash-escaped,
so a title such as ``# heading`` or ``**bold**`` or ``<script>`` reads as typed and never becomes a
heading, emphasis, raw HTML or a link.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from researchdesk.brief.render import RenderOptions
from researchdesk.brief.render.layout import Layout, QuoteGroup, RelatedBlock, build_layout, clean
from researchdesk.brief.render.markup import Run
from researchdesk.models import Brief, BriefQuote

_SIGNIFICANT = re.compile(r"([\\`*_\[\]<>#|~!])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")


def escape(text: str) -> str:
    """Return ``text`` safe to place inline in CommonMark: it renders as exactly these characters."""
    text = _SIGNIFICANT.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    # A leading "-", "+" or "=" would start a list or underline a heading; "1." or "1)" a numbered list.
    m = _LINE_START.match(text)
    if m:
        marker = m.group(2)
        marker = marker + "\\" if marker.isdigit() else "\\" + marker
        text = m.group(1) + marker + text[m.end() :]
    return text


def link(text: str, url: str) -> str:
    """Return a Markdown link (or the escaped text alone when there is no URL)."""
    if not url:
        return escape(text)
    target = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    return f"[{escape(text)}](<{target}>)"


def runs_to_markdown(runs: list[Run]) -> str:
    """Return inline runs as Markdown, italics as ``*…*`` and bold as ``**…**``."""
    parts = []
    for run in runs:
        body = escape(re.sub(r"\s+", " ", clean(run.text)))
        core = body.strip()
        if not core:
            parts.append(body)
            continue
        lead, trail = body[: len(body) - len(body.lstrip())], body[len(body.rstrip()) :]
        if run.bold:
            core = f"**{core}**"
        if run.italic:
            core = f"*{core}*"
        parts.append(lead + core + trail)
    return "".join(parts)


def _quote(q: BriefQuote) -> str:
    text = f"“{escape(' '.join(clean(q.text).split()))}”"
    if q.label.strip():
        text = f"**{escape(' '.join(q.label.split()))}** – {text}"
    if q.location.strip():
        text += f" ({escape(' '.join(q.location.split()))})"
    codes = [c.strip() for c in q.codes if c.strip()]
    if codes:
        text += " *\\[" + escape("; ".join(" ".join(c.split()) for c in codes)) + "\\]*"
    return text


def _group_lines(group: QuoteGroup) -> list[str]:
    if not group.heading:
        return [f"- {_quote(q)}" for q in group.quotes]
    return [f"- **{group.heading}:**", *(f"    - {_quote(q)}" for q in group.quotes)]


def _related(items: list[RelatedBlock]) -> list[str]:
    lines = []
    for r in items:
        line = link(r.title, r.href)
        line += "".join(f", {escape(part)}" for part in (r.container, r.date) if part)
        if r.note:
            line += f" — {escape(r.note)}"
        lines.append(f"- {line}")
    return lines


def render_markdown(brief: Brief, layout: Layout | None = None) -> str:
    """Return the brief as CommonMark text."""
    layout = layout or build_layout(brief)
    out: list[str] = [f"# {escape(layout.title)}", ""]
    if layout.meta:
        out += [" · ".join(f"**{label}:** {escape(value)}" for label, value in layout.meta), ""]
    for paragraph in layout.service_paragraph:
        out += [f"*{escape(paragraph)}*", ""]
    for key, heading in layout.sections:
        out += [f"## {heading}", ""]
        if key == "prompt":
            lines = [escape(line.strip()) for line in layout.prompt.splitlines()]
            lines[0] = "“" + lines[0]
            lines[-1] += "”"
            out += [f"> {line}".rstrip() for line in lines]
        elif key == "summary":
            for paragraph in layout.summary:
                out += [escape(paragraph), ""]
            out.pop()
        elif key == "background":
            for block in layout.sources:
                out += [f"### {link(block.heading, block.href)}", ""]
                meta = [escape(block.authors)] if block.authors else []
                if block.link_text:
                    meta.append(f"<{block.link_text.replace(' ', '%20').replace('>', '%3E')}>")
                if meta:
                    out += [" · ".join(meta), ""]
                for group in block.groups:
                    out += _group_lines(group)
                out.append("")
            out.pop()
        elif key == "further_reading":
            out += _related(layout.further_reading)
        elif key == "next_steps":
            out += [f"- {escape(step)}" for step in layout.next_steps]
        elif key == "related_products":
            out += _related(layout.related_products)
        elif key == "references":
            for ref in layout.references:
                out += [runs_to_markdown(ref.runs).strip(), ""]
            out.pop()
        out.append("")
    return "\n".join(out).rstrip() + "\n"


class MarkdownRenderer:
    format = "md"
    extension = ".md"
    media_type = "text/markdown; charset=utf-8"

    def render(self, brief: Brief, out: BinaryIO, options: RenderOptions) -> None:
        """Write the brief as UTF-8 Markdown."""
        out.write(render_markdown(brief).encode("utf-8"))


RENDERER = MarkdownRenderer()
