"""Whether to answer at all: an honest "not found" beats an unrelated quote."""

from __future__ import annotations

from collections.abc import Sequence

from index import answer as answering
from index.search import Candidate


def general_threshold(article_ids: Sequence[str] | None) -> float:
    """The relevance a general answer needs: looser for a follow-up that names its articles."""
    return answering.ANSWER_THRESHOLD if article_ids is None else answering.FOLLOW_UP_THRESHOLD


def closest(candidates: Sequence[Candidate]) -> Candidate | None:
    """The candidate nearest to the question (named in the "not found" message)."""
    return max(candidates, key=lambda c: c.dense, default=None)
