"""Following feeds: subscribe, list, remove, and poll (one feed, or every due one).

One poll of a feed is one conditional GET (``If-None-Match`` / ``If-Modified-Since``),
shared by every collection subscribed to it; each subscription then takes in the items it
has not seen (or that were re-published with new content) through the library's normal
ingest path. A new subscription reads the feed's backlog once, unconditionally and without
announcing it. At most ``feed_items_per_poll`` items go in per poll and subscription (the
newest); older extra items are marked skipped rather than flooding the server.

A feed that fails is polled again after an exponentially growing pause (capped by
``feed_max_backoff``), and disabled after ``feed_max_failures`` failures in a row; each
subscriber then gets a :class:`FeedDisabled` event for a notice in its channel.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from index.config import MIN_FEED_INTERVAL
from index.errors import FetchError, NewsbotError
from index.feeds.items import PageCache, item_article, item_article_id
from index.feeds.parse import FeedItem, NotAFeed, ParsedFeed, parse_feed
from index.feeds.store import DISABLED, Feed, FeedListing, FeedStore, Subscription
from index.fetch import allow_any, check_url, fetch_feed, make_session, public_only
from index.models import IngestedArticle, IngestFailure

if TYPE_CHECKING:
    from index.library import Library

log = logging.getLogger(__name__)

FEED_ADDED_BY = "feed"
"""``added_by`` of articles taken in from feeds."""


class FeedNotFound(NewsbotError):
    """No feed with that address or id is followed here."""


class BadFeedSetting(NewsbotError):
    """A subscription setting out of bounds (an interval under five minutes)."""


@dataclass(frozen=True)
class NewArticle:
    """An item that became a new article, for a subscription that announces them."""

    feed_title: str
    feed_url: str
    collection: str
    channel_id: int
    article_id: str
    title: str
    url: str | None
    published: str | None


@dataclass(frozen=True)
class FeedDisabled:
    """A feed that failed too often and is no longer polled, for one subscriber."""

    feed_title: str
    feed_url: str
    collection: str
    channel_id: int | None
    failures: int
    error: str


@dataclass(frozen=True)
class NewArticles:
    """The new articles one poll brought to one announcing subscription: one notice."""

    feed_title: str
    feed_url: str
    collection: str
    channel_id: int
    articles: tuple[NewArticle, ...]


FeedEvent = NewArticle | FeedDisabled
"""What a poll reports (:attr:`PollReport.events`)."""
Notice = NewArticles | FeedDisabled
"""What ``notify`` receives: new articles grouped per subscription, or a disabled feed."""
Notify = Callable[[Notice], Awaitable[None] | None]


def notices(events: Sequence[FeedEvent]) -> list[Notice]:
    """A poll's events as notices: one per subscription for its new articles."""
    grouped: dict[tuple[str, int], list[NewArticle]] = {}
    out: list[Notice] = []
    for event in events:
        if isinstance(event, NewArticle):
            grouped.setdefault((event.collection, event.channel_id), []).append(event)
        else:
            out.append(event)
    for (collection, channel_id), articles in grouped.items():
        first = articles[0]
        out.insert(
            0,
            NewArticles(first.feed_title, first.feed_url, collection, channel_id, tuple(articles)),
        )
    return out


@dataclass
class PollReport:
    """What one poll of one feed did."""

    feed: Feed
    status: str
    """``updated`` (read), ``not modified`` (304), ``failed`` or ``disabled``."""
    ingested: list[tuple[str, IngestedArticle]] = field(default_factory=list)
    """``(collection, article)`` for items added or updated."""
    refused: list[tuple[str, IngestFailure]] = field(default_factory=list)
    skipped: int = 0
    error: str | None = None
    events: list[FeedEvent] = field(default_factory=list)


@dataclass(frozen=True)
class AddedFeed:
    feed: Feed
    subscription: Subscription
    new: bool
    items: int
    """Items in the feed right now."""


class FeedService:
    """The feeds of one open library (``library.feeds``)."""

    def __init__(self, library: Library, *, clock: Callable[[], float] = time.time) -> None:
        self.library = library
        self.settings = library.settings
        self.store = FeedStore(library.store)
        self.clock = clock
        self.random = random.random

    @property
    def _policy(self):  # type: ignore[no-untyped-def]
        return allow_any if self.settings.allow_private_urls else public_only

    # -- subscriptions ---------------------------------------------------------------

    async def add(
        self,
        url: str,
        *,
        collection: str,
        channel_id: int | None = None,
        announce: bool = False,
        added_by: str | None = None,
        interval_minutes: float | None = None,
    ) -> AddedFeed:
        """Follow a feed from ``collection``: it is downloaded once to check that it is a
        feed (and for its title); its items go in at the next poll. ``interval_minutes``
        (at least 5) sets how often the feed is polled, for every server following it."""
        interval = self.settings.feed_interval
        if interval_minutes is not None:
            if not math.isfinite(interval_minutes) or interval_minutes * 60 < MIN_FEED_INTERVAL:
                raise BadFeedSetting(
                    f"A feed is polled at most every {MIN_FEED_INTERVAL // 60} minutes; "
                    f"{interval_minutes:g} is too often."
                )
            interval = interval_minutes * 60
        url = str(check_url(url.strip(), self._policy))
        try:
            parsed = await self._download(url)
        except NotAFeed as error:
            if not error.links:
                raise
            url = error.links[0]  # a web page that names its feed: follow that
            parsed = await self._download(url)
        feed, subscription, new = await self.store.subscribe(
            url=url,
            title=parsed.title,
            collection=collection,
            channel_id=channel_id,
            announce=announce,
            added_by=added_by,
            now=self.clock(),
            interval=interval,
            set_interval=interval_minutes is not None,
            limit=self.settings.feeds_per_collection,
        )
        return AddedFeed(feed, subscription, new, len(parsed.items))

    async def _download(self, url: str) -> ParsedFeed:
        response = await fetch_feed(
            url,
            policy=self._policy,
            timeout=self.settings.fetch_timeout,
            max_bytes=self.settings.fetch_max_bytes,
        )
        return await asyncio.to_thread(
            parse_feed, response.body, response.url, response.content_type
        )

    async def list(self, *, collections: Sequence[str]) -> list[FeedListing]:
        return await self.store.listings(collections)

    async def find(self, url_or_id: str, *, collection: str) -> FeedListing:
        """The subscription of ``collection`` to a feed given by its id or address."""
        wanted = url_or_id.strip()
        for listing in await self.store.listings([collection]):
            if wanted in (str(listing.feed.pk), listing.feed.url):
                return listing
        raise FeedNotFound(
            f"No feed {wanted!r} is followed here; see the list with /feed list or "
            "`newsbot feeds list`."
        )

    async def remove(self, url_or_id: str, *, collection: str) -> Feed:
        """Stop following a feed; the articles it brought stay (remove them one by one)."""
        listing = await self.find(url_or_id, collection=collection)
        await self.store.unsubscribe(collection, listing.feed.pk)
        return listing.feed

    # -- polling ---------------------------------------------------------------------

    async def poll_due(
        self,
        *,
        everything: bool = False,
        collections: Sequence[str] | None = None,
        notify: Notify | None = None,
    ) -> list[PollReport]:
        """Poll every feed that is due (every active one with ``everything``), at most
        ``feed_concurrency`` at a time; ``notify`` gets each event as it happens."""
        feeds = await self.store.due(self.clock(), everything=everything)
        if collections is not None:
            wanted = set(collections)
            feeds = [
                f
                for f in feeds
                if any(s.collection in wanted for s in await self.store.subscriptions(f.pk))
            ]
        if not feeds:
            return []
        limit = asyncio.Semaphore(max(1, self.settings.feed_concurrency))
        timeout = self.settings.fetch_timeout
        async with make_session(policy=self._policy, timeout=timeout) as session:
            pages = PageCache(
                session, self._policy, timeout=timeout, max_bytes=self.settings.fetch_max_bytes
            )

            async def one(feed: Feed) -> PollReport:
                async with limit:
                    try:
                        report = await self.poll_feed(feed, pages=pages)
                    except NewsbotError as error:  # e.g. the model changed: not the feed's fault
                        log.warning("feed %s not polled: %s", feed.url, error)
                        return PollReport(feed, "failed", error=str(error))
                for notice in notices(report.events):
                    await _notify(notify, notice)
                return report

            return list(await asyncio.gather(*(one(feed) for feed in feeds)))

    async def poll_feed(self, feed: Feed, *, pages: PageCache) -> PollReport:
        """One poll: download (conditionally), then each subscription takes its new items."""
        subscriptions = await self.store.subscriptions(feed.pk)
        if not subscriptions:
            return PollReport(feed, "not modified")
        conditional = all(s.primed for s in subscriptions)
        now = self.clock()
        try:
            response = await fetch_feed(
                feed.url,
                etag=feed.etag if conditional else None,
                last_modified=feed.last_modified if conditional else None,
                policy=self._policy,
                timeout=self.settings.fetch_timeout,
                max_bytes=self.settings.fetch_max_bytes,
                session=pages.session,
            )
            parsed = None
            if response.status != 304:
                parsed = await asyncio.to_thread(
                    parse_feed, response.body, response.url, response.content_type
                )
        except FetchError as error:  # unreachable, refused, HTTP error, not a feed
            return await self._failed(feed, subscriptions, str(error), now)
        report = PollReport(feed, "not modified" if parsed is None else "updated")
        if parsed is not None:
            for subscription in subscriptions:
                await self._take_items(feed, parsed, subscription, pages, report)
        await self.store.record_success(
            feed.pk,
            title=parsed.title if parsed else None,
            etag=response.etag,
            last_modified=response.last_modified,
            now=now,
            next_poll_at=now + self._interval(feed),
        )
        return report

    def _interval(self, feed: Feed) -> float:
        """The feed's interval, moved by up to ``feed_jitter`` of it either way."""
        jitter = self.settings.feed_jitter * (2 * self.random() - 1)
        return feed.interval * (1 + jitter)

    async def _failed(
        self, feed: Feed, subscriptions: Sequence[Subscription], error: str, now: float
    ) -> PollReport:
        failures = feed.failures + 1
        disable = failures >= self.settings.feed_max_failures
        pause = min(feed.interval * 2**failures, max(feed.interval, self.settings.feed_max_backoff))
        await self.store.record_failure(
            feed.pk, error=error, now=now, next_poll_at=now + pause, disable=disable
        )
        log.warning("feed %s failed (%d in a row): %s", feed.url, failures, error)
        report = PollReport(feed, DISABLED if disable else "failed", error=error)
        if disable:
            report.events = [
                FeedDisabled(feed.name, feed.url, s.collection, s.channel_id, failures, error)
                for s in subscriptions
            ]
        return report

    async def _take_items(
        self,
        feed: Feed,
        parsed: ParsedFeed,
        subscription: Subscription,
        pages: PageCache,
        report: PollReport,
    ) -> None:
        """Ingest one subscription's new or re-published items, newest first, up to the cap."""
        seen = await self.store.seen(subscription.pk)
        fresh = [
            item
            for item in _newest_first(parsed.items)
            if item.key not in seen or seen[item.key].fingerprint != item.fingerprint
        ]
        cap = self.settings.feed_items_per_poll
        taken, skipped = fresh[:cap], fresh[cap:]
        if not fresh:
            if not subscription.primed:
                await self.store.record_items(subscription.pk, [], self.clock(), primed=True)
            return
        title = parsed.title or feed.title
        ids = {
            item.key: seen[item.key].article_id
            if item.key in seen
            else item_article_id(feed.url, item)
            for item in fresh
        }
        articles = [
            await item_article(item, article_id=ids[item.key], feed_title=title, pages=pages)
            for item in taken
        ]
        ingest = await self.library.ingest(
            articles, collection=subscription.collection, added_by=FEED_ADDED_BY
        )
        done = {article.article_id: article for article in ingest.ingested}
        rows: list[tuple[str, str, str, str]] = []
        for item, article in zip(taken, articles, strict=True):
            stored = done.get(ids[item.key])
            rows.append(
                (item.key, ids[item.key], item.fingerprint, stored.status if stored else "refused")
            )
            if stored is None:
                continue
            if stored.status != "unchanged":
                report.ingested.append((subscription.collection, stored))
            if (
                stored.status == "added"
                and subscription.primed
                and subscription.announce
                and subscription.channel_id is not None
            ):
                report.events.append(
                    NewArticle(
                        title or feed.url,
                        feed.url,
                        subscription.collection,
                        subscription.channel_id,
                        stored.article_id,
                        stored.title,
                        article.url,
                        article.published,
                    )
                )
        report.refused += [(subscription.collection, f) for f in ingest.failures]
        rows += [(item.key, ids[item.key], item.fingerprint, "skipped") for item in skipped]
        report.skipped += len(skipped)
        await self.store.record_items(subscription.pk, rows, self.clock(), primed=True)


def _newest_first(items: Sequence[FeedItem]) -> list[FeedItem]:
    """Dated items newest first, then undated ones in the feed's order."""
    oldest = datetime.min.replace(tzinfo=UTC)
    order = {id(item): number for number, item in enumerate(items)}
    return sorted(items, key=lambda i: (-(i.published or oldest).timestamp(), order[id(i)]))


async def _notify(notify: Notify | None, event: Notice) -> None:
    if notify is None:
        return
    try:
        result = notify(event)
        if inspect.isawaitable(result):
            await result
    except Exception:  # a notice that cannot be posted must not stop polling
        log.exception("could not deliver a feed notice")
