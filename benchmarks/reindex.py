"""Reindex benchmark: how long ``Library.reindex`` takes on real articles with the real model.

Usage (eval sets are not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/reindex.py --articles ../shared/eval/polnear_train/articles.jsonl \
        [--limit 300] [--data-dir DIR] [--runs 1]

Ingests the articles (the first ``--limit``) into ``--data-dir`` (a temporary folder when
not given; a folder that already holds articles is reused as it is, so one corpus can be
reindexed by two versions of the code), then reindexes everything ``--runs`` times. Prints
one JSON line: ``articles``, ``passages``, ``ingest_s`` (null when reused), ``reindex_s``
(wall time, one figure per run), ``reindex_cpu_s`` (this process's CPU time, all threads:
steadier than wall time on a shared machine), ``reindex_passages_per_s`` (best run),
``encode_calls`` and ``passages_per_call`` (of the last run: passages per encoder call).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.config import Settings  # noqa: E402
from index.library import Library  # noqa: E402
from index.loaders import load_paths  # noqa: E402


class CountingEncoder:
    """Wraps the library's embedder and records the size of every encode call."""

    def __init__(self, inner: Any):
        self._inner = inner
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self._inner.encode(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def run(articles: list[Path], limit: int, data_dir: Path, runs: int) -> dict[str, Any]:
    settings = dataclasses.replace(Settings.from_env(data_dir), seeds_dir=None)
    library = await Library.open(settings)
    try:
        await library.warm_up()  # the model load is not part of either figure
        ingest_s = None
        if await library.store.count_articles() == 0:
            loaded = load_paths(articles)
            started = time.perf_counter()
            report = await library.ingest(loaded.articles[:limit], collection="global")
            ingest_s = round(time.perf_counter() - started, 2)
            if report.failures:
                print(f"{len(report.failures)} articles refused", file=sys.stderr)
        counter = CountingEncoder(library.embedder)
        library.embedder = counter  # type: ignore[assignment]
        seconds: list[float] = []
        cpu_seconds: list[float] = []
        for _ in range(runs):
            counter.calls.clear()
            cpu = time.process_time()
            result = await library.reindex()
            cpu_seconds.append(round(time.process_time() - cpu, 2))
            seconds.append(round(result.seconds, 2))
        return {
            "articles": result.articles,
            "passages": result.passages,
            "ingest_s": ingest_s,
            "reindex_s": seconds,
            "reindex_cpu_s": cpu_seconds,
            "reindex_passages_per_s": round(result.passages / min(seconds), 1),
            "encode_calls": len(counter.calls),
            "passages_per_call": round(sum(counter.calls) / max(len(counter.calls), 1), 1),
        }
    finally:
        await library.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, action="append", required=True)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.data_dir is not None:
        print(json.dumps(asyncio.run(run(args.articles, args.limit, args.data_dir, args.runs))))
        return
    with tempfile.TemporaryDirectory(prefix="newsbot-reindex-") as folder:
        result = asyncio.run(run(args.articles, args.limit, Path(folder) / "data", args.runs))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
