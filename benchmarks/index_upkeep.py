"""Vector-index upkeep at scale: rebuild, save, first search after a start, background merge.

Usage (a corpus database made by ``benchmarks/scale.py``, e.g. its ``--cache`` folder):

    .venv/bin/python benchmarks/index_upkeep.py \\
        --database /tmp/newsbot-scale/corpus-1000000/newsbot.sqlite3 \\
        --questions /tmp/newsbot-scale/questions-200.npy [--folder DIR] [--drop-caches]

Steps, each printed as one JSON line:

- ``rebuild``: :meth:`IndexSync.rebuild` from the database (IVF lists trained on a random
  sample, batches added while the next is read) and :meth:`IndexDirectory.save`;
- ``first_search``: in a fresh process, :meth:`IndexDirectory.load` (memory-mapped main,
  header and ids checked) and one search, then how long the background CRC took
  (``--drop-caches`` empties the page cache first: needs root);
- ``merge``: 20,000 new vectors added (a delta merge starts in the background), questions
  searched meanwhile (latency p50 / max), then the merged main saved.

Index files go to ``--folder`` (a temporary folder by default), never into the corpus's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.index_sync import IndexSync
from index.store import Store
from index.vectors import IndexDirectory, Manifest

COLLECTION = "global"
MODEL = "scale"


class _Dimension:
    name = MODEL

    def __init__(self, dimension: int):
        self.dimension = dimension


async def rebuild(args: argparse.Namespace, dimension: int) -> dict:
    store = await Store.open(args.database)
    try:
        count = await store.count_passages(COLLECTION)
        sync = IndexSync(
            store,
            _Dimension(dimension),  # type: ignore[arg-type]
            IndexDirectory(args.folder),
            exact_max=50_000,
            write_lock=asyncio.Lock(),
            check_model=None,  # type: ignore[arg-type]
        )
        started = time.perf_counter()
        index = await sync.rebuild(COLLECTION, count)
        built = time.perf_counter() - started
        started = time.perf_counter()
        sync.directory.save(COLLECTION, index, Manifest(MODEL, dimension, count, 1))
        saved = time.perf_counter() - started
    finally:
        await store.close()
    return {
        "step": "rebuild",
        "passages": count,
        "kind": index.kind,
        "rebuild_s": round(built, 1),
        "save_s": round(saved, 1),
    }


def first_search(args: argparse.Namespace, count: int, dimension: int) -> dict:
    queries = np.load(args.questions).astype(np.float32)
    faiss.omp_set_num_threads(1)
    directory = IndexDirectory(args.folder)
    started = time.perf_counter()
    index = directory.load(COLLECTION, Manifest(MODEL, dimension, count, 1))
    loaded = time.perf_counter() - started
    assert index is not None, "no saved index to load"
    index.search(queries[0], 100)
    total = time.perf_counter() - started
    started = time.perf_counter()
    if index.verifying is not None:
        index.verifying.join()
    return {
        "step": "first_search",
        "load_ms": round(loaded * 1000),
        "load_and_search_ms": round(total * 1000),
        "background_check_s_after": round(time.perf_counter() - started, 2),
        "mapped": index._main_path is not None,
        "damaged": index.damaged,
    }


def merge(args: argparse.Namespace, count: int, dimension: int) -> dict:
    queries = np.load(args.questions).astype(np.float32)
    faiss.omp_set_num_threads(1)
    directory = IndexDirectory(args.folder)
    index = directory.load(COLLECTION, Manifest(MODEL, dimension, count, 1))
    assert index is not None, "no saved index to load"
    before = []
    for query in queries[:50]:
        started = time.perf_counter()
        index.search(query, 100)
        before.append((time.perf_counter() - started) * 1000)
    new = np.random.default_rng(0).standard_normal((20_000, dimension)).astype(np.float32)
    new /= np.linalg.norm(new, axis=1, keepdims=True)
    first_id = 10 * count + 1
    started = time.perf_counter()
    index.add(np.arange(first_id, first_id + len(new), dtype=np.int64), new)
    add_ms = (time.perf_counter() - started) * 1000
    during: list[float] = []
    while index._merging is not None:
        for query in queries:
            began = time.perf_counter()
            index.search(query, 100)
            during.append((time.perf_counter() - began) * 1000)
            if index._merging is None:
                break
    merge_s = time.perf_counter() - started
    started = time.perf_counter()
    directory.save(COLLECTION, index, Manifest(MODEL, dimension, len(index), 2))
    return {
        "step": "merge",
        "added": len(new),
        "add_returned_ms": round(add_ms),
        "merge_s": round(merge_s, 1),
        "search_ms_before_p50": round(float(np.median(before)), 1),
        "searches_during_merge": len(during),
        "search_ms_during_p50": round(float(np.median(during)), 1) if during else None,
        "search_ms_during_max": round(max(during), 1) if during else None,
        "delta_after": index._delta.ntotal,
        "save_merged_s": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--drop-caches", action="store_true")
    parser.add_argument("--step", choices=["all", "first_search", "merge"], default="all")
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    dimension = int(np.load(args.questions).shape[1])
    if args.step != "all":  # a child process (a fresh start)
        step = first_search if args.step == "first_search" else merge
        print(json.dumps(step(args, args.count, dimension)), flush=True)
        return
    with tempfile.TemporaryDirectory() as temporary:
        args.folder = args.folder or Path(temporary)
        result = asyncio.run(rebuild(args, dimension))
        print(json.dumps(result), flush=True)
        if args.drop_caches:
            subprocess.run(["sync"], check=True)
            Path("/proc/sys/vm/drop_caches").write_text("3\n")
        for step in ("first_search", "first_search", "merge"):
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--database",
                    str(args.database),
                    "--questions",
                    str(args.questions),
                    "--folder",
                    str(args.folder),
                    "--step",
                    step,
                    "--count",
                    str(result["passages"]),
                ],
                check=True,
            )


if __name__ == "__main__":
    main()
