"""Question latency per stage on a corpus already built by ``benchmarks/scale.py``.

Usage (eval sets are not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/latency.py --data /tmp/newsbot-scale/corpus-1000000 \\
        [--eval ../shared/eval] [--questions 200] [--json]

Much quicker than ``scale.py`` (no corpus build, no index rebuild, no flat baseline), for
iterating on the question path. ``--data`` is a data directory ``scale.py`` wrote; opening
it may migrate its schema, so copy it first when another run uses it. The questions are
``scale.py``'s (half SQuAD general, half PolNeAR "What did X say ...?"), embedded by the
real model (one thread) and asked through ``Library.ask`` after a warm-up (20 questions,
then :meth:`Library.wait_idle`: the start-up checks of the index are not timed; and
:meth:`Library.warm_up`, as the bot calls it after start).

Printed per kind of question (general, person), each as p50/p95/p99 in ms:

- ``ask_ms``: wall time of ``Library.ask``; ``cpu_ms``: CPU time of the process meanwhile
  (all threads: less sensitive than wall time to other jobs on a shared machine);
- ``stage_ms``: ``embed`` (query embedding), ``vector_search``, ``rescore`` and
  ``keyword_search`` (hybrid search, from :data:`index.search.STAGES`), and ``store``: all
  time spent in :class:`~index.store.Store` calls (SQLite, including the person path's
  FTS queries and the keyword stage's), so the stages overlap and do not add up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import functools
import inspect
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import faiss

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import scale_corpus
from benchmarks.scale import TimedEmbedder, percentiles
from index.config import Settings
from index.library import Library
from index.search import STAGES
from index.store import Store

_INSIDE = contextvars.ContextVar("_INSIDE", default=False)


def time_store_calls(store: Store) -> None:
    """Make every public coroutine method of ``store`` add its time to ``STAGES['store']``
    (calls made from inside another store call are not counted twice)."""
    for name, method in inspect.getmembers(store, inspect.iscoroutinefunction):
        if name.startswith("_"):
            continue

        def timed(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            @functools.wraps(method)
            async def call(*args: Any, **kwargs: Any) -> Any:
                if _INSIDE.get():
                    return await method(*args, **kwargs)
                token = _INSIDE.set(True)
                started = time.perf_counter()
                try:
                    return await method(*args, **kwargs)
                finally:
                    _INSIDE.reset(token)
                    stages = STAGES.get()
                    if stages is not None:
                        spent = (time.perf_counter() - started) * 1000
                        stages["store"] = stages.get("store", 0.0) + spent

            return call

        setattr(store, name, timed(method))


async def ask_timed(
    library: Library, embedder: TimedEmbedder, question: str
) -> tuple[float, float, dict[str, float]]:
    """``(wall ms, cpu ms, stage ms)`` of one question."""
    embedder.spent = 0.0
    token = STAGES.set({})
    started, cpu = time.perf_counter(), time.process_time()
    try:
        await library.ask(question, collections=["global"])
        wall = (time.perf_counter() - started) * 1000
        spent = (time.process_time() - cpu) * 1000
        stages = dict(STAGES.get() or {})
    finally:
        STAGES.reset(token)
    stages["embed"] = embedder.spent * 1000
    return wall, spent, stages


async def run(args: argparse.Namespace) -> dict:
    from index.embedder import load_embedder

    embedder = TimedEmbedder(load_embedder(threads=1))
    questions = scale_corpus.questions(args.eval, args.questions)
    half = len(questions) // 2
    kinds = {"general": questions[:half], "person": questions[half:]}
    settings = Settings(data_dir=args.data, seeds_dir=None)
    library = await Library.open(settings, embedder=embedder)
    faiss.omp_set_num_threads(1)
    try:
        time_store_calls(library.store)
        for question in questions[:10] + questions[half : half + 10]:  # warm caches
            await library.ask(question, collections=["global"])
        await library.wait_idle()  # the index file's checksum, its count check
        await library.warm_up()  # as the bot does after start (settles the collector)
        result: dict[str, Any] = {
            "passages": await library.store.count_passages(),
            "load_1min": round(os.getloadavg()[0], 2),
        }
        for kind, asked in kinds.items():
            walls, cpus, stages = [], [], {}
            for question in asked:
                wall, cpu, spent = await ask_timed(library, embedder, question)
                walls.append(wall)
                cpus.append(cpu)
                for stage in ("embed", "vector_search", "rescore", "keyword_search", "store"):
                    stages.setdefault(stage, []).append(spent.get(stage, 0.0))
            result[kind] = {
                "ask_ms": percentiles(walls),
                "cpu_ms": percentiles(cpus),
                "stage_ms": {stage: percentiles(v) for stage, v in stages.items()},
            }
    finally:
        await library.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="one JSON line")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result) if args.json else json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
