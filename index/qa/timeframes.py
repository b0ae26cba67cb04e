"""Questions with a time frame ("this week", "in May", "latest"): answer from the articles
published then, newest first (see :mod:`index.timeframe`).

When no article carries a date the frame cannot apply, and the question is answered again
without it: "in 2006" then dates the event asked about rather than the article.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from index.models import Answer
from index.qa.headlines import asks_for_news_only
from index.timeframe import TimeFilter, parse_timeframe

AnswerFn = Callable[[str, int, TimeFilter | None], Awaitable[Answer]]
"""Answers ``(question, limit, published_window)`` from the chosen articles."""
LeadsFn = Callable[[str, int, TimeFilter], Awaitable[Answer]]
"""The leads of the newest articles in a window (see :mod:`index.qa.headlines`)."""


async def answer_in_timeframe(
    question: str,
    now: datetime,
    limit: int,
    answer_with: AnswerFn,
    leads_with: LeadsFn | None = None,
) -> Answer:
    """Answer ``question`` (validated) with ``answer_with``, limited to the articles
    published in the question's time frame read against ``now``, if it has one. A
    question that asks only for news in that frame ("latest news", "any news this
    week?") gets the leads of the newest articles from ``leads_with``."""
    frame = parse_timeframe(question, now)
    if frame is None:
        return await answer_with(question, limit, None)
    published_window = TimeFilter(frame)
    if leads_with is not None and asks_for_news_only(frame.question):
        answer = await leads_with(frame.question, limit, published_window)
        return published_window.finish(answer, question, limit)
    wanted = 3 * limit if frame.newest_first else limit  # the newest may rank lower
    answer = await answer_with(frame.question, wanted, published_window)
    if published_window.unapplied and not published_window.undated:
        # no article had a date: "in 2006" dates the event asked about, keep it in
        answer = await answer_with(question, wanted, None)
    return published_window.finish(answer, question, limit)
