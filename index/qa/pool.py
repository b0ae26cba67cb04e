"""One candidate pool per question: general passages and a named person's statements.

A question is answered from one ranking. Its candidates are the passages found by hybrid
retrieval (:func:`index.qa.candidates.general_candidates`) plus, when the question names
a person, a role or an organisation, that speaker's attributed statements (and, when it
asks what they said, the passages naming them) found by
:func:`index.qa.candidates.person_statements` / :func:`~index.qa.candidates.role_statements`.

Every candidate gets one feature row (:data:`POOL_FEATURES`): the general features of
its passage (:func:`index.qa.features.candidate_features`), the previous hand-set score
of general answers, and the person features, which depend on whether the question asks
what someone *said* (speech verbs: "What did Kim say?", "What did the finance minister
announce?"):

* ``said_statement`` / ``said_mention``: the candidate is a statement attributed to the
  person asked about / a passage naming them, and the question asks what they said;
* ``said_order``: the person's own ordering of their statements
  (:func:`index.answer.rank_statements`, article by the question's topic first), as
  ``1 / (1 + position)``, when the question asks what they said;
* ``named_statement`` / ``named_order``: the same for a question that names the person
  without asking what they said ("Why is Kim going to Russia?"): their statements compete,
  with whatever weight the training data gives them.

The learned model (:mod:`index.qa.model`, ``pool_model.json``) turns a row into a score;
the candidates are ordered by it (see :func:`order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index import answer as answering
from index.qa import candidates, features
from index.qa.model import Linear
from index.qa.routing import Route, complete_name
from index.qa.scope import Scope
from index.search import Candidate, content_words, pair_coverage, word_coverage
from index.store import StoredPassage

HAND_WEIGHTS = {"dense": 1.0, "coverage": 0.8, "keyword": 0.3, "phrases": 0.3}
"""The hand-set general ranking (cosine + 0.8 coverage + 0.3 BM25 + 0.3 word pairs)."""

PERSON_FEATURES = (
    "hand",
    "said_statement",
    "said_mention",
    "said_order",
    "named_statement",
    "named_order",
)
POOL_FEATURES = (*features.RANK_FEATURES, *PERSON_FEATURES)
"""The features of one pooled candidate, in the order the pool model's weights use."""

MAX_NAMED_ENTITIES = 2
"""A question that names people without asking what they said pools the statements of at
most this many of its named entities."""


@dataclass
class PoolCandidate:
    """One candidate answer: a span of an article, where it came from, and its features."""

    article_pk: int
    start: int
    end: int
    passage: StoredPassage
    origin: str
    """``general`` (hybrid retrieval), ``statement`` (attributed to the person asked
    about) or ``mention`` (a passage naming them)."""
    speaker: str | None
    dense: float
    row: list[float]
    asked: bool = False
    """Whether this is a statement of (or passage naming) the person the question asks
    what they said: quoted as found, not grown like other candidates."""
    logit: float = 0.0

    @property
    def personal(self) -> bool:
        return self.origin != "general"


@dataclass
class PersonFound:
    """The person candidates of a question and whether it asks what they said."""

    asks_said: bool
    found: candidates.PersonCandidates | None
    ranked: list[answering.ScoredStatement]
    topic: tuple[str, ...] = ()
    """What the question asks about them: its words outside the person's name or office
    (other names included: "the Toronto Raptors")."""


async def person_candidates(scope: Scope, question: str, routed: Route) -> PersonFound:
    """The statements of the person, office or organisation a question names.

    A question asking what someone said tries, in order, the names it gives, a cut-short
    name completed to the one speaker it begins, and the office (first, for a lower-case
    office such as "the finance minister"); the first that finds statements or passages
    naming the speaker is pooled. A question naming people without asking what they said
    pools only their attributed statements (no mentions: those come from retrieval)."""
    asks = bool(routed.names or routed.role)
    if not asks:
        names = [
            e for e in features.named_entities(question) if answering.speaker_key(e).isalpha()
        ][:MAX_NAMED_ENTITIES]
        if not names:
            return PersonFound(False, None, [])
        topic = answering.topic_words(question, names)
        found = await candidates.person_statements(scope, names, topic, mentions=False)
        return PersonFound(False, found, _ranked(found, topic))

    async def by_name(names: Sequence[str]) -> tuple[candidates.PersonCandidates | None, list]:
        topic = answering.topic_words(question, names)
        return await candidates.person_statements(scope, names, topic), topic

    async def by_role() -> tuple[candidates.PersonCandidates | None, list]:
        topic = [w for w in routed.topic if w not in routed.role]
        return await candidates.role_statements(scope, routed.role), topic

    async def by_completed_name() -> tuple[candidates.PersonCandidates | None, list]:
        completed = await complete_name(scope.store, routed.names, scope.collections)
        return (None, []) if completed is None else await by_name([completed])

    steps = []
    if routed.role and routed.role_first:
        steps.append(by_role)
    if routed.names:
        steps += [lambda: by_name(routed.names), by_completed_name]
    if routed.role and not routed.role_first:
        steps.append(by_role)
    for step in steps:
        found, topic = await step()
        ranked = _ranked(found, topic)
        if ranked:
            return PersonFound(True, found, ranked, tuple(topic))
    return PersonFound(True, None, [])


def _ranked(
    found: candidates.PersonCandidates | None, topic: Sequence[str]
) -> list[answering.ScoredStatement]:
    if found is None:
        return []
    return answering.rank_statements(found.statements, found.titles, topic)


def said(person: PersonFound) -> str | None:
    """For a question asking what someone said: ``"statement"`` when statements
    attributed to them were found, ``"mention"`` when only passages naming them were;
    else ``None`` (an abstention feature, :data:`index.qa.features.QUESTION_FEATURES`)."""
    if not person.asks_said or not person.ranked:
        return None
    return "statement" if any(s.kind != "mention" for s in person.ranked) else "mention"


SAID_TOPIC_STATEMENTS = 10
"""How many of the person's first statements :func:`said_topic` reads."""


def said_topic(person: PersonFound) -> float:
    """For a question asking what someone said whose statements were found: the largest
    share of what it asks about them (:attr:`PersonFound.topic`) that one of their first
    statements holds, with its article's title; else 1.0 (an abstention feature). Words
    naming a time are left out: the statements rarely repeat their date."""
    if said(person) is None:
        return 1.0
    topic = [w for w in person.topic if not features.is_time_word(w)]
    statements = [s for s in person.ranked if s.kind != "mention"] or person.ranked
    return max(
        features.share_found(topic, f"{s.passage.title}\n{s.passage.text}")
        for s in statements[:SAID_TOPIC_STATEMENTS]
    )


_HAND_COLUMNS = [
    (features.RANK_FEATURES.index(name), weight) for name, weight in HAND_WEIGHTS.items()
]


def hand_score(row: Sequence[float]) -> float:
    """The previous hand-set score of a general feature row."""
    return sum(weight * row[column] for column, weight in _HAND_COLUMNS)


def build(
    facts: features.QuestionFacts,
    general: Sequence[Candidate],
    general_rows: Sequence[Sequence[float]],
    passages: dict[int, StoredPassage],
    person: PersonFound,
) -> list[PoolCandidate]:
    """The pooled candidates with their feature rows (general ones first, then the
    person's in their own order). A statement of someone the question names without
    asking what they said is pooled only when retrieval did not find its passage."""
    pool: list[PoolCandidate] = []
    general_by_passage: dict[int, Candidate] = {}
    for candidate, row in zip(general, general_rows, strict=True):
        passage = passages[candidate.passage_id]
        general_by_passage.setdefault(candidate.passage_id, candidate)
        pool.append(
            PoolCandidate(
                passage.article_pk,
                passage.start,
                passage.end,
                passage,
                "general",
                None,
                candidate.dense,
                [*row, hand_score(row), 0.0, 0.0, 0.0, 0.0, 0.0],
            )
        )
    words = content_words(facts.question)
    for position, statement in enumerate(person.ranked):
        passage = statement.passage
        known = general_by_passage.get(passage.id)
        if known is not None and not person.asks_said:
            continue  # retrieval found its passage: that candidate stands for it
        row = features.candidate_features(
            facts,
            passage.text,
            dense=statement.score,
            coverage=word_coverage(words, passage.text),
            keyword=known.keyword if known else 0.0,
            phrases=pair_coverage(facts.question, passage.text),
            dense_rank=known.dense_rank if known else None,
            keyword_rank=known.keyword_rank if known else None,
            speaker_named=statement.kind != "mention",
        )
        is_statement = statement.kind != "mention"
        order = 1.0 / (1 + position)
        asks = person.asks_said
        pool.append(
            PoolCandidate(
                statement.article_pk,
                statement.start,
                statement.end,
                passage,
                "statement" if is_statement else "mention",
                statement.speaker,
                statement.score,
                [
                    *row,
                    hand_score(row),
                    float(asks and is_statement),
                    float(asks and not is_statement),
                    order if asks else 0.0,
                    float(not asks and is_statement),
                    0.0 if asks else order,
                ],
                asked=asks,
            )
        )
    return pool


def order(pool: list[PoolCandidate], model: Linear) -> list[PoolCandidate]:
    """The pool best first by the model's score (ties: person order, then passage id)."""
    logits = model.logits([c.row for c in pool]).tolist()
    for candidate, logit in zip(pool, logits, strict=True):
        candidate.logit = logit
    return sorted(
        pool,
        key=lambda c: (-c.logit, not c.personal, c.passage.id, c.start),
    )


def chosen(ranked: Sequence[PoolCandidate], margin: float, asks_said: bool) -> list[PoolCandidate]:
    """The candidates to quote: those scored within ``margin`` of the best. For a question
    asking what someone said whose statements were found, every one of them (in the
    ranking's order) and, before them, only the other candidates the ranking puts above
    all of them: their statements are the answer unless the model prefers something else."""
    if not ranked:
        return []
    best = ranked[0].logit
    if asks_said and any(c.personal for c in ranked):
        first = next(c.logit for c in ranked if c.personal)
        return [c for c in ranked if c.personal or c.logit >= max(first, best - margin)]
    return [c for c in ranked if c.logit >= best - margin]
