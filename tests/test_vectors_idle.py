"""``Library.wait_idle``: benchmarks time the steady state after the background work of
opening a library (the mapped index file's checksum and copy into memory, its passage
count check)."""

from __future__ import annotations

import sqlite3

import faiss
import numpy as np
import pytest

from index.config import Settings
from index.library import Library
from index.vectors import TieredIndex, build_ivf
from tests.test_vectors import saved_approximate_index


async def test_wait_idle_returns_after_the_checksum_and_the_count_check(
    settings: Settings, embedder: object
) -> None:
    lowered = await saved_approximate_index(settings, embedder)
    library = await Library.open(lowered, embedder=embedder)
    library._index_sync.count_check_delay = 3.0  # longer than the first question, even under load
    try:
        await library.ask("What damaged the apple blossoms?", collections=["global"])
        index = library._indexes["global"]
        assert index.kind == "ivf-sq8" and index.verifying is not None
        assert library._index_sync._checks  # the count check waits for its delay
        await library.wait_idle()
        assert not library._index_sync._checks and not index.verifying.is_alive()
        assert not index.damaged
        await library.wait_idle()  # nothing left to wait for: returns at once
    finally:
        await library.close()


async def test_wait_idle_waits_for_the_count_check_to_find_a_mismatch(
    settings: Settings, embedder: object
) -> None:
    lowered = await saved_approximate_index(settings, embedder)
    with sqlite3.connect(settings.database_path) as db:  # behind the library's back
        db.execute("DELETE FROM passages WHERE id = (SELECT max(id) FROM passages)")
    library = await Library.open(lowered, embedder=embedder)
    library._index_sync.count_check_delay = 3.0  # longer than the first question, even under load
    try:
        await library.ask("What damaged the apple blossoms?", collections=["global"])
        loaded = library._indexes["global"]
        assert not loaded.damaged  # not counted yet
        await library.wait_idle()
        assert loaded.damaged  # found by the check wait_idle waited for: rebuilt next
        await library.ask("What damaged the apple blossoms?", collections=["global"])
        assert library._indexes["global"] is not loaded
    finally:
        await library.close()


async def test_a_checked_index_file_is_searched_from_memory_with_the_same_answers(
    settings: Settings, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    lowered = await saved_approximate_index(settings, embedder)
    adopted: list[tuple[object, object]] = []
    adopt = TieredIndex.adopt_in_memory

    def recorded(index: TieredIndex, mapped: faiss.Index, loaded: faiss.Index) -> bool:
        if adopt(index, mapped, loaded):
            adopted.append((mapped, loaded))
            return True
        return False

    monkeypatch.setattr(TieredIndex, "adopt_in_memory", recorded)
    library = await Library.open(lowered, embedder=embedder)
    question = "What damaged the apple blossoms?"
    try:
        first = await library.ask(question, collections=["global"])  # mapped, or copied
        await library.wait_idle()  # the file's checksum, then its copy into memory
        index = library._indexes["global"]
        assert index._main_path is not None and not index.damaged
        [(mapped, loaded)] = adopted
        assert index._main is loaded and loaded is not mapped
        assert loaded.ntotal == mapped.ntotal and loaded.nprobe == mapped.nprobe
        assert await library.ask(question, collections=["global"]) == first
    finally:
        await library.close()


def test_a_copy_is_not_adopted_once_the_main_was_replaced() -> None:
    vectors = np.random.default_rng(3).standard_normal((400, 16)).astype(np.float32)
    ids = np.arange(400, dtype=np.int64)
    index = TieredIndex(16, exact_max=-1, main=build_ivf(ids, vectors))
    stale = index._main
    replacement = build_ivf(ids, vectors)
    assert index.adopt_in_memory(stale, replacement)
    assert not index.adopt_in_memory(stale, build_ivf(ids, vectors))  # main changed meanwhile
    assert index._main is replacement
