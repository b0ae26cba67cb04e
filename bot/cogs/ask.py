"""``/ask`` and mentions: answer with verbatim quotes; replies to an answer are follow-ups."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import cooldown
from bot.client import GENERIC_APOLOGY, NO_MENTIONS, NewsBot, Remembered, defer
from bot.render import answer_embed, fit
from bot.views import AnswerView
from index.errors import NewsbotError
from index.models import Answer

log = logging.getLogger(__name__)

ANSWER_LIMIT = 15
"""Quotes fetched per question; the "More" button pages through them three at a time."""
HINT = "Ask me a question after the mention, e.g. “What did Marks say?”"


def strip_mention(content: str, bot_id: int) -> str:
    """The question without the bot's ``<@id>`` / ``<@!id>`` mentions."""
    return " ".join(re.sub(rf"<@!?{bot_id}>", " ", content).split())


class Ask(commands.Cog):
    """Questions: the ``/ask`` command and messages that mention (or reply to) the bot."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    def _collections(self, guild_id: int | None) -> list[str]:
        collections = self.bot.collections_for(guild_id)
        if not collections:
            raise NewsbotError(
                "In direct messages I can only quote the shared articles, and this bot keeps "
                "them private. Ask in a server instead."
            )
        return collections

    async def _answer(
        self,
        question: str,
        collections: Sequence[str],
        article_ids: Sequence[str] | None = None,
    ) -> tuple[Answer, discord.Embed, AnswerView | None]:
        answer = await self.bot.library.ask(
            question, collections=collections, limit=ANSWER_LIMIT, article_ids=article_ids
        )
        if not answer.answered or not answer.quotes:
            return answer, answer_embed(answer), None
        view = AnswerView(answer)
        return answer, view.embed(), view

    def _remember(
        self,
        message_id: int,
        collections: Sequence[str],
        answer: Answer,
        previous: Sequence[str] | None = None,
    ) -> None:
        if answer.answered and answer.quotes:
            self.bot.answers.remember(
                message_id, collections, [q.article_id for q in answer.quotes]
            )
        elif previous:
            self.bot.answers.remember(message_id, collections, previous)

    @app_commands.command(name="ask")
    @app_commands.describe(question="What you want to know, e.g. “What did Marks say?”")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    @cooldown("ask", "ask_cooldown")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 500]
    ) -> None:
        """Answer a question by quoting the news articles verbatim, with citations."""
        collections = self._collections(interaction.guild_id)
        await defer(interaction, ephemeral=False)
        answer, embed, view = await self._answer(question, collections)
        kwargs = {"view": view} if view is not None else {}
        message = await interaction.edit_original_response(
            embed=embed, allowed_mentions=NO_MENTIONS, **kwargs
        )
        if view is not None:
            view.attach(message)
        self._remember(message.id, collections, answer)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot (or replies to an answer, or is a DM)."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        reference = message.reference
        # Only a reply to an answer is a follow-up; a forward of one is not addressed to me.
        replied = reference is not None and reference.type is discord.MessageReferenceType.reply
        remembered = self.bot.answers.get(reference.message_id if replied else None)
        mentioned = any(user.id == me.id for user in message.mentions)
        if not (mentioned or remembered is not None or message.guild is None):
            return
        try:
            await self._reply(message, remembered)
        except discord.HTTPException:
            log.warning("could not reply in channel %s", message.channel.id, exc_info=True)

    async def _reply(self, message: discord.Message, remembered: Remembered | None) -> None:
        question = strip_mention(message.content, self.bot.user.id)  # type: ignore[union-attr]
        # The cooldown comes first, so bare mentions cannot make me spam the hint either.
        left = self.bot.cooldowns.retry_after(
            "ask", message.author.id, self.bot.bot_settings.ask_cooldown
        )
        if left > 0:
            await message.reply(
                f"You're going a bit fast: try again in {math.ceil(left)} s.",
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
            return
        if not question:
            await message.reply(HINT, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        try:
            if remembered is not None:
                collections = list(remembered.collections)
                previous: list[str] | None = list(remembered.article_ids)
            else:
                collections = self._collections(message.guild.id if message.guild else None)
                previous = None
            answer, embed, view = await self._answer(question, collections, previous)
        except NewsbotError as error:
            await message.reply(
                fit(str(error), 2000), mention_author=False, allowed_mentions=NO_MENTIONS
            )
            return
        except Exception:
            log.exception("error answering a mention")
            await message.reply(GENERIC_APOLOGY, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        kwargs = {"view": view} if view is not None else {}
        sent = await message.reply(
            embed=embed, mention_author=False, allowed_mentions=NO_MENTIONS, **kwargs
        )
        if view is not None:
            view.attach(sent)
        self._remember(sent.id, collections, answer, previous)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))
