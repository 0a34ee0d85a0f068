"""Query expansion from the built-in thesaurus: finds its phrases in a query and adds their synonyms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from researchdesk.search.thesaurus import THESAURUS
from researchdesk.search.tokenize import TOKEN_RE, stem_parts, word_tokens

# Weight of an expanded phrase relative to one of the user's own words (1.0); a phrase of several
# words shares it among its words, so "collective impact" does not outweigh the user's "partnership".
EXPANSION_WEIGHT = 0.5


@dataclass(frozen=True)
class Expansion:
    """A thesaurus phrase found in the query and the phrases of its group that were added."""

    matched: str
    added: tuple[str, ...]


@lru_cache(maxsize=1)
def _phrase_keys() -> list[tuple[tuple[str, ...], str, int]]:
    """Return (stem sequence, phrase, group index) for every thesaurus phrase, longest first."""
    keys = []
    for group_index, group in enumerate(THESAURUS):
        for phrase in group:
            parts = tuple(stem_parts(phrase))
            if parts:
                keys.append((parts, phrase, group_index))
    keys.sort(key=lambda item: -len(item[0]))
    return keys


def find_expansions(query: str, groups: Sequence[Sequence[str]] | None = None) -> list[Expansion]:
    """Return the thesaurus groups the query touches, in query order, with the phrases they add.

    Matching is on stems, so "barriers", "Barrier" and "cross sector"/"cross-sector" all match.
    A word is claimed by the longest phrase that covers it ("policy makers" is a legislator, not a
    policy). ``groups`` replaces the built-in thesaurus (for tests and user thesauri).
    """
    if groups is None:
        keys = _phrase_keys()
        thesaurus: Sequence[Sequence[str]] = THESAURUS
    else:
        thesaurus = groups
        keys = sorted(
            (
                (tuple(stem_parts(p)), p, gi)
                for gi, group in enumerate(groups)
                for p in group
                if stem_parts(p)
            ),
            key=lambda item: -len(item[0]),
        )
    parts = stem_parts(query)
    claimed = [False] * len(parts)
    found: list[tuple[int, str, int]] = []  # (position, phrase, group)
    for key, phrase, group_index in keys:
        n = len(key)
        for pos in range(len(parts) - n + 1):
            if tuple(parts[pos : pos + n]) == key and not any(claimed[pos : pos + n]):
                claimed[pos : pos + n] = [True] * n
                found.append((pos, phrase, group_index))
    found.sort()
    expansions: list[Expansion] = []
    used_groups: set[int] = set()
    for _pos, phrase, group_index in found:
        if group_index in used_groups:
            continue
        used_groups.add(group_index)
        # Spelling variants ("multi-sector" for "multisector") and phrases that stem alike
        # ("municipal", "municipality") add nothing new: keep the first of each.
        seen_keys = {tuple(stem_parts(phrase))}
        added = []
        for other in thesaurus[group_index]:
            key = tuple(stem_parts(other))
            if key not in seen_keys:
                seen_keys.add(key)
                added.append(other)
        expansions.append(Expansion(phrase, tuple(added)))
    return expansions


@dataclass
class ExpandedTerms:
    """What expansions add to a query: single tokens with a weight, and phrases that count only whole."""

    weights: dict[str, float]
    phrases: list[tuple[tuple[str, ...], float]]


def expansion_terms(expansions: Sequence[Expansion], user_tokens: set[str]) -> ExpandedTerms:
    """Return the tokens and phrases the expansions add beyond the user's own tokens.

    A one-word phrase adds its token (a compound's own token, so "e-cigarette" does not add a bare
    "e"-less "cigarette" twice). A phrase of several words ("collective impact", "policy maker")
    counts only in passages that have all its words: "maker" alone must not match.
    """
    weights: dict[str, float] = {}
    phrases: list[tuple[tuple[str, ...], float]] = []
    for expansion in expansions:
        for phrase in expansion.added:
            words = [tokens[0] for tokens in map(word_tokens, TOKEN_RE.findall(phrase)) if tokens]
            if len(words) == 1:
                if words[0] not in user_tokens:
                    weights[words[0]] = EXPANSION_WEIGHT
            elif words:
                phrases.append((tuple(words), EXPANSION_WEIGHT))
    return ExpandedTerms(weights, phrases)
