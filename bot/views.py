"""Buttons and modals: answer pages and sources, article list pages, the paste-an-article form.

The buttons under answers and article lists are *persistent*: each is a
:class:`discord.ui.DynamicItem` whose ``custom_id`` carries everything needed to act
(``newsbot:answer:<answer id>:<action>:<page>``, ``newsbot:articles:<user>:<page>``),
registered in the bot's ``setup_hook``, and answers are kept in the database
(:mod:`index.conversations`). So they keep working after a restart, never time out, and
never need the message edited to disable them (which fails where the bot cannot see the
channel). A page asked for by someone other than who asked the question is shown to them
privately; the public message only changes for its asker.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.client import GENERIC_APOLOGY, NO_MENTIONS, error_text, send_error
from bot.render import (
    QUOTES_PER_PAGE,
    answer_embed,
    articles_embed,
    page_count,
    progress_message,
    sources_embed,
)
from index.conversations import ShownAnswer
from index.errors import ArticleNotFound, BadArticle
from index.models import ArticleInput

if TYPE_CHECKING:
    from bot.client import NewsBot

log = logging.getLogger(__name__)

MODAL_TIMEOUT = 15 * 60.0
ARTICLES_PER_PAGE = 10
PREVIOUS, NEXT = "Previous", "Next"
EXPIRED = "This answer is too old for its buttons; ask the question again."
REMOVED = (
    "An article this answer quotes has been removed since, so I won't quote it again; "
    "ask the question again for a fresh answer."
)


async def _quotes_removed(bot: NewsBot, shown: ShownAnswer) -> bool:
    """Whether an article the answer quotes was removed after it was given."""
    for collection, article_id in dict.fromkeys(
        (quote.collection, quote.article_id) for quote in shown.answer.quotes
    ):
        try:
            await bot.library.get_article(article_id, collections=[collection])
        except ArticleNotFound:
            return True
    return False


async def _report(interaction: discord.Interaction, error: Exception) -> None:
    text = error_text(error)
    if text is None:
        log.error("error in a component", exc_info=error)
        text = GENERIC_APOLOGY
    await send_error(interaction, text)


def _is_ephemeral(interaction: discord.Interaction) -> bool:
    message = interaction.message
    return message is not None and message.flags.ephemeral


def _pager(
    view: discord.ui.View, make: Callable[[str, int], discord.ui.Item[Any]], page: int, pages: int
) -> None:
    """Add "Previous"/"Next" to ``view`` (nothing for a single page)."""
    if pages <= 1:
        return
    previous = make(PREVIOUS, max(page - 1, 0))
    following = make(NEXT, min(page + 1, pages - 1))
    previous.item.disabled = page <= 0  # type: ignore[attr-defined]
    following.item.disabled = page >= pages - 1  # type: ignore[attr-defined]
    view.add_item(previous)
    view.add_item(following)


# -- answers -----------------------------------------------------------------------------


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"newsbot:answer:(?P<id>\d+):(?P<action>page|sources):(?P<page>\d+)",
):
    """A page turn or "Sources" under an answer, working from the stored answer."""

    def __init__(self, answer_id: int, action: str, page: int, label: str) -> None:
        style = discord.ButtonStyle.primary if label == NEXT else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                custom_id=f"newsbot:answer:{answer_id}:{action}:{page}",
            )
        )
        self.answer_id, self.action, self.page = answer_id, action, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        label = getattr(item, "label", None) or "Sources"
        return cls(int(match["id"]), match["action"], int(match["page"]), label)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self._act(interaction)
        except Exception as error:
            await _report(interaction, error)

    async def _act(self, interaction: discord.Interaction) -> None:
        bot: NewsBot = interaction.client  # type: ignore[assignment]
        shown = await bot.library.conversations.get(self.answer_id)
        if shown is None:
            await interaction.response.send_message(
                EXPIRED, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        if self.action == "sources":
            await interaction.response.send_message(
                embed=sources_embed(shown.answer), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        if await _quotes_removed(bot, shown):
            await interaction.response.send_message(
                REMOVED, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        page = min(self.page, page_count(shown.answer) - 1)
        embed, view = answer_embed(shown.answer, page), answer_view(shown, page)
        if _is_ephemeral(interaction):
            await interaction.response.edit_message(embed=embed, view=view)
        elif shown.asker == str(interaction.user.id):
            await interaction.response.edit_message(embed=embed, view=view)
            await bot.library.conversations.mark_shown(shown, (page + 1) * QUOTES_PER_PAGE)
        else:  # someone else's answer: their own private copy, the public one stays
            await interaction.response.send_message(
                embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
            )


def answer_view(shown: ShownAnswer, page: int = 0) -> discord.ui.View | None:
    """The persistent buttons under an answer (``None`` for a non-answer)."""
    if not shown.id or not shown.answer.answered or not shown.answer.quotes:
        return None
    view = discord.ui.View(timeout=None)
    _pager(
        view,
        lambda label, target: AnswerButton(shown.id, "page", target, label),
        page,
        page_count(shown.answer),
    )
    view.add_item(AnswerButton(shown.id, "sources", 0, "Sources"))
    return view


# -- article lists -----------------------------------------------------------------------


async def articles_page(
    bot: NewsBot, guild_id: int | None, number: int
) -> tuple[discord.Embed, int, int]:
    """Page ``number`` (0-based, clamped) of the articles a server sees: embed, page, pages."""
    collections = bot.collections_for(guild_id)
    library = bot.library
    total = await library.count_articles(collections=collections)
    pages = max(1, math.ceil(total / ARTICLES_PER_PAGE))
    number = min(max(number, 0), pages - 1)
    items = await library.list_articles(
        collections=collections, offset=number * ARTICLES_PER_PAGE, limit=ARTICLES_PER_PAGE
    )
    embed = articles_embed(
        items,
        page=number,
        pages=pages,
        total=total,
        collection_names=bot.collection_names(guild_id),
    )
    return embed, number, pages


class ArticlesButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"newsbot:articles:(?P<user>\d+):(?P<page>\d+)",
):
    """A page turn under ``/articles``; the list is read again from the library."""

    def __init__(self, user_id: int, page: int, label: str) -> None:
        style = discord.ButtonStyle.primary if label == NEXT else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"newsbot:articles:{user_id}:{page}"
            )
        )
        self.user_id, self.page = user_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ArticlesButton:
        label = getattr(item, "label", None) or NEXT
        return cls(int(match["user"]), int(match["page"]), label)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            bot: NewsBot = interaction.client  # type: ignore[assignment]
            embed, page, pages = await articles_page(bot, interaction.guild_id, self.page)
            view = articles_view(self.user_id, page, pages)
            if _is_ephemeral(interaction) or interaction.user.id == self.user_id:
                await interaction.response.edit_message(embed=embed, view=view)
            else:
                await interaction.response.send_message(
                    embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        except Exception as error:
            await _report(interaction, error)


def articles_view(user_id: int, page: int, pages: int) -> discord.ui.View | None:
    """Persistent "Previous"/"Next" under an article list (``None`` for one page)."""
    if pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    _pager(view, lambda label, target: ArticlesButton(user_id, target, label), page, pages)
    return view


PERSISTENT_ITEMS = (AnswerButton, ArticlesButton)
"""Registered with ``bot.add_dynamic_items`` in ``setup_hook``."""


# -- the paste-an-article form -----------------------------------------------------------

ArticleHandler = Callable[[discord.Interaction, ArticleInput], Awaitable[None]]
WEB_ADDRESS = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)


class ArticleModal(discord.ui.Modal, title="Add an article"):
    """Paste an article: title, text, and optionally its URL and outlet."""

    article_title: discord.ui.TextInput[ArticleModal] = discord.ui.TextInput(
        label="Title", custom_id="title", max_length=256
    )
    text: discord.ui.TextInput[ArticleModal] = discord.ui.TextInput(
        label="Article text",
        custom_id="text",
        style=discord.TextStyle.paragraph,
        min_length=40,
        max_length=4000,
    )
    url: discord.ui.TextInput[ArticleModal] = discord.ui.TextInput(
        label="URL (optional)", custom_id="url", required=False, max_length=500
    )
    outlet: discord.ui.TextInput[ArticleModal] = discord.ui.TextInput(
        label="Outlet (optional)", custom_id="outlet", required=False, max_length=100
    )

    def __init__(self, handler: ArticleHandler) -> None:
        super().__init__(timeout=MODAL_TIMEOUT)
        self.handler = handler

    def article(self) -> ArticleInput:
        url = self.url.value.strip() or None
        if url is not None and not WEB_ADDRESS.fullmatch(url):
            raise BadArticle(
                "The URL must be a web address starting with http:// or https:// "
                "(or leave it empty); the article was not added."
            )
        return ArticleInput(
            title=self.article_title.value.strip(),
            text=self.text.value,
            url=url,
            source=self.outlet.value.strip() or None,
            origin="the pasted article",
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.handler(interaction, self.article())

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await _report(interaction, error)


# -- progress of long jobs ---------------------------------------------------------------


class ProgressEditor:
    """A library progress callback that edits the deferred reply, at most every ``interval`` s.

    It stops once the interaction token has expired (15 minutes): the final result is then
    posted by :func:`bot.client.finish` as a channel message.
    """

    def __init__(
        self,
        interaction: discord.Interaction,
        action: str,
        *,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interaction = interaction
        self.action = action
        self.interval = interval
        self.clock = clock
        self.edits = 0
        self._last: float | None = None

    async def __call__(self, done: int, total: int) -> None:
        if total <= 1 or done >= total or self.interaction.is_expired():
            return  # the final reply follows at once
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            return
        self._last = now
        try:
            await self.interaction.edit_original_response(
                content=progress_message(self.action, done, total), allowed_mentions=NO_MENTIONS
            )
            self.edits += 1
        except discord.HTTPException:
            log.debug("could not show progress", exc_info=True)
