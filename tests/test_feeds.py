"""Feed subscriptions end to end against a local web site: polls, conditional GETs,
fallback to the feed's text, backoff and disabling, restarts, per-server dedup.

Plumbing tests: the fast hashing embedder stands in for the model (no quality claimed),
SQLite, FAISS, the fetcher and feedparser are real.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index.config import Settings
from index.errors import NewsbotError, UrlRefused
from index.feeds import FeedDisabled, FeedLimitReached, FeedNotFound, NewArticle, NewArticles
from index.feeds.parse import NotAFeed, html_to_text, parse_feed
from index.feeds.scheduler import FeedScheduler
from index.feeds.service import BadFeedSetting
from index.library import Library
from tests.conftest import HashingEmbedder
from tests.feeds_site import FakeClock, Item, Site

A, B = "guild:1", "guild:2"


pytest_plugins = ["tests.feeds_fixtures"]


def story(n: int, *, page: bool = True, when: datetime | None = None, words: str = "") -> Item:
    topic = [
        "pier vote",
        "lighthouse keepers",
        "ferry timetable",
        "harbour dredging",
        "fish market",
        "sea wall",
    ][n % 6]
    body = (
        f"The council met on Tuesday to settle the {topic} question after months of debate. "
        f"Councillor Ada Marsh said the {topic} decision would shape the harbour for years. "
        f"Residents filled the hall and many spoke for and against the plan. {words}\n\n"
        f"A final report on the {topic} is due next month, the clerk said, and the cost "
        f"will be shared between the town and the county according to the draft budget."
    )
    return Item(
        guid=f"tag:harbour.example,2026:{n}",
        title=f"Council settles the {topic} question",
        path=f"/news/{n}",
        published=when or datetime(2026, 5, 1 + n, 8, 0, tzinfo=UTC),
        content=f"<p>Feed text of story {n} about the {topic}: the council voted. {words}</p>"
        f"<p>Councillor Ada Marsh said &ldquo;we listened&rdquo; to everyone on the {topic}.</p>",
        page=body if page else None,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def feed_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        seeds_dir=None,
        allow_private_urls=True,
        fetch_timeout=5.0,
        feed_max_failures=3,
        feed_jitter=0.0,
    )


@pytest.fixture
async def lib(feed_settings: Settings, clock: FakeClock) -> AsyncIterator[Library]:
    library = await Library.open(feed_settings, embedder=HashingEmbedder())
    library.feeds.clock = clock
    yield library
    await library.close()


async def titles(library: Library, collection: str) -> list[str]:
    return sorted(a.title for a in await library.list_articles(collections=[collection], limit=100))


async def test_first_poll_takes_each_item_once_then_conditional_get_adds_nothing(
    lib: Library, site: Site, clock: FakeClock
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0), story(1)])
    added = await lib.feeds.add(url, collection=A, channel_id=10)
    assert added.new and added.items == 2 and added.feed.title == "Harbour Times"

    reports = await lib.feeds.poll_due()
    assert [r.status for r in reports] == ["updated"]
    assert sorted(a.status for _, a in reports[0].ingested) == ["added", "added"]
    assert await titles(lib, A) == [
        "Council settles the lighthouse keepers question",
        "Council settles the pier vote question",
    ]
    article = (await lib.list_articles(collections=[A]))[0]
    assert article.source == "Harbour Times"
    assert article.url is not None and article.url.startswith(site.base + "/news/")
    assert article.published in ("2026-05-01T08:00:00+00:00", "2026-05-02T08:00:00+00:00")
    assert "months of debate" in article.text  # the linked page was read
    assert article.added_by == "feed"

    assert await lib.feeds.poll_due() == []  # not due yet
    clock.advance(15 * 60 + 1)
    reports = await lib.feeds.poll_due()
    assert [r.status for r in reports] == ["not modified"] and not reports[0].ingested
    last = site.requests_to("/feed.xml")[-1]
    assert last.get("if-none-match", "").startswith('"')
    assert last.get("if-modified-since") == "Wed, 06 May 2026 08:00:00 GMT"
    assert await lib.count_articles(collections=[A]) == 2

    site.publish("/feed.xml", "Harbour Times", [story(2), story(0), story(1)])
    clock.advance(15 * 60 + 1)
    reports = await lib.feeds.poll_due()
    assert [(a.title, a.status) for _, a in reports[0].ingested] == [
        ("Council settles the ferry timetable question", "added")
    ]
    assert await lib.count_articles(collections=[A]) == 3
    (listing,) = await lib.feeds.list(collections=[A])
    assert listing.items == 3 and listing.feed.failures == 0 and listing.feed.status == "active"
    assert listing.feed.last_success_at == clock.now


async def test_item_whose_page_is_gone_uses_the_feed_text(lib: Library, site: Site) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0, page=False), story(1)])
    await lib.feeds.add(url, collection=A)
    (report,) = await lib.feeds.poll_due()
    assert len(report.ingested) == 2
    by_title = {a.title: a for a in await lib.list_articles(collections=[A])}
    fallback = by_title["Council settles the pier vote question"]
    assert "Feed text of story 0 about the pier vote" in fallback.text
    assert "“we listened”" in fallback.text  # HTML entities decoded
    assert "<p>" not in fallback.text
    assert fallback.url == site.base + "/news/0"  # still cites the item's link
    assert "months of debate" in by_title["Council settles the lighthouse keepers question"].text


async def test_failing_feed_backs_off_then_is_disabled_with_a_notice(
    lib: Library, site: Site, clock: FakeClock
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    await lib.feeds.add(url, collection=A, channel_id=77)
    await lib.feeds.poll_due()
    site.fail("/feed.xml", 503)
    events: list[object] = []
    pauses = []
    for attempt in range(1, 4):
        (listing,) = await lib.feeds.list(collections=[A])
        clock.now = listing.feed.next_poll_at
        (report,) = await lib.feeds.poll_due(notify=events.append)
        (listing,) = await lib.feeds.list(collections=[A])
        assert listing.feed.failures == attempt
        assert "503" in (listing.feed.last_error or "")
        pauses.append(listing.feed.next_poll_at - clock.now)
    assert report.status == "disabled" and listing.feed.status == "disabled"
    assert pauses[0] == 2 * 15 * 60 and pauses[1] == 4 * 15 * 60  # exponential backoff
    (event,) = events
    assert isinstance(event, FeedDisabled)
    assert event.channel_id == 77 and event.failures == 3 and "503" in event.error
    clock.advance(10 * 24 * 3600)
    assert await lib.feeds.poll_due() == []  # a disabled feed is not polled

    site.publish("/feed.xml", "Harbour Times", [story(1), story(0)])
    again = await lib.feeds.add(url, collection=A, channel_id=77)  # adding again enables it
    assert again.feed.status == "active" and again.feed.failures == 0 and not again.new
    (report,) = await lib.feeds.poll_due()
    assert [a.title for _, a in report.ingested] == [
        "Council settles the lighthouse keepers question"
    ]


async def test_restart_keeps_state(feed_settings: Settings, site: Site, clock: FakeClock) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0), story(1)])
    library = await Library.open(feed_settings, embedder=HashingEmbedder())
    library.feeds.clock = clock
    try:
        await library.feeds.add(url, collection=A)
        await library.feeds.poll_due()
    finally:
        await library.close()

    site.publish("/feed.xml", "Harbour Times", [story(2), story(0), story(1)])
    clock.advance(15 * 60 + 1)
    library = await Library.open(feed_settings, embedder=HashingEmbedder())
    library.feeds.clock = clock
    try:
        (report,) = await library.feeds.poll_due()
        assert [a.title for _, a in report.ingested] == [
            "Council settles the ferry timetable question"
        ]
        assert "if-none-match" in site.requests_to("/feed.xml")[-1]
        assert await library.count_articles(collections=[A]) == 3
        clock.advance(15 * 60 + 1)
        (report,) = await library.feeds.poll_due()
        assert report.status == "not modified"
    finally:
        await library.close()


async def test_two_servers_each_get_their_own_copy_and_dedup(
    lib: Library, site: Site, clock: FakeClock
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0), story(1)])
    await lib.feeds.add(url, collection=A, channel_id=1, announce=True)
    await lib.feeds.poll_due()
    page_requests = len(site.requests_to("/news/0"))

    # B subscribes later: it reads the backlog (unconditionally), A gets nothing twice
    await lib.feeds.add(url, collection=B, channel_id=2, announce=True)
    (report,) = await lib.feeds.poll_due()
    assert "if-none-match" not in site.requests_to("/feed.xml")[-1]
    assert {c for c, _ in report.ingested} == {B} and len(report.ingested) == 2
    assert report.events == []  # a backlog is never announced
    assert await titles(lib, A) == await titles(lib, B)
    assert len(site.requests_to("/news/0")) == page_requests + 1

    site.publish("/feed.xml", "Harbour Times", [story(2), story(0), story(1)])
    clock.advance(15 * 60 + 1)
    (report,) = await lib.feeds.poll_due()
    assert sorted(c for c, _ in report.ingested) == [A, B]
    assert sorted((e.collection, e.channel_id) for e in report.events) == [(A, 1), (B, 2)]
    assert all(isinstance(e, NewArticle) for e in report.events)
    assert len(site.requests_to("/news/2")) == 1  # one download for both servers
    assert await lib.count_articles(collections=[A]) == 3
    assert await lib.count_articles(collections=[B]) == 3

    # B's removal leaves A's subscription (and B's articles) alone
    removed = await lib.feeds.remove(url, collection=B)
    assert removed.url == url
    assert [x.subscription.collection for x in await lib.feeds.list(collections=[A, B])] == [A]
    assert await lib.count_articles(collections=[B]) == 3
    with pytest.raises(FeedNotFound):
        await lib.feeds.remove(url, collection=B)


async def test_republished_item_updates_its_article(
    lib: Library, site: Site, clock: FakeClock
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    await lib.feeds.add(url, collection=A)
    await lib.feeds.poll_due()
    (before,) = await lib.list_articles(collections=[A])

    site.publish("/feed.xml", "Harbour Times", [story(0, words="Update: the vote was delayed.")])
    clock.advance(15 * 60 + 1)
    (report,) = await lib.feeds.poll_due()
    assert [a.status for _, a in report.ingested] == ["updated"]
    (after,) = await lib.list_articles(collections=[A])
    assert after.id == before.id and "the vote was delayed" in after.text


async def test_backlog_is_capped_and_not_announced_new_items_are(
    feed_settings: Settings, site: Site, clock: FakeClock
) -> None:
    settings = dataclasses.replace(feed_settings, feed_items_per_poll=2)
    library = await Library.open(settings, embedder=HashingEmbedder())
    library.feeds.clock = clock
    try:
        url = site.publish("/feed.xml", "Harbour Times", [story(n) for n in range(5)])
        await library.feeds.add(url, collection=A, channel_id=5, announce=True)
        (report,) = await library.feeds.poll_due()
        assert report.skipped == 3 and report.events == []
        assert [a.title for _, a in report.ingested] == [  # the newest two
            "Council settles the fish market question",
            "Council settles the harbour dredging question",
        ]
        site.publish("/feed.xml", "Harbour Times", [story(n) for n in range(6)])
        clock.advance(15 * 60 + 1)
        (report,) = await library.feeds.poll_due()
        (event,) = report.events
        assert isinstance(event, NewArticle)
        assert event.title == "Council settles the sea wall question" and event.channel_id == 5
        assert event.published == "2026-05-06T08:00:00+00:00"
        assert await library.count_articles(collections=[A]) == 3
    finally:
        await library.close()


async def test_atom_feed_with_relative_links_and_untitled_items(lib: Library, site: Site) -> None:
    untitled = dataclasses.replace(story(1, page=False), title=None)
    url = site.publish("/atom.xml", "Pier Gazette", [story(0), untitled], kind="atom")
    await lib.feeds.add(url, collection=A)
    (report,) = await lib.feeds.poll_due()
    assert len(report.ingested) == 2
    articles = {a.url: a for a in await lib.list_articles(collections=[A])}
    assert set(articles) == {site.base + "/news/0", site.base + "/news/1"}
    assert articles[site.base + "/news/1"].title.startswith("Feed text of story 1")
    assert all(a.source == "Pier Gazette" for a in articles.values())


async def test_bad_feeds_are_refused_with_clear_messages(
    feed_settings: Settings, lib: Library, site: Site
) -> None:
    site.put("/page", b"<!doctype html><html><body><p>Hello</p></body></html>", "text/html")
    with pytest.raises(NotAFeed, match="not an RSS or Atom feed"):
        await lib.feeds.add(site.base + "/page", collection=A)
    assert await lib.feeds.list(collections=[A]) == []

    public = await Library.open(
        dataclasses.replace(
            feed_settings,
            allow_private_urls=False,
            data_dir=Path(str(feed_settings.data_dir) + "-public"),
        ),
        embedder=HashingEmbedder(),
    )
    try:
        url = site.publish("/feed.xml", "Harbour Times", [story(0)])
        with pytest.raises(UrlRefused, match=r"127\.0\.0\.1"):
            await public.feeds.add(url, collection=A)
    finally:
        await public.close()


async def test_a_web_page_that_names_its_feed_is_followed_through_it(
    lib: Library, site: Site
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    site.put(
        "/",
        b'<!doctype html><html><head><title>Harbour Times</title><link rel="alternate" '
        b'type="application/rss+xml" title="News" href="/feed.xml"></head>'
        b"<body><p>Front page</p></body></html>",
        "text/html",
    )
    added = await lib.feeds.add(site.base + "/", collection=A)
    assert added.feed.url == url and added.items == 1


async def test_feeds_per_server_are_capped(
    feed_settings: Settings, site: Site, clock: FakeClock
) -> None:
    settings = dataclasses.replace(feed_settings, feeds_per_collection=1)
    library = await Library.open(settings, embedder=HashingEmbedder())
    try:
        one = site.publish("/one.xml", "One", [story(0)])
        two = site.publish("/two.xml", "Two", [story(1)])
        await library.feeds.add(one, collection=A)
        with pytest.raises(FeedLimitReached, match="already follows 1 feeds"):
            await library.feeds.add(two, collection=A)
        await library.feeds.add(two, collection=B)  # per server
        await library.feeds.add(one, collection=A, announce=True)  # an update, not a new one
    finally:
        await library.close()


def test_parse_rss_keys_dates_entities_and_relative_links() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T &amp;amp; Co</title>
    <item><title>Fish &amp;amp; chips</title><link>/a</link>
    <pubDate>Mon, 04 May 2026 10:00:00 +0200</pubDate>
    <description>&lt;p&gt;One &amp;amp; two&lt;/p&gt;&lt;p&gt;Three&lt;/p&gt;</description></item>
    <item><title>No link, no guid</title><description>Plain text only</description></item>
    <item><description>Only a description.</description></item>
    </channel></rss>"""
    parsed = parse_feed(body, "http://example.org/feeds/main.xml")
    first, second, third = parsed.items
    assert parsed.title == "T & Co" and first.title == "Fish & chips"
    assert first.key == first.link == "http://example.org/a"
    assert first.published == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    assert first.text == "One & two\n\nThree"
    assert second.key == "No link, no guid|" and second.published is None
    assert third.title is None and third.key.startswith("Only a description.")


def test_parse_rdf() -> None:
    body = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
      xmlns:dc="http://purl.org/dc/elements/1.1/">
    <channel rdf:about="http://example.org/"><title>RDF News</title><link>http://example.org/</link></channel>
    <item rdf:about="http://example.org/x"><title>X happened</title><link>http://example.org/x</link>
    <dc:date>2026-05-04T10:00:00Z</dc:date><description>Text of x.</description></item></rdf:RDF>"""
    parsed = parse_feed(body, "http://example.org/rdf")
    (item,) = parsed.items
    assert parsed.title == "RDF News" and item.title == "X happened"
    assert item.published == datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    assert html_to_text("<p>A<br>b</p><script>x()</script><ul><li>c</li></ul>") == "A\n\nb\n\nc"
    assert html_to_text("plain &amp; simple") == "plain & simple"


async def test_scheduler_polls_in_the_background_and_stops_cleanly(
    lib: Library, site: Site, clock: FakeClock
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0), story(1)])
    events: list[object] = []
    scheduler = FeedScheduler(lib.feeds, notify=events.append, tick=3600)

    async def until(count: int) -> None:
        for _ in range(400):
            if await lib.count_articles(collections=[A]) == count:
                return
            answer = await lib.ask("What did Ada Marsh say?", collections=[A])  # meanwhile
            assert answer.question == "What did Ada Marsh say?"
            await asyncio.sleep(0.02)
        raise AssertionError(f"never reached {count} articles")

    await lib.feeds.add(url, collection=A, channel_id=3, announce=True)
    scheduler.start()
    try:
        scheduler.wake()  # no hour-long wait: a feed was just added
        await until(2)
        site.publish("/feed.xml", "Harbour Times", [story(2), story(0), story(1)])
        clock.advance(15 * 60 + 1)
        await asyncio.sleep(0.05)
        scheduler.wake()
        await until(3)
        for _ in range(100):
            if events:
                break
            await asyncio.sleep(0.02)
        (notice,) = events
        assert isinstance(notice, NewArticles) and notice.channel_id == 3
        assert [a.title for a in notice.articles] == [
            "Council settles the ferry timetable question"
        ]
        assert scheduler.running
    finally:
        await scheduler.stop()  # while it naps
    assert not scheduler.running
    await scheduler.stop()  # twice is fine


def test_feed_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().feed_scheduler is False  # a bare library never polls by itself
    settings = Settings.from_env()
    assert settings.feed_scheduler and settings.feed_interval == 15 * 60
    monkeypatch.setenv("NEWSBOT_FEED_INTERVAL_MINUTES", "1")
    monkeypatch.setenv("NEWSBOT_FEED_SCHEDULER", "false")
    monkeypatch.setenv("NEWSBOT_FEED_ITEMS_PER_POLL", "3")
    settings = Settings.from_env()
    assert settings.feed_interval == 5 * 60  # the minimum
    assert not settings.feed_scheduler and settings.feed_items_per_poll == 3
    monkeypatch.setenv("NEWSBOT_FEED_MAX_FAILURES", "many")
    with pytest.raises(NewsbotError, match="NEWSBOT_FEED_MAX_FAILURES"):
        Settings.from_env()


async def test_a_feed_may_be_polled_less_often_but_not_more_than_every_5_minutes(
    lib: Library, site: Site, clock: FakeClock
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    with pytest.raises(BadFeedSetting, match="at most every 5 minutes"):
        await lib.feeds.add(url, collection=A, interval_minutes=2)
    added = await lib.feeds.add(url, collection=A, interval_minutes=60)
    assert added.feed.interval == 3600
    await lib.feeds.poll_due()
    (listing,) = await lib.feeds.list(collections=[A])
    assert listing.feed.next_poll_at == clock.now + 3600
