"""Inline runs (text + italic/bold/...) parsed from the small HTML a CSL processor emits.

References come from ``citations.format_references`` as escaped text with ``<i>``, ``<b>``,
``<sup>``, ``<sub>`` and small-caps spans. Each renderer needs them in its own terms (HTML tags,
Markdown ``*``, Word runs), so they are parsed once into runs. Any other tag is *not* markup:
it is shown as literal text, so a reference string that smuggles ``<script>`` stays visible and inert.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from markupsafe import Markup

_STYLE_TAGS = {"i": "italic", "em": "italic", "b": "bold", "strong": "bold", "sup": "sup", "sub": "sub"}
_IGNORED_TAGS = {"u", "l"}  # underline / light: no faithful rendering everywhere, text is kept


@dataclass(frozen=True)
class Run:
    """A stretch of text with one set of inline styles."""

    text: str
    italic: bool = False
    bold: bool = False
    sup: bool = False
    sub: bool = False
    smallcaps: bool = False


class _RunParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[Run] = []
        self._stack: list[str] = []

    def _style(self) -> dict[str, bool]:
        return {name: name in self._stack for name in ("italic", "bold", "sup", "sub", "smallcaps")}

    def _text(self, text: str) -> None:
        if text:
            self.runs.append(Run(text, **self._style()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _STYLE_TAGS:
            self._stack.append(_STYLE_TAGS[tag])
        elif tag == "span":
            style = dict(attrs).get("style") or ""
            self._stack.append("smallcaps" if "small-caps" in style else "span")
        elif tag in _IGNORED_TAGS:
            self._stack.append(tag)
        else:
            self._text(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            openers = [i for i, name in enumerate(self._stack) if name in ("smallcaps", "span")]
            index = openers[-1] if openers else -1
        else:
            wanted = _STYLE_TAGS.get(tag, tag if tag in _IGNORED_TAGS else "")
            # Close the matching opener; citeproc output is well nested, this tolerates odd input.
            index = max((i for i, name in enumerate(self._stack) if name == wanted), default=-1)
        if index >= 0:
            del self._stack[index]
        else:
            self._text(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self._text(data)

    def handle_comment(self, data: str) -> None:
        self._text(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._text(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._text(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self._text(f"<![{data}]>")


def parse_inline(markup: str) -> list[Run]:
    """Return the runs of a CSL-formatted string, adjacent runs of equal style merged."""
    parser = _RunParser()
    parser.feed(markup or "")
    parser.close()
    merged: list[Run] = []
    for run in parser.runs:
        if merged and _same_style(merged[-1], run):
            last = merged.pop()
            run = Run(last.text + run.text, run.italic, run.bold, run.sup, run.sub, run.smallcaps)
        merged.append(run)
    return merged


def runs_to_text(runs: list[Run]) -> str:
    """Return the runs as plain text."""
    return "".join(run.text for run in runs)


def runs_to_html(runs: list[Run]) -> Markup:
    """Return the runs as safe HTML: escaped text inside a fixed set of tags."""
    parts: list[str] = []
    for run in runs:
        text = escape(run.text, quote=False)
        if run.smallcaps:
            text = f'<span class="smallcaps">{text}</span>'
        for flag, tag in ((run.sup, "sup"), (run.sub, "sub"), (run.bold, "b"), (run.italic, "i")):
            if flag:
                text = f"<{tag}>{text}</{tag}>"
        parts.append(text)
    return Markup("".join(parts))


def _same_style(a: Run, b: Run) -> bool:
    return (a.italic, a.bold, a.sup, a.sub, a.smallcaps) == (b.italic, b.bold, b.sup, b.sub, b.smallcaps)
