"""`newsbot feeds add|list|remove|poll`: one real subprocess, the rest in process (the
same parser and handler ``main`` runs, on a library with the fast test embedder)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bot.cli import EXIT_ERROR, EXIT_OK, _feeds, build_parser
from index.config import Settings
from index.errors import NewsbotError
from index.library import Library
from tests.cli_run import newsbot_env, run_newsbot
from tests.conftest import HashingEmbedder
from tests.feeds_site import Site
from tests.test_feeds import story

pytest_plugins = ["tests.feeds_fixtures"]


async def _run(library: Library, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple:
    args = build_parser().parse_args(["--collection", "news", "feeds", *argv])
    try:
        code = await _feeds(library, args)
    except NewsbotError as error:  # what main() prints, with exit code 1
        print(f"newsbot: {error}", file=sys.stderr)
        code = EXIT_ERROR
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_feeds_add_as_a_subprocess(site: Site, tmp_path: Path) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0), story(1, page=False)])
    env = newsbot_env(tmp_path / "data", NEWSBOT_SEEDS_DIR="", NEWSBOT_ALLOW_PRIVATE_URLS="true")
    added = run_newsbot("--collection", "news", "feeds", "add", url, env=env)
    assert added.returncode == EXIT_OK, added.stderr
    assert "following Harbour Times (id 1, 2 items in the feed)" in added.stdout
    assert added.stdout.count("added ") == 2
    assert "Harbour Times: 2 articles in (feed updated)" in added.stdout


async def test_feeds_list_poll_remove(
    lib: Library, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0), story(1, page=False)])
    code, out, _ = await _run(lib, capsys, "add", url)
    assert code == EXIT_OK and out.count("added ") == 2

    code, out, _ = await _run(lib, capsys, "list", "--json")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["id"] == 1 and row["url"] == url and row["items"] == 2
    assert row["status"] == "active" and row["failures"] == 0
    code, out, _ = await _run(lib, capsys, "list")
    assert "Harbour Times" in out and "2 articles" in out and "next poll" in out

    code, out, _ = await _run(lib, capsys, "poll")
    assert code == EXIT_OK and "no feed is due" in out
    code, out, _ = await _run(lib, capsys, "poll", "--all")
    assert code == EXIT_OK and "Harbour Times: 0 articles in (feed not modified)" in out

    site.fail("/feed.xml", 500)
    code, _, err = await _run(lib, capsys, "poll", "--all")
    assert code == EXIT_ERROR and "HTTP 500" in err

    code, out, _ = await _run(lib, capsys, "remove", "1")
    assert code == EXIT_OK and "stopped following Harbour Times" in out
    code, out, _ = await _run(lib, capsys, "list")
    assert out == "no feed is followed here; follow one with `newsbot feeds add URL`\n"
    code, out, _ = await _run(lib, capsys, "list", "--json")
    assert out == ""  # JSON lines: none
    code, _, err = await _run(lib, capsys, "remove", url)
    assert code == EXIT_ERROR and "No feed" in err


async def test_private_feed_refused_by_default(
    tmp_path: Path, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=None)
    library = await Library.open(settings, embedder=HashingEmbedder())
    try:
        url = site.publish("/feed.xml", "Harbour Times", [story(0)])
        code, _, err = await _run(library, capsys, "add", url)
        assert code == EXIT_ERROR and "127.0.0.1" in err and "Only public" in err
    finally:
        await library.close()
