"""/feed add|list|remove via SimCord, and the notices of the poller (which ping nobody)."""

from __future__ import annotations

import dataclasses

import pytest
import simcord

from bot.client import guild_collection
from tests.bot_helpers import World, embed_text, plain
from tests.feeds_site import FakeClock, Site
from tests.test_feeds import story

pytest_plugins = ["tests.bot_fixtures", "tests.feeds_fixtures"]

LOCAL = {"allow_private_urls": True, "feed_scheduler": False, "feed_max_failures": 2}


async def next_poll(world: World) -> float:
    (listing,) = await world.bot.library.feeds.list(collections=[guild_collection(world.guild.id)])
    return listing.feed.next_poll_at


@pytest.mark.parametrize("bot_options", [LOCAL])
async def test_admins_add_and_remove_everyone_lists(
    world: World, site: Site, simcord_env: simcord.Env
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0), story(1)])

    refused = await world.alice.slash(world.channel, "feed add", url=url)
    assert refused.ephemeral and "Manage Server" in refused.response.content
    assert await world.bot.library.feeds.list(collections=[guild_collection(world.guild.id)]) == []

    added = await world.admin.slash(world.channel, "feed add", url=url)
    assert added.ephemeral
    reply = plain(added.response.content)
    assert "Now following **Harbour Times** (2 items in the feed" in reply
    assert "added quietly" in reply and "operator next polls" in reply  # no scheduler
    assert "newsbot" not in reply  # no command Discord users cannot run

    await world.bot.feed_scheduler.run_once()
    listing = await world.alice.slash(world.channel, "feed list")
    assert listing.ephemeral
    shown = embed_text(listing.response)
    assert "Harbour Times" in shown and "2 articles" in shown and "next poll" in shown

    choices = await world.alice.autocomplete(world.channel, "feed remove", "feed", "harb")
    assert [c["value"] for c in choices] == ["1"] and "Harbour Times" in choices[0]["name"]
    assert await world.alice.autocomplete(world.channel, "feed remove", "feed", "zzz") == []

    denied = await world.alice.slash(world.channel, "feed remove", feed="1")
    assert denied.ephemeral and "Manage Server" in denied.response.content
    removed = await world.admin.slash(world.channel, "feed remove", feed="1")
    assert removed.ephemeral and "Stopped following **Harbour Times**" in plain(
        removed.response.content
    )
    missing = await world.admin.slash(world.channel, "feed remove", feed="1")
    assert missing.ephemeral and "No feed '1'" in missing.response.content
    # the articles it brought stay and can be asked about
    assert (
        await world.bot.library.count_articles(collections=[guild_collection(world.guild.id)]) == 2
    )
    assert sum(type(e).__name__ == "NotAdmin" for e in simcord_env.errors) == 2


async def test_private_feed_address_is_refused_by_default(
    world: World, site: Site, simcord_env: simcord.Env
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    result = await world.admin.slash(world.channel, "feed add", url=url)
    assert result.ephemeral
    content = (result.followups[-1] if result.followups else result.response).content
    assert "127.0.0.1" in content and "Now following" not in content
    assert any(type(e.__cause__).__name__ == "UrlRefused" for e in simcord_env.errors)


@pytest.mark.parametrize("bot_options", [LOCAL])
async def test_announcements_and_failure_notice_ping_nobody(
    world: World, site: Site, simcord_env: simcord.Env
) -> None:
    clock = FakeClock()
    world.bot.library.feeds.clock = clock
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    added = await world.admin.slash(world.channel, "feed add", url=url, announce=True)
    assert "announced in" in added.response.content
    before = world.channel.last_message
    history_before = len(world.channel.history())
    await world.bot.feed_scheduler.run_once()  # the backlog: stored, not announced
    await simcord_env.settle()
    assert world.channel.last_message == before

    loud = dataclasses.replace(story(2), title=f"@everyone the pier vote <@{world.bob.id}> is in")
    site.publish("/feed.xml", "Harbour Times", [loud, story(3), story(0)])
    clock.now = await next_poll(world)  # the interval has jitter
    await world.bot.feed_scheduler.run_once()
    await simcord_env.settle()
    notice = world.channel.last_message
    assert "New in **Harbour Times**" in notice.content and "@everyone" in plain(notice.content)
    assert "harbour dredging" in notice.content  # both new articles, in one notice
    assert [m.id for m in world.channel.history()].count(notice.id) == 1
    assert len(world.channel.history()) == history_before + 1  # one notice, not one per item
    stored = simcord_env.backend.get_message(world.channel.id, notice.id)
    assert stored.mention_everyone is False
    assert stored.ping_user_ids == [] and stored.ping_role_ids == []
    policy = stored.allowed_mentions
    assert policy.everyone is False and policy.users == frozenset()

    site.fail("/feed.xml", 500)
    for _ in range(2):
        clock.now = await next_poll(world)
        await world.bot.feed_scheduler.run_once()
    await simcord_env.settle()
    disabled = world.channel.last_message
    assert "I stopped following the feed **Harbour Times** after 2 failed" in disabled.content
    assert "HTTP 500" in disabled.content
    stored = simcord_env.backend.get_message(world.channel.id, disabled.id)
    assert stored.ping_user_ids == [] and stored.mention_everyone is False

    answer = await world.bob.slash(world.channel, "ask", question="What did Ada Marsh say?")
    assert "Ada Marsh" in embed_text(answer.response)


@pytest.mark.parametrize("bot_options", [{"feed_scheduler": True}])
async def test_the_scheduler_runs_with_the_bot_and_stops_with_it(world: World) -> None:
    scheduler = world.bot.feed_scheduler
    assert scheduler is not None and scheduler.running
    answer = await world.bob.slash(world.channel, "ask", question="What did Marks say?")
    assert "Marks" in embed_text(answer.response)
    await world.bot.close()
    assert not scheduler.running


def test_a_big_batch_of_new_articles_is_one_notice_within_limits() -> None:
    from bot.cogs.feeds import announcement
    from index.feeds import NewArticle, NewArticles

    articles = tuple(
        NewArticle("Feed", "https://x.test/rss", "guild:1", 5, f"id-{n}" * 20, "T" * 300,
                   f"https://x.test/{n}", "2026-05-06T08:00:00+00:00")
        for n in range(25)
    )  # fmt: skip
    text = announcement(NewArticles("Feed", "https://x.test/rss", "guild:1", 5, articles))
    assert len(text) <= 2000 and text.startswith("New in **Feed**:")
    assert "more" in text and "2026-05-06" in text


async def test_a_time_limited_question_on_discord_shows_dates_and_the_note(world: World) -> None:
    from tests.test_timeframe import NOW, PIER

    await world.bot.library.ingest(PIER, collection=guild_collection(world.guild.id))
    world.bot.library.now = lambda: NOW
    result = await world.bob.slash(
        world.channel, "ask", question="What did Ada Marsh say this week?"
    )
    embed = result.response.embeds[0]
    assert "another month to study the repair costs" in plain(embed.description)
    assert "<t:1777968000:D>" in embed.description  # 2026-05-05 as a Discord date
    assert "Pier vote delayed again" in embed.description
    assert "Pier repairs win first approval" not in embed.description
    assert "1 undated article was not considered for “this week”." in (embed.footer.text or "")
