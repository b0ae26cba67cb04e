"""Reindex embeds the passages of many articles together (issue 9), and keeps its
guarantees: each article is swapped alone with its own vectors, progress is reported per
article up to the total, and an article edited or removed meanwhile keeps its newer state."""

from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from collections.abc import Sequence

import numpy as np
import pytest

from index import ingest as ingest_module
from index.config import Settings
from index.library import Library
from index.models import ArticleInput
from tests.test_encoder_batching import CountingEmbedder, article


class ReversedEmbedder(CountingEmbedder):
    """Another "model": the hashing vectors reversed, so every re-embedded vector differs."""

    def __init__(self, fail_on: str | None = None):
        super().__init__(fail_on)
        self.name = "test/reversed"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.ascontiguousarray(super().encode(texts)[:, ::-1])


async def stored_vectors(
    library: Library, collection: str, article_id: str
) -> tuple[list[str], np.ndarray]:
    stored = await library.store.find_existing(collection, article_id, None, None)
    assert stored is not None
    passages = await library.store.article_passages(stored.pk)
    vectors = await library.store.passage_embeddings([p.id for p in passages], 64)
    return [p.text for p in passages], np.vstack([vectors[p.id] for p in passages])


async def _fill(settings: Settings, count: int = 20) -> int:
    """``count`` articles across two collections; returns their passage count."""
    async with await Library.open(settings, embedder=CountingEmbedder()) as library:
        passages = 0
        for collection in ("guild:1", "guild:2"):
            report = await library.ingest(
                [
                    article(n, id=f"story-{n}")
                    for n in range(count)
                    if n % 2 == int(collection[-1]) - 1
                ],
                collection=collection,
            )
            passages += sum(item.passages for item in report.ingested)
        return passages


async def test_reindex_shares_encoder_calls_across_articles(settings: Settings) -> None:
    passages = await _fill(settings)
    embedder = ReversedEmbedder()  # a model change: every vector must be replaced
    async with await Library.open(settings, embedder=embedder) as library:
        report = await library.reindex()
        assert (report.articles, report.passages) == (20, passages)
        assert sum(embedder.calls) == passages
        # one article per call before; now the 20 articles share a few calls
        assert len(embedder.calls) <= -(-passages // ingest_module.ENCODE_CHUNK) + 1 < 20
        for number in range(20):  # each article holds its own passages' new vectors
            collection = f"guild:{number % 2 + 1}"
            texts, vectors = await stored_vectors(library, collection, f"story-{number}")
            assert np.allclose(vectors, ReversedEmbedder().encode(texts), atol=1e-3)
        stats = await library.stats()
        assert stats.vectors == stats.passages == passages
        assert stats.model == "test/reversed"
        answer = await library.ask("story 4 harbour", collections=["guild:1"])
        assert answer.answered and {q.article_id for q in answer.quotes} <= {
            f"story-{n}" for n in range(0, 20, 2)
        }


async def test_reindex_progress_reaches_the_total_one_article_at_a_time(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_module, "INGEST_BATCH_PASSAGES", 8)
    passages = await _fill(settings, 10)
    embedder = CountingEmbedder()
    async with await Library.open(settings, embedder=embedder) as library:
        seen: list[tuple[int, int]] = []
        running: list[tuple[int, int] | None] = []

        def progress(done: int, total: int) -> None:
            seen.append((done, total))
            running.append(library.reindex_progress(["guild:2"]))

        report = await library.reindex(progress=progress)
        assert report.passages == passages
        assert seen == [(n, 10) for n in range(1, 11)]  # one step per article written
        assert running == seen  # what /reindex shows to a second caller meanwhile
        assert 1 < len(embedder.calls) < 10 and max(embedder.calls) <= 8 + 5  # bounded batches
        assert not library.reindexing


async def test_an_article_changed_during_reindex_keeps_its_new_version(
    settings: Settings,
) -> None:
    await _fill(settings)
    edited = article(99, id="story-4")  # new text for story-4
    nfd = unicodedata.normalize("NFD", "Le café rouvre près du port. " * 10)
    async with await Library.open(settings, embedder=CountingEmbedder()) as library:
        await library.ingest(
            [ArticleInput(title="Café", text=nfd, id="cafe")], collection="guild:1"
        )
        legacy = hashlib.sha256(" ".join(nfd.split()).encode()).hexdigest()  # before NFC
        with sqlite3.connect(settings.database_path) as db:
            db.execute("UPDATE articles SET content_hash = ? WHERE article_id = 'cafe'", (legacy,))
        embed, edits = library._ingester.embed, []

        async def edit_first(texts: Sequence[str]) -> np.ndarray:
            if not edits:  # the reindex has read the articles and is embedding them
                edits.append("started")
                edits.append(await library.ingest([edited], collection="guild:1"))
                edits.append(await library.remove_article("story-6", collection="guild:1"))
            return await embed(texts)

        library._ingester.embed = edit_first  # type: ignore[method-assign]
        report = await library.reindex()
        library._ingester.embed = embed  # type: ignore[method-assign]
        assert edits[1].ingested[0].status == "updated"
        assert report.articles == 21
        story4 = await library.get_article("story-4", collections=["guild:1"])
        assert story4.text == edited.text  # the edit was not overwritten by the old text
        assert await library.count_articles(collections=["guild:1"]) == 10  # story-6 stays gone
        texts, vectors = await stored_vectors(library, "guild:1", "story-4")
        assert np.allclose(vectors, CountingEmbedder().encode(texts), atol=1e-3)
        again = await library.ingest([ArticleInput(title="Café", text=nfd)], collection="guild:1")
        assert again.ingested[0].status == "unchanged"  # re-embedded with the NFC hash
        stats = await library.stats()
        assert stats.vectors == stats.passages


async def test_an_encoder_error_stops_the_reindex_and_loses_nothing(settings: Settings) -> None:
    passages = await _fill(settings)
    async with await Library.open(settings, embedder=ReversedEmbedder("story 13 ")) as library:
        with pytest.raises(RuntimeError, match="encoder broke"):
            await library.reindex()
        assert not library.reindexing
        assert await library.store.get_meta("model") == "test/hashing"  # not switched over
        assert await library.count_articles(collections=["guild:1", "guild:2"]) == 20
        assert (
            await library.store.count_passages("guild:1")
            + await library.store.count_passages("guild:2")
            == passages
        )
