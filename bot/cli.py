"""The ``newsbot`` command line: run the bot, ask, ingest, list, remove, reindex, stats."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import textwrap
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from index.config import Settings
from index.errors import NewsbotError
from index.models import GLOBAL_COLLECTION, Answer, IngestReport

EXIT_OK, EXIT_ERROR, EXIT_PARTIAL = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answer questions about news articles by quoting them, with citations.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where the database and indexes live "
        "(default: $NEWSBOT_DATA_DIR or a per-user data directory)",
    )
    parser.add_argument(
        "--collection",
        default=GLOBAL_COLLECTION,
        help="collection to use (default: %(default)s; Discord servers use 'guild:<id>')",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer a question (or one per line from stdin)")
    ask.add_argument("question", nargs="?", help="the question; omit to read questions from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("-n", "--limit", type=int, default=5, help="at most this many quotes")

    ingest = commands.add_parser("ingest", help="add articles from files, folders or URLs")
    ingest.add_argument("paths", nargs="+", help=".txt .md .html .json .jsonl files, folders, URLs")

    articles = commands.add_parser("articles", help="list the articles")
    articles.add_argument("--json", action="store_true", help="print JSON lines")
    articles.add_argument("--limit", type=int, default=100)

    remove = commands.add_parser("remove", help="remove an article by id")
    remove.add_argument("article_id")

    commands.add_parser("reindex", help="re-chunk and re-embed every article")
    stats = commands.add_parser("stats", help="counts and sizes")
    stats.add_argument("--json", action="store_true")
    commands.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    _add_feeds_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from dotenv import load_dotenv

    load_dotenv()
    if args.command == "run":
        from bot.client import run_bot

        return run_bot(data_dir=args.data_dir)
    handler = _HANDLERS[args.command]
    try:
        return asyncio.run(_with_library(args, handler))
    except NewsbotError as error:
        print(f"newsbot: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


async def _with_library(
    args: argparse.Namespace, handler: Callable[..., Coroutine[Any, Any, int]]
) -> int:
    from index.library import Library

    settings = Settings.from_env(args.data_dir)
    library = await Library.open(settings)
    try:
        return await handler(library, args)
    finally:
        await library.close()


async def _ask(library: Any, args: argparse.Namespace) -> int:
    if args.question is not None:
        questions: Any = [args.question]
    else:
        questions = (line for line in sys.stdin if line.strip())
    for question in questions:
        answer = await library.ask(question, collections=[args.collection], limit=args.limit)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer), flush=True)
    return EXIT_OK


def format_answer(answer: Answer) -> str:
    """An answer for a terminal: numbered quotes with their citations."""
    lines = [f"Q: {answer.question}"]
    if answer.note:
        lines.append(f"Note: {answer.note}")
    if not answer.answered:
        lines.append(answer.message or "Nothing found.")
        return "\n".join(lines) + "\n"
    for number, quote in enumerate(answer.quotes, start=1):
        said = f" — {quote.speaker}" if quote.speaker else ""
        body = textwrap.fill(
            f"“{quote.text}”{said}",
            width=100,
            initial_indent=f"[{number}] ",
            subsequent_indent="    ",
        )
        cite = ", ".join(
            part
            for part in (
                quote.source,
                f"“{quote.title}”",
                quote.published,
                f"paragraph {quote.paragraph}",
                quote.url,
            )
            if part
        )
        lines += [body, f"    {cite}"]
        for other in quote.also_in:
            lines.append(f"    also in: {other.source or ''} “{other.title}”".replace("  ", " "))
    return "\n".join(lines) + "\n"


async def _ingest(library: Any, args: argparse.Namespace) -> int:
    progress = _progress_bar("ingest")
    report = IngestReport()
    files = [Path(p) for p in args.paths if not p.startswith(("http://", "https://"))]
    urls = [p for p in args.paths if p.startswith(("http://", "https://"))]
    missing = [p for p in files if not p.exists()]
    for path in missing:
        print(f"{path}: no such file or folder", file=sys.stderr)
    files = [p for p in files if p.exists()]
    if files:
        report.merge(
            await library.ingest_paths(
                files, collection=args.collection, added_by="cli", progress=progress
            )
        )
    for url in urls:
        try:
            report.merge(await library.ingest_url(url, collection=args.collection, added_by="cli"))
        except NewsbotError as error:
            print(f"{error}", file=sys.stderr)
            missing.append(Path(url))
    for item in report.ingested:
        print(f"{item.status:9} {item.article_id}  {item.title}  ({item.passages} passages)")
    for failure in report.failures:
        print(f"refused   {failure.origin}: {failure.reason}", file=sys.stderr)
    if report.failures or missing:
        return EXIT_PARTIAL if report.ingested else EXIT_ERROR
    return EXIT_OK


async def _articles(library: Any, args: argparse.Namespace) -> int:
    for article in await library.list_articles(collections=[args.collection], limit=args.limit):
        if args.json:
            print(
                json.dumps(
                    {
                        "id": article.id,
                        "title": article.title,
                        "source": article.source,
                        "published": article.published,
                        "url": article.url,
                        "passages": article.passage_count,
                        "added_by": article.added_by,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            meta = ", ".join(p for p in (article.source, article.published) if p)
            print(f"{article.id}  {article.title}" + (f"  ({meta})" if meta else ""))
    return EXIT_OK


async def _remove(library: Any, args: argparse.Namespace) -> int:
    article = await library.remove_article(args.article_id, collection=args.collection)
    print(f"removed {article.id}  {article.title}")
    return EXIT_OK


async def _reindex(library: Any, args: argparse.Namespace) -> int:
    report = await library.reindex(progress=_progress_bar("reindex"))
    print(
        f"reindexed {report.articles} articles, {report.passages} passages "
        f"in {report.seconds:.1f} s"
    )
    return EXIT_OK


async def _stats(library: Any, args: argparse.Namespace) -> int:
    stats = await library.stats()
    if args.json:
        print(json.dumps(stats.to_json()))
        return EXIT_OK
    print(f"articles:  {stats.articles}")
    print(f"passages:  {stats.passages}")
    print(f"vectors:   {stats.vectors}")
    print(f"model:     {stats.model} ({stats.dimension} dimensions)")
    print(f"database:  {stats.database_bytes / 1e6:.1f} MB")
    for collection, count in sorted(stats.collections.items()):
        print(f"  {collection}: {count} articles")
    return EXIT_OK


def _progress_bar(label: str) -> Callable[[int, int], None] | None:
    """A tqdm bar on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=label, unit="article", file=sys.stderr)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


# -- feeds ------------------------------------------------------------------------------


def _add_feeds_parser(commands: Any) -> None:
    feeds = commands.add_parser("feeds", help="follow RSS/Atom feeds into the collection")
    actions = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="follow a feed and take in its current items")
    add.add_argument("url", help="address of the RSS or Atom feed")
    add.add_argument(
        "--interval", type=float, metavar="MINUTES", help="minutes between polls (at least 5)"
    )
    listing = actions.add_parser("list", help="the feeds followed, with their state")
    listing.add_argument("--json", action="store_true", help="print JSON lines")
    remove = actions.add_parser("remove", help="stop following a feed (its articles stay)")
    remove.add_argument("feed", metavar="URL_OR_ID", help="the feed's address or id (see list)")
    poll = actions.add_parser("poll", help="poll the due feeds now and print what was added")
    poll.add_argument("--all", action="store_true", help="poll every feed, due or not")


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _feeds(library: Any, args: argparse.Namespace) -> int:
    """``newsbot feeds add|list|remove|poll`` (exit codes as for ingest)."""
    feeds = library.feeds
    if args.feeds_command == "add":
        added = await feeds.add(
            args.url, collection=args.collection, added_by="cli", interval_minutes=args.interval
        )
        verb = "following" if added.new else "already following"
        print(f"{verb} {added.feed.name} (id {added.feed.pk}, {added.items} items in the feed)")
        return _print_polls(await feeds.poll_due(collections=[args.collection]))
    if args.feeds_command == "list":
        for item in await feeds.list(collections=[args.collection]):
            feed = item.feed
            if args.json:
                row = {
                    "id": feed.pk,
                    "url": feed.url,
                    "title": feed.title,
                    "status": feed.status,
                    "items": item.items,
                    "last_success": _when(feed.last_success_at),
                    "next_poll": _when(feed.next_poll_at),
                    "failures": feed.failures,
                    "last_error": feed.last_error,
                }
                print(json.dumps(row, ensure_ascii=False))
                continue
            print(f"{feed.pk}  {feed.name}  <{feed.url}>")
            print(
                f"    {feed.status}, {item.items} articles, last success "
                f"{_when(feed.last_success_at)}, next poll {_when(feed.next_poll_at)}"
                + (f", {feed.failures} failures: {feed.last_error}" if feed.failures else "")
            )
        return EXIT_OK
    if args.feeds_command == "remove":
        removed = await feeds.remove(args.feed, collection=args.collection)
        print(f"stopped following {removed.name} <{removed.url}>; its articles stay")
        return EXIT_OK
    return _print_polls(await feeds.poll_due(everything=args.all, collections=[args.collection]))


def _print_polls(reports: list[Any]) -> int:
    """What each feed poll did; EXIT_PARTIAL when a feed failed or an item was refused."""
    if not reports:
        print("no feed is due (use --all to poll them anyway)")
        return EXIT_OK
    problems = good = 0
    for report in reports:
        name = report.feed.name
        if report.error:
            problems += 1
            print(f"{report.status:12} {name}: {report.error}", file=sys.stderr)
            continue
        good += 1
        for collection, article in report.ingested:
            print(f"{article.status:9} {article.article_id}  {article.title}  ({collection})")
        for _, failure in report.refused:
            problems += 1
            print(f"refused   {failure.origin}: {failure.reason}", file=sys.stderr)
        skipped = f", {report.skipped} older items skipped" if report.skipped else ""
        print(f"{report.status:12} {name}: {len(report.ingested)} articles in{skipped}")
    if problems:
        return EXIT_PARTIAL if good else EXIT_ERROR
    return EXIT_OK


_HANDLERS: dict[str, Callable[..., Coroutine[Any, Any, int]]] = {
    "ask": _ask,
    "ingest": _ingest,
    "articles": _articles,
    "remove": _remove,
    "reindex": _reindex,
    "stats": _stats,
    "feeds": _feeds,
}

if __name__ == "__main__":
    sys.exit(main())
