"""The keyword half of hybrid search starts before the question is embedded (it needs no
vector) and gives the same candidates and answers as when it ran after."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest

from index.config import Settings
from index.library import Library
from index.qa import answer_question
from index.search import KeywordPrefetch, hybrid_search
from tests.articles import HARBOR, ORCHARD, SYNDICATED_A, SYNDICATED_B
from tests.conftest import HashingEmbedder

QUESTIONS = (
    "When will the Harbor Bridge close?",
    "What damaged the apple blossoms?",
    "Who said the ferries would run late?",
    "frost orchards harbor cables",
)


async def _library(settings: Settings) -> Library:
    library = await Library.open(settings, embedder=HashingEmbedder())
    await library.ingest([HARBOR, ORCHARD, SYNDICATED_A, SYNDICATED_B], collection="global")
    return library


async def test_prefetched_keyword_hits_give_the_same_candidates(settings: Settings) -> None:
    library = await _library(settings)
    try:
        store, indexes = library.store, library._indexes
        for question in QUESTIONS:
            vector = library.embedder.encode([question])[0]
            plain = await hybrid_search(store, indexes, question, vector, ["global"])
            prefetch = KeywordPrefetch(store, question, ["global"], 50)
            early = await hybrid_search(
                store, indexes, question, vector, ["global"], prefetched=prefetch
            )
            assert early == plain and any(c.keyword_rank is not None for c in plain)
            # a prefetch of another search (here: another limit) is not used, but dropped
            other = KeywordPrefetch(store, question, ["global"], 10)
            task = other._task
            mismatched = await hybrid_search(
                store, indexes, question, vector, ["global"], prefetched=other
            )
            assert mismatched == plain and task is not None and task.cancelled()
    finally:
        await library.close()


async def test_answers_are_the_same_as_with_the_keyword_search_after_embedding(
    settings: Settings,
) -> None:
    library = await _library(settings)
    try:
        for question in QUESTIONS:
            asked = await library.ask(question, collections=["global"])
            vector = library.embedder.encode([question])[0]
            after = await answer_question(  # no prefetch: keyword search after embedding
                library.store,
                library._indexes,
                question,
                vector,
                ["global"],
                dimension=library.embedder.dimension,
            )
            assert asked == after
    finally:
        await library.close()


class _WaitingEmbedder(HashingEmbedder):
    """Embeds a question only once the keyword search has started (or after 5 s)."""

    def __init__(self) -> None:
        super().__init__()
        self.keyword_started = threading.Event()
        self.overlapped: list[bool] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 1 and texts[0].endswith("?"):
            self.overlapped.append(self.keyword_started.wait(5))
            self.keyword_started.clear()
        return super().encode(texts)


async def test_the_keyword_search_runs_while_the_question_is_embedded(
    settings: Settings,
) -> None:
    embedder = _WaitingEmbedder()
    library = await Library.open(settings, embedder=embedder)
    try:
        await library.ingest([HARBOR, ORCHARD], collection="global")
        search = library.store.keyword_search

        async def noted(*args: object, **kwargs: object) -> list[tuple[int, float]]:
            embedder.keyword_started.set()
            return await search(*args, **kwargs)  # type: ignore[arg-type]

        library.store.keyword_search = noted  # type: ignore[method-assign]
        answer = await library.ask("What damaged the apple blossoms?", collections=["global"])
        assert embedder.overlapped == [True]
        assert answer.answered and answer.quotes[0].article_id == "orchard-frost"
    finally:
        await library.close()


async def test_a_failed_question_leaves_no_keyword_search_behind(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = await _library(settings)
    try:

        def broken(texts: Sequence[str]) -> np.ndarray:
            raise RuntimeError("encoder gone")

        library.embedder.encode = broken  # type: ignore[method-assign]
        started: list[KeywordPrefetch] = []
        original = KeywordPrefetch.__init__

        def record(self: KeywordPrefetch, *args: object) -> None:
            original(self, *args)  # type: ignore[arg-type]
            started.append(self)

        monkeypatch.setattr(KeywordPrefetch, "__init__", record)
        with pytest.raises(RuntimeError, match="encoder gone"):
            await library.ask("When will the Harbor Bridge close?", collections=["global"])
        assert len(started) == 1 and started[0]._task is None  # taken or cancelled
    finally:
        await library.close()
