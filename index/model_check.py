"""Which embedding model the stored vectors were made with, and what to do when it is not
the configured one: questions and ingests are refused until a full reindex re-embeds every
article. Also the lazy embedder a library opens with, and the re-derivation of stored
attributions when their rules changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping

from index.attribution import ATTRIBUTION_RULES
from index.config import Settings
from index.embedder import Embedder, LazyEmbedder, lazy_embedder
from index.errors import IndexMismatch
from index.ingest import find_attributions_for_store
from index.store import Store

log = logging.getLogger(__name__)


class ModelCheck:
    """The model state of one open library. ``reindex_jobs`` is the registry of running
    reindexes (:attr:`index.reindexing.Reindexer.jobs`): a full one (key ``None``) is
    switching the articles over to the configured model."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        reindex_jobs: Mapping[frozenset[str] | None, tuple[int, int]],
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.reindex_jobs = reindex_jobs
        self.mismatch: str | None = None
        """The model the stored vectors were made with, when it is not the configured one."""

    async def check(self) -> None:
        """On open: record the model of a new database, or note that it differs."""
        stored = await self.store.get_meta("model")
        if stored is None:
            await self.store.set_meta("model", self.embedder.name)
            await self.store.set_meta("dimension", str(self.embedder.dimension))
        elif stored != self.embedder.name:
            self.mismatch = stored

    def require_match(self) -> None:
        """Raise :class:`IndexMismatch` unless the stored vectors are the configured model's."""
        if self.mismatch is not None:
            if None in self.reindex_jobs:
                done, total = self.reindex_jobs[None]
                raise IndexMismatch(
                    f"The articles are being re-embedded with {self.embedder.name} "
                    f"({done}/{total} done); try again when the reindex finishes."
                )
            raise IndexMismatch(
                f"The articles were embedded with {self.mismatch}, but the configured "
                f"model is {self.embedder.name}. Run `newsbot reindex` (or /reindex) to "
                "re-embed them, or set NEWSBOT_MODEL back."
            )

    async def check_stored(self) -> None:
        """Before an index is loaded: another process may have re-embedded everything."""
        if None not in self.reindex_jobs:
            stored_model = await self.store.get_meta("model")
            if stored_model is not None and stored_model != self.embedder.name:
                self.mismatch = stored_model
                self.require_match()

    async def adopt(self) -> None:
        """After a full reindex: the stored vectors are the configured model's."""
        await self.store.set_meta("model", self.embedder.name)
        await self.store.set_meta("dimension", str(self.embedder.dimension))
        self.mismatch = None


async def open_lazy_embedder(settings: Settings, store: Store) -> LazyEmbedder:
    """The configured embedder, not loaded yet. Its dimension comes from the model's config
    or from the database (built with this model); failing both, the model loads now."""
    embedder = lazy_embedder(settings)
    stored_dimension = await store.get_meta("dimension")
    if await store.get_meta("model") == embedder.name and stored_dimension:
        embedder.expect_dimension(int(stored_dimension))
    if not embedder.dimension_known:
        await asyncio.to_thread(embedder.load)
    return embedder


async def refresh_attributions(store: Store) -> None:
    """Re-derive every article's attributions when the rules changed since they were
    stored (a newer newsbot): cheap, no re-embedding, one article per transaction."""
    wanted = str(ATTRIBUTION_RULES)
    if await store.get_meta("attribution_rules") == wanted:
        return
    started, count, last_pk = time.perf_counter(), 0, 0
    while batch := await store.article_texts(last_pk, 200):
        for article_pk, text in batch:
            found = await asyncio.to_thread(find_attributions_for_store, text)
            count += await store.replace_attributions(article_pk, text, found)
        last_pk = batch[-1][0]
    await store.set_meta("attribution_rules", wanted)
    if count:
        log.info(
            "attributions re-derived for %d articles (rules v%s) in %.1f s",
            count,
            wanted,
            time.perf_counter() - started,
        )
