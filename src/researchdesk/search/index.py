"""The embedded search index: passages, their BM25 term counts and embeddings, kept in memory and
in plain files (``index_files.py`` says which), updated in place as the library changes.

It is the search backend of a SQLite desk (``backend.SearchBackend``): ``pipeline.search`` asks it for
BM25 scores (its ``LexicalIndex`` and a title field) and the rows nearest a vector (exact cosine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from researchdesk.models import IndexedPassage
from researchdesk.search import pipeline
from researchdesk.search.backend import LexicalQuery, Ranked, Scored
from researchdesk.search.catalog import DocumentInfo, PassageTable
from researchdesk.search.embed import Embedder, Progress, encode_in_chunks, passage_space
from researchdesk.search.fusion import top_indices
from researchdesk.search.index_files import (  # noqa: F401  (embedding_text: names this module has always offered)
    IndexFiles,
    embedding_key,
    embedding_text,
    keys_of,
    read_files,
    write_files,
)
from researchdesk.search.lexical import LexicalIndex
from researchdesk.search.pipeline import (  # noqa: F401  (names this module has always offered)
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    MODES,
    check_mode,
    semantic_fallback,
)
from researchdesk.search.results import SemanticCoverage
from researchdesk.search.semantic import append_rows, cosine_scores
from researchdesk.search.tokenize import tokenize
from researchdesk.settings import SearchSettings

# A document title speaks for all of its passages, so it is scored as a field of its own (BM25 over
# titles) and added at this weight to the passages that match the query in their own text. Appending
# the title to every passage instead let a title match outweigh the passage's content.
TITLE_WEIGHT = 0.5


class SearchIndex(pipeline.PipelineSearch):
    """Hybrid (BM25 + embedding) search over passages, updatable in place and saved as plain files.

    ``tuning`` is the settings' ``search`` section (how hybrid search fuses its two lists, feedback,
    the per-document cap; by default the settings' defaults).
    """

    def __init__(self, embedder: Embedder | None = None, tuning: SearchSettings | None = None) -> None:
        super().__init__(embedder, tuning)
        self.table = PassageTable()
        self.lexical = LexicalIndex()
        self.vectors: np.ndarray | None = (
            np.zeros((0, embedder.dim), dtype=np.float32) if embedder is not None else None
        )
        self._titles = LexicalIndex()
        self._title_row = np.zeros(0, dtype=np.int64)  # passage row -> row of its document's title
        self.keys = np.zeros(0, dtype=np.uint64)  # passage row -> embedding_key of its embedding_text
        self.embedded = np.zeros(0, dtype=bool)  # passage row -> its row of ``vectors`` is its vector
        self.generation = 0  # counts the saves of the index's directory (meta.json), to spot other writers
        self._mask_of: tuple[frozenset[int], np.ndarray] | None = None  # the last filter's rows

    # --- contents -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.table)

    @property
    def max_passage_id(self) -> int:
        """Return the highest passage id in the index (0 when empty)."""
        return int(self.table.passage_id.max()) if len(self.table) else 0

    def document_ids(self) -> set[int]:
        """Return the ids of the documents with passages in the index."""
        return set(self.table.documents)

    @property
    def semantic_ready(self) -> bool:
        """Return True when semantic search can run: an embedder, and at least one passage embedded.

        Passages not embedded yet are found by their words alone (``coverage`` says how many).
        """
        return (
            self.embedder is not None
            and self.vectors is not None
            and self.vectors.shape[0] == len(self.table)
            and bool(self.embedded.any())
        )

    def coverage(self) -> SemanticCoverage:
        """Return how many of the index's passages have their vector (semantic search reaches them)."""
        embedded = int(self.embedded.sum()) if self.vectors is not None and self.embedder is not None else 0
        return SemanticCoverage(embedded=embedded, passages=len(self.table), model=self.embedder_name)

    def pending(self) -> int:
        """Return how many passages wait for their vector (0 without an embedder)."""
        if self.embedder is None or self.vectors is None:
            return 0
        return int((~self.embedded).sum())

    # --- building -------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        passages: Iterable[IndexedPassage],
        embedder: Embedder | None,
        progress: Progress | None = None,
        batch_size: int = 64,
    ) -> SearchIndex:
        """Return a new index of ``passages``; ``progress(done, total)`` follows the embedding."""
        index = cls(embedder)
        index.add(passages, progress=progress, batch_size=batch_size)
        return index

    def add(
        self,
        passages: Iterable[IndexedPassage],
        progress: Progress | None = None,
        batch_size: int = 64,
        known_vectors: Mapping[int, np.ndarray] | None = None,
        embed: bool = True,
    ) -> int:
        """Append passages not yet in the index and return how many were added.

        Passages whose id is already indexed are skipped, so adding is idempotent. Only the new
        passages are tokenized and embedded; BM25 weights are re-derived from stored counts. No text
        is embedded twice: a passage whose embedded text (``embedding_text``) is already in the index,
        appears twice among the new ones, or is in ``known_vectors`` (by ``embedding_key``; e.g. the
        old passages of a document read again) takes that vector. With ``embed`` False the new
        passages are searchable by their words at once and wait for their vectors (``embed_pending``),
        except those whose vector is known already.
        """
        self._mask_of = None
        known = set(self.table.passage_id.tolist())
        new: list[IndexedPassage] = []
        for passage in passages:
            if passage.passage_id not in known:
                known.add(passage.passage_id)
                new.append(passage)
        total = len(new)
        if not new:
            if progress is not None:
                progress(0, 0)
            return 0
        keys = keys_of(embedding_text(p) for p in new)
        vectors = None
        embedded = np.zeros(total, dtype=bool)
        if self.embedder is not None and not embed:
            vectors, embedded = self._known_vectors(keys, known_vectors or {})
        elif self.embedder is not None:
            vectors = self._vectors_for(new, keys, batch_size, progress, known_vectors or {})
            embedded[:] = True
        elif self.vectors is not None:
            # Vectors from an embedder that is no longer configured cannot cover the new passages.
            self.vectors = None
            self.embedder_name = ""
        # A passage is indexed under its text and its section heading; titles are a field of their own.
        self.lexical.append([tokenize(p.text) + tokenize(p.section) for p in new])
        self.table.append(new)
        self.keys = np.concatenate([self.keys, keys])
        self._derive_titles()
        if vectors is not None and self.vectors is not None:
            self.vectors = append_rows(self.vectors, vectors)
            self.embedded = np.concatenate([self.embedded, embedded])
        elif self.vectors is None:
            self.embedded = np.zeros(len(self.table), dtype=bool)
        if progress is not None and (self.embedder is None or not embed):
            progress(total, total)
        return total

    def _found_vectors(
        self, keys: np.ndarray, known_vectors: Mapping[int, np.ndarray]
    ) -> dict[int, np.ndarray]:
        """Return the vectors already made for any of ``keys``: given ones, then the index's own."""
        found: dict[int, np.ndarray] = {k: v for k, v in known_vectors.items()}
        if self.vectors is not None and len(self.keys):
            wanted = np.isin(self.keys, keys) & self.embedded
            for hit in np.flatnonzero(wanted):
                found.setdefault(int(self.keys[hit]), self.vectors[hit])
        return found

    def _known_vectors(
        self, keys: np.ndarray, known_vectors: Mapping[int, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return rows for new passages: the vectors already made for their texts, zeros for the rest,
        and which rows hold a vector."""
        assert self.embedder is not None
        found = self._found_vectors(keys, known_vectors)
        out = np.zeros((len(keys), self.embedder.dim), dtype=np.float32)
        embedded = np.zeros(len(keys), dtype=bool)
        for row, key in enumerate(keys.tolist()):
            vector = found.get(key)
            if vector is not None:
                out[row] = vector
                embedded[row] = True
        return out, embedded

    def pending_texts(self, limit: int) -> tuple[list[int], list[str]]:
        """Return the keys and texts of up to ``limit`` distinct texts still to embed, in passage order."""
        if self.embedder is None or self.vectors is None:
            return [], []
        todo: dict[int, str] = {}
        for row in np.flatnonzero(~self.embedded).tolist():
            key = int(self.keys[row])
            if key not in todo:
                if len(todo) >= limit:
                    break
                todo[key] = embedding_text(self.table.passage(row))
        return list(todo), list(todo.values())

    def set_vectors(self, keys: Sequence[int], vectors: np.ndarray) -> int:
        """Give every passage still waiting whose text has one of ``keys`` its vector; return how many."""
        if self.vectors is None or not len(keys):
            return 0
        by_key = {int(k): row for row, k in enumerate(keys)}
        rows = np.flatnonzero(~self.embedded & np.isin(self.keys, np.fromiter(by_key, dtype=np.uint64)))
        for row in rows.tolist():
            self.vectors[row] = vectors[by_key[int(self.keys[row])]]
        self.embedded[rows] = True
        return int(rows.size)

    def embed_pending(
        self, progress: Progress | None = None, batch_size: int = 64, limit: int | None = None
    ) -> int:
        """Embed the passages still waiting for their vector (at most ``limit`` texts); return how many
        passages got one. Each distinct text is embedded once."""
        if self.embedder is None or self.vectors is None:
            return 0
        keys, texts = self.pending_texts(limit if limit is not None else len(self.table))
        vectors = encode_in_chunks(self.embedder, texts, batch_size=batch_size, progress=progress)
        return self.set_vectors(keys, vectors)

    def _vectors_for(
        self,
        new: list[IndexedPassage],
        keys: np.ndarray,
        batch_size: int,
        progress: Progress | None,
        known_vectors: Mapping[int, np.ndarray],
    ) -> np.ndarray:
        """Return the vectors of ``new`` passages, embedding only the texts with no vector yet."""
        assert self.embedder is not None
        found = self._found_vectors(keys, known_vectors)
        todo: dict[int, str] = {}
        for p, key in zip(new, keys.tolist(), strict=True):
            if key not in found and key not in todo:
                todo[key] = embedding_text(p)
        fresh = encode_in_chunks(self.embedder, list(todo.values()), batch_size=batch_size, progress=progress)
        found.update(zip(todo, fresh, strict=True))
        if progress is not None and not todo:
            progress(len(new), len(new))
        out = np.empty((len(new), self.embedder.dim), dtype=np.float32)
        for row, key in enumerate(keys.tolist()):
            out[row] = found[key]
        return out

    def vectors_of(self, document_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """Return the vectors of the given documents' passages by ``embedding_key`` (for ``add``)."""
        if self.vectors is None or self.vectors.shape[0] != len(self.table):
            return {}
        ids = np.fromiter((int(d) for d in document_ids), dtype=np.int64)
        rows = np.flatnonzero(np.isin(self.table.document_id, ids) & self.embedded)
        return {int(self.keys[r]): self.vectors[r].copy() for r in rows}

    def remove_documents(self, document_ids: Iterable[int]) -> int:
        """Remove every passage of the given documents and return how many passages went."""
        ids = np.fromiter((int(d) for d in document_ids), dtype=np.int64)
        if ids.size == 0 or len(self.table) == 0:
            return 0
        self._mask_of = None
        drop = np.isin(self.table.document_id, ids)
        removed = int(drop.sum())
        if removed:
            keep = ~drop
            self.table.keep(keep)
            self.lexical.keep(keep)
            self.keys = self.keys[keep]
            self.embedded = self.embedded[keep]
            self._derive_titles()
            if self.vectors is not None:
                self.vectors = np.ascontiguousarray(self.vectors[keep])
        return removed

    def refresh_documents(self, infos: Iterable[DocumentInfo]) -> int:
        """Take corrected document attributes (title, date, type, publisher, ...); return how many changed."""
        changed = 0
        for info in infos:
            current = self.table.documents.get(info.document_id)
            if current is not None and current != info:
                self.table.documents[info.document_id] = info
                changed += 1
        if changed:
            self._derive_titles()
        return changed

    def _derive_titles(self) -> None:
        """Rebuild the title field (one row per document) from the documents' titles."""
        doc_ids = np.array(sorted(self.table.documents), dtype=np.int64)
        self._titles = LexicalIndex()
        self._titles.append([tokenize(self.table.documents[int(d)].title) for d in doc_ids])
        self._title_row = np.searchsorted(doc_ids, self.table.document_id)

    # --- files (index_files.py) ----------------------------------------------------------------

    def save(self, directory: Path | str) -> None:
        """Write the index into ``directory``, replacing what was there only once all files are written."""
        self.generation += 1
        write_files(
            Path(directory),
            IndexFiles(
                self.table,
                self.lexical,
                self.keys,
                self.vectors,
                self.embedded,
                self.embedder_name if self.vectors is not None else "",
                self.generation,
            ),
        )

    @classmethod
    def load(
        cls, directory: Path | str, embedder: Embedder | None = None, tuning: SearchSettings | None = None
    ) -> SearchIndex:
        """Return the index saved in ``directory``, searched with ``tuning`` (the settings' ``search`` section).

        Raises DeskError when there is no index there, when it was written by another index format
        or tokenizer, or with another embedder than ``embedder``: the index is derived data, so the
        fix is to rebuild it from the library (``sync_index`` does that).
        """
        files = read_files(Path(directory), passage_space(embedder) if embedder is not None else None)
        index = cls(embedder, tuning)
        index.table, index.lexical, index.keys = files.table, files.lexical, files.keys
        index.vectors, index.embedded = files.vectors, files.embedded
        index.generation = files.generation
        index.embedder_name = files.embedder
        index._derive_titles()
        return index

    def close(self) -> None:
        """Let go of the index (its files need no closing; ``PostgresIndex`` closes connections)."""

    # --- searching: pipeline.search runs it, these answer its questions (backend.SearchBackend) ---

    def documents(self) -> Iterable[DocumentInfo]:
        """Return the attributes of the documents with passages in the index."""
        return self.table.documents.values()

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """Return how many passages contain each term."""
        return {t: self.lexical.document_frequency(t) for t in terms}

    def _mask(self, allowed: frozenset[int] | None) -> np.ndarray | None:
        """Return a boolean mask of the rows of the ``allowed`` documents (None = all)."""
        if allowed is None:
            return None
        if self._mask_of is not None and self._mask_of[0] is allowed:
            return self._mask_of[1]
        ids = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        mask = np.isin(self.table.document_id, ids)
        self._mask_of = (allowed, mask)
        return mask

    def lexical_candidates(self, query: LexicalQuery, allowed: frozenset[int] | None) -> Scored:
        """Return the BM25 score of every row, its title's added, zero where the filters exclude it."""
        scores = self.lexical.scores(query.weights, query.phrases)
        if len(self._titles):
            title_scores = self._titles.scores(query.weights, query.phrases)
            if title_scores.any():
                hit = np.flatnonzero(scores)
                scores[hit] += np.float32(TITLE_WEIGHT) * title_scores[self._title_row[hit]]
        mask = self._mask(allowed)
        if mask is not None:
            scores[~mask] = 0.0
        return Scored(scores, self.table.document_id)

    def semantic_candidates(self, vector: np.ndarray, allowed: frozenset[int] | None, depth: int) -> Ranked:
        """Return the ``depth`` rows nearest ``vector``, of those allowed that have their vector."""
        assert self.vectors is not None
        scores = cosine_scores(self.vectors, vector)
        mask = self._mask(allowed)
        waiting = ~self.embedded
        if mask is not None or waiting.any():
            scores = scores.copy()
            scores[waiting if mask is None else (~mask | waiting)] = -np.inf
        rows = top_indices(scores, depth)
        return Ranked(rows, scores[rows], self.table.document_id[rows])

    def embedded_count(self, allowed: frozenset[int] | None) -> int:
        """Return how many rows of the allowed documents have their vector."""
        mask = self._mask(allowed)
        return int(self.embedded.sum()) if mask is None else int((mask & self.embedded).sum())

    def feedback_vectors(self, keys: Sequence[int]) -> np.ndarray:
        """Return the vectors of those of the rows ``keys`` that have one, in order."""
        assert self.vectors is not None
        return self.vectors[[r for r in keys if self.embedded[r]]]

    def passages(self, keys: Sequence[int]) -> dict[int, IndexedPassage]:
        """Return the passage records of rows."""
        return {int(r): self.table.passage(int(r)) for r in keys}
