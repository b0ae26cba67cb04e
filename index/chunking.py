"""Article text -> passages: whole sentences within one paragraph, with offsets (pure).

The number of passages (each one embedded, stored and searched) is bounded by the text's
length: an article cut into more than :func:`passage_budget` passages, as one of
thousands of one-line paragraphs is, is chunked again with passages that run across
paragraph breaks, so it costs about what a prose article of the same length costs.
"""

from __future__ import annotations

from index.models import Passage
from index.sentences import paragraphs, split_sentences

TARGET_WORDS = 45
"""A passage grows sentence by sentence until it holds about this many words."""
MAX_WORDS = 90
"""A single sentence longer than this still forms one passage (never cut mid-sentence)."""
BUDGET_BASE = 100
BUDGET_CHARS_PER_PASSAGE = 100
"""Prose averages 230-330 characters a passage, AP live blogs of one-line paragraphs
about 110; a text cut finer than this is merged (see :func:`passage_budget`)."""


def passage_budget(text: str) -> int:
    """How many passages ``text`` may have before its short paragraphs are merged."""
    return BUDGET_BASE + len(text) // BUDGET_CHARS_PER_PASSAGE


def chunk_article(text: str) -> list[Passage]:
    """Split ``text`` into passages along paragraph and sentence boundaries.

    Each passage holds whole sentences, ``text[passage.start:passage.end] ==
    passage.text``, and ``passage.paragraph`` is the paragraph (numbered from 1) it starts
    in. A passage lies inside one paragraph, except in an article of more than
    :func:`passage_budget` passages that way: there, short paragraphs are merged.
    """
    spans = paragraphs(text)
    groups = [
        (number, span)
        for number, (p_start, p_end) in enumerate(spans, start=1)
        for span in _group_sentences(text, split_sentences(text, p_start, p_end))
    ]
    if len(groups) > passage_budget(text):
        groups = _group_across_paragraphs(text, spans)
    return [
        Passage(ordinal=ordinal, paragraph=number, start=start, end=end, text=text[start:end])
        for ordinal, (number, (start, end)) in enumerate(groups)
    ]


def _group_across_paragraphs(
    text: str, spans: list[tuple[int, int]]
) -> list[tuple[int, tuple[int, int]]]:
    """Sentences grouped as in one paragraph, ignoring paragraph breaks; each group is
    numbered with the paragraph it starts in."""
    sentences: list[tuple[int, int]] = []
    paragraph_of: dict[int, int] = {}
    for number, (p_start, p_end) in enumerate(spans, start=1):
        for sentence in split_sentences(text, p_start, p_end):
            paragraph_of[sentence[0]] = number
            sentences.append(sentence)
    return [(paragraph_of[start], (start, end)) for start, end in _group_sentences(text, sentences)]


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
