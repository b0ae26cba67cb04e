"""Answer-quality benchmark: ingest an eval set, ask every question, score the answers.

Usage (eval sets are not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/quality.py ../shared/eval/polnear_dev ../shared/eval/squad_dev \
        ../shared/eval/offtopic_polnear_dev [--work DIR] [--limit N]

For each set folder (``articles.jsonl`` + ``questions.jsonl``) the articles are ingested
into a data directory (a temporary one, or ``--work DIR/<set>`` to reuse it between runs),
every question is answered through :meth:`Library.ask` and ``Answer.to_json`` exactly as
``newsbot ask --json`` does, and the answers are scored with the set's ``score.py``.
Prints the scorer's table per set and the question latency after the model is loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from index.config import Settings
from index.library import Library


async def run_set(folder: Path, data_dir: Path, limit: int | None, embedder: object) -> dict:
    settings = Settings(data_dir=data_dir, seeds_dir=None)
    library = await Library.open(settings, embedder=embedder)
    try:
        started = time.perf_counter()
        report = await library.ingest_paths([folder / "articles.jsonl"], collection="global")
        ingest_seconds = time.perf_counter() - started
        questions = [
            json.loads(line) for line in (folder / "questions.jsonl").open() if line.strip()
        ]
        if limit:
            questions = questions[:limit]
        answers, latencies = [], []
        for question in questions:
            t0 = time.perf_counter()
            answer = await library.ask(question["question"], collections=["global"])
            latencies.append((time.perf_counter() - t0) * 1000)
            answers.append(answer.to_json())
        stats = await library.stats()
    finally:
        await library.close()
    answers_path = data_dir / "answers.jsonl"
    with answers_path.open("w") as out:
        for answer in answers:
            out.write(json.dumps(answer, ensure_ascii=False) + "\n")
    questions_path = folder / "questions.jsonl"
    if limit:
        questions_path = data_dir / "questions.jsonl"
        questions_path.write_text("".join(json.dumps(q) + "\n" for q in questions))
    score = folder.parent / "score.py"
    table = subprocess.run(
        [
            sys.executable,
            str(score),
            str(answers_path),
            str(questions_path),
            "--articles",
            str(folder / "articles.jsonl"),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    latencies.sort()
    return {
        "set": folder.name,
        "table": table,
        "articles": stats.articles,
        "passages": stats.passages,
        "refused": len(report.failures),
        "ingest_s": ingest_seconds,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
    }


async def main_async(args: argparse.Namespace) -> None:
    from index.embedder import load_embedder

    embedder = load_embedder()
    for folder in args.sets:
        if args.work:
            data_dir = args.work / folder.name
            result = await run_set(folder, data_dir, args.limit, embedder)
        else:
            with tempfile.TemporaryDirectory() as temp:
                result = await run_set(folder, Path(temp), args.limit, embedder)
        print(
            f"== {result['set']}: {result['articles']} articles, {result['passages']} "
            f"passages, ingest {result['ingest_s']:.1f} s, refused {result['refused']}; "
            f"question p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms"
        )
        print(result["table"], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="eval set folders")
    parser.add_argument("--work", type=Path, help="keep data directories here between runs")
    parser.add_argument("--limit", type=int, help="only the first N questions of each set")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
