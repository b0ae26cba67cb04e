"""/articles, /remove, /reindex and /stats via SimCord: paging, ownership, admin rights."""

from __future__ import annotations

import asyncio
import json

import pytest
import simcord

from bot.client import guild_collection
from index.models import ArticleInput
from tests.bot_helpers import World, button_states, embed_text, make_world, plain

pytest_plugins = ["tests.bot_fixtures"]


def _article(n: int) -> ArticleInput:
    return ArticleInput(
        title=f"Bridge report {n:02d}",
        source="Town Crier",
        published=f"2024-05-{n:02d}",
        text=f"Report {n}: the bridge over the river was inspected on day {n} of the survey.",
    )


async def _global_count(world: World) -> int:
    return await world.bot.library.count_articles(collections=["global"])


async def _add(world: World, articles: list[ArticleInput], user_id: int) -> list[str]:
    report = await world.bot.library.ingest(
        articles, collection=guild_collection(world.guild.id), added_by=str(user_id)
    )
    return [item.article_id for item in report.ingested]


async def test_articles_are_listed_page_by_page(world: World) -> None:
    await _add(world, [_article(n) for n in range(1, 13)], world.alice.id)

    shared = await _global_count(world)
    assert 1 <= shared <= 8  # the seeds
    first = await world.bob.slash(world.channel, "articles")
    text = embed_text(first.response)
    assert f"Articles ({12 + shared})" in text and "Page 1 of 2" in text
    assert text.count("-# added by") == 10
    assert "Town Crier" in text and f"<@{world.alice.id}>" in first.response.embeds[0].description

    second = await world.bob.click(first.response, label="Next")
    page_two = embed_text(second.response)
    assert "Page 2 of 2" in page_two
    titles = {line for line in (text + "\n" + page_two).splitlines() if "Bridge report" in line}
    assert len(titles) == 12  # every article once across the two pages
    back = await world.bob.click(second.response, label="Previous")
    assert "Page 1 of 2" in embed_text(back.response)


async def test_only_the_adder_or_an_admin_may_remove(
    world: World, simcord_env: simcord.Env
) -> None:
    alices, bobs = (
        await _add(world, [_article(1)], world.alice.id),
        await _add(world, [_article(2)], world.bob.id),
    )

    refused = await world.bob.slash(world.channel, "remove", article=alices[0])
    assert refused.ephemeral and "only articles you added" in refused.response.content
    own = await world.alice.slash(world.channel, "remove", article=alices[0])
    assert own.ephemeral and "Removed" in plain(own.response.content)
    by_admin = await world.admin.slash(world.channel, "remove", article=bobs[0])
    assert "Removed" in plain(by_admin.response.content)
    shared = await world.admin.slash(
        world.channel, "remove", article="bi-2023-09-05-putin-kim-jong-un"
    )
    assert shared.ephemeral and "global" in shared.response.content
    assert (
        await world.bot.library.count_articles(collections=[guild_collection(world.guild.id)]) == 0
    )
    assert len(simcord_env.errors) == 2


async def test_reindex_is_for_admins_only(world: World, simcord_env: simcord.Env) -> None:
    # Discord hides the command from members without Manage Server...
    assert "reindex" not in world.alice.available_commands(world.channel)
    with pytest.raises(simcord.SetupError, match="not visible"):
        await world.alice.slash(world.channel, "reindex")
    # ...and if a server override lets them invoke it, the bot still refuses at run time.
    commands = await world.bot.tree.fetch_commands()
    reindex = next(command for command in commands if command.name == "reindex")
    world.guild.set_command_permissions(reindex, {world.alice.user: True})
    refused = await world.alice.slash(world.channel, "reindex")
    assert refused.ephemeral and "Manage Server" in refused.response.content
    assert not world.bot.library.reindexing

    await _add(world, [_article(1), _article(2)], world.alice.id)
    done = await world.admin.slash(world.channel, "reindex")
    assert not done.ephemeral and "Reindexed this server's 2 articles" in done.response.content
    assert any(type(e).__name__ == "NotAdmin" for e in simcord_env.errors)


async def test_a_second_reindex_while_one_runs_is_refused(
    world: World, simcord_env: simcord.Env
) -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow_progress(done: int, total: int) -> None:
        started.set()
        await release.wait()

    running = asyncio.create_task(world.bot.library.reindex(progress=slow_progress))
    await asyncio.wait_for(started.wait(), 30)
    try:
        refused = await world.admin.slash(world.channel, "reindex")
        assert refused.ephemeral and "already running" in refused.response.content
        # Questions keep working meanwhile.
        answer = await world.alice.slash(world.channel, "ask", question="What did Marks say?")
        assert "Additional weapons" in embed_text(answer.response)
    finally:
        release.set()
        report = await running
    assert report.articles == await _global_count(world)
    assert any(
        type(e.__cause__).__name__ == "ReindexInProgress" for e in simcord_env.errors
    ) or any("already running" in str(e) for e in simcord_env.errors)


async def test_stats_counts_this_server_and_global(world: World) -> None:
    await _add(world, [_article(1), _article(2)], world.alice.id)
    result = await world.bob.slash(world.channel, "stats")
    embed = result.response.embeds[0]
    fields = {field.name: field.value for field in embed.fields}
    shared = await _global_count(world)
    assert fields["Articles"] == str(2 + shared)
    assert "this server: 2" in fields["Collections"]
    assert f"shared (global): {shared}" in fields["Collections"]
    assert "all-MiniLM-L6-v2" in fields["Model"]


@pytest.mark.parametrize("bot_options", [{"reindex_cooldown": 600}])
async def test_reindex_covers_only_this_server_and_has_a_cooldown(
    world: World, simcord_env: simcord.Env
) -> None:
    await _add(world, [_article(1), _article(2)], world.alice.id)
    stranger = make_world(simcord_env, "strangers")  # any server that invited the bot

    # Another server's admin re-embeds that server's articles only: not ours, not global.
    theirs = await stranger.admin.slash(stranger.channel, "reindex")
    assert "Reindexed this server's 0 articles (0 passages)" in theirs.response.content
    ours = await world.admin.slash(world.channel, "reindex")
    assert "Reindexed this server's 2 articles" in ours.response.content

    # Once per server per NEWSBOT_REINDEX_COOLDOWN, whichever admin asks.
    again = await stranger.admin.slash(stranger.channel, "reindex")
    assert again.ephemeral and "try again in 600 s" in again.response.content
    assert "Reindexed" not in again.response.content
    assert any(type(e).__name__ == "CommandOnCooldown" for e in simcord_env.errors)


async def test_remove_and_stats_defer_before_slow_library_work(
    world: World, simcord_env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    alices = await _add(world, [_article(1)], world.alice.id)
    library = world.bot.library
    remove_article, stats = library.remove_article, library.stats

    async def slow_remove(*args: object, **kwargs: object) -> object:
        await asyncio.sleep(4)  # e.g. waiting for the write lock behind a big ingest
        return await remove_article(*args, **kwargs)  # type: ignore[arg-type]

    async def slow_stats(*args: object, **kwargs: object) -> object:
        await asyncio.sleep(4)
        return await stats(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(library, "remove_article", slow_remove)
    monkeypatch.setattr(library, "stats", slow_stats)
    removed = await world.alice.slash(world.channel, "remove", article=alices[0])
    assert removed.response is not None and removed.ephemeral
    assert "Removed" in plain(removed.response.content)
    counted = await world.bob.slash(world.channel, "stats")
    assert counted.response is not None and not counted.ephemeral
    assert "Articles" in embed_text(counted.response)
    assert simcord_env.errors == []


async def test_article_pages_keep_working_and_others_page_privately(
    world: World, simcord_env: simcord.Env
) -> None:
    await _add(world, [_article(n) for n in range(1, 13)], world.alice.id)
    result = await world.alice.slash(world.channel, "articles")
    assert button_states(simcord_env, world.channel.id, result.response.id) == {
        "Previous": True,
        "Next": False,
    }
    await simcord_env.advance_time(15 * 60 + 5)  # the interaction token has expired
    assert button_states(simcord_env, world.channel.id, result.response.id) == {
        "Previous": True,
        "Next": False,
    }
    mine = await world.alice.click(result.response, label="Next")
    assert not mine.ephemeral and "Page 2 of 2" in embed_text(mine.response)
    theirs = await world.bob.click(result.response, label="Previous")
    assert theirs.ephemeral and "Page 1 of 2" in embed_text(theirs.response)
    public = simcord_env.backend.get_message(world.channel.id, result.response.id)
    assert "Page 2 of 2" in public.embeds[0]["footer"]["text"]


async def test_a_single_page_has_no_pager(world: World) -> None:
    result = await world.alice.slash(world.channel, "articles")
    assert "Page 1 of 1" in embed_text(result.response)
    assert result.response.components == []


async def test_ids_are_shown_verbatim_and_long_ids_are_not_offered(world: World) -> None:
    articles = [
        {"id": "my_custom_*id*", "title": "Underscore story", "text": "Some text. " * 8},
        {"id": "b" * 150, "title": "Long id story", "text": "Other text here. " * 8},
    ]
    upload = "\n".join(json.dumps(article) for article in articles).encode()
    added = await world.alice.slash(world.channel, "ingest file", file=("a.jsonl", upload))
    assert "`my_custom_*id*`" in added.response.content

    listing = await world.alice.slash(world.channel, "articles")
    description = listing.response.embeds[0].description
    assert "`my_custom_*id*`" in description and f"`{'b' * 150}`" in description

    choices = await world.alice.autocomplete(world.channel, "remove", "article", "")
    values = [choice["value"] for choice in choices]
    assert "my_custom_*id*" in values
    assert all(len(value) <= 100 for value in values) and "b" * 100 not in values

    removed = await world.alice.slash(world.channel, "remove", article="my_custom_*id*")
    assert "(id `my_custom_*id*`)" in removed.response.content
    removed = await world.alice.slash(world.channel, "remove", article="b" * 150)
    assert "Removed" in plain(removed.response.content)
