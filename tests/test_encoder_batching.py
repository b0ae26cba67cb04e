"""Ingest embeds the passages of many articles together, and still stores each article
alone, with its own vectors, refusing only the articles that fail."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from index import ingest as ingest_module
from index.config import Settings
from index.library import Library
from index.models import ArticleInput
from tests.conftest import HashingEmbedder

WORDS = "harbour cable frost orchard senate budget river bridge school vote".split()


def article(number: int, **extra: str) -> ArticleInput:
    paragraphs = [
        f"Paragraph {p} of story {number} is about the {WORDS[(number + p) % len(WORDS)]}. "
        f"Officials said the {WORDS[(number * p) % len(WORDS)]} would be reviewed in {number}."
        for p in range(1, 4 + number % 3)
    ]
    fields = {"title": f"Story {number}", "text": "\n\n".join(paragraphs), **extra}
    return ArticleInput(**fields)  # type: ignore[arg-type]


class CountingEmbedder(HashingEmbedder):
    """Records every encode call; fails on texts holding ``fail_on``."""

    def __init__(self, fail_on: str | None = None):
        super().__init__()
        self.calls: list[int] = []
        self.fail_on = fail_on

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        if self.fail_on and any(self.fail_on in text for text in texts):
            raise RuntimeError("the encoder broke")
        return super().encode(texts)


async def stored_vectors(library: Library, article_id: str) -> tuple[list[str], np.ndarray]:
    stored = await library.store.find_existing("global", article_id, None, None)  # type: ignore[arg-type]
    assert stored is not None
    passages = await library.store.article_passages(stored.pk)
    vectors = await library.store.passage_embeddings([p.id for p in passages], 64)
    return [p.text for p in passages], np.vstack([vectors[p.id] for p in passages])


async def test_passages_of_many_articles_share_encoder_calls(settings: Settings) -> None:
    embedder = CountingEmbedder()
    async with await Library.open(settings, embedder=embedder) as library:
        articles = [article(n, id=f"story-{n}") for n in range(20)]
        report = await library.ingest(articles, collection="global")
        assert [i.status for i in report.ingested] == ["added"] * 20
        passages = sum(i.passages for i in report.ingested)
        assert sum(embedder.calls) == passages
        assert len(embedder.calls) <= -(-passages // ingest_module.ENCODE_CHUNK) + 1
        for number in (0, 7, 19):  # each article holds its own passages' vectors
            texts, vectors = await stored_vectors(library, f"story-{number}")
            assert np.allclose(vectors, HashingEmbedder().encode(texts), atol=1e-3)  # float16
        stats = await library.stats()
        assert stats.vectors == stats.passages == passages


async def test_batches_are_bounded(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "INGEST_BATCH_PASSAGES", 8)
    seen: list[tuple[int, int]] = []
    embedder = CountingEmbedder()
    async with await Library.open(settings, embedder=embedder) as library:
        report = await library.ingest(
            [article(n) for n in range(10)],
            collection="global",
            progress=lambda done, total: seen.append((done, total)),
        )
        assert len(report.ingested) == 10
        assert max(embedder.calls) <= 8 + 5  # a batch closes once it holds 8 passages
        assert seen == [(n, 10) for n in range(1, 11)]  # one progress step per article


async def test_the_same_article_twice_in_a_batch(settings: Settings) -> None:
    async with await Library.open(settings, embedder=CountingEmbedder()) as library:
        first, edited = article(1, id="one"), article(2, id="one")
        twin = article(3)
        report = await library.ingest([first, twin, edited, twin], collection="global")
        assert [i.status for i in report.ingested] == ["added", "added", "updated", "unchanged"]
        stored = await library.get_article("one", collections=["global"])
        assert stored.text == edited.text
        assert await library.count_articles(collections=["global"]) == 2
        stats = await library.stats()
        assert stats.vectors == stats.passages


async def test_an_article_the_encoder_fails_on_is_refused_alone(settings: Settings) -> None:
    embedder = CountingEmbedder(fail_on="story 3 ")
    async with await Library.open(settings, embedder=embedder) as library:
        report = await library.ingest(
            [article(n, origin=f"story-{n}.json") for n in range(6)], collection="global"
        )
        assert [f.origin for f in report.failures] == ["story-3.json"]
        assert "encoder failed" in report.failures[0].reason
        assert len(report.ingested) == 5
        stats = await library.stats()
        assert stats.articles == 5 and stats.vectors == stats.passages


async def test_a_crash_mid_batch_leaves_only_whole_articles(settings: Settings) -> None:
    embedder = CountingEmbedder()
    library = await Library.open(settings, embedder=embedder)
    written = 0
    original = library.store.write_article

    async def crash_on_third(**kwargs: object) -> object:
        nonlocal written
        written += 1
        if written == 3:
            raise KeyboardInterrupt  # killed between two articles' transactions
        return await original(**kwargs)  # type: ignore[arg-type]

    library.store.write_article = crash_on_third  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        await library.ingest([article(n, id=f"s{n}") for n in range(6)], collection="global")
    await library.store.close()
    async with await Library.open(settings, embedder=embedder) as reopened:
        stored = await reopened.list_articles(collections=["global"])
        assert sorted(a.id for a in stored) == ["s0", "s1"]
        for item in stored:
            texts, vectors = await stored_vectors(reopened, item.id)
            assert len(texts) == item.passage_count and vectors.shape[0] == len(texts)
        stats = await reopened.stats()
        assert stats.vectors == stats.passages
