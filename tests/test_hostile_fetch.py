"""URL guarantees from the fault-injection probe (issue 12) that tests/test_fetch.py did not
pin yet: loopback spelled as a number, in hex or octal (refused when resolved, before any
connection), a gzip bomb, a slow-drip server, and a tag-flood page (bounded extraction).

A real aiohttp server on 127.0.0.1; a guard on the loop's ``sock_connect`` records every
connection and blocks any that is not to loopback.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from index.errors import BadArticle, FetchError, UrlRefused
from index.extract import MAX_HTML_ELEMENTS
from index.fetch import fetch_article
from tests.loopback_guard import guard_loopback


@pytest_asyncio.fixture(autouse=True)
async def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return guard_loopback(monkeypatch)


@pytest_asyncio.fixture
async def base() -> AsyncIterator[str]:
    routes = web.RouteTableDef()
    bomb = gzip.compress(b"<p>" + b"0" * 50_000_000 + b"</p>", compresslevel=9)

    @routes.get("/bomb")
    async def gzip_bomb(request: web.Request) -> web.Response:
        return web.Response(
            body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )

    @routes.get("/drip")
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(600):  # a byte every 50 ms: never idle long, never done
            await response.write(b"<")
            await asyncio.sleep(0.05)
        return response

    @routes.get("/flood")
    async def flood(request: web.Request) -> web.Response:
        return web.Response(body=b"<p>Word.</p>" * 200_000, content_type="text/html")

    app = web.Application()
    app.add_routes(routes)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1", "127.000.000.001", "0"],
)
async def test_loopback_spelled_as_a_number_is_refused_before_connecting(
    host: str, connections: list[str]
) -> None:
    # Refused as a loopback address when resolved, or as not a canonical address at all
    # (yarl will not send "127.1"); either way, no connection is made.
    with pytest.raises(FetchError) as refused:
        await fetch_article(f"http://{host}/admin")
    message = str(refused.value)
    assert isinstance(refused.value, UrlRefused) or "not a valid web address" in message
    assert connections == []


async def test_gzip_bomb_is_refused_at_the_size_limit(base: str) -> None:
    with pytest.raises(FetchError, match="larger than 5 MB"):
        await fetch_article(f"{base}/bomb", allow_private=True)


async def test_slow_drip_server_is_cut_off_by_the_total_timeout(base: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"within 1 seconds"):
        await fetch_article(f"{base}/drip", allow_private=True, timeout=1)
    assert time.monotonic() - started < 10


async def test_tag_flood_page_is_refused_by_the_extraction_bound(base: str) -> None:
    with pytest.raises(BadArticle) as refused:
        await fetch_article(f"{base}/flood", allow_private=True)
    assert "the page has 200,000 HTML elements; newsbot reads pages of at most " in str(
        refused.value
    )
    assert f"{MAX_HTML_ELEMENTS:,}" in str(refused.value)
