"""The steps of answering a question, in order: route, gather, rank, abstain, quote."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from index import answer as answering
from index.models import Answer
from index.qa import abstention, candidates, ranking
from index.qa.routing import complete_name, route
from index.store import Store
from index.timeframe import TimeFilter
from index.vectors import VectorIndex


async def answer_question(
    store: Store,
    indexes: Mapping[str, VectorIndex],
    question: str,
    query_vector: np.ndarray,
    collections: Sequence[str],
    *,
    dimension: int,
    limit: int = 5,
    article_ids: Sequence[str] | None = None,
    published_window: TimeFilter | None = None,
) -> Answer:
    """Answer ``question`` (already validated and embedded) from ``collections``;
    ``published_window`` keeps only articles published in a question's time frame."""
    routed = route(question)
    if routed.names:
        answer = await _answer_person(
            store,
            question,
            routed.names,
            query_vector,
            collections,
            limit,
            article_ids,
            dimension,
            published_window,
        )
        if answer is None and (completed := await complete_name(store, routed.names, collections)):
            answer = await _answer_person(
                store,
                question,
                [completed],
                query_vector,
                collections,
                limit,
                article_ids,
                dimension,
                published_window,
            )
        if answer is not None:
            return answer
    return await _answer_general(
        store,
        indexes,
        question,
        query_vector,
        collections,
        limit,
        article_ids,
        dimension,
        published_window,
    )


async def _answer_person(
    store: Store,
    question: str,
    names: Sequence[str],
    query_vector: np.ndarray,
    collections: Sequence[str],
    limit: int,
    article_ids: Sequence[str] | None,
    dimension: int,
    published_window: TimeFilter | None = None,
) -> Answer | None:
    topic = answering.topic_words(question, names)
    found = await candidates.person_statements(
        store,
        question,
        names,
        topic,
        query_vector,
        collections,
        article_ids,
        dimension,
        published_window,
    )
    if found is None:
        return None
    quotes = ranking.person_quotes(found, topic, limit)
    if not quotes:
        return None
    return Answer(question=question, answered=True, quotes=tuple(quotes))


async def _answer_general(
    store: Store,
    indexes: Mapping[str, VectorIndex],
    question: str,
    query_vector: np.ndarray,
    collections: Sequence[str],
    limit: int,
    article_ids: Sequence[str] | None,
    dimension: int,
    published_window: TimeFilter | None = None,
) -> Answer:
    found = await candidates.general_candidates(
        store,
        indexes,
        question,
        query_vector,
        collections,
        article_ids,
        dimension,
        published_window,
    )
    chosen = ranking.choose_general(
        found.candidates, limit, abstention.general_threshold(article_ids)
    )
    if not chosen:
        nearest = abstention.closest(found.candidates)
        title = found.passages[nearest.passage_id].title if nearest else None
        return answering.not_found(question, title)
    article_pks = list(dict.fromkeys(found.passages[c.passage_id].article_pk for c in chosen))
    attributions = await store.attributions_in(article_pks)
    texts = await candidates.article_texts(store, article_pks)
    kept = ranking.general_quotes(chosen, found.passages, texts, attributions, limit)
    if not kept:  # the articles were removed while we were answering
        return answering.not_found(question, None)
    return Answer(question=question, answered=True, quotes=tuple(kept))
