"""What a question is answered from (store, vector indexes, its embedding) and within
(collections, chosen articles, a publication time frame), passed as one value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.models import Article
from index.search import SearchPrefetch
from index.store import Store
from index.timeframe import TimeFilter
from index.vectors import VectorIndex


@dataclass(frozen=True)
class Scope:
    """The sources and limits of answering one question."""

    store: Store
    indexes: Mapping[str, VectorIndex]
    query_vector: np.ndarray
    collections: Sequence[str]
    dimension: int
    article_ids: Sequence[str] | None = None
    published_window: TimeFilter | None = None
    search: SearchPrefetch | None = None
    """The general hybrid search, if it was started before (see :class:`SearchPrefetch`)."""

    def in_window(self, articles: dict[int, Article]) -> dict[int, Article]:
        """``articles`` (by primary key) published within the time frame, if there is one."""
        if self.published_window is None:
            return articles
        return dict(
            self.published_window.keep(
                list(articles.items()), lambda pair: pair[1].id, lambda pair: pair[1].published
            )
        )
