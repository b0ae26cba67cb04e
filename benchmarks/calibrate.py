"""Calibrate general-question ranking weights and the abstention threshold on held-out data.

Usage (paths into the team's eval folder, which is not part of this repository):

    .venv/bin/python benchmarks/calibrate.py ../shared/eval [--answerable 600] [--offtopic 300] \
        [--grid 0.5,0.5 0.3,0.8 0.3,1.0]

Builds two sets that share no question with the dev sets scored by ``quality.py``:
SQuAD questions from ``squad_dev/questions_all.jsonl`` that are not among the 1,000 in
``squad_dev/questions.jsonl`` (answerable from the SQuAD articles), and other such questions
asked of the ``polnear_dev`` articles, where nothing answers them. For each
``KEYWORD_WEIGHT,COVERAGE_WEIGHT`` pair it prints hit@1/hit@3 without abstention and, for
a range of thresholds, the share of answerable questions still answered and the share of
off-topic questions abstained on. Pick the threshold where both are high and set
``index.answer.ANSWER_THRESHOLD``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import index.answer as answering
from index.config import Settings
from index.embedder import load_embedder
from index.library import Library

THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open() if line.strip()]


def held_out_questions(eval_dir: Path, answerable: int, offtopic: int) -> tuple[list, list]:
    squad = eval_dir / "squad_dev"
    excluded = {q["qid"] for q in read_jsonl(squad / "questions.jsonl")}
    excluded_text = {
        q["question"] for q in read_jsonl(eval_dir / "offtopic_polnear_dev" / "questions.jsonl")
    }
    pool = [
        q
        for q in read_jsonl(squad / "questions_all.jsonl")
        if q["qid"] not in excluded and q["question"] not in excluded_text
    ]
    random.Random(7).shuffle(pool)
    return pool[:answerable], pool[answerable : answerable + offtopic]


async def best_relevance(library: Library, questions: list[dict], out: Path) -> list[float]:
    """Answer without abstaining; return each question's best relevance."""
    seen: list[float] = []
    select = answering.select_general

    def record(candidates, limit, threshold=0.0):  # type: ignore[no-untyped-def]
        seen.append(max((answering.relevance(c) for c in candidates), default=0.0))
        return select(candidates, limit, 0.0)

    answering.select_general = record
    try:
        with out.open("w") as handle:
            for question in questions:
                answer = await library.ask(question["question"], collections=["global"])
                handle.write(json.dumps({**answer.to_json(), "qid": question["qid"]}) + "\n")
    finally:
        answering.select_general = select
    return seen


async def ingest(folder: Path, data_dir: Path, embedder: object) -> Library:
    library = await Library.open(Settings(data_dir=data_dir, seeds_dir=None), embedder=embedder)
    await library.ingest_paths([folder / "articles.jsonl"], collection="global")
    return library


async def main_async(args: argparse.Namespace) -> None:
    eval_dir: Path = args.eval_dir
    answerable, offtopic = held_out_questions(eval_dir, args.answerable, args.offtopic)
    embedder = load_embedder()
    with tempfile.TemporaryDirectory() as temp:
        work = Path(args.work or temp)
        squad = await ingest(eval_dir / "squad_dev", work / "squad_dev", embedder)
        news = await ingest(eval_dir / "polnear_dev", work / "polnear_dev", embedder)
        questions_path = work / "held_out_questions.jsonl"
        questions_path.write_text("".join(json.dumps(q) + "\n" for q in answerable))
        try:
            for pair in args.grid:
                keyword, coverage = map(float, pair.split(","))
                answering.KEYWORD_WEIGHT, answering.COVERAGE_WEIGHT = keyword, coverage
                answers_path = work / "answers.jsonl"
                on_topic = await best_relevance(squad, answerable, answers_path)
                off_topic = await best_relevance(news, offtopic, work / "offtopic.jsonl")
                scored = subprocess.run(
                    [
                        sys.executable,
                        str(eval_dir / "score.py"),
                        str(answers_path),
                        str(questions_path),
                        "--articles",
                        str(eval_dir / "squad_dev" / "articles.jsonl"),
                        "--json",
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                squad_metrics = json.loads(scored.stdout)["squad"]
                print(
                    f"keyword {keyword} coverage {coverage}: hit@1 {squad_metrics['hit@1']:.3f} "
                    f"hit@3 {squad_metrics['hit@3']:.3f} (no abstention)"
                )
                for threshold in THRESHOLDS:
                    kept = sum(r >= threshold for r in on_topic) / len(on_topic)
                    refused = sum(r < threshold for r in off_topic) / len(off_topic)
                    print(
                        f"  threshold {threshold:.2f}: answered {kept:.3f}  abstain {refused:.3f}"
                    )
        finally:
            await squad.close()
            await news.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--answerable", type=int, default=600)
    parser.add_argument("--offtopic", type=int, default=300)
    parser.add_argument("--grid", nargs="+", default=["0.5,0.5", "0.3,0.8", "0.3,1.0"])
    parser.add_argument("--work", type=Path, help="keep the ingested data here")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
