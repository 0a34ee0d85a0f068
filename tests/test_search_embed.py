"""The embedders: ONNX Runtime fp32 equals PyTorch, int8 stays close, batches, no text embedded twice,
and a desk moved to another embedder embeds its library again, resumably."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from researchdesk.desk import Desk
from researchdesk.errors import ConfigError
from researchdesk.models import Document, Passage
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


def test_int8_token_vectors_stay_close_to_fp32_on_the_sample_library(sample_desk: Desk) -> None:
    passages = list(sample_desk.store.iter_indexed_passages())
    texts = [embedding_text(p) for p in passages[::97]]  # about a hundred, across the library
    fp32 = get_embedder("minilm-onnx")
    int8 = get_embedder("minilm-int8-token")
    assert isinstance(int8, OnnxMiniLMEmbedder) and int8.variant == "int8-token"
    assert int8.name == f"{MiniLMEmbedder.name}/onnx-int8-token"
    assert passage_space(int8) not in {passage_space(fp32), passage_space(get_embedder("minilm-int8"))}  # type: ignore[arg-type]
    assert fp32 is not None
    ours, theirs = int8.encode(texts), fp32.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.mean() > 0.998 and cosines.min() > 0.995, (cosines.mean(), cosines.min())
    assert (np.argmax(ours @ theirs.T, axis=1) == np.arange(len(texts))).all()
    # Activations are scaled per token, so a text's vector does not depend on the texts batched with it.
    for i in (0, len(texts) // 2, len(texts) - 1):
        np.testing.assert_allclose(int8.encode([texts[i]])[0], ours[i], atol=1e-4)


def test_the_embedder_setting_selects_the_way_minilm_runs(tmp_path: Path) -> None:
    from researchdesk.search.embed import EMBEDDERS

    assert Settings(home=tmp_path).embedder == "minilm-onnx"
    chosen = {
        name: get_embedder(Settings(home=tmp_path, embedder=name).embedder)
        for name in ("minilm", "minilm-onnx", "minilm-int8", "minilm-int8-token")
    }
    assert type(chosen["minilm"]) is MiniLMEmbedder
    variants = {n: e.variant for n, e in chosen.items() if isinstance(e, OnnxMiniLMEmbedder)}
    assert variants == {"minilm-onnx": "fp32", "minilm-int8": "int8", "minilm-int8-token": "int8-token"}
    assert get_embedder(" MiniLM-Int8-Token ").name == chosen["minilm-int8-token"].name  # type: ignore[union-attr]
    assert set(EMBEDDERS) == {*chosen, "none"}
    with pytest.raises(ConfigError, match="minilm-int8-token"):
        get_embedder("minilm-int4")


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


def test_the_int8_token_model_is_made_once_from_the_fused_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnx

    from researchdesk.search import minilm_onnx

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model_dir = MiniLMEmbedder().model_dir
    path = minilm_onnx.model_file(model_dir, "int8-token")
    stamp = path.stat().st_mtime_ns
    assert minilm_onnx.model_file(model_dir, "int8-token") == path and path.stat().st_mtime_ns == stamp
    names = sorted(p.name.rsplit("-", 1)[0] for p in path.parent.iterdir())
    assert names == ["all-MiniLM-L6-v2-fp32-fused", "all-MiniLM-L6-v2-int8-token"]  # no temp files
    ops = [n.op_type for n in onnx.load(str(path), load_external_data=False).graph.node]
    # attention fused and in fp32; every other weight matrix int8 (3 per layer); no fp32 MatMul left
    assert ops.count("Attention") == 6 and ops.count("MatMulInteger") == 18 and "MatMul" not in ops
    # made again from scratch, the file is the same bytes: the recipe is deterministic
    first = path.read_bytes()
    for made in path.parent.iterdir():
        made.unlink()
    assert minilm_onnx.model_file(model_dir, "int8-token").read_bytes() == first


def test_the_phrase_head_gets_the_vectors_it_learnt_on() -> None:
    from researchdesk.evidence.phrase_model import default_head

    head = default_head().embedder
    int8 = get_embedder("minilm-int8")
    chosen = embedder_of_space(head, int8)
    assert chosen is not None and chosen.name == head and chosen is not int8
    assert embedder_of_space("a model nobody has") is None


class _Shelf:
    """Documents with their abstracts in metadata: what profiles read from a store."""

    def __init__(self, docs: list[Document]) -> None:
        self.docs = docs

    def documents(self) -> list[Document]:
        return self.docs

    def passages(self, document_id: int) -> list[Passage]:
        return []


def test_a_documents_profile_leans_toward_its_title(tmp_path: Path) -> None:
    from researchdesk.models import DocumentMeta
    from researchdesk.search.profiles import TITLE_SHARE, load_profiles, profile_text

    def doc(i: int, title: str, abstract: str) -> Document:
        return Document(i, DocumentMeta(title=title, abstract=abstract), "", f"h{i}", f"{i}.html", "html", 1)

    study = doc(
        1,
        "Cancer Screening During the COVID-19 Pandemic",
        "We analysed survey data from 2018 and 2020 for adults in 50 states with logistic regression.",
    )
    essay = doc(
        2,
        "Chronic Disease Mapping as a Tool for Health Promotion",
        "The COVID-19 pandemic disrupted preventive care and cancer screening; maps of chronic disease helped "
        "local communities direct vaccination.",
    )
    embedder = MiniLMEmbedder()
    profiles = load_profiles(_Shelf([study, essay]), embedder, tmp_path)
    whole = embedder.encode([profile_text(d, []) for d in (study, essay)])
    titles = embedder.encode([study.meta.title, essay.meta.title])
    mixed = (1 - TITLE_SHARE) * whole + TITLE_SHARE * titles
    assert np.allclose(profiles.vectors, mixed / np.linalg.norm(mixed, axis=1, keepdims=True), atol=1e-5)
    # Profiles made before titles leaned in are made again, not read as they were.
    assert load_profiles(_Shelf([study, essay]), embedder, tmp_path).vectors.shape == (2, embedder.dim)
