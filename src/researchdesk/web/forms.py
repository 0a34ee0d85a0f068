"""Forms that lose nothing: what a person typed comes back after a sign-in or a stale security token.

A form sent after the session ended gets the sign-in page with the typed text carried along (as one
hidden field); after signing in, the form's page opens again filled in. A form sent with an out-of-date
token is not acted on, and its page opens again with the text and a fresh token, so sending it again
works (the browser's reload would send the old token once more). The pages that hold such forms
fill them in again themselves (``routes_member.reopen``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from fastapi import Request

# Fields never carried along: tokens, passwords and where to go next.
NOT_KEPT = {"csrf", "password", "next", "kept", "back_to"}
# Most characters carried through a sign-in (a question at its longest, with its context).
MOST_KEPT = 40_000
THREAD_POST = re.compile(r"^/requests/(\d+)/messages$")


async def typed_fields(request: Request) -> dict[str, str]:
    """Return the text fields of a form request (files, tokens and passwords left out)."""
    kind = request.headers.get("content-type", "")
    if request.method != "POST" or not kind.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return {}
    try:
        form = await request.form()
    except Exception:  # a body already read or malformed: nothing to keep, the error still shows
        return {}
    kept: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str) and name not in NOT_KEPT and value.strip():
            kept[name] = value
    return kept


def form_page(request: Request) -> str:
    """Return the page a posted form came from (its own address when it has a page, else the referring page)."""
    path = request.url.path
    if path == "/requests/new":
        return path
    thread = THREAD_POST.match(path)
    if thread:
        return f"/requests/{thread.group(1)}"
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def encode_kept(kept: dict[str, str]) -> str:
    """Return the typed fields as one hidden-field value (empty when there is nothing or too much)."""
    if not kept or sum(len(v) for v in kept.values()) > MOST_KEPT:
        return ""
    return json.dumps(kept, ensure_ascii=False)


def decode_kept(value: str) -> dict[str, str]:
    """Return the typed fields carried in a hidden field (anything malformed is dropped)."""
    try:
        found = json.loads(value) if value else {}
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, str) and k not in NOT_KEPT}


def wants_page(request: Request) -> bool:
    """Return True for a browser form post (not the API, not a script asking for JSON)."""
    return not request.url.path.startswith("/api/") and "application/json" not in request.headers.get(
        "accept", ""
    )


__all__ = ["decode_kept", "encode_kept", "form_page", "typed_fields", "wants_page"]
