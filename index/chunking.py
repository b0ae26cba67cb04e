"""Article text -> passages: whole sentences within one paragraph, with offsets (pure)."""

from __future__ import annotations

from index.models import Passage
from index.sentences import paragraphs, split_sentences

TARGET_WORDS = 45
"""A passage grows sentence by sentence until it holds about this many words."""
MAX_WORDS = 90
"""A single sentence longer than this still forms one passage (never cut mid-sentence)."""


def chunk_article(text: str) -> list[Passage]:
    """Split ``text`` into passages along paragraph and sentence boundaries.

    Each passage lies inside one paragraph (numbered from 1), holds whole sentences, and
    ``text[passage.start:passage.end] == passage.text``.
    """
    passages: list[Passage] = []
    for paragraph_number, (p_start, p_end) in enumerate(paragraphs(text), start=1):
        for start, end in _group_sentences(text, split_sentences(text, p_start, p_end)):
            passages.append(
                Passage(
                    ordinal=len(passages),
                    paragraph=paragraph_number,
                    start=start,
                    end=end,
                    text=text[start:end],
                )
            )
    return passages


def _group_sentences(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    groups: list[tuple[int, int]] = []
    group_start: int | None = None
    group_end = 0
    words = 0
    for start, end in sentences:
        sentence_words = len(text[start:end].split())
        if group_start is not None and (
            words >= TARGET_WORDS or words + sentence_words > MAX_WORDS
        ):
            groups.append((group_start, group_end))
            group_start, words = None, 0
        if group_start is None:
            group_start = start
        group_end = end
        words += sentence_words
    if group_start is not None:
        groups.append((group_start, group_end))
    return groups
