"""The garbage collector is settled for a long run once the library warmed up."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from index import pauses
from index.config import Settings
from index.library import Library
from tests.conftest import HashingEmbedder


@pytest.fixture
def fresh_collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A collector not yet settled; its thresholds and frozen objects restored after."""
    threshold = gc.get_threshold()
    monkeypatch.setattr(pauses, "_settled", False)
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


async def test_warm_up_freezes_start_up_objects_and_raises_the_young_threshold(
    settings: Settings, fresh_collector: None
) -> None:
    library = await Library.open(settings, embedder=HashingEmbedder())
    try:
        assert gc.get_freeze_count() == 0
        await library.warm_up()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # modules, classes, the library itself
        assert gc.get_threshold() == (pauses.YOUNG_THRESHOLD, 10, 10)
        assert gc.isenabled()  # cycles are still collected
        await library.warm_up()  # once per process
        assert gc.get_freeze_count() == frozen
    finally:
        await library.close()
