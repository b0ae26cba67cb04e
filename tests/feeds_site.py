"""A local web site for feed tests: RSS and Atom feeds shaped like real ones, article pages,
ETag/Last-Modified with 304 answers, and a record of every request's headers."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Item:
    """One feed entry and (optionally) the page it links to."""

    guid: str | None
    title: str | None
    path: str
    """Relative link, e.g. ``/news/pier-vote``."""
    published: datetime | None
    content: str
    """``content:encoded`` HTML (the feed's own text of the item)."""
    page: str | None = None
    """Paragraphs of the linked page; ``None`` serves a 404 for it."""


def page_html(title: str, body: str, outlet: str = "Harbour Times") -> bytes:
    paragraphs = "".join(f"<p>{p}</p>\n" for p in body.split("\n\n"))
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        f'<meta property="og:site_name" content="{outlet}"></head><body>'
        f"<nav>Home | News | Sport | Weather</nav><article><h1>{title}</h1>\n{paragraphs}"
        "</article><footer>Copyright Harbour Times</footer></body></html>"
    ).encode()


def rss(title: str, items: list[Item]) -> bytes:
    """RSS 2.0 as published by news sites: guid, pubDate, description, content:encoded."""
    entries = []
    for item in items:
        parts = []
        if item.title is not None:
            parts.append(f"<title>{item.title}</title>")
        parts.append(f"<link>{item.path}</link>")
        if item.guid is not None:
            parts.append(f'<guid isPermaLink="false">{item.guid}</guid>')
        if item.published is not None:
            parts.append(f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>")
        parts.append(f"<description><![CDATA[{item.content[:80]}]]></description>")
        parts.append(f"<content:encoded><![CDATA[{item.content}]]></content:encoded>")
        entries.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{title}</title><link>/</link><description>News</description>"
        "<language>en</language>" + "".join(entries) + "</channel></rss>"
    ).encode()


def atom(title: str, items: list[Item]) -> bytes:
    """Atom 1.0 with xml:base, relative links, id/updated/published and HTML content."""
    entries = []
    for item in items:
        stamp = (item.published or datetime(2026, 1, 1, tzinfo=UTC)).isoformat()
        entries.append(
            f"<entry><title>{item.title or ''}</title>"
            f'<link rel="alternate" type="text/html" href="{item.path.lstrip("/")}"/>'
            f"<id>{item.guid}</id><updated>{stamp}</updated><published>{stamp}</published>"
            f'<content type="html"><![CDATA[{item.content}]]></content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/">'
        f"<title>{title}</title><id>urn:test:{title}</id>"
        "<updated>2026-05-06T00:00:00Z</updated>" + "".join(entries) + "</feed>"
    ).encode()


@dataclass
class Site:
    """Routes served by the local server; change them between polls."""

    base: str = ""
    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, body: bytes, content_type: str, status: int = 200) -> None:
        with self.lock:
            self.routes[path] = (status, content_type, body)

    def fail(self, path: str, status: int = 500) -> None:
        with self.lock:
            self.routes[path] = (status, "text/plain", b"broken")

    def publish(self, path: str, title: str, items: list[Item], *, kind: str = "rss") -> str:
        """Serve a feed at ``path`` and its items' pages; returns the feed's address."""
        body = rss(title, items) if kind == "rss" else atom(title, items)
        self.put(path, body, RSS_TYPE if kind == "rss" else ATOM_TYPE)
        for item in items:
            if item.page is None:
                self.routes.pop(item.path, None)
            else:
                self.put(item.path, page_html(item.title or "Untitled", item.page), HTML_TYPE)
        return self.base + path

    def requests_to(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [headers for p, headers in self.requests if p == path]


@contextmanager
def serve_site() -> Iterator[Site]:
    """A local web site in a thread (private address: tests allow private URLs)."""
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            status, content_type, body = route
            if status != 200:
                self.send_error(status)
                return
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            modified = "Wed, 06 May 2026 08:00:00 GMT"
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class FakeClock:
    """Unix seconds that only move when the test says so."""

    def __init__(self, start: float = datetime(2026, 5, 6, 9, 0, tzinfo=UTC).timestamp()):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
