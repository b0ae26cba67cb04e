"""Whether a new text is an edited copy of a stored article (so an edit replaces it).

An article given without an id or URL is known only by its text. When that text is edited
(a typo fixed, a paragraph added) and ingested again, it should update the stored article,
not sit beside it as a near-copy that answers every question twice. A stored article with
the same title, added by the same person, counts as the earlier version when the two texts
share most of their word 5-grams (shingles): an edit changes a few shingles around each
change, while a different article under a reused title ("Daily briefing") shares almost none.
"""

from __future__ import annotations

import re

SHINGLE = 5
"""Words per shingle."""

SAME_ARTICLE = 0.5
"""Jaccard similarity of the shingle sets above which the texts are one article."""

_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[tuple[str, ...]]:
    """The text's word ``SHINGLE``-grams, case-folded (short texts: the whole word list)."""
    words = _WORD.findall(text.casefold())
    if len(words) <= SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def similarity(first: str, second: str) -> float:
    """Jaccard similarity of the two texts' shingle sets (0 to 1)."""
    a, b = shingles(first), shingles(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_revision(stored_text: str, new_text: str) -> bool:
    """True when ``new_text`` reads as an edited version of ``stored_text``."""
    return similarity(stored_text, new_text) >= SAME_ARTICLE
