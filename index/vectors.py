"""Vector search behind a small interface; FAISS indexes chosen by size, one per collection.

The FAISS ids are the SQLite passage ids; SQLite holds every vector (the source of truth)
and the files here are derived data, always rebuildable from it.

A collection's index (:class:`TieredIndex`) is a *main* FAISS index plus a small exact
*delta* of recent additions:

- the main index is exact (``IndexFlatIP``) while the collection holds at most
  ``exact_max`` vectors, and approximate above that: by default HNSW over 4-bit scalar-
  quantised vectors (``IndexHNSWSQ``, M=24: ~410 bytes a vector with its graph), whose
  candidates the caller re-scores exactly from the stored vectors (see
  :mod:`index.search`). HNSW was chosen over IVF by recall on real MiniLM vectors (see
  ``APPROXIMATE``); IVF-SQ8 stays available (``approximate="ivf"``).
- additions go to the delta; it is merged into the main index once it holds
  ``max(DELTA_MIN, DELTA_SHARE × main)`` vectors (a flat main that outgrows ``exact_max``
  becomes approximate at that moment). Removals leave a flat or IVF main at once; an HNSW
  graph cannot delete, so its removed ids are kept in a set that searches filter out.

On disk (:class:`IndexDirectory`) each collection has an immutable, content-named main
file ``<stem>-<crc>.main`` and a small state file ``<stem>.state`` (manifest, the main
file's name, size and CRC-32, the delta and the removed ids, with its own CRC-32). Adding
an article rewrites only the state file. Every file is written under a unique temporary
name and renamed into place, so two processes saving at once never collide, and a reader
always gets a state and the main file it names (checked by size and CRC) or rebuilds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import secrets
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

log = logging.getLogger(__name__)

EXACT_MAX = 50_000
"""Default size above which a collection's main index becomes approximate."""
APPROXIMATE = "hnsw"
"""The approximate kind: ``hnsw`` (HNSW over 4-bit scalar-quantised vectors) or ``ivf``
(IVF-SQ8). Chosen by recall@10 against exact search, candidates re-scored as
:mod:`index.search` does (100 asked for):

- 5,000 real MiniLM vectors of eval passages, 200 real questions: HNSW-SQ4 M16 .963 at
  efSearch 64, .985 at 128; IVF-SQ8 (√N lists) .94 with 30% of its lists probed (MiniLM
  vectors are not clustered: IVF needs most lists to find a question's neighbours).
- 100k stand-in vectors (``benchmarks/scale_corpus.py``), same questions: M16 efSearch
  256 / 512: .964 / .983 (344 B a vector); M24: .973 / .992 (408 B, build 1.7× slower).

So: HNSW-SQ4, M=24, efSearch 512 (~2-5 ms a search at 100k)."""
HNSW_M = 24
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 512
NPROBE_SHARE = 0.3
MIN_NPROBE = 16
DELTA_MIN = 5_000
DELTA_SHARE = 0.02
TRAIN_PER_LIST = 30
"""Training points per IVF list (k-means on a sample keeps a rebuild fast)."""
TRAIN_SAMPLE = 50_000
"""Vectors the scalar quantiser of an HNSW index is trained on."""
STALE_MAIN_SECONDS = 300
"""Main files no state names any more are deleted once this old (readers may still hold
an older state for a moment)."""


@dataclass(frozen=True)
class Manifest:
    """What a saved index was built from."""

    model: str
    dimension: int
    count: int
    generation: int


class VectorIndex(Protocol):
    """Nearest-neighbour search over unit vectors by inner product, ids = passage ids.

    ``exact`` is ``False`` when scores are approximate: the caller re-scores candidates
    from the stored vectors.
    """

    dimension: int
    exact: bool

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: Sequence[int]) -> None: ...

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def __len__(self) -> int: ...


def _flat(dimension: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def _flat_contents(index: faiss.Index, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, vectors)`` held by a flat ``IndexIDMap2``."""
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    inner = faiss.downcast_index(index.index)
    vectors = faiss.vector_to_array(inner.codes).view(np.float32).reshape(-1, dimension)
    return ids, vectors


def _sample(vectors: np.ndarray, size: int, seed: int) -> np.ndarray:
    if len(vectors) <= size:
        return np.ascontiguousarray(vectors, dtype=np.float32)
    chosen = np.sort(np.random.default_rng(seed).choice(len(vectors), size=size, replace=False))
    return np.ascontiguousarray(vectors[chosen], dtype=np.float32)


def _add_in_chunks(index: faiss.Index, ids: np.ndarray, vectors: np.ndarray) -> None:
    step = 100_000
    for lo in range(0, len(ids), step):
        index.add_with_ids(
            np.ascontiguousarray(vectors[lo : lo + step], dtype=np.float32),
            np.ascontiguousarray(ids[lo : lo + step], dtype=np.int64),
        )


def ivf_lists(count: int) -> int:
    """IVF list count for ``count`` vectors: about √count, between 16 and 4,096 (and
    never more than there are vectors to train on)."""
    return int(max(1, min(count, 4096, max(16, round(math.sqrt(count))))))


def build_ivf(ids: np.ndarray, vectors: np.ndarray, *, seed: int = 1234) -> faiss.Index:
    """An IVF-SQ8 index of ``vectors``, its lists trained on a sample."""
    count, dimension = vectors.shape
    nlist = ivf_lists(count)
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    index.cp.max_points_per_centroid = TRAIN_PER_LIST
    index.cp.seed = seed
    index.train(_sample(vectors, nlist * TRAIN_PER_LIST, seed))
    _add_in_chunks(index, ids, vectors)
    set_nprobe(index)
    return index


def build_hnsw(ids: np.ndarray, vectors: np.ndarray, *, seed: int = 1234) -> faiss.Index:
    """An HNSW graph over 4-bit scalar-quantised vectors, with explicit ids."""
    dimension = vectors.shape[1]
    hnsw = faiss.IndexHNSWSQ(
        dimension, faiss.ScalarQuantizer.QT_4bit, HNSW_M, faiss.METRIC_INNER_PRODUCT
    )
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.hnsw.efSearch = HNSW_EF_SEARCH
    hnsw.train(_sample(vectors, TRAIN_SAMPLE, seed))
    index = faiss.IndexIDMap(hnsw)
    _add_in_chunks(index, ids, vectors)
    return index


def set_nprobe(index: faiss.Index, share: float = NPROBE_SHARE) -> None:
    ivf = faiss.extract_index_ivf(index)
    ivf.nprobe = int(min(ivf.nlist, max(MIN_NPROBE, math.ceil(share * ivf.nlist))))


def index_kind(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexIDMap2):
        return "flat"
    if isinstance(index, faiss.IndexIDMap):
        return "hnsw-sq4"
    return "ivf-sq8"


class TieredIndex:
    """A main index (flat, or approximate above ``exact_max``) plus an exact delta;
    thread-safe (one lock around every FAISS call)."""

    def __init__(
        self,
        dimension: int,
        *,
        exact_max: int = EXACT_MAX,
        approximate: str = APPROXIMATE,
        main: faiss.Index | None = None,
        main_file: str | None = None,
    ):
        self.dimension = dimension
        self.exact_max = exact_max
        self.approximate = approximate
        self._main = main if main is not None else _flat(dimension)
        self._delta = _flat(dimension)
        self._dead: set[int] = set()
        """Ids removed from an HNSW main index (which cannot delete): filtered at search."""
        self._params: faiss.SearchParameters | None = None
        self._lock = threading.RLock()
        self.main_file = main_file
        """Name of the saved file holding the current main index (``None``: not saved)."""

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        vectors: np.ndarray,
        dimension: int,
        *,
        exact_max: int = EXACT_MAX,
        approximate: str = APPROXIMATE,
    ) -> TieredIndex:
        """An index of all of a collection's vectors at once (a rebuild), typed by size."""
        if len(ids) > exact_max:
            builder = build_hnsw if approximate == "hnsw" else build_ivf
            main = builder(ids, vectors)
            return cls(dimension, exact_max=exact_max, approximate=approximate, main=main)
        index = cls(dimension, exact_max=exact_max, approximate=approximate)
        if len(ids):
            _add_in_chunks(index._main, ids, vectors)
        return index

    # -- the VectorIndex protocol ------------------------------------------------------

    @property
    def kind(self) -> str:
        return index_kind(self._main)

    @property
    def exact(self) -> bool:
        return self.kind == "flat"

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        with self._lock:
            self._delta.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
            if self._delta.ntotal >= max(DELTA_MIN, DELTA_SHARE * self._main.ntotal):
                self.merge()

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids) == 0:
            return
        selector = np.asarray(list(ids), dtype=np.int64)
        with self._lock:
            self._delta.remove_ids(selector)
            if self.kind == "hnsw-sq4":
                held = faiss.vector_to_array(self._main.id_map)
                dead = selector[np.isin(selector, held)]
                if len(dead):
                    self._dead.update(int(i) for i in dead)
                    self._params = None
            elif self._main.remove_ids(selector):
                self.main_file = None

    def _search_params(self) -> faiss.SearchParameters | None:
        if not self._dead:
            return None
        if self._params is None:
            dead = np.array(sorted(self._dead), dtype=np.int64)
            batch = faiss.IDSelectorBatch(len(dead), faiss.swig_ptr(dead))
            params = faiss.SearchParametersHNSW()
            params.efSearch = HNSW_EF_SEARCH
            params.sel = faiss.IDSelectorNot(batch)
            params._keep = (dead, batch)  # the selectors point into these
            self._params = params
        return self._params

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dimension)
        hits: list[tuple[int, float]] = []
        with self._lock:
            for part in (self._main, self._delta):
                if part.ntotal == 0 or k <= 0:
                    continue
                params = self._search_params() if part is self._main else None
                scores, ids = part.search(query, min(k, part.ntotal), params=params)
                hits += [
                    (int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0
                ]
        hits.sort(key=lambda hit: -hit[1])
        return hits[:k]

    def __len__(self) -> int:
        return int(self._main.ntotal - len(self._dead) + self._delta.ntotal)

    # -- upkeep --------------------------------------------------------------------------

    def merge(self) -> None:
        """Move the delta into the main index (an approximate one once the total exceeds
        ``exact_max``); the main file must then be rewritten. Ids that an HNSW main holds
        as removed stay in the delta (the graph cannot hold one id twice)."""
        with self._lock:
            if self._delta.ntotal == 0:
                return
            ids, vectors = _flat_contents(self._delta, self.dimension)
            if self.exact and len(self) > self.exact_max:
                main_ids, main_vectors = _flat_contents(self._main, self.dimension)
                built = TieredIndex.build(
                    np.concatenate([main_ids, ids]),
                    np.concatenate([main_vectors, vectors]),
                    self.dimension,
                    exact_max=self.exact_max,
                    approximate=self.approximate,
                )
                self._main, self._dead, self._params = built._main, set(), None
                self._delta = _flat(self.dimension)
            else:
                keep = np.isin(ids, np.array(sorted(self._dead), dtype=np.int64))
                _add_in_chunks(self._main, ids[~keep], vectors[~keep])
                delta = _flat(self.dimension)
                if keep.any():
                    delta.add_with_ids(np.ascontiguousarray(vectors[keep]), ids[keep])
                self._delta = delta
            self.main_file = None

    def main_bytes(self) -> bytes:
        with self._lock:
            return faiss.serialize_index(self._main).tobytes()

    def delta_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(delta ids, delta vectors, dead ids)`` for the state file."""
        with self._lock:
            ids, vectors = _flat_contents(self._delta, self.dimension)
            return ids.copy(), vectors.copy(), np.array(sorted(self._dead), dtype=np.int64)

    def memory_bytes(self) -> int:
        """Approximate RAM held by the vectors (codes, ids, graph or lists)."""
        with self._lock:
            if self.exact:
                main = self._main.ntotal * (4 * self.dimension + 8)
            elif self.kind == "hnsw-sq4":
                inner = faiss.downcast_index(self._main.index)
                links = faiss.vector_to_array(inner.hnsw.neighbors).nbytes
                codes = faiss.downcast_index(inner.storage).code_size * self._main.ntotal
                main = links + codes + 8 * self._main.ntotal
            else:
                ivf = faiss.extract_index_ivf(self._main)
                main = self._main.ntotal * (ivf.code_size + 8) + ivf.nlist * 4 * self.dimension
            return int(main + self._delta.ntotal * (4 * self.dimension + 8))


def collection_file_stem(collection: str) -> str:
    """A file-system-safe, collision-free name for a collection's index files."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", collection)[:40]
    digest = hashlib.sha1(collection.encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


_MAGIC = b"NBVX1\n"


def _write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """Write under a unique temporary name, flush, then rename over ``path``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


class IndexDirectory:
    """Saves and loads per-collection indexes (state + content-named main file)."""

    def __init__(self, folder: Path, exact_max: int = EXACT_MAX, approximate: str = APPROXIMATE):
        self.folder = folder
        self.exact_max = exact_max
        self.approximate = approximate

    def state_path(self, collection: str) -> Path:
        return self.folder / f"{collection_file_stem(collection)}.state"

    def save(self, collection: str, index: TieredIndex, manifest: Manifest) -> None:
        """Write the main file (only if it changed since it was last written), then the state.

        Raises ``OSError`` when the folder cannot be written (the caller reports it).
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = collection_file_stem(collection)
        with index._lock:
            main_file = index.main_file
            if main_file is None or not (self.folder / main_file).is_file():
                data = index.main_bytes()
                main_file = f"{stem}-{zlib.crc32(data):08x}-{len(data)}.main"
                if not (self.folder / main_file).is_file():
                    _write_atomically(self.folder / main_file, [data])
                index.main_file = main_file
            ids, vectors, tombstones = index.delta_arrays()
        size = (self.folder / main_file).stat().st_size
        crc = int(main_file.split("-")[-2], 16)
        header = {
            **asdict(manifest),
            "kind": index.kind,
            "main": {"file": main_file, "bytes": size, "crc32": crc},
            "delta": len(ids),
            "tombstones": len(tombstones),
        }
        body = ids.tobytes() + vectors.astype(np.float32).tobytes() + tombstones.tobytes()
        head = json.dumps(header).encode()
        prefix = _MAGIC + struct.pack("<II", len(head), zlib.crc32(head + body))
        _write_atomically(self.state_path(collection), [prefix, head, body])
        self._collect_garbage(stem, keep=main_file)

    def _collect_garbage(self, stem: str, keep: str) -> None:
        now = time.time()
        for path in self.folder.glob(f"{stem}*"):
            name = path.name
            old_format = name in (f"{stem}.faiss", f"{stem}.json")
            stale_main = name.endswith(".main") and name != keep
            with contextlib.suppress(OSError):
                if old_format or (stale_main and now - path.stat().st_mtime > STALE_MAIN_SECONDS):
                    path.unlink()

    def load(self, collection: str, expected: Manifest) -> TieredIndex | None:
        """The saved index if it is intact and its manifest matches ``expected``, else
        ``None`` (the caller rebuilds it from the database)."""
        try:
            return self._load(collection, expected)
        except (OSError, ValueError, TypeError, KeyError, RuntimeError, struct.error) as error:
            log.warning("the saved vector index of %r is unusable (%s)", collection, error)
            return None

    def _load(self, collection: str, expected: Manifest) -> TieredIndex | None:
        path = self.state_path(collection)
        if not path.exists():
            return None
        raw = path.read_bytes()
        if not raw.startswith(_MAGIC):
            raise ValueError("not an index state file")
        offset = len(_MAGIC)
        head_length, crc = struct.unpack_from("<II", raw, offset)
        offset += 8
        if zlib.crc32(raw[offset:]) != crc:
            raise ValueError("state checksum mismatch")
        header = json.loads(raw[offset : offset + head_length])
        manifest = Manifest(**{key: header[key] for key in Manifest.__dataclass_fields__})
        if manifest != expected:
            return None
        main_path = self.folder / header["main"]["file"]
        data = main_path.read_bytes()
        if len(data) != header["main"]["bytes"] or zlib.crc32(data) != header["main"]["crc32"]:
            raise ValueError(f"{main_path.name} does not match its checksum")
        main = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if main.d != expected.dimension:
            raise ValueError("dimension mismatch")
        kind = index_kind(main)
        if kind == "ivf-sq8":
            set_nprobe(main)
        elif kind == "hnsw-sq4":
            faiss.downcast_index(main.index).hnsw.efSearch = HNSW_EF_SEARCH
        index = TieredIndex(
            expected.dimension,
            exact_max=self.exact_max,
            approximate=self.approximate,
            main=main,
            main_file=main_path.name,
        )
        body = memoryview(raw)[offset + head_length :]
        delta, dimension = header["delta"], expected.dimension
        ids = np.frombuffer(body, dtype=np.int64, count=delta)
        vectors = np.frombuffer(body, dtype=np.float32, count=delta * dimension, offset=8 * delta)
        tombstones = np.frombuffer(
            body,
            dtype=np.int64,
            count=header["tombstones"],
            offset=8 * delta + 4 * delta * dimension,
        )
        if len(tombstones):
            index._dead.update(int(i) for i in tombstones)
        if delta:
            index._delta.add_with_ids(vectors.reshape(delta, dimension).copy(), ids.copy())
        return index if len(index) == expected.count else None

    def delete(self, collections: Iterable[str]) -> None:
        for collection in collections:
            with contextlib.suppress(OSError):
                self.state_path(collection).unlink(missing_ok=True)

    def disk_bytes(self) -> int:
        if not self.folder.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())
