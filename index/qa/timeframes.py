"""Questions with a time frame ("this week", "in May", "latest"): answer from the articles
published then, newest first (see :mod:`index.timeframe`).

When no article carries a date the frame cannot apply, and the question is answered again
without it: "in 2006" then dates the event asked about rather than the article.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from index.models import Answer
from index.timeframe import TimeFilter, parse_timeframe

AnswerFn = Callable[[str, int, TimeFilter | None], Awaitable[Answer]]
"""Answers ``(question, limit, published_window)`` from the chosen articles."""


async def answer_in_timeframe(
    question: str, now: datetime, limit: int, answer_with: AnswerFn
) -> Answer:
    """Answer ``question`` (validated) with ``answer_with``, limited to the articles
    published in the question's time frame read against ``now``, if it has one."""
    frame = parse_timeframe(question, now)
    if frame is None:
        return await answer_with(question, limit, None)
    published_window = TimeFilter(frame)
    wanted = 3 * limit if frame.newest_first else limit  # the newest may rank lower
    answer = await answer_with(frame.question, wanted, published_window)
    if published_window.unapplied and not published_window.undated:
        # no article had a date: "in 2006" dates the event asked about, keep it in
        answer = await answer_with(question, wanted, None)
    return published_window.finish(answer, question, limit)
