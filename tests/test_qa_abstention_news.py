"""Abstention on general news questions (issue #8): a question about a person, an office,
a place or an event that no article mentions, or about what a named person said on a subject they
never spoke of, abstains, even when the statements of *some* person or office are found;
the questions the articles do answer are still answered (real model, real SQLite,
hand-written articles)."""

from __future__ import annotations

import pytest

from index.library import Library
from index.models import ArticleInput
from index.qa.features import asks_only_said
from tests.articles import HARBOR, ORCHARD

SUMMIT = ArticleInput(
    id="port-summit",
    title="President Lund opens the northern port summit",
    source="Harbor Times",
    published="2026-05-11",
    text=(
        "President Maria Lund opened the northern port summit in Tallbay on Tuesday, "
        "promising new money for dredging and rail links to the docks.\n\n"
        '"Our ports carried the country through the last recession, and they will carry '
        'it through the next one," Lund told delegates.\n\n'
        "Finance Minister Oskar Berg said the government would set aside 300 million "
        "crowns for the rail links over five years.\n\n"
        "Dock workers' union leader Ines Moll said the plan came too late for the 400 "
        "workers laid off in March."
    ),
)


@pytest.fixture
async def news(library: Library) -> Library:
    await library.ingest([HARBOR, ORCHARD, SUMMIT], collection="global")
    return library


@pytest.mark.parametrize(
    "question",
    [
        # an office the articles have (a finance minister, a president), of a country
        # no article mentions: that office holder's statements are no answer
        "What did the Brazilian finance minister say about taxes?",
        "What did the French president say about pensions?",
        "What did the Japanese prime minister say about the yen?",
        # people the articles quote, on subjects no article mentions
        "What did Maria Lund say about the Toronto Raptors?",
        "What did Dana Whitfield say about the Winnipeg Jets?",
        # events, places and dates no article mentions
        "How big is the Fort Nelson fire?",
        "When is Black History Month?",
        "Who won the Stanley Cup?",
        "What did Schwarzenegger say about the bridge?",
        "Why is Kim going to Russia?",
        "When did the Eiffel Tower open?",
        "How many people attended the Glastonbury Festival?",
        "Who won the Super Bowl?",
    ],
)
async def test_news_questions_the_articles_cannot_answer_abstain(
    news: Library, question: str
) -> None:
    answer = await news.ask(question, collections=["global"])
    assert not answer.answered, answer.quotes[0].text if answer.quotes else ""
    assert answer.message


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did the finance minister say?", "300 million"),
        ("What did the president say?", "Maria Lund"),
        ("What did President Lund say about the ports?", "Our ports carried"),
        ("What did the union leader say?", "too late"),
        ("What did Whitfield say?", "patching cables"),
        ("How many workers were laid off in March?", "400"),
        ("Where was the port summit held?", "Tallbay"),
        ("When will the Harbor Bridge close?", "April 1"),
        ("How often will the extra ferries run?", "every fifteen minutes"),
        ("When were the bridge cables installed?", "1962"),
        ("Who runs a bakery near the bridge?", "Owen Pratt"),
    ],
)
async def test_news_questions_the_articles_answer_are_answered(
    news: Library, question: str, expected: str
) -> None:
    answer = await news.ask(question, collections=["global"])
    assert answer.answered, answer.message
    assert any(expected in quote.text for quote in answer.quotes[:2])


@pytest.mark.parametrize(
    ("question", "bare"),
    [
        ("What did Whitfield say?", True),
        ("What has the Foreign Ministry said?", True),
        ("What did Whitfield say about the cables?", False),
        ("Who said the bridge would close?", False),
        ("What did the essay argue?", False),
    ],
)
def test_a_question_asking_only_what_someone_said(question: str, bare: bool) -> None:
    assert asks_only_said(question) is bare
