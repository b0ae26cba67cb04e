"""Whether to answer at all: an honest "not found" beats an unrelated quote.

The decision is a logistic regression (see :mod:`index.qa.model`) on features that do not
depend on the corpus: the best candidates' ranking score, cosine and word coverage, the
share of the question's rare words, named entities and topic words they hold, whether the
question's named entities and its topic words occur in the collection at all, whether
the expected answer type (a number, a date, a person, a place, an amount) is present, and
whether the statements of
the person a "what did X say" question names were found (and its other names are known).
It is trained on SQuAD, PolNeAR speaker questions and hand-written general news questions
(``benchmarks/train_qa.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from index.qa import features
from index.qa.model import QAModel, probability
from index.search import Candidate


def answer_probability(
    qa_model: QAModel,
    facts: features.QuestionFacts,
    logits: Sequence[float],
    rows: Sequence[Sequence[float]],
    entities_known: float,
    said: str | None = None,
    topic_known: float = 1.0,
    said_topic: float = 1.0,
) -> float:
    """Probability that the ranked candidates (best first) answer the question (``said``:
    see :func:`index.qa.features.question_features`)."""
    row = features.question_features(
        facts, logits, rows, entities_known, said, topic_known, said_topic
    )
    return probability(float(qa_model.abstain.logits([row])[0]))


def threshold(qa_model: QAModel, article_ids: Sequence[str] | None) -> float:
    """The probability an answer needs: looser for a follow-up that names its articles."""
    return qa_model.answer_threshold if article_ids is None else qa_model.follow_up_threshold


def closest(candidates: Sequence[Candidate]) -> Candidate | None:
    """The candidate nearest to the question (named in the "not found" message)."""
    return max(candidates, key=lambda c: c.dense, default=None)
