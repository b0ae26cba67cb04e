"""Shared fixtures: the real bundled model (loaded once), temp data directories, libraries."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from index.config import REPO_SEEDS, Settings
from index.embedder import Embedder, load_embedder
from index.library import Library


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real bundled all-MiniLM-L6-v2 (on onnxruntime), loaded once per test session."""
    return load_embedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for an empty data directory (no seeds)."""
    return Settings(data_dir=tmp_path / "data", seeds_dir=None)


@pytest.fixture
def seeded_settings(tmp_path: Path) -> Settings:
    """Settings for a fresh data directory that seeds itself from ``seeds/``."""
    return Settings(data_dir=tmp_path / "data", seeds_dir=REPO_SEEDS)


@pytest.fixture
async def library(settings: Settings, embedder: Embedder) -> AsyncIterator[Library]:
    lib = await Library.open(settings, embedder=embedder)
    yield lib
    await lib.close()


@pytest.fixture
async def seeded_library(seeded_settings: Settings, embedder: Embedder) -> AsyncIterator[Library]:
    lib = await Library.open(seeded_settings, embedder=embedder)
    yield lib
    await lib.close()


class HashingEmbedder:
    """A fast, deterministic bag-of-words embedder for plumbing tests (not for quality)."""

    def __init__(self, name: str = "test/hashing", dimension: int = 64):
        self.name = name
        self.dimension = dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out
