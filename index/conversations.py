"""Answers a front end has shown, kept in SQLite so paging and follow-ups survive restarts.

A :class:`ShownAnswer` holds what a follow-up needs: the question, the collections it
searched, every quote (with its citation, so a page can be drawn again), who asked, the
person it was about, how many quotes were displayed so far, and the spans shown earlier in
the same conversation (never quoted again). Storage is bounded: at most ``keep`` answers,
and :meth:`Conversations.prune` forgets those older than an age.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from index.models import Answer, Citation, Quote
from index.store import Store

Span = tuple[str, str, int, int]
"""``(collection, article_id, start, end)`` of a quote already shown."""

MAX_EXCLUDED = 200
"""At most this many shown spans are carried along a conversation."""


@dataclass(frozen=True)
class ShownAnswer:
    """One answer as shown, and the conversation it belongs to."""

    answer: Answer
    collections: tuple[str, ...]
    asker: str | None = None
    speaker: str | None = None
    """The person the answer is about ("he", "she" in a follow-up), if any."""
    shown: int = 0
    """How many of the answer's quotes (from the first) were displayed so far."""
    excluded: tuple[Span, ...] = ()
    """Spans shown earlier in the conversation (before this answer)."""
    articles: tuple[str, ...] = ()
    """The articles a follow-up may quote; empty: those this answer cites."""
    id: int = 0
    created: float = field(default=0.0, compare=False)

    @property
    def article_ids(self) -> list[str]:
        """The articles a follow-up may quote: the conversation's, else the cited ones."""
        if self.articles:
            return list(self.articles)
        return list(dict.fromkeys(q.article_id for q in self.answer.quotes))

    def seen(self) -> list[Span]:
        """Every span displayed in this conversation up to and including this answer."""
        mine = [(q.collection, q.article_id, q.start, q.end) for q in self.answer.quotes]
        return [*self.excluded, *mine[: self.shown]][-MAX_EXCLUDED:]


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """The whole answer (every quote field, syndicated copies too) as JSON-able data."""
    return asdict(answer)


def answer_from_json(data: dict[str, Any]) -> Answer:
    quotes = tuple(
        Quote(**{**q, "also_in": tuple(Citation(**c) for c in q.get("also_in", ()))})
        for q in data.get("quotes", ())
    )
    return Answer(
        question=data["question"],
        answered=bool(data["answered"]),
        quotes=quotes,
        message=data.get("message"),
    )


def _record(shown: ShownAnswer) -> bytes:
    """The answer's data as compressed JSON (quotes and titles compress about 3 to 1)."""
    text = json.dumps(
        {
            "answer": answer_to_json(shown.answer),
            "speaker": shown.speaker,
            "shown": shown.shown,
            "excluded": [list(span) for span in shown.excluded],
            "articles": list(shown.articles),
        },
        ensure_ascii=False,
    )
    return zlib.compress(text.encode(), 6)


class Conversations:
    """The stored answers of one library (see the module docstring)."""

    def __init__(self, store: Store, *, keep: int = 10_000) -> None:
        self.store = store
        self.keep = keep

    async def remember(self, shown: ShownAnswer, *, now: float | None = None) -> ShownAnswer:
        """Store an answer about to be shown; returns it with its ``id`` set."""
        created = time.time() if now is None else now
        answer_id = await self.store.add_answer(
            json.dumps(list(shown.collections)), _record(shown), shown.asker, created, self.keep
        )
        return replace(shown, id=answer_id, created=created)

    async def link(self, answer_id: int, ref: str) -> None:
        """Record where the answer was shown (e.g. a message id) for :meth:`by_ref`."""
        await self.store.update_answer(answer_id, ref=ref)

    async def mark_shown(self, shown: ShownAnswer, count: int) -> ShownAnswer:
        """Note that the first ``count`` quotes were displayed (e.g. a later page)."""
        if count <= shown.shown:
            return shown
        updated = replace(shown, shown=min(count, len(shown.answer.quotes)))
        await self.store.update_answer(shown.id, record=_record(updated))
        return updated

    async def get(self, answer_id: int) -> ShownAnswer | None:
        return self._load(await self.store.get_answer(answer_id=answer_id))

    async def by_ref(self, ref: str) -> ShownAnswer | None:
        return self._load(await self.store.get_answer(ref=ref))

    async def prune(self, max_age_seconds: float, *, now: float | None = None) -> int:
        """Forget answers older than ``max_age_seconds``; returns how many."""
        current = time.time() if now is None else now
        return await self.store.prune_answers(current - max_age_seconds)

    @staticmethod
    def _load(row: tuple[int, str, str | None, bytes, float] | None) -> ShownAnswer | None:
        if row is None:
            return None
        answer_id, collections, asker, record, created = row
        data = json.loads(zlib.decompress(record))
        return ShownAnswer(
            answer=answer_from_json(data["answer"]),
            collections=tuple(json.loads(collections)),
            asker=asker,
            speaker=data.get("speaker"),
            shown=int(data.get("shown", 0)),
            excluded=tuple(_span(s) for s in data.get("excluded", ())),
            articles=tuple(data.get("articles", ())),
            id=answer_id,
            created=created,
        )


def _span(item: Sequence[Any]) -> Span:
    collection, article_id, start, end = item
    return str(collection), str(article_id), int(start), int(end)
