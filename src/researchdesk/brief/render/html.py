"""HTML renderer: one self-contained file (inline CSS, no external resources), Jinja2 autoescaped.

All text of a brief comes from documents, members or staff and is treated as untrusted: the
template escapes every value. Two things are passed as markup on purpose:

* references, rebuilt by ``markup.runs_to_html`` from parsed runs (escaped text in a few tags);
* figures (``Brief.figures``), SVG strings that ResearchDesk's own code generates. They are
  inserted as-is; as a guard against a figure built from unescaped text, only strings starting
  with ``<svg`` and free of scripts, event handlers, foreign objects and ``javascript:`` links
  are accepted — anything else is left out of the appendix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

from researchdesk.brief.render import RenderOptions
from researchdesk.brief.render.layout import Layout, build_layout, human_date, one_line
from researchdesk.brief.render.markup import runs_to_html
from researchdesk.models import Brief

TEMPLATE = "brief.html"
STYLESHEET = "brief.css"
_UNSAFE_SVG = re.compile(
    r"<\s*(?:script|foreignObject|iframe|object|embed)\b|\son[a-z]+\s*=|javascript:|<\s*use\b[^>]*href\s*=\s*[\"']?(?!#)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    """A figure of the appendix: its caption and its SVG markup."""

    name: str
    svg: Markup


def safe_figures(figures: dict[str, str]) -> list[Figure]:
    """Return the figures whose SVG passes the guard, in the order given."""
    accepted = []
    for name, svg in figures.items():
        text = (svg or "").strip()
        if text[:4].lower() == "<svg" and not _UNSAFE_SVG.search(text):
            accepted.append(Figure(one_line(name), Markup(text)))
    return accepted


@lru_cache(maxsize=8)
def environment(template_dir: str | None = None) -> Environment:
    """Return the Jinja2 environment: the desk's template folder first, then the built-in templates."""
    loaders = [FileSystemLoader(template_dir)] if template_dir else []
    env = Environment(
        loader=ChoiceLoader([*loaders, PackageLoader("researchdesk.brief", "templates")]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["oneline"] = one_line
    env.filters["human_date"] = human_date
    return env


def render_html(brief: Brief, options: RenderOptions | None = None, *, layout: Layout | None = None) -> str:
    """Return the brief as one self-contained HTML document."""
    options = options or RenderOptions()
    env = environment(str(options.template_dir) if options.template_dir else None)
    layout = layout or build_layout(brief)
    loader = env.loader
    assert loader is not None
    css, _, _ = loader.get_source(env, STYLESHEET)
    return env.get_template(TEMPLATE).render(
        layout=layout,
        # The stylesheet is ours or the desk admin's, never document text.
        css=Markup(css.replace("</", "<\\/")),
        references=[runs_to_html(ref.runs) for ref in layout.references],
        figures=safe_figures(brief.figures),
    )


class HtmlRenderer:
    format = "html"
    extension = ".html"
    media_type = "text/html; charset=utf-8"

    def render(self, brief: Brief, out: BinaryIO, options: RenderOptions) -> None:
        """Write the brief as UTF-8 HTML."""
        out.write(render_html(brief, options).encode("utf-8"))


RENDERER = HtmlRenderer()
