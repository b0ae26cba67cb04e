"""The ONNX encoder: same vectors as sentence-transformers, an offline export cached and
reused, thread settings; the lazy embedder that lets light commands skip the model."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from index.chunking import chunk_article
from index.config import BUNDLED_MODEL, REPO_SEEDS, Settings
from index.embedder import (
    INT8_SUFFIX,
    LazyEmbedder,
    bundled_model_path,
    lazy_embedder,
    load_embedder,
)
from index.errors import NewsbotError
from index.library import Library
from index.onnx_encoder import OnnxEmbedder, ensure_onnx_model, export_key
from tests.conftest import HashingEmbedder


def seed_passages() -> list[str]:
    seed = json.loads((REPO_SEEDS / "putin-kim-jong-un.json").read_text(encoding="utf-8"))
    return [p.text for p in chunk_article(seed["text"])]


def test_onnx_vectors_equal_sentence_transformers(embedder: object) -> None:
    assert isinstance(embedder, OnnxEmbedder)  # the default model runs on onnxruntime
    reference = load_embedder(BUNDLED_MODEL, encoder="sentence-transformers")
    long_text = " ".join(seed_passages()) * 2  # far over 256 word pieces: truncated alike
    odd = "ÉLAN ünïcode — “quotes” 東京"
    texts = [*seed_passages(), "What did Marks say?", "tanks", long_text, odd, ""]
    ours, theirs = embedder.encode(texts), reference.encode(texts)
    assert ours.shape == theirs.shape == (len(texts), 384)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.999, cosines
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert embedder.max_length == reference._model.max_seq_length == 256
    # Batching and order do not change a text's vector (padding is masked out).
    alone = np.vstack([embedder.encode([text]) for text in texts[:4]])
    assert np.allclose(alone, ours[:4], atol=1e-5)


def test_thread_count_reaches_onnxruntime(embedder: OnnxEmbedder, tmp_path: Path) -> None:
    one = OnnxEmbedder(
        BUNDLED_MODEL, bundled_model_path(), tmp_path, threads=1, onnx_path=embedder.onnx_path
    )
    assert one._session.get_session_options().intra_op_num_threads == 1
    assert np.allclose(one.encode(["a question"]), embedder.encode(["a question"]), atol=1e-6)


async def test_library_limits_faiss_threads(settings: Settings) -> None:
    import faiss

    async with await Library.open(settings, embedder=HashingEmbedder()):
        assert faiss.omp_get_max_threads() == 1


def test_export_is_offline_cached_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No network: the hub is off and any connection goes to a closed port.
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = ensure_onnx_model(bundled_model_path(), tmp_path, label="all-MiniLM-L6-v2")
    assert path.parent == tmp_path / "onnx" and path.stat().st_size > 50_000_000
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left

    def no_export(*args: object, **kwargs: object) -> None:
        raise AssertionError("exported again instead of reusing the cache")

    monkeypatch.setattr(subprocess, "run", no_export)
    assert ensure_onnx_model(bundled_model_path(), tmp_path, label="all-MiniLM-L6-v2") == path
    embedder = OnnxEmbedder(BUNDLED_MODEL, bundled_model_path(), tmp_path)
    assert embedder.onnx_path == path
    assert embedder.encode(["a question"]).shape == (1, 384)


def test_damaged_cache_file_is_exported_again(
    embedder: OnnxEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = bundled_model_path()
    damaged = tmp_path / "onnx" / f"all-MiniLM-L6-v2-{export_key(model_dir)}.onnx"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not an onnx model")
    exports: list[list[str]] = []

    def export(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        exports.append(command)  # stands in for the real export (tested above): a good copy
        shutil.copyfile(embedder.onnx_path, command[-1])
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", export)
    again = OnnxEmbedder(BUNDLED_MODEL, model_dir, tmp_path)
    assert len(exports) == 1 and again.onnx_path == damaged
    assert damaged.stat().st_size == embedder.onnx_path.stat().st_size
    assert np.allclose(again.encode(["a question"]), embedder.encode(["a question"]), atol=1e-6)


def test_int8_is_recorded_as_another_model_with_close_vectors(
    embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    cached = tmp_path / "onnx" / embedder.onnx_path.name
    cached.parent.mkdir()
    shutil.copyfile(embedder.onnx_path, cached)  # the fp32 export, as the cache holds it
    int8 = load_embedder(encoder="onnx-int8", cache_dir=tmp_path)
    assert isinstance(int8, OnnxEmbedder)
    assert int8.name == BUNDLED_MODEL + INT8_SUFFIX  # switching to int8 asks for a reindex
    assert int8.onnx_path.name.endswith("-int8.onnx")
    assert int8.onnx_path.stat().st_size < cached.stat().st_size / 3
    texts = seed_passages()
    cosines = (int8.encode(texts) * embedder.encode(texts)).sum(axis=1)
    assert cosines.min() > 0.95 and cosines.mean() > 0.98, cosines
    made = int8.onnx_path.stat().st_mtime_ns
    again = load_embedder(encoder="onnx-int8", cache_dir=tmp_path)
    assert again.onnx_path.stat().st_mtime_ns == made  # type: ignore[attr-defined]


def test_unwritable_cache_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(NewsbotError, match="NEWSBOT_CACHE_DIR"):
        ensure_onnx_model(bundled_model_path(), blocker / "cache")


def test_unknown_encoder_setting_is_refused() -> None:
    with pytest.raises(NewsbotError, match="NEWSBOT_ENCODER"):
        load_embedder(encoder="gpu")
    with pytest.raises(NewsbotError, match="only with the bundled model"):
        load_embedder("some/other-model", encoder="onnx")
    with pytest.raises(NewsbotError, match="NEWSBOT_ENCODER"):  # at open, not at first use
        lazy_embedder(Settings(data_dir=Path("unused"), encoder="torch"))


def test_lazy_embedder_knows_the_bundled_dimension_without_loading() -> None:
    lazy = lazy_embedder(Settings(data_dir=Path("unused")))
    assert (lazy.name, lazy.dimension, lazy.loaded) == (BUNDLED_MODEL, 384, False)


def test_lazy_embedder_checks_the_stored_dimension() -> None:
    lazy = LazyEmbedder("m", lambda: HashingEmbedder("m", 32))
    lazy.expect_dimension(64)
    assert lazy.dimension == 64 and not lazy.loaded
    with pytest.raises(NewsbotError, match="makes 32-dimension vectors"):
        lazy.encode(["x"])


async def test_library_loads_the_model_only_to_embed(seeded_settings: Settings) -> None:
    async with await Library.open(seeded_settings) as library:  # seeds: loads the model
        assert isinstance(library.embedder, LazyEmbedder) and library.embedder.loaded
    async with await Library.open(seeded_settings) as library:
        await library.stats()
        await library.list_articles(collections=["global"])
        assert not library.embedder.loaded
        answer = await library.ask("What did Marks say?", collections=["global"])
        assert answer.answered and library.embedder.loaded
    async with await Library.open(seeded_settings) as library:
        await library.warm_up()
        assert library.embedder.loaded  # type: ignore[attr-defined]


async def test_other_model_dimension_comes_from_the_database(settings: Settings) -> None:
    name = str(settings.data_dir.parent / "no-such-model")
    async with await Library.open(settings, embedder=HashingEmbedder(name, 48)):
        pass  # records the model and its dimension
    configured = Settings(data_dir=settings.data_dir, seeds_dir=None, model=name)
    async with await Library.open(configured) as library:
        stats = await library.stats()
        assert (stats.model, stats.dimension) == (name, 48)
        assert not library.embedder.loaded  # type: ignore[attr-defined]
        with pytest.raises(NewsbotError, match="Could not load the embedding model"):
            await library.ask("anything?", collections=["global"])
