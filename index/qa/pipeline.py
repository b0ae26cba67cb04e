"""The steps of answering a question, in order: route, gather, rank, abstain, quote."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index import answer as answering
from index.models import Answer
from index.qa import abstention, candidates, features, model, ranking
from index.qa.routing import complete_name, route
from index.qa.scope import Scope
from index.search import Candidate
from index.store import Store, StoredAttribution
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
    scope = Scope(
        store,
        indexes,
        query_vector,
        collections,
        dimension,
        article_ids=article_ids,
        published_window=published_window,
    )
    routed = route(question)
    steps: list[Callable[[], Awaitable[Answer | None]]] = []

    async def by_role() -> Answer | None:
        topic = [w for w in routed.topic if w not in routed.role]
        found = await candidates.role_statements(scope, routed.role)
        return _person_answer(question, found, topic, limit)

    async def by_name() -> Answer | None:
        return await _answer_person(scope, question, routed.names, limit)

    async def by_completed_name() -> Answer | None:
        completed = await complete_name(store, routed.names, collections)
        if completed is None:
            return None
        return await _answer_person(scope, question, [completed], limit)

    if routed.role and routed.role_first:
        steps.append(by_role)
    if routed.names:
        steps += [by_name, by_completed_name]
    if routed.role and not routed.role_first:
        steps.append(by_role)
    for step in steps:
        answer = await step()
        if answer is not None:
            _record(question, 1.0)
            return answer
    return await _answer_general(scope, question, routed.names, limit)


async def _answer_person(
    scope: Scope, question: str, names: Sequence[str], limit: int
) -> Answer | None:
    topic = answering.topic_words(question, names)
    found = await candidates.person_statements(scope, names, topic)
    return _person_answer(question, found, topic, limit)


def _person_answer(
    question: str, found: candidates.PersonCandidates | None, topic: Sequence[str], limit: int
) -> Answer | None:
    if found is None:
        return None
    quotes = ranking.person_quotes(found, topic, limit)
    if not quotes:
        return None
    return Answer(question=question, answered=True, quotes=tuple(quotes))


@dataclass
class GeneralRanking:
    """Everything the general path knows about a question (used by benchmarks too)."""

    facts: features.QuestionFacts
    found: candidates.GeneralCandidates
    attributions: list[StoredAttribution]
    ranked: list[Candidate]
    rows: list[list[float]]
    logits: list[float]
    entities_known: float
    probability: float


async def rank_general(scope: Scope, question: str, names: Sequence[str]) -> GeneralRanking:
    """Retrieve, featurise and rank the general candidates; estimate answerability."""
    qa_model = model.load()
    facts = features.QuestionFacts.of(question, names)
    found = await candidates.general_candidates(scope, question)
    article_pks = list(dict.fromkeys(p.article_pk for p in found.passages.values()))
    attributions = await scope.store.attributions_in(article_pks)
    rows = ranking.general_rows(facts, found, attributions)
    ranked, rows, logits = ranking.rank_general(found, rows, qa_model)
    known = await candidates.entities_known(scope.store, facts.entities, scope.collections)
    chance = abstention.answer_probability(qa_model, facts, logits, rows, known)
    return GeneralRanking(facts, found, attributions, ranked, rows, logits, known, chance)


async def _answer_general(scope: Scope, question: str, names: Sequence[str], limit: int) -> Answer:
    qa_model = model.load()
    result = await rank_general(scope, question, names)
    _record(question, result.probability)
    if not result.ranked or result.probability < abstention.threshold(qa_model, scope.article_ids):
        nearest = abstention.closest(result.found.candidates)
        title = result.found.passages[nearest.passage_id].title if nearest else None
        return answering.not_found(question, title)
    best = result.logits[0]
    chosen = [
        c
        for c, logit in zip(result.ranked, result.logits, strict=True)
        if logit >= best - qa_model.keep_margin
    ][: limit * 2]
    passages = result.found.passages
    article_pks = list(dict.fromkeys(passages[c.passage_id].article_pk for c in chosen))
    texts = await candidates.article_texts(scope.store, article_pks)
    kept = ranking.general_quotes(
        chosen, passages, texts, result.attributions, limit, result.facts.kind
    )
    if not kept:  # the articles were removed while we were answering
        return answering.not_found(question, None)
    return Answer(question=question, answered=True, quotes=tuple(kept))


Recorder = Callable[[str, float], None]
recorders: list[Recorder] = []
"""Benchmarks append a function here to see each question's answer probability (a
person answer counts as 1.0); nothing is recorded otherwise."""


def _record(question: str, chance: float) -> None:
    for recorder in recorders:
        recorder(question, chance)
