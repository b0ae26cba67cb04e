"""Answer-quality benchmark: ingest an eval set, ask every question, score the answers.

Usage (eval sets are not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/quality.py ../shared/eval/polnear_dev ../shared/eval/squad_dev \
        ../shared/eval/offtopic_polnear_dev [--work DIR] [--limit N]

For each set folder (``articles.jsonl`` + ``questions.jsonl``) the articles are ingested
into a data directory (a temporary one, or ``--work DIR/<set>`` to reuse it between runs),
every question is answered through :meth:`Library.ask` and ``Answer.to_json`` exactly as
``newsbot ask --json`` does, and the answers are scored with the set's ``score.py``.
Prints the scorer's table per set and the question latency (p50/p95) after the model is
loaded.

Then, from each question's answer probability (:mod:`index.qa.abstention`; a person
answer counts as 1.0), over the sets given:

* the **answered/abstain trade-off**: for a range of thresholds, the share of answerable
  questions still answered and of off-topic questions abstained on;
* a **cross-domain check**: the threshold is chosen on the sets of one corpus only (the
  lowest abstaining on 90% of its off-topic questions) and scored on the other corpus's
  sets. Sets are grouped by corpus through their ``articles.jsonl`` contents
  (``polnear_dev`` with ``offtopic_polnear_dev``, ``squad_dev`` with ``offtopic_squad_dev``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's index/

from index.config import Settings
from index.library import Library
from index.qa import pipeline

THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
TARGET_ABSTAIN = 0.9


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
        answers, latencies, chances = [], [], []
        seen: list[float] = []
        pipeline.recorders.append(lambda _question, chance: seen.append(chance))
        try:
            for question in questions:
                seen.clear()
                t0 = time.perf_counter()
                answer = await library.ask(question["question"], collections=["global"])
                latencies.append((time.perf_counter() - t0) * 1000)
                answers.append(answer.to_json())
                chances.append(seen[-1] if seen else 0.0)
        finally:
            pipeline.recorders.pop()
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
    corpus = hashlib.sha256((folder / "articles.jsonl").read_bytes()).hexdigest()[:8]
    return {
        "set": folder.name,
        "corpus": corpus,
        "chances": chances,
        "answerable": [bool(q["gold"]) for q in questions],
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
    results = []
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
        results.append(result)
    print_abstention(results)


def _split(results: list[dict]) -> tuple[list[float], list[float]]:
    """Answer probabilities of the answerable and of the off-topic questions."""
    pairs = [p for r in results for p in zip(r["chances"], r["answerable"], strict=True)]
    return [c for c, a in pairs if a], [c for c, a in pairs if not a]


def _rates(results: list[dict], threshold: float) -> tuple[float | None, float | None]:
    """(answered share of answerable questions, abstain share of off-topic ones)."""
    answerable, offtopic = _split(results)
    answered = sum(c >= threshold for c in answerable) / len(answerable) if answerable else None
    abstain = sum(c < threshold for c in offtopic) / len(offtopic) if offtopic else None
    return answered, abstain


def _fmt(value: float | None) -> str:
    return "  –  " if value is None else f"{value:.3f}"


def _calibrated(results: list[dict]) -> float:
    """Lowest threshold at which these sets' off-topic questions are abstained on at least
    TARGET_ABSTAIN of the time (what a deployment on that corpus alone would pick)."""
    offtopic = sorted(_split(results)[1])
    if not offtopic:
        return 0.5
    return offtopic[min(len(offtopic) - 1, int(TARGET_ABSTAIN * len(offtopic)))] + 1e-9


def print_abstention(results: list[dict]) -> None:
    from index.qa.model import load

    shipped = load().answer_threshold
    print(f"== answered/abstain trade-off (answer probability threshold; shipped {shipped:.3f})")
    print("threshold  " + "  ".join(f"{r['set'][:20]:>20}" for r in results))
    for threshold in sorted({*THRESHOLDS, round(shipped, 3)}):
        cells = []
        for r in results:
            answered, abstain = _rates([r], threshold)
            cells.append(
                f"answered {_fmt(answered)}" if answered is not None else f"abstain {_fmt(abstain)}"
            )
        print(f"{threshold:9.3f}  " + "  ".join(f"{c:>20}" for c in cells))
    corpora: dict[str, list[dict]] = {}
    for r in results:
        corpora.setdefault(r["corpus"], []).append(r)
    if len(corpora) < 2:
        return
    print("== cross-domain: threshold chosen on one corpus's sets, scored on the other's")
    for corpus, own in corpora.items():
        threshold = _calibrated(own)
        names = "+".join(r["set"] for r in own)
        for other_corpus, other in corpora.items():
            if other_corpus == corpus:
                continue
            answered, abstain = _rates(other, threshold)
            own_answered, own_abstain = _rates(own, threshold)
            print(
                f"calibrated on {names} (threshold {threshold:.3f}: answered "
                f"{_fmt(own_answered)}, abstain {_fmt(own_abstain)}) -> "
                f"{'+'.join(r['set'] for r in other)}: answered {_fmt(answered)}, "
                f"abstain {_fmt(abstain)}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="eval set folders")
    parser.add_argument("--work", type=Path, help="keep data directories here between runs")
    parser.add_argument("--limit", type=int, help="only the first N questions of each set")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
