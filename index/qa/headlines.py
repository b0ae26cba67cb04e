"""“What's the latest?” with no topic: the opening passages of the newest articles.

A question that asks only for news ("latest news", "What's the latest?", "any news this
week?") has no topic to rank passages by. Its answer is the lead of each of the newest
articles in the question's time frame, newest first: what a server following feeds
expects to see.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index import answer as answering
from index.models import Answer, Quote
from index.search import STOPWORDS, content_words
from index.store import Store
from index.timeframe import TimeFilter, newest_first

NEWS_WORDS = frozenset(
    """
    news story stories article articles report reports update updates headline headlines
    happening happened new development developments word going
    """.split()
)
"""Words that ask for news without naming a topic."""

SCANNED_ARTICLES = 200
"""The articles added last that are looked at (their dates then order them)."""


def asks_for_news_only(question: str) -> bool:
    """Whether ``question`` (its time expression removed) names no topic at all."""
    return all(
        word in NEWS_WORDS or re.split(r"['’]", word)[0] in STOPWORDS  # "what's"
        for word in content_words(question)
    )


async def latest_leads(
    store: Store,
    question: str,
    collections: Sequence[str],
    limit: int,
    published_window: TimeFilter,
    article_ids: Sequence[str] | None = None,
) -> Answer:
    """The leads of the ``limit`` newest articles in ``published_window``."""
    leads = await store.lead_passages(list(dict.fromkeys(collections)), SCANNED_ARTICLES)
    if article_ids is not None:
        allowed = set(article_ids)
        leads = [lead for lead in leads if lead.article_id in allowed]
    leads = published_window.keep(leads, lambda p: p.article_id, lambda p: p.published)
    quotes = [
        Quote(
            article_id=lead.article_id,
            collection=lead.collection,
            title=lead.title,
            source=lead.source,
            url=lead.url,
            published=lead.published,
            paragraph=lead.paragraph,
            start=lead.start,
            end=lead.end,
            text=lead.text,
            speaker=None,
            score=1.0,
        )
        for lead in newest_first(leads, lambda p: p.published)[:limit]
    ]
    if not quotes:
        return answering.not_found(question, None)
    return Answer(question=question, answered=True, quotes=tuple(quotes))
