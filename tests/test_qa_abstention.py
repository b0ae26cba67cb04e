"""Abstention on questions about people or things that no indexed article mentions, and
answers (with the expected answer type) on those it does."""

from __future__ import annotations

import pytest

from index.library import Library
from tests.articles import HARBOR, ORCHARD


@pytest.fixture
async def news(library: Library) -> Library:
    await library.ingest([HARBOR, ORCHARD], collection="global")
    return library


@pytest.mark.parametrize(
    "question",
    [
        "What did Schwarzenegger say about the bridge?",
        "Why is Kim going to Russia?",
        "When did the Eiffel Tower open?",
        "How many people attended the Glastonbury Festival?",
        "Who won the Super Bowl?",
    ],
)
async def test_questions_about_people_or_things_no_article_mentions_abstain(
    news: Library, question: str
) -> None:
    answer = await news.ask(question, collections=["global"])
    assert not answer.answered, answer.quotes[0].text if answer.quotes else ""
    assert answer.message


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When will the Harbor Bridge close?", "April 1"),
        ("How often will the extra ferries run?", "every fifteen minutes"),
        ("When were the bridge cables installed?", "1962"),
        ("Who runs a bakery near the bridge?", "Owen Pratt"),
    ],
)
async def test_questions_the_articles_answer_are_answered(
    news: Library, question: str, expected: str
) -> None:
    answer = await news.ask(question, collections=["global"])
    assert answer.answered
    assert any(expected in quote.text for quote in answer.quotes[:2])
