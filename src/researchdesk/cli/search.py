"""`researchdesk search`: hybrid search of the library from the terminal or a script."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import typer
from rich.markup import escape

from researchdesk.cli.common import app, console, console_err, desk_of, sync_index_with_progress
from researchdesk.desk import Desk
from researchdesk.errors import InputError, ResearchDeskError
from researchdesk.models import SearchHit
from researchdesk.search.filters import FILTER_KEYS, parse_filters
from researchdesk.search.highlight import highlight
from researchdesk.search.index import MODES
from researchdesk.search.results import SearchResults


@app.command()
def search(
    ctx: typer.Context,
    query: str | None = typer.Argument(None, help="What to look for, in plain words."),
    top: int = typer.Option(10, "--top", "-k", help="How many passages to show."),
    mode: str = typer.Option("hybrid", help=f"Ranking: {', '.join(MODES)}."),
    filters: list[str] = typer.Option(
        [], "--filter", "-f", help=f"KEY=VALUE, repeatable. Keys: {', '.join(sorted(set(FILTER_KEYS)))}."
    ),
    expand: bool = typer.Option(True, "--expand/--no-expand", help="Add thesaurus synonyms (shown)."),
    feedback: bool = typer.Option(
        True,
        "--feedback/--no-feedback",
        help="Semantic side: search again from the best first-pass passages (see README, Retrieval).",
    ),
    per_document: int | None = typer.Option(
        None,
        help="At most this many passages per document (0 = no cap; default: the desk's "
        "RESEARCHDESK_SEARCH__MAX_PER_DOCUMENT, 3).",
    ),
    queries: Path | None = typer.Option(None, "--queries", help="Run one query per line of this file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (one object per query with --queries)."),
) -> None:
    """Search the library: BM25 and sentence embeddings fused, with filters and query expansion.

    Examples:
      researchdesk search "barriers to passing local flavored tobacco policies"
      researchdesk search "food policy councils" --filter source_type=report --filter date_from=2020
      researchdesk search --queries questions.txt --json
    """
    parsed = parse_filters(filters)
    if queries is None and query is None:
        raise InputError(
            "No query given.", 'Pass a query in quotes, e.g. researchdesk search "coalition funding".'
        )
    with desk_of(ctx) as desk:
        # Words are indexed before searching; embeddings are not waited for: passages still without
        # a vector are found by their words, and a note says how much of the library has one.
        index = sync_index_with_progress(desk, embed=False)
        run = partial(
            index.search,
            top_k=top,
            mode=mode,
            filters=parsed,
            expand=expand,
            max_per_document="setting" if per_document is None else per_document or None,
            feedback=feedback,
        )
        if queries is not None:
            try:
                lines = queries.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise InputError(f"Cannot read {queries}: {exc.strerror}.", "Check the file name.") from exc
            for line in lines:
                if not line.strip():
                    continue
                try:
                    print(json.dumps(run(line).to_dict(), ensure_ascii=False))
                except ResearchDeskError as exc:
                    print(json.dumps({"query": line, "error": str(exc), "hits": []}, ensure_ascii=False))
            return
        assert query is not None
        res = run(query)
        flagged = _flagged(desk, res)
    if as_json:
        data = res.to_dict()
        for hit in data.get("hits", []):
            hit["flag"] = flagged.get(hit.get("document_id"), "")
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_results(res, flagged)


def _flagged(desk: Desk, res: SearchResults) -> dict[int, str]:
    """Return the documents among the hits flagged RETRACTED (or withdrawn) or SUPERSEDED, with the flag."""
    flagged: dict[int, str] = {}
    for d in {h.document_id for h in res.hits}:
        extra = desk.store.get_document(d).extra
        if extra.get("retracted"):
            flagged[d] = "RETRACTED"
        elif extra.get("superseded"):
            flagged[d] = "SUPERSEDED"
    return flagged


def _print_results(res: SearchResults, flagged: dict[int, str] | None = None) -> None:
    if res.expanded_terms:
        console.print(f"[dim]Also searched for: {escape(', '.join(res.expanded_terms))}[/]")
    for note in res.notes:
        console_err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    if not res.hits:
        console.print("No passage matches. Try other words, --mode semantic, or fewer filters.")
        return
    for hit in res.hits:
        _print_hit(hit, (flagged or {}).get(hit.document_id, ""))


def _print_hit(hit: SearchHit, flag: str = "") -> None:
    where = f"p. {hit.page}" if hit.page else (hit.section.split(" › ")[-1] if hit.section else "")
    shown = f" [bold red]{flag}[/]" if flag else ""
    console.print(
        f"[bold]{hit.rank}.[/] [cyan]{hit.score:.3f}[/]  doc {hit.document_id}{shown}  [bold]{escape(hit.title[:90])}[/]"
        f"  {hit.date}  [dim]{escape(hit.file_name)}  {escape(where)}[/]"
    )
    console.print(
        "   " + _highlighted(hit.text[:600], hit.matched_terms) + ("…" if len(hit.text) > 600 else "")
    )
    console.print()


def _highlighted(text: str, terms: list[str]) -> str:
    out, pos = [], 0
    for start, end in highlight(text, terms):
        out.append(escape(text[pos:start]))
        out.append(f"[bold yellow]{escape(text[start:end])}[/]")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)
