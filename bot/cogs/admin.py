"""``/reindex`` (admins only: this server's articles, with progress) and ``/stats``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import admin_only
from bot.client import NO_MENTIONS, NewsBot, defer, finish, guild_collection
from bot.render import plural, stats_embed
from bot.views import ProgressEditor
from index.errors import ReindexInProgress


class Admin(commands.Cog):
    """Maintenance: re-embedding a server's articles, and counts."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="reindex")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Re-chunk and re-embed this server's articles (admins only; questions keep working)."""
        assert interaction.guild_id is not None  # guild_only
        library = self.bot.library
        collection = guild_collection(interaction.guild_id)
        running = library.reindex_progress([collection])  # other servers' jobs do not count
        if running is not None:
            done, total = running
            raise ReindexInProgress(
                f"A reindex of this server's articles is already running ({done}/{total} "
                "done); wait for it to finish."
            )
        # One reindex per server every NEWSBOT_REINDEX_COOLDOWN seconds (checked after the
        # admin check, so a refused member does not start the server's cooldown).
        seconds = self.bot.bot_settings.reindex_cooldown
        left = self.bot.cooldowns.retry_after("reindex", interaction.guild_id, seconds)
        if left > 0:
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(1, seconds), left)
        await defer(interaction, ephemeral=False)
        progress = ProgressEditor(
            interaction, "Reindexing", interval=self.bot.bot_settings.progress_interval
        )
        report = await library.reindex(progress=progress, collections=[collection])
        await finish(
            interaction,
            f"Reindexed this server's {plural(report.articles, 'article')} "
            f"({plural(report.passages, 'passage')}) in {report.seconds:.1f} s.",
        )

    @app_commands.command(name="stats")
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        """How many articles and passages I can quote here, and the model I use."""
        collections = self.bot.collections_for(interaction.guild_id)
        await defer(interaction, ephemeral=False)
        stats = await self.bot.library.stats(collections=collections)
        await interaction.edit_original_response(
            embed=stats_embed(stats, self.bot.collection_names(interaction.guild_id)),
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Admin(bot))
