"""``/feed add|list|remove``: follow RSS/Atom feeds into this server's library; notices.

Polling runs in the library's :class:`~index.feeds.scheduler.FeedScheduler` (started by the
client); each of its events arrives here as ``on_feed_event`` and becomes a short message
in the subscribing channel: a new article (when the subscription announces) or a feed
disabled after repeated failures. Nothing posted here ever pings anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import admin_only
from bot.client import NO_MENTIONS, NewsBot, defer, guild_collection
from bot.render import (
    ANSWER_COLOUR,
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    cite,
    code,
    fit,
    join_lines,
    plural,
)
from index.feeds import FeedDisabled, FeedListing, NewArticles, Notice

log = logging.getLogger(__name__)


def _when(seconds: float | None) -> str:
    """A Discord timestamp (shown in each reader's time zone), or "never"."""
    return f"<t:{int(seconds)}:R>" if seconds else "never"


def feeds_embed(listings: Sequence[FeedListing]) -> discord.Embed:
    """``/feed list``: title, status, items, last success, next poll, last error."""
    lines = []
    for listing in listings:
        feed = listing.feed
        line = f"{code(str(feed.pk), 12)} {cite(feed.name, feed.url, limit=90)}"
        if feed.status != "active":
            line += " · **disabled**"
        line += (
            f"\n-# {listing.items} articles · last success {_when(feed.last_success_at)}"
            + (f" · next poll {_when(feed.next_poll_at)}" if feed.status == "active" else "")
            + (
                f" · announced in <#{listing.subscription.channel_id}>"
                if listing.subscription.announce and listing.subscription.channel_id
                else ""
            )
        )
        if feed.failures and feed.last_error:
            line += f"\n-# {feed.failures} failed polls; last: {fit(feed.last_error, 200)}"
        lines.append(line)
    return discord.Embed(
        title=f"Feeds followed here ({len(listings)})",
        description=join_lines(lines, DESCRIPTION_LIMIT)
        or "No feeds yet. An admin can add one with /feed add.",
        colour=ANSWER_COLOUR,
    )


ANNOUNCED = 10
"""Most articles named in one notice (the rest are counted)."""


def announcement(notice: NewArticles) -> str:
    """One short notice for a poll's new articles; ids in backticks (for /remove)."""
    lines = []
    for article in notice.articles[:ANNOUNCED]:
        date = f" · {fit(article.published[:10], 10)}" if article.published else ""
        lines.append(
            f"- {cite(article.title, article.url, limit=150)}{date} · id {code(article.article_id)}"
        )
    more = len(notice.articles) - ANNOUNCED
    if more > 0:
        lines.append(f"… and {more} more (see /articles)")
    head = f"New in **{fit(notice.feed_title, 100)}**:"
    return join_lines([head, *lines], CONTENT_LIMIT)


def disabled_notice(event: FeedDisabled) -> str:
    return fit_content(
        f"I stopped following the feed **{fit(event.feed_title, 100)}** after "
        f"{event.failures} failed attempts in a row (last: {fit(event.error, 300)}). "
        f"An admin can turn it back on with `/feed add` and the address <{event.feed_url}>."
    )


def fit_content(text: str) -> str:
    return text if len(text) <= CONTENT_LIMIT else text[: CONTENT_LIMIT - 1] + "…"


@app_commands.guild_only()
class Feeds(
    commands.GroupCog,
    group_name="feed",
    group_description="Follow news feeds (RSS or Atom) in this server",
):
    """Feed subscriptions of this server, and the notices of the background poller."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    def _collection(self, interaction: discord.Interaction) -> str:
        assert interaction.guild_id is not None  # guild_only
        return guild_collection(interaction.guild_id)

    @app_commands.command(name="add")
    @app_commands.describe(
        url="Address of the RSS or Atom feed (http or https)",
        channel="Where notices go (default: this channel)",
        announce="Post a short notice of each new article (never pings); default off",
        interval="Minutes between two polls of the feed (at least 5; default 15)",
    )
    @admin_only()
    async def add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2000],
        channel: discord.TextChannel | None = None,
        announce: bool = False,
        interval: app_commands.Range[int, 5, 1440] | None = None,
    ) -> None:
        """Follow a feed: its articles are added here and kept current (admins only)."""
        target = channel.id if channel is not None else interaction.channel_id
        await defer(interaction, ephemeral=True)
        added = await self.bot.library.feeds.add(
            url.strip(),
            collection=self._collection(interaction),
            channel_id=target,
            announce=announce,
            added_by=str(interaction.user.id),
            interval_minutes=interval,
        )
        scheduler = self.bot.feed_scheduler
        if scheduler is not None and scheduler.running:
            scheduler.wake()
            when = "Its articles are being added now"
        else:  # NEWSBOT_FEED_SCHEDULER=false: someone runs `newsbot feeds poll`
            when = "Its articles will be added when the bot's operator next polls the feeds"
        where = f"<#{target}>" if target else "this channel"
        news = (
            f"new articles will be announced in {where}"
            if announce
            else "new articles are added quietly (announce: off)"
        )
        verb = "Now following" if added.new else "Updated the subscription to"
        await interaction.edit_original_response(
            content=fit_content(
                f"{verb} **{fit(added.feed.name, 150)}** ({plural(added.items, 'item')} in the "
                f"feed, id {code(str(added.feed.pk), 12)}). {when}; {news}. "
                f"Problems are reported in {where}."
            ),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="list")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        """The feeds this server follows: status, articles, last success, next poll."""
        listings = await self.bot.library.feeds.list(collections=[self._collection(interaction)])
        await interaction.response.send_message(
            embed=feeds_embed(listings), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="remove")
    @app_commands.describe(feed="The feed to stop following (its id or address)")
    @admin_only()
    async def remove(
        self, interaction: discord.Interaction, feed: app_commands.Range[str, 1, 2000]
    ) -> None:
        """Stop following a feed; the articles it brought stay (admins only)."""
        removed = await self.bot.library.feeds.remove(
            feed, collection=self._collection(interaction)
        )
        await interaction.response.send_message(
            fit_content(
                f"Stopped following **{fit(removed.name, 150)}**. The articles it brought "
                "stay; remove them one by one with /remove if needed."
            ),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @remove.autocomplete("feed")
    async def remove_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.strip().lower()
        listings = await self.bot.library.feeds.list(
            collections=[guild_collection(interaction.guild_id)]
        )
        return [
            app_commands.Choice(
                name=f"{item.feed.name[:60]} ({item.feed.url})"[:100], value=str(item.feed.pk)
            )
            for item in listings
            if needle in item.feed.name.lower() or needle in item.feed.url.lower()
        ][:25]

    @commands.Cog.listener()
    async def on_feed_event(self, event: Notice) -> None:
        """Post a feed event in its subscription's channel (if it is still there)."""
        if event.channel_id is None:
            return
        channel = self.bot.get_channel(event.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        guild = getattr(channel, "guild", None)
        if guild is None or guild_collection(guild.id) != event.collection:
            return  # never post one server's feed into another server
        text = announcement(event) if isinstance(event, NewArticles) else disabled_notice(event)
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.warning("could not post a feed notice in channel %s", event.channel_id)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Feeds(bot))
