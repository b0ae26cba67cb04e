"""The facade the front ends use: open/close, ingest, ask, list, remove, reindex, stats.

SQLite (:mod:`index.store`) is the source of truth. Vector indexes (:mod:`index.vectors`)
are derived: each collection's index remembers the collection's *generation* (a counter
the database bumps on every change). Before a question, indexes whose generation differs
from the database's are reloaded from disk or rebuilt from the stored embeddings, so a
crash between the database write and the index write, or another process writing to the
same database, never leaves a stale or missing index in use.

The work is done elsewhere: :mod:`index.ingest` (the ingest pipeline),
:mod:`index.reindexing` (reindex jobs), :mod:`index.index_sync` (vector-index upkeep),
:mod:`index.qa` (answering, with time frames in :mod:`index.qa.timeframes`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from index.config import Settings
from index.conversations import Conversations
from index.embedder import Embedder, LazyEmbedder
from index.errors import ArticleNotFound, IndexMismatch, NewsbotError
from index.followup import Span, without_shown
from index.index_sync import IndexSync
from index.ingest import (
    ENCODE_CHUNK,
    INGEST_BATCH_ARTICLES,
    INGEST_BATCH_PASSAGES,
    Ingester,
    Progress,
    analyse_article,
    content_hash,
    find_attributions_for_store,
    make_article_id,
)
from index.keyword import wait_idle as keyword_wait_idle
from index.loaders import Loaded, load_bytes, load_paths
from index.model_check import ModelCheck, open_lazy_embedder, refresh_attributions
from index.models import Answer, Article, ArticleInput, IngestReport, Stats
from index.pauses import settle as settle_garbage_collector
from index.qa import answer_question
from index.qa.candidates import prefetch_search
from index.qa.headlines import latest_leads
from index.qa.timeframes import answer_in_timeframe
from index.reindexing import Reindexer, ReindexReport
from index.store import Store
from index.threads import limit_faiss_threads
from index.timeframe import TimeFilter
from index.validate import check_question
from index.vectors import IndexDirectory, TieredIndex

if TYPE_CHECKING:
    from index.feeds import FeedService

__all__ = [
    "ENCODE_CHUNK",
    "INGEST_BATCH_ARTICLES",
    "INGEST_BATCH_PASSAGES",
    "Library",
    "Progress",
    "ReindexReport",
    "analyse_article",
    "content_hash",
    "find_attributions_for_store",
    "make_article_id",
]

log = logging.getLogger(__name__)


class Library:
    """An open newsbot data directory. Use ``async with await Library.open(...)``."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._write_lock = asyncio.Lock()
        self._reindex_jobs: dict[frozenset[str] | None, tuple[int, int]] = {}
        """Running reindexes: their collections (``None``: all) -> (done, total)."""
        self._model = ModelCheck(store, embedder, self._reindex_jobs)
        self._index_sync = IndexSync(
            store,
            embedder,
            IndexDirectory(settings.vectors_dir, settings.exact_index_max),
            exact_max=settings.exact_index_max,
            write_lock=self._write_lock,
            check_model=self._model.check_stored,
        )
        self._ingester = Ingester(
            store, embedder, self._index_sync, max_article_chars=settings.max_article_chars
        )
        self._reindexer = Reindexer(store, self._ingester, self._index_sync, self._reindex_jobs)
        self._feeds: FeedService | None = None
        self.conversations = Conversations(store)
        """Answers shown by a front end (paging and follow-ups across restarts)."""
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        """The clock time expressions in questions are read against (tests replace it)."""

    @property
    def feeds(self) -> FeedService:
        """RSS/Atom subscriptions: add, list, remove, poll (see :mod:`index.feeds`). Created
        on first use, so commands that follow no feed import no HTTP client."""
        if self._feeds is None:
            from index.feeds import FeedService

            self._feeds = FeedService(self)
        return self._feeds

    @property
    def _indexes(self) -> dict[str, TieredIndex]:
        """The in-memory vector index of each synced collection."""
        return self._index_sync.indexes

    @property
    def _directory(self) -> IndexDirectory:
        return self._index_sync.directory

    # -- life cycle ------------------------------------------------------------------

    @classmethod
    async def open(cls, settings: Settings, *, embedder: Embedder | None = None) -> Library:
        """Open (creating if needed) the data directory; seeds it on first use."""
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise NewsbotError(
                f"Cannot use {settings.data_dir} as the data directory ({error.strerror}); "
                "choose another with --data-dir or NEWSBOT_DATA_DIR."
            ) from error
        limit_faiss_threads()
        store = await Store.open(settings.database_path)
        try:
            if embedder is None:  # the model loads on the first encode, if any
                embedder = await open_lazy_embedder(settings, store)
            library = cls(settings, store, embedder)
            await library._model.check()
            await refresh_attributions(store)
            await library._seed_if_new()
        except BaseException:
            await store.close()
            raise
        return library

    async def warm_up(self) -> None:
        """Load the embedding model now rather than on the first question, then settle
        the garbage collector for a long run (:func:`index.pauses.settle`). A long-running
        bot calls this after start; commands that embed nothing never do."""
        if isinstance(self.embedder, LazyEmbedder):
            await asyncio.to_thread(self.embedder.load)
        settle_garbage_collector()

    async def wait_idle(self) -> None:
        """Wait until the background work started by opening the library and by
        questions has finished (the vector index file's checksum, its passage count
        check, merges, keyword statistics). Nothing needs to call it: questions are
        answered meanwhile; benchmarks call it to time the steady state."""
        await self._index_sync.wait_idle()
        await keyword_wait_idle()

    async def close(self) -> None:
        """Finish index merges, save changed indexes and close the database."""
        try:
            await self._index_sync.close()
        finally:
            await self.store.close()

    async def __aenter__(self) -> Library:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _seed_if_new(self) -> None:
        if await self.store.get_meta("seeded") is not None:
            return
        seeds = self.settings.seeds_dir
        if seeds is not None and seeds.is_dir() and await self.store.count_articles() == 0:
            report = await self.ingest_paths([seeds], collection=self.settings.seed_collection)
            for failure in report.failures:
                log.warning("seed %s not loaded: %s", failure.origin, failure.reason)
        await self.store.set_meta("seeded", "1")

    # -- ingest ----------------------------------------------------------------------

    async def ingest_paths(
        self,
        paths: Iterable[Path],
        *,
        collection: str,
        added_by: str | None = None,
        progress: Progress | None = None,
        replace_others: bool = True,
    ) -> IngestReport:
        """Ingest files and folders; bad files are reported, the rest go in."""
        loaded = await asyncio.to_thread(
            functools.partial(load_paths, max_file_bytes=self.settings.max_file_bytes),
            list(paths),
        )
        return await self._ingest_loaded(loaded, collection, added_by, progress, replace_others)

    async def ingest_file(
        self,
        data: bytes,
        filename: str,
        *,
        collection: str,
        added_by: str | None = None,
        progress: Progress | None = None,
        replace_others: bool = True,
    ) -> IngestReport:
        """Ingest one uploaded file's bytes (an attachment)."""
        loaded = await asyncio.to_thread(load_bytes, data, filename)
        return await self._ingest_loaded(loaded, collection, added_by, progress, replace_others)

    async def ingest_url(
        self,
        url: str,
        *,
        collection: str,
        added_by: str | None = None,
        replace_others: bool = True,
    ) -> IngestReport:
        """Fetch a web page (public addresses only, unless configured), extract and ingest it."""
        from index.fetch import fetch_article

        article = await fetch_article(
            url,
            allow_private=self.settings.allow_private_urls,
            timeout=self.settings.fetch_timeout,
            max_bytes=self.settings.fetch_max_bytes,
        )
        return await self.ingest(
            [article], collection=collection, added_by=added_by, replace_others=replace_others
        )

    async def ingest(
        self,
        articles: Sequence[ArticleInput],
        *,
        collection: str,
        added_by: str | None = None,
        progress: Progress | None = None,
        replace_others: bool = True,
    ) -> IngestReport:
        """Ingest articles; one that is refused does not stop the others.

        The same article again (same id; or, without an id, same URL or same text) updates
        the stored one. With ``replace_others=False`` (a Discord member who is not an admin)
        an article added by someone else is never replaced: identical text is reported as
        unchanged, anything else is refused.
        """
        return await self._ingest_loaded(
            Loaded(list(articles)), collection, added_by, progress, replace_others
        )

    async def _ingest_loaded(
        self,
        loaded: Loaded,
        collection: str,
        added_by: str | None,
        progress: Progress | None,
        replace_others: bool = True,
    ) -> IngestReport:
        """Ingest in batches (see :meth:`index.ingest.Ingester.ingest`); changed indexes are
        saved even when it fails."""
        self._model.require_match()
        try:
            return await self._ingester.ingest(
                loaded, collection, added_by, progress, replace_others
            )
        finally:
            await self._save_dirty()

    # -- vector index upkeep -----------------------------------------------------------

    async def _sync_index(self, collection: str) -> None:
        await self._index_sync.sync(collection)

    async def _save_dirty(self) -> None:
        await self._index_sync.save_dirty()

    async def _sync_all(self, collections: Sequence[str]) -> None:
        await self._index_sync.sync_all(collections)

    # -- questions -------------------------------------------------------------------

    async def ask(
        self,
        question: str,
        *,
        collections: Sequence[str],
        limit: int = 5,
        article_ids: Sequence[str] | None = None,
        exclude: Sequence[Span] = (),
    ) -> Answer:
        """Answer with up to ``limit`` verbatim quotes from articles in ``collections``.

        ``article_ids`` restricts the answer to those articles (follow-up questions);
        quotes overlapping an ``exclude`` span (already shown) are left out. A time
        expression ("this week", "in May", "latest") limits the articles to those published
        then (see :mod:`index.timeframe`) and puts the newest first.
        """
        if exclude:
            answer = await self.ask(
                question,
                collections=collections,
                limit=limit + len(exclude),
                article_ids=article_ids,
            )
            return without_shown(answer, exclude, limit)
        question = check_question(question)
        self._model.require_match()
        answer_with = functools.partial(self._ask, collections=collections, article_ids=article_ids)
        leads_with = functools.partial(
            self._latest_leads, collections=collections, article_ids=article_ids
        )
        return await answer_in_timeframe(question, self.now(), limit, answer_with, leads_with)

    async def _latest_leads(
        self,
        question: str,
        limit: int,
        published_window: TimeFilter,
        *,
        collections: Sequence[str],
        article_ids: Sequence[str] | None,
    ) -> Answer:
        return await latest_leads(
            self.store, question, collections, limit, published_window, article_ids
        )

    async def _ask(
        self,
        question: str,
        limit: int,
        published_window: TimeFilter | None,
        *,
        collections: Sequence[str],
        article_ids: Sequence[str] | None,
    ) -> Answer:
        collections = list(dict.fromkeys(collections))
        # The question is embedded in a worker thread while SQLite syncs the indexes and
        # runs the keyword search, which needs no vector; FAISS then searches while the
        # rest of the question's retrieval goes on.
        search = prefetch_search(self.store, question, collections, published_window)
        try:
            vectors, _ = await asyncio.gather(
                asyncio.to_thread(self.embedder.encode, [question]),
                self._sync_all(collections),
            )
            query_vector = vectors[0]
            search.start_dense(self._indexes, query_vector)
            return await answer_question(
                self.store,
                self._indexes,
                question,
                query_vector,
                collections,
                dimension=self.embedder.dimension,
                limit=limit,
                article_ids=article_ids,
                published_window=published_window,
                search=search,
            )
        finally:
            search.cancel()

    # -- articles --------------------------------------------------------------------

    async def list_articles(
        self, *, collections: Sequence[str], offset: int = 0, limit: int = 50
    ) -> list[Article]:
        return await self.store.list_articles(collections, offset=offset, limit=limit)

    async def count_articles(self, *, collections: Sequence[str]) -> int:
        return await self.store.count_articles(collections)

    async def get_article(self, article_id: str, *, collections: Sequence[str]) -> Article:
        article = await self.store.find_article(collections, article_id)
        if article is None:
            raise ArticleNotFound(
                f"No article with id {article_id!r} here; list them with /articles or "
                "`newsbot articles`."
            )
        return article

    async def remove_article(self, article_id: str, *, collection: str) -> Article:
        """Delete an article; it is never quoted again."""
        async with self._write_lock:
            await self._sync_index(collection)
            removed = await self.store.delete_article(collection, article_id)
            if removed is None:
                raise ArticleNotFound(
                    f"No article with id {article_id!r} in this collection; list them with "
                    "/articles or `newsbot articles`."
                )
            article, passage_ids, generation = removed
            await self._index_sync.apply(collection, generation, passage_ids, [], None)
        await self._save_dirty()
        return article

    # -- maintenance -------------------------------------------------------------------

    @property
    def reindexing(self) -> bool:
        """Whether any reindex is running."""
        return bool(self._reindex_jobs)

    def reindex_progress(self, collections: Sequence[str] | None = None) -> tuple[int, int] | None:
        """``(done, total)`` of a running reindex that covers any of ``collections`` (all
        collections when ``None``), or ``None`` when no such reindex runs."""
        return self._reindexer.progress(collections)

    async def reindex(
        self, progress: Progress | None = None, *, collections: Sequence[str] | None = None
    ) -> ReindexReport:
        """Re-chunk and re-embed every article (or those of ``collections``).

        The passages of several articles are embedded together, as on ingest; each article
        is then swapped in its own transaction (unless it was edited or removed since it was
        read: the newer state stays) and reported to ``progress``. Questions keep working
        while it runs; a second call covering a collection being reindexed raises
        :class:`ReindexInProgress` (other collections may be reindexed at the same time).
        After a model change only a full reindex (no ``collections``) can switch over.
        """
        if collections is not None and self._model.mismatch is not None:
            raise IndexMismatch(
                "The embedding model changed: every article must be re-embedded at once. "
                "Run `newsbot reindex` on the bot's machine."
            )
        return await self._reindexer.run(
            progress,
            collections,
            model_changed=lambda: self._model.mismatch is not None,
            adopt_model=self._model.adopt,
        )

    async def stats(self, *, collections: Sequence[str] | None = None) -> Stats:
        sizes = await self.store.collection_sizes()
        if collections is not None:
            sizes = {c: n for c, n in sizes.items() if c in collections}
        passages = 0
        for collection in sizes:
            passages += await self.store.count_passages(collection)
        await self._sync_all(list(sizes))
        return Stats(
            articles=sum(sizes.values()),
            passages=passages,
            collections=sizes,
            model=self.embedder.name,
            dimension=self.embedder.dimension,
            vectors=sum(len(self._indexes[c]) for c in sizes if c in self._indexes),
            database_bytes=await self.store.database_bytes(),
        )
