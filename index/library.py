"""The facade the front ends use: open/close, ingest, ask, list, remove, reindex, stats.

SQLite (:mod:`index.store`) is the source of truth. Vector indexes (:mod:`index.vectors`)
are derived: each collection's index remembers the collection's *generation* (a counter
the database bumps on every change). Before a question, indexes whose generation differs
from the database's are reloaded from disk or rebuilt from the stored embeddings, so a
crash between the database write and the index write, or another process writing to the
same database, never leaves a stale or missing index in use.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import inspect
import logging
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index import answer as answering
from index.attribution import (
    ATTRIBUTION_RULES,
    find_attributions,
)
from index.chunking import chunk_article
from index.config import Settings
from index.conversations import Conversations
from index.embedder import Embedder, LazyEmbedder, lazy_embedder
from index.errors import (
    ArticleNotFound,
    BadArticle,
    IndexMismatch,
    NewsbotError,
    ReindexInProgress,
)
from index.followup import Span, without_shown
from index.loaders import Loaded, load_bytes, load_paths
from index.models import (
    Answer,
    Article,
    ArticleInput,
    IngestedArticle,
    IngestFailure,
    IngestReport,
    Passage,
    Stats,
)
from index.qa import answer_question
from index.store import ExistingArticle, NewAttribution, Store
from index.threads import limit_faiss_threads
from index.timeframe import TimeFilter, parse_timeframe
from index.titles import with_title
from index.validate import (
    check_article,
    check_question,
    normalise_stored,
)
from index.vectors import IndexDirectory, Manifest, TieredIndex

if TYPE_CHECKING:
    from index.feeds import FeedService

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None] | None]
"""Called with ``(done, total)`` during long jobs; may be a coroutine function."""

INGEST_BATCH_PASSAGES = 256
INGEST_BATCH_ARTICLES = 64
"""An ingest embeds the passages of up to this many articles (or passages) together."""
ENCODE_CHUNK = 64
"""Passages per encoder call: questions asked meanwhile wait for at most one chunk."""


@dataclass(frozen=True)
class _Planned:
    """An article ready to be embedded and written: everything but its vectors."""

    article: ArticleInput
    article_id: str
    digest: str
    existing: ExistingArticle | None
    added_by: str | None
    passages: list[Passage]
    attributions: list[NewAttribution]
    force: bool
    expected: str | None = None
    """On reindex, the stored hash the article must still carry to be rewritten."""


@dataclass(frozen=True)
class ReindexReport:
    articles: int
    passages: int
    seconds: float


async def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is None:
        return
    result = progress(done, total)
    if inspect.isawaitable(result):
        await result


def content_hash(text: str) -> str:
    """Hash of the text with whitespace and Unicode (NFC) normalised: the same article pasted
    twice, or saved once as NFC and once as NFD, matches."""
    return _legacy_hash(unicodedata.normalize("NFC", text))


def _legacy_hash(text: str) -> str:
    """The content hash of newsbot before NFC: the same as :func:`content_hash` for NFC
    text; articles stored earlier in another form still carry it."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8", "surrogatepass")).hexdigest()


def find_attributions_for_store(text: str) -> list[NewAttribution]:
    """The attributions of an article, keyed by surname for the store (pure CPU work)."""
    return [
        NewAttribution(a.start, a.end, a.speaker, answering.speaker_key(a.speaker), a.kind)
        for a in find_attributions(text)
    ]


def analyse_article(text: str) -> tuple[list[Passage], list[NewAttribution]]:
    """Passages and attributions of an article (pure CPU work, run off the event loop)."""
    return chunk_article(text), find_attributions_for_store(text)


def make_article_id(title: str, digest: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48].strip("-")
    return f"{slug or 'article'}-{digest[:6]}"


class Library:
    """An open newsbot data directory. Use ``async with await Library.open(...)``."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._directory = IndexDirectory(settings.vectors_dir, settings.exact_index_max)
        self._indexes: dict[str, TieredIndex] = {}
        self._index_generation: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._write_lock = asyncio.Lock()
        self._reindex_jobs: dict[frozenset[str] | None, tuple[int, int]] = {}
        """Running reindexes: their collections (``None``: all) -> (done, total)."""
        self._model_mismatch: str | None = None
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
                embedder = await _lazy_embedder(settings, store)
            library = cls(settings, store, embedder)
            await library._check_model()
            await library._refresh_attributions()
            await library._seed_if_new()
        except BaseException:
            await store.close()
            raise
        return library

    async def warm_up(self) -> None:
        """Load the embedding model now rather than on the first question (a long-running
        bot calls this after start; commands that embed nothing never do)."""
        if isinstance(self.embedder, LazyEmbedder):
            await asyncio.to_thread(self.embedder.load)

    async def close(self) -> None:
        """Save changed indexes and close the database."""
        try:
            await self._save_dirty()
        finally:
            await self.store.close()

    async def __aenter__(self) -> Library:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _check_model(self) -> None:
        stored = await self.store.get_meta("model")
        if stored is None:
            await self.store.set_meta("model", self.embedder.name)
            await self.store.set_meta("dimension", str(self.embedder.dimension))
        elif stored != self.embedder.name:
            self._model_mismatch = stored

    async def _refresh_attributions(self) -> None:
        """Re-derive every article's attributions when the rules changed since they were
        stored (a newer newsbot): cheap, no re-embedding, one article per transaction."""
        wanted = str(ATTRIBUTION_RULES)
        if await self.store.get_meta("attribution_rules") == wanted:
            return
        started, count, last_pk = time.perf_counter(), 0, 0
        while batch := await self.store.article_texts(last_pk, 200):
            for article_pk, text in batch:
                found = await asyncio.to_thread(find_attributions_for_store, text)
                count += await self.store.replace_attributions(article_pk, text, found)
            last_pk = batch[-1][0]
        await self.store.set_meta("attribution_rules", wanted)
        if count:
            log.info(
                "attributions re-derived for %d articles (rules v%s) in %.1f s",
                count,
                wanted,
                time.perf_counter() - started,
            )

    def _require_model_match(self) -> None:
        if self._model_mismatch is not None:
            if None in self._reindex_jobs:
                done, total = self._reindex_jobs[None]
                raise IndexMismatch(
                    f"The articles are being re-embedded with {self.embedder.name} "
                    f"({done}/{total} done); try again when the reindex finishes."
                )
            raise IndexMismatch(
                f"The articles were embedded with {self._model_mismatch}, but the configured "
                f"model is {self.embedder.name}. Run `newsbot reindex` (or /reindex) to "
                "re-embed them, or set NEWSBOT_MODEL back."
            )

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
        """Ingest in batches: the passages of several articles are embedded together (the
        encoder is fastest on many passages of similar length), then each article is
        written in its own transaction with its vectors."""
        self._require_model_match()
        report = IngestReport(failures=list(loaded.failures))
        total, done = len(loaded.articles), 0
        batch: list[_Planned | IngestedArticle | IngestFailure] = []
        keys: set[tuple[str, str]] = set()

        async def flush() -> None:
            nonlocal done
            outcomes = iter(
                await self._embed_and_write(
                    [item for item in batch if isinstance(item, _Planned)], collection
                )
            )
            for item in batch:
                outcome = next(outcomes) if isinstance(item, _Planned) else item
                if isinstance(outcome, IngestFailure):
                    report.failures.append(outcome)
                else:
                    report.ingested.append(outcome)
                done += 1
                await _report(progress, done, total)
            batch.clear()
            keys.clear()

        async def plan(
            article: ArticleInput,
        ) -> tuple[_Planned | IngestedArticle | IngestFailure, set[tuple[str, str]]]:
            try:
                return await self._plan_article(
                    article, collection, added_by, replace_others=replace_others
                )
            except BadArticle as error:
                return IngestFailure(article.origin, _reason(error, article)), set()
            except NewsbotError:
                raise  # about the library, not this article (e.g. a model change)
            except Exception:  # a bug must not cost the rest of the batch
                log.exception("could not store %s", article.origin)
                return (
                    IngestFailure(article.origin, "could not be stored: an internal error"),
                    set(),
                )

        try:
            for article in loaded.articles:
                item, identity = await plan(article)
                if identity & keys:  # the same article twice in a batch: write the first
                    await flush()
                    item, identity = await plan(article)
                batch.append(item)
                keys |= identity
                pending = sum(len(i.passages) for i in batch if isinstance(i, _Planned))
                if pending >= INGEST_BATCH_PASSAGES or len(batch) >= INGEST_BATCH_ARTICLES:
                    await flush()
            await flush()
        finally:
            await self._save_dirty()
        return report

    async def _plan_article(
        self,
        article: ArticleInput,
        collection: str,
        added_by: str | None,
        *,
        force: bool = False,
        replace_others: bool = True,
    ) -> tuple[_Planned | IngestedArticle, set[tuple[str, str]]]:
        """Everything before embedding: checks, the stored article it updates (an unchanged
        one is done here), its id, passages and attributions; and the keys (id, URL, text
        hash) under which a second copy in the same batch would find it."""
        if force:  # reindex: what is stored stays in, normalised as ingest would
            article = normalise_stored(article)
        else:
            # an article without a title gets one from its text (index.titles)
            article = check_article(with_title(article), self.settings.max_article_chars)
        digest, legacy = content_hash(article.text), _legacy_hash(article.text)
        existing = await self.store.find_existing(
            collection,
            article.id,
            None if article.id else article.url,
            None if article.id else digest,
        )
        if existing is None and not article.id and legacy != digest:
            existing = await self.store.find_existing(collection, None, None, legacy)
        expected = None
        if force:  # reindex: write only if the stored article is still the one read
            stored_legacy = existing is not None and existing.content_hash == legacy
            expected = legacy if stored_legacy else digest
        identity = {("hash", digest)} | ({("url", article.url)} if article.url else set())
        if (
            existing
            and not force
            and existing.content_hash == digest
            and (existing.title == article.title)
        ):
            unchanged = IngestedArticle(
                existing.article_id, existing.title, existing.passages, "unchanged"
            )
            return unchanged, identity | {("id", existing.article_id)}
        if existing and not replace_others and existing.added_by != added_by:
            raise BadArticle(
                f"{article.origin}: the same article (id {existing.article_id!r}) was added by "
                "someone else; only they or a server admin can replace it"
            )
        if existing and existing.added_by and not force:
            added_by = existing.added_by  # an update keeps whoever added the article
        article_id = article.id or (existing.article_id if existing else None)
        if article_id is None:
            article_id = make_article_id(article.title, digest)
            while await self.store.article_id_taken(collection, article_id):
                article_id = make_article_id(
                    article.title, hashlib.sha256((article_id + digest).encode()).hexdigest()
                )
        passages, attributions = await asyncio.to_thread(analyse_article, article.text)
        if not passages:
            raise BadArticle(f"{article.origin}: no sentences found in the article text")
        planned = _Planned(
            article, article_id, digest, existing, added_by, passages, attributions, force, expected
        )
        return planned, identity | {("id", article_id)}

    async def _embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts``, off the event loop, in chunks of similar length (little
        padding; a question can be embedded between two chunks)."""
        order = sorted(range(len(texts)), key=lambda row: len(texts[row]))
        chunks = [order[i : i + ENCODE_CHUNK] for i in range(0, len(order), ENCODE_CHUNK)]
        vectors: np.ndarray | None = None
        for rows in chunks:
            part = await asyncio.to_thread(self.embedder.encode, [texts[r] for r in rows])
            if vectors is None:
                vectors = np.zeros((len(texts), part.shape[1]), dtype=np.float32)
            vectors[rows] = part
        if vectors is None:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return vectors

    async def _embed_and_write(
        self, planned: Sequence[_Planned], collection: str
    ) -> list[IngestedArticle | IngestFailure]:
        """Embed the passages of ``planned`` together, then write each article with its
        vectors in its own transaction. An article the encoder fails on is refused alone."""
        if not planned:
            return []
        texts = [p.text for item in planned for p in item.passages]
        try:
            vectors = await self._embed(texts)
            split = np.cumsum([len(item.passages) for item in planned])[:-1]
            per_article: list[np.ndarray | None] = list(np.split(vectors, split))
        except NewsbotError:
            raise  # the model cannot load: nothing can go in
        except Exception:
            per_article = []
            for item in planned:  # find the article(s) the encoder fails on
                try:
                    per_article.append(await self._embed([p.text for p in item.passages]))
                except NewsbotError:
                    raise
                except Exception:
                    log.exception("could not embed %s", item.article.origin)
                    per_article.append(None)
        outcomes: list[IngestedArticle | IngestFailure] = []
        for item, item_vectors in zip(planned, per_article, strict=True):
            if item_vectors is None:
                reason = "the encoder failed on this text (see the log)"
                outcomes.append(IngestFailure(item.article.origin, reason))
                continue
            try:
                outcomes.append(await self._write_planned(item, collection, item_vectors))
            except BadArticle as error:
                outcomes.append(IngestFailure(item.article.origin, _reason(error, item.article)))
        return outcomes

    async def _write_planned(
        self, item: _Planned, collection: str, vectors: np.ndarray
    ) -> IngestedArticle:
        """Store one article with its vectors (one transaction) and mirror it in the index."""
        article = item.article
        async with self._write_lock:
            await self._sync_index(collection)
            written = await self.store.write_article(
                collection=collection,
                article_id=item.article_id,
                article=article,
                content_hash=item.digest,
                passages=item.passages,
                embeddings=vectors,
                attributions=item.attributions,
                added_by=item.added_by,
                replace_pk=item.existing.pk if item.existing else None,
                expected_hash=item.expected,
            )
            if written is None:  # edited meanwhile: the newer version stays
                raise BadArticle(
                    f"{article.origin}: changed while being reindexed; kept the new version"
                )
            new_ids, removed, generation = written
            await self._apply_change(collection, generation, removed, new_ids, vectors)
        status = "updated" if item.existing else "added"
        return IngestedArticle(item.article_id, article.title, len(item.passages), status)

    # -- vector index upkeep -----------------------------------------------------------

    def _manifest(self, generation: int, count: int) -> Manifest:
        return Manifest(self.embedder.name, self.embedder.dimension, count, generation)

    def _new_index(self) -> TieredIndex:
        return TieredIndex(self.embedder.dimension, exact_max=self.settings.exact_index_max)

    async def _sync_index(self, collection: str) -> None:
        """Make the in-memory index of ``collection`` match the database."""
        generation = (await self.store.generations()).get(collection, 0)
        if collection in self._indexes and self._index_generation.get(collection) == generation:
            return
        if None not in self._reindex_jobs:
            stored_model = await self.store.get_meta("model")
            if stored_model is not None and stored_model != self.embedder.name:
                self._model_mismatch = stored_model  # another process re-embedded everything
                self._require_model_match()
        count = await self.store.count_passages(collection)
        expected = self._manifest(generation, count)
        index = await asyncio.to_thread(self._directory.load, collection, expected)
        if index is None:
            index = await self._rebuild_index(collection, count)
            if generation:
                log.info("rebuilt the vector index of %s (%d passages)", collection, len(index))
                self._dirty.add(collection)
        self._indexes[collection] = index
        self._index_generation[collection] = generation

    async def _rebuild_index(self, collection: str, count: int) -> TieredIndex:
        """A new index of every vector of ``collection`` stored in the database."""
        dimension = self.embedder.dimension
        ids = np.empty(count, dtype=np.int64)
        vectors = np.empty((count, dimension), dtype=np.float32)
        filled = 0
        async for batch_ids, batch in self.store.iter_embeddings(collection, dimension):
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
            exact_max=self.settings.exact_index_max,
        )

    async def _apply_change(
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
        if generation != self._index_generation.get(collection, 0) + 1:
            self._indexes.pop(collection, None)
            self._index_generation.pop(collection, None)
            return
        index = self._indexes[collection]

        def apply() -> None:
            index.remove(removed)
            if vectors is not None:  # as stored (float16), so a rebuild finds the same
                stored = np.asarray(vectors, dtype=np.float16).astype(np.float32)
                index.add(np.asarray(added, dtype=np.int64), stored)

        await asyncio.to_thread(apply)
        self._index_generation[collection] = generation
        self._dirty.add(collection)

    async def _save_dirty(self) -> None:
        """Write changed indexes to disk (under the write lock). An index that cannot be
        written (a damaged data folder) is reported and rebuilt from the database later."""
        async with self._write_lock:
            for collection in sorted(self._dirty):
                self._dirty.discard(collection)
                index = self._indexes.get(collection)
                if index is None:
                    continue
                manifest = self._manifest(self._index_generation[collection], len(index))
                try:
                    await asyncio.to_thread(self._directory.save, collection, index, manifest)
                except OSError as error:
                    log.warning(
                        "could not save the vector index of %r in %s (%s); it is rebuilt "
                        "from the database when needed",
                        collection,
                        self._directory.folder,
                        error,
                    )

    async def _sync_all(self, collections: Sequence[str]) -> None:
        async with self._write_lock:
            for collection in collections:
                await self._sync_index(collection)

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
        self._require_model_match()
        frame = parse_timeframe(question, self.now())
        if frame is None:
            return await self._ask(question, collections, limit, article_ids, None)
        published_window = TimeFilter(frame)
        wanted = 3 * limit if frame.newest_first else limit  # the newest may rank lower
        answer = await self._ask(frame.question, collections, wanted, article_ids, published_window)
        if published_window.unapplied and not published_window.undated:
            # no article had a date: "in 2006" dates the event asked about, keep it in
            answer = await self._ask(question, collections, wanted, article_ids, None)
        return published_window.finish(answer, question, limit)

    async def _ask(
        self,
        question: str,
        collections: Sequence[str],
        limit: int,
        article_ids: Sequence[str] | None,
        published_window: TimeFilter | None,
    ) -> Answer:
        collections = list(dict.fromkeys(collections))
        await self._sync_all(collections)
        query_vector = (await asyncio.to_thread(self.embedder.encode, [question]))[0]
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
        )

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
            await self._apply_change(collection, generation, passage_ids, [], None)
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
        wanted = None if collections is None else set(collections)
        for covered, progress in self._reindex_jobs.items():
            if covered is None or wanted is None or covered & wanted:
                return progress
        return None

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
        if collections is not None and self._model_mismatch is not None:
            raise IndexMismatch(
                "The embedding model changed: every article must be re-embedded at once. "
                "Run `newsbot reindex` on the bot's machine."
            )
        running = self.reindex_progress(collections)
        if running is not None:
            done, total = running
            raise ReindexInProgress(
                f"A reindex is already running ({done}/{total} articles done); wait for it to "
                "finish."
            )
        job = None if collections is None else frozenset(collections)
        self._reindex_jobs[job] = (0, 0)
        try:
            started = time.perf_counter()
            keys = await self.store.article_keys()
            if collections is not None:
                keys = [key for key in keys if key[0] in set(collections)]
            self._reindex_jobs[job] = (0, len(keys))
            if self._model_mismatch is not None:
                # Start from empty indexes that each re-embedded article is added to; the
                # stored vectors of the old model must not be loaded into them.
                async with self._write_lock:
                    generations = await self.store.generations()
                    self._directory.delete(generations)
                    for collection, generation in generations.items():
                        self._indexes[collection] = self._new_index()
                        self._index_generation[collection] = generation
            passages, done, pending = 0, 0, 0
            batch: list[tuple[str, _Planned] | None] = []  # None: gone or unreadable

            async def flush() -> None:
                nonlocal passages, done, pending
                async with contextlib.aclosing(self._reindex_batch(batch)) as written:
                    async for count in written:
                        passages += count
                        done += 1
                        self._reindex_jobs[job] = (done, len(keys))
                        await _report(progress, done, len(keys))
                batch.clear()
                pending = 0

            try:
                for collection, article_id in keys:
                    planned = await self._plan_reindex(collection, article_id)
                    batch.append(None if planned is None else (collection, planned))
                    pending += 0 if planned is None else len(planned.passages)
                    if pending >= INGEST_BATCH_PASSAGES or len(batch) >= INGEST_BATCH_ARTICLES:
                        await flush()
                await flush()
                if collections is None:
                    await self.store.set_meta("model", self.embedder.name)
                    await self.store.set_meta("dimension", str(self.embedder.dimension))
                    self._model_mismatch = None
            finally:
                await self._save_dirty()
            return ReindexReport(len(keys), passages, time.perf_counter() - started)
        finally:
            del self._reindex_jobs[job]

    async def _plan_reindex(self, collection: str, article_id: str) -> _Planned | None:
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
            item, _ = await self._plan_article(stored, collection, article.added_by, force=True)
        except BadArticle as error:
            log.info("reindex skipped %s: %s", article.id, error)
            return None
        return item if isinstance(item, _Planned) else None

    async def _reindex_batch(
        self, batch: Sequence[tuple[str, _Planned] | None]
    ) -> AsyncIterator[int]:
        """Embed the passages of every planned article of ``batch`` together, then write
        each article in its own transaction; yields, per entry of ``batch`` and in order,
        the number of passages written (0: skipped). An encoder error stops the reindex:
        no article may keep vectors of two models."""
        planned = [item for item in batch if item is not None]
        vectors = await self._embed([p.text for _, item in planned for p in item.passages])
        split = np.cumsum([len(item.passages) for _, item in planned])[:-1]
        per_article = iter(np.split(vectors, split) if planned else [])
        for entry in batch:
            if entry is None:
                yield 0
                continue
            collection, item = entry
            try:
                written = await self._write_planned(item, collection, next(per_article))
            except BadArticle as error:  # edited or removed meanwhile: the newer state stays
                log.info("reindex skipped %s: %s", item.article.origin, error)
                yield 0
            else:
                yield written.passages

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


async def _lazy_embedder(settings: Settings, store: Store) -> LazyEmbedder:
    """The configured embedder, not loaded yet. Its dimension comes from the model's config
    or from the database (built with this model); failing both, the model loads now."""
    embedder = lazy_embedder(settings)
    stored_dimension = await store.get_meta("dimension")
    if await store.get_meta("model") == embedder.name and stored_dimension:
        embedder.expect_dimension(int(stored_dimension))
    if not embedder.dimension_known:
        await asyncio.to_thread(embedder.load)
    return embedder


def _reason(error: BadArticle, article: ArticleInput) -> str:
    message = str(error)
    prefix = f"{article.origin}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
