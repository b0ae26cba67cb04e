"""`newsbot feeds` keeps the command line's manners: a bad ``--interval`` is bad usage
(exit 2, never a traceback), failures go to stderr as ``newsbot: …`` lines, counts are
spelled in the right number."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from bot.cli import EXIT_PARTIAL, EXIT_USAGE, _feeds, build_parser
from index.errors import NewsbotError
from index.library import Library
from tests.cli_run import newsbot_env, run_newsbot
from tests.feeds_site import Site
from tests.test_feeds import story

pytest_plugins = ["tests.feeds_fixtures"]


def test_bad_interval_is_bad_usage(tmp_path: Path) -> None:
    for bad in ("2", "nan", "inf", "soon"):
        argv = ["feeds", "add", "--interval", bad, "https://example.com/rss.xml"]
        result = run_newsbot("--data-dir", str(tmp_path / "data"), *argv, timeout=120)
        assert result.returncode == EXIT_USAGE, (bad, result.stderr)
        assert "--interval" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # refused before the library was opened


async def test_library_refuses_an_interval_that_is_not_a_number(lib: Library) -> None:
    for minutes in (math.nan, math.inf, 4.0):
        with pytest.raises(NewsbotError, match="at most every 5 minutes"):
            await lib.feeds.add(
                "https://example.com/rss.xml", collection="global", interval_minutes=minutes
            )


async def test_poll_failures_are_newsbot_messages(
    lib: Library, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    good = site.publish("/good.xml", "Harbour Times", [story(0)])
    bad = site.publish("/bad.xml", "Quay Post", [story(1)])
    for url in (good, bad):
        await _feeds(lib, build_parser().parse_args(["feeds", "add", url]))
    site.fail("/bad.xml", 500)
    capsys.readouterr()
    code = await _feeds(lib, build_parser().parse_args(["feeds", "poll", "--all"]))
    out, err = capsys.readouterr()
    assert code == EXIT_PARTIAL  # one feed failed, the other was polled
    assert "Harbour Times" in out and "Quay Post" not in out
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(line.startswith("newsbot: ") for line in lines), err
    assert "Quay Post" in err and "HTTP 500" in err

    await _feeds(lib, build_parser().parse_args(["feeds", "list"]))
    listed = capsys.readouterr().out
    assert "1 failure:" in listed and "1 failures" not in listed


async def test_ingesting_a_feed_address_points_to_feeds_add(lib: Library, site: Site) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    with pytest.raises(NewsbotError) as caught:
        await lib.ingest_url(url, collection="global", added_by="cli")
    message = str(caught.value)
    assert "newsbot feeds add" in message and "/feed add" in message
    assert "a application" not in message


def test_a_feed_article_timestamp_is_shown_as_its_date() -> None:
    from bot.cli import format_answer, shown_date
    from index.models import Answer, Quote

    text = "The old stone bridge reopened to traffic on Monday after eight months of repairs."
    quote = Quote(
        article_id="a",
        collection="global",
        title="Bridge reopens",
        source="Local Test News",
        url=None,
        published="2026-11-30T10:00:00+00:00",
        paragraph=1,
        start=0,
        end=len(text),
        text=text,
        speaker=None,
        score=0.5,
    )
    shown = format_answer(Answer("When did the bridge reopen?", True, (quote,)), width=100)
    assert "Local Test News, “Bridge reopens”, 2026-11-30, paragraph 1" in shown
    assert "T10:00" not in shown
    assert shown_date("2024-03-04") == "2024-03-04"
    assert shown_date("2024-05-10T23:30:00Z") == "2024-05-10"
    assert shown_date("Tuesday, early morning") == "Tuesday, early morning"
    assert shown_date(None) is None


async def test_poll_with_no_feed_followed_says_so(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await _feeds(lib, build_parser().parse_args(["feeds", "poll"]))
    out = capsys.readouterr().out
    assert code == 0 and "no feed is followed" in out and "--all" not in out


def test_a_failed_poll_is_one_stderr_line_as_a_subprocess(site: Site, tmp_path: Path) -> None:
    url = site.publish("/feed.xml", "Harbour Times", [story(0)])
    env = newsbot_env(tmp_path / "data", NEWSBOT_SEEDS_DIR="", NEWSBOT_ALLOW_PRIVATE_URLS="true")

    def newsbot(*argv: str) -> subprocess.CompletedProcess[str]:
        return run_newsbot("feeds", *argv, env=env)

    assert newsbot("add", url).returncode == 0
    site.fail("/feed.xml", 500)
    polled = newsbot("poll", "--all")
    assert polled.returncode == 1
    assert polled.stderr.startswith("newsbot: failed Harbour Times") and "HTTP 500" in polled.stderr
    assert polled.stderr.count("\n") == 1, polled.stderr  # no log line repeating it
