"""The choice among a scan's candidate quotes: the worthiest first, a few per document and role, none that
says again what an already chosen quote from the same document says.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from researchdesk.models import Evidence, Role
from researchdesk.search.tokenize import tokenize

MAX_SUGGESTIONS = 30  # a reviewer reads every suggestion: more would bury the good ones
PER_DOCUMENT_ROLE = 3  # of one role from one document: a long table does not crowd out the rest
PER_DOCUMENT_CONTEXT = 2
PER_DOCUMENT_STATISTICS = 1  # figures answer "what does it cost / how many", one per source is plenty
# Articles restate their findings (abstract, summary box, discussion): a quote sharing this share of
# its word trigrams with one already suggested from the same document says the same thing again.
REPEAT_SIMILARITY = 0.4
# A source's second or later quote worth less than this share of the best quote's is left out: readers kept 89 % of
# the quotes worth 0.7 of the best or more, 62 % of those under 0.5 (round 20 and dev5's first reading).
FAR_BELOW_BEST = 0.4
# ... or when nearly all the words of the shorter one (at least this many) are in the other.
RESTATE_SHARE, RESTATE_MIN_WORDS = 0.85, 8
_WORD = re.compile(r"\w+")
_PER_ROLE = {Role.CONTEXT: PER_DOCUMENT_CONTEXT, Role.STATISTIC: PER_DOCUMENT_STATISTICS}


def spread(
    found: dict[str, list[Evidence]],
    worth: Callable[[Evidence], float],
    quota: Callable[[int], int],
    per_role: dict[Role, int] | None = None,
) -> list[Evidence]:
    """Return the best suggestions, at most a few per document and role, so quotes come from many sources.

    Only the worthier of two quotes from one document is kept when their spans overlap (two facets'
    searches can cut one sentence, and it with the next, from the same passage) or when they say the
    same thing again (REPEAT_SIMILARITY, or the same distinctive figure), so a brief does not quote a finding twice.
    ``per_role`` raises or lowers how many quotes of a role one document may give (a question of fact takes
    several of a source's results).
    """
    limits = {**_PER_ROLE, **(per_role or {})}
    worths = {id(e): worth(e) for items in found.values() for e in items}
    everything = sorted((e for items in found.values() for e in items), key=lambda e: -worths[id(e)])
    floor = FAR_BELOW_BEST * max(worths.values(), default=0.0)
    taken: dict[int, list[tuple[Evidence, set[tuple[str, ...]], set[str]]]] = {}
    chosen: list[Evidence] = []
    for ev in everything:
        if len(chosen) >= MAX_SUGGESTIONS:
            break
        same_document = taken.setdefault(ev.document_id, [])
        if same_document and worths[id(ev)] < floor:
            continue  # a source's further quotes far below the brief's best: its best one is enough
        grams, terms = word_trigrams(ev.quote), set(tokenize(ev.quote))
        if (
            len(same_document) >= quota(ev.document_id)
            or sum(other.role is ev.role for other, _, _ in same_document)
            >= limits.get(ev.role, PER_DOCUMENT_ROLE)
            or any(
                (ev.start < other.end and other.start < ev.end)
                or similarity(grams, other_grams) >= REPEAT_SIMILARITY
                or restates(terms, other_terms)
                or bool(figures(ev.quote) & figures(other.quote))
                for other, other_grams, other_terms in same_document
            )
        ):
            continue
        same_document.append((ev, grams, terms))
        chosen.append(ev)
    return chosen


# A figure that marks one finding: "110,000", "6.4%", "$566.58" (not a year, a round 100 or 50%, or a 95% CI).
_FIGURE = re.compile(r"(?<![\w.,])(\$?\d{1,3}(?:,\d{3})+|\$?\d+\.\d+%?|\$\d+|\d+%)(?![\w,]?\d)")


def figures(text: str) -> set[str]:
    """Return the distinctive figures a text reports; two quotes from one source that share one repeat a finding
    ("… enabling more than 110,000 additional screens" in the abstract and again in the discussion)."""
    return {f for f in _FIGURE.findall(text) if f.strip("$%") not in ("100", "50", "0", "90", "95", "99")}


def restates(a: set[str], b: set[str]) -> bool:
    """Return True when one quote's words (stemmed, no stop words) are nearly all in another's: the
    discussion restating the abstract's sentence in other small words ("… and to promote the use of
    breathing tests among patients who are at higher risk for COPD …"), which trigrams miss."""
    shorter = min(len(a), len(b))
    return shorter >= RESTATE_MIN_WORDS and len(a & b) >= RESTATE_SHARE * shorter


def word_trigrams(text: str) -> set[tuple[str, ...]]:
    """Return the text's word trigrams, lower-cased (a short text gives its words as one tuple)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def similarity(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """Return the Jaccard similarity of two trigram sets (0 when either is empty)."""
    return len(a & b) / len(a | b) if a and b else 0.0
