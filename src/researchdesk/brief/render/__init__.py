"""Rendering a brief: one renderer per output format behind one protocol.

Adding a format is adding one module with a ``RENDERER`` object and listing it in ``_MODULES``.
Renderers write bytes to a binary file-like object so the CLI, the web app and the tests share
them; ``render`` buffers the whole output first, so a failure never leaves half a file behind.
"""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from researchdesk.errors import RenderError, ResearchDeskError, UnknownChoice
from researchdesk.models import Brief

# format name → module in this package
_MODULES: dict[str, str] = {
    "md": "md",
    "html": "html",
    "docx": "docx",
    "pdf": "pdf",
    "json": "jsonfmt",
}
FORMATS: tuple[str, ...] = tuple(_MODULES)


@dataclass(frozen=True)
class RenderOptions:
    """Per-desk rendering choices.

    ``template_dir`` may hold ``brief.html`` and/or ``brief.css`` that replace the built-in
    template and stylesheet (HTML and PDF).
    """

    template_dir: Path | None = None


class Renderer(Protocol):
    """Writes a brief in one format."""

    format: str
    extension: str  # with the dot: ".md"
    media_type: str

    def render(self, brief: Brief, out: BinaryIO, options: RenderOptions) -> None:
        """Write the brief to ``out``; raise on failure (``render`` turns that into RenderError)."""
        ...


def renderer_for(fmt: str) -> Renderer:
    """Return the renderer of a format name (case-insensitive); ``UnknownChoice`` lists FORMATS."""
    key = (fmt or "").strip().lower().lstrip(".")
    key = {"markdown": "md", "htm": "html"}.get(key, key)
    if key not in _MODULES:
        raise UnknownChoice("output format", fmt, FORMATS)
    module = importlib.import_module(f"researchdesk.brief.render.{_MODULES[key]}")
    renderer: Renderer = module.RENDERER
    return renderer


def render(brief: Brief, fmt: str, out: BinaryIO, options: RenderOptions | None = None) -> None:
    """Write ``brief`` to ``out`` in format ``fmt``; nothing is written unless rendering succeeds."""
    renderer = renderer_for(fmt)
    buffer = io.BytesIO()
    try:
        renderer.render(brief, buffer, options or RenderOptions())
    except ResearchDeskError:
        raise
    except Exception as exc:
        raise RenderError(
            f"Could not write the brief of request {brief.request_id} as {renderer.format}: "
            f"{type(exc).__name__}: {exc}",
            _HINTS.get(renderer.format, "Check the brief with `researchdesk brief check` and try again."),
        ) from exc
    out.write(buffer.getvalue())


def render_bytes(brief: Brief, fmt: str, options: RenderOptions | None = None) -> bytes:
    """Return the brief rendered in format ``fmt`` as bytes."""
    buffer = io.BytesIO()
    render(brief, fmt, buffer, options)
    return buffer.getvalue()


_HINTS: dict[str, str] = {
    "html": "If the desk has its own templates/brief.html, check that it renders, "
    "or remove it to use the built-in one.",
    "pdf": "The PDF is made from the HTML: render --format html to see whether the HTML works; "
    "check that WeasyPrint and its Pango library are installed.",
    "docx": "Check that python-docx is installed; render --format md to see the text.",
}

__all__ = ["FORMATS", "RenderOptions", "Renderer", "render", "render_bytes", "renderer_for"]
