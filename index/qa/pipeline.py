"""The steps of answering a question, in order: read it, gather one pool of candidates
(general passages and a named person's statements), rank them with one model, abstain or
quote."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index import answer as answering
from index.models import Answer
from index.qa import abstention, candidates, features, model, pool, ranking
from index.qa.routing import Route, route
from index.qa.scope import Scope
from index.search import Candidate, SearchPrefetch, drop_task
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
    search: SearchPrefetch | None = None,
) -> Answer:
    """Answer ``question`` (already validated and embedded) from ``collections``;
    ``published_window`` keeps only articles published in a question's time frame;
    ``search``: its general hybrid search, if started already (see
    :func:`index.qa.candidates.prefetch_search`).

    A question is answered when the abstention model (:mod:`index.qa.abstention`) finds
    it likely to be answerable: from its best general candidates, whether its named
    entities occur at all, and, for a question asking what someone said, whether that
    person's statements were found (statements of *a* president do not answer "What did
    the Brazilian president say?"). The quotes come from the one ranking of all
    candidates (:func:`rank_pool`)."""
    scope = Scope(
        store,
        indexes,
        query_vector,
        collections,
        dimension,
        article_ids=article_ids,
        published_window=published_window,
        search=search,
    )
    result = await rank_pool(scope, question)
    general = result.general
    _record(question, general.probability)
    qa_model = model.load()
    if not result.ranked or general.probability < abstention.threshold(qa_model, scope.article_ids):
        nearest = abstention.closest(general.found.candidates)
        title = general.found.passages[nearest.passage_id].title if nearest else None
        return answering.not_found(question, title)
    pool_model = model.load_pool()
    chosen = pool.chosen(result.ranked, pool_model.keep_margin, result.person.asks_said)
    chosen = chosen[: limit * 2]
    texts = dict(result.person.found.texts) if result.person.found else {}
    missing = [c.article_pk for c in chosen if c.article_pk not in texts]
    texts.update(await candidates.article_texts(scope.store, list(dict.fromkeys(missing))))
    kept = ranking.pool_quotes(chosen, texts, general.attributions, limit)
    if not kept:  # the articles were removed while we were answering
        return answering.not_found(question, None)
    return Answer(question=question, answered=True, quotes=tuple(kept), note=_unquoted(result))


def _unquoted(result: PoolRanking) -> str | None:
    """For a question asking what someone said when none of their statements was found
    (only passages naming them, or nothing of theirs at all): a note saying so, so that
    the quotes, which are other people's words or reporting, are not read as theirs. It
    says the passages mention them only when passages naming them were found."""
    if not result.person.asks_said or any(c.origin == "statement" for c in result.ranked):
        return None
    routed = result.routed
    who = " ".join(routed.names[:1]) or ("the " + " ".join(routed.role) if routed.role else "")
    if not who:
        return None
    if pool.said(result.person) == "mention":
        return f"No statement by {who} was found in these articles; these passages mention {who}."
    return f"No statement by {who} was found in these articles."


@dataclass
class PoolRanking:
    """Every candidate of a question in one ranking (used by benchmarks too)."""

    routed: Route
    person: pool.PersonFound
    general: GeneralRanking
    ranked: list[pool.PoolCandidate]


async def rank_pool(scope: Scope, question: str) -> PoolRanking:
    """Gather the general candidates and the named person's statements, rank them all
    with the pool model (:mod:`index.qa.pool`), and estimate answerability."""
    routed = route(question)
    person = await pool.person_candidates(scope, question, routed)
    general = await rank_general(scope, question, routed.names, person)
    pooled = pool.build(general.facts, general.ranked, general.rows, general.found.passages, person)
    return PoolRanking(routed, person, general, pool.order(pooled, model.load_pool().rank))


@dataclass
class GeneralRanking:
    """The general candidates of a question, ranked by the hand-set score that abstention
    reads (used by benchmarks too)."""

    facts: features.QuestionFacts
    found: candidates.GeneralCandidates
    ranked: list[Candidate]
    rows: list[list[float]]
    logits: list[float]
    entities_known: float
    probability: float
    topic_known: float = 1.0
    said_topic: float = 1.0

    @property
    def attributions(self) -> list[StoredAttribution]:
        """Every attribution of the candidates' articles."""
        return self.found.attributions


async def rank_general(
    scope: Scope, question: str, names: Sequence[str], person: pool.PersonFound | None = None
) -> GeneralRanking:
    """Retrieve, featurise and rank the general candidates; estimate answerability
    (``person``: what was found of the person a question asks about, :func:`pool.said`
    and :func:`pool.said_topic`)."""
    qa_model = model.load()
    facts = features.QuestionFacts.of(question, names)
    # whether the question's names and topic occur at all needs no candidate: it is looked
    # up while the candidates are gathered, not after them
    known_shares = asyncio.ensure_future(
        candidates.known_shares(scope.store, facts.entities, facts.topic, scope.collections)
    )
    try:
        found = await candidates.general_candidates(scope, question)
        rows = ranking.general_rows(facts, found, found.attributions)
        ranked, rows, logits = ranking.rank_general(found, rows, qa_model)
        known, topic = await known_shares
    finally:
        drop_task(known_shares)  # (a failure is seen, if the question failed before it)
    said = pool.said(person) if person else None
    said_topic = pool.said_topic(person) if person else 1.0
    chance = abstention.answer_probability(
        qa_model, facts, logits, rows, known, said, topic, said_topic
    )
    return GeneralRanking(facts, found, ranked, rows, logits, known, chance, topic, said_topic)


Recorder = Callable[[str, float], None]
recorders: list[Recorder] = []
"""Benchmarks append a function here to see each question's answer probability; nothing
is recorded otherwise."""


def _record(question: str, chance: float) -> None:
    for recorder in recorders:
        recorder(question, chance)
