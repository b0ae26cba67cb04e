"""Unit tests of the Discord front end's pure parts: rendering limits, settings, factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.checks import Cooldowns
from bot.client import create_bot, run_bot
from bot.config import BotSettings, ConfigError
from bot.render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    answer_embed,
    articles_embed,
    embed_problems,
    ingest_message,
    page_count,
    sources_embed,
    stats_embed,
    trim,
)
from index.config import Settings
from index.errors import NewsbotError
from index.models import (
    Answer,
    Article,
    Citation,
    IngestedArticle,
    IngestFailure,
    IngestReport,
    Quote,
    Stats,
)
from tests.bot_helpers import plain

LONG_SENTENCE = "The minister said the talks would continue next week in Geneva. "


def _quote(number: int, text: str, **extra: object) -> Quote:
    fields: dict[str, object] = {
        "article_id": f"article-{number}",
        "collection": "guild:1",
        "title": f"Title {number}",
        "source": "Outlet",
        "url": f"https://example.com/{number}",
        "published": "2024-01-02",
        "paragraph": 3,
        "start": 0,
        "end": len(text),
        "text": text,
        "speaker": "Jane Doe",
        "score": 0.9,
    }
    fields.update(extra)
    return Quote(**fields)  # type: ignore[arg-type]


def test_trim_cuts_at_sentence_or_word_boundary_without_changing_words() -> None:
    text = LONG_SENTENCE * 10
    cut = trim(text, 150)
    assert len(cut) <= 150 and cut.endswith("…")
    assert text.startswith(cut.removesuffix("…").rstrip())
    assert cut.removesuffix(" …").endswith("Geneva.")  # a whole sentence
    words = "alpha beta gamma delta epsilon " * 20
    cut = trim(words, 43)
    kept = cut.removesuffix("…")
    assert len(cut) <= 43 and words.startswith(kept) and words[len(kept)] == " "
    assert trim("short", 10) == "short"


def test_oversize_answer_stays_within_every_discord_limit() -> None:
    huge = ("word " * 3000).strip()
    copies = tuple(
        Citation(f"copy-{i}", "Copy " * 80, "Outlet " * 40, "https://x.org/" + "p" * 600, None, 1)
        for i in range(8)
    )
    quotes = tuple(
        _quote(
            i,
            f"**bold** @everyone <@123456789012345678> {huge}",
            title="T" * 500,
            source="S" * 500,
            speaker="Speaker " * 100,
            also_in=copies,
            url="https://example.com/" + "a" * 2000 if i % 2 else None,
        )
        for i in range(15)
    )
    answer = Answer(question="Q" * 1000, answered=True, quotes=quotes)
    assert page_count(answer) == 5
    for page in range(page_count(answer)):
        embed = answer_embed(answer, page)
        assert embed_problems(embed) == [], page
        assert len(embed) <= EMBED_TOTAL_LIMIT
        shown = plain(embed.description)
        assert f"[{page * 3 + 1}]" in shown and f"[{page * 3 + 3}]" in shown
        assert "@everyone <@123456789012345678> word word" in shown  # words kept, shown as typed
        assert "…" in shown
        assert "\\*\\*bold\\*\\*" in (embed.description or "")  # Markdown shown literally
        assert "@everyone" not in (embed.description or "")  # mentions are defused
    sources = sources_embed(answer)
    assert embed_problems(sources) == []


def test_not_found_is_the_library_message_without_quotes() -> None:
    answer = Answer("Who won?", False, (), "I couldn't find that in the indexed articles.")
    embed = answer_embed(answer)
    assert embed.description == "I couldn't find that in the indexed articles."
    assert "[1]" not in (embed.description or "")


def test_other_embeds_and_messages_stay_within_limits() -> None:
    articles = [
        Article(
            "id-" + "x" * 200,
            "guild:1",
            "Title " * 100,
            "text",
            "https://e.com/" + "u" * 300,
            "Outlet " * 50,
            None,
            "2024-01-01",
            "1234",
            "2024-01-01T00:00:00",
            3,
        )
        for _ in range(10)
    ]
    embed = articles_embed(articles, page=0, pages=3, total=30)
    assert embed_problems(embed) == [] and len(embed.description or "") <= DESCRIPTION_LIMIT
    assert "<@1234>" in (embed.description or "")  # shown as the user, never pinged
    stats = Stats(3, 30, {f"guild:{i}": i for i in range(500)}, "model", 384, 30, 10**6)
    assert embed_problems(stats_embed(stats, {})) == []
    report = IngestReport(
        ingested=[IngestedArticle(f"id-{i}", "T" * 300, 4, "added") for i in range(50)],
        failures=[IngestFailure("f" * 300, "r" * 900) for _ in range(50)],
    )
    message = ingest_message(report)
    assert len(message) <= CONTENT_LIMIT and message.endswith("more")


def test_cooldowns() -> None:
    now = [100.0]
    cooldowns = Cooldowns(clock=lambda: now[0])
    assert cooldowns.retry_after("ask", 1, 5) == 0
    assert cooldowns.retry_after("ask", 1, 5) == pytest.approx(5)
    assert cooldowns.retry_after("ask", 2, 5) == 0  # per user
    assert cooldowns.retry_after("ingest", 1, 5) == 0  # per bucket
    now[0] += 5
    assert cooldowns.retry_after("ask", 1, 5) == 0
    assert cooldowns.retry_after("ask", 1, 0) == 0
    # Checking does not charge; charging does.
    assert cooldowns.left("ask", 3) == 0 and cooldowns.left("ask", 3) == 0
    cooldowns.charge("ask", 3, 5)
    assert cooldowns.left("ask", 3) == pytest.approx(5)


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv("NEWSBOT_ASK_COOLDOWN", "7")
    monkeypatch.setenv("NEWSBOT_DEV_GUILD", "42")
    monkeypatch.setenv("NEWSBOT_ADMIN_ROLE", "Editors")
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    settings = BotSettings.from_env()
    assert (settings.token, settings.ask_cooldown, settings.dev_guild) == ("abc", 7, 42)
    assert settings.ingest_cooldown == 20 and settings.max_upload_bytes == 2_000_000
    assert settings.reindex_cooldown == 600
    monkeypatch.setenv("NEWSBOT_REINDEX_COOLDOWN", "60")
    settings = BotSettings.from_env()
    assert settings.reindex_cooldown == 60
    bot = create_bot()  # from the environment, without logging in
    assert bot.bot_settings == settings and bot.settings.data_dir == tmp_path / "data"
    assert bot.intents.message_content
    assert bot.allowed_mentions is not None
    assert bot.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()
    monkeypatch.setenv("NEWSBOT_ASK_COOLDOWN", "soon")
    with pytest.raises(ConfigError, match="NEWSBOT_ASK_COOLDOWN"):
        BotSettings.from_env()
    monkeypatch.setenv("NEWSBOT_ASK_COOLDOWN", "7")
    assert (settings.answer_days, settings.answer_memory) == (30, 10_000)
    monkeypatch.setenv("NEWSBOT_ANSWER_DAYS", "2.5")
    monkeypatch.setenv("NEWSBOT_ANSWER_MEMORY", "500")
    settings = BotSettings.from_env()
    assert (settings.answer_days, settings.answer_memory) == (2.5, 500)
    monkeypatch.setenv("NEWSBOT_ANSWER_DAYS", "0")
    with pytest.raises(ConfigError, match="NEWSBOT_ANSWER_DAYS must be positive"):
        BotSettings.from_env()


def test_run_without_token_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "")  # set, so a .env file cannot fill it in
    assert run_bot() == 1
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


async def test_bot_opens_its_library_in_setup_hook_and_closes_it(
    seeded_settings: Settings, embedder: Any
) -> None:
    bot = create_bot(
        settings=seeded_settings,
        bot_settings=BotSettings(sync_commands=False),
        embedder=embedder,
    )
    await bot.setup_hook()
    try:
        assert (await bot.library.count_articles(collections=["global"])) >= 1
        names = {command.name for command in bot.tree.get_commands()}
        assert names == {"ask", "ingest", "articles", "remove", "reindex", "stats", "feed"}
        for command in bot.tree.walk_commands():
            params = getattr(command, "parameters", [])
            assert command.description and all(p.description != "…" for p in params)
    finally:
        await bot.close()
    with pytest.raises(NewsbotError):
        _ = bot.library


def test_quotes_of_many_short_lines_keep_their_speaker_and_citation() -> None:
    poem = "\n".join(f"Line {i} of the poem." for i in range(80))
    quotes = tuple(
        _quote(
            number,
            poem,
            title=f"Poem article number {number} with a reasonably long headline here",
            url=f"https://example.com/news/2024/very/long/path/poem-{number}",
            speaker="Some Speaker",
        )
        for number in range(1, 4)
    )
    embed = answer_embed(Answer("What does the poem say?", True, quotes))
    description = embed.description or ""
    assert embed_problems(embed) == [] and len(description) <= DESCRIPTION_LIMIT
    for number in (1, 2, 3):
        assert f"**[{number}]**" in description
        assert f"Poem article number {number} with a reasonably long headline here" in description
    assert description.count("— **Some Speaker**") == 3
    assert description.endswith(
        "(https://example.com/news/2024/very/long/path/poem-3) · Outlet · <t:1704196800:D> · ¶3"
    )
    assert "> Line 0 of the poem." in description


def test_run_with_a_bad_setting_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_THREADS", "lots")
    assert run_bot() == 1
    err = capsys.readouterr().err
    assert err.startswith("newsbot: ") and "lots" in err and "Traceback" not in err
