"""Hybrid retrieval: dense (vector index) and keyword (FTS5 BM25) results fused by rank.

Reciprocal rank fusion (Cormack et al., 2009) needs no score calibration between the two
retrievers; the dense cosine of each candidate is kept as well, because abstention and
quote selection need an absolute measure of relevance, not just a rank.

A question's two searches need not wait for each other nor for the rest of the question:
:class:`SearchPrefetch` starts the keyword search before the question is embedded and the
dense search as soon as its vector is known; :func:`hybrid_search` then takes their hits.
"""

from __future__ import annotations

import asyncio
import functools
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from index.keyword import keyword_search
from index.store import Store
from index.vectors import VectorIndex

RRF_K = 60
CANDIDATES = 50

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves say said says tell told think thinks thought according
    """.split()
)
_WORD = re.compile(r"[\w][\w'’-]*")


@dataclass
class Candidate:
    """A passage found for a question, with what each retriever thought of it."""

    passage_id: int
    dense: float = 0.0
    dense_rank: int | None = None
    keyword_rank: int | None = None
    keyword: float = 0.0
    """BM25 relative to the best keyword hit of the question (1.0 for the best)."""
    fused: float = 0.0
    coverage: float = 0.0
    """Share of the question's content words found in the passage."""
    phrases: float = 0.0
    """Share of the question's word pairs found in the passage (see :func:`pair_coverage`)."""


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` without stopwords or one-letter tokens, in order."""
    return _content_words(_WORD.findall(text.lower()))


def _content_words(tokens: Iterable[str]) -> list[str]:
    # A token starts with a word character, so stripping only ever removes trailing marks.
    words = (token.rstrip("'’-") for token in tokens)
    return [word for word in words if len(word) > 1 and word not in STOPWORDS]


@functools.lru_cache(maxsize=256)
def _tokens(text: str) -> tuple[str, ...]:
    """The lower-cased tokens of ``text`` (cached: :func:`word_prefixes` and :func:`_pairs`
    read the same passages one after the other)."""
    return tuple(_WORD.findall(text.lower()))


@functools.lru_cache(maxsize=4096)
def word_prefixes(text: str) -> frozenset[str]:
    """The 5-letter prefixes of the content words of ``text`` (cached: ranking asks again
    for the passages that candidate search already read)."""
    return frozenset([word[:5] for word in _content_words(_tokens(text))])


def word_coverage(question_words: Sequence[str], text: str) -> float:
    """Share of ``question_words`` occurring in ``text`` (compared on 5-letter prefixes)."""
    wanted = {word[:5] for word in question_words}
    if not wanted:
        return 0.0
    return len(wanted & word_prefixes(text)) / len(wanted)


@functools.lru_cache(maxsize=4096)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent word pairs of ``text`` (5-letter prefixes), cached as :func:`word_prefixes`."""
    return frozenset(pairwise([word[:5] for word in _tokens(text)]))


def pair_coverage(question: str, text: str) -> float:
    """Share of the question's adjacent word pairs that ``text`` also has (5-letter prefixes).

    Pairs reward a passage that repeats the question's phrasing ("the first Super Bowl"),
    which single-word coverage and BM25 cannot tell from scattered matches.
    """
    wanted = _pairs(question)
    return len(wanted & _pairs(text)) / len(wanted) if wanted else 0.0


RESCORE_FACTOR = 2
"""An approximate index is asked for this many times the candidates; they are re-scored
exactly from the stored vectors and the best kept."""

STAGES: ContextVar[dict[str, float] | None] = ContextVar("STAGES", default=None)
"""Set to a dict to have :func:`hybrid_search` add its stage times (ms) to it (benchmarks)."""


def _note(stage: str, started: float) -> float:
    now = time.perf_counter()
    stages = STAGES.get()
    if stages is not None:
        stages[stage] = stages.get(stage, 0.0) + (now - started) * 1000
    return now


async def dense_search(
    store: Store,
    indexes: Mapping[str, VectorIndex],
    query_vector: np.ndarray,
    collections: Sequence[str],
    limit: int,
) -> list[tuple[int, float]]:
    """``(passage_id, cosine)`` of the nearest passages in ``collections``, best first.

    Searches run in a worker thread (never on the event loop); candidates of approximate
    indexes are re-scored from the vectors stored in the database.
    """
    started = time.perf_counter()
    hits: list[tuple[int, float]] = []
    approximate: list[int] = []
    for collection in collections:
        index = indexes.get(collection)
        if index is None:
            continue
        if index.exact:
            hits += await asyncio.to_thread(index.search, query_vector, limit)
        else:
            found = await asyncio.to_thread(index.search, query_vector, limit * RESCORE_FACTOR)
            approximate += [passage_id for passage_id, _ in found]
    started = _note("vector_search", started)
    if approximate:
        vectors = await store.passage_embeddings(approximate, len(query_vector))
        if vectors:
            ids = list(vectors)
            matrix = np.stack([vectors[i] for i in ids])
            scores = matrix @ np.asarray(query_vector, dtype=np.float32)
            hits += [(i, float(s)) for i, s in zip(ids, scores, strict=True)]
        _note("rescore", started)
    hits.sort(key=lambda hit: -hit[1])
    return hits[:limit]


async def _keyword(
    store: Store, question: str, collections: Sequence[str], limit: int
) -> list[tuple[int, float]]:
    """The keyword half of :func:`hybrid_search` (it needs no query vector)."""
    started = time.perf_counter()
    found = await keyword_search(store.searching, content_words(question), collections, limit)
    _note("keyword_search", started)
    return found


Hits = list[tuple[int, float]]


def drop_task(task: asyncio.Future[Any] | None) -> None:
    """Cancel ``task``, or retrieve its failure (asyncio would log it as never retrieved:
    the question it was for failed already, or searches again)."""
    if task is None:
        return
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


class SearchPrefetch:
    """Both halves of a :func:`hybrid_search` started before it is called: the keyword
    search at once (it needs no vector: SQLite runs the FTS queries while the encoder
    embeds the question in a worker thread) and the dense search as soon as the vector is
    known (:meth:`start_dense`: FAISS searches in a worker thread while the question's
    other retrieval, such as a named person's statements, goes on). The question then
    waits for the longest of these, not for their sum.

    :func:`hybrid_search` takes the searches when it is asked the same question in the
    same collections with the same limit (and, for the dense half, the same indexes and
    vector); otherwise it searches itself and these are cancelled. Call :meth:`cancel`
    when the question ends (what nothing took would be left behind).
    """

    def __init__(self, store: Store, question: str, collections: Sequence[str], limit: int) -> None:
        self.key = (store, question, tuple(collections), limit)
        self._keyword: asyncio.Future[Hits] | None = asyncio.ensure_future(
            _keyword(store, question, collections, limit)
        )
        self._dense: asyncio.Future[Hits] | None = None
        self._dense_key: tuple[Mapping[str, VectorIndex], np.ndarray] | None = None

    def start_dense(self, indexes: Mapping[str, VectorIndex], query_vector: np.ndarray) -> None:
        """Start the dense search for ``query_vector`` (pass the same array object on)."""
        store, _, collections, limit = self.key
        drop_task(self._dense)
        self._dense_key = (indexes, query_vector)
        self._dense = asyncio.ensure_future(
            dense_search(store, indexes, query_vector, list(collections), limit)
        )

    def take(
        self,
        store: Store,
        indexes: Mapping[str, VectorIndex],
        question: str,
        query_vector: np.ndarray,
        collections: Sequence[str],
        limit: int,
    ) -> tuple[asyncio.Future[Hits] | None, asyncio.Future[Hits] | None]:
        """``(keyword, dense)``: the started searches that are the ones asked for (once
        only; ``None`` for a half not started or started for another search)."""
        keyword, dense, dense_key = self._keyword, self._dense, self._dense_key
        self._keyword = self._dense = self._dense_key = None
        if self.key != (store, question, tuple(collections), limit):
            drop_task(keyword)
            drop_task(dense)
            return None, None
        if dense_key is None or dense_key[0] is not indexes or dense_key[1] is not query_vector:
            drop_task(dense)
            dense = None
        return keyword, dense

    def cancel(self) -> None:
        """Drop the searches nothing took."""
        drop_task(self._keyword)
        drop_task(self._dense)
        self._keyword = self._dense = self._dense_key = None


async def hybrid_search(
    store: Store,
    indexes: Mapping[str, VectorIndex],
    question: str,
    query_vector: np.ndarray,
    collections: Sequence[str],
    *,
    limit: int = CANDIDATES,
    prefetched: SearchPrefetch | None = None,
) -> list[Candidate]:
    """Candidates from both retrievers in the given collections, best fused score first
    (``prefetched``: the searches, if they were started already)."""
    candidates: dict[int, Candidate] = {}
    keyword, dense = (
        prefetched.take(store, indexes, question, query_vector, collections, limit)
        if prefetched is not None
        else (None, None)
    )
    # Both at once: FAISS searches in a worker thread while SQLite runs the FTS queries.
    dense_hits, hits = await asyncio.gather(
        dense or dense_search(store, indexes, query_vector, collections, limit),
        keyword or _keyword(store, question, collections, limit),
    )
    for rank, (passage_id, score) in enumerate(dense_hits):
        candidates[passage_id] = Candidate(passage_id, dense=score, dense_rank=rank)
    best = hits[0][1] if hits else 0.0
    for rank, (passage_id, bm25) in enumerate(hits):
        candidate = candidates.setdefault(passage_id, Candidate(passage_id))
        candidate.keyword_rank = rank
        candidate.keyword = bm25 / best if best else 0.0  # FTS5 bm25 is negative
    for candidate in candidates.values():
        for rank in (candidate.dense_rank, candidate.keyword_rank):
            if rank is not None:
                candidate.fused += 1.0 / (RRF_K + rank + 1)
    return sorted(candidates.values(), key=lambda c: -c.fused)
