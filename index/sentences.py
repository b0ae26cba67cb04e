"""Sentence and paragraph boundaries with character offsets (pure functions, no models).

News text is full of abbreviations that end in a period ("Lt. Gen.", "U.S.", "Sept."),
so a plain split on ". " cuts names in half. The splitter here breaks after ``.``, ``?``
or ``!`` (and any closing quotes or brackets) followed by whitespace and an upper-case
letter, digit or opening quote, unless the word before the period is a known
abbreviation or a single initial.
"""

from __future__ import annotations

import functools
import re

_ABBREVIATION_WORDS = """
mr mrs ms dr prof sr jr st mt ft gen lt col maj capt cpl sgt adm cmdr gov sen rep
rev hon pres supt insp det atty messrs mme mlle jan feb mar apr jun jul aug sep sept
oct nov dec inc corp co ltd llc bros dept univ assn est approx vs etc al nos vol
fig ave blvd rd a.m p.m u.s u.k u.n e.g i.e d.c
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\r\n\s*\r\n")
_LINE_BREAK = re.compile(r"\n")
# Candidate sentence end: terminal punctuation, optional closing quotes/brackets, whitespace.
_CANDIDATE_END = re.compile(r"[.?!…]+[\"'”’)\]]*(?=\s+)")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-blank paragraphs of ``text``.

    Paragraphs are separated by blank lines; a text without blank lines is split at
    single line breaks instead (many plain-text articles use one line per paragraph).
    Spans exclude surrounding whitespace.
    """
    return list(_paragraph_spans(text))


@functools.lru_cache(maxsize=64)
def _paragraph_spans(text: str) -> tuple[tuple[int, int], ...]:
    """:func:`paragraphs`, cached: growing and labelling a quote asks for the paragraphs
    of the same article text many times."""
    breaker = _PARAGRAPH_BREAK if _PARAGRAPH_BREAK.search(text) else _LINE_BREAK
    spans: list[tuple[int, int]] = []
    position = 0
    for match in breaker.finditer(text):
        _append_stripped(text, position, match.start(), spans)
        position = match.end()
    _append_stripped(text, position, len(text), spans)
    return tuple(spans)


def paragraph_number(text: str, offset: int) -> int:
    """The number (from 1, as :func:`paragraphs` counts) of the paragraph holding
    ``text[offset]``, or the next one when ``offset`` falls between paragraphs."""
    spans = _paragraph_spans(text)
    for number, (_, end) in enumerate(spans, start=1):
        if offset < end:
            return number
    return max(len(spans), 1)


def paragraph_breaks(quote: str) -> int:
    """How many blank-line paragraph breaks a quoted span runs over (0 for one paragraph)."""
    return len(_PARAGRAPH_BREAK.findall(quote.strip()))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]``, as offsets into ``text``.

    Every non-space character of the range lies in exactly one span; spans are stripped
    of surrounding whitespace.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    sentence_start = start
    for match in _CANDIDATE_END.finditer(text, start, end):
        stop = match.end()
        if not _NEXT_STARTS_SENTENCE.match(text, stop, end):
            continue
        if match.group().startswith(".") and _is_abbreviation(text, sentence_start, match.start()):
            continue
        _append_stripped(text, sentence_start, stop, spans)
        sentence_start = stop
    _append_stripped(text, sentence_start, end, spans)
    return spans


def _is_abbreviation(text: str, sentence_start: int, period: int) -> bool:
    word = _WORD_BEFORE.search(text, max(sentence_start, period - 40), period + 1)
    if word is None:
        return False
    token = word.group(1).lower()
    if len(token) == 1:  # an initial: "James A. Marks"
        return True
    return token in _ABBREVIATIONS or token.rstrip(".") in _ABBREVIATIONS


def _append_stripped(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
