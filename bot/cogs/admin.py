"""``/reindex`` (admins only, with progress) and ``/stats``."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import admin_only
from bot.client import NO_MENTIONS, NewsBot, defer
from bot.render import stats_embed
from bot.views import ProgressEditor
from index.errors import ReindexInProgress


class Admin(commands.Cog):
    """Maintenance: re-embedding everything, and counts."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="reindex")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """Re-chunk and re-embed every article (admins only; questions keep working)."""
        library = self.bot.library
        if library.reindexing:
            done, total = library.reindex_progress or (0, 0)
            raise ReindexInProgress(
                f"A reindex is already running ({done}/{total} articles done); wait for it to "
                "finish."
            )
        await defer(interaction, ephemeral=False)
        progress = ProgressEditor(
            interaction, "Reindexing", interval=self.bot.bot_settings.progress_interval
        )
        report = await library.reindex(progress=progress)
        await interaction.edit_original_response(
            content=(
                f"Reindexed {report.articles} articles ({report.passages} passages) "
                f"in {report.seconds:.1f} s."
            ),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="stats")
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        """How many articles and passages I can quote here, and the model I use."""
        collections = self.bot.collections_for(interaction.guild_id)
        stats = await self.bot.library.stats(collections=collections)
        await interaction.response.send_message(
            embed=stats_embed(stats, self.bot.collection_names(interaction.guild_id)),
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Admin(bot))
