"""Long jobs, per-server locks, cooldowns charged only for work done, closed channels (SimCord)."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
import simcord

from bot.client import guild_collection
from index.models import ArticleInput
from tests.bot_helpers import World, button_states, embed_text, make_world, plain
from tests.test_bot_ask import WHEAT

pytest_plugins = ["tests.bot_fixtures"]

TOKEN_LIFETIME = 15 * 60


def _article(n: int) -> ArticleInput:
    return ArticleInput(
        title=f"Harbour report {n:02d}",
        source="Town Crier",
        text=f"Report {n}: the harbour wall was inspected on day {n} of the survey and held.",
    )


async def _add(world: World, count: int) -> None:
    await world.bot.library.ingest(
        [_article(n) for n in range(1, count + 1)],
        collection=guild_collection(world.guild.id),
        added_by=str(world.alice.id),
    )


async def test_two_servers_reindex_at_once(world: World, simcord_env: simcord.Env) -> None:
    other = make_world(simcord_env, "strangers")
    await _add(world, 3)
    await _add(other, 2)
    release, started = asyncio.Event(), asyncio.Event()

    async def slow_progress(done: int, total: int) -> None:
        started.set()
        await release.wait()

    # Our server's reindex is under way (1 of 3 done)...
    ours = asyncio.create_task(
        world.bot.library.reindex(
            progress=slow_progress, collections=[guild_collection(world.guild.id)]
        )
    )
    await asyncio.wait_for(started.wait(), 30)
    try:
        # ...another server reindexes its own articles meanwhile...
        theirs = await other.admin.slash(other.channel, "reindex")
        assert not theirs.ephemeral
        assert "Reindexed this server's 2 articles" in theirs.response.content
        # ...while a second one here is refused with our own counts.
        again = await world.admin.slash(world.channel, "reindex")
        assert again.ephemeral and "already running (1/3 done)" in again.response.content
    finally:
        release.set()
        report = await ours
    assert report.articles == 3
    assert not world.bot.library.reindexing
    assert [type(e.__cause__).__name__ for e in simcord_env.errors] == ["ReindexInProgress"]


async def test_a_reindex_outliving_the_interaction_token_finishes_in_the_channel(
    world: World, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _add(world, 3)
    library = world.bot.library
    reindex = library.reindex

    async def slow_reindex(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(TOKEN_LIFETIME + 60)  # virtual time: a very large server
        return await reindex(*args, **kwargs)

    monkeypatch.setattr(library, "reindex", slow_reindex)
    result = await world.admin.slash(world.channel, "reindex")
    await simcord_env.advance_time(TOKEN_LIFETIME + 120)
    last = world.channel.last_message
    assert last.id != result.response.id  # the reply could no longer be edited...
    assert "Reindexed this server's 3 articles" in last.content  # ...so it went here
    assert f"<@{world.admin.id}>" in last.content
    stored = simcord_env.backend.get_message(world.channel.id, last.id)
    assert stored.ping_user_ids == []  # named, not pinged
    assert simcord_env.errors == []


async def test_a_slow_upload_outliving_the_token_still_reports(
    world: World, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = world.bot.library
    ingest_file = library.ingest_file

    async def slow_ingest(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(TOKEN_LIFETIME + 60)
        return await ingest_file(*args, **kwargs)

    monkeypatch.setattr(library, "ingest_file", slow_ingest)
    upload = (
        b"Lighthouse keepers return\n\n" + b"The keepers will live at the lighthouse again. " * 3
    )
    await world.alice.slash(world.channel, "ingest file", file=("keepers.txt", upload))
    await simcord_env.advance_time(TOKEN_LIFETIME + 120)
    last = world.channel.last_message
    assert "Added **Lighthouse keepers return**" in last.content
    assert simcord_env.errors == []


@pytest.mark.parametrize(
    "bot_options", [{"ingest_cooldown": 60, "ask_cooldown": 60, "max_upload_bytes": 500}]
)
async def test_cooldowns_are_charged_only_for_work_done(
    world: World, simcord_env: simcord.Env
) -> None:
    me = world.bot.user
    assert me is not None
    # Refused before any work: a file of the wrong type, a file too large...
    wrong = await world.alice.slash(world.channel, "ingest file", file=("scan.pdf", b"%PDF"))
    assert wrong.ephemeral and ".pdf" in wrong.response.content
    big = await world.alice.slash(world.channel, "ingest file", file=("big.txt", b"x " * 400))
    assert "the limit is 500 bytes" in big.response.content
    # ...a private address, a form opened and closed, a bare mention.
    private = await world.alice.slash(world.channel, "ingest url", url="http://127.0.0.1/a")
    assert private.ephemeral and "try again in" not in private.response.content
    opened = await world.alice.slash(world.channel, "ingest text")
    assert opened.modal is not None
    await world.alice.send(world.channel, f"<@{me.id}>")
    assert "Ask me a question" in world.channel.last_message.content

    # None of it cost anything: the real work goes through...
    upload = b"Ferry timetable changes\n\n" + b"The ferry leaves the harbour at nine. " * 3
    done = await world.alice.slash(world.channel, "ingest file", file=("ferry.txt", upload))
    assert "Added **Ferry timetable changes**" in plain(done.response.content)
    asked = await world.alice.slash(world.channel, "ask", question="What did Marks say?")
    assert not asked.ephemeral and "Additional weapons" in embed_text(asked.response)
    # ...and is charged.
    again = await world.alice.slash(world.channel, "ingest file", file=("ferry.txt", upload))
    assert again.ephemeral and "try again in" in again.response.content
    await world.alice.send(world.channel, f"<@{me.id}> What did Hertling say?")
    assert "try again in" in world.channel.last_message.content
    refused = [type(e.__cause__ or e).__name__ for e in simcord_env.errors]
    assert refused == ["BadArticle", "BadArticle", "UrlRefused", "CommandOnCooldown"], refused


async def test_answers_work_where_the_bot_cannot_see_the_channel(
    world: World, simcord_env: simcord.Env
) -> None:
    me = world.bot.user
    assert me is not None
    hidden = world.guild.create_text_channel(
        "hidden", overwrites={me: discord.PermissionOverwrite(view_channel=False)}
    )
    await world.bot.library.ingest(
        [WHEAT], collection=guild_collection(world.guild.id), added_by=str(world.alice.id)
    )
    result = await world.alice.slash(hidden, "ask", question="How was the wheat harvest?")
    assert "Page 1 of" in embed_text(result.response)
    await simcord_env.advance_time(TOKEN_LIFETIME + 60)
    # Nothing needed editing at a timeout: the buttons are live and still work.
    assert button_states(simcord_env, hidden.id, result.response.id)["Next"] is False
    turned = await world.alice.click(result.response, label="Next")
    assert "Page 2 of" in embed_text(turned.response)
    private = await world.bob.click(result.response, label="Previous")
    assert private.ephemeral and "Page 1 of" in embed_text(private.response)
    assert simcord_env.errors == []
