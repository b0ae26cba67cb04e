"""``/ingest url|file|text``: add an article to this server's collection, with progress.

The ingest cooldown is charged only when work starts: a refused upload, a refused private
address or a form opened and closed costs nothing.
"""

from __future__ import annotations

from pathlib import PurePath

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import charge, cooldown, is_admin
from bot.client import NewsBot, defer, finish, guild_collection
from bot.render import ingest_message
from bot.views import ArticleModal, ProgressEditor
from index.errors import BadArticle, UrlRefused
from index.models import ArticleInput, IngestReport

UPLOAD_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")


def _size(n: int) -> str:
    if n >= 100_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{n / 1000:.0f} kB" if n >= 10_000 else f"{n:,} bytes"


@app_commands.guild_only()
class Ingest(
    commands.GroupCog,
    group_name="ingest",
    group_description="Add a news article to this server's library",
):
    """Adding articles: from a web page, an uploaded file, or pasted text."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    def _target(self, interaction: discord.Interaction) -> tuple[str, str, bool]:
        """This server's collection, the caller's id, and whether they may replace articles
        other members added (admins only: Manage Server or NEWSBOT_ADMIN_ROLE, as /remove)."""
        assert interaction.guild_id is not None  # guild_only
        return (
            guild_collection(interaction.guild_id),
            str(interaction.user.id),
            is_admin(interaction),
        )

    async def _finish(self, interaction: discord.Interaction, report: IngestReport) -> None:
        await finish(interaction, ingest_message(report))

    def _progress(self, interaction: discord.Interaction) -> ProgressEditor:
        return ProgressEditor(
            interaction, "Indexing", interval=self.bot.bot_settings.progress_interval
        )

    @app_commands.command(name="url")
    @app_commands.describe(url="Address of the article's web page (http or https)")
    @cooldown("ingest", "ingest_cooldown")
    async def url(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 1, 2000]
    ) -> None:
        """Fetch a web page and add the article on it."""
        collection, user, replace_others = self._target(interaction)
        await defer(interaction, ephemeral=True)
        try:
            report = await self.bot.library.ingest_url(
                url.strip(), collection=collection, added_by=user, replace_others=replace_others
            )
        except UrlRefused:
            raise  # refused before any fetch: no cooldown
        except BaseException:
            charge(interaction, "ingest", "ingest_cooldown")  # the fetch was tried
            raise
        charge(interaction, "ingest", "ingest_cooldown")
        await self._finish(interaction, report)

    @app_commands.command(name="file")
    @app_commands.describe(
        file="An article file: .txt/.md (first line = title), .html, .json or .jsonl"
    )
    @cooldown("ingest", "ingest_cooldown")
    async def file(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Add the articles in an uploaded file."""
        collection, user, replace_others = self._target(interaction)
        suffix = PurePath(file.filename).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise BadArticle(
                f"{file.filename}: I can read {', '.join(UPLOAD_SUFFIXES)} files, not "
                f"{suffix or 'files without an extension'}."
            )
        limit = self.bot.bot_settings.max_upload_bytes
        if file.size > limit:
            raise BadArticle(
                f"{file.filename} is {_size(file.size)}; the limit is {_size(limit)}. "
                "Split it into smaller files."
            )
        await defer(interaction, ephemeral=True)
        charge(interaction, "ingest", "ingest_cooldown")
        data = await file.read()
        report = await self.bot.library.ingest_file(
            data,
            file.filename,
            collection=collection,
            added_by=user,
            progress=self._progress(interaction),
            replace_others=replace_others,
        )
        await self._finish(interaction, report)

    @app_commands.command(name="text")
    @cooldown("ingest", "ingest_cooldown")
    async def text(self, interaction: discord.Interaction) -> None:
        """Paste an article: opens a form for its title, text, URL and outlet."""
        await interaction.response.send_modal(ArticleModal(self._pasted))

    async def _pasted(self, interaction: discord.Interaction, article: ArticleInput) -> None:
        collection, user, replace_others = self._target(interaction)
        await defer(interaction, ephemeral=True)
        charge(interaction, "ingest", "ingest_cooldown")  # submitted, not just opened
        report = await self.bot.library.ingest(
            [article], collection=collection, added_by=user, replace_others=replace_others
        )
        await self._finish(interaction, report)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ingest(bot))
