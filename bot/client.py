"""The Discord client: builds the bot, owns the library, handles app-command errors, runs it.

``create_bot()`` builds the bot from the environment without logging in (tests pass
``settings=``, ``bot_settings=``, ``embedder=`` or ``library=`` overrides);
``run_bot()`` is ``newsbot run``.
"""

from __future__ import annotations

import logging
import math
import sys
from pathlib import Path

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import Cooldowns, GuildOnly, NotAdmin
from bot.config import BotSettings, ConfigError
from bot.render import for_discord
from index.config import Settings
from index.conversations import ShownAnswer
from index.embedder import Embedder
from index.errors import NewsbotError
from index.feeds.scheduler import FeedScheduler
from index.library import Library
from index.models import GLOBAL_COLLECTION

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.cogs.ask",
    "bot.cogs.ingest",
    "bot.cogs.articles",
    "bot.cogs.admin",
    "bot.cogs.feeds",
)
NO_MENTIONS = discord.AllowedMentions.none()
CONTENT_LIMIT = 2000
GENERIC_APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again."


def guild_collection(guild_id: int) -> str:
    """The collection holding one server's articles."""
    return f"guild:{guild_id}"


class NewsBot(commands.Bot):
    """newsbot on Discord: slash commands and mentions answered from the library."""

    def __init__(
        self,
        *,
        settings: Settings,
        bot_settings: BotSettings,
        embedder: Embedder | None = None,
        library: Library | None = None,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # privileged: needed to read mention questions
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
        )
        self.settings = settings
        self.bot_settings = bot_settings
        self._embedder = embedder
        self._library = library
        self._owns_library = library is None
        self.cooldowns = Cooldowns()
        self.feed_scheduler: FeedScheduler | None = None
        self.tree.error(self.on_app_command_error)

    # -- life cycle --------------------------------------------------------------------

    @property
    def library(self) -> Library:
        if self._library is None:
            raise NewsbotError("The article library is still loading; try again in a moment.")
        return self._library

    async def setup_hook(self) -> None:
        if self._library is None:
            log.info("opening the library in %s", self.settings.data_dir)
            self._library = await Library.open(self.settings, embedder=self._embedder)
        # The model loads now, not on the first question (which would wait for it).
        await self._library.warm_up()
        self._library.conversations.keep = self.bot_settings.answer_memory
        await self._library.conversations.prune(self.answer_seconds)
        # The buttons of answers and lists sent before a restart keep working.
        from bot.views import PERSISTENT_ITEMS

        self.add_dynamic_items(*PERSISTENT_ITEMS)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self._start_feeds()
        if self.bot_settings.sync_commands:
            await self.sync_commands()

    def _start_feeds(self) -> None:
        """Poll RSS/Atom feeds in the background; each event is dispatched as
        ``on_feed_event`` (posted by the feeds cog). NEWSBOT_FEED_SCHEDULER=false leaves the
        scheduler built but not running (``feed_scheduler.run_once()`` polls by hand)."""
        self.feed_scheduler = FeedScheduler(
            self.library.feeds,
            notify=lambda event: self.dispatch("feed_event", event),
            tick=self.settings.feed_tick,
        )
        if self.settings.feed_scheduler:
            self.feed_scheduler.start()

    async def sync_commands(self) -> None:
        """Sync slash commands: to NEWSBOT_DEV_GUILD (instant) if set, else globally."""
        if self.bot_settings.dev_guild:
            guild = discord.Object(id=self.bot_settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to server %s", len(synced), guild.id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands (may take up to an hour to show)", len(synced))

    async def close(self) -> None:
        try:
            if self.feed_scheduler is not None:
                await self.feed_scheduler.stop()
            await super().close()
        finally:
            if self._owns_library and self._library is not None:
                library, self._library = self._library, None
                log.info("closing the library")
                await library.close()

    async def on_ready(self) -> None:
        log.info(
            "logged in as %s (%s) in %d servers",
            self.user,
            getattr(self.user, "id", "?"),
            len(self.guilds),
        )

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: mentions and replies are handled by the ask cog's listener."""

    # -- answers -------------------------------------------------------------------------

    @property
    def answer_seconds(self) -> float:
        return self.bot_settings.answer_days * 86_400

    async def remember(self, shown: ShownAnswer) -> ShownAnswer:
        """Store an answer about to be shown (its buttons and follow-ups need it), and
        forget answers older than NEWSBOT_ANSWER_DAYS."""
        conversations = self.library.conversations
        stored = await conversations.remember(shown)
        await conversations.prune(self.answer_seconds)
        return stored

    # -- collections ---------------------------------------------------------------------

    def collections_for(self, guild_id: int | None) -> list[str]:
        """What a server (or a DM, ``None``) may see: its collection, plus ``global``."""
        collections = [guild_collection(guild_id)] if guild_id is not None else []
        if self.bot_settings.global_visible:
            collections.append(GLOBAL_COLLECTION)
        return collections

    def collection_names(self, guild_id: int | None) -> dict[str, str]:
        """Display names of the collections :meth:`collections_for` gives, and only those."""
        names: dict[str, str] = {}
        if guild_id is not None:
            names[guild_collection(guild_id)] = "this server"
        if self.bot_settings.global_visible:
            names[GLOBAL_COLLECTION] = "shared (global)"
        return names

    # -- errors ----------------------------------------------------------------------

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Every app-command error becomes a specific, ephemeral message; bugs are logged."""
        text = error_text(error)
        if text is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("error in /%s", command, exc_info=error)
            text = GENERIC_APOLOGY
        await send_error(interaction, text)


def error_text(error: BaseException) -> str | None:
    """The user-facing message for an error, or ``None`` for an unexpected one."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        original = error.__cause__ or getattr(error, "original", None)
        if isinstance(error, app_commands.TransformerError) and not isinstance(
            original, NewsbotError
        ):
            return f"That value isn't valid: {error}"
        error = original or error
    if isinstance(error, NewsbotError):
        return for_discord(str(error))
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"You're going a bit fast: try again in {math.ceil(error.retry_after)} s."
    if isinstance(error, NotAdmin | GuildOnly):
        return str(error)
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"You need the {needed} permission to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"I need the {needed} permission in this channel to do that."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only in a server."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    if isinstance(error, discord.Forbidden):
        return (
            "Discord refused: I'm missing a permission in this channel "
            "(I need Send Messages, Embed Links and Read Message History)."
        )
    return None


async def send_error(interaction: discord.Interaction, text: str) -> None:
    """Show ``text`` to the user only, whatever state the interaction is in."""
    text = text[:2000]
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        deferred = interaction.extras.get("deferred")
        if deferred == "ephemeral":
            await interaction.edit_original_response(
                content=text, embeds=[], view=None, allowed_mentions=NO_MENTIONS
            )
            return
        if deferred == "public":
            # The public "thinking…" placeholder cannot turn ephemeral: complete it, tell the
            # user privately, then delete it, so only the private message remains.
            await interaction.edit_original_response(
                content="This question could not be answered.", embeds=[], view=None
            )
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                log.debug("could not delete the deferred reply", exc_info=True)
            return
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not tell the user about an error: %s", text, exc_info=True)


TOKEN_GONE = {10015, 50027}
"""Discord error codes of an expired interaction token (Unknown / Invalid Webhook Token)."""


async def finish(interaction: discord.Interaction, content: str) -> None:
    """Show a long job's result: in the deferred reply, or, when the interaction token has
    expired (15 minutes), as a channel message (a direct message if the channel is closed
    to the bot), so the result is never lost."""
    content = content[:CONTENT_LIMIT]
    if not interaction.is_expired():
        try:
            await interaction.edit_original_response(
                content=content, embeds=[], allowed_mentions=NO_MENTIONS
            )
            return
        except discord.HTTPException as error:
            if error.code not in TOKEN_GONE:
                raise
    late = f"{interaction.user.mention}: {content}"[:CONTENT_LIMIT]
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable):
        try:
            await channel.send(late, allowed_mentions=NO_MENTIONS)
            return
        except discord.HTTPException:
            log.info("could not post a late result in channel %s", interaction.channel_id)
    try:
        await interaction.user.send(content, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("a late result could not be delivered: %s", content)


async def defer(interaction: discord.Interaction, *, ephemeral: bool) -> None:
    """Defer with "thinking…", remembering how (for :func:`send_error`)."""
    interaction.extras["deferred"] = "ephemeral" if ephemeral else "public"
    await interaction.response.defer(thinking=True, ephemeral=ephemeral)


# -- factory and entry point ---------------------------------------------------------


def create_bot(
    *,
    settings: Settings | None = None,
    bot_settings: BotSettings | None = None,
    embedder: Embedder | None = None,
    library: Library | None = None,
    data_dir: str | Path | None = None,
) -> NewsBot:
    """Build the bot exactly as ``newsbot run`` does, without logging in.

    With no arguments everything comes from the environment (``.env`` is read by the
    command line): :meth:`BotSettings.from_env` and :meth:`Settings.from_env`.
    """
    if bot_settings is None:
        bot_settings = BotSettings.from_env()
    if settings is None:
        settings = library.settings if library is not None else Settings.from_env(data_dir)
    return NewsBot(settings=settings, bot_settings=bot_settings, embedder=embedder, library=library)


def run_bot(data_dir: str | Path | None = None) -> int:
    """``newsbot run``: log in with DISCORD_TOKEN and serve until Ctrl-C. Returns an exit code."""
    from dotenv import load_dotenv

    load_dotenv()
    logging.getLogger("bot").setLevel(logging.INFO)
    logging.getLogger("discord").setLevel(logging.INFO)
    try:
        bot_settings = BotSettings.from_env()
    except ConfigError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return 1
    if not bot_settings.token:
        print(
            "newsbot: DISCORD_TOKEN is not set. Put the bot token from the Discord developer "
            "portal (Applications -> your app -> Bot -> Reset Token) in .env or the "
            "environment; see README.md, “Running the Discord bot”.",
            file=sys.stderr,
        )
        return 1
    try:
        bot = create_bot(bot_settings=bot_settings, data_dir=data_dir)
    except (NewsbotError, ValueError) as error:  # e.g. NEWSBOT_THREADS=lots
        print(
            f"newsbot: a NEWSBOT_* setting in .env or the environment is invalid: {error}",
            file=sys.stderr,
        )
        return 1
    try:
        # Bot.run closes the bot (and with it the library) on Ctrl-C.
        bot.run(bot_settings.token, log_handler=None)
    except discord.LoginFailure:
        print(
            "newsbot: Discord rejected DISCORD_TOKEN; reset the token and try again.",
            file=sys.stderr,
        )
        return 1
    except discord.PrivilegedIntentsRequired:
        print(
            "newsbot: enable the Message Content intent for the bot in the Discord developer "
            "portal (Applications -> your app -> Bot -> Privileged Gateway Intents).",
            file=sys.stderr,
        )
        return 1
    except NewsbotError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return 1
    except aiohttp.ClientConnectionError as error:  # no network, DNS down, proxy...
        print(
            f"newsbot: could not reach Discord ({error}); check the network connection "
            "and try again.",
            file=sys.stderr,
        )
        return 1
    return 0
