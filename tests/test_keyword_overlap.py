"""Hybrid search starts early: its keyword half before the question is embedded (it needs
no vector), its dense half as soon as the vector is known; the candidates and answers are
the same as when both ran inside :func:`hybrid_search`."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest

from index.config import Settings
from index.library import Library
from index.qa import answer_question
from index.search import SearchPrefetch, hybrid_search
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
            prefetch = SearchPrefetch(store, question, ["global"], 50)
            early = await hybrid_search(
                store, indexes, question, vector, ["global"], prefetched=prefetch
            )
            assert early == plain and any(c.keyword_rank is not None for c in plain)
            both = SearchPrefetch(store, question, ["global"], 50)
            both.start_dense(indexes, vector)
            dense = both._dense
            early = await hybrid_search(
                store, indexes, question, vector, ["global"], prefetched=both
            )
            assert early == plain and dense is not None and dense.done()
            # searches started for another search are not used, but dropped: another
            # limit (both halves), another vector (the dense half)
            other = SearchPrefetch(store, question, ["global"], 10)
            other.start_dense(indexes, vector)
            tasks = [other._keyword, other._dense]
            mismatched = await hybrid_search(
                store, indexes, question, vector, ["global"], prefetched=other
            )
            assert mismatched == plain and all(t is not None and t.cancelled() for t in tasks)
            other = SearchPrefetch(store, question, ["global"], 50)
            other.start_dense(indexes, vector.copy())
            dense = other._dense
            mismatched = await hybrid_search(
                store, indexes, question, vector, ["global"], prefetched=other
            )
            assert mismatched == plain and dense is not None and dense.cancelled()
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
        searching = library.store.searching  # the keyword search's own connection
        assert searching is not library.store
        search = searching.keyword_search

        async def noted(*args: object, **kwargs: object) -> list[tuple[int, float]]:
            embedder.keyword_started.set()
            return await search(*args, **kwargs)  # type: ignore[arg-type]

        searching.keyword_search = noted  # type: ignore[method-assign]
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
        started: list[SearchPrefetch] = []
        original = SearchPrefetch.__init__

        def record(self: SearchPrefetch, *args: object) -> None:
            original(self, *args)  # type: ignore[arg-type]
            started.append(self)

        monkeypatch.setattr(SearchPrefetch, "__init__", record)
        with pytest.raises(RuntimeError, match="encoder gone"):
            await library.ask("When will the Harbor Bridge close?", collections=["global"])
        assert len(started) == 1  # and dropped: nothing left running
        assert started[0]._keyword is None and started[0]._dense is None
    finally:
        await library.close()
