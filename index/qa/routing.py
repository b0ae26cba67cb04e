"""What a question asks: the people it names and the words of its topic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index import answer as answering
from index.attribution import speakers_in_question
from index.store import Store

MIN_COMPLETED_NAME = 4
"""A name typed short is completed to the one speaker it begins only from this length."""


@dataclass(frozen=True)
class Route:
    """The parts of a question that decide how it is answered."""

    question: str
    names: tuple[str, ...]
    """People (or organisations) the question asks about, as typed."""

    @property
    def topic(self) -> list[str]:
        """Content words of the question that are not part of the names."""
        return answering.topic_words(self.question, self.names)


def route(question: str) -> Route:
    """Read the question: who it names."""
    return Route(question, tuple(speakers_in_question(question)))


async def complete_name(
    store: Store, names: Sequence[str], collections: Sequence[str]
) -> str | None:
    """The one speaker surname that a single, unknown, cut-short name begins ("Obam"
    for "Obama"), or ``None`` when there is none or more than one."""
    if len(names) != 1 or len(names[0].split()) != 1:
        return None
    key = answering.speaker_key(names[0])
    if len(key) < MIN_COMPLETED_NAME:
        return None
    found = [s for s in await store.surnames_starting(key, collections) if s != key]
    return found[0].capitalize() if len(found) == 1 else None
