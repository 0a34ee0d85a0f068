"""Brief downloads rendered on request, a bounded number at a time.

A PDF render holds 50–100 MB of layout objects while it runs and keeps a core busy. Rendering every
download at once (the server's thread pool allows 40) gains nothing on a small machine and lets the
process grow with the number of simultaneous downloads, so renders take one of
``RESEARCHDESK_WEB_RENDER_SLOTS`` slots and the others wait their turn.
"""

from __future__ import annotations

import threading

from researchdesk.brief.figures import brief_figures
from researchdesk.brief.render import render_bytes
from researchdesk.brief.render.jsonfmt import brief_from_dict
from researchdesk.desk import Desk
from researchdesk.web.jobs import brief_options


def render_download(
    desk: Desk, body: dict[str, object], version: int, fmt: str, slots: threading.Semaphore
) -> bytes:
    """Return a stored brief version (its JSON ``body``) rendered in ``fmt``, with its figures, within a slot."""
    brief = brief_from_dict(body)
    brief.version = version
    brief.figures = brief_figures(desk, brief)
    options = brief_options(desk)
    with slots:
        return render_bytes(brief, fmt, options)
