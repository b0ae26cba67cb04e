"""``/articles`` (paged list) and ``/remove`` (admins, or whoever added the article)."""

from __future__ import annotations

import math

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import NotAdmin, admin_requirement, is_admin
from bot.client import NO_MENTIONS, NewsBot, defer, guild_collection
from bot.render import articles_embed, code, fit
from index.errors import ArticleNotFound
from index.models import GLOBAL_COLLECTION

PAGE_SIZE = 10


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
        from bot.views import PagerView

        guild_id = interaction.guild_id
        collections = self.bot.collections_for(guild_id)
        names = self.bot.collection_names(guild_id)
        library = self.bot.library

        async def fetch(number: int) -> tuple[discord.Embed, int]:
            total = await library.count_articles(collections=collections)
            pages = max(1, math.ceil(total / PAGE_SIZE))
            number = min(number, pages - 1)
            items = await library.list_articles(
                collections=collections, offset=number * PAGE_SIZE, limit=PAGE_SIZE
            )
            embed = articles_embed(
                items, page=number, pages=pages, total=total, collection_names=names
            )
            return embed, pages

        embed, pages = await fetch(page - 1)
        view = PagerView(fetch, pages=pages, page=min(page - 1, pages - 1))
        await interaction.response.send_message(
            embed=embed, view=view, allowed_mentions=NO_MENTIONS
        )
        view.attach(await interaction.original_response())

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
                        f"{article_id!r} is a shared (global) article; it can be removed only "
                        "from the command line: `newsbot remove ID`."
                    ) from None
            raise
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
        if interaction.guild_id is None:
            return []
        items = await self.bot.library.list_articles(
            collections=[guild_collection(interaction.guild_id)], offset=0, limit=200
        )
        needle = current.strip().lower()
        # Discord caps a choice's value at 100 characters: a cut id would not match, so
        # longer ids are left out (they can still be typed or pasted in full).
        return [
            app_commands.Choice(name=f"{item.title[:70]} ({item.id})"[:100], value=item.id)
            for item in items
            if len(item.id) <= 100 and (needle in item.id.lower() or needle in item.title.lower())
        ][:25]


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Articles(bot))
