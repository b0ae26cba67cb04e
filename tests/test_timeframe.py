"""Time in questions: parsing expressions against a fixed "now", filtering by published
date (undated articles counted, never dropped silently), and answers on real components."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from index.library import Library
from index.models import Answer, ArticleInput
from index.timeframe import (
    TimeFilter,
    newest_first,
    parse_timeframe,
    published_at,
    within_window,
)

NOW = datetime(2026, 5, 6, 9, 30, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("question", "rest", "window"),
    [
        ("What did Hertling say this week?", "What did Hertling say?", "4 May 2026 – 10 May 2026"),
        ("What did Hertling say last week?", "What did Hertling say?", "27 Apr 2026 – 3 May 2026"),
        ("What happened today at the pier?", "What happened at the pier?", "6 May 2026"),
        ("What did the mayor say yesterday?", "What did the mayor say?", "5 May 2026"),
        ("What did Marks say in May?", "What did Marks say?", "1 May 2026 – 31 May 2026"),
        ("What did Marks say in December?", "What did Marks say?", "1 Dec 2025 – 31 Dec 2025"),
        ("What did Marks say in May 2024?", "What did Marks say?", "1 May 2024 – 31 May 2024"),
        ("What did Marks say last month?", "What did Marks say?", "1 Apr 2026 – 30 Apr 2026"),
        ("What did Marks say this year?", "What did Marks say?", "1 Jan 2026 – 31 Dec 2026"),
        ("news about the pier since Monday", "news about the pier", "since 4 May 2026"),
        ("What was said on Tuesday about the pier?", "What was said about the pier?",
         "5 May 2026"),
        ("What did Obama say in 2016?", "What did Obama say?", "1 Jan 2016 – 31 Dec 2016"),
        ("news on the pier vote since 2020", "news on the pier vote", "since 1 Jan 2020"),
        ("What happened in the last 3 days?", "What happened?", "since 3 May 2026"),
        ("the pier vote in the past week", "the pier vote", "since 29 Apr 2026"),
        ("What was said on May 4?", "What was said?", "4 May 2026"),
        ("latest on the pier vote", "the pier vote", None),
        ("What are the most recent stories about the ferry?",
         "What are the stories about the ferry?", None),
        ("What has Marsh said recently?", "What has Marsh said?", None),
    ],
)  # fmt: skip
def test_expressions(question: str, rest: str, window: str | None) -> None:
    frame = parse_timeframe(question, NOW)
    assert frame is not None
    assert frame.question == rest
    assert (frame.window.describe() if frame.window else None) == window
    assert frame.newest_first == (window is None)


@pytest.mark.parametrize(
    "question",
    [
        "What did Theresa May say?",
        "What did Hertling say?",
        "today",
        "Who won in 1066?",
        # shapes of the evaluation questions: a date of the event, not of the article
        "Who won the Super Bowl in 2015?",
        "What is the city called today?",
        "What was the most recent Super Bowl hosted in Miami?",
        "Who did the Broncos play in the last week of the regular season?",
        # title words in a topic
        "What did Clinton say about Things Know Today?",
        "What did Kander say about Voters turned droves Tuesday?",
        "What did Clinton say about Latest Trump urges supporters monitor?",
        "What did TODAY/Rock say about Energy guns top young voters?",
    ],
)
def test_no_time_expression(question: str) -> None:
    assert parse_timeframe(question, NOW) is None


def test_published_dates_in_the_shapes_articles_have() -> None:
    assert published_at("2023-09-05") == datetime(2023, 9, 5, tzinfo=UTC)
    assert published_at("2026-05-04T10:00:00+02:00") == datetime(2026, 5, 4, 8, tzinfo=UTC)
    assert published_at("2026-05-04T10:00:00Z") == datetime(2026, 5, 4, 10, tzinfo=UTC)
    assert published_at("Mon, 04 May 2026 10:00:00 GMT") == datetime(2026, 5, 4, 10, tzinfo=UTC)
    assert published_at("September 5, 2023") == datetime(2023, 9, 5, tzinfo=UTC)
    assert published_at("sometime") is None and published_at(None) is None


def test_window_filter_counts_undated_and_newest_first_is_stable() -> None:
    items = [("a", "2026-05-05"), ("b", None), ("c", "2026-04-01"), ("d", "2026-05-06"), ("e", "")]
    frame = parse_timeframe("pier this week", NOW)
    assert frame is not None and frame.window is not None
    inside, undated = within_window(items, lambda i: i[1], frame.window)
    assert [i[0] for i in inside] == ["a", "d"] and [i[0] for i in undated] == ["b", "e"]
    assert [i[0] for i in newest_first(items, lambda i: i[1])] == ["d", "a", "c", "b", "e"]
    time_filter = TimeFilter(frame)
    assert [i[0] for i in time_filter.keep(items, lambda i: i[0], lambda i: i[1])] == ["a", "d"]
    assert time_filter.undated == {"b", "e"} and not time_filter.unapplied

    # an archive without any dates: the window cannot be applied, and the answer says so
    undated_only = TimeFilter(frame)
    assert undated_only.keep(items[1::3], lambda i: i[0], lambda i: i[1]) == items[1::3]
    assert undated_only.unapplied and undated_only.undated == set()
    answer = undated_only.finish(Answer("q", False, (), message="Not found."), "q this week", 5)
    assert answer.message == "Not found." and answer.note is not None
    assert "no publication dates" in answer.note


# --------------------------------------------------------------------------- answers

PIER = [
    ArticleInput(
        id="pier-delay",
        title="Pier vote delayed again",
        source="Harbour Times",
        published="2026-05-05T08:00:00+00:00",
        text=(
            "The council postponed the pier vote for a second time on Tuesday.\n\n"
            '"We need another month to study the repair costs," Councillor Ada Marsh said '
            "after the meeting."
        ),
    ),
    ArticleInput(
        id="pier-approved",
        title="Pier repairs win first approval",
        source="Harbour Times",
        published="2026-04-10",
        text=(
            "The pier repair plan passed its first reading in April.\n\n"
            '"The pier is the heart of this town and it must be saved," Councillor Ada Marsh '
            "said."
        ),
    ),
    ArticleInput(
        id="pier-2025",
        title="Pier closed after storm damage",
        source="Harbour Times",
        published="2025-05-20",
        text=(
            "The pier was closed after a storm tore away part of its deck in May.\n\n"
            '"Nobody should walk on the pier until engineers have checked it," Councillor Ada '
            "Marsh said."
        ),
    ),
    ArticleInput(
        id="pier-undated",
        title="Pier history walk",
        source="Harbour Times",
        text=(
            "A guided walk tells the history of the Victorian pier.\n\n"
            '"Every plank of the pier has a story," Councillor Ada Marsh said at the walk.'
        ),
    ),
]


@pytest.fixture
async def pier_library(library: Library) -> Library:
    await library.ingest(PIER, collection="news")
    library.now = lambda: NOW
    return library


async def test_this_week_quotes_only_this_weeks_article_and_says_undated_were_left_out(
    pier_library: Library,
) -> None:
    answer = await pier_library.ask("What did Ada Marsh say this week?", collections=["news"])
    assert answer.answered and answer.question == "What did Ada Marsh say this week?"
    assert {q.article_id for q in answer.quotes} == {"pier-delay"}
    assert "another month to study the repair costs" in answer.quotes[0].text
    assert answer.note == "1 undated article was not considered for “this week”."
    assert answer.to_json()["note"] == answer.note


async def test_last_month_and_a_named_month(pier_library: Library) -> None:
    answer = await pier_library.ask("What did Ada Marsh say last month?", collections=["news"])
    assert {q.article_id for q in answer.quotes} == {"pier-approved"}
    answer = await pier_library.ask("What did Marsh say in May 2025?", collections=["news"])
    assert {q.article_id for q in answer.quotes} == {"pier-2025"}
    assert answer.quotes[0].published == "2025-05-20"  # the date is shown with the quote


async def test_latest_puts_the_newest_article_first(pier_library: Library) -> None:
    answer = await pier_library.ask("latest on the pier", collections=["news"])
    assert answer.answered and answer.note is None  # nothing is left out for "latest"
    dated = [q.published for q in answer.quotes if q.published]
    assert dated and dated == sorted(dated, reverse=True)
    assert answer.quotes[0].article_id == "pier-delay"


async def test_nothing_in_the_window_says_so(pier_library: Library) -> None:
    answer = await pier_library.ask("What did Ada Marsh say in 2019?", collections=["news"])
    assert not answer.answered
    assert answer.message is not None and "published in 2019" in answer.message
    assert "1 Jan 2019 – 31 Dec 2019" in answer.message
    assert answer.note == "1 undated article was not considered for “in 2019”."


async def test_questions_without_time_are_unchanged(pier_library: Library) -> None:
    answer = await pier_library.ask("What did Ada Marsh say?", collections=["news"])
    assert answer.answered and answer.note is None
    assert "note" not in answer.to_json()
    assert len({q.article_id for q in answer.quotes}) >= 3


def test_the_note_is_shown_on_discord_and_in_the_terminal() -> None:
    from bot.cli import format_answer
    from bot.render import answer_embed, embed_problems
    from index.models import Quote

    note = "2 undated articles were not considered for “this week”."
    empty = Answer("What did Marsh say this week?", False, (), message="Nothing.", note=note)
    assert note in (answer_embed(empty).description or "")
    assert f"Note: {note}" in format_answer(empty)
    quote = Quote(
        "pier-delay", "news", "Pier vote delayed", "Harbour Times", None, "2026-05-05", 2,
        0, 10, "We need another month.", "Ada Marsh", 0.8,
    )  # fmt: skip
    answered = Answer("What did Marsh say this week?", True, (quote,), note=note)
    embed = answer_embed(answered)
    assert note in (embed.footer.text or "") and embed_problems(embed) == []
    assert "<t:1777982400:D>" in (embed.description or "")  # 2026-05-05 as a Discord date


async def test_an_archive_without_dates_is_answered_with_a_note(library: Library) -> None:
    undated = [a for a in PIER if a.published is None]
    await library.ingest(undated, collection="archive")
    library.now = lambda: NOW
    answer = await library.ask("What did Ada Marsh say in 2019?", collections=["archive"])
    assert answer.answered and answer.quotes[0].article_id == "pier-undated"
    assert answer.note is not None and "no publication dates" in answer.note
    assert answer.question == "What did Ada Marsh say in 2019?"


async def test_latest_news_with_no_topic_gives_the_newest_leads(pier_library: Library) -> None:
    answer = await pier_library.ask("What's the latest news?", collections=["news"])
    assert answer.answered and answer.question == "What's the latest news?"
    assert [q.article_id for q in answer.quotes] == [
        "pier-delay", "pier-approved", "pier-2025", "pier-undated"
    ]  # fmt: skip
    lead = answer.quotes[0]
    assert lead.text == "The council postponed the pier vote for a second time on Tuesday."
    assert lead.speaker is None and lead.paragraph == 1
    article = await pier_library.get_article("pier-delay", collections=["news"])
    assert article.text[lead.start : lead.end] == lead.text  # verbatim, with its offsets


async def test_news_of_this_week_with_no_topic_keeps_to_the_week(pier_library: Library) -> None:
    answer = await pier_library.ask("Any news this week?", collections=["news"])
    assert [q.article_id for q in answer.quotes] == ["pier-delay"]
    assert answer.note == "1 undated article was not considered for “this week”."
    empty = await pier_library.ask("Any news last week?", collections=["news"])
    assert not empty.answered and "published" in (empty.message or "")


def test_only_topicless_questions_ask_for_the_leads() -> None:
    from index.qa.headlines import asks_for_news_only

    assert asks_for_news_only("What's the news?") and asks_for_news_only("any news?")
    assert not asks_for_news_only("the pier vote")
    assert not asks_for_news_only("What did Hertling say?")
