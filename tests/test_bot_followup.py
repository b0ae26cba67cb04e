"""Follow-up rewriting, stored answers (bounded, pruned), Discord-only wording: unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import format_answer
from bot.cogs.articles import choice_label
from bot.render import discord_date, for_discord, paragraphs_of, plural
from index.config import Settings
from index.conversations import Conversations, ShownAnswer
from index.followup import (
    NOTHING_NEW,
    answer_speaker,
    is_more,
    is_small_talk,
    is_thanks,
    rewrite,
    without_shown,
)
from index.library import Library
from index.models import Answer, ArticleInput, Citation, Quote
from index.store import Store


def _quote(n: int, speaker: str | None = "Lena Okafor", article: str = "a") -> Quote:
    return Quote(
        article_id=article,
        collection="guild:1",
        title="Ferry",
        source="Harbour Times",
        url=None,
        published="2024-03-04",
        paragraph=n,
        start=n * 100,
        end=n * 100 + 50,
        text=f"Quote number {n}.",
        speaker=speaker,
        score=0.5,
        also_in=(Citation("b", "Ferry copy", None, None, None, n),),
    )


@pytest.mark.parametrize("text", ["thanks!", "Thank you so much", "lol", "😂", "👍", "ok cool"])
def test_small_talk_is_not_a_question(text: str) -> None:
    assert is_small_talk(text)


@pytest.mark.parametrize(
    "text", ["What did he say?", "Tell me more", "who is Marks", "thanks, but why?"]
)
def test_questions_are_not_small_talk(text: str) -> None:
    assert not is_small_talk(text)


def test_rewrite_resolves_pronouns_and_more() -> None:
    previous = "How was the wheat harvest?"
    assert rewrite("What else did he say?", speaker="Marks", previous_question=previous) == (
        "What did Marks say?"
    )
    assert rewrite("What did she say about the engines?", speaker="Okafor", previous_question="")
    assert rewrite("Tell me more", speaker=None, previous_question=previous) == previous
    assert rewrite("more please", speaker="Marks", previous_question=previous) == (
        "What did Marks say?"
    )
    assert rewrite("What did he say?", speaker=None, previous_question=previous) == (
        "What did he say?"
    )
    assert is_more("What else?") and is_more("go on") and not is_more("What else did he do?")
    assert is_thanks("thx!") and not is_thanks("lol")


def test_speaker_of_an_answer() -> None:
    assert answer_speaker(Answer("What did Marks say?", True, ())) == "Marks"
    answer = Answer("What was said about ferries?", True, (_quote(1), _quote(2, None)))
    assert answer_speaker(answer) == "Lena Okafor"
    assert answer_speaker(Answer("Ferries?", True, (_quote(1, None), _quote(2, None)))) is None


def test_without_shown_drops_overlapping_quotes_only() -> None:
    answer = Answer("q", True, (_quote(1), _quote(2), _quote(3, article="z")))
    shown = [("guild:1", "a", 120, 130)]  # inside quote 1
    kept = without_shown(answer, shown, limit=5)
    assert [q.paragraph for q in kept.quotes] == [2, 3]
    assert without_shown(answer, shown, limit=1).quotes == (_quote(2),)
    everything = [("guild:1", "a", 0, 1000), ("guild:1", "z", 0, 1000)]
    nothing = without_shown(answer, everything, limit=5)
    assert not nothing.answered and nothing.message == NOTHING_NEW


async def test_stored_answers_round_trip_and_are_bounded_and_pruned(tmp_path: Path) -> None:
    store = await Store.open(Settings(data_dir=tmp_path).database_path)
    try:
        conversations = Conversations(store, keep=3)
        answer = Answer("What did Okafor say?", True, tuple(_quote(n) for n in range(1, 6)))
        shown = await conversations.remember(
            ShownAnswer(answer, ("guild:1", "global"), asker="7", speaker="Okafor", shown=3),
            now=1000.0,
        )
        await conversations.link(shown.id, "555")
        loaded = await conversations.by_ref("555")
        assert loaded is not None and loaded.answer == answer and loaded.speaker == "Okafor"
        assert loaded.collections == ("guild:1", "global") and loaded.asker == "7"
        assert loaded.seen() == [("guild:1", "a", n * 100, n * 100 + 50) for n in (1, 2, 3)]
        assert loaded.article_ids == ["a"]
        loaded = await conversations.mark_shown(loaded, 6)
        assert (await conversations.get(shown.id)).shown == 5  # type: ignore[union-attr]

        for n in range(3):  # only the newest 3 are kept
            await conversations.remember(ShownAnswer(answer, ("g",)), now=2000.0 + n)
        assert await conversations.get(shown.id) is None
        assert await conversations.prune(100, now=2101.5) == 2  # older than 100 s
        assert await conversations.prune(100, now=2101.5) == 0
        assert await conversations.prune(0, now=1e12) == 1  # none left...
        newest = await conversations.remember(ShownAnswer(answer, ("g",)))
        assert newest.id > shown.id + 3  # ...yet an id is never given twice (old buttons)
    finally:
        await store.close()


def test_discord_wording() -> None:
    assert discord_date("2023-09-05") == "<t:1693915200:D>"
    assert discord_date("2023-09-05T08:00:00+00:00") == "<t:1693900800:D>"
    assert discord_date("last spring") == "last sprin"
    assert plural(1, "passage") == "1 passage" and plural(2, "article") == "2 articles"
    messages = [
        "No article with id 'x' here; list them with /articles or `newsbot articles`.",
        "the article is 400,000 characters long; the limit is 300,000 "
        "(NEWSBOT_MAX_ARTICLE_CHARS). Split it or raise the limit.",
        "The articles were embedded with a, but the configured model is b. Run `newsbot "
        "reindex` (or /reindex) to re-embed them, or set NEWSBOT_MODEL back.",
    ]
    for message in messages:
        shown = for_discord(message)
        assert "newsbot " not in shown and "NEWSBOT_" not in shown, shown
    assert for_discord(messages[0]).endswith("list them with /articles.")


def test_autocomplete_labels_are_cut_cleanly() -> None:
    label = choice_label("A headline about the harbour " * 5, "harbour-report-abc123")
    assert len(label) <= 100 and label.endswith(" (harbour-report-abc123)")
    assert "…" in label and not label.split(" (")[0].rstrip("…").endswith(" ")
    assert choice_label("Short", "x" * 95) == "x" * 95


FERRY = "\n\n".join(
    [
        "The night ferry will run again from May, the harbour authority announced on Tuesday.",
        '"Shift workers asked for it for years," said Lena Okafor, the authority\'s director.',
        "Okafor said the first crossing would leave the north pier at eleven at night.",
        '"We bought two quieter engines so the neighbours can sleep," Okafor said.',
        "Tickets will cost the same as daytime fares, according to the timetable.",
        '"Cyclists can bring their bikes on board for free," said Okafor.',
        "Okafor added that a café on deck would stay open until midnight.",
        '"If people use it, we will add a second boat next spring," she said.',
    ]
)


async def test_a_quote_over_paragraphs_cites_where_it_begins(library: Library) -> None:
    await library.ingest([ArticleInput(title="Night ferry returns", text=FERRY)], collection="g")
    answer = await library.ask("What did Okafor say?", collections=["g"], limit=15)
    assert answer.answered
    for quote in answer.quotes:
        first = FERRY[: quote.start].count("\n\n") + 1
        assert quote.paragraph == first, (quote.paragraph, quote.text)
        last = first + quote.text.strip().count("\n\n")
        label = f"¶{first}" if last == first else f"¶{first}–{last}"
        assert paragraphs_of(quote) == label
        assert (
            format_answer(Answer("q", True, (quote,))).count(
                f"paragraph {first}" if last == first else f"paragraphs {first}–{last}"
            )
            == 1
        )
    assert any("–" in paragraphs_of(quote) for quote in answer.quotes)
