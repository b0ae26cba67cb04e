"""Encoder benchmark: sentence-transformers (torch fp32) vs the ONNX path, in one run.

Usage (eval sets are not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/encoder.py --articles ../shared/eval/squad_dev/articles.jsonl \
        [--passages 400] [--queries 100] [--threads 2] [--batch-size 32] [--int8]

Both encoders embed the same real passages (chunked as ingest chunks them) and the same
questions in this process, alternating, so machine load affects both alike. Prints one
JSON line:

- ``ingest_passages_per_s``: passages/s through ``Library.ingest`` (chunking, embedding,
  SQLite, FAISS) into a fresh data directory, for ``sentence_transformers`` and ``onnx``,
  and their ``speedup``; ``encode_passages_per_s``: the encoders alone on the same passages;
- ``query_ms``: one question at a time, p50/p99 for each;
- ``cosine``: min/mean cosine between the two encoders' vectors of the same passages;
- ``cold_start_s``: median wall time of fresh processes: ``newsbot ask`` and
  ``newsbot stats`` on a seeded data directory, ``python -c "import sentence_transformers"``,
  and their ratios (targets: ask <= 0.3x, stats <= 0.1x);
- with ``--int8``: the same for an onnxruntime dynamic int8 quantisation (per channel) of
  the export, plus top-10 neighbour overlap with fp32 over the passages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.chunking import chunk_article  # noqa: E402
from index.config import BUNDLED_MODEL, REPO_SEEDS, Settings  # noqa: E402
from index.embedder import Embedder, bundled_model_path, load_embedder  # noqa: E402
from index.models import ArticleInput  # noqa: E402
from index.onnx_encoder import OnnxEmbedder, default_cache_dir, default_threads  # noqa: E402


def read_articles(path: Path | None) -> list[ArticleInput]:
    if path is None:
        path = REPO_SEEDS / "putin-kim-jong-un.json"
        rows = [json.loads(path.read_text(encoding="utf-8"))]
    else:
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    return [
        ArticleInput(title=r["title"] or "untitled", text=r["text"], id=r.get("id"), origin="x")
        for r in rows
    ]


def take_passages(articles: Sequence[ArticleInput], count: int) -> list[ArticleInput]:
    """Whole articles, in file order, until about ``count`` passages."""
    chosen, total = [], 0
    for article in articles:
        if total >= count:
            break
        chosen.append(article)
        total += len(chunk_article(article.text))
    return chosen


def percentile(values: Sequence[float], share: float) -> float:
    return float(np.percentile(np.asarray(values), share * 100))


def timed(function, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


async def ingest_rate(embedder: Embedder, articles: Sequence[ArticleInput]) -> float:
    from index.library import Library

    with tempfile.TemporaryDirectory() as temp:
        settings = Settings(data_dir=Path(temp), seeds_dir=None)
        library = await Library.open(settings, embedder=embedder)
        try:
            started = time.perf_counter()
            report = await library.ingest(articles, collection="global")
            seconds = time.perf_counter() - started
        finally:
            await library.close()
    return sum(item.passages for item in report.ingested) / seconds


def query_times(embedder: Embedder, questions: Sequence[str]) -> list[float]:
    embedder.encode(questions[:2])  # warm up
    times = []
    for question in questions:
        _, seconds = timed(embedder.encode, [question])
        times.append(seconds * 1000)
    return times


def cold_start(repeats: int) -> dict[str, float]:
    """Median wall seconds of fresh processes (the data directory seeded beforehand)."""
    python = sys.executable
    with tempfile.TemporaryDirectory() as temp:
        env = {**os.environ, "NEWSBOT_DATA_DIR": temp}
        for name in ("NEWSBOT_MODEL", "NEWSBOT_ENCODER"):
            env.pop(name, None)
        cli = [python, "-m", "bot.cli"]
        subprocess.run([*cli, "stats"], env=env, cwd=REPO, check=True, capture_output=True)
        commands = {
            "ask": [*cli, "ask", "What did Marks say?"],
            "stats": [*cli, "stats"],
            "import_sentence_transformers": [python, "-c", "import sentence_transformers"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):  # interleaved, so load changes hit all three
            for name, command in commands.items():
                started = time.perf_counter()
                subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True)
                times[name].append(time.perf_counter() - started)
    result = {name: round(statistics.median(values), 3) for name, values in times.items()}
    base = result["import_sentence_transformers"]
    result["ask_ratio"] = round(result["ask"] / base, 3)
    result["stats_ratio"] = round(result["stats"] / base, 3)
    return result


def quantised(onnx_path: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = onnx_path.with_name(onnx_path.stem + "-int8pc.onnx")
    if not target.exists():  # per-channel: cosine .99 to fp32, where per-tensor gave .956
        quantize_dynamic(str(onnx_path), str(target), weight_type=QuantType.QInt8, per_channel=True)
    return target


def top10_overlap(
    reference: Embedder, other: Embedder, passages: Sequence[str], questions: Sequence[str]
) -> float:
    """Share of each question's 10 nearest passages that both encoders find (each
    embedding the questions and the passages itself)."""
    ref_p, ref_q = reference.encode(passages), reference.encode(questions)
    oth_p, oth_q = other.encode(passages), other.encode(questions)
    overlaps = []
    for row in range(len(questions)):
        best = set(np.argsort(-(ref_p @ ref_q[row]))[:10])
        also = set(np.argsort(-(oth_p @ oth_q[row]))[:10])
        overlaps.append(len(best & also) / 10)
    return float(np.mean(overlaps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, help="articles.jsonl (default: the seed)")
    parser.add_argument("--passages", type=int, default=400, help="about this many passages")
    parser.add_argument("--queries", type=int, default=100, help="questions timed one by one")
    parser.add_argument("--threads", type=int, default=0, help="encoder threads (0 = auto)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--cold-repeats", type=int, default=3)
    parser.add_argument("--int8", action="store_true", help="also measure a dynamic int8 model")
    args = parser.parse_args()
    threads = args.threads or default_threads()

    articles = take_passages(read_articles(args.articles), args.passages)
    passages = [p.text for a in articles for p in chunk_article(a.text)]
    questions_file = args.articles.parent / "questions.jsonl" if args.articles else None
    if questions_file and questions_file.exists():
        rows = [json.loads(line) for line in questions_file.open() if line.strip()]
        questions = [r["question"] for r in rows][: args.queries]
    else:
        questions = [p.split(". ")[0][:200] for p in passages][: args.queries]

    cold = cold_start(args.cold_repeats)  # before torch is loaded here (page cache warm)

    onnx = OnnxEmbedder(
        BUNDLED_MODEL,
        bundled_model_path(),
        default_cache_dir(),
        threads=threads,
        batch_size=args.batch_size,
    )
    torch_embedder = load_embedder(BUNDLED_MODEL, threads=threads, encoder="sentence-transformers")
    torch_embedder.batch_size = args.batch_size  # type: ignore[attr-defined]
    encoders: dict[str, Embedder] = {"sentence_transformers": torch_embedder, "onnx": onnx}
    if args.int8:
        encoders["onnx_int8"] = OnnxEmbedder(
            BUNDLED_MODEL,
            bundled_model_path(),
            default_cache_dir(),
            threads=threads,
            batch_size=args.batch_size,
            onnx_path=quantised(onnx.onnx_path),
        )
    for embedder in encoders.values():
        embedder.encode(passages[:8])  # warm up

    vectors: dict[str, np.ndarray] = {}
    encode_rate: dict[str, float] = {}
    ingest: dict[str, float] = {}
    queries: dict[str, list[float]] = {}
    for name, embedder in encoders.items():
        vectors[name], seconds = timed(embedder.encode, passages)
        encode_rate[name] = len(passages) / seconds
    for name, embedder in encoders.items():
        ingest[name] = asyncio.run(ingest_rate(embedder, articles))
    for name, embedder in encoders.items():
        queries[name] = query_times(embedder, questions)

    reference = vectors["sentence_transformers"]
    result: dict[str, object] = {
        "passages": len(passages),
        "articles": len(articles),
        "threads": threads,
        "batch_size": args.batch_size,
        "ingest_passages_per_s": {k: round(v, 1) for k, v in ingest.items()},
        "encode_passages_per_s": {k: round(v, 1) for k, v in encode_rate.items()},
        "speedup": {
            "ingest": round(ingest["onnx"] / ingest["sentence_transformers"], 2),
            "encode": round(encode_rate["onnx"] / encode_rate["sentence_transformers"], 2),
        },
        "query_ms": {
            name: {"p50": round(percentile(t, 0.5), 2), "p99": round(percentile(t, 0.99), 2)}
            for name, t in queries.items()
        },
        "cosine": {},
        "cold_start_s": cold,
    }
    for name in encoders:
        if name == "sentence_transformers":
            continue
        cosines = (vectors[name] * reference).sum(axis=1)
        entry = {"min": round(float(cosines.min()), 5), "mean": round(float(cosines.mean()), 5)}
        if name != "onnx":
            overlap = top10_overlap(onnx, encoders[name], passages, questions)
            entry["top10_overlap_with_fp32"] = round(overlap, 3)
        result["cosine"][name] = entry  # type: ignore[index]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
