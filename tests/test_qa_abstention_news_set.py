"""The hand-written news questions that abstention is trained and checked on
(``benchmarks/news_questions/``): well formed, and split into train/check parts by a fixed
hash of their ids."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import news_questions


def test_questions_are_well_formed_and_split_about_70_30() -> None:
    answerable, unanswerable = news_questions.load()
    assert len(answerable) >= 200 and len(unanswerable) >= 160
    qids = [q["qid"] for q in answerable + unanswerable]
    assert len(set(qids)) == len(qids)
    assert len({q["gold"][0]["article_id"] for q in answerable}) >= 120
    for q in answerable:
        [gold] = q["gold"]
        assert q["kind"] == "squad" and gold["end"] - gold["start"] == len(gold["text"])
    assert all(q["kind"] == "offtopic" and not q["gold"] for q in unanswerable)
    assert {q["about"] for q in unanswerable} == {"absent", "in_corpus"}
    check = [qid for qid in qids if news_questions.split_of(qid) == "check"]
    assert 0.25 < len(check) / len(qids) < 0.35
    train, _ = news_questions.load(split="train")
    assert not {q["qid"] for q in train} & set(check)


def test_the_split_is_fixed() -> None:
    """Pinned: a changed hash would move questions between the parts (fitting on check)."""
    parts = [news_questions.split_of(f"newsqa-a{n:03d}") for n in range(1, 9)]
    assert parts == ["check", "check", "train", "train", "check", "check", "check", "train"]
