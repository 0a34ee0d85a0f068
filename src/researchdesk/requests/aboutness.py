"""Which documents are about a request's subject, read from each document as a whole.

Every document has a profile vector (its title and abstract, ``search/profiles.py``); every subject
of the plan is embedded with the same model. A document is on the subject when its profile is close
to the subject both absolutely (ON_SUBJECT) and against the library's best match (within MARGIN of
it): a library with one article on the subject quotes that article, not the ten that share its
generic words. A subject whose best match stays under ON_SUBJECT is one the library does not hold,
and the brief says so.

A plan's subjects come from the prompt's words (``requests/subject.py``). The whole prompt's subject
is read first; a part of it ("tobacco", "nutrition policies") becomes a subject of its own only when
the library tells it apart: its best document is not among the whole subject's and matches it
clearly (SEPARATE). So "toddlers and preschoolers" stays one subject and "tobacco and nutrition
policies" becomes two, each with its own sources.

The thresholds are cosine similarities of all-MiniLM-L6-v2 vectors, chosen on the development
requests (``../shared/data/requests/dev-requests.json`` and ``benchmarks/data/requests/dev2.json``, by
the share of on-subject sources their labels give, with every must-quote article kept) and reported on
held-out ones (``benchmarks/brief_quality.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from researchdesk.search.embed import Embedder
from researchdesk.search.profiles import Profiles
from researchdesk.search.tokenize import tokenize

ON_SUBJECT = 0.47
MARGIN = 0.2
SEPARATE = 0.5
# A part of the prompt ("nutrition policies") is a subject of its own only when its best document is also
# within this of the whole prompt's best match — the margin that puts a document on the subject at all:
# "older patients who smoke", said in passing in a request about breathing tests, or "a cross-sector
# initiative on chronic disease prevention", the member's setting in a request about tobacco and
# nutrition policies, finds papers of its own but is not what the member asks about. (0.3 until titles
# weighed in the profiles, when the setting's chronic-disease papers came to pass it; on every request set
# 0.2 and 0.3 read the same subjects.)
PART_MARGIN = MARGIN
MAX_SOURCES = 5  # per subject: a brief's background research, not a bibliography
# A source within this of the subject's best match is squarely on it (its core); one further below is at its
# edge: quoted only when it shares what puts the core on the subject (EDGE_SHARE), and then less (the scan).
CORE_MARGIN = 0.08
MAX_MORE = 3  # on the subject beyond those: named under Further Reading, not quoted
# A source at the edge must also hold this share (by rarity) of the subject's words that every core source
# holds, as a search's concept blocks are joined by AND: a paper on diabetes self-management classes is near
# a request about energy bills and diabetes, but it never says "energy". Or as much of the words of one part
# of the prompt ("nutrition policies" beside "tobacco", a second subject the core does not speak to), or its
# profile reads as a close neighbour of a core source's (NEIGHBOUR): the same subject in other words ("health
# information exchange" for "modernizing data systems"). Otherwise it is named under Further Reading, not quoted.
EDGE_SHARE = 0.5
NEIGHBOUR = 0.75
# The subject's words found in a document's title and abstract (weighted by how rare they are in the
# library's profiles, a title word twice) add to the similarity at this weight.
LEXICAL_WEIGHT = 0.25
LEXICAL_ONLY = 0.3  # without an embedding model: the share of the subject's words a document must hold


@dataclass
class SubjectReading:
    """One subject as the library reads it: its best documents and whether the library holds it."""

    subject: str
    best: float
    documents: dict[int, float] = field(default_factory=dict)  # on-subject document → similarity
    more: list[int] = field(default_factory=list)  # on the subject beyond MAX_SOURCES: further reading

    @property
    def held(self) -> bool:
        return bool(self.documents)

    def core(self) -> list[int]:
        """Return the documents squarely on the subject (within CORE_MARGIN of its best match), best first."""
        return [
            d
            for d, s in sorted(self.documents.items(), key=lambda kv: -kv[1])
            if s >= self.best - CORE_MARGIN
        ]


@dataclass
class Aboutness:
    """Every subject's reading of the library."""

    readings: list[SubjectReading]

    def on_subject(self) -> dict[int, float]:
        """Return the documents on any subject, with their similarity (the best over subjects)."""
        out: dict[int, float] = {}
        for r in self.readings:
            for doc, s in r.documents.items():
                out[doc] = max(out.get(doc, 0.0), s)
        return out

    def missing(self) -> list[str]:
        """Return the subjects the library holds nothing on."""
        return [r.subject for r in self.readings if not r.held]

    def readings_dicts(self) -> list[dict[str, Any]]:
        """Return each subject's reading as plain data: subject, best match, documents best first, core."""
        return [
            {
                "subject": r.subject,
                "best": round(r.best, 3),
                "documents": sorted(r.documents, key=lambda d: -r.documents[d]),
                "more": list(r.more),
                "core": r.core(),
            }
            for r in self.readings
        ]


def read_subjects(
    subjects: list[str],
    profiles: Profiles,
    embedder: Embedder | None,
    candidates: set[int] | None = None,
) -> Aboutness:
    """Return how the library's documents (``candidates``, default all) stand to the plan's subjects.

    Without an embedding model (``RESEARCHDESK_EMBEDDER=none``) only the words count: a document is
    on the subject when its title and abstract hold LEXICAL_ONLY of the subject's (rarity-weighted)
    words.
    """
    rows = [i for i, d in enumerate(profiles.document_ids) if candidates is None or d in candidates]
    ids = [profiles.document_ids[i] for i in rows]
    wanted = [s for s in (" ".join(x.split()) for x in subjects) if s]
    if not wanted or not ids:
        return Aboutness([SubjectReading(s, 0.0) for s in wanted])
    texts = [" ".join(wanted)] + (wanted if len(wanted) > 1 else [])
    df = profiles.document_frequency()
    n = len(profiles.document_ids)
    titles = [profiles.title_tokens[i] for i in rows]
    bodies = [profiles.tokens[i] for i in rows]
    lexical = np.stack([_lexical(t, titles, bodies, df, n) for t in texts], axis=1)
    if embedder is None:
        about = _decide(texts, lexical, ids, LEXICAL_ONLY, LEXICAL_ONLY)
    else:
        sims = profiles.vectors[rows] @ embedder.encode(texts, batch_size=len(texts)).T  # documents × texts
        about = _decide(texts, sims + LEXICAL_WEIGHT * lexical, ids, ON_SUBJECT, SEPARATE)
    words = {doc: title | body for doc, title, body in zip(ids, titles, bodies, strict=True)}
    vectors = None if embedder is None else dict(zip(ids, profiles.vectors[rows], strict=True))
    weight = {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for text in texts for t in tokenize(text)}
    parts = [set(tokenize(part)) for part in wanted]
    for reading in about.readings:
        _keep_edge_on_subject_words(reading, parts, words, vectors, weight)
    return about


def _decide(texts: list[str], sims: np.ndarray, ids: list[int], floor: float, separate: float) -> Aboutness:
    """Return the readings of the whole subject (column 0) and of the parts the library tells apart."""
    whole = _reading(texts[0], sims[:, 0], ids, floor)
    readings = [whole]
    for j, part in enumerate(texts[1:], start=1):
        col = sims[:, j]
        top = int(np.argmax(col))
        # A part is a subject of its own when it finds a document of its own, clearly, that still
        # belongs to the request as a whole.
        if (
            ids[top] in whole.documents
            or col[top] < separate
            or sims[top, 0] < max(floor, whole.best - PART_MARGIN)
        ):
            continue
        readings.append(_reading(part, col, ids, floor))
    if len(readings) > 1 and whole.documents:
        # The whole prompt read as one subject keeps only what no part claims more clearly.
        claimed = {d for r in readings[1:] for d in r.documents}
        whole.documents = {d: s for d, s in whole.documents.items() if d not in claimed}
        if not whole.documents:
            readings = readings[1:]
    return Aboutness(readings)


def _keep_edge_on_subject_words(
    reading: SubjectReading,
    parts: list[set[str]],
    words: dict[int, frozenset[str]],
    vectors: dict[int, np.ndarray] | None,
    weight: dict[str, float],
) -> None:
    """Move to Further Reading the edge sources that hold neither the words every core source holds nor those
    of a part of the prompt, and read as no close neighbour of a core source (EDGE_SHARE, NEIGHBOUR)."""
    core = reading.core()
    if not core:
        return
    needed = [set(tokenize(reading.subject)).intersection(*(words[d] for d in core)), *parts]

    def holds(doc: int, terms: set[str]) -> bool:
        total = sum(weight[t] for t in terms)
        return total > 0 and sum(weight[t] for t in terms if t in words[doc]) >= EDGE_SHARE * total

    def apart(doc: int) -> bool:
        if any(holds(doc, terms) for terms in needed):
            return False
        return vectors is None or max(float(vectors[doc] @ vectors[c]) for c in core) < NEIGHBOUR

    edge = sorted((d for d in reading.documents if d not in core), key=lambda d: -reading.documents[d])
    moved = [d for d in edge if apart(d)]
    for doc in moved:
        del reading.documents[doc]
    reading.more[:0] = moved


def _lexical(
    text: str, titles: list[frozenset[str]], bodies: list[frozenset[str]], df: dict[str, int], n: int
) -> np.ndarray:
    """Return, per document, the rarity-weighted share of the text's words in its title (x2) and profile."""
    terms = set(tokenize(text))
    if not terms:
        return np.zeros(len(titles), dtype=np.float32)
    idf = {t: math.log((n + 1) / (df.get(t, 0) + 0.5)) for t in terms}
    total = 2 * sum(idf.values()) or 1.0
    return np.array(
        [
            sum(idf[t] * (2 if t in title else 1 if t in body else 0) for t in terms) / total
            for title, body in zip(titles, bodies, strict=True)
        ],
        dtype=np.float32,
    )


def _reading(subject: str, col: np.ndarray, ids: list[int], floor: float) -> SubjectReading:
    best = float(col.max()) if col.size else 0.0
    floor = max(floor, best - MARGIN)
    order = np.argsort(-col, kind="stable")[: MAX_SOURCES + MAX_MORE]
    close = [i for i in order if col[i] >= floor]
    docs = {ids[i]: float(col[i]) for i in close[:MAX_SOURCES]}
    return SubjectReading(subject, best, docs, [ids[i] for i in close[MAX_SOURCES:]])
