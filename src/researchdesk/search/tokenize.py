"""Word tokens for English prose: lower-cased, stop words dropped, Snowball-stemmed, compounds kept.

A hyphenated or slashed word yields the whole compound and its parts, so ``cross-sector`` gives
``cross-sector``, ``cross`` and ``sector``; ``PSE/policy`` gives ``pse/polici``, ``pse`` and ``polici``;
``COVID-19`` gives ``covid-19`` and ``covid`` (a bare number inside a compound is not a token of its
own: "19" alone would match every page number). The same function tokenizes passages and queries,
so both sides always agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import Stemmer

# Bump when the tokens a text yields change: indexes written with another version are rebuilt.
TOKENIZER_VERSION = 1

# A word is a run of letters/digits; apostrophes stay inside it, hyphens and slashes join compounds.
_WORD = r"[^\W_]+(?:['’][^\W_]+)*"
TOKEN_RE = re.compile(rf"{_WORD}(?:[-/‐‑]{_WORD})*")
_SPLIT_RE = re.compile(r"([-/‐‑])")

# A general English stop-word list (articles, pronouns, auxiliaries, prepositions, conjunctions).
# Content words a researcher searches for ("lack", "barrier", "without") are deliberately not in it.
_STOP_WORD_TEXT = """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each either etc few for from
    further had has have having he her here hers herself him himself his how however i if in into is
    it its itself just let may me might more most must my myself neither nor of off on once only or
    other ought our ours ourselves out over own same shall she should so some such than that the their
    theirs them themselves then there these they this those through thus to too under until up upon us
    very via was we were what when where whether which while who whom whose why will with within would
    yet you your yours yourself yourselves
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORD_TEXT.split())

_STEMMER = Stemmer.Stemmer("english")
# Per-process memo of word -> stem ("" for a word that yields no token); words repeat a lot.
_WORD_CACHE: dict[str, str] = {}


def _clean(part: str) -> str:
    """Return a word part without possessive 's and inner apostrophes."""
    part = part.replace("’", "'")
    if part.endswith("'s"):
        part = part[:-2]
    return part.replace("'", "")


def _word_token(word: str) -> str:
    """Return the stem of a simple (non-compound) lower-case word, or "" when it is not a token."""
    cached = _WORD_CACHE.get(word)
    if cached is not None:
        return cached
    clean = _clean(word)
    stem = "" if len(clean) < 2 or clean in STOP_WORDS else _STEMMER.stemWord(clean)
    if len(_WORD_CACHE) < 500_000:
        _WORD_CACHE[word] = stem
    return stem


def _compound_tokens(word: str) -> list[str]:
    """Return the tokens of a hyphenated or slashed lower-case word: the compound, then its parts."""
    pieces = _SPLIT_RE.split(word)
    stems: list[str] = []
    parts: list[str] = []
    for i, piece in enumerate(pieces):
        if i % 2:  # a separator; hyphen variants are written as a plain hyphen
            stems.append("/" if piece == "/" else "-")
            continue
        clean = _clean(piece)
        stems.append(_STEMMER.stemWord(clean) if clean else clean)
        token = _word_token(piece)
        if token and not clean.isdigit():
            parts.append(token)
    compound = "".join(stems)
    return [compound, *parts]


# Per-process memo of a lower-case word (plain or compound) -> its tokens.
_TOKENS_CACHE: dict[str, tuple[str, ...]] = {}


def _lower_word_tokens(word: str) -> tuple[str, ...]:
    """Return the tokens of a lower-case word as TOKEN_RE matched it (memoised)."""
    tokens = _TOKENS_CACHE.get(word)
    if tokens is None:
        if "-" in word or "/" in word or "‐" in word or "‑" in word:
            tokens = tuple(_compound_tokens(word))
        else:
            token = _word_token(word)
            tokens = (token,) if token else ()
        if len(_TOKENS_CACHE) < 500_000:
            _TOKENS_CACHE[word] = tokens
    return tokens


def word_tokens(word: str) -> list[str]:
    """Return the index tokens of one word as the tokenizer matched it (any case)."""
    return list(_lower_word_tokens(word.lower()))


def tokenize(text: str) -> list[str]:
    """Return the index tokens of a text in order (compounds followed by their parts)."""
    get = _TOKENS_CACHE.get
    tokens: list[str] = []
    for word in TOKEN_RE.findall(text.lower()):
        found = get(word)
        tokens.extend(found if found is not None else _lower_word_tokens(word))
    return tokens


def stem_parts(text: str) -> list[str]:
    """Return the stems of a text's content words in order, compounds split into their parts.

    Used to find thesaurus phrases in a query: "cross sector" and "cross-sector" both give
    ``["cross", "sector"]``.
    """
    out: list[str] = []
    for word in TOKEN_RE.findall(text.lower()):
        for piece in _SPLIT_RE.split(word)[::2]:
            token = _word_token(piece)
            if token:
                out.append(token)
    return out


@dataclass(frozen=True)
class WordSpan:
    """A word of a text: its character span and the tokens it yields."""

    start: int
    end: int
    tokens: tuple[str, ...]  # a compound's own token first, then its parts' tokens
    compound: bool = False


def word_spans(text: str) -> Iterator[WordSpan]:
    """Yield every word of ``text`` with its span; a compound's parts are yielded after it."""
    for match in TOKEN_RE.finditer(text):
        word = match.group(0)
        tokens = tuple(word_tokens(word))
        if not tokens:
            continue
        is_compound = _SPLIT_RE.search(word) is not None
        yield WordSpan(match.start(), match.end(), tokens, is_compound)
        if is_compound:
            offset = match.start()
            for piece in _SPLIT_RE.split(word):
                if piece and not _SPLIT_RE.fullmatch(piece):
                    part = _word_token(piece.lower())
                    if part:
                        yield WordSpan(offset, offset + len(piece), (part,))
                offset += len(piece)
