"""One ranking for every candidate: general passages and a named person's statements
compete, scored by the shipped pool model (real model, real SQLite, hand-written news)."""

from __future__ import annotations

import numpy as np
import pytest

from index.library import Library
from index.models import ArticleInput
from index.qa import features, model, pool
from index.qa.pipeline import rank_pool
from index.qa.scope import Scope

VISIT = ArticleInput(
    id="kim-visit",
    title="Mayor to visit Russian port city next week",
    source="Harbor Times",
    published="2026-05-04",
    text=(
        "Mayor Alan Kim will travel to Russia next week to sign a shipping agreement that "
        "would open a direct ferry route between the two ports.\n\n"
        '"We have waited eleven years for this handshake, and I am proud to finally make '
        'the trip," Kim told reporters on Monday.\n\n'
        "The council approved the trip last month. Opposition councillor Rita Gomez said "
        "the visit was a waste of public money.\n\n"
        "The agreement still needs the approval of the regional government."
    ),
)
BUDGET = ArticleInput(
    id="city-budget",
    title="City budget passes after a long night",
    source="Harbor Times",
    published="2026-04-20",
    text=(
        "The city council passed next year's budget at two in the morning after nine hours "
        "of debate.\n\n"
        '"Nobody got everything they wanted, which is how a budget should feel," said '
        "Finance Director Priya Natarajan.\n\n"
        "The budget sets aside $4 million for road repairs and $1.2 million for the harbor."
    ),
)

TALKS = ArticleInput(
    id="river-talks",
    title="River treaty talks end without a deal",
    source="Harbor Times",
    published="2026-05-06",
    text=(
        "Two days of talks on sharing the river's water ended on Wednesday without an "
        "agreement.\n\n"
        '"Both sides understand each other better, and that is progress," a Foreign Ministry '
        "spokesman said after the last session.\n\n"
        "Farmers downstream say the dry summer has already cut their harvest."
    ),
)


@pytest.fixture
async def news(library: Library) -> Library:
    await library.ingest([VISIT, BUDGET, TALKS], collection="global")
    return library


async def test_a_question_naming_someone_gets_the_answer_not_their_quote(news: Library) -> None:
    answer = await news.ask("Why is Kim going to Russia?", collections=["global"])
    assert answer.answered
    # the answer first; the quote may run on into what Kim said next (unlabelled)
    assert answer.quotes[0].text.startswith("Mayor Alan Kim will travel to Russia")
    assert answer.quotes[0].speaker is None


async def test_a_question_asking_what_someone_said_gets_their_statement(news: Library) -> None:
    answer = await news.ask("What did Kim say?", collections=["global"])
    assert answer.answered
    assert "We have waited eleven years" in answer.quotes[0].text
    assert answer.quotes[0].speaker is not None
    assert "Kim" in answer.quotes[0].speaker
    assert all("Gomez" not in (q.speaker or "") for q in answer.quotes)


async def test_a_role_question_gets_the_role_holders_statement(news: Library) -> None:
    answer = await news.ask("What did the finance director say?", collections=["global"])
    assert answer.answered
    assert "Nobody got everything" in answer.quotes[0].text
    assert answer.quotes[0].speaker == "Priya Natarajan"


async def test_an_organisation_speaks_through_its_unnamed_spokesman(news: Library) -> None:
    answer = await news.ask("What did the Foreign Ministry say?", collections=["global"])
    assert answer.answered
    assert "that is progress" in answer.quotes[0].text
    assert answer.quotes[0].speaker == "the Foreign Ministry"


async def test_statements_and_passages_share_one_ranking(news: Library) -> None:
    """A speech question pools Kim's statement, marked as what was asked, with the
    retrieved passages, all in one order; a question only naming Kim marks nothing as
    asked, and a statement whose passage retrieval found is not pooled twice."""
    column = {name: i for i, name in enumerate(pool.POOL_FEATURES)}
    results = {}
    for question in ("What did Kim say?", "Why is Kim going to Russia?"):
        vector = np.asarray(news.embedder.encode([question]))[0]
        scope = Scope(news.store, news._indexes, vector, ["global"], news.embedder.dimension)
        result = await rank_pool(scope, question)
        logits = model.load_pool().rank.logits([c.row for c in result.ranked])
        assert [c.logit for c in result.ranked] == sorted(logits.tolist(), reverse=True)
        results[question] = result.ranked
    said = results["What did Kim say?"]
    assert {"general", "statement"} <= {c.origin for c in said}
    statement = next(c for c in said if c.origin == "statement")
    assert statement.asked and statement.row[column["said_statement"]] == 1.0
    assert said[0] is statement
    named = results["Why is Kim going to Russia?"]
    assert not any(c.asked or c.row[column["said_statement"]] for c in named)
    assert statement.passage.id in {c.passage.id for c in named if c.origin == "general"}
    assert not any(c.origin == "statement" and c.passage.id == statement.passage.id for c in named)


def test_the_pool_model_weighs_what_was_asked() -> None:
    """With the same passage, the shipped model ranks the first statement of the person a
    question asks about far above a retrieved passage, and a statement of someone the
    question only names no higher than that (learned weights, checked here so that a
    retrain cannot lose them)."""
    rank = model.load_pool().rank
    assert rank.features == pool.POOL_FEATURES
    column = {name: i for i, name in enumerate(pool.POOL_FEATURES)}
    passage = [0.5, 0.5, 0.5, 0.3, 0.2, 0.2, 0.5, 1.0, 0.0, 0.0, 0.6, 1.0]
    assert len(passage) == len(features.RANK_FEATURES)
    general = [*passage, pool.hand_score(passage), 0.0, 0.0, 0.0, 0.0, 0.0]
    asked, named = list(general), list(general)
    asked[column["said_statement"]] = asked[column["said_order"]] = 1.0
    named[column["named_statement"]] = named[column["named_order"]] = 1.0
    general_logit, asked_logit, named_logit = rank.logits([general, asked, named])
    assert asked_logit > general_logit + 2 * model.load_pool().keep_margin
    assert named_logit < general_logit + model.load_pool().keep_margin
