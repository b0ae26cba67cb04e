"""Vector search behind a small interface; FAISS implementation with one index per collection.

The FAISS ids are the SQLite passage ids. Each collection's index is saved as
``<name>.faiss`` beside a ``<name>.json`` manifest (model, dimension, count, generation).
The database is the source of truth: an index whose manifest disagrees with it is thrown
away and rebuilt from the stored embeddings (see :mod:`index.library`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


@dataclass(frozen=True)
class Manifest:
    """What a saved index was built from."""

    model: str
    dimension: int
    count: int
    generation: int
    index_type: str = "flat"


class VectorIndex(Protocol):
    """Nearest-neighbour search over unit vectors by inner product, ids = passage ids."""

    dimension: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: Sequence[int]) -> None: ...

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def __len__(self) -> int: ...


class FaissFlatIndex:
    """Exact inner-product search (``IndexFlatIP``) with explicit ids (``IndexIDMap2``).

    Exact search stays fast up to a few hundred thousand vectors per collection
    (PERFORMANCE.md: 15 ms at 100k); larger collections are the job of an IVF/HNSW index
    behind this same interface.
    """

    index_type = "flat"

    def __init__(self, dimension: int, index: faiss.Index | None = None):
        self.dimension = dimension
        self._index = (
            index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        )

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids) == 0:
            return
        self._index.remove_ids(np.asarray(list(ids), dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self._index.ntotal == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dimension)
        scores, ids = self._index.search(query, min(k, self._index.ntotal))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, dimension: int) -> FaissFlatIndex:
        return cls(dimension, faiss.read_index(str(path)))


def collection_file_stem(collection: str) -> str:
    """A file-system-safe, collision-free name for a collection's index files."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", collection)[:40]
    digest = hashlib.sha1(collection.encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


class IndexDirectory:
    """Saves and loads per-collection indexes and their manifests in one folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _paths(self, collection: str) -> tuple[Path, Path]:
        stem = collection_file_stem(collection)
        return self.folder / f"{stem}.faiss", self.folder / f"{stem}.json"

    def save(self, collection: str, index: FaissFlatIndex, manifest: Manifest) -> None:
        """Write the index, then its manifest; each atomically (write + rename)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        index_path, manifest_path = self._paths(collection)
        temporary = index_path.with_suffix(".faiss.tmp")
        index.save(temporary)
        os.replace(temporary, index_path)
        temporary = manifest_path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(manifest.__dict__, indent=2))
        os.replace(temporary, manifest_path)

    def load(self, collection: str, expected: Manifest) -> FaissFlatIndex | None:
        """The saved index if its manifest matches ``expected`` exactly, else ``None``."""
        index_path, manifest_path = self._paths(collection)
        try:
            manifest = Manifest(**json.loads(manifest_path.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if manifest != expected or not index_path.exists():
            return None
        try:
            index = FaissFlatIndex.load(index_path, expected.dimension)
        except RuntimeError:
            return None
        return index if len(index) == expected.count else None

    def delete(self, collections: Iterable[str]) -> None:
        for collection in collections:
            for path in self._paths(collection):
                path.unlink(missing_ok=True)
