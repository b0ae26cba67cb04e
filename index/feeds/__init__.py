"""RSS/Atom subscriptions: a server's articles stay current by themselves.

Modules by job: :mod:`~index.feeds.parse` (feed documents, with feedparser),
:mod:`~index.feeds.items` (an item -> an article: linked page, else the feed's text),
:mod:`~index.feeds.store` (the SQL), :mod:`~index.feeds.service` (subscribe, list,
remove, poll) and :mod:`~index.feeds.scheduler` (the background poller of the bot).
"""

from __future__ import annotations

from index.feeds.service import (
    AddedFeed,
    FeedDisabled,
    FeedEvent,
    FeedNotFound,
    FeedService,
    NewArticle,
    NewArticles,
    Notice,
    PollReport,
)
from index.feeds.store import Feed, FeedLimitReached, FeedListing, Subscription

__all__ = [
    "AddedFeed",
    "Feed",
    "FeedDisabled",
    "FeedEvent",
    "FeedLimitReached",
    "FeedListing",
    "FeedNotFound",
    "FeedService",
    "NewArticle",
    "NewArticles",
    "Notice",
    "PollReport",
    "Subscription",
]
