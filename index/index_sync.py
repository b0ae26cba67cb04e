"""Vector-index upkeep: keep each collection's in-memory index in step with the database.

SQLite is the source of truth; every collection's index remembers the collection's
*generation* (a counter the database bumps on every change). :meth:`IndexSync.sync`
reloads an index from disk, or rebuilds it from the stored embeddings, when its
generation differs from the database's; :meth:`IndexSync.apply` mirrors one committed
change; :meth:`IndexSync.save_dirty` writes changed indexes back to disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

import faiss
import numpy as np

from index.embedder import Embedder
from index.store import Store
from index.vectors import (
    TRAIN_PER_LIST,
    UNCOUNTED,
    IndexDirectory,
    Manifest,
    TieredIndex,
    ivf_lists,
    set_nprobe,
    train_ivf,
)

log = logging.getLogger(__name__)

COUNT_CHECK_DELAY = 3.0
"""Seconds after loading a saved index before its size is checked against the database."""


class IndexSync:
    """The vector indexes of one open library: per collection, the index, the database
    generation it matches, and whether it changed since it was last saved.

    ``write_lock`` is the library's lock for writes; :meth:`sync` and :meth:`apply` expect
    the caller to hold it, :meth:`sync_all` and :meth:`save_dirty` take it.
    ``check_model`` runs before an index is loaded or rebuilt (it raises when another
    process re-embedded the articles with a different model).
    """

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        directory: IndexDirectory,
        *,
        exact_max: int,
        write_lock: asyncio.Lock,
        check_model: Callable[[], Awaitable[None]],
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.directory = directory
        self.exact_max = exact_max
        self.write_lock = write_lock
        self.check_model = check_model
        self.indexes: dict[str, TieredIndex] = {}
        self.generations: dict[str, int] = {}
        self.dirty: set[str] = set()
        self.count_check_delay = COUNT_CHECK_DELAY
        self._checks: set[asyncio.Task[None]] = set()

    def manifest(self, generation: int, count: int) -> Manifest:
        return Manifest(self.embedder.name, self.embedder.dimension, count, generation)

    def new_index(self) -> TieredIndex:
        return TieredIndex(self.embedder.dimension, exact_max=self.exact_max)

    async def sync(self, collection: str) -> None:
        """Make the in-memory index of ``collection`` match the database (and rebuild one
        whose saved file the background check found damaged)."""
        generation = (await self.store.generations()).get(collection, 0)
        current = self.indexes.get(collection)
        damaged = current is not None and current.damaged
        if current is not None and not damaged and self.generations.get(collection) == generation:
            return
        await self.check_model()
        index = None
        if not damaged:  # its passage count is checked later (counting 1M takes ~0.3 s)
            expected = self.manifest(generation, UNCOUNTED)
            index = await asyncio.to_thread(self.directory.load, collection, expected)
        if index is None:
            count = await self.store.count_passages(collection)
            index = await self.rebuild(collection, count)
            if generation:
                log.info("rebuilt the vector index of %s (%d passages)", collection, len(index))
                self.dirty.add(collection)
        else:
            task = asyncio.create_task(self._check_count(collection, index))
            self._checks.add(task)
            task.add_done_callback(self._checks.discard)
        self._track(collection, index)
        self.generations[collection] = generation

    async def _check_count(self, collection: str, index: TieredIndex) -> None:
        """A moment after ``index`` was loaded (off the first question), compare its size
        with the database's passage count; a mismatch marks it damaged (rebuilt on the
        next :meth:`sync`). Generations already tell a stale file; this is a second guard."""
        await asyncio.sleep(self.count_check_delay)
        if self.indexes.get(collection) is not index:
            return
        generation = (await self.store.generations()).get(collection, 0)
        if generation != self.generations.get(collection):
            return  # changed meanwhile: the next sync reloads it
        # counted outside the write lock, which every question takes to sync: a count of
        # 1M passages (~0.2 s) would hold them all up; unchanged generations before and
        # after it mean no write came in between
        count = await self.store.count_passages_aside(collection)
        async with self.write_lock:
            if self.indexes.get(collection) is not index:
                return
            if (await self.store.generations()).get(collection, 0) != generation:
                return
            if count != len(index):
                log.warning(
                    "the saved vector index of %r holds %d passages, the database %d; "
                    "rebuilding it",
                    collection,
                    len(index),
                    count,
                )
                index.damaged = True

    def _track(self, collection: str, index: TieredIndex) -> None:
        """Hold ``index`` as the collection's; a background merge marks it to be saved."""
        index.on_merged = lambda: self.dirty.add(collection)
        self.indexes[collection] = index

    async def sync_all(self, collections: Sequence[str]) -> None:
        """:meth:`sync` each of ``collections`` (under the write lock)."""
        async with self.write_lock:
            for collection in collections:
                await self.sync(collection)

    async def rebuild(self, collection: str, count: int) -> TieredIndex:
        """A new index of every vector of ``collection`` stored in the database.

        Above ``exact_max`` the IVF lists are trained on a random sample read first, while
        the vectors are read in batches; each batch is added while the next is read."""
        dimension = self.embedder.dimension
        if count > self.exact_max:
            sample = ivf_lists(count) * TRAIN_PER_LIST
            _, training = await self.store.sample_embeddings(collection, dimension, 2 * sample)
            if len(training) >= min(sample, count) // 2:  # else: sparse ids, read it all
                training_done = asyncio.ensure_future(asyncio.to_thread(train_ivf, training, count))
                waiting: list[tuple[np.ndarray, np.ndarray]] = []  # read while training
                adding: asyncio.Future[None] | None = None
                async for batch_ids, batch in self.store.iter_embeddings(
                    collection, dimension, batch=50_000
                ):
                    waiting.append((batch_ids, batch))
                    if not training_done.done():
                        continue
                    main = training_done.result()
                    if adding is not None:
                        await adding
                    adding = asyncio.ensure_future(asyncio.to_thread(_add_all, main, waiting))
                    waiting = []
                main = await training_done
                if adding is not None:
                    await adding
                await asyncio.to_thread(_add_all, main, waiting)
                set_nprobe(main)
                return TieredIndex(dimension, exact_max=self.exact_max, main=main)
        ids = np.empty(count, dtype=np.int64)
        vectors = np.empty((count, dimension), dtype=np.float32)
        filled = 0
        async for batch_ids, batch in self.store.iter_embeddings(
            collection, dimension, batch=50_000
        ):
            if filled + len(batch_ids) > len(ids):  # rows added meanwhile
                ids = np.resize(ids, filled + len(batch_ids))
                vectors = np.resize(vectors, (filled + len(batch_ids), dimension))
            ids[filled : filled + len(batch_ids)] = batch_ids
            vectors[filled : filled + len(batch_ids)] = batch
            filled += len(batch_ids)
        return await asyncio.to_thread(
            TieredIndex.build,
            ids[:filled],
            vectors[:filled],
            dimension,
            exact_max=self.exact_max,
        )

    def start_empty(self, generations: dict[str, int]) -> None:
        """Drop every saved index and start each collection from an empty one at
        ``generations`` (a reindex after a model change; under the write lock)."""
        self.directory.delete(generations)
        for collection, generation in generations.items():
            self._track(collection, self.new_index())
            self.generations[collection] = generation

    async def apply(
        self,
        collection: str,
        generation: int,
        removed: Sequence[int],
        added: Sequence[int],
        vectors: np.ndarray | None,
    ) -> None:
        """Mirror one committed database change in the in-memory index (in a worker
        thread: a merge into an approximate index may take a moment).

        If the database moved on by more than this change (another process wrote to it
        meanwhile), the index is dropped and rebuilt from the database on next use.
        """
        if generation != self.generations.get(collection, 0) + 1:
            self.indexes.pop(collection, None)
            self.generations.pop(collection, None)
            return
        index = self.indexes[collection]

        def apply() -> None:
            index.remove(removed)
            if vectors is not None:  # as stored (float16), so a rebuild finds the same
                stored = np.asarray(vectors, dtype=np.float16).astype(np.float32)
                index.add(np.asarray(added, dtype=np.int64), stored)

        await asyncio.to_thread(apply)
        self.generations[collection] = generation
        self.dirty.add(collection)

    async def save_dirty(self) -> None:
        """Write changed indexes to disk: new main files first, without the write lock
        (questions wait for it), then the small state files under it. An index that
        cannot be written (a damaged data folder) is reported and rebuilt from the
        database later."""
        for collection in sorted(self.dirty):
            index = self.indexes.get(collection)
            if index is not None and not index.exact:
                with contextlib.suppress(OSError):  # reported below, under the lock
                    await asyncio.to_thread(self.directory.write_main, collection, index)
        async with self.write_lock:
            for collection in sorted(self.dirty):
                self.dirty.discard(collection)
                index = self.indexes.get(collection)
                if index is None:
                    continue
                manifest = self.manifest(self.generations[collection], len(index))
                try:
                    await asyncio.to_thread(self.directory.save, collection, index, manifest)
                except OSError as error:
                    log.warning(
                        "could not save the vector index of %r in %s (%s); it is rebuilt "
                        "from the database when needed",
                        collection,
                        self.directory.folder,
                        error,
                    )

    async def wait_idle(self) -> None:
        """Wait until the background work of loading and merging is done: the passage
        count checks of loaded indexes (a few seconds after loading), the checksum
        threads of memory-mapped index files and running merges (benchmarks measure the
        steady state after it; nothing needs to call it)."""
        while self._checks:
            await asyncio.gather(*list(self._checks), return_exceptions=True)
        for index in list(self.indexes.values()):
            if index.verifying is not None:
                await asyncio.to_thread(index.verifying.join)
            await asyncio.to_thread(index.wait_merged)

    async def close(self) -> None:
        """Wait for background merges (a short-lived process, such as one CLI command,
        would otherwise lose them), then :meth:`save_dirty`; pending count checks are
        dropped."""
        for task in list(self._checks):
            task.cancel()
        for index in list(self.indexes.values()):
            await asyncio.to_thread(index.wait_merged)
        await self.save_dirty()


def _add_all(main: faiss.Index, batches: list[tuple[np.ndarray, np.ndarray]]) -> None:
    for ids, vectors in batches:
        main.add_with_ids(vectors, ids)
