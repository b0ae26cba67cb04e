"""The ingest pipeline: plan each article, embed many articles' passages together, then
write each article with its vectors in its own transaction.

Planning (:meth:`Ingester.plan`) does everything before embedding: the checks, the stored
article it updates, its id, passages and attributions. :meth:`Ingester.ingest` batches
planned articles so the encoder sees many passages of similar length at once; an article
that is refused, or that the encoder fails on, is reported alone and the others go in.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index import answer as answering
from index.attribution import find_attributions
from index.chunking import chunk_article
from index.embedder import Embedder
from index.errors import BadArticle, NewsbotError
from index.index_sync import IndexSync
from index.loaders import Loaded
from index.models import ArticleInput, IngestedArticle, IngestFailure, IngestReport, Passage
from index.revisions import is_revision
from index.store import ExistingArticle, NewAttribution, Store
from index.titles import with_title
from index.validate import check_article, normalise_stored

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None] | None]
"""Called with ``(done, total)`` during long jobs; may be a coroutine function."""

INGEST_BATCH_PASSAGES = 256
INGEST_BATCH_ARTICLES = 64
"""An ingest embeds the passages of up to this many articles (or passages) together."""
ENCODE_CHUNK = 64
"""Passages per encoder call: questions asked meanwhile wait for at most one chunk."""


@dataclass(frozen=True)
class Planned:
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


async def report_progress(progress: Progress | None, done: int, total: int) -> None:
    """Tell ``progress`` (if any) that ``done`` of ``total`` are done."""
    if progress is None:
        return
    result = progress(done, total)
    if inspect.isawaitable(result):
        await result


def content_hash(text: str) -> str:
    """Hash of the text with whitespace and Unicode (NFC) normalised: the same article pasted
    twice, or saved once as NFC and once as NFD, matches."""
    return legacy_hash(unicodedata.normalize("NFC", text))


def legacy_hash(text: str) -> str:
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


def failure_reason(error: BadArticle, article: ArticleInput) -> str:
    """The message of ``error`` without the article's origin in front (a report names it)."""
    message = str(error)
    prefix = f"{article.origin}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


class Ingester:
    """Plans, embeds and writes articles into one library's store and vector indexes.

    Writes take ``indexes.write_lock``; saving changed indexes is left to the caller.
    """

    def __init__(
        self, store: Store, embedder: Embedder, indexes: IndexSync, *, max_article_chars: int
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.indexes = indexes
        self.max_article_chars = max_article_chars

    async def ingest(
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
        report = IngestReport(failures=list(loaded.failures))
        total, done = len(loaded.articles), 0
        batch: list[Planned | IngestedArticle | IngestFailure] = []
        keys: set[tuple[str, str]] = set()

        async def flush() -> None:
            nonlocal done
            outcomes = iter(
                await self.embed_and_write(
                    [item for item in batch if isinstance(item, Planned)], collection
                )
            )
            for item in batch:
                outcome = next(outcomes) if isinstance(item, Planned) else item
                if isinstance(outcome, IngestFailure):
                    report.failures.append(outcome)
                else:
                    report.ingested.append(outcome)
                done += 1
                await report_progress(progress, done, total)
            batch.clear()
            keys.clear()

        async def plan(
            article: ArticleInput,
        ) -> tuple[Planned | IngestedArticle | IngestFailure, set[tuple[str, str]]]:
            try:
                return await self.plan(article, collection, added_by, replace_others=replace_others)
            except BadArticle as error:
                return IngestFailure(article.origin, failure_reason(error, article)), set()
            except NewsbotError:
                raise  # about the library, not this article (e.g. a model change)
            except Exception:  # a bug must not cost the rest of the batch
                log.exception("could not store %s", article.origin)
                return (
                    IngestFailure(article.origin, "could not be stored: an internal error"),
                    set(),
                )

        for article in loaded.articles:
            item, identity = await plan(article)
            if identity & keys:  # the same article twice in a batch: write the first
                await flush()
                item, identity = await plan(article)
            batch.append(item)
            keys |= identity
            pending = sum(len(i.passages) for i in batch if isinstance(i, Planned))
            if pending >= INGEST_BATCH_PASSAGES or len(batch) >= INGEST_BATCH_ARTICLES:
                await flush()
        await flush()
        return report

    async def plan(
        self,
        article: ArticleInput,
        collection: str,
        added_by: str | None,
        *,
        force: bool = False,
        replace_others: bool = True,
    ) -> tuple[Planned | IngestedArticle, set[tuple[str, str]]]:
        """Everything before embedding: checks, the stored article it updates (an unchanged
        one is done here), its id, passages and attributions; and the keys (id, URL, text
        hash) under which a second copy in the same batch would find it."""
        if force:  # reindex: what is stored stays in, normalised as ingest would
            article = normalise_stored(article)
        else:
            # an article without a title gets one from its text (index.titles)
            article = check_article(with_title(article), self.max_article_chars)
        digest, legacy = content_hash(article.text), legacy_hash(article.text)
        existing = await self.store.find_existing(
            collection,
            article.id,
            None if article.id else article.url,
            None if article.id else digest,
        )
        if existing is None and not article.id and legacy != digest:
            existing = await self.store.find_existing(collection, None, None, legacy)
        if existing is None and not force and not article.id and not article.url:
            existing = await self._earlier_version(collection, article, added_by)
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
        planned = Planned(
            article, article_id, digest, existing, added_by, passages, attributions, force, expected
        )
        return planned, identity | {("id", article_id)}

    async def _earlier_version(
        self, collection: str, article: ArticleInput, added_by: str | None
    ) -> ExistingArticle | None:
        """A stored article this one is an edit of (same title and adder, mostly same text)."""
        for stored, text in await self.store.same_title_articles(
            collection, article.title, added_by
        ):
            if is_revision(text, article.text):
                return stored
        return None

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
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

    async def embed_and_write(
        self, planned: Sequence[Planned], collection: str
    ) -> list[IngestedArticle | IngestFailure]:
        """Embed the passages of ``planned`` together, then write each article with its
        vectors in its own transaction. An article the encoder fails on is refused alone."""
        if not planned:
            return []
        texts = [p.text for item in planned for p in item.passages]
        try:
            vectors = await self.embed(texts)
            split = np.cumsum([len(item.passages) for item in planned])[:-1]
            per_article: list[np.ndarray | None] = list(np.split(vectors, split))
        except NewsbotError:
            raise  # the model cannot load: nothing can go in
        except Exception:
            per_article = []
            for item in planned:  # find the article(s) the encoder fails on
                try:
                    per_article.append(await self.embed([p.text for p in item.passages]))
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
                outcomes.append(await self.write(item, collection, item_vectors))
            except BadArticle as error:
                reason = failure_reason(error, item.article)
                outcomes.append(IngestFailure(item.article.origin, reason))
        return outcomes

    async def write(self, item: Planned, collection: str, vectors: np.ndarray) -> IngestedArticle:
        """Store one article with its vectors (one transaction) and mirror it in the index."""
        article = item.article
        async with self.indexes.write_lock:
            await self.indexes.sync(collection)
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
            await self.indexes.apply(collection, generation, removed, new_ids, vectors)
        status = "updated" if item.existing else "added"
        return IngestedArticle(item.article_id, article.title, len(item.passages), status)
