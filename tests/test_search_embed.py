"""The embedders: ONNX Runtime fp32 equals PyTorch, int8 stays close, batches, no text embedded twice,
and a desk moved to another embedder embeds its library again, resumably."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from researchdesk.search import SearchIndex, get_embedder, sync_index
from researchdesk.search.embed import (
    Embedder,
    MiniLMEmbedder,
    OnnxMiniLMEmbedder,
    embedder_of_space,
    passage_space,
)
from researchdesk.search.index import embedding_text
from researchdesk.settings import Settings
from test_search_index import ALL, ListStore

LONG = (
    "Tobacco retail licensing ordinances reduce youth access to flavored cigarettes. " * 25
    + "Rural school districts expanded free breakfast programs for hungry children. " * 25
)
TEXTS = [p.text for p in ALL[:6]] + ["short query", "", LONG]


class CountingEmbedder:
    """A real embedder that records every text it is asked to encode."""

    def __init__(self, inner: Embedder) -> None:
        self.name, self.dim, self.inner = inner.name, inner.dim, inner
        self.texts: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        self.texts += texts
        return self.inner.encode(texts, batch_size=batch_size)


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return MiniLMEmbedder().encode(TEXTS)


def test_onnx_fp32_gives_the_pytorch_vectors_under_the_same_name(torch_vectors: np.ndarray) -> None:
    onnx = get_embedder("minilm-onnx")
    assert isinstance(onnx, OnnxMiniLMEmbedder) and onnx.name == MiniLMEmbedder.name
    ours = onnx.encode(TEXTS, batch_size=3)
    assert ours.dtype == np.float32 and ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(ours, torch_vectors, atol=2e-5)
    # one text at a time (a query) or in a batch: the same vector
    np.testing.assert_allclose(onnx.encode([LONG])[0], ours[-1], atol=2e-5)


def test_int8_vectors_stay_close_to_fp32_and_are_a_space_of_their_own(torch_vectors: np.ndarray) -> None:
    int8 = get_embedder("minilm-int8")
    assert int8 is not None and int8.name != MiniLMEmbedder.name
    assert passage_space(int8) != passage_space(MiniLMEmbedder())
    ours = int8.encode(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(ours * torch_vectors, axis=1)
    assert cosines.min() > 0.98 and cosines.mean() > 0.99, cosines
    # It still tells topics apart as fp32 does: each text is nearest its own fp32 vector.
    assert (np.argmax(ours @ torch_vectors.T, axis=1) == np.arange(len(TEXTS))).all()


def test_batches_follow_a_token_budget_longest_first() -> None:
    embedder = MiniLMEmbedder()
    windows = [[0] * n for n in (5, 250, 40, 40, 3, 120, 256, 7)]
    batches = list(embedder._batches(windows, batch_size=3))
    assert sorted(i for b in batches for i in b) == list(range(len(windows)))
    widths = [len(windows[b[0]]) for b in batches]
    assert widths == sorted(widths, reverse=True)  # longest first: a batch pads to its first window
    for b in batches:
        assert len(b) <= 3
        assert len(b) == 1 or len(b) * len(windows[b[0]]) <= embedder.batch_tokens


def test_duplicate_texts_in_one_call_are_encoded_once() -> None:
    class Recording(OnnxMiniLMEmbedder):
        def __init__(self) -> None:
            super().__init__("int8")
            self.read: list[str] = []

        def _windows(self, tokenizer: object, texts: list[str]) -> tuple[list[list[int]], list[int]]:
            self.read += texts
            return super()._windows(tokenizer, texts)

    embedder = Recording()
    vectors = embedder.encode(["a city budget", "school meals", "a city budget"])
    assert embedder.read == ["a city budget", "school meals"]
    assert vectors.shape == (3, 384) and np.array_equal(vectors[0], vectors[2])
    assert not np.array_equal(vectors[0], vectors[1])


def test_no_passage_text_is_embedded_twice(tmp_path: Path) -> None:
    embedder = CountingEmbedder(get_embedder("minilm-int8"))  # type: ignore[arg-type]
    # Document 9 repeats document 1 word for word (the same title, headings and text).
    copy = [replace(p, passage_id=p.passage_id + 500, document_id=9) for p in ALL if p.document_id == 1]
    index = SearchIndex.build([*ALL, *copy], embedder)
    distinct = {embedding_text(p) for p in ALL}
    assert sorted(embedder.texts) == sorted(distinct)
    assert index.vectors is not None
    np.testing.assert_array_equal(index.vectors[-len(copy) :], index.vectors[: len(copy)])
    # Adding passages whose texts are already indexed embeds nothing.
    embedder.texts.clear()
    more = [replace(p, passage_id=p.passage_id + 900, document_id=10) for p in ALL if p.document_id == 2]
    assert index.add(more) == len(more) and embedder.texts == []


def test_a_document_read_again_embeds_only_its_changed_passages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import researchdesk.search.desk as desk_binding

    embedder = CountingEmbedder(get_embedder("minilm-int8"))  # type: ignore[arg-type]
    monkeypatch.setattr(desk_binding, "get_embedder", lambda name: embedder)
    settings = Settings(home=tmp_path / "desk", embedder="minilm-int8")
    store = ListStore(ALL)
    sync_index(store, settings)
    embedder.texts.clear()
    # Document 1 comes back as a new version: new passage ids, one passage changed, one the same.
    old = [p for p in ALL if p.document_id == 1]
    changed = replace(old[0], passage_id=700, text="The ordinance passed after a second hearing.")
    same = replace(old[1], passage_id=701)
    store.passages = [p for p in ALL if p.document_id != 1] + [changed, same]
    index = sync_index(store, settings)
    assert embedder.texts == [embedding_text(changed)]
    fresh = SearchIndex.build(store.iter_indexed_passages(), embedder.inner)
    assert index.vectors is not None and fresh.vectors is not None
    order = np.argsort(index.table.passage_id)
    np.testing.assert_allclose(index.vectors[order], fresh.vectors, atol=1e-6)
    # The keys are saved with the index, and a loaded index still finds the texts it has.
    embedder.texts.clear()
    loaded = SearchIndex.load(settings.index_dir, embedder)
    assert loaded.add([replace(same, passage_id=702, document_id=11)]) == 1 and embedder.texts == []


def test_a_desk_moved_to_another_embedder_embeds_again_and_resumes_after_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import researchdesk.search.desk as desk_binding

    store = ListStore(ALL)
    before = Settings(home=tmp_path / "desk", embedder="minilm-onnx")
    assert sync_index(store, before).embedder_name == passage_space(MiniLMEmbedder())
    after = Settings(home=tmp_path / "desk", embedder="minilm-int8")
    int8 = get_embedder("minilm-int8")
    assert int8 is not None
    real_encode = desk_binding.encode_in_chunks
    calls = {"n": 0}

    def crash_on_third(*args: object, **kwargs: object) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # killed part way through embedding the library again
        return real_encode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(desk_binding, "encode_in_chunks", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        sync_index(store, after, checkpoint=2)
    saved = SearchIndex.load(after.index_dir, int8)  # already the new space, part done
    assert len(saved) == len(ALL) and saved.semantic_ready and 0 < saved.coverage().embedded < len(ALL)
    monkeypatch.setattr(desk_binding, "encode_in_chunks", real_encode)
    index = sync_index(store, after, checkpoint=2)
    assert len(index) == len(ALL) and index.embedder_name == passage_space(int8) and index.semantic_ready
    assert index.search("lawmakers and researchers").mode == "hybrid"
    fresh = SearchIndex.build(ALL, int8)
    assert index.vectors is not None and fresh.vectors is not None
    order = np.argsort(index.table.passage_id)
    np.testing.assert_allclose(index.vectors[order], fresh.vectors, atol=1e-6)


def test_the_onnx_model_is_made_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from researchdesk.search import minilm_onnx

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model_dir = MiniLMEmbedder().model_dir
    path = minilm_onnx.model_file(model_dir, "int8")
    assert path.parent == tmp_path / "researchdesk" / "models" and path.stat().st_size > 1_000_000
    stamp = path.stat().st_mtime_ns
    assert minilm_onnx.model_file(model_dir, "int8") == path and path.stat().st_mtime_ns == stamp
    assert sorted(p.suffix for p in path.parent.iterdir()) == [
        ".onnx",
        ".onnx",
    ]  # fp32 and int8, no temp files


def test_the_phrase_head_gets_the_vectors_it_learnt_on() -> None:
    from researchdesk.evidence.phrase_model import default_head

    head = default_head().embedder
    int8 = get_embedder("minilm-int8")
    chosen = embedder_of_space(head, int8)
    assert chosen is not None and chosen.name == head and chosen is not int8
    assert embedder_of_space("a model nobody has") is None
