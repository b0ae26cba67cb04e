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
import hashlib
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index import answer as answering
from index.attribution import (
    ATTRIBUTION_RULES,
    find_attributions,
    name_matches,
    names_subject,
    speakers_in_question,
)
from index.chunking import chunk_article
from index.config import Settings
from index.embedder import Embedder, load_embedder
from index.errors import ArticleNotFound, BadArticle, IndexMismatch, ReindexInProgress
from index.feeds import FeedService
from index.loaders import Loaded, load_bytes, load_paths
from index.models import (
    Answer,
    Article,
    ArticleInput,
    IngestedArticle,
    IngestFailure,
    IngestReport,
    Passage,
    Quote,
    Stats,
)
from index.search import CANDIDATES, content_words, hybrid_search, pair_coverage, word_coverage
from index.store import NewAttribution, Store, StoredAttribution
from index.timeframe import TimeFilter, parse_timeframe
from index.vectors import FaissFlatIndex, IndexDirectory, Manifest

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None] | None]
"""Called with ``(done, total)`` during long jobs; may be a coroutine function."""

MIN_ARTICLE_CHARS = 40
MAX_QUESTION_CHARS = 1000
MIN_COMPLETED_NAME = 4
"""A name typed short is completed to the one speaker it begins only from this length."""
MAX_PERSON_ARTICLES = 80
"""At most this many articles are read for one person question (attributed ones first)."""


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
    """Hash of the text with whitespace normalised: the same article pasted twice matches."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


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
        self._directory = IndexDirectory(settings.vectors_dir)
        self._indexes: dict[str, FaissFlatIndex] = {}
        self._index_generation: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._write_lock = asyncio.Lock()
        self._reindex_lock = asyncio.Lock()
        self._model_mismatch: str | None = None
        self.reindex_progress: tuple[int, int] | None = None
        self.feeds = FeedService(self)
        """RSS/Atom subscriptions: add, list, remove, poll (see :mod:`index.feeds`)."""
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        """The clock time expressions in questions are read against (tests replace it)."""

    # -- life cycle ------------------------------------------------------------------

    @classmethod
    async def open(cls, settings: Settings, *, embedder: Embedder | None = None) -> Library:
        """Open (creating if needed) the data directory; seeds it on first use."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if embedder is None:
            embedder = await asyncio.to_thread(
                load_embedder, settings.model, threads=settings.threads
            )
        store = await Store.open(settings.database_path)
        library = cls(settings, store, embedder)
        try:
            await library._check_model()
            await library._refresh_attributions()
            await library._seed_if_new()
        except BaseException:
            await store.close()
            raise
        return library

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
            if self._reindex_lock.locked():
                done, total = self.reindex_progress or (0, 0)
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
        loaded = await asyncio.to_thread(load_paths, list(paths))
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
        self._require_model_match()
        report = IngestReport(failures=list(loaded.failures))
        total = len(loaded.articles)
        try:
            for number, article in enumerate(loaded.articles, start=1):
                try:
                    report.ingested.append(
                        await self._store_article(
                            article, collection, added_by, replace_others=replace_others
                        )
                    )
                except BadArticle as error:
                    report.failures.append(IngestFailure(article.origin, _reason(error, article)))
                await _report(progress, number, total)
        finally:
            await self._save_dirty()
        return report

    def _validate(self, article: ArticleInput) -> None:
        text = article.text
        if not text or not text.strip():
            raise BadArticle(f"{article.origin}: the article has no text")
        if len(text.strip()) < MIN_ARTICLE_CHARS:
            raise BadArticle(
                f"{article.origin}: the article text is only {len(text.strip())} characters; "
                f"at least {MIN_ARTICLE_CHARS} are needed to quote from it"
            )
        limit = self.settings.max_article_chars
        if len(text) > limit:
            raise BadArticle(
                f"{article.origin}: the article is {len(text):,} characters long; the limit is "
                f"{limit:,} (NEWSBOT_MAX_ARTICLE_CHARS). Split it or raise the limit."
            )
        if "\x00" in text:
            raise BadArticle(f"{article.origin}: the text contains binary data")
        if not article.title.strip():
            raise BadArticle(f"{article.origin}: the article has no title")
        try:
            (article.title + text).encode("utf-8")
        except UnicodeEncodeError:
            raise BadArticle(
                f"{article.origin}: the text holds characters that are not valid Unicode "
                "(broken surrogates); re-save it as UTF-8"
            ) from None

    async def _store_article(
        self,
        article: ArticleInput,
        collection: str,
        added_by: str | None,
        *,
        force: bool = False,
        replace_others: bool = True,
    ) -> IngestedArticle:
        self._validate(article)
        digest = content_hash(article.text)
        existing = await self.store.find_existing(
            collection,
            article.id,
            None if article.id else article.url,
            None if article.id else digest,
        )
        if (
            existing
            and not force
            and existing.content_hash == digest
            and (existing.title == article.title)
        ):
            return IngestedArticle(
                existing.article_id, existing.title, existing.passages, "unchanged"
            )
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
        vectors = await asyncio.to_thread(self.embedder.encode, [p.text for p in passages])
        async with self._write_lock:
            await self._sync_index(collection)
            written = await self.store.write_article(
                collection=collection,
                article_id=article_id,
                article=article,
                content_hash=digest,
                passages=passages,
                embeddings=vectors,
                attributions=attributions,
                added_by=added_by,
                replace_pk=existing.pk if existing else None,
                expected_hash=digest if force else None,
            )
            if written is None:  # edited meanwhile: the newer version stays
                raise BadArticle(
                    f"{article.origin}: changed while being reindexed; kept the new version"
                )
            new_ids, removed, generation = written
            self._apply_change(collection, generation, removed, new_ids, vectors)
        status = "updated" if existing else "added"
        return IngestedArticle(article_id, article.title, len(passages), status)

    # -- vector index upkeep -----------------------------------------------------------

    def _manifest(self, generation: int, count: int) -> Manifest:
        return Manifest(self.embedder.name, self.embedder.dimension, count, generation)

    async def _sync_index(self, collection: str) -> None:
        """Make the in-memory index of ``collection`` match the database."""
        generation = (await self.store.generations()).get(collection, 0)
        if collection in self._indexes and self._index_generation.get(collection) == generation:
            return
        if not self._reindex_lock.locked():
            stored_model = await self.store.get_meta("model")
            if stored_model is not None and stored_model != self.embedder.name:
                self._model_mismatch = stored_model  # another process re-embedded everything
                self._require_model_match()
        count = await self.store.count_passages(collection)
        expected = self._manifest(generation, count)
        index = await asyncio.to_thread(self._directory.load, collection, expected)
        if index is None:
            index = FaissFlatIndex(self.embedder.dimension)
            async for ids, vectors in self.store.iter_embeddings(collection, index.dimension):
                index.add(ids, vectors)
            if generation:
                log.info("rebuilt the vector index of %s (%d passages)", collection, len(index))
                self._dirty.add(collection)
        self._indexes[collection] = index
        self._index_generation[collection] = generation

    def _apply_change(
        self,
        collection: str,
        generation: int,
        removed: Sequence[int],
        added: Sequence[int],
        vectors: np.ndarray | None,
    ) -> None:
        """Mirror one committed database change in the in-memory index.

        If the database moved on by more than this change (another process wrote to it
        meanwhile), the index is dropped and rebuilt from the database on next use.
        """
        if generation != self._index_generation.get(collection, 0) + 1:
            self._indexes.pop(collection, None)
            self._index_generation.pop(collection, None)
            return
        index = self._indexes[collection]
        index.remove(removed)
        if vectors is not None:
            index.add(np.asarray(added, dtype=np.int64), vectors)
        self._index_generation[collection] = generation
        self._dirty.add(collection)

    async def _save_dirty(self) -> None:
        """Write changed indexes to disk (under the write lock: FAISS is not thread-safe)."""
        async with self._write_lock:
            for collection in sorted(self._dirty):
                self._dirty.discard(collection)
                index = self._indexes.get(collection)
                if index is None:
                    continue
                manifest = self._manifest(self._index_generation[collection], len(index))
                await asyncio.to_thread(self._directory.save, collection, index, manifest)

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
    ) -> Answer:
        """Answer with up to ``limit`` verbatim quotes from articles in ``collections``.

        ``article_ids`` restricts the answer to those articles (follow-up questions). A time
        expression ("this week", "in May", "latest") limits the articles to those published
        then (see :mod:`index.timeframe`) and puts the newest first.
        """
        question = question.strip()
        if not question:
            raise BadArticle("Ask a question, e.g. “What did Marks say?”")
        if len(question) > MAX_QUESTION_CHARS:
            raise BadArticle(
                f"That question is {len(question):,} characters long; please keep questions "
                f"under {MAX_QUESTION_CHARS:,}."
            )
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
        names = speakers_in_question(question)
        if names:
            answer = await self._answer_person(
                question, names, query_vector, collections, limit, article_ids, published_window
            )
            if answer is None and (completed := await self._complete_name(names, collections)):
                answer = await self._answer_person(
                    question,
                    [completed],
                    query_vector,
                    collections,
                    limit,
                    article_ids,
                    published_window,
                )
            if answer is not None:
                return answer
        return await self._answer_general(
            question, query_vector, collections, limit, article_ids, published_window
        )

    async def _complete_name(self, names: Sequence[str], collections: Sequence[str]) -> str | None:
        """The one speaker surname that a single, unknown, cut-short name begins ("Obam"
        for "Obama"), or ``None`` when there is none or more than one."""
        if len(names) != 1 or len(names[0].split()) != 1:
            return None
        key = answering.speaker_key(names[0])
        if len(key) < MIN_COMPLETED_NAME:
            return None
        found = [s for s in await self.store.surnames_starting(key, collections) if s != key]
        return found[0].capitalize() if len(found) == 1 else None

    async def _answer_person(
        self,
        question: str,
        names: Sequence[str],
        query_vector: np.ndarray,
        collections: Sequence[str],
        limit: int,
        article_ids: Sequence[str] | None,
        published_window: TimeFilter | None = None,
    ) -> Answer | None:
        """What a named person said: their attributed statements, else passages naming them."""
        keys = sorted({answering.speaker_key(n) for n in names} - {""})
        if not keys:
            return None
        attributed = answering.matching_attributions(
            await self.store.attributions_by_surname(keys, collections), names
        )
        name_query = " OR ".join(f'"{key}"' for key in keys)
        topic = answering.topic_words(question, names)
        hits = await self.store.keyword_search(name_query, collections, 100)
        if topic:  # passages naming the person in articles about the topic (title or text)
            topic_query = " OR ".join(f'"{word}"' for word in dict.fromkeys(topic))
            hits = (
                await self.store.keyword_search(
                    f"({name_query}) AND ({topic_query})", collections, 100
                )
                + hits
            )
        mentioning = await self.store.passages(passage_id for passage_id, _ in hits)
        article_pks = dict.fromkeys(
            [a.article_pk for a in attributed]
            + [p.article_pk for p in mentioning.values() if answering.mentions_name(p.text, names)]
        )
        articles = {
            pk: article
            for pk in list(article_pks)[:MAX_PERSON_ARTICLES]
            if (article := await self.store.article_by_pk(pk)) is not None
            and (article_ids is None or article.id in article_ids)
        }
        if published_window is not None:
            articles = dict(
                published_window.keep(
                    list(articles.items()), lambda pair: pair[1].id, lambda pair: pair[1].published
                )
            )
        if any(len(name.split()) > 1 for name in names):
            # "Robert Gordon", "Armed Services Committee": articles holding the whole name
            # beat ones that only share its last word (Jay Carney for Dave Carney).
            full = {pk: a for pk, a in articles.items() if answering.names_in_full(a.text, names)}
            articles = full or articles
        by_article: dict[int, list[StoredAttribution]] = {}
        for attribution in await self.store.attributions_in(list(articles)):
            by_article.setdefault(attribution.article_pk, []).append(attribution)
        statements: list[answering.ScoredStatement] = []
        titles = {pk: article.title for pk, article in articles.items()}
        texts = {pk: article.text for pk, article in articles.items()}
        for article_pk, article in articles.items():
            passages = await self.store.article_passages(article_pk)
            vectors = await self.store.passage_embeddings(
                [p.id for p in passages], self.embedder.dimension
            )
            mine = answering.join_split_quotes(
                [a for a in attributed if a.article_pk == article_pk], texts
            )
            for attribution in mine:
                passage = answering.overlapping_passage(
                    passages, attribution.start, attribution.end
                )
                if passage is not None and passage.id in vectors:
                    statements.append(
                        answering.ScoredStatement(
                            article_pk,
                            attribution.start,
                            attribution.end,
                            attribution.speaker,
                            attribution.kind,
                            passage,
                            answering.cosine(query_vector, vectors[passage.id]),
                            acts=answering.mentions_name(
                                article.text[attribution.start : attribution.end], names
                            ),
                        )
                    )
            others = [
                (a.start, a.end)
                for a in by_article.get(article_pk, [])
                if not any(name_matches(n, a.speaker) for n in names)
            ]
            taken = [(s.start, s.end) for s in statements if s.article_pk == article_pk]
            for p in passages:
                if (
                    p.id not in vectors
                    or answering.overlaps_any(p.start, p.end, taken)
                    or not answering.mentions_name(p.text, names)
                    or answering.is_byline(p.text)
                ):
                    continue
                someone_else = answering.overlaps_any(p.start, p.end, others)
                if someone_else and mine:
                    continue  # the person's own statements are known: no one else's words
                statements.append(
                    answering.ScoredStatement(
                        article_pk,
                        p.start,
                        p.end,
                        None,
                        "mention",
                        p,
                        answering.cosine(query_vector, vectors[p.id]),
                        acts=any(
                            names_subject(answering.blank_out(p, others), name) for name in names
                        ),
                    )
                )
        if not statements:
            return None
        ranked = answering.rank_statements(statements, titles, topic)
        quotes = answering.merge_duplicates(
            [
                answering.make_quote(
                    s.passage, texts[s.article_pk], s.start, s.end, s.speaker, s.score
                )
                for s in ranked
            ]
        )[:limit]
        if not quotes:
            return None
        return Answer(question=question, answered=True, quotes=tuple(quotes))

    async def _answer_general(
        self,
        question: str,
        query_vector: np.ndarray,
        collections: Sequence[str],
        limit: int,
        article_ids: Sequence[str] | None,
        published_window: TimeFilter | None = None,
    ) -> Answer:
        candidates = await hybrid_search(
            self.store,
            self._indexes,
            question,
            query_vector,
            collections,
            limit=CANDIDATES if published_window is None else 4 * CANDIDATES,
        )
        passages = await self.store.passages(c.passage_id for c in candidates)
        if article_ids is not None:
            allowed = set(article_ids)
            candidates = [
                c
                for c in candidates
                if c.passage_id in passages and passages[c.passage_id].article_id in allowed
            ]
        candidates = [c for c in candidates if c.passage_id in passages]
        if published_window is not None:
            candidates = published_window.keep(
                candidates,
                lambda c: passages[c.passage_id].article_id,
                lambda c: passages[c.passage_id].published,
            )
        vectors = await self.store.passage_embeddings(
            [c.passage_id for c in candidates if c.dense_rank is None], self.embedder.dimension
        )
        words = content_words(question)
        for candidate in candidates:
            if candidate.passage_id in vectors:
                candidate.dense = answering.cosine(query_vector, vectors[candidate.passage_id])
            candidate.coverage = word_coverage(words, passages[candidate.passage_id].text)
            candidate.phrases = pair_coverage(question, passages[candidate.passage_id].text)
        threshold = (
            answering.ANSWER_THRESHOLD if article_ids is None else answering.FOLLOW_UP_THRESHOLD
        )
        chosen = answering.select_general(candidates, limit * 2, threshold)
        if not chosen:
            closest = max(candidates, key=lambda c: c.dense, default=None)
            title = passages[closest.passage_id].title if closest else None
            return answering.not_found(question, title)
        article_pks = list(dict.fromkeys(passages[c.passage_id].article_pk for c in chosen))
        attributions = await self.store.attributions_in(article_pks)
        texts = {}
        for article_pk in article_pks:
            article = await self.store.article_by_pk(article_pk)
            texts[article_pk] = article.text if article else ""
        quotes: list[Quote | None] = []
        for candidate in chosen:
            passage = passages[candidate.passage_id]
            start, end = answering.with_context(
                texts[passage.article_pk], passage.start, passage.end, answering.CONTEXT_CHARS
            )
            speaker = answering.speaker_for_span(
                passage.article_pk, passage.start, passage.end, attributions
            )
            if speaker != answering.speaker_for_span(passage.article_pk, start, end, attributions):
                end = passage.end  # never run into someone else's words under this name
            quotes.append(
                answering.make_quote(
                    passage, texts[passage.article_pk], start, end, speaker, candidate.dense
                )
            )
        kept = answering.merge_duplicates(
            answering.without_repeats([q for q in quotes if q is not None])
        )[:limit]
        if not kept:  # the articles were removed while we were answering
            return answering.not_found(question, None)
        return Answer(question=question, answered=True, quotes=tuple(kept))

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
            self._apply_change(collection, generation, passage_ids, [], None)
        await self._save_dirty()
        return article

    # -- maintenance -------------------------------------------------------------------

    @property
    def reindexing(self) -> bool:
        return self._reindex_lock.locked()

    async def reindex(
        self, progress: Progress | None = None, *, collections: Sequence[str] | None = None
    ) -> ReindexReport:
        """Re-chunk and re-embed every article (or those of ``collections``).

        Questions keep working while it runs (each article is swapped in one transaction);
        a second call while one runs raises :class:`ReindexInProgress`. After a model
        change only a full reindex (no ``collections``) can switch the library over.
        """
        if collections is not None and self._model_mismatch is not None:
            raise IndexMismatch(
                "The embedding model changed: every article must be re-embedded at once. "
                "Run `newsbot reindex` on the bot's machine."
            )
        if self._reindex_lock.locked():
            done, total = self.reindex_progress or (0, 0)
            raise ReindexInProgress(
                f"A reindex is already running ({done}/{total} articles done); wait for it to "
                "finish."
            )
        async with self._reindex_lock:
            started = time.perf_counter()
            keys = await self.store.article_keys()
            if collections is not None:
                keys = [key for key in keys if key[0] in set(collections)]
            self.reindex_progress = (0, len(keys))
            if self._model_mismatch is not None:
                # Start from empty indexes that each re-embedded article is added to; the
                # stored vectors of the old model must not be loaded into them.
                async with self._write_lock:
                    generations = await self.store.generations()
                    self._directory.delete(generations)
                    for collection, generation in generations.items():
                        self._indexes[collection] = FaissFlatIndex(self.embedder.dimension)
                        self._index_generation[collection] = generation
            passages = 0
            try:
                for number, (collection, article_id) in enumerate(keys, start=1):
                    article = await self.store.get_article(collection, article_id)
                    if article is not None:
                        stored = await self._reindex_article(
                            ArticleInput(
                                title=article.title,
                                text=article.text,
                                id=article.id,
                                url=article.url,
                                source=article.source,
                                author=article.author,
                                published=article.published,
                                origin=article.id,
                            ),
                            collection,
                            article.added_by,
                            force=True,
                        )
                        passages += stored.passages
                    self.reindex_progress = (number, len(keys))
                    await _report(progress, number, len(keys))
                if collections is None:
                    await self.store.set_meta("model", self.embedder.name)
                    await self.store.set_meta("dimension", str(self.embedder.dimension))
                    self._model_mismatch = None
            finally:
                await self._save_dirty()
                self.reindex_progress = None
            return ReindexReport(len(keys), passages, time.perf_counter() - started)

    async def _reindex_article(
        self, article: ArticleInput, collection: str, added_by: str | None, *, force: bool
    ) -> IngestedArticle:
        try:
            return await self._store_article(article, collection, added_by, force=force)
        except BadArticle as error:  # edited or removed meanwhile: the newer state stays
            log.info("reindex skipped %s: %s", article.origin, error)
            return IngestedArticle(article.id or "", article.title, 0, "unchanged")

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


def _reason(error: BadArticle, article: ArticleInput) -> str:
    message = str(error)
    prefix = f"{article.origin}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
