"""Vector search behind a small interface; FAISS indexes chosen by size, one per collection.

The FAISS ids are the SQLite passage ids; SQLite holds every vector (the source of truth)
and the files here are derived data, always rebuildable from it.

A collection's index (:class:`TieredIndex`) is a *main* FAISS index plus a small exact
*delta* of recent additions and a set of *tombstones* (ids removed from an approximate
main that is not rewritten for it):

- the main index is exact (``IndexFlatIP``) while the collection holds at most
  ``exact_max`` vectors, and approximate above that: IVF over 8-bit scalar-quantised
  vectors (``IndexIVFScalarQuantizer``, √N lists, ~400 bytes a vector), whose candidates
  the caller re-scores exactly from the stored vectors (see :mod:`index.search`). IVF was
  chosen over HNSW by recall on real MiniLM vectors and by rebuild time (see ``APPROXIMATE``).
- additions go to the delta; once it holds ``max(DELTA_MIN, DELTA_SHARE × main)`` vectors
  a *merge* builds a new main (the old one's contents, minus tombstones, plus the delta)
  in a background thread while searches go on over the old main and the delta; the new
  main then replaces the old in one step. A flat main that outgrows ``exact_max`` becomes
  approximate the same way. An approximate main is never modified in place.

On disk (:class:`IndexDirectory`) each collection has an immutable, content-named main
file ``<stem>-<crc>-<bytes>.main`` and a small state file ``<stem>.state`` (manifest, the
main file's name, size and CRC-32, the delta and the tombstones, with its own CRC-32).
Adding an article rewrites only the state file. Every file is written under a unique
temporary name and renamed into place, so two processes saving at once never collide.
An approximate main is memory-mapped (``IO_FLAG_MMAP``: the first question reads only
the lists it probes) and its CRC-32 is checked in a background thread instead of before
the first question; a mismatch marks the index damaged and :mod:`index.index_sync`
rebuilds it from the database, and the checked bytes of an intact file become an
in-memory copy searched from then on (faster to scan than the mapping). Until the check a
damaged file can cost recall, never a wrong quote: candidates are re-scored from the
database's vectors.
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

log = logging.getLogger(__name__)

EXACT_MAX = 50_000
"""Default size above which a collection's main index becomes approximate."""
APPROXIMATE = "ivf-sq8"
"""The approximate kind, chosen with ``benchmarks/recall_real.py``: recall@10 after exact
re-scoring of 100 candidates against exact search, 200 real questions, on 100k real MiniLM
vectors of recombined real passages (load 6-8 on 2 cores):

- IVF-SQ8, √N lists, 160 probed: .985 (.996 in a second training run), search p50 1.7 ms,
  build 1.9 s, 397 B a vector;
- IVF-SQ4, the same: .985, 2.0 ms, 205 B (the quantiser does not limit recall once 100
  candidates are re-scored; SQ8 scans faster);
- HNSW-SQ4 (M=24, efSearch 512, the previous choice): .973, 0.8 ms, build 35 s, 396 B.

On the benchmark's stand-in vectors IVF measured within ~.01 of real ones (50k, 100k); at
1M (stand-in) IVF-SQ8 gets .987-.992 with 160-250 probes; a rebuild from SQLite takes
22-37 s on these 2 cores at load 5.5-7 (``benchmarks/scale.py``, ``index_upkeep.py``),
where HNSW took 143-380 s for .80."""
DELTA_MIN = 5_000
DELTA_SHARE = 0.02
TRAIN_PER_LIST = 25
"""Training points per IVF list (k-means on a sample keeps a rebuild fast) ..."""
TRAIN_ITERATIONS = 8
"""... and k-means iterations. At 1M (stand-in vectors, 160 lists probed) 25 points and 8
iterations trained in 4.8 s for recall@10 .987; 40 and 10 in 9.1 s for .984."""
NPROBE = 160
NPROBE_SHARE = 0.25
"""IVF lists a search probes: ``NPROBE`` or ``NPROBE_SHARE`` of the lists, whichever is
more (all of them below 160 lists, i.e. 25,600 vectors). With √N lists, recall@10
(re-scored) at a fixed share of lists probed grows with N, so a near-fixed count holds it.
Measured on real MiniLM vectors with 160 probed: .985-.996 at 100k, .986 at 150k (the
stand-in vectors there: .998, so they flatter IVF by up to ~.01); at 1M, stand-in vectors
only: .987 with 160 or 200 probed, .992 with 250 (p50 6 / 8 / 11 ms on 2 loaded cores):
250 leaves that margin for real vectors."""
STALE_MAIN_SECONDS = 300
"""Main files no state names any more are deleted this long after they stopped being
named (readers may still hold an older state for a moment, or be checking the file)."""


@dataclass(frozen=True)
class Manifest:
    """What a saved index was built from."""

    model: str
    dimension: int
    count: int
    generation: int

    def matches(self, expected: Manifest) -> bool:
        """Equal to ``expected``, whose count may be ``UNCOUNTED`` (not compared)."""
        if expected.count == UNCOUNTED:
            return replace(self, count=UNCOUNTED) == expected
        return self == expected


UNCOUNTED = -1
"""A :class:`Manifest` count meaning "not known": a load then checks the index against the
count its own state file names (the caller compares with the database later)."""


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
    """``(ids, vectors)`` held by a flat ``IndexIDMap2`` (copies)."""
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
    """IVF list count for ``count`` vectors: about √count, at least 16 (and never more
    than there are vectors). More lists would probe better but assigning a million
    vectors to 4√N lists alone takes longer than a rebuild may."""
    return int(max(1, min(count, max(16, round(math.sqrt(count))))))


def train_ivf(
    sample: np.ndarray,
    count: int,
    *,
    seed: int = 1234,
    nlist: int | None = None,
    quantizer_type: int | None = None,
) -> faiss.Index:
    """An empty IVF index over scalar-quantised vectors (8-bit unless ``quantizer_type``
    says otherwise) for ``count`` vectors, its lists trained on (up to
    ``TRAIN_PER_LIST`` a list of) ``sample`` with a few k-means iterations."""
    dimension = sample.shape[1]
    nlist = min(count, nlist) if nlist else ivf_lists(count)
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(dimension),
        dimension,
        nlist,
        faiss.ScalarQuantizer.QT_8bit if quantizer_type is None else quantizer_type,
        faiss.METRIC_INNER_PRODUCT,
    )
    index.cp.max_points_per_centroid = TRAIN_PER_LIST
    index.cp.min_points_per_centroid = 1
    index.cp.niter = TRAIN_ITERATIONS
    index.cp.seed = seed
    index.train(_sample(sample, nlist * TRAIN_PER_LIST, seed))
    return index


def build_ivf(
    ids: np.ndarray,
    vectors: np.ndarray,
    *,
    seed: int = 1234,
    nlist: int | None = None,
    quantizer_type: int | None = None,
) -> faiss.Index:
    """An IVF index of ``vectors`` (see :func:`train_ivf`)."""
    index = train_ivf(vectors, len(vectors), seed=seed, nlist=nlist, quantizer_type=quantizer_type)
    _add_in_chunks(index, ids, vectors)
    set_nprobe(index)
    return index


def set_nprobe(index: faiss.Index) -> None:
    index.nprobe = int(min(index.nlist, max(NPROBE, math.ceil(NPROBE_SHARE * index.nlist))))


def index_kind(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexIDMap2):
        return "flat"
    if isinstance(index, faiss.IndexIVFScalarQuantizer):
        return "ivf-sq8" if index.sq.qtype == faiss.ScalarQuantizer.QT_8bit else "ivf-sq"
    return type(index).__name__


def _members(held: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which of ``values`` the sorted array ``held`` holds (``np.isin`` sorts ``held``
    again: ~0.1-1 s at 1M, under the index's lock)."""
    if not len(values) or not len(held):
        return np.zeros(len(values), dtype=bool)
    positions = np.minimum(np.searchsorted(held, values), len(held) - 1)
    return held[positions] == values


def _ivf_ids(index: faiss.Index) -> np.ndarray:
    """Every id an IVF index holds (sorted)."""
    lists = index.invlists
    parts = [
        faiss.rev_swig_ptr(lists.get_ids(number), lists.list_size(number)).copy()
        for number in range(index.nlist)
        if lists.list_size(number)
    ]
    return np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


class TieredIndex:
    """A main index (flat, or approximate above ``exact_max``), an exact delta and the
    tombstones of an approximate main; thread-safe (a lock guards every change; searches
    of an approximate main run outside it, since that main is never changed in place)."""

    def __init__(
        self,
        dimension: int,
        *,
        exact_max: int = EXACT_MAX,
        main: faiss.Index | None = None,
        main_file: str | None = None,
        main_path: Path | None = None,
    ):
        self.dimension = dimension
        self.exact_max = exact_max
        self._main = main if main is not None else _flat(dimension)
        self._main_path = main_path
        """The file an approximate main was read from: memory-mapped, then copied into
        memory once checked (``None``: built in memory)."""
        self._main_ids: np.ndarray | None = None
        self._delta = _flat(dimension)
        self._dead: set[int] = set()
        """Ids removed from an approximate main (not rewritten for it): filtered at search."""
        self._params: faiss.SearchParameters | None = None
        self._lock = threading.RLock()
        self._merging: threading.Thread | None = None
        self._gone: list[int] = []
        """Ids removed while a merge runs (the new main may hold them)."""
        self.main_file = main_file
        """Name of the saved file holding the current main index (``None``: not saved)."""
        self.main_checks: dict[str, int] = {}
        """CRC-32s of the saved main file's header and ids (see :func:`_ivf_checks`)."""
        self.damaged = False
        """Set when the background check finds the main file damaged, or a merge failed:
        :mod:`index.index_sync` then rebuilds the index from the database."""
        self.verifying: threading.Thread | None = None
        """The background check of a mapped main file (a merge waits for it)."""
        self.on_merged: Callable[[], None] | None = None
        """Called (from the merge thread) when a merge replaced the main index."""

    @classmethod
    def build(
        cls, ids: np.ndarray, vectors: np.ndarray, dimension: int, *, exact_max: int = EXACT_MAX
    ) -> TieredIndex:
        """An index of all of a collection's vectors at once (a rebuild), typed by size."""
        return cls(dimension, exact_max=exact_max, main=_new_main(ids, vectors, exact_max))

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
                self._start_merge()

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids) == 0:
            return
        selector = np.asarray(list(ids), dtype=np.int64)
        with self._lock:
            if self._merging is not None:
                self._gone += selector.tolist()
            self._delta.remove_ids(selector)
            if self.exact:
                if self._main.remove_ids(selector):
                    self.main_file = None
                return
            held = selector[_members(self._held_ids(), selector)]
            if len(held):
                self._dead.update(int(i) for i in held)
                self._params = None

    def _held_ids(self) -> np.ndarray:
        if self._main_ids is None:
            self._main_ids = _ivf_ids(self._main)
        return self._main_ids

    def _search_params(self) -> faiss.SearchParameters | None:
        if not self._dead:
            return None
        if self._params is None:
            dead = np.array(sorted(self._dead), dtype=np.int64)
            batch = faiss.IDSelectorBatch(len(dead), faiss.swig_ptr(dead))
            params = faiss.SearchParametersIVF()
            params.nprobe = self._main.nprobe
            params.sel = faiss.IDSelectorNot(batch)
            params._keep = (dead, batch)  # the selectors point into these
            self._params = params
        return self._params

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, self.dimension)
        if k <= 0:
            return []
        hits: list[tuple[int, float]] = []
        with self._lock:
            main, params = self._main, self._search_params()
            parts = [self._delta] if not self.exact else [self._main, self._delta]
            for part in parts:
                if part.ntotal:
                    hits += _found(*part.search(query, min(k, part.ntotal)))
        if not self.exact and main.ntotal:  # immutable: searched outside the lock
            hits += _found(*main.search(query, min(k, main.ntotal), params=params))
        hits.sort(key=lambda hit: -hit[1])
        return hits[:k]

    def __len__(self) -> int:
        with self._lock:
            return int(self._main.ntotal - len(self._dead) + self._delta.ntotal)

    # -- merging -------------------------------------------------------------------------

    def merge(self) -> None:
        """Merge the delta into the main index now and wait for it (tests, benchmarks)."""
        self.wait_merged()
        with self._lock:
            self._start_merge()
        self.wait_merged()

    def wait_merged(self) -> None:
        """Wait for running background merges, if any (one may start the next)."""
        while True:
            with self._lock:
                running = self._merging
            if running is None:
                return
            running.join()

    def _start_merge(self) -> None:
        """Start a merge (the caller holds the lock). A flat main that stays flat takes
        the delta at once (at most ``exact_max`` vectors: milliseconds); otherwise a new
        main is built in a background thread."""
        if self._merging is not None or self._delta.ntotal == 0 or self.damaged:
            return  # a damaged index is replaced by a rebuild, not merged
        ids, vectors = _flat_contents(self._delta, self.dimension)
        if self.exact and len(self) <= self.exact_max:
            _add_in_chunks(self._main, ids, vectors)
            self._delta = _flat(self.dimension)
            self.main_file = None
            return
        if self.exact:
            main_ids, main_vectors = _flat_contents(self._main, self.dimension)
            job = (main_ids, main_vectors, None, None)
        else:
            job = (None, None, self._main, self._main_path)
        dead = np.array(sorted(self._dead), dtype=np.int64)
        self._gone = []
        self._merging = threading.Thread(
            target=self._merge_in_background,
            args=(*job, dead, ids, vectors),
            name="newsbot-index-merge",
        )
        self._merging.start()

    def _merge_in_background(
        self,
        main_ids: np.ndarray | None,
        main_vectors: np.ndarray | None,
        old_main: faiss.Index | None,
        old_path: Path | None,
        dead: np.ndarray,
        ids: np.ndarray,
        vectors: np.ndarray,
    ) -> None:
        faiss.omp_set_num_threads(1)  # this thread's FAISS calls: leave a core to searches
        try:
            if old_main is None:  # flat outgrew exact_max: build the approximate main
                all_ids = np.concatenate([main_ids, ids])
                main = _new_main(all_ids, np.concatenate([main_vectors, vectors]), -1)
                held = np.sort(all_ids)
            else:
                if old_path is not None and not self._verified():
                    # A copy of a damaged file, saved under a fresh checksum, would keep
                    # its damage for good: the delta waits for the rebuild instead.
                    with self._lock:
                        self._merging = None
                    return
                main = _copy(old_main, old_path)
                if len(dead):
                    main.remove_ids(dead)
                _add_in_chunks(main, ids, vectors)
                set_nprobe(main)
                held = _ivf_ids(main)
        except Exception:
            log.exception("merging the vector index delta failed; the index is rebuilt")
            with self._lock:
                self._merging = None
                self.damaged = True
            return
        with self._lock:
            gone = np.array(sorted(set(self._gone)), dtype=np.int64)
            merged = np.setdiff1d(ids, gone)
            if len(merged):
                self._delta.remove_ids(merged)
            self._main, self._main_path, self._main_ids = main, None, held
            self._dead = {int(i) for i in gone[_members(held, gone)]}
            self._params, self._gone, self._merging = None, [], None
            self.main_file, self.main_checks = None, {}
            if self._delta.ntotal >= max(DELTA_MIN, DELTA_SHARE * self._main.ntotal):
                self._start_merge()
        if self.on_merged is not None:
            self.on_merged()

    def adopt_in_memory(self, mapped: faiss.Index, loaded: faiss.Index) -> bool:
        """Search ``loaded``, an in-memory copy of the file of the mapped main ``mapped``,
        from now on; not if the main was replaced meanwhile (a merge) or found damaged.
        Whether it was adopted. The file stays the main's (``main_file``: saving and
        merging read it as before)."""
        set_nprobe(loaded)
        with self._lock:
            if self._main is not mapped or self.damaged or loaded.ntotal != mapped.ntotal:
                return False
            self._main, self._params = loaded, None
            return True

    def _verified(self) -> bool:
        """Wait for the background check of a mapped main file; whether it is intact."""
        if self.verifying is not None:
            self.verifying.join()
        return not self.damaged

    # -- saving --------------------------------------------------------------------------

    def delta_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(delta ids, delta vectors, tombstones)`` for the state file."""
        with self._lock:
            ids, vectors = _flat_contents(self._delta, self.dimension)
            return ids, vectors, np.array(sorted(self._dead), dtype=np.int64)

    def memory_bytes(self) -> int:
        """Approximate RAM held by the vectors (codes, ids, lists' centroids)."""
        with self._lock:
            if self.exact:
                main = self._main.ntotal * (4 * self.dimension + 8)
            else:
                main = self._main.ntotal * (self._main.code_size + 8)
                main += self._main.nlist * 4 * self.dimension
            return int(main + self._delta.ntotal * (4 * self.dimension + 8))


def _new_main(ids: np.ndarray, vectors: np.ndarray, exact_max: int) -> faiss.Index:
    """A main index of these vectors: flat up to ``exact_max`` of them, else IVF."""
    if exact_max >= 0 and len(ids) <= exact_max:
        main = _flat(vectors.shape[1])
        if len(ids):
            _add_in_chunks(main, ids, vectors)
        return main
    return build_ivf(ids, vectors)


def _main_data(index: TieredIndex, main: faiss.Index, path: Path | None) -> bytes:
    """The serialised main index (a mapped one is its file: FAISS cannot serialise it)."""
    if path is not None:
        return path.read_bytes()
    if index_kind(main) == "flat":
        with index._lock:  # a flat main changes in place
            return faiss.serialize_index(main).tobytes()
    return faiss.serialize_index(main).tobytes()


def _copy(main: faiss.Index, path: Path | None) -> faiss.Index:
    """An in-memory, modifiable copy of an approximate main (read from its file when it
    is memory-mapped, which cannot be modified)."""
    return faiss.read_index(str(path)) if path is not None else faiss.clone_index(main)


def _found(scores: np.ndarray, ids: np.ndarray) -> list[tuple[int, float]]:
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def collection_file_stem(collection: str) -> str:
    """A file-system-safe, collision-free name for a collection's index files."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", collection)[:40]
    digest = hashlib.sha1(collection.encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


_MAGIC = b"NBVX2\n"


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


def _ivf_layout(index: faiss.Index, size: int) -> tuple[int, list[tuple[int, int]]]:
    """Where a serialised IVF index keeps its lists: ``(bytes before the first list,
    [(offset, bytes) of each list's ids])`` (FAISS writes each list's codes, then its ids)."""
    lists, code_size = index.invlists, index.code_size
    offset = head = size - index.ntotal * (code_size + 8)
    ranges = []
    for number in range(index.nlist):
        count = lists.list_size(number)
        if count:
            ranges.append((offset + count * code_size, count * 8))
            offset += count * (code_size + 8)
    if head < 0 or offset != size:
        raise ValueError("the index file does not hold the lists its header describes")
    return head, ranges


def _file_crc(path: Path, ranges: Iterable[tuple[int, int]]) -> int:
    """CRC-32 of some ``(offset, bytes)`` ranges of a file, in order."""
    crc = 0
    with path.open("rb") as handle:
        for offset, length in ranges:
            handle.seek(offset)
            crc = zlib.crc32(handle.read(length), crc)
    return crc


def _ivf_checks(index: faiss.Index, data: bytes) -> dict[str, int]:
    """CRC-32s of a serialised IVF index's header (centroids, list sizes) and of its ids:
    checked before its first search (cheap); the rest (the codes) after."""
    head, ranges = _ivf_layout(index, len(data))
    view = memoryview(data)
    ids_crc = 0
    for offset, length in ranges:
        ids_crc = zlib.crc32(view[offset : offset + length], ids_crc)
    return {"head_bytes": head, "head_crc32": zlib.crc32(view[:head]), "ids_crc32": ids_crc}


class IndexDirectory:
    """Saves and loads per-collection indexes (state + content-named main file)."""

    def __init__(self, folder: Path, exact_max: int = EXACT_MAX):
        self.folder = folder
        self.exact_max = exact_max

    def state_path(self, collection: str) -> Path:
        return self.folder / f"{collection_file_stem(collection)}.state"

    def save(self, collection: str, index: TieredIndex, manifest: Manifest) -> None:
        """Write the main file (only if it changed since it was last written), then the state.

        Raises ``OSError`` when the folder cannot be written (the caller reports it).
        """
        stem = collection_file_stem(collection)
        main_file, checks = self.write_main(collection, index)
        with index._lock:
            if index.main_file != main_file:  # a merge replaced the main meanwhile
                main_file, checks = self.write_main(collection, index)
            kind = index.kind
            ids, vectors, tombstones = index.delta_arrays()
        size = (self.folder / main_file).stat().st_size
        crc = int(main_file.split("-")[-2], 16)
        header = {
            **asdict(manifest),
            "kind": kind,
            "main": {"file": main_file, "bytes": size, "crc32": crc, **checks},
            "delta": len(ids),
            "tombstones": len(tombstones),
        }
        body = ids.tobytes() + vectors.astype(np.float32).tobytes() + tombstones.tobytes()
        head = json.dumps(header).encode()
        prefix = _MAGIC + struct.pack("<II", len(head), zlib.crc32(head + body))
        previous = self._named_main(collection)
        if previous is not None and previous != main_file:
            # Its grace period (STALE_MAIN_SECONDS) starts now, not when it was written:
            # another process may have just read the state naming it, or mapped it.
            with contextlib.suppress(OSError):
                os.utime(self.folder / previous)
        _write_atomically(self.state_path(collection), [prefix, head, body])
        self._collect_garbage(stem, keep=main_file)

    def _named_main(self, collection: str) -> str | None:
        """The main file the saved state of ``collection`` names (``None``: none readable)."""
        try:
            with self.state_path(collection).open("rb") as handle:
                prefix = handle.read(len(_MAGIC) + 8)
                if not prefix.startswith(_MAGIC):
                    return None
                length, _ = struct.unpack_from("<II", prefix, len(_MAGIC))
                return str(json.loads(handle.read(length))["main"]["file"])
        except (OSError, ValueError, KeyError, TypeError, struct.error):
            return None

    def write_main(self, collection: str, index: TieredIndex) -> tuple[str, dict[str, int]]:
        """Write the index's main file unless it is saved already; returns its name and
        checks. Callers may run this without the library's write lock (a main file is
        immutable and content-named), so that writing one of 400 MB holds up no question.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        with index._lock:
            main, main_path, main_file = index._main, index._main_path, index.main_file
            kind, checks = index.kind, index.main_checks
        if main_file is not None and (self.folder / main_file).is_file():
            return main_file, checks
        data = _main_data(index, main, main_path)
        checks = {} if kind == "flat" else _ivf_checks(main, data)
        main_file = f"{collection_file_stem(collection)}-{zlib.crc32(data):08x}-{len(data)}.main"
        # Written even when a file of that name exists: it may be a damaged copy.
        _write_atomically(self.folder / main_file, [data])
        with index._lock:
            if index._main is main:
                index.main_file, index.main_checks = main_file, checks
        return main_file, checks

    def _collect_garbage(self, stem: str, keep: str) -> None:
        now = time.time()
        for path in self.folder.glob(f"{stem}*"):
            name = path.name
            old_format = name in (f"{stem}.faiss", f"{stem}.json")
            # exactly <stem>-<crc>-<bytes>.main: a collection whose own stem begins with
            # this one's (collection "a" and one named "a-<its digest>") keeps its files
            stale_main = name != keep and re.fullmatch(
                rf"{re.escape(stem)}-[0-9a-f]{{8}}-\d+\.main", name
            )
            with contextlib.suppress(OSError):
                if old_format or (stale_main and now - path.stat().st_mtime > STALE_MAIN_SECONDS):
                    path.unlink()

    def load(self, collection: str, expected: Manifest) -> TieredIndex | None:
        """The saved index if it is intact and its manifest matches ``expected``, else
        ``None`` (the caller rebuilds it from the database).

        An approximate main is memory-mapped after checking its header and ids; the rest
        of it is checked by a background thread, which sets ``damaged`` on a mismatch.
        """
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
            raise ValueError("not an index state file of this version")
        offset = len(_MAGIC)
        head_length, crc = struct.unpack_from("<II", raw, offset)
        offset += 8
        if zlib.crc32(raw[offset:]) != crc:
            raise ValueError("state checksum mismatch")
        header = json.loads(raw[offset : offset + head_length])
        manifest = Manifest(**{key: header[key] for key in Manifest.__dataclass_fields__})
        if not manifest.matches(expected):
            return None
        described = header["main"]
        main_path = self.folder / described["file"]
        if main_path.stat().st_size != described["bytes"]:
            raise ValueError(f"{main_path.name} does not have the size its state names")
        if header["kind"] == "flat":
            data = main_path.read_bytes()
            if zlib.crc32(data) != described["crc32"]:
                raise ValueError(f"{main_path.name} does not match its checksum")
            main = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
            mapped = None
        else:
            main, mapped = self._map(main_path, described)
        if main.d != expected.dimension or index_kind(main) != header["kind"]:
            raise ValueError("the index file is not of the kind or dimension its state names")
        index = TieredIndex(
            expected.dimension,
            exact_max=self.exact_max,
            main=main,
            main_file=main_path.name,
            main_path=mapped,
        )
        index.main_checks = {
            k: described[k] for k in ("head_bytes", "head_crc32", "ids_crc32") if k in described
        }
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
        if len(index) != manifest.count:
            return None
        if mapped is not None:
            _verify_in_background(index, mapped, described["crc32"])
        return index

    @staticmethod
    def _map(path: Path, described: dict) -> tuple[faiss.Index, Path]:
        """Memory-map an approximate main after checking the CRC-32s of its header
        (centroids, list sizes) and of its ids."""
        with path.open("rb") as handle:  # checked before FAISS parses it
            head = handle.read(described["head_bytes"])
        if zlib.crc32(head) != described["head_crc32"]:
            raise ValueError(f"{path.name}: header does not match its checksum")
        main = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        start, ranges = _ivf_layout(main, described["bytes"])
        if start != described["head_bytes"]:
            raise ValueError(f"{path.name}: lists do not start where the state says")
        if _file_crc(path, ranges) != described.get("ids_crc32"):
            raise ValueError(f"{path.name}: ids do not match their checksum")
        set_nprobe(main)
        return main, path

    def delete(self, collections: Iterable[str]) -> None:
        for collection in collections:
            with contextlib.suppress(OSError):
                self.state_path(collection).unlink(missing_ok=True)


def _verify_in_background(index: TieredIndex, path: Path, crc: int) -> threading.Thread:
    """Check a mapped main file's CRC-32 in a daemon thread; mark the index damaged on a
    mismatch (:mod:`index.index_sync` then rebuilds it from the database). The bytes
    checked are then parsed into an in-memory index searched from then on
    (:meth:`TieredIndex.adopt_in_memory`): the first question needs no wait for it, and the
    later ones scan anonymous memory, which at 1M passages searched in 8.7 ms instead of
    14 ms mapped (fewer TLB misses with transparent huge pages). The cost: the main's
    codes live in the process's memory (394 B a passage) rather than in the page cache,
    and twice that for a moment while the copy is parsed."""
    mapped = index._main

    def verify() -> None:
        try:
            data = path.read_bytes()
            intact = zlib.crc32(data) == crc
        except OSError:
            data, intact = b"", False
        if not intact:
            log.warning("the vector index file %s is damaged; rebuilding it", path.name)
            index.damaged = True
            return
        try:
            loaded = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        except Exception as error:  # out of memory, say: the mapping serves on
            log.info("the vector index file %s stays mapped (%s)", path.name, error)
            return
        del data
        index.adopt_in_memory(mapped, loaded)

    thread = threading.Thread(target=verify, name="newsbot-index-check", daemon=True)
    index.verifying = thread
    thread.start()
    return thread
