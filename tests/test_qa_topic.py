"""What a question asks about, beside the names it gives: the abstention features that
read it (``best_topic_share``, ``topic_known``, ``said_topic``)."""

from __future__ import annotations

from index.library import Library
from index.qa import candidates, features, pool
from index.qa.pipeline import rank_pool
from index.qa.scope import Scope
from tests.articles import HARBOR, ORCHARD


def test_topic_words_leave_out_the_names_and_possessives() -> None:
    facts = features.QuestionFacts.of("How tall is Donald Trump's yacht?")
    assert facts.topic == ("tall", "yacht")
    facts = features.QuestionFacts.of("What did Marco Rubio say about the price of maple syrup?")
    assert facts.topic == ("price", "maple", "syrup")


def test_time_words_are_not_a_topic() -> None:
    assert [w for w in ("2019", "monday", "yesterday", "milk") if features.is_time_word(w)] == [
        "2019",
        "monday",
        "yesterday",
    ]


async def test_topic_words_found_in_the_collection(library: Library) -> None:
    await library.ingest([HARBOR, ORCHARD], collection="global")
    store = library.store
    _, known = await candidates.known_shares(store, (), ["ferries", "syrup"], ["global"])
    assert known == 0.5
    assert await candidates.known_shares(store, (), [], ["global"]) == (1.0, 1.0)


async def test_what_someone_said_about_something_else_has_no_topic_share(
    library: Library,
) -> None:
    await library.ingest([HARBOR, ORCHARD], collection="global")

    async def said_topic(question: str) -> float:
        vector = library.embedder.encode([question])[0]
        dimension = library.embedder.dimension
        scope = Scope(library.store, library._indexes, vector, ["global"], dimension)
        result = await rank_pool(scope, question)
        assert pool.said(result.person) == "statement"
        return result.general.said_topic

    assert await said_topic("What did Whitfield say about the price of maple syrup?") == 0.0
    assert await said_topic("What did Whitfield say about patching the cables?") == 1.0
    assert await said_topic("What did Whitfield say in 2019?") == 1.0
