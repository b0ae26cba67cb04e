"""Follow-up questions: resolve "he", "she", "more" against the answer replied to.

Pure text functions, no storage: :func:`is_small_talk` tells "thanks!", "lol" or an emoji
from a question; :func:`rewrite` turns "What else did he say?" into "What did Marks say?"
(and "Tell me more" into the earlier question); :func:`without_shown` drops quotes that
overlap spans already shown, so a follow-up never repeats them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from index.attribution import speakers_in_question
from index.models import Answer

Span = tuple[str, str, int, int]
"""``(collection, article_id, start, end)``."""

NOTHING_NEW = "That's all I found on this in these articles: nothing beyond what I already quoted."

_SMALL_TALK = frozenset(
    """thanks thank you thx ty tysm cheers much so very a lot lol lmao rofl haha hah hehe
    ok okay k kk cool nice great awesome perfect wow good job bot yes no yep nope yeah sure
    np neat interesting got it i see ah oh omg gg love this that bye hi hello hey right
    alright fine welcome noted""".split()
)
_THANKS = frozenset({"thanks", "thank", "thx", "ty", "tysm", "cheers"})
_LAUGH = re.compile(r"^(?:(?:ha|he|ah|lo)+l?|l+o+l+|x?d+)$")
_CUSTOM_EMOJI = re.compile(r"<a?:\w+:\d+>")

_MORE = re.compile(
    r"^(?:and|ok(?:ay)?|so)?\s*(?:(?:please\s+)?(?:tell|show|give)\s+me\s+|say\s+)?"
    r"(?:some|any|anything|something)?\s*(?:more|else|further)"
    r"(?:\s+(?:please|quotes?|on\s+this|about\s+(?:it|this|that)))*$"
    r"|^what\s+(?:else|more)(?:\s+is\s+there)?$|^go\s+on$|^continue$|^keep\s+going$|^and$",
    re.IGNORECASE,
)
_ELSE = re.compile(
    r"\b(?:else|more)\s+(?=(?:did|does|do|has|have|had|is|was|were|can|could|would|will)\b)",
    re.IGNORECASE,
)
_SUBJECT = re.compile(r"\b(?:he|she|they|him|them)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(?:his|their)\b", re.IGNORECASE)
_HER = re.compile(r"\bher\b(?=\s*(?:[?.!,;]|$|about\b|on\b|of\b|to\b|for\b|say\b|said\b))")
_HER_POSSESSIVE = re.compile(r"\bher\b", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", _CUSTOM_EMOJI.sub(" ", text.lower()))


def is_small_talk(text: str) -> bool:
    """Whether ``text`` is no question at all: thanks, laughter, an emoji, "ok"."""
    if "?" in text:
        return False
    cleaned = _CUSTOM_EMOJI.sub(" ", text)
    if not any(ch.isalnum() for ch in cleaned):
        return True  # emoji, punctuation
    words = _words(cleaned)
    return bool(words) and all(w in _SMALL_TALK or _LAUGH.match(w) for w in words)


def is_thanks(text: str) -> bool:
    return bool(_THANKS.intersection(_words(text)))


def is_more(text: str) -> bool:
    """ "Tell me more", "more", "what else", "go on"."""
    return bool(_MORE.match(" ".join(re.sub(r"[?!.…]+", " ", text).split())))


def answer_speaker(answer: Answer) -> str | None:
    """The person an answer is about: named in its question, else the speaker of most of
    its quotes (at least half), else ``None``."""
    names = speakers_in_question(answer.question)
    if names:
        return names[0]
    speakers = Counter(q.speaker for q in answer.quotes if q.speaker)
    if speakers:
        speaker, count = speakers.most_common(1)[0]
        if count * 2 >= len(answer.quotes):
            return speaker
    return None


def rewrite(question: str, *, speaker: str | None, previous_question: str) -> str:
    """The follow-up as a standalone question.

    "Tell me more" repeats the previous question (or asks what the speaker said);
    "What else did he say?" becomes "What did <speaker> say?". Without a speaker the
    pronouns are left alone.
    """
    text = " ".join(question.split())
    if is_more(text):
        return f"What did {speaker} say?" if speaker else previous_question
    text = _ELSE.sub("", text)
    if speaker:
        text = _SUBJECT.sub(speaker, text)
        text = _POSSESSIVE.sub(f"{speaker}'s", text)
        text = _HER.sub(speaker, text)
        text = _HER_POSSESSIVE.sub(f"{speaker}'s", text)
    return text


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    collection, article_id, start, end = span
    return any(
        c == collection and a == article_id and start < e and s < end for c, a, s, e in others
    )


def without_shown(answer: Answer, shown: Sequence[Span], limit: int) -> Answer:
    """``answer`` without quotes overlapping ``shown``, at most ``limit`` quotes; an honest
    "nothing new" when none is left."""
    if not answer.answered:
        return answer
    kept = tuple(
        q
        for q in answer.quotes
        if not _overlaps((q.collection, q.article_id, q.start, q.end), shown)
    )[:limit]
    if not kept:
        return Answer(question=answer.question, answered=False, quotes=(), message=NOTHING_NEW)
    return Answer(question=answer.question, answered=True, quotes=kept)
