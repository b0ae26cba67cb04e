"""General news questions: newsbot next to a plain BM25-window baseline.

Usage (eval data is not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/news_check.py ../shared/eval --work /tmp/newscheck \
        [--split check|train|all] [--baseline-only]

The corpus is the share of ``polnear_train`` articles that ``benchmarks/train_qa.py``
trains on (:func:`news_questions.polnear_share`); the questions are the hand-written news
questions of ``benchmarks/news_questions/`` of one part (default: ``check``, never fitted
on). Both systems answer every question and are scored by the eval scorer (``score.py``):

* **newsbot**: the articles are ingested into ``--work/data`` (kept between runs) and every
  question goes through :meth:`Library.ask`, as ``newsbot ask --json`` does;
* **BM25 windows**: the baseline of the eval README: 100-word windows (stride 50), ranked
  by BM25 (SQLite FTS5, every question word OR-ed), top 5 quoted, never abstaining.

Printed per system: hit@1 / hit@3 / answered of the answerable questions, and the abstain
rate of the unanswerable ones (all, ``absent`` ones and ``in_corpus`` ones).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import news_questions

WINDOW_WORDS, WINDOW_STRIDE, TOP = 100, 50, 5


def bm25_windows(articles: list[dict], questions: list[dict]) -> list[dict]:
    """The baseline's answers: the top BM25 windows of each question, never abstaining."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE windows USING fts5(body, article, start, end)")
    for article in articles:
        text = article["text"]
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        for first in range(0, max(1, len(words) - WINDOW_STRIDE), WINDOW_STRIDE):
            chunk = words[first : first + WINDOW_WORDS]
            if not chunk:
                break
            start, end = chunk[0][0], chunk[-1][1]
            db.execute(
                "INSERT INTO windows VALUES (?, ?, ?, ?)",
                (text[start:end], article["id"], start, end),
            )
    answers = []
    for question in questions:
        words = dict.fromkeys(re.findall(r"\w+", question["question"].lower()))
        query = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute(
            "SELECT body, article, start, end FROM windows WHERE windows MATCH ? "
            "ORDER BY bm25(windows) LIMIT ?",
            (query, TOP),
        ).fetchall()
        quotes = [
            {"article_id": a, "text": body, "start": int(s), "end": int(e)}
            for body, a, s, e in rows
        ]
        answers.append({"question": question["question"], "answered": True, "quotes": quotes})
    return answers


async def newsbot(articles_path: Path, questions: list[dict], data_dir: Path) -> list[dict]:
    """newsbot's answers (``Answer.to_json``), the articles ingested into ``data_dir``."""
    from index.config import Settings
    from index.library import Library

    library = await Library.open(Settings(data_dir=data_dir, seeds_dir=None))
    try:
        await library.ingest_paths([articles_path], collection="global")
        answers = []
        for question in questions:
            answer = await library.ask(question["question"], collections=["global"])
            answers.append(answer.to_json())
        return answers
    finally:
        await library.close()


def scored(
    eval_dir: Path, work: Path, name: str, answers: list[dict], questions: list[dict]
) -> dict:
    """The eval scorer's metrics (``--json``) of ``answers`` to ``questions``."""
    answers_path = work / f"answers_{name}.jsonl"
    questions_path = work / f"questions_{name}.jsonl"
    answers_path.write_text("".join(json.dumps(a) + "\n" for a in answers), encoding="utf-8")
    questions_path.write_text("".join(json.dumps(q) + "\n" for q in questions), "utf-8")
    out = subprocess.run(
        [
            sys.executable,
            str(eval_dir / "score.py"),
            str(answers_path),
            str(questions_path),
            "--articles",
            str(work / "articles.jsonl"),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def report(
    name: str, eval_dir: Path, work: Path, answers: list[dict], questions: list[dict]
) -> None:
    by_question = {a["question"]: a for a in answers}
    answerable = [q for q in questions if q["gold"]]
    groups = {
        "unanswerable": [q for q in questions if not q["gold"]],
        "absent": [q for q in questions if q.get("about") == "absent"],
        "in_corpus": [q for q in questions if q.get("about") == "in_corpus"],
    }
    a = scored(eval_dir, work, f"{name}_answerable", answers, answerable)["squad"]
    cells = [
        f"hit@1 {a['hit@1']:.3f}",
        f"hit@3 {a['hit@3']:.3f}",
        f"answered {a['answered']:.3f}",
        f"verbatim {a.get('verbatim', float('nan')):.2f}",
    ]
    for group, qs in groups.items():
        subset = [by_question[q["question"]] for q in qs]
        m = scored(eval_dir, work, f"{name}_{group}", subset, qs)["offtopic"]
        cells.append(f"abstain {group} {m['abstain']:.3f}")
    print(f"{name:>13} ({len(answerable)}/{len(groups['unanswerable'])}): " + ", ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--split", choices=["check", "train", "all"], default="check")
    parser.add_argument("--baseline-only", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    articles = news_questions.polnear_share(args.eval)
    articles_path = args.work / "articles.jsonl"
    articles_path.write_text("".join(json.dumps(a) + "\n" for a in articles), "utf-8")
    answerable, unanswerable = news_questions.load(
        split=None if args.split == "all" else args.split
    )
    questions = answerable + unanswerable
    print(
        f"news questions ({args.split}): {len(answerable)} answerable, "
        f"{len(unanswerable)} unanswerable; {len(articles)} polnear_train articles"
    )
    report("BM25 windows", args.eval, args.work, bm25_windows(articles, questions), questions)
    if not args.baseline_only:
        answers = asyncio.run(newsbot(articles_path, questions, args.work / "data"))
        report("newsbot", args.eval, args.work, answers, questions)


if __name__ == "__main__":
    main()
