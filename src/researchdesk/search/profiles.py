"""Document profiles: one vector per document for what the document as a whole is about.

A passage says what it says; whether its document is *about* a request's subject is read from the
document's title and abstract (or, without an abstract, its title and opening text), embedded once
per document with the search's embedder and leaning toward its title's own vector (TITLE_SHARE), with
its words beside it. They are kept in
``<home>/profiles/profiles.npz`` (plain arrays, beside the index, on either store) and brought up to
date with the index (``search/desk.sync_index``, under its progress bar) when a document is added,
changed or removed; a document changed since its profile was made gets a new one. Without an
embedding model the profiles hold the words alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from researchdesk.models import Document, Passage
from researchdesk.search.embed import Embedder, Progress, encode_in_chunks
from researchdesk.search.tokenize import tokenize

PROFILE_FORMAT = 3
PROFILE_CHARS = 1600  # title and abstract fit; MiniLM reads long texts in windows
# A researcher reads what a document is about first from its title: the profile vector leans this far
# toward the title's own vector (the abstract's opening lines on a general problem otherwise pull an essay
# on chronic-disease mapping as close to "screenings during the pandemic" as the studies of them). Chosen on
# the development requests (on-subject share of the sources near the best match: 86 % alone, 95 % at 0.4).
TITLE_SHARE = 0.4
_ABSTRACT = ("abstract", "summary")


def in_abstract(section: str) -> bool:
    """Return True when a heading path stands under a document's abstract ("Abstract › Results")."""
    return section.split(" › ")[0].strip().lower() in _ABSTRACT


class ProfileSource(Protocol):
    """What profiles need from a store."""

    def documents(self) -> list[Document]: ...

    def passages(self, document_id: int) -> list[Passage]: ...


@dataclass
class Profiles:
    """Unit vectors, one row per document id, and each profile's title and text tokens."""

    document_ids: list[int]
    vectors: np.ndarray
    title_tokens: list[frozenset[str]]
    tokens: list[frozenset[str]]

    def document_frequency(self) -> Counter[str]:
        """Return token → number of profiles that hold it."""
        df: Counter[str] = Counter()
        for t in self.tokens:
            df.update(t)
        return df


def profile_text(doc: Document, passages: list[Passage]) -> str:
    """Return the text that stands for a whole document: its title and abstract (or opening text)."""
    abstract = doc.meta.abstract.strip()
    if not abstract:
        parts = [p.text for p in passages if in_abstract(p.section)]
        abstract = " ".join(parts)
    if not abstract:
        body = [p.text for p in passages if str(p.kind) != "table row" and len(p.text) > 120]
        abstract = " ".join(body[:3])
    title = doc.meta.title or doc.file_name
    return f"{title}. {abstract}"[:PROFILE_CHARS]


def load_profiles(
    store: ProfileSource, embedder: Embedder | None, directory: Path, progress: Progress | None = None
) -> Profiles:
    """Return the profiles of every document of the store, making those missing or out of date.

    With no embedder (``RESEARCHDESK_EMBEDDER=none``) the profiles hold words only (no vectors).
    """
    path = Path(directory) / "profiles.npz"
    space = embedder.name if embedder is not None else ""
    dim = embedder.dim if embedder is not None else 0
    known: dict[int, tuple[str, np.ndarray, str, str]] = {}
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as saved:
                if int(saved["format"]) == PROFILE_FORMAT and str(saved["embedder"]) == space:
                    rows = zip(
                        saved["ids"],
                        saved["stamps"],
                        saved["vectors"],
                        saved["titles"],
                        saved["texts"],
                        strict=True,
                    )
                    for doc_id, stamp, vector, title, text in rows:
                        known[int(doc_id)] = (str(stamp), vector, str(title), str(text))
        except (OSError, ValueError, KeyError):
            known = {}  # derived data: a damaged cache is rebuilt
    docs = store.documents()
    missing = [d for d in docs if d.id not in known or known[d.id][0] != _stamp(d)]
    if missing:
        texts = [profile_text(d, store.passages(d.id)) for d in missing]
        if embedder is not None:
            whole = encode_in_chunks(embedder, texts, progress=progress)
            titles = encode_in_chunks(embedder, [d.meta.title or d.file_name for d in missing])
            mixed = (1.0 - TITLE_SHARE) * whole + TITLE_SHARE * titles
            fresh = (mixed / np.maximum(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-12)).astype(
                np.float32
            )
        else:
            fresh = np.zeros((len(texts), 0), dtype=np.float32)
        for d, text, v in zip(missing, texts, fresh, strict=True):
            title = " ".join(sorted(set(tokenize(d.meta.title or d.file_name))))
            known[d.id] = (_stamp(d), v, title, " ".join(sorted(set(tokenize(text)))))
    ids = [d.id for d in docs]
    matrix = (
        np.stack([known[i][1] for i in ids]).astype(np.float32)
        if ids
        else np.zeros((0, dim), dtype=np.float32)
    )
    if missing or len(known) != len(ids):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name("profiles.tmp.npz")
        with tmp.open("wb") as fh:
            np.savez(
                fh,
                format=np.array(PROFILE_FORMAT),
                embedder=np.array(space),
                ids=np.array(ids, dtype=np.int64),
                stamps=np.array([_stamp(d) for d in docs], dtype=str),
                vectors=matrix,
                titles=np.array([known[i][2] for i in ids], dtype=str),
                texts=np.array([known[i][3] for i in ids], dtype=str),
            )
        tmp.replace(path)  # one file, replaced whole: a crash leaves the old cache or the new one
    return Profiles(
        ids,
        matrix,
        [frozenset(known[i][2].split()) for i in ids],
        [frozenset(known[i][3].split()) for i in ids],
    )


def _stamp(doc: Document) -> str:
    return f"{doc.content_hash}|{doc.updated_at}|{doc.meta.title}"
