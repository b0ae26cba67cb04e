"""A feed item -> an :class:`ArticleInput`: the linked page if it reads well, else the
feed's own content.

The page is fetched through :func:`index.fetch.fetch_article` (same address policy, size
and time bounds as ``/ingest url``). When it cannot be fetched, is paywalled or yields
too little text, the item's ``content:encoded`` or summary is used instead. The outlet is
the feed's title and the date the item's; the article id is derived from the feed and
the item id, so a re-published item updates its article instead of duplicating it.
"""

from __future__ import annotations

import hashlib
import logging
import re

import aiohttp

from index.errors import BadArticle
from index.feeds.parse import FeedItem
from index.fetch import AddressPolicy, fetch_article
from index.models import ArticleInput

log = logging.getLogger(__name__)

MIN_PAGE_CHARS = 300
"""A page extracted shorter than this (a paywall teaser, a video page) is not used."""
PAGE_SHARE = 0.8
"""Nor is a page much shorter than the feed's own text of the item."""
TITLE_CHARS = 120


def item_article_id(feed_url: str, item: FeedItem) -> str:
    """A readable id, stable for one feed's item: ``<title slug>-<hash of feed + item id>``."""
    digest = hashlib.sha256(f"{feed_url}\n{item.key}".encode()).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", (item.title or "").lower()).strip("-")[:48].strip("-")
    return f"{slug or 'feed-item'}-{digest[:10]}"


def item_title(item: FeedItem, feed_title: str | None) -> str:
    """The item's title; else its first sentence; else the feed's name and the date."""
    if item.title:
        return item.title
    first = re.split(r"(?<=[.!?])\s", item.text.strip(), maxsplit=1)[0] if item.text else ""
    if first:
        return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"
    when = item.published.date().isoformat() if item.published else "undated"
    return f"{feed_title or 'Feed item'} ({when})"


class PageCache:
    """Pages fetched in one poll, by link: two subscribers of a feed cost one download."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        policy: AddressPolicy,
        *,
        timeout: float,
        max_bytes: int,
    ) -> None:
        self._session = session
        self._policy = policy
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._pages: dict[str, ArticleInput | None] = {}

    @property
    def session(self) -> aiohttp.ClientSession:
        return self._session

    async def get(self, link: str) -> ArticleInput | None:
        """The extracted article on ``link``, or ``None`` when it could not be read."""
        if link not in self._pages:
            try:
                self._pages[link] = await fetch_article(
                    link,
                    session=self._session,
                    policy=self._policy,
                    timeout=self._timeout,
                    max_bytes=self._max_bytes,
                )
            except BadArticle as error:  # FetchError, UrlRefused, no article on the page
                log.info("feed item page not used, falling back to the feed text: %s", error)
                self._pages[link] = None
        return self._pages[link]


async def item_article(
    item: FeedItem,
    *,
    article_id: str,
    feed_title: str | None,
    pages: PageCache,
) -> ArticleInput:
    """The article for one item (the library validates it like any other input)."""
    page = await pages.get(item.link) if item.link else None
    own = item.text.strip()
    page_text = page.text.strip() if page is not None else ""
    use_page = len(page_text) >= MIN_PAGE_CHARS and len(page_text) >= PAGE_SHARE * len(own)
    text = page_text if use_page or not own else own
    return ArticleInput(
        title=item_title(item, feed_title),
        text=text,
        id=article_id,
        url=item.link,
        source=feed_title,
        author=item.author or (page.author if page is not None and use_page else None),
        published=(
            item.published.isoformat(timespec="seconds")
            if item.published
            else (page.published if page is not None else None)
        ),
        origin=item.link or f"{feed_title or 'feed'}: {item.title or item.key}",
    )
