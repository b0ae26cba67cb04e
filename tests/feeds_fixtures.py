"""Fixtures shared by the feed tests: the local feed site, and a library on the fast test
embedder that may fetch from it (private URLs allowed, no seeds).

Test modules load them with ``pytest_plugins = ["tests.feeds_fixtures"]``; a module's own
fixture of the same name takes precedence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from index.config import Settings
from index.library import Library
from tests.conftest import HashingEmbedder
from tests.feeds_site import Site, serve_site


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as served:
        yield served


@pytest.fixture
async def lib(tmp_path: Path) -> AsyncIterator[Library]:
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=None, allow_private_urls=True)
    library = await Library.open(settings, embedder=HashingEmbedder())
    yield library
    await library.close()
