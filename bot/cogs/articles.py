"""``/articles`` (paged list) and ``/remove`` (admins, or whoever added the article)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import NotAdmin, admin_requirement, is_admin
from bot.client import NO_MENTIONS, NewsBot, defer, guild_collection
from bot.render import code, fit, trim
from bot.views import articles_page, articles_view
from index.errors import ArticleNotFound
from index.models import GLOBAL_COLLECTION

CHOICE_LIMIT = 100
"""Discord's longest autocomplete choice name and value."""


class Articles(commands.Cog):
    """Listing and removing this server's articles."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="articles")
    @app_commands.guild_only()
    @app_commands.describe(page="Page to start at (10 articles a page)")
    async def articles(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 100_000] = 1
    ) -> None:
        """List the articles I can quote here: id, title, outlet, date, who added them."""
        await defer(interaction, ephemeral=False)
        embed, number, pages = await articles_page(self.bot, interaction.guild_id, page - 1)
        view = articles_view(interaction.user.id, number, pages)
        kwargs = {"view": view} if view is not None else {}
        await interaction.edit_original_response(
            embed=embed, allowed_mentions=NO_MENTIONS, **kwargs
        )

    @app_commands.command(name="remove")
    @app_commands.guild_only()
    @app_commands.describe(article="Id of the article to remove (see /articles)")
    async def remove(
        self, interaction: discord.Interaction, article: app_commands.Range[str, 1, 200]
    ) -> None:
        """Remove an article from this server (admins, or the person who added it)."""
        assert interaction.guild_id is not None
        home = guild_collection(interaction.guild_id)
        article_id = article.strip()
        library = self.bot.library
        await defer(interaction, ephemeral=True)  # the lookups and removal may take a while
        try:
            found = await library.get_article(article_id, collections=[home])
        except ArticleNotFound:
            if GLOBAL_COLLECTION in self.bot.collections_for(interaction.guild_id):
                try:
                    await library.get_article(article_id, collections=[GLOBAL_COLLECTION])
                except ArticleNotFound:
                    pass
                else:
                    raise ArticleNotFound(
                        f"{article_id!r} is a shared (global) article; only the bot's operator "
                        "can remove it."
                    ) from None
            raise ArticleNotFound(
                f"No article with id {article_id!r} in this server; see /articles."
            ) from None
        if found.added_by != str(interaction.user.id) and not is_admin(interaction):
            raise NotAdmin(
                "You can remove only articles you added. Removing other people's articles "
                f"needs {admin_requirement(self.bot.bot_settings.admin_role)}."
            )
        removed = await library.remove_article(found.id, collection=home)
        await interaction.edit_original_response(
            content=f"Removed **{fit(removed.title, 200)}** (id {code(removed.id)}); "
            "it will not be quoted again.",
            allowed_mentions=NO_MENTIONS,
        )

    @remove.autocomplete("article")
    async def remove_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """This server's articles the user may remove: all for admins, else their own."""
        if interaction.guild_id is None:
            return []
        items = await self.bot.library.list_articles(
            collections=[guild_collection(interaction.guild_id)], offset=0, limit=500
        )
        if not is_admin(interaction):
            items = [item for item in items if item.added_by == str(interaction.user.id)]
        needle = current.strip().lower()
        # Discord caps a choice's value at 100 characters: a cut id would not match, so
        # longer ids are left out (they can still be typed or pasted in full).
        return [
            app_commands.Choice(name=choice_label(item.title, item.id), value=item.id)
            for item in items
            if len(item.id) <= CHOICE_LIMIT
            and (needle in item.id.lower() or needle in item.title.lower())
        ][:25]


def choice_label(title: str, article_id: str) -> str:
    """``Title (id)`` within Discord's 100 characters: the id whole, the title cut at a
    word boundary with "…" (or only the id when it leaves no room)."""
    room = CHOICE_LIMIT - len(article_id) - 3
    if room < 8:
        return article_id[:CHOICE_LIMIT]
    return f"{trim(' '.join(title.split()), room)} ({article_id})"


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Articles(bot))
