"""The hand-written general news questions (``benchmarks/news_questions/``) and their fixed
train/check split.

Each question belongs to the ``train`` part (70%) or the ``check`` part (30%) by a hash of
its ``qid`` that never changes, so adding questions never moves old ones between parts.
Models are fitted on ``train`` only; ``check`` is for reporting.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "news_questions"
CHECK_SHARE = 0.3


def split_of(qid: str) -> str:
    """``"check"`` for about 30% of question ids, ``"train"`` for the rest (fixed)."""
    bucket = int(hashlib.sha256(qid.encode("utf-8")).hexdigest()[:8], 16) % 1000
    return "check" if bucket < CHECK_SHARE * 1000 else "train"


def is_news(qid: str) -> bool:
    return qid.startswith("newsqa-")


def polnear_share(eval_dir: Path, count: int = 320) -> list[dict]:
    """The fixed random share of ``polnear_train`` articles that ``train_qa.py collect``
    ingests (the news questions are all about these)."""
    path = eval_dir / "polnear_train" / "articles.jsonl"
    articles = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    random.Random(3).shuffle(articles)
    return articles[:count]


def load(folder: Path = FOLDER, split: str | None = None) -> tuple[list[dict], list[dict]]:
    """(answerable, unanswerable) questions, of one part (``"train"``/``"check"``) or all."""

    def read(name: str) -> list[dict]:
        rows = [json.loads(line) for line in (folder / name).open(encoding="utf-8") if line.strip()]
        return [q for q in rows if split is None or split_of(q["qid"]) == split]

    return read("answerable.jsonl"), read("unanswerable.jsonl")
