"""Buttons and modals: answer pages and sources, article list pages, the paste-an-article form."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.client import GENERIC_APOLOGY, NO_MENTIONS, error_text, send_error
from bot.render import answer_embed, page_count, progress_message, sources_embed
from index.models import Answer, ArticleInput

log = logging.getLogger(__name__)

VIEW_TIMEOUT = 15 * 60.0


async def _report(interaction: discord.Interaction, error: Exception) -> None:
    text = error_text(error)
    if text is None:
        log.error("error in a component", exc_info=error)
        text = GENERIC_APOLOGY
    await send_error(interaction, text)


class _View(discord.ui.View):
    """A view whose errors become ephemeral messages and which disables itself on timeout.

    The message is kept as a channel message (see :meth:`attach`), not an
    ``InteractionMessage``: that one is edited through the interaction's webhook token,
    which expires after 15 minutes, exactly when the view times out.
    """

    message: discord.Message | discord.PartialMessage | None = None

    def attach(self, message: discord.Message) -> None:
        """Remember the message carrying this view, to disable its buttons on timeout."""
        channel = message.channel
        if isinstance(message, discord.InteractionMessage) and hasattr(
            channel, "get_partial_message"
        ):
            self.message = channel.get_partial_message(message.id)  # type: ignore[union-attr]
        else:
            self.message = message

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await _report(interaction, error)

    async def on_timeout(self) -> None:
        if self.message is None:
            return
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        with contextlib.suppress(discord.HTTPException):
            await self.message.edit(view=self)


class AnswerView(_View):
    """Under an answer: "Back"/"More" page through up to 15 quotes, "Sources" lists articles."""

    def __init__(self, answer: Answer, *, page: int = 0) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.answer = answer
        self.page = page
        self.pages = page_count(answer)
        if self.pages <= 1:
            self.remove_item(self.back)
            self.remove_item(self.more)
        self._sync()

    def _sync(self) -> None:
        self.back.disabled = self.page <= 0
        self.more.disabled = self.page >= self.pages - 1

    def embed(self) -> discord.Embed:
        return answer_embed(self.answer, self.page)

    async def _show(self, interaction: discord.Interaction, page: int) -> None:
        self.page = min(max(page, 0), self.pages - 1)
        self._sync()
        await interaction.response.edit_message(
            embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Back", style=discord.ButtonStyle.secondary)
    async def back(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="More", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page + 1)

    @discord.ui.button(label="Sources", style=discord.ButtonStyle.secondary)
    async def sources(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.send_message(
            embed=sources_embed(self.answer), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


PageFetcher = Callable[[int], Awaitable[tuple[discord.Embed, int]]]
"""Given a page number, the page's embed and the current number of pages."""


class PagerView(_View):
    """ "Previous"/"Next" buttons over pages produced by ``fetch``."""

    def __init__(self, fetch: PageFetcher, *, pages: int, page: int = 0) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.fetch = fetch
        self.page = page
        self.pages = pages
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= self.pages - 1

    async def _show(self, interaction: discord.Interaction, page: int) -> None:
        embed, self.pages = await self.fetch(max(0, page))
        self.page = min(max(page, 0), max(self.pages - 1, 0))
        self._sync()
        await interaction.response.edit_message(
            embed=embed, view=self, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page + 1)


ArticleHandler = Callable[[discord.Interaction, ArticleInput], Awaitable[None]]


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
        super().__init__(timeout=VIEW_TIMEOUT)
        self.handler = handler

    def article(self) -> ArticleInput:
        url = self.url.value.strip() or None
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


class ProgressEditor:
    """A library progress callback that edits the deferred reply, at most every ``interval`` s."""

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
        if total <= 1 or done >= total:
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
