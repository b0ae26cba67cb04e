"""Feed documents (RSS 0.9x/1.0/2.0, Atom, RDF) -> :class:`ParsedFeed`, with feedparser.

feedparser resolves relative links against the feed's address (``xml:base`` first),
decodes HTML entities and normalises dates to UTC. What is left to do here: pick each
item's stable id (guid/id, else link, else title + date), its text (``content:encoded``
over the summary, HTML turned into paragraphs) and a fingerprint that changes when the
item is re-published with new content.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from index.errors import FetchError

MAX_KEY_CHARS = 500
_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre table tr section article figure "
    "figcaption header footer hr dd dt".split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "iframe", "object", "template"})


class NotAFeed(FetchError):
    """The address answered, but not with an RSS, Atom or RDF feed."""

    def __init__(self, message: str, links: list[str] | None = None) -> None:
        super().__init__(message)
        self.links = links or []
        """Feeds the page announces (``<link rel="alternate" type="application/rss+xml">``)."""


_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})


def feed_links(body: bytes, base: str) -> list[str]:
    """The RSS/Atom feeds an HTML page links to in its head (feed autodiscovery)."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(body[:1_000_000])
    except (ValueError, lxml.etree.ParserError):
        return []
    links = []
    for element in root.iter("link"):
        rels = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in _FEED_TYPES:
            link = _absolute(element.get("href"), base)
            if link and link not in links:
                links.append(link)
    return links


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed."""

    key: str
    """Stable id: the guid/id, else the link, else the title and date."""
    title: str | None
    link: str | None
    published: datetime | None
    text: str
    """The item's own content (``content:encoded``, else the summary) as plain text."""
    author: str | None
    fingerprint: str
    """Changes when the item is re-published with another title, link, date or content."""


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    link: str | None
    items: list[FeedItem]


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a downloaded feed; :class:`NotAFeed` when it is none (an HTML page, say)."""
    import feedparser  # imported here: only feeds need it

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    if not parsed.get("version") and not parsed.entries:
        hint = ""
        if body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html")):
            hint = " It is a web page; look on it for the RSS or Atom link and use that."
        raise NotAFeed(f"{url} is not an RSS or Atom feed.{hint}", feed_links(body, url))
    feed = parsed.feed
    title = _clean_title(feed.get("title"))
    link = _absolute(feed.get("link"), url)
    items = [_item(entry, url) for entry in parsed.entries]
    return ParsedFeed(title=title, link=link, items=[i for i in items if i is not None])


def _item(entry: Any, base: str) -> FeedItem | None:
    title = _clean_title(entry.get("title"))
    link = _absolute(entry.get("link"), base)
    # dict.get: feedparser's own get() falls back from "updated" to "published", warning
    updated = dict.get(entry, "updated") or ""
    published = _date(entry.get("published_parsed") or dict.get(entry, "updated_parsed"))
    content = ""
    for part in entry.get("content") or []:
        if part.get("value") and len(part["value"]) > len(content):
            content = part["value"]
    summary = entry.get("summary") or ""
    text = html_to_text(content if len(content) >= len(summary) else summary)
    guid = (entry.get("id") or "").strip()
    if guid:
        key = guid
    elif link:
        key = link
    elif title or text:
        key = f"{title or text[:200]}|{published.isoformat() if published else ''}"
    else:
        return None  # nothing to identify or read
    if len(key) > MAX_KEY_CHARS:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    author = entry.get("author") or None
    fingerprint = hashlib.sha256(
        "\x1f".join(
            [title or "", link or "", published.isoformat() if published else "", updated, text]
        ).encode()
    ).hexdigest()
    return FeedItem(key, title, link, published, text, author, fingerprint)


def _clean_title(value: str | None) -> str | None:
    """Titles are often HTML-escaped twice or hold tags: plain text, one line."""
    if not value:
        return None
    text = html.unescape(re.sub(r"<[^>]+>", "", value))
    text = " ".join(text.split())
    return text or None


def _absolute(link: str | None, base: str) -> str | None:
    if not link or not link.strip():
        return None
    joined = urljoin(base, link.strip())
    return joined if joined.startswith(("http://", "https://")) else None


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def html_to_text(fragment: str) -> str:
    """HTML (a feed's content) as plain text: one paragraph per block, entities decoded."""
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        return "\n\n".join(
            " ".join(p.split()) for p in html.unescape(fragment).split("\n\n") if p.strip()
        )
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    pieces: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP_TAGS:
            if element.tail:
                pieces.append(element.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            pieces.append("\n\n")
        if element.text:
            pieces.append(element.text)
        for child in element:
            walk(child)
        if block:
            pieces.append("\n\n")
        if element.tail:
            pieces.append(element.tail)

    walk(root)
    paragraphs = ("".join(pieces)).split("\n\n")
    return "\n\n".join(cleaned for p in paragraphs if (cleaned := " ".join(p.split())))
