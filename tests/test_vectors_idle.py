"""``Library.wait_idle``: benchmarks time the steady state after the background work of
opening a library (the mapped index file's checksum, its passage count check)."""

from __future__ import annotations

import sqlite3

from index.config import Settings
from index.library import Library
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
