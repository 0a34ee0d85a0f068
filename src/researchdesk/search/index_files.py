"""The embedded index's files: what a directory holds, written whole or not at all, and read back.

An index directory holds ``meta.json``, ``passages.npy`` / ``passages_text.bin`` /
``passages_text_offsets.npy`` / ``passages.json`` / ``documents.json`` (the passages),
``lexical_terms.json`` / ``lexical_counts.npz`` (term counts), ``embeddings.npy`` (unit vectors, one
row per passage, absent when the embedder is "none"), ``embedded.npy`` (which rows have their vector
yet: a passage is searchable by its words at once and semantically once embedded) and
``embedding_keys.npy`` (a 64-bit hash of the text each vector was made from, so that no text is
embedded twice). No pickles anywhere.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from researchdesk.errors import DeskError
from researchdesk.models import IndexedPassage
from researchdesk.search.catalog import PassageTable
from researchdesk.search.lexical import LexicalIndex
from researchdesk.search.tokenize import TOKENIZER_VERSION

INDEX_FORMAT = 2


def embedding_text(passage: IndexedPassage) -> str:
    """Return the text embedded for a passage: its document's title and heading path, then its text.

    "Barriers to Heat-Health Action Plans › Results › Staffing. Two of the five cities …": a passage's
    own words rarely name its subject; its title and headings do. Parts the text already starts with
    are not repeated. The stored passage and every offset stay as they are: this is only what is read.
    """
    context = [passage.title.strip()] if passage.title.strip() else []
    context += [h.strip() for h in passage.section.split(" › ") if h.strip()]
    head = " › ".join(c for c in context if not passage.text.startswith(c))
    return f"{head}. {passage.text}" if head else passage.text


def embedding_key(text: str) -> int:
    """Return a 64-bit hash of a text that is embedded: equal texts, equal keys (and vectors)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def recover_saved(directory: Path) -> None:
    """Put back an index whose save was cut off between its two renames (a crash or a kill there).

    ``save`` writes a whole new copy beside the index (``meta.json`` last), moves the index aside and
    the copy in. Killed between the two moves, the copy (complete when its ``meta.json`` is there) or
    else the old index takes the index's place, so no finished work is lost.
    """
    if (directory / "meta.json").exists():
        return
    for spare in (directory.with_name(directory.name + ".tmp"), directory.with_name(directory.name + ".old")):
        if (spare / "meta.json").exists():
            if directory.exists():
                shutil.rmtree(directory)
            spare.rename(directory)
            return


def keys_of(texts: Iterable[str]) -> np.ndarray:
    """Return the embedding keys of texts."""
    return np.fromiter((embedding_key(t) for t in texts), dtype=np.uint64)


@dataclass
class IndexFiles:
    """The parts of an embedded index as its files hold them (``embedder`` is "" without vectors)."""

    table: PassageTable
    lexical: LexicalIndex
    keys: np.ndarray
    vectors: np.ndarray | None
    embedded: np.ndarray
    embedder: str
    generation: int


def write_files(directory: Path, files: IndexFiles) -> None:
    """Write an index into ``directory``, replacing what was there only once all files are written."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    recover_saved(directory)
    tmp = directory.with_name(directory.name + ".tmp")
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    files.table.save(tmp)
    files.lexical.save(tmp)
    np.save(tmp / "embedding_keys.npy", files.keys, allow_pickle=False)
    if files.vectors is not None:
        np.save(tmp / "embeddings.npy", files.vectors, allow_pickle=False)
        np.save(tmp / "embedded.npy", files.embedded, allow_pickle=False)
    meta = {
        "format": INDEX_FORMAT,
        "tokenizer": TOKENIZER_VERSION,
        "embedder": files.embedder if files.vectors is not None else "",
        "dim": int(files.vectors.shape[1]) if files.vectors is not None else 0,
        "passages": len(files.table),
        "documents": len(files.table.documents),
        "bm25": {"k1": files.lexical.k1, "b": files.lexical.b},
        "embedded": int(files.embedded.sum()) if files.vectors is not None else 0,
        "generation": files.generation,
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    tmp.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def read_files(directory: Path, space: str | None) -> IndexFiles:
    """Return the index saved in ``directory``, its embeddings in the passage space ``space`` (None:
    whichever it holds).

    Raises DeskError when there is no index there, when it was written by another index format or
    tokenizer, or in another space: the index is derived data, so the fix is to rebuild it.
    """
    recover_saved(directory)
    meta_path = directory / "meta.json"
    if not meta_path.exists():
        raise DeskError(f"No search index in {directory}.", "Build it by syncing with the library.")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DeskError(f"The search index in {directory} is unreadable: {exc}.", "Rebuild it.") from exc
    if meta.get("format") != INDEX_FORMAT or meta.get("tokenizer") != TOKENIZER_VERSION:
        raise DeskError(
            f"The search index in {directory} was written by another version of ResearchDesk.",
            "Rebuild it from the library.",
        )
    saved_embedder = meta.get("embedder", "")
    if space is not None and saved_embedder != space:
        raise DeskError(
            f"The search index in {directory} holds embeddings of {saved_embedder or 'no model'!r}, not {space!r}.",
            "Rebuild it to embed the library with the configured model.",
        )
    try:
        table = PassageTable.load(directory)
        lexical = LexicalIndex.load(directory)
        vectors_path = directory / "embeddings.npy"
        vectors = (
            np.load(vectors_path, allow_pickle=False).astype(np.float32, copy=False)
            if saved_embedder and vectors_path.exists()
            else None
        )
        keys_path = directory / "embedding_keys.npy"
        keys = (
            np.load(keys_path, allow_pickle=False).astype(np.uint64, copy=False)
            if keys_path.exists()  # an index saved before keys were kept: made from its passages
            else keys_of(embedding_text(table.passage(r)) for r in range(len(table)))
        )
        embedded_path = directory / "embedded.npy"
        embedded = (
            np.load(embedded_path, allow_pickle=False).astype(bool, copy=False)
            if vectors is not None and embedded_path.exists()
            else np.full(len(table), vectors is not None, dtype=bool)  # saved whole
        )
    except (OSError, ValueError, KeyError) as exc:
        raise DeskError(f"The search index in {directory} is damaged: {exc}.", "Rebuild it.") from exc
    rows = {len(table), len(lexical), len(keys)}
    if vectors is not None:
        rows.update((vectors.shape[0], len(embedded)))
    if len(rows) != 1:
        raise DeskError(f"The files of the search index in {directory} disagree.", "Rebuild it.")
    return IndexFiles(
        table,
        lexical,
        keys,
        vectors,
        embedded,
        saved_embedder if vectors is not None else "",
        int(meta.get("generation", 0)),
    )
