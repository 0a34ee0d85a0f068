"""PDF renderer: WeasyPrint over the same HTML as the HTML renderer (Letter, page numbers in the footer).

The HTML is self-contained, so WeasyPrint is given a URL fetcher that refuses everything: a
link or image smuggled into document text can never make the PDF step touch the network or disk.

Font configurations are pooled. WeasyPrint makes a Pango font map for each ``FontConfiguration`` and
never frees it: a server that let every PDF make its own grew by about 300 KB a PDF. One font map used
by two threads at once corrupts GLib's lists, so a render borrows a configuration of its own (making
one only when all are lent) and gives it back: there are never more than the renders that ran at once.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from researchdesk.brief.render import RenderOptions
from researchdesk.brief.render.html import render_html
from researchdesk.models import Brief


def _refusing_fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class RefuseAll(URLFetcher):
        """Refuses every URL; WeasyPrint logs the refusal and renders without the resource."""

        def fetch(self, url: str, headers: object = None) -> Any:
            raise ValueError(f"external resources are not fetched in briefs: {url[:80]}")

    return RefuseAll()


_FONT_CONFIGS: queue.SimpleQueue[Any] = queue.SimpleQueue()


@contextmanager
def _font_config() -> Iterator[Any]:
    """Lend a WeasyPrint font configuration to one render, then take it back into the pool."""
    try:
        config = _FONT_CONFIGS.get_nowait()
    except queue.Empty:
        from weasyprint.text.fonts import FontConfiguration

        config = FontConfiguration()
    try:
        yield config
    finally:
        _FONT_CONFIGS.put(config)


def write_pdf(html: str, out: BinaryIO) -> None:
    """Write ``html`` as PDF to ``out`` without fetching anything."""
    from weasyprint import HTML

    # WeasyPrint reports every refused fetch and unsupported CSS property at WARNING level;
    # for a generated, self-contained page that is noise on the user's terminal.
    logger = logging.getLogger("weasyprint")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with _font_config() as fonts:
            HTML(string=html, base_url=None, url_fetcher=_refusing_fetcher()).write_pdf(
                target=out, font_config=fonts
            )
    finally:
        logger.setLevel(previous)


class PdfRenderer:
    format = "pdf"
    extension = ".pdf"
    media_type = "application/pdf"

    def render(self, brief: Brief, out: BinaryIO, options: RenderOptions) -> None:
        """Write the brief as a PDF (US Letter)."""
        write_pdf(render_html(brief, options), out)


RENDERER = PdfRenderer()
