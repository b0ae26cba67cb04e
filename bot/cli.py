"""The ``newsbot`` command line: run the bot, ask, ingest, list, remove, reindex, stats.

Exit codes (also in README.md): 0 done; 1 error; 2 bad usage (argparse); 3 some inputs
were refused (the others went in); 130 interrupted (Ctrl-C); 141 output closed early
(e.g. piped into ``head``), as other Unix tools. Messages on stderr start with ``newsbot:``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from index.config import MIN_FEED_INTERVAL, Settings
from index.errors import BadArticle, NewsbotError
from index.models import GLOBAL_COLLECTION, Answer, IngestFailure, IngestReport

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141
MAX_QUOTES = 50
"""Most quotes ``ask -n`` may ask for."""
URL_PREFIXES = ("http://", "https://")


def warn(message: str) -> None:
    """One message on stderr, in the one style: ``newsbot: …``."""
    print(f"newsbot: {message}", file=sys.stderr, flush=True)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word if count == 1 else word + 's'}"


def _whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` (up to ``high``, if given)."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if high is not None and not low <= number <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, not {number}")
        if number < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {number}")
        return number

    return parse


_quote_count = _whole_number(1, MAX_QUOTES)
_positive = _whole_number(1)


def _feed_minutes(text: str) -> float:
    try:
        minutes = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(minutes) or minutes * 60 < MIN_FEED_INTERVAL:
        raise argparse.ArgumentTypeError(
            f"must be a number of minutes, at least {MIN_FEED_INTERVAL // 60}, not {text}"
        )
    return minutes


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsbot")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _DefaultCollection(str):
    """The ``--collection`` default: a plain collection name everywhere, but ``reindex``
    and ``stats`` can tell it from a name given on the command line (then they cover that
    collection only; by default they cover every collection)."""


def _given_collections(args: argparse.Namespace) -> list[str] | None:
    """``[NAME]`` when ``--collection NAME`` was given, else ``None`` (all collections)."""
    return None if isinstance(args.collection, _DefaultCollection) else [args.collection]


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """``--data-dir``, ``--collection``, ``-v``: accepted before or after the subcommand.

    On subcommands their default is "not given", so a value given before the subcommand
    is not overwritten.
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        default=default(None),
        help="where the database and indexes live "
        "(default: $NEWSBOT_DATA_DIR, else a per-user data directory)",
    )
    parser.add_argument(
        "--collection",
        metavar="NAME",
        default=default(_DefaultCollection(GLOBAL_COLLECTION)),
        help=f"collection to use (default: {GLOBAL_COLLECTION}; reindex and stats: all; "
        "Discord servers use 'guild:<server id>')",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default(False), help="log more"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answer questions about news articles by quoting them, with citations.",
        epilog="Exit codes: 0 done, 1 error, 2 bad usage, 3 some inputs refused "
        "(the others went in), 130 interrupted, 141 output closed early. "
        "'newsbot COMMAND --help' describes each command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        _global_options(sub, defaults=False)
        return sub

    ask = command(
        "ask",
        "answer a question with verbatim quotes (or one question per line from stdin)",
    )
    ask.add_argument(
        "question",
        nargs="?",
        help="the question; omit it to read questions from stdin, one a line",
    )
    ask.add_argument(
        "--json", action="store_true", help="print one JSON object per question (see README)"
    )
    ask.add_argument(
        "-n",
        "--limit",
        type=_quote_count,
        default=5,
        metavar="N",
        help=f"at most N quotes, 1 to {MAX_QUOTES} (default: %(default)s)",
    )

    ingest = command("ingest", "add articles from files, folders, web pages or pasted text (-)")
    ingest.add_argument(
        "paths",
        nargs="+",
        metavar="PATH_OR_URL",
        help=".txt .md .html .json .jsonl files, folders of them, http(s) URLs, or - for one "
        "article from stdin (title on the first line, as in a .txt file)",
    )

    articles = command("articles", "list the articles, newest first")
    articles.add_argument("--json", action="store_true", help="print one JSON object a line")
    articles.add_argument(
        "--limit",
        type=_positive,
        default=100,
        metavar="N",
        help="at most N articles (default: %(default)s)",
    )

    remove = command("remove", "remove an article (it is never quoted again)")
    remove.add_argument("article_id", metavar="ARTICLE_ID", help="its id, as `articles` shows")

    command(
        "reindex",
        "re-chunk and re-embed every article (after changing the model), or those of --collection",
    )
    stats = command(
        "stats",
        "counts of articles, passages and vectors (of --collection if given); model; database size",
    )
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    command("run", "run the Discord bot (needs DISCORD_TOKEN; see README)")
    _add_feeds_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # The reader went away (`newsbot articles | head`): stop quietly. Point stdout at
        # /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "feeds" and not args.verbose:
        # `feeds` prints each failure as a `newsbot:` line; the service's log would repeat it
        logging.getLogger("index.feeds.service").setLevel(logging.ERROR)
    from dotenv import load_dotenv

    load_dotenv()
    if args.command == "run":
        from bot.client import run_bot

        return run_bot(data_dir=args.data_dir)
    handler = _HANDLERS[args.command]
    try:
        return asyncio.run(_with_library(args, handler))
    except NewsbotError as error:
        warn(str(error))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


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


async def _require_collection(library: Any, collection: str) -> None:
    """Refuse a ``--collection`` that holds no articles, naming those that exist."""
    if await library.count_articles(collections=[collection]):
        return
    existing = sorted((await library.stats()).collections)
    known = ", ".join(existing) if existing else "none yet"
    raise NewsbotError(
        f"there is no collection {collection!r} (collections with articles: {known}); "
        f"add articles to it with `newsbot ingest --collection {collection} FILE`"
    )


def _terminal_hint(message: str) -> None:
    """Say on stderr how to end typed input (``{end}`` in ``message``), when stdin is a
    terminal: piped input needs no hint."""
    if sys.stdin.isatty():
        warn(message.format(end="Ctrl-Z then Enter" if os.name == "nt" else "Ctrl-D"))


async def _ask(library: Any, args: argparse.Namespace) -> int:
    """Answer each question; one that cannot be asked is reported and the others still are.

    A refused question prints ``{"question", "answered": false, "quotes": [], "error"}``
    with ``--json`` (one line per question still), else a message on stderr.
    """
    await _require_collection(library, args.collection)
    if args.question is not None:
        questions: Any = [args.question]
    else:
        _terminal_hint("type a question and press Enter ({end} to finish)")
        questions = _stdin_questions()
    asked = failed = 0
    for question in questions:
        try:
            answer = await library.ask(question, collections=[args.collection], limit=args.limit)
        except BadArticle as error:  # this question only: the batch goes on
            failed += 1
            shown = question.encode("utf-8", "replace").decode("utf-8").strip()
            if args.json:
                refused = {"question": shown, "answered": False, "quotes": [], "error": str(error)}
                print(json.dumps(refused, ensure_ascii=False), flush=True)
            else:
                warn(str(error))
            continue
        asked += 1
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer), flush=True)
    if failed:
        return EXIT_PARTIAL if asked else EXIT_ERROR
    return EXIT_OK


def _stdin_questions() -> Iterator[str]:
    """Non-blank stdin lines, read as bytes: a line that is not UTF-8 comes out with lone
    surrogates in place of its bad bytes, which ``ask`` refuses (that line only)."""
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
        if line.strip():
            yield line


NBSP = "\u00a0"


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """``text`` wrapped to ``width``, its paragraph breaks kept (blank line between)."""
    out: list[str] = []
    for number, paragraph in enumerate(p for p in text.split("\n\n") if p.strip()):
        if number:
            out.append("")
        out += textwrap.wrap(
            re.sub(r"[ \t\r\n]+", " ", paragraph.strip()),  # keeps the no-break spaces
            width=width,
            initial_indent=first if number == 0 else rest,
            subsequent_indent=rest,
            break_on_hyphens=False,
            break_long_words=False,
        )
    return [line.replace(NBSP, " ") for line in out]


def _width() -> int:
    return max(40, min(100, shutil.get_terminal_size((100, 24)).columns))


def _paragraphs(first: int, text: str) -> str:
    """``paragraph 8``, or ``paragraphs 8–9`` for a quote over two paragraphs."""
    from index.sentences import paragraph_breaks

    last = first + paragraph_breaks(text)
    return f"paragraph {first}" if last == first else f"paragraphs {first}–{last}"


def shown_date(published: str | None) -> str | None:
    """The date of an ISO timestamp (feeds store ``2026-11-30T10:00:00+00:00``), as the
    bot shows it; a bare date or free text is shown as it is."""
    if not published or len(published.strip()) <= 10:
        return published
    try:
        return datetime.fromisoformat(published.strip().replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return published


def format_answer(answer: Answer, width: int | None = None) -> str:
    """An answer for a terminal: numbered quotes (paragraph breaks kept, wrapped to the
    terminal, a speaker's name never split) with their citations."""
    width = width or _width()
    lines = [f"Q: {answer.question}"]
    if answer.note:
        lines.append(f"Note: {answer.note}")
    if not answer.answered:
        lines.append(answer.message or "Nothing found.")
        return "\n".join(lines) + "\n"
    for number, quote in enumerate(answer.quotes, start=1):
        said = f" —{NBSP}{quote.speaker.replace(' ', NBSP)}" if quote.speaker else ""
        lines += _wrap(f"“{quote.text.strip()}”{said}", width, f"[{number}] ", "    ")
        cite = ", ".join(
            part
            for part in (
                quote.source,
                f"“{quote.title}”",
                shown_date(quote.published),
                _paragraphs(quote.paragraph, quote.text),
                quote.url,
            )
            if part
        )
        lines += _wrap(cite, width, "    ", "      ")
        for other in quote.also_in:
            copy = f"also in: {other.source or ''} “{other.title}”".replace("  ", " ")
            lines += _wrap(copy, width, "    ", "      ")
    return "\n".join(lines) + "\n"


STDIN_ARTICLE = "-"
"""``newsbot ingest -``: one article pasted on stdin, read as a ``.txt`` file."""
STDIN_ORIGIN = "stdin.txt"


async def _ingest_stdin(library: Any, collection: str) -> IngestReport:
    """The article on stdin (at most ``NEWSBOT_MAX_FILE_BYTES``), as a ``.txt`` file."""
    _terminal_hint("paste the article, its title on the first line, then press {end}")
    limit = library.settings.max_file_bytes
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        report = IngestReport()
        report.failures.append(
            IngestFailure(
                STDIN_ORIGIN,
                f"more than {limit:,} bytes; split it, or raise NEWSBOT_MAX_FILE_BYTES",
            )
        )
        return report
    return await library.ingest_file(data, STDIN_ORIGIN, collection=collection, added_by="cli")


async def _ingest(library: Any, args: argparse.Namespace) -> int:
    from index.loaders import unsupported_files

    progress = _progress_bar("ingest")
    report = IngestReport()
    if STDIN_ARTICLE in args.paths:
        report.merge(await _ingest_stdin(library, args.collection))
    files = [Path(p) for p in args.paths if not p.startswith(URL_PREFIXES) and p != STDIN_ARTICLE]
    urls = [p for p in args.paths if p.startswith(URL_PREFIXES)]
    missing = [p for p in files if not p.exists()]
    for path in missing:
        warn(f"{path}: no such file or folder")
    files = [p for p in files if p.exists()]
    for folder in (p for p in files if p.is_dir()):
        for skipped in unsupported_files(folder):
            warn(f"skipped {skipped}: not an article file (.txt .md .html .json .jsonl)")
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
            warn(str(error))
            missing.append(Path(url))
    for item in report.ingested:
        print(
            f"{item.status:9} {item.article_id}  {item.title}  ({plural(item.passages, 'passage')})"
        )
    for failure in report.failures:
        warn(f"refused {failure.origin}: {failure.reason}")
    if report.failures or missing:
        return EXIT_PARTIAL if report.ingested else EXIT_ERROR
    return EXIT_OK


async def _articles(library: Any, args: argparse.Namespace) -> int:
    await _require_collection(library, args.collection)
    listed = await library.list_articles(collections=[args.collection], limit=args.limit)
    for article in listed:
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
            meta = ", ".join(p for p in (article.source, shown_date(article.published)) if p)
            print(f"{article.id}  {article.title}" + (f"  ({meta})" if meta else ""))
    total = await library.count_articles(collections=[args.collection])
    if total > len(listed):  # on stderr: the listing itself stays clean for pipes
        warn(f"the newest {len(listed):,} of {total:,} articles; see more with --limit {total}")
    return EXIT_OK


async def _remove(library: Any, args: argparse.Namespace) -> int:
    from index.errors import ArticleNotFound

    await _require_collection(library, args.collection)
    try:
        article = await library.remove_article(args.article_id, collection=args.collection)
    except ArticleNotFound:  # the library's hint names /articles; point to this command
        listing = "newsbot articles"
        if args.collection != GLOBAL_COLLECTION:
            listing += f" --collection {args.collection}"
        raise NewsbotError(
            f"No article with id {args.article_id!r} in collection {args.collection!r}; "
            f"list them with `{listing}`"
        ) from None
    print(f"removed {article.id}  {article.title}")
    return EXIT_OK


async def _reindex(library: Any, args: argparse.Namespace) -> int:
    collections = _given_collections(args)
    if collections:
        await _require_collection(library, collections[0])
    report = await library.reindex(progress=_progress_bar("reindex"), collections=collections)
    print(
        f"reindexed {plural(report.articles, 'article')}, "
        f"{plural(report.passages, 'passage')} in {report.seconds:.1f} s"
    )
    return EXIT_OK


async def _stats(library: Any, args: argparse.Namespace) -> int:
    collections = _given_collections(args)
    if collections:
        await _require_collection(library, collections[0])
    stats = await library.stats(collections=collections)
    if args.json:
        print(json.dumps(stats.to_json()))
        return EXIT_OK
    print(f"articles:  {stats.articles}")
    print(f"passages:  {stats.passages}")
    print(f"vectors:   {stats.vectors}")
    print(f"model:     {stats.model} ({stats.dimension} dimensions)")
    print(f"database:  {stats.database_bytes / 1e6:.1f} MB")
    for collection, count in sorted(stats.collections.items()):
        print(f"  {collection}: {plural(count, 'article')}")
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
    feeds = commands.add_parser(
        "feeds",
        help="follow RSS/Atom feeds into the collection",
        description="Follow RSS/Atom feeds: their new items become articles of the collection.",
    )
    _global_options(feeds, defaults=False)
    actions = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")

    def action(name: str, text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        _global_options(parser, defaults=False)
        return parser

    add = action("add", "follow a feed and take in its current items")
    add.add_argument("url", help="address of the RSS or Atom feed")
    add.add_argument(
        "--interval",
        type=_feed_minutes,
        metavar="MINUTES",
        help=f"minutes between polls (at least {MIN_FEED_INTERVAL // 60})",
    )
    listing = action("list", "the feeds followed, with their state")
    listing.add_argument("--json", action="store_true", help="print JSON lines")
    remove = action("remove", "stop following a feed (its articles stay)")
    remove.add_argument("feed", metavar="URL_OR_ID", help="the feed's address or id (see list)")
    poll = action("poll", "poll the due feeds now and print what was added")
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
        items = f"{added.items} item{'' if added.items == 1 else 's'}"
        print(f"{verb} {added.feed.name} (id {added.feed.pk}, {items} in the feed)")
        return _print_polls(await feeds.poll_due(collections=[args.collection]))
    if args.feeds_command == "list":
        listed = await feeds.list(collections=[args.collection])
        if not listed and not args.json:
            print("no feed is followed here; follow one with `newsbot feeds add URL`")
        for item in listed:
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
                f"    {feed.status}, {plural(item.items, 'article')}, last success "
                f"{_when(feed.last_success_at)}, next poll {_when(feed.next_poll_at)}"
                + (
                    f", {plural(feed.failures, 'failure')}: {feed.last_error}"
                    if feed.failures
                    else ""
                )
            )
        return EXIT_OK
    if args.feeds_command == "remove":
        removed = await feeds.remove(args.feed, collection=args.collection)
        print(f"stopped following {removed.name} <{removed.url}>; its articles stay")
        return EXIT_OK
    if not await feeds.list(collections=[args.collection]):
        print("no feed is followed here; follow one with `newsbot feeds add URL`")
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
            warn(f"{report.status} {name}: {report.error}")
            continue
        good += 1
        for collection, article in report.ingested:
            print(f"{article.status:9} {article.article_id}  {article.title}  ({collection})")
        for _, failure in report.refused:
            problems += 1
            warn(f"refused {failure.origin}: {failure.reason}")
        skipped = f", {report.skipped} older items skipped" if report.skipped else ""
        taken = plural(len(report.ingested), "article")
        print(f"{name}: {taken} in{skipped} (feed {report.status})")
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
