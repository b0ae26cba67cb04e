"""How long feed polls take, and whether questions stay fast while one runs.

A local site serves one RSS feed of N items with a page each; a fresh library (the real
bundled model) follows it. Printed: the first poll (N pages fetched, extracted, embedded),
a second poll (a 304), and question latency (p50/max) measured while the first poll
runs, and the same questions asked afterwards, when idle.

    python benchmarks/feeds.py --items 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.config import Settings
from index.embedder import load_embedder
from index.library import Library
from tests.feeds_site import Item, serve_site

TOPICS = ["pier", "ferry", "lighthouse", "harbour wall", "fish market", "marina", "beach"]
QUESTIONS = ["What did Ada Marsh say about the pier?", "What happened to the ferry?"]


def item(n: int) -> Item:
    topic = TOPICS[n % len(TOPICS)]
    paragraphs = [
        f"Story {n}: the council debated the {topic} on Tuesday evening for three hours.",
        f'"We cannot wait another year for the {topic}," Councillor Ada Marsh said.',
        f"Residents said the {topic} plan number {n} would change the town centre.",
        "The final vote is expected next month, the clerk said, after a public survey.",
    ]
    return Item(
        guid=f"bench-{n}",
        title=f"Council debates the {topic} (story {n})",
        path=f"/news/{n}",
        published=datetime(2026, 5, 6, tzinfo=UTC) - timedelta(hours=n),
        content=f"<p>{paragraphs[0]}</p>",
        page="\n\n".join(paragraphs * 3),
    )


async def ask_times(library: Library, stop: asyncio.Event | None, rounds: int) -> list[float]:
    times: list[float] = []
    for number in range(rounds):
        if stop is not None and stop.is_set():
            break
        started = time.perf_counter()
        await library.ask(QUESTIONS[number % len(QUESTIONS)], collections=["bench"])
        times.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0)
    return times


async def main(items: int) -> None:
    with serve_site() as site, tempfile.TemporaryDirectory() as folder:
        url = site.publish("/feed.xml", "Harbour Times", [item(n) for n in range(items)])
        settings = Settings(
            data_dir=Path(folder),
            seeds_dir=None,
            allow_private_urls=True,
            feed_items_per_poll=items,
        )
        library = await Library.open(settings, embedder=load_embedder())
        try:
            await library.feeds.add(url, collection="bench")
            stop = asyncio.Event()
            started = time.perf_counter()
            poll = asyncio.create_task(library.feeds.poll_due())
            during_task = asyncio.create_task(ask_times(library, stop, 1000))
            (report,) = await poll
            first = time.perf_counter() - started
            stop.set()
            during = await during_task
            started = time.perf_counter()
            (again,) = await library.feeds.poll_due(everything=True)
            second = time.perf_counter() - started
            idle = await ask_times(library, None, 10)
        finally:
            await library.close()
    print(f"first poll: {len(report.ingested)} items in {first:.1f} s "
          f"({first / max(1, len(report.ingested)) * 1000:.0f} ms/item)")  # fmt: skip
    print(f"second poll: {again.status} in {second * 1000:.0f} ms")
    for label, times in (("idle", idle), ("during the poll", during)):
        if times:
            print(
                f"ask {label}: n={len(times)} p50 {statistics.median(times):.0f} ms, "
                f"max {max(times):.0f} ms"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20, help="items in the feed")
    asyncio.run(main(parser.parse_args().items))
