"""Reindex: re-chunk and re-embed stored articles, in batches, with progress.

The passages of several articles are embedded together, as on ingest; each article is
then swapped in its own transaction (unless it was edited or removed since it was read:
the newer state stays). Running reindexes are registered per set of collections, so a
second one over the same collections is refused while others may run at the same time.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index import ingest as batching
from index.errors import BadArticle, ReindexInProgress
from index.index_sync import IndexSync
from index.ingest import Ingester, Planned, Progress, report_progress
from index.models import ArticleInput
from index.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReindexReport:
    articles: int
    passages: int
    seconds: float


class Reindexer:
    """The reindexes of one open library, and the registry of those running."""

    def __init__(
        self,
        store: Store,
        ingester: Ingester,
        indexes: IndexSync,
        jobs: dict[frozenset[str] | None, tuple[int, int]],
    ) -> None:
        self.store = store
        self.ingester = ingester
        self.indexes = indexes
        self.jobs = jobs
        """Running reindexes: their collections (``None``: all) -> (done, total)."""

    def progress(self, collections: Sequence[str] | None = None) -> tuple[int, int] | None:
        """``(done, total)`` of a running reindex that covers any of ``collections`` (all
        collections when ``None``), or ``None`` when no such reindex runs."""
        wanted = None if collections is None else set(collections)
        for covered, progress in self.jobs.items():
            if covered is None or wanted is None or covered & wanted:
                return progress
        return None

    async def run(
        self,
        progress: Progress | None,
        collections: Sequence[str] | None,
        *,
        model_changed: Callable[[], bool],
        adopt_model: Callable[[], Awaitable[None]],
    ) -> ReindexReport:
        """Reindex every article (or those of ``collections``); raises
        :class:`ReindexInProgress` when a running reindex covers any of them.

        When ``model_changed()`` the indexes start empty (the old model's vectors must not
        be loaded into them); after a full reindex ``adopt_model`` records the model.
        """
        running = self.progress(collections)
        if running is not None:
            done, total = running
            raise ReindexInProgress(
                f"A reindex is already running ({done}/{total} articles done); wait for it to "
                "finish."
            )
        job = None if collections is None else frozenset(collections)
        self.jobs[job] = (0, 0)
        try:
            started = time.perf_counter()
            keys = await self.store.article_keys()
            if collections is not None:
                keys = [key for key in keys if key[0] in set(collections)]
            self.jobs[job] = (0, len(keys))
            if model_changed():
                # Start from empty indexes that each re-embedded article is added to; the
                # stored vectors of the old model must not be loaded into them.
                async with self.indexes.write_lock:
                    self.indexes.start_empty(await self.store.generations())
            passages, done, pending = 0, 0, 0
            batch: list[tuple[str, Planned] | None] = []  # None: gone or unreadable

            async def flush() -> None:
                nonlocal passages, done, pending
                async with contextlib.aclosing(self._write_batch(batch)) as written:
                    async for count in written:
                        passages += count
                        done += 1
                        self.jobs[job] = (done, len(keys))
                        await report_progress(progress, done, len(keys))
                batch.clear()
                pending = 0

            try:
                for collection, article_id in keys:
                    planned = await self._plan(collection, article_id)
                    batch.append(None if planned is None else (collection, planned))
                    pending += 0 if planned is None else len(planned.passages)
                    full = len(batch) >= batching.INGEST_BATCH_ARTICLES
                    if pending >= batching.INGEST_BATCH_PASSAGES or full:
                        await flush()
                await flush()
                if collections is None:
                    await adopt_model()
            finally:
                await self.indexes.save_dirty()
            return ReindexReport(len(keys), passages, time.perf_counter() - started)
        finally:
            del self.jobs[job]

    async def _plan(self, collection: str, article_id: str) -> Planned | None:
        """The stored article, planned for re-embedding (``None``: removed meanwhile, or
        nothing left to embed). Its stored hash is remembered: the write is skipped if the
        article changes before it."""
        article = await self.store.get_article(collection, article_id)
        if article is None:
            return None
        stored = ArticleInput(
            title=article.title,
            text=article.text,
            id=article.id,
            url=article.url,
            source=article.source,
            author=article.author,
            published=article.published,
            origin=article.id,
            title_derived=article.title_derived,
        )
        try:
            item, _ = await self.ingester.plan(stored, collection, article.added_by, force=True)
        except BadArticle as error:
            log.info("reindex skipped %s: %s", article.id, error)
            return None
        return item if isinstance(item, Planned) else None

    async def _write_batch(self, batch: Sequence[tuple[str, Planned] | None]) -> AsyncIterator[int]:
        """Embed the passages of every planned article of ``batch`` together, then write
        each article in its own transaction; yields, per entry of ``batch`` and in order,
        the number of passages written (0: skipped). An encoder error stops the reindex:
        no article may keep vectors of two models."""
        planned = [item for item in batch if item is not None]
        vectors = await self.ingester.embed([p.text for _, item in planned for p in item.passages])
        split = np.cumsum([len(item.passages) for _, item in planned])[:-1]
        per_article = iter(np.split(vectors, split) if planned else [])
        for entry in batch:
            if entry is None:
                yield 0
                continue
            collection, item = entry
            try:
                written = await self.ingester.write(item, collection, next(per_article))
            except BadArticle as error:  # edited or removed meanwhile: the newer state stays
                log.info("reindex skipped %s: %s", item.article.origin, error)
                yield 0
            else:
                yield written.passages
