"""Fixtures and helpers for the Discord bot tests (SimCord, real library, real model).

Test modules import what they use from here. ``bot_options`` can be overridden per test
with ``@pytest.mark.parametrize("bot_options", [{...}])``: keys of :class:`Settings`
(e.g. ``allow_private_urls``) go to the library, the others to :class:`BotSettings`.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import pytest_asyncio
import simcord

from bot.client import NewsBot, create_bot
from bot.config import BotSettings
from index.config import Settings
from tests.bot_helpers import World, make_world

LIBRARY_KEYS = {f.name for f in dataclasses.fields(Settings)}


@pytest.fixture
def bot_options() -> dict[str, Any]:
    """Per-test overrides of the bot's settings (parametrize to change)."""
    return {}


@pytest_asyncio.fixture
async def simcord_bot(
    seeded_settings: Settings, embedder: Any, bot_options: dict[str, Any]
) -> AsyncIterator[NewsBot]:
    """The real bot on a fresh seeded data directory, cooldowns off, progress every step.

    Built by ``create_bot`` exactly as ``newsbot run`` builds it: its ``setup_hook`` opens
    the library (sharing the session's loaded model) and ``close`` closes it.
    """
    library_options = {k: v for k, v in bot_options.items() if k in LIBRARY_KEYS}
    discord_side = {k: v for k, v in bot_options.items() if k not in LIBRARY_KEYS}
    bot_settings = BotSettings(
        **{
            "ask_cooldown": 0,
            "ingest_cooldown": 0,
            "reindex_cooldown": 0,
            "progress_interval": 0,
            **discord_side,
        }
    )
    settings = dataclasses.replace(seeded_settings, **library_options)
    bot = create_bot(settings=settings, bot_settings=bot_settings, embedder=embedder)
    try:
        yield bot
    finally:
        if not bot.is_closed():
            await bot.close()


@pytest.fixture
def world(simcord_env: simcord.Env) -> World:
    return make_world(simcord_env)


ARTICLE_PAGE = b"""<!doctype html>
<html><head><title>Lighthouse keepers return to Skerry Point</title>
<meta property="og:site_name" content="Harbour Times">
<meta name="author" content="Rhea Quill">
<meta property="article:published_time" content="2024-03-04">
</head><body><nav>Home | News | Sport</nav>
<article><h1>Lighthouse keepers return to Skerry Point</h1>
<p>For the first time in forty years, keepers will live at the Skerry Point lighthouse,
the harbour trust announced on Monday.</p>
<p>"The lamp needs people again," said trust chair Ida Munro. "Automation kept it running,
but the tower is crumbling without anyone to look after it."</p>
<p>Two keepers will move into the cottages in April and will repaint the tower during the
summer, according to the trust's plan.</p>
</article><footer>Copyright Harbour Times</footer></body></html>"""


@pytest.fixture
def article_server() -> Iterator[str]:
    """A local web server (in a thread) serving one article page; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/lighthouse":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(ARTICLE_PAGE)))
            self.end_headers()
            self.wfile.write(ARTICLE_PAGE)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
