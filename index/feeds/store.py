"""The SQL of feed subscriptions, over the library's own aiosqlite connection.

Tables (created by migration 2 in :mod:`index.store`): ``feeds`` (one row per feed URL,
shared by every server following it: conditional-GET validators, schedule, failures,
status), ``feed_subscriptions`` (a collection following a feed, with the channel to tell
and whether to announce new articles) and ``feed_items`` (the items each subscription has
seen, with the id of the article each became: deduplication is per subscription).
Times are Unix seconds (floats) from the service's clock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.errors import NewsbotError

if TYPE_CHECKING:
    from index.store import Store

ACTIVE, DISABLED = "active", "disabled"


class FeedLimitReached(NewsbotError):
    """A collection already follows as many feeds as allowed."""


@dataclass(frozen=True)
class Feed:
    pk: int
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    interval: float
    next_poll_at: float
    last_polled_at: float | None
    last_success_at: float | None
    failures: int
    last_error: str | None
    status: str
    added_at: float

    @property
    def name(self) -> str:
        return self.title or self.url


@dataclass(frozen=True)
class Subscription:
    pk: int
    feed_pk: int
    collection: str
    channel_id: int | None
    announce: bool
    added_by: str | None
    added_at: float
    primed: bool
    """Whether the feed's backlog was read for this subscription (its first poll)."""


@dataclass(frozen=True)
class SeenItem:
    article_id: str
    fingerprint: str


@dataclass(frozen=True)
class FeedListing:
    """A subscription with its feed and the number of items it has taken in."""

    feed: Feed
    subscription: Subscription
    items: int


_FEED_COLUMNS = (
    "f.pk, f.url, f.title, f.etag, f.last_modified, f.interval_seconds, f.next_poll_at, "
    "f.last_polled_at, f.last_success_at, f.failures, f.last_error, f.status, f.added_at"
)
_SUBSCRIPTION_COLUMNS = (
    "s.pk, s.feed_pk, s.collection, s.channel_id, s.announce, s.added_by, s.added_at, s.primed"
)


def _feed(row: Sequence[object]) -> Feed:
    return Feed(*row[:13])  # type: ignore[arg-type]


def _subscription(row: Sequence[object]) -> Subscription:
    pk, feed_pk, collection, channel, announce, added_by, added_at, primed = row[:8]
    return Subscription(
        int(pk),  # type: ignore[call-overload]
        int(feed_pk),  # type: ignore[call-overload]
        str(collection),
        int(channel) if channel else None,  # type: ignore[call-overload]
        bool(announce),
        added_by,  # type: ignore[arg-type]
        float(added_at),  # type: ignore[arg-type]
        bool(primed),
    )


class FeedStore:
    """Feed rows in the library's database (shares its connection and write lock)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _db(self):  # type: ignore[no-untyped-def]
        return self._store._db

    async def _rows(self, query: str, args: Iterable[object] = ()) -> list[sqlite3.Row]:
        async with self._db.execute(query, tuple(args)) as cursor:
            return list(await cursor.fetchall())

    # -- reading ---------------------------------------------------------------------

    async def feed(self, pk: int) -> Feed | None:
        rows = await self._rows(f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.pk = ?", (pk,))
        return _feed(rows[0]) if rows else None

    async def feed_by_url(self, url: str) -> Feed | None:
        rows = await self._rows(f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.url = ?", (url,))
        return _feed(rows[0]) if rows else None

    async def due(self, now: float, *, everything: bool = False) -> list[Feed]:
        """Active feeds whose next poll time has come (all active ones with ``everything``)."""
        condition = "" if everything else "AND f.next_poll_at <= ?"
        args: tuple[object, ...] = (ACTIVE,) if everything else (ACTIVE, now)
        rows = await self._rows(
            f"SELECT {_FEED_COLUMNS} FROM feeds f WHERE f.status = ? {condition} "
            "ORDER BY f.next_poll_at, f.pk",
            args,
        )
        return [_feed(row) for row in rows]

    async def next_due_at(self) -> float | None:
        rows = await self._rows("SELECT MIN(next_poll_at) FROM feeds WHERE status = ?", (ACTIVE,))
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    async def subscriptions(self, feed_pk: int) -> list[Subscription]:
        rows = await self._rows(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM feed_subscriptions s WHERE s.feed_pk = ? "
            "ORDER BY s.pk",
            (feed_pk,),
        )
        return [_subscription(row) for row in rows]

    async def listings(self, collections: Sequence[str]) -> list[FeedListing]:
        marks = ",".join("?" * len(collections))
        rows = await self._rows(
            f"SELECT {_FEED_COLUMNS}, {_SUBSCRIPTION_COLUMNS}, "
            "(SELECT COUNT(*) FROM feed_items i WHERE i.subscription_pk = s.pk "
            "AND i.status IN ('added', 'updated')) "
            "FROM feed_subscriptions s JOIN feeds f ON f.pk = s.feed_pk "
            f"WHERE s.collection IN ({marks}) ORDER BY s.pk",
            collections,
        )
        return [FeedListing(_feed(row), _subscription(row[13:21]), int(row[21])) for row in rows]

    async def seen(self, subscription_pk: int) -> dict[str, SeenItem]:
        rows = await self._rows(
            "SELECT item_key, article_id, fingerprint FROM feed_items WHERE subscription_pk = ?",
            (subscription_pk,),
        )
        return {str(row[0]): SeenItem(str(row[1]), str(row[2])) for row in rows}

    # -- writing ---------------------------------------------------------------------

    async def subscribe(
        self,
        *,
        url: str,
        title: str | None,
        collection: str,
        channel_id: int | None,
        announce: bool,
        added_by: str | None,
        now: float,
        interval: float,
        limit: int,
        set_interval: bool = False,
    ) -> tuple[Feed, Subscription, bool]:
        """Follow ``url`` from ``collection`` (creating the feed row if needed) in one
        transaction. An existing subscription gets the new channel and announce setting;
        a disabled feed is enabled again and polled at once. Returns the feed, the
        subscription and whether the subscription is new."""
        async with self._store._write_lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                rows = await self._rows("SELECT pk, status FROM feeds WHERE url = ?", (url,))
                if rows:
                    feed_pk = int(rows[0][0])
                    if set_interval:
                        await self._db.execute(
                            "UPDATE feeds SET interval_seconds = ?, "
                            "next_poll_at = MIN(next_poll_at, ?) WHERE pk = ?",
                            (interval, now + interval, feed_pk),
                        )
                    if rows[0][1] != ACTIVE:
                        await self._db.execute(
                            "UPDATE feeds SET status = ?, failures = 0, last_error = NULL, "
                            "next_poll_at = ? WHERE pk = ?",
                            (ACTIVE, now, feed_pk),
                        )
                else:
                    cursor = await self._db.execute(
                        "INSERT INTO feeds (url, title, interval_seconds, next_poll_at, added_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (url, title, interval, now, now),
                    )
                    feed_pk = int(cursor.lastrowid or 0)
                existing = await self._rows(
                    "SELECT pk FROM feed_subscriptions WHERE feed_pk = ? AND collection = ?",
                    (feed_pk, collection),
                )
                if existing:
                    await self._db.execute(
                        "UPDATE feed_subscriptions SET channel_id = ?, announce = ? WHERE pk = ?",
                        (channel_id, int(announce), existing[0][0]),
                    )
                else:
                    count = await self._rows(
                        "SELECT COUNT(*) FROM feed_subscriptions WHERE collection = ?",
                        (collection,),
                    )
                    if int(count[0][0]) >= limit:
                        raise FeedLimitReached(
                            f"This server already follows {limit} feeds, the most allowed "
                            "(NEWSBOT_FEEDS_PER_SERVER). Remove one with /feed remove first."
                        )
                    await self._db.execute(
                        "INSERT INTO feed_subscriptions (feed_pk, collection, channel_id, "
                        "announce, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (feed_pk, collection, channel_id, int(announce), added_by, now),
                    )
                    # a new subscriber reads the backlog now, whatever the schedule says
                    await self._db.execute(
                        "UPDATE feeds SET next_poll_at = MIN(next_poll_at, ?) WHERE pk = ?",
                        (now, feed_pk),
                    )
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise
        feed = await self.feed(feed_pk)
        subscription = next(
            s for s in await self.subscriptions(feed_pk) if s.collection == collection
        )
        assert feed is not None
        return feed, subscription, not existing

    async def unsubscribe(self, collection: str, feed_pk: int) -> bool:
        """Stop ``collection`` following the feed; the feed row goes with its last subscriber.
        The articles already taken in stay."""
        async with self._store._write_lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                cursor = await self._db.execute(
                    "DELETE FROM feed_subscriptions WHERE feed_pk = ? AND collection = ?",
                    (feed_pk, collection),
                )
                removed = cursor.rowcount > 0
                await self._db.execute(
                    "DELETE FROM feeds WHERE pk = ? AND NOT EXISTS "
                    "(SELECT 1 FROM feed_subscriptions WHERE feed_pk = ?)",
                    (feed_pk, feed_pk),
                )
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise
        return removed

    async def record_items(
        self,
        subscription_pk: int,
        items: Sequence[tuple[str, str, str, str]],
        now: float,
        *,
        primed: bool,
    ) -> None:
        """Remember ``(item_key, article_id, fingerprint, status)`` rows for a subscription."""
        async with self._store._write_lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                await self._db.executemany(
                    "INSERT INTO feed_items (subscription_pk, item_key, article_id, fingerprint, "
                    "status, seen_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (subscription_pk, item_key) DO UPDATE SET "
                    "article_id = excluded.article_id, fingerprint = excluded.fingerprint, "
                    "status = excluded.status, seen_at = excluded.seen_at",
                    [(subscription_pk, *item, now) for item in items],
                )
                if primed:
                    await self._db.execute(
                        "UPDATE feed_subscriptions SET primed = 1 WHERE pk = ?", (subscription_pk,)
                    )
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise

    async def record_success(
        self,
        feed_pk: int,
        *,
        title: str | None,
        etag: str | None,
        last_modified: str | None,
        now: float,
        next_poll_at: float,
    ) -> None:
        """A good poll (200 or 304): validators kept, failures reset, next poll scheduled."""
        await self._update(
            "UPDATE feeds SET title = COALESCE(?, title), etag = COALESCE(?, etag), "
            "last_modified = COALESCE(?, last_modified), last_polled_at = ?, "
            "last_success_at = ?, failures = 0, last_error = NULL, next_poll_at = ? "
            "WHERE pk = ?",
            (title, etag, last_modified, now, now, next_poll_at, feed_pk),
        )

    async def record_failure(
        self, feed_pk: int, *, error: str, now: float, next_poll_at: float, disable: bool
    ) -> None:
        await self._update(
            "UPDATE feeds SET failures = failures + 1, last_error = ?, last_polled_at = ?, "
            "next_poll_at = ?, status = ? WHERE pk = ?",
            (error[:1000], now, next_poll_at, DISABLED if disable else ACTIVE, feed_pk),
        )

    async def _update(self, query: str, args: tuple[object, ...]) -> None:
        async with self._store._write_lock:
            await self._db.execute(query, args)
            await self._db.commit()
