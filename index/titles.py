"""Titles for articles that come without one (feeds and data sets often have none).

The derived title is the article's first sentence, cut at a word boundary; the stored
article is marked ``title_derived`` so front ends and later edits can tell it apart from
a title the publisher wrote.
"""

from __future__ import annotations

import dataclasses
import re

from index.models import ArticleInput
from index.sentences import split_sentences

MAX_TITLE_CHARS = 80
"""A derived title is cut (at a word, with an ellipsis) to at most this many characters."""


def derive_title(text: str, max_chars: int = MAX_TITLE_CHARS) -> str:
    """The first sentence of ``text``, whitespace squeezed, cut at a word to ``max_chars``."""
    stripped = text.strip()
    if not stripped:
        return ""
    first_line = stripped.splitlines()[0]
    sentences = split_sentences(first_line, 0, len(first_line))
    first = first_line[sentences[0][0] : sentences[0][1]] if sentences else first_line
    first = " ".join(first.split())
    if len(first) <= max_chars:
        return first
    cut = first[: max_chars - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return re.sub(r"[\s,;:–—-]+$", "", cut) + "…"


def with_title(article: ArticleInput) -> ArticleInput:
    """``article`` itself when it has a title; else a copy titled from its text, marked
    ``title_derived``."""
    if article.title and article.title.strip():
        return article
    title = derive_title(article.text or "")
    if not title:
        return article  # no text either: validation says what is wrong
    return dataclasses.replace(article, title=title, title_derived=True)
