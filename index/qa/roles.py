"""Offices and organisations in questions and articles: "the French president", "the
head of the IMF", "the Foreign Ministry".

An office is asked about by its noun and what qualifies it, in either order and with a
nationality or its country ("French president", "president of France", "France's
president"). Its holder is a speaker named right next to it in an article (an
apposition or title: "French President Emmanuel Macron", "Emmanuel Macron, the French
president,"), never a name that merely stands near it. Plain text processing only: the
store is read by :func:`index.qa.candidates.role_statements`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from index.qa.routing import ROLE_NOUNS

APPOSITION_CHARS = 60
"""A role binds to a speaker named within this many characters of it."""
_VOICE_WORDS = r"(?:spokes(?:man|woman|person)|officials?|representatives?)"
_AFTER_ROLE = r"(?:\s+{voice}){optional},?\s+(?:[A-Z][\w.’'-]*\s+){{0,3}}{surname}\b"
"""A name right after its office: "French President Emmanuel Macron", "Libyan leader
Moammar Gadhafi", "a Foreign Ministry spokesman, Lu Kang,"."""
_BEFORE_ROLE = (
    r"\b{surname},\s+(?:(?:the|a|an|his|her|its|their|[A-Z][\w’'-]*['’]s)\s+)?"
    r"(?:[\w’'-]+\s+){{0,3}}$"
)
"""A name right before its office: "Emmanuel Macron, the French president,", "Jaitley,
India's finance minister", "Lu Kang, a Foreign Ministry spokesman,"."""


def _head_and_qualifier(role: Sequence[str]) -> tuple[list[str], list[str]]:
    """An office's noun and what qualifies it: ``(["minister"], ["finance"])`` for "finance
    minister" as for "minister of finance" (``("minister", "of", "finance")``)."""
    words = [w for w in role if w]
    if "of" in words[1:-1]:
        at = words.index("of")
        return words[:at], words[at + 1 :]
    return words[-1:], words[:-1]


def _joined(words: Sequence[str]) -> str:
    return r"(?:\W+|['’]s\s+)".join(map(re.escape, words))


DEMONYMS = {
    "afghan": "afghanistan",
    "american": "america",
    "australian": "australia",
    "brazilian": "brazil",
    "british": "britain",
    "canadian": "canada",
    "chinese": "china",
    "cuban": "cuba",
    "egyptian": "egypt",
    "french": "france",
    "german": "germany",
    "greek": "greece",
    "indian": "india",
    "iranian": "iran",
    "iraqi": "iraq",
    "israeli": "israel",
    "italian": "italy",
    "japanese": "japan",
    "libyan": "libya",
    "mexican": "mexico",
    "nigerian": "nigeria",
    "pakistani": "pakistan",
    "polish": "poland",
    "russian": "russia",
    "spanish": "spain",
    "syrian": "syria",
    "turkish": "turkey",
    "ukrainian": "ukraine",
    "venezuelan": "venezuela",
}
"""Nationality adjectives and their countries: "the French president" is also "France's
president" and "the president of France"."""


_COUNTRIES = {country: demonym for demonym, country in DEMONYMS.items()}


def entity_forms(entity: str) -> list[str]:
    """A name from a question and, for a nationality or a country, the other ("French",
    "France"): either one in an article means the question is about something it covers."""
    other = DEMONYMS.get(entity.lower()) or _COUNTRIES.get(entity.lower())
    return [entity, other] if other else [entity]


def _qualifiers(qualifier: Sequence[str]) -> list[list[str]]:
    """A qualifier and, for a nationality or a country, the other in its place."""
    first = qualifier[0] if qualifier else ""
    other = DEMONYMS.get(first) or _COUNTRIES.get(first)
    return [list(qualifier)] + ([[other, *qualifier[1:]]] if other else [])


def role_pattern(role: Sequence[str]) -> re.Pattern[str]:
    """The words of an office as they may be written, case ignored: "Foreign Ministry",
    "France's president", and with "of" either way round ("IMF head", "head of the IMF";
    "finance minister", "minister of finance"; "French president", "president of
    France")."""
    head, qualifier = _head_and_qualifier(role)
    if not qualifier:
        return re.compile(rf"\b{_joined(head)}\b", re.I)
    head_re = _joined(head)
    qualifier_re = "(?:" + "|".join(_joined(q) for q in _qualifiers(qualifier)) + ")"
    return re.compile(
        rf"\b(?:{qualifier_re}(?:\W+|['’]s\s+){head_re}|{head_re}\W+of\W+(?:the\W+)?{qualifier_re})\b",
        re.I,
    )


def role_query(role: Sequence[str]) -> str:
    """The keyword query for passages that may name an office (either order)."""
    head, qualifier = _head_and_qualifier(role)
    if not qualifier:
        return f'"{" ".join(head)}"'
    return " OR ".join(
        f'NEAR("{" ".join(head)}" "{" ".join(q)}", 3)' for q in _qualifiers(qualifier)
    )


def holds_office(
    text: str, office: re.Pattern[str], speaker: str, *, spokespeople: bool = False
) -> bool:
    """Whether ``speaker`` holds the office that ``office`` matches in ``text``: an
    organisation it names ("the Foreign Ministry"), or a person named right next to it
    (:data:`_AFTER_ROLE`, :data:`_BEFORE_ROLE`); a name merely near the office ("Smith
    said the Foreign Ministry erred") does not. With ``spokespeople``, only people who
    speak for it ("Foreign Ministry spokesman Lu Kang"), not its chairman or judges."""
    return speaker in office_holders(text, office, [speaker], spokespeople=spokespeople)


_NEAR_WORD = re.compile(r"\w+")
"""Words of the text around an office, by which its possible holders are looked up (by
the last word of their surname: "Neil" of "O'Neil", found in "O'Neil's")."""


def office_holders(
    text: str, office: re.Pattern[str], speakers: Iterable[str], *, spokespeople: bool = False
) -> set[str]:
    """Which of ``speakers`` hold the office in ``text`` (see :func:`holds_office`). The
    office is found once, and each speaker is checked only at the places whose
    surroundings hold their surname: an article naming the office and its speakers
    thousands of times costs one pass, not one per speaker."""
    matches = list(office.finditer(text))
    near: dict[str, list[re.Match[str]]] = {}
    for match in matches:
        window = text[max(0, match.start() - APPOSITION_CHARS) : match.end() + APPOSITION_CHARS]
        for word in set(_NEAR_WORD.findall(window)):
            near.setdefault(word, []).append(match)
    voice = re.compile(rf"\s+{_VOICE_WORDS}\b", re.I)
    optional = "" if spokespeople else "?"
    held: set[str] = set()
    for speaker in dict.fromkeys(speakers):
        if office.search(speaker):
            held.add(speaker)
            continue
        words = speaker.split()
        if not words or not words[-1][:1].isupper():
            continue
        surname = words[-1]
        key = _NEAR_WORD.findall(surname)
        places = near.get(key[-1], []) if key else matches
        if not places:
            continue
        after, before = _holder_patterns(surname, optional)
        for match in places:
            if after.match(text, match.end(), match.end() + APPOSITION_CHARS):
                held.add(speaker)
                break
            if spokespeople and not voice.match(text, match.end()):
                continue
            if before.search(text, max(0, match.start() - APPOSITION_CHARS), match.start()):
                held.add(speaker)
                break
    return held


@functools.lru_cache(maxsize=1024)
def _holder_patterns(surname: str, optional: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """:data:`_AFTER_ROLE` and :data:`_BEFORE_ROLE` for a surname (compiled once: most
    speakers are checked again by the next question about the same article)."""
    after = _AFTER_ROLE.format(voice=_VOICE_WORDS, optional=optional, surname=re.escape(surname))
    return re.compile(after), re.compile(_BEFORE_ROLE.format(surname=re.escape(surname)))


def office_words(names: Sequence[str]) -> tuple[str, ...]:
    """The words of a single name that names an office or organisation ("Foreign
    Ministry", "Justice Department"), lower case; empty for a person's name."""
    if len(names) != 1:
        return ()
    words = tuple(w.lower().strip("’'") for w in names[0].split())
    return words if 1 < len(words) <= 4 and words[-1] in ROLE_NOUNS else ()


def is_voice(word: str) -> bool:
    """Whether ``word`` names someone speaking for an organisation ("spokesman")."""
    return re.fullmatch(_VOICE_WORDS, word.lower()) is not None
