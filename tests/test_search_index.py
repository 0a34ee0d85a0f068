"""The search index: search modes, expansion, result records, incremental updates, files, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from researchdesk.errors import DeskError, QueryError, UnknownChoice
from researchdesk.models import Document, IndexedPassage
from researchdesk.search import MiniLMEmbedder, SearchIndex, SearchResults, search, sync_index, tokenize
from researchdesk.search.filters import Filters
from researchdesk.search.index import embedding_text
from researchdesk.search.semantic import feedback_query
from researchdesk.settings import Settings

# (document id, title, source type, date, publisher, container, [(section, page, text), ...])
DOCUMENTS = [
    (
        1,
        "Barriers to flavored tobacco ordinances in rural counties",
        "journal article",
        "2021-05-03",
        "Centers for Disease Control and Prevention",
        "Preventing Chronic Disease",
        [
            (
                "Results",
                4,
                "City councils weighing flavored tobacco ordinances met opposition from retailers, "
                "and a shortage of enforcement staff was a major obstacle.",
            ),
            (
                "Results",
                5,
                "Youth advocates testified at hearings about menthol cigarettes and vaping products.",
            ),
        ],
    ),
    (
        2,
        "Researchers and state legislators",
        "report",
        "2019",
        "National Conference of State Legislatures",
        "",
        [
            (
                "Findings",
                None,
                "Partnerships between university researchers and state legislators helped "
                "translate evidence into bills.",
            ),
            ("Findings", None, "Legislative staff valued short briefs delivered before the session began."),
        ],
    ),
    (
        3,
        "Collaboration for childhood obesity prevention",
        "journal article",
        "2023-02-10",
        "Project HOPE",
        "Health Affairs",
        [
            (
                "Methods",
                None,
                "A multisector coalition of schools, hospitals and the county health department "
                "carried out PSE/policy changes.",
            ),
            (
                "Discussion",
                None,
                "Shared goals and a backbone organization mattered; trust took years to build.",
            ),
        ],
    ),
    (
        4,
        "Brief: paid sick leave in municipalities",
        "our product",
        "2024-03-01",
        "Research Service",
        "",
        [
            (
                "",
                None,
                "This brief summarizes paid sick leave rules adopted by municipalities during COVID-19.",
            )
        ],
    ),
    (
        5,
        "Hospital infection control",
        "news/web",
        "2018",
        "City Gazette",
        "",
        [
            ("", None, "Hand hygiene compliance among nurses rose after the intervention."),
            ("", None, "Glucose and fatty acid levels in maternal plasma were measured at delivery."),
        ],
    ),
    (
        6,
        "Vaccination outreach",
        "case study",
        "2022-11",
        "County of Example",
        "",
        [
            (
                "Program",
                2,
                "Community health workers went door to door in remote farming neighborhoods during "
                "the COVID-19 pandemic to offer vaccines.",
            )
        ],
    ),
]


def make_passages(doc_ids: set[int] | None = None, first_id: int = 1) -> list[IndexedPassage]:
    out = []
    pid = first_id
    for doc_id, title, source_type, date, publisher, container, parts in DOCUMENTS:
        offset = 0
        for section, page, text in parts:
            if doc_ids is None or doc_id in doc_ids:
                out.append(
                    IndexedPassage(
                        passage_id=pid,
                        document_id=doc_id,
                        text=text,
                        section=section,
                        page=page,
                        start=offset,
                        end=offset + len(text),
                        title=title,
                        date=date,
                        source_type=source_type,
                        publisher=publisher,
                        container=container,
                        file_name=f"doc{doc_id}.html",
                    )
                )
            pid += 1
            offset += len(text) + 2
    return out


ALL = make_passages()


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(scope="module")
def hybrid_index(embedder: MiniLMEmbedder) -> SearchIndex:
    return SearchIndex.build(ALL, embedder)


@pytest.fixture()
def lexical_index() -> SearchIndex:
    return SearchIndex.build(ALL, embedder=None)


# --- searching ------------------------------------------------------------------------------------


def test_lexical_search_ranks_the_passage_with_the_query_terms_first(lexical_index: SearchIndex) -> None:
    results = lexical_index.search("flavored tobacco ordinances", mode="lexical")
    assert results.mode == "lexical"
    top = results.hits[0]
    assert top.document_id == 1 and top.passage_id == 1
    assert set(top.matched_terms) >= {"flavored", "tobacco", "ordinances"}
    assert top.lexical_rank == 1 and top.semantic_rank is None


def test_semantic_search_finds_paraphrases_without_shared_words(hybrid_index: SearchIndex) -> None:
    results = hybrid_index.search("working with lawmakers", mode="semantic", expand=False)
    assert results.hits[0].document_id == 2
    assert results.hits[0].semantic_rank == 1 and results.hits[0].lexical_rank is None
    results = hybrid_index.search("rural vaccine campaign", mode="semantic")
    assert results.hits[0].document_id == 6


def test_hybrid_fills_both_ranks_and_orders_by_fused_score(hybrid_index: SearchIndex) -> None:
    results = hybrid_index.search("partnerships between researchers and state legislators", top_k=5)
    assert results.mode == "hybrid"
    assert results.hits[0].passage_id == 3
    assert results.hits[0].lexical_rank == 1 and results.hits[0].semantic_rank == 1
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)
    assert [h.rank for h in results.hits] == list(range(1, len(results.hits) + 1))


def test_expansion_finds_synonyms_reports_them_and_can_be_switched_off(lexical_index: SearchIndex) -> None:
    # "impediment" is in no passage; the thesaurus adds "obstacle", which passage 1 has
    plain = lexical_index.search("impediment", mode="lexical", expand=False)
    assert plain.hits == [] and plain.expanded_terms == []
    expanded = lexical_index.search("impediment", mode="lexical")
    assert "obstacle" in expanded.expanded_terms
    assert expanded.hits[0].passage_id == 1
    assert "obstacle" in expanded.hits[0].matched_terms
    # an expanded term weighs less than the same word typed by the user
    own = lexical_index.search("obstacle", mode="lexical", expand=False)
    assert own.hits[0].score > expanded.hits[0].score


def test_expansion_of_cross_sector_reaches_coalition(lexical_index: SearchIndex) -> None:
    results = lexical_index.search("interagency work", mode="lexical")
    assert {"multisector", "coalition"} <= set(results.expanded_terms)
    assert results.hits[0].document_id == 3


def test_result_records_carry_passage_and_document_fields(lexical_index: SearchIndex) -> None:
    hit = lexical_index.search("menthol", mode="lexical").hits[0]
    source = ALL[1]
    assert (hit.passage_id, hit.document_id, hit.text) == (source.passage_id, 1, source.text)
    assert (hit.title, hit.date, hit.file_name) == (source.title, "2021-05-03", "doc1.html")
    assert (hit.section, hit.page, hit.start, hit.end) == ("Results", 5, source.start, source.end)
    assert hit.source_type == "journal article"


def test_per_document_cap_spreads_results_over_sources(lexical_index: SearchIndex) -> None:
    capped = lexical_index.search("tobacco ordinances menthol", mode="lexical", max_per_document=1)
    assert len({h.document_id for h in capped.hits}) == len(capped.hits)
    uncapped = lexical_index.search("tobacco ordinances menthol", mode="lexical", max_per_document=None)
    assert [h.document_id for h in uncapped.hits[:2]] == [1, 1]


def test_results_aggregate_to_documents_and_serialise(hybrid_index: SearchIndex) -> None:
    results = hybrid_index.search("tobacco", top_k=8, max_per_document=None)
    docs = results.documents()
    assert [d.rank for d in docs] == list(range(1, len(docs) + 1))
    assert docs[0].document_id == results.hits[0].document_id
    assert sum(d.passages for d in docs) == len(results.hits)
    data = json.loads(json.dumps(results.to_dict()))
    assert data["mode"] == "hybrid" and len(data["hits"]) == len(results.hits)
    assert data["hits"][0]["passage_id"] == results.hits[0].passage_id


def test_bm25_scores_equal_bm25s_on_the_same_tokens() -> None:
    import bm25s

    texts = [p.text for p in ALL]
    passages = [replace(p, title="", section="") for p in ALL]
    index = SearchIndex.build(passages, embedder=None)
    reference = bm25s.BM25()  # Lucene BM25, k1=1.5, b=0.75, as ours
    reference.index([tokenize(t) for t in texts], show_progress=False)
    for query in ("tobacco ordinances", "health department county", "covid-19 vaccines"):
        ours = index.lexical.scores(dict.fromkeys(tokenize(query), 1.0))
        theirs = reference.get_scores(tokenize(query))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_says_what_to_type(lexical_index: SearchIndex, query: str) -> None:
    with pytest.raises(QueryError) as info:
        lexical_index.search(query)
    assert "empty" in str(info.value) and "e.g." in str(info.value)


def test_stop_word_query_says_to_add_topic_words(lexical_index: SearchIndex) -> None:
    with pytest.raises(QueryError) as info:
        lexical_index.search("what is the and of it")
    assert "stop words" in str(info.value)


def test_unknown_mode_lists_modes(lexical_index: SearchIndex) -> None:
    with pytest.raises(UnknownChoice) as info:
        lexical_index.search("tobacco", mode="fuzzy")
    assert "hybrid, lexical, semantic" in str(info.value)


def test_searching_an_empty_index_says_to_ingest() -> None:
    with pytest.raises(QueryError) as info:
        SearchIndex(None).search("tobacco")
    assert "library is empty" in str(info.value) and "ingest" in str(info.value)


def test_ten_thousand_word_query_is_truncated_and_reported(hybrid_index: SearchIndex) -> None:
    words = [f"word{i}" for i in range(9_990)] + ["tobacco", "ordinances", "menthol", "legislators"] * 3
    results = hybrid_index.search(" ".join(words), top_k=3)
    assert len(results.terms) == 64
    assert {"tobacco", "ordin", "menthol", "legisl"} <= set(results.terms)  # the rare, known terms are kept
    assert any("64 most specific" in note for note in results.notes)
    assert results.hits


def test_lexical_only_index_degrades_hybrid_and_refuses_semantic(lexical_index: SearchIndex) -> None:
    results = lexical_index.search("tobacco")
    assert results.mode == "lexical" and any("lexical only" in n for n in results.notes)
    with pytest.raises(QueryError) as info:
        lexical_index.search("tobacco", mode="semantic")
    assert "RESEARCHDESK_EMBEDDER" in str(info.value)


# --- updates and files ----------------------------------------------------------------------------


def test_incremental_add_equals_full_build_and_is_idempotent(embedder: MiniLMEmbedder) -> None:
    first = [p for p in ALL if p.document_id <= 3]
    rest = [p for p in ALL if p.document_id > 3]
    index = SearchIndex.build(first, embedder)
    assert index.search("vaccines", mode="lexical").hits == []
    calls: list[tuple[int, int]] = []
    assert index.add(rest, progress=lambda done, total: calls.append((done, total))) == len(rest)
    assert calls[-1] == (len(rest), len(rest))
    assert index.add(rest) == 0
    full = SearchIndex.build(ALL, embedder)
    for query in ("vaccines in rural areas", "tobacco policy barriers"):
        ours, ref = index.search(query).hits, full.search(query).hits
        # Equal hits; a hybrid score is a sum of standardized scores, so the vectors' float noise
        # (below 1e-5) can move its sixth decimal.
        assert [replace(h, score=0.0) for h in ours] == [replace(h, score=0.0) for h in ref]
        assert [h.score for h in ours] == pytest.approx([h.score for h in ref], abs=1e-4)
    assert index.vectors is not None and full.vectors is not None
    np.testing.assert_allclose(index.vectors, full.vectors, atol=1e-5)


def test_remove_documents_drops_their_passages(lexical_index: SearchIndex) -> None:
    assert lexical_index.remove_documents([1, 42]) == 2
    assert 1 not in lexical_index.document_ids()
    assert all(h.document_id != 1 for h in lexical_index.search("tobacco menthol", mode="lexical").hits)
    assert lexical_index.search("vaccines", mode="lexical").hits[0].document_id == 6


def test_save_and_load_round_trip_in_plain_files(
    tmp_path: Path, hybrid_index: SearchIndex, embedder: MiniLMEmbedder
) -> None:
    hybrid_index.save(tmp_path / "index")
    names = sorted(p.name for p in (tmp_path / "index").iterdir())
    assert names == [
        "documents.json",
        "embedded.npy",
        "embedding_keys.npy",
        "embeddings.npy",
        "lexical_counts.npz",
        "lexical_terms.json",
        "meta.json",
        "passages.json",
        "passages.npy",
        "passages_text.bin",
        "passages_text_offsets.npy",
    ]
    loaded = SearchIndex.load(tmp_path / "index", embedder)
    for query, mode in (("tobacco ordinances", "hybrid"), ("lawmakers", "semantic"), ("covid-19", "lexical")):
        assert loaded.search(query, mode=mode).hits == hybrid_index.search(query, mode=mode).hits
    assert loaded.max_passage_id == hybrid_index.max_passage_id
    # saving again over an existing index replaces it; the loaded one still reads its (old) texts
    loaded.remove_documents([5])
    loaded.save(tmp_path / "index")
    assert 5 not in SearchIndex.load(tmp_path / "index", embedder).document_ids()
    assert [loaded.table.passage(r).text for r in range(len(loaded))] == [
        p.text for p in ALL if p.document_id != 5
    ]
    # Texts are read from the file on demand; an index let go closes it.
    import gc
    import os

    open_files = len(os.listdir("/proc/self/fd"))
    for _ in range(30):
        SearchIndex.load(tmp_path / "index", embedder).search("tobacco", mode="lexical")
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) <= open_files


def test_a_loaded_index_that_grows_saves_its_old_texts_and_its_new_ones(tmp_path: Path) -> None:
    SearchIndex.build(make_passages({1, 2, 3}), embedder=None).save(tmp_path / "index")
    grown = SearchIndex.load(tmp_path / "index")
    grown.add(make_passages({4, 5}, first_id=50))
    grown.save(tmp_path / "index")  # old texts are copied from the file being replaced
    again = SearchIndex.load(tmp_path / "index")
    expected = [p.text for p in make_passages({1, 2, 3}) + make_passages({4, 5}, first_id=50)]
    assert [again.table.passage(r).text for r in range(len(again))] == expected
    assert again.search("hygiene", mode="lexical").hits[0].document_id == 5


def test_load_refuses_missing_foreign_or_other_model_index(
    tmp_path: Path, lexical_index: SearchIndex, embedder: MiniLMEmbedder
) -> None:
    with pytest.raises(DeskError):
        SearchIndex.load(tmp_path / "nothing")
    lexical_index.save(tmp_path / "index")
    with pytest.raises(DeskError, match="embeddings"):
        SearchIndex.load(tmp_path / "index", embedder)
    meta = json.loads((tmp_path / "index" / "meta.json").read_text())
    (tmp_path / "index" / "meta.json").write_text(json.dumps({**meta, "tokenizer": 0}))
    with pytest.raises(DeskError, match="another version"):
        SearchIndex.load(tmp_path / "index")


# --- the desk binding -----------------------------------------------------------------------------


class ListStore:
    """Passages and document ids held in lists: the data a store would give the index."""

    def __init__(self, passages: list[IndexedPassage]) -> None:
        self.passages = list(passages)

    def iter_indexed_passages(self, after_passage_id: int = 0) -> Iterator[IndexedPassage]:
        return iter(
            sorted((p for p in self.passages if p.passage_id > after_passage_id), key=lambda p: p.passage_id)
        )

    def document_ids(self) -> set[int]:
        return {p.document_id for p in self.passages}

    def documents(self) -> list[Document]:
        return []  # the attributes come with the passages here


def test_sync_index_adds_removes_and_replaces_documents(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "desk", embedder="none")
    store = ListStore([p for p in ALL if p.document_id <= 4])
    index = sync_index(store, settings)
    assert index.document_ids() == {1, 2, 3, 4}
    assert (settings.index_dir / "meta.json").exists()

    # document 5 arrives, document 2 is deleted, document 1 is re-ingested with new passages
    store.passages = [p for p in store.passages if p.document_id not in (1, 2)]
    store.passages += [p for p in ALL if p.document_id == 5]
    store.passages += [
        replace(p, passage_id=p.passage_id + 100, text="Rewritten ordinance passage.")
        for p in ALL
        if p.document_id == 1
    ]
    index = sync_index(store, settings)
    assert index.document_ids() == {1, 3, 4, 5}
    assert len(index) == len(store.passages)
    hit = search(store, settings, "rewritten", mode="lexical").hits[0]
    assert hit.document_id == 1 and hit.passage_id > 100
    assert search(store, settings, "legislators", mode="lexical").hits == []


def test_sync_index_saves_the_words_first_and_the_vectors_a_checkpoint_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder
) -> None:
    import researchdesk.search.desk as desk_binding

    settings = Settings(home=tmp_path / "desk", embedder="minilm")
    store = ListStore(ALL)
    real_encode = desk_binding.encode_in_chunks
    encoded: list[int] = []

    def crash_on_third(embedder: object, texts: list[str], **kwargs: object) -> np.ndarray:
        if len(encoded) == 2:
            raise KeyboardInterrupt  # the process dies part way through embedding
        encoded.append(len(texts))
        return real_encode(embedder, texts, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(desk_binding, "encode_in_chunks", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        sync_index(store, settings, checkpoint=2)
    saved = SearchIndex.load(settings.index_dir, embedder)
    assert len(saved) == len(ALL)  # every passage searchable by its words before any vector is made
    coverage = saved.coverage()
    assert coverage.embedded == sum(encoded) == 4 and not coverage.complete  # two checkpoints kept
    partial = saved.search("lawmakers and researchers", mode="hybrid")
    assert partial.mode == "hybrid" and partial.semantic_index == coverage
    assert any("semantic index: 4 of" in n for n in partial.notes)
    assert {h.document_id for h in saved.search("ordinances", mode="lexical").hits} <= {
        h.document_id for h in saved.search("ordinances", mode="hybrid", top_k=50).hits
    }  # passages still without a vector are found by their words in hybrid mode
    assert saved.search("lawmakers", mode="semantic").hits[0].passage_id in set(
        saved.table.passage_id[saved.embedded].tolist()
    )
    encoded.clear()
    monkeypatch.setattr(
        desk_binding,
        "encode_in_chunks",
        lambda e, t, **k: (encoded.append(len(t)), real_encode(e, t, **k))[1],
    )
    index = sync_index(store, settings, checkpoint=2)
    assert index.coverage().complete and sum(encoded) == len({embedding_text(p) for p in ALL}) - 4
    fresh = SearchIndex.build(ALL, embedder)
    assert index.vectors is not None and fresh.vectors is not None
    order = np.argsort(index.table.passage_id)
    np.testing.assert_allclose(index.vectors[order], fresh.vectors, atol=1e-5)
    assert index.search("lawmakers and researchers").notes == fresh.search("lawmakers and researchers").notes


def test_a_semantic_search_before_any_vector_says_what_to_do(embedder: MiniLMEmbedder) -> None:
    index = SearchIndex(embedder)
    index.add(ALL, embed=False)
    assert index.coverage().embedded == 0 and index.pending() == len(ALL)
    with pytest.raises(QueryError, match="semantic index: 0 of"):
        index.search("lawmakers", mode="semantic")
    results = index.search("ordinances", mode="hybrid")
    assert results.mode == "lexical" and results.hits
    assert index.embed_pending() == len(ALL) and index.coverage().complete
    assert index.search("ordinances", mode="hybrid").mode == "hybrid"


def test_desk_search_uses_settings_for_embedder_and_expansion(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "desk", embedder="minilm", expand_queries=False)
    store = ListStore(ALL)
    results: SearchResults = search(store, settings, "lawmakers and researchers")
    assert results.mode == "hybrid" and results.expanded_terms == []
    assert results.hits[0].document_id == 2
    # a desk switched to lexical-only search keeps the embeddings it has but does not use them
    lexical_only = Settings(home=tmp_path / "desk", embedder="none")
    results = search(store, lexical_only, "impediment")
    assert results.mode == "lexical" and results.hits[0].document_id == 1
    assert (settings.index_dir / "embeddings.npy").exists()
    assert search(store, settings, "lawmakers").mode == "hybrid"


def test_public_face_is_listed_once_and_importable() -> None:
    import researchdesk.search as package

    # (ruff keeps __all__ sorted: constants, then classes, then functions)
    assert len(set(package.__all__)) == len(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is not None


def test_minilm_vectors_equal_sentence_transformers(embedder: MiniLMEmbedder) -> None:
    from sentence_transformers import SentenceTransformer

    texts = [p.text for p in ALL[:4]] + ["short query", ""]
    reference = SentenceTransformer(embedder.model_dir, device="cpu").encode(texts, normalize_embeddings=True)
    ours = embedder.encode(texts, batch_size=4)
    assert ours.dtype == np.float32 and ours.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, reference, atol=2e-5)


def test_minilm_reads_a_long_text_whole_in_windows_that_fit(embedder: MiniLMEmbedder) -> None:
    from researchdesk.search.embed import _load_transformer

    tokenizer, _model = _load_transformer(embedder.model_dir)
    head = "Tobacco retail licensing ordinances reduce youth access to flavored cigarettes. " * 25
    tail = "Rural school districts expanded free breakfast programs for hungry children. " * 25
    long_text = head + tail
    ids = tokenizer(long_text, add_special_tokens=False)["input_ids"]
    windows, owners = embedder._windows(tokenizer, ["short", long_text])
    # Every window fits the model, they are near equal, and together they hold every token in order.
    assert owners == [0] + [1] * (len(windows) - 1) and len(windows) >= 3
    assert all(len(w) <= embedder.max_tokens and w[0] == tokenizer.cls_token_id for w in windows)
    assert [t for w in windows[1:] for t in w[1:-1]] == ids
    assert max(map(len, windows[1:])) - min(map(len, windows[1:])) <= 1
    # The tail counts: the whole text sits nearer its tail than the first 256 tokens alone do.
    whole, first, end = embedder.encode([long_text, tokenizer.decode(ids[:254]), tail])
    assert float(whole @ end) > float(first @ end) + 0.1
    # One text at a time or in a batch with others: the same vector.
    np.testing.assert_allclose(embedder.encode([long_text])[0], whole, atol=2e-5)


# --- embedding feedback ---------------------------------------------------------------------------

TOPICS = [
    "flavored tobacco ordinances",
    "school breakfast programs",
    "rural broadband grants",
    "lead pipe replacement",
    "opioid overdose response",
    "heat emergency cooling centers",
    "affordable housing vouchers",
    "community policing reforms",
    "stormwater flood control",
    "public transit fares",
    "childhood vaccination clinics",
    "senior fall prevention",
    "food truck permits",
    "park maintenance budgets",
    "library literacy classes",
    "wildfire smoke alerts",
    "water fluoridation decisions",
    "bike lane expansion",
    "restaurant inspection grades",
    "homeless shelter capacity",
    "youth sports concussions",
    "mosquito abatement spraying",
    "noise ordinance complaints",
    "short-term rental rules",
    "drinking water testing",
]
FRAMES = [
    "The city council debated {} after a long public hearing.",
    "A county health department evaluated {} over two years.",
    "Residents asked their commissioners about {} at a town meeting.",
    "State grants paid for {} in several small towns.",
    "Staff shortages delayed {} in the largest districts.",
    "A university team surveyed mayors about {}.",
    "Local newspapers covered the fight over {} for months.",
    "The league of cities published guidance on {}.",
]


def many_passages(topics: range = range(len(TOPICS))) -> list[IndexedPassage]:
    """Return 8 passages on each topic (one document per topic): 200 in all, enough for feedback."""
    return [
        IndexedPassage(
            passage_id=t * len(FRAMES) + f + 1,
            document_id=t + 1,
            text=frame.format(TOPICS[t]),
            section="",
            page=None,
            start=0,
            end=len(frame.format(TOPICS[t])),
            title=TOPICS[t].capitalize(),
            date="2024",
            source_type="report",
            publisher="",
            container="",
            file_name=f"topic{t + 1}.txt",
        )
        for t in topics
        for f, frame in enumerate(FRAMES)
    ]


@pytest.fixture(scope="module")
def many_index(embedder: MiniLMEmbedder) -> SearchIndex:
    return SearchIndex.build(many_passages(), embedder)


def _cosine_order(index: SearchIndex, vector: np.ndarray, k: int) -> list[int]:
    assert index.vectors is not None
    order = np.argsort(-(index.vectors @ vector), kind="stable")[:k]
    return [index.table.passage(int(r)).passage_id for r in order]


def test_semantic_search_searches_again_from_its_top_passages(
    many_index: SearchIndex, hybrid_index: SearchIndex, embedder: MiniLMEmbedder
) -> None:
    query = "menthol"
    query_vector = embedder.encode([query])[0]
    plain = many_index.search(query, mode="semantic", top_k=8, max_per_document=None, feedback=False)
    assert [h.passage_id for h in plain.hits] == _cosine_order(many_index, query_vector, 8)
    # 200 passages searched: 2 (1 in 100) feed back at 2/10 of the full weight, the best passage of
    # each of the first two documents, and the second pass ranks by the moved query.
    best_of_document: dict[int, int] = {}
    for h in plain.hits:
        best_of_document.setdefault(h.document_id, h.passage_id)
    assert len(best_of_document) >= 2 and many_index.vectors is not None
    top = many_index.vectors[[pid - 1 for pid in list(best_of_document.values())[:2]]]
    moved = feedback_query(query_vector, top, 1.5 * 2 / 10)
    fed = many_index.search(query, mode="semantic", top_k=8, max_per_document=None)
    assert [h.passage_id for h in fed.hits] == _cosine_order(many_index, moved, 8)
    assert [h.semantic_rank for h in fed.hits] == list(range(1, 9))
    # A library of a dozen passages has no top distinct from the whole: no feedback.
    small = hybrid_index.search("working with lawmakers", mode="semantic")
    assert small.hits == hybrid_index.search("working with lawmakers", mode="semantic", feedback=False).hits


def test_feedback_under_filters_comes_from_the_allowed_passages_only(
    many_index: SearchIndex, embedder: MiniLMEmbedder
) -> None:
    # The query is about a topic the filter excludes: its passages must not steer the second pass.
    allowed = range(1, 14)  # topics 2-14: 104 passages, so the top 1 feeds back
    query = "flavored tobacco ordinances and menthol cigarettes"
    filtered = many_index.search(
        query,
        mode="semantic",
        top_k=10,
        max_per_document=None,
        filters=Filters(document_ids=tuple(t + 1 for t in allowed)),
    )
    alone = SearchIndex.build(many_passages(allowed), embedder)
    expected = alone.search(query, mode="semantic", top_k=10, max_per_document=None)
    assert [h.passage_id for h in filtered.hits] == [h.passage_id for h in expected.hits]
    assert all(h.document_id != 1 for h in filtered.hits)
