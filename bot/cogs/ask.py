"""``/ask`` and mentions: answer with verbatim quotes; replies to an answer are follow-ups.

Every answer shown is stored (:mod:`index.conversations`), so a reply to it works after a
restart too. A reply resolves "he"/"she"/"more" against the answer it replies to, stays
on that answer's articles and never repeats a quote already shown
(:mod:`index.followup`); a reply that is no question ("thanks!", "lol", an emoji) gets at
most a reaction.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import charge, cooldown
from bot.client import GENERIC_APOLOGY, NO_MENTIONS, NewsBot, defer
from bot.render import QUOTES_PER_PAGE, answer_embed, fit, for_discord
from bot.views import answer_view
from index.conversations import ShownAnswer
from index.errors import NewsbotError
from index.followup import answer_speaker, is_small_talk, is_thanks, rewrite
from index.models import Answer
from index.validate import check_question

log = logging.getLogger(__name__)

ANSWER_LIMIT = 15
"""Quotes fetched per question; "Next" pages through them three at a time."""
HINT = "Ask me a question after the mention, e.g. “What did Marks say?”"
THANKS_REACTION = "👍"


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
        self, question: str, asker: int, collections: Sequence[str], previous: ShownAnswer | None
    ) -> tuple[ShownAnswer, discord.Embed, discord.ui.View | None]:
        """Answer (a follow-up of ``previous`` when given) and store what will be shown."""
        if previous is None:
            answer = await self.bot.library.ask(
                question, collections=collections, limit=ANSWER_LIMIT
            )
            speaker, articles, excluded = answer_speaker(answer), None, ()
        else:
            question = rewrite(
                question, speaker=previous.speaker, previous_question=previous.answer.question
            )
            excluded = tuple(previous.seen())
            answer = await self.bot.library.ask(
                question,
                collections=previous.collections,
                limit=ANSWER_LIMIT,
                article_ids=previous.article_ids,
                exclude=excluded,
            )
            speaker = answer_speaker(answer) or previous.speaker
            articles = previous.article_ids
        if not answer.answered:
            answer = Answer(answer.question, False, (), for_discord(answer.message or "") or None)
        shown = ShownAnswer(
            answer=answer,
            collections=tuple(collections if previous is None else previous.collections),
            asker=str(asker),
            speaker=speaker,
            shown=min(QUOTES_PER_PAGE, len(answer.quotes)),
            excluded=excluded,
            articles=tuple(articles) if articles is not None else (),
        )
        if answer.answered or previous is not None:  # a reply to it is a follow-up
            shown = await self.bot.remember(shown)
        return shown, answer_embed(answer), answer_view(shown)

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
        check_question(question)  # a blank question is told privately, before any public reply
        await defer(interaction, ephemeral=False)
        charge(interaction, "ask", "ask_cooldown")
        shown, embed, view = await self._answer(question, interaction.user.id, collections, None)
        kwargs = {"view": view} if view is not None else {}
        message = await interaction.edit_original_response(
            embed=embed, allowed_mentions=NO_MENTIONS, **kwargs
        )
        if shown.id:
            await self.bot.library.conversations.link(shown.id, str(message.id))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot (or replies to an answer, or is a DM)."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        reference = message.reference
        # Only a reply to an answer is a follow-up; a forward of one is not addressed to me.
        replied = (
            reference is not None
            and reference.type is discord.MessageReferenceType.reply
            and reference.message_id is not None
        )
        previous = None
        if replied:
            assert reference is not None and reference.message_id is not None
            previous = await self.bot.library.conversations.by_ref(str(reference.message_id))
        mentioned = any(user.id == me.id for user in message.mentions)
        if not (mentioned or previous is not None or message.guild is None):
            return
        try:
            await self._reply(message, previous)
        except discord.HTTPException:
            log.warning("could not reply in channel %s", message.channel.id, exc_info=True)

    async def _reply(self, message: discord.Message, previous: ShownAnswer | None) -> None:
        question = strip_mention(message.content, self.bot.user.id)  # type: ignore[union-attr]
        if not question and not message.attachments and not message.stickers:
            # A hint costs no question; it has its own bucket so mentions cannot make me
            # spam it (a repeated bare mention meanwhile is ignored).
            cooldowns, seconds = self.bot.cooldowns, self.bot.bot_settings.ask_cooldown
            if cooldowns.left("hint", message.author.id) <= 0:
                cooldowns.charge("hint", message.author.id, seconds)
                await message.reply(HINT, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        if not question or is_small_talk(question):
            if is_thanks(question):
                with contextlib.suppress(discord.HTTPException):
                    await message.add_reaction(THANKS_REACTION)
            return
        left = self.bot.cooldowns.left("ask", message.author.id)
        if left > 0:
            await message.reply(
                f"You're going a bit fast: try again in {math.ceil(left)} s.",
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
            )
            return
        self.bot.cooldowns.charge("ask", message.author.id, self.bot.bot_settings.ask_cooldown)
        try:
            collections = (
                list(previous.collections)
                if previous is not None
                else self._collections(message.guild.id if message.guild else None)
            )
            shown, embed, view = await self._answer(
                question, message.author.id, collections, previous
            )
        except NewsbotError as error:
            await message.reply(
                fit(for_discord(str(error)), 2000),
                mention_author=False,
                allowed_mentions=NO_MENTIONS,
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
        if shown.id:
            await self.bot.library.conversations.link(shown.id, str(sent.id))


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ask(bot))
