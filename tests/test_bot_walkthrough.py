"""A new server's first hour with the bot, end to end in SimCord, with Discord manners checked.

One flow across the features merged so far, as a moderator and two members would use them:
ask about the seed, open its sources, follow up by reply, say thanks, paste an article and
ask about it, ask for the latest news, try to follow a private feed address, list and remove
articles, reindex (admin and not), read the stats. Every message the bot sends on the way
is checked for Discord manners: it pings nobody, its embeds fit Discord's limits, errors
are private, and it never tells Discord users about command-line commands or ``NEWSBOT_*``
settings they cannot use.
"""

from __future__ import annotations

import json
import re
from typing import Any

import discord
import pytest
import simcord

from bot.client import guild_collection
from bot.render import CONTENT_LIMIT, embed_problems, for_discord
from index.errors import NewsbotError
from index.followup import NOTHING_NEW
from tests.bot_helpers import World, embed_text, plain
from tests.feeds_site import Site
from tests.test_bot_ask import MARKS, SEED_ID, WHEAT
from tests.test_feeds import story

pytest_plugins = ["tests.bot_fixtures", "tests.feeds_fixtures"]

CLI_TALK = re.compile(
    r"NEWSBOT_|`newsbot\b|newsbot (?:ingest|ask|feeds|reindex|remove|articles|run)\b"
)
"""What Discord users cannot act on: settings and command-line commands."""

GLACIER = {
    "title": "Glacier museum opens in Tromsø",
    "text": 'A museum about glaciers opened in Tromsø on Friday. "Ice is an archive of our '
    'climate," said curator Liv Dahl at the opening.\n\nThe museum shows ice cores drilled '
    "on Svalbard, some of them older than ten thousand years.",
    "url": "https://arctic.example/glacier-museum",
    "outlet": "Arctic Post",
}


def stored(env: simcord.Env, message: Any) -> Any:
    """The backend's record of a message (a ResponseMessage, discord.Message or record)."""
    record = getattr(message, "_message", None)
    if record is not None:
        return record
    return env.backend.get_message(message.channel.id, message.id)


def check_manners(env: simcord.Env, message: Any) -> str:
    """Assert the Discord manners of one bot message; returns its displayed text."""
    record = stored(env, message)
    assert record.author_id == env.bot.user.id
    assert len(record.content) <= CONTENT_LIMIT
    assert record.mention_everyone is False
    assert record.ping_user_ids == [] and record.ping_role_ids == []
    policy = record.allowed_mentions
    assert policy.everyone is False, record.content
    assert policy.users == frozenset() and policy.roles == frozenset(), record.content
    if record.reference is not None:
        assert policy.replied_user is False
    embeds = [discord.Embed.from_dict(dict(e)) for e in record.embeds]
    for embed in embeds:
        assert embed_problems(embed) == [], embed_problems(embed)
    text = plain(record.content) + "\n" + embed_text(type("M", (), {"embeds": embeds})())
    assert not CLI_TALK.search(text), text
    return text


def check_result(env: simcord.Env, result: simcord.InteractionResult, *, ephemeral: bool) -> str:
    """Manners of an interaction's visible replies; returns the text of the last one."""
    messages = [m for m in [result.response, *result.followups] if m is not None]
    assert messages, result
    assert messages[-1].ephemeral is ephemeral, messages[-1]
    return [check_manners(env, m) for m in messages][-1]


@pytest.mark.parametrize("bot_options", [{"feed_scheduler": False}])
async def test_a_new_server_walks_through_every_feature(
    world: World, simcord_env: simcord.Env, site: Site
) -> None:
    env, channel, admin, alice, bob = (
        simcord_env,
        world.channel,
        world.admin,
        world.alice,
        world.bob,
    )
    me = world.bot.user
    assert me is not None
    home = guild_collection(world.guild.id)

    # 0. A blank question is told privately, with no public "thinking…" flashing by.
    blank = await bob.slash(channel, "ask", question="   ")
    assert "Ask a question" in check_result(env, blank, ephemeral=True)
    assert blank.response is not None and blank.response.ephemeral and blank.followups == []
    assert channel.history() == []

    # 1. A member asks about the seed article; anyone can open its sources.
    marks = await alice.slash(channel, "ask", question="What did Marks say?")
    text = check_result(env, marks, ephemeral=False)
    assert MARKS in text and "Business Insider" in text
    sources = await bob.click(marks.response, label="Sources")
    assert SEED_ID in check_result(env, sources, ephemeral=True)

    # 2. A reply continues the conversation: "he" is Marks, nothing shown twice.
    await alice.send(channel, "What else did he say?", reply_to=marks.response.message)
    follow_up = channel.last_message
    assert follow_up.author.id == me.id
    text = check_manners(env, follow_up)
    assert MARKS not in text and NOTHING_NEW in text

    # 3. Thanks get a reaction, not an answer.
    thanks = await bob.send(channel, "thanks!", reply_to=follow_up)
    assert channel.last_message.id == thanks.id
    assert "👍" in str(env.backend.get_message(channel.id, thanks.id).reactions)

    # 4. A member pastes an article and asks about it; it is theirs.
    form = await alice.slash(channel, "ingest text")
    assert form.modal is not None
    typo = await alice.submit_modal(form, {**GLACIER, "url": "arctic.example/glacier"})
    assert "must be a web address" in check_result(env, typo, ephemeral=True)
    assert await world.bot.library.count_articles(collections=[home]) == 0
    form = await alice.slash(channel, "ingest text")
    pasted = await alice.submit_modal(form, GLACIER)
    assert "Glacier museum opens in Tromsø" in check_result(env, pasted, ephemeral=True)
    dahl = await bob.slash(channel, "ask", question="What did Liv Dahl say?")
    text = check_result(env, dahl, ephemeral=False)
    assert "Ice is an archive of our climate" in text and "Arctic Post" in text

    # An admin uploads a longer article; its answer has pages.
    upload = json.dumps({f: getattr(WHEAT, f) for f in ("title", "text", "source", "url")})
    uploaded = await admin.slash(channel, "ingest file", file=("wheat.json", upload.encode()))
    assert "Wheat harvest hits record in Kansas" in check_result(env, uploaded, ephemeral=True)
    wheat = await bob.slash(channel, "ask", question="How was the wheat harvest?")
    assert "Page 1 of" in check_result(env, wheat, ephemeral=False)
    page_two = await bob.click(wheat.response, label="Next")
    assert "Page 2 of" in check_result(env, page_two, ephemeral=False)

    # 5. "What's the latest news?" leads with the leads of the newest articles.
    latest = await bob.slash(channel, "ask", question="What's the latest news?")
    text = check_result(env, latest, ephemeral=False)
    assert "couldn't find" not in text and "[1]" in text
    assert "Glacier museum" in text or "Vladimir Putin" in text

    # 6. A feed on a private address is refused (the bot must not reach the host's network).
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    refused = await admin.slash(channel, "feed add", url=url)
    text = check_result(env, refused, ephemeral=True)
    assert "127.0.0.1" in text and "Now following" not in text
    assert await world.bot.library.feeds.list(collections=[home]) == []
    by_name = await admin.slash(channel, "feed add", url="http://localhost/feed.xml")
    text = check_result(env, by_name, ephemeral=True)
    assert "a loopback address (this machine, " in text and ") (" not in text  # ::1 or 127.*
    listing = await bob.slash(channel, "feed list")
    assert "No feeds yet" in check_result(env, listing, ephemeral=True)
    gone = await admin.slash(channel, "feed remove", feed="nope")
    assert "No feed 'nope'" in check_result(env, gone, ephemeral=True)

    unknown = await bob.slash(channel, "remove", article="nope")
    assert "No article with id 'nope'" in check_result(env, unknown, ephemeral=True)

    # 7. /articles lists the seed and the pasted article, with who added it.
    articles = await bob.slash(channel, "articles")
    text = check_result(env, articles, ephemeral=False)
    assert "Glacier museum opens in Tromsø" in text and "Vladimir Putin" in text
    assert f"<@{alice.id}>" in articles.response.embeds[0].description  # shown, not pinged

    # 8. /remove by autocomplete: members are offered only their own articles.
    assert await bob.autocomplete(channel, "remove", "article", "") == []
    choices = await alice.autocomplete(channel, "remove", "article", "glac")
    assert len(choices) == 1 and all(len(c["name"]) <= 100 for c in choices)
    denied = await bob.slash(channel, "remove", article=choices[0]["value"])
    assert "only articles you added" in check_result(env, denied, ephemeral=True)
    removed = await alice.slash(channel, "remove", article=choices[0]["value"])
    assert "Removed" in check_result(env, removed, ephemeral=True)
    shared = await admin.slash(channel, "remove", article=SEED_ID)
    text = check_result(env, shared, ephemeral=True)
    assert "global" in text and "Removed" not in text
    again = await bob.slash(channel, "ask", question="What did Liv Dahl say?")
    assert "Ice is an archive" not in check_result(env, again, ephemeral=False)

    # Pages of an answer never quote an article removed since.
    wheat_id = next(
        c["value"] for c in await admin.autocomplete(channel, "remove", "article", "wheat")
    )
    gone = await admin.slash(channel, "remove", article=wheat_id)
    assert "Removed" in check_result(env, gone, ephemeral=True)
    stale = await bob.click(wheat.response, label="Next")
    text = check_result(env, stale, ephemeral=True)
    assert "has been removed" in text and "Kansas" not in text

    # 9. /reindex: hidden from members, refused at run time if an override shows it.
    assert "reindex" not in alice.available_commands(channel)
    reindex = next(c for c in await world.bot.tree.fetch_commands() if c.name == "reindex")
    world.guild.set_command_permissions(reindex, {alice.user: True})
    not_admin = await alice.slash(channel, "reindex")
    assert "Manage Server" in check_result(env, not_admin, ephemeral=True)
    done = await admin.slash(channel, "reindex")
    assert "Reindexed this server's 0 articles" in check_result(env, done, ephemeral=False)

    # 10. /stats.
    stats = await bob.slash(channel, "stats")
    text = check_result(env, stats, ephemeral=False)
    assert "this server: 0" in text and "all-MiniLM-L6-v2" in text

    # Everything the bot posted in the channel, checked once more as stored now.
    mine = [m for m in channel.history() if m.author.id == me.id]
    assert len(mine) >= 6
    for message in mine:
        check_manners(env, message)
    unexpected = [  # every error was a user's mistake, told to them, not a bug
        e
        for e in env.errors
        if not isinstance(e.__cause__ or e, NewsbotError) and type(e).__name__ != "NotAdmin"
    ]
    assert unexpected == [], unexpected


LOCAL = {"allow_private_urls": True, "feed_scheduler": False}


@pytest.mark.parametrize("bot_options", [LOCAL])
async def test_a_server_following_a_local_feed(
    world: World, simcord_env: simcord.Env, site: Site
) -> None:
    """An intranet setup (private addresses allowed, polls run by the operator)."""
    env, channel, admin, bob = simcord_env, world.channel, world.admin, world.bob
    url = site.publish("/feed.xml", "Harbour Times", [story(0), story(1)])

    # A feed address given to /ingest url: pointed to /feed add, not to a shell command.
    wrong = await bob.slash(channel, "ingest url", url=url)
    text = check_result(env, wrong, ephemeral=True)
    assert "/feed add" in text and "Added" not in text

    added = await admin.slash(channel, "feed add", url=url)
    text = check_result(env, added, ephemeral=True)
    assert "Now following **Harbour Times** (2 items in the feed" in text and "operator" in text
    assert f"Problems are reported in <#{channel.id}>." in text  # not "there": where?
    one = site.publish("/one.xml", "Ferry News", [story(2)])
    single = await admin.slash(channel, "feed add", url=one)
    assert "(1 item in the feed" in check_result(env, single, ephemeral=True)
    await world.bot.feed_scheduler.run_once()

    latest = await bob.slash(channel, "ask", question="What's the latest news?")
    text = check_result(env, latest, ephemeral=False)
    assert "Ada Marsh" in text or "council" in text

    choices = await admin.autocomplete(channel, "feed remove", "feed", "harb")
    assert len(choices) == 1
    removed = await admin.slash(channel, "feed remove", feed=choices[0]["value"])
    assert "Stopped following **Harbour Times**" in check_result(env, removed, ephemeral=True)
    stats = await bob.slash(channel, "stats")
    assert "this server: 3" in check_result(env, stats, ephemeral=False)
    assert [type(e.__cause__).__name__ for e in env.errors] == ["FetchError"]


@pytest.mark.parametrize("bot_options", [{"global_visible": False}])
async def test_stats_names_only_what_the_server_sees(world: World) -> None:
    stats = await world.bob.slash(world.channel, "stats")
    text = check_result(world.env, stats, ephemeral=False)
    assert "this server: 0" in text and "global" not in text


def test_command_line_hints_are_removed_for_discord() -> None:
    """Library messages name both front ends; Discord users see only the slash command."""
    assert (
        for_discord(
            "No feed 'x' is followed here; see the list with /feed list or `newsbot feeds list`."
        )
        == "No feed 'x' is followed here; see the list with /feed list."
    )
    assert (
        for_discord("it is an RSS feed, follow it with /feed add or `newsbot feeds add`.")
        == "it is an RSS feed, follow it with /feed add."
    )
