"""What a question asks: the people it names, a role it names, the words of its topic.

* **people**: "What did Marks say?" names a speaker (see ``speakers_in_question``);
* **roles**: "What did the French president / the finance minister / the Libyan leader
  say?" names someone by office, not by name: the speaker is found through the apposition
  or title next to their name in an attribution ("French President Emmanuel Macron said").
  An office "of" something ("the head of the IMF", "the mayor of Fort Nelson") is a role,
  not a name (:mod:`index.qa.roles` matches it either way round). A capitalised
  organisation ("What did the Foreign Ministry say?") is tried as a speaker name first;
  without statements of its own it speaks through its named spokespeople;
* a question that names someone without asking what they said ("Why is Kim going to
  Russia?") asks about them, not for their words.

None of this chooses a separate path: the person's statements join the retrieved
passages in one pool, and whether the question asks what they said is a feature of the
one ranking (:mod:`index.qa.pool`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

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
    role: tuple[str, ...] = field(default=())
    """The words of an office asked about ("french", "president"), lower case."""
    role_first: bool = False
    """Whether the role is tried before the names (a lower-case office, no proper name)."""

    @property
    def topic(self) -> list[str]:
        """Content words of the question that are not part of the names."""
        return answering.topic_words(self.question, self.names)


ROLE_NOUNS = frozenset(
    """
    president presidents minister ministers ministry leader leaders spokesman spokeswoman
    spokesperson spokespeople secretary official officials department office agency
    governor mayor chancellor ambassador commissioner director chairman chairwoman chair
    chief ceo executive premier king queen prince pope general commander envoy diplomat
    diplomats government administration council committee police prosecutor prosecutors
    attorney judge court senator lawmakers regulator regulators embassy army military
    military's coach manager founder head
    """.split()
)
_ROLE_QUESTION = re.compile(
    r"^\s*what\s+(?:did|does|do|has|have|had|would|will)\s+(?:the|a|an|their|its)\s+"
    r"((?:[\w’'-]+\s+){0,4}?[\w’'-]+)\s+(?:say|said|says|tell|told|think|claim|argue|"
    r"warn|announce|add|note|explain|respond|react|propose|predict|suggest|describe|"
    r"insist|admit|deny|confirm|call|write|tweet|report|want|believe|mean)\b",
    re.I,
)


def role_words(question: str, names: Sequence[str]) -> tuple[tuple[str, ...], bool]:
    """The office a question asks about and whether it comes before the names.

    ``("french", "president")`` for "What did the French president say?"; a name that ends
    in an office noun ("Foreign Ministry", "finance minister") is a role too, tried first
    when it is written in lower case (an office, not a proper name).
    """
    match = _ROLE_QUESTION.search(question)
    phrase = match.group(1) if match else None
    if phrase is None and names:
        phrase = names[0]
    if not phrase:
        return (), False
    words = tuple(w.lower().strip("’'") for w in phrase.split())
    if "of" in words[1:-1]:  # "the mayor of Fort Nelson", "the head of the IMF"
        at = words.index("of")
        head, qualifier = words[:at], tuple(w for w in words[at + 1 :] if w != "the")
        if head and head[-1] in ROLE_NOUNS and qualifier and len(head) <= 2:
            return (*head, "of", *qualifier), True
        return (), False
    if not words or len(words) > 4:
        return (), False
    if words[-1] not in ROLE_NOUNS and not _job_description(match, phrase, names):
        return (), False
    proper = [w for w in phrase.split() if w[:1].isupper()]
    office_only = all(w.lower() in ROLE_NOUNS or w[:1].islower() for w in phrase.split()[1:])
    role_first = not names or (office_only and len(proper) <= 1 and phrase.split()[-1].islower())
    return words, role_first


def _job_description(match: re.Match[str] | None, phrase: str, names: Sequence[str]) -> bool:
    """Whether ``phrase`` ("harbor master", "city engineer", "orchard owner": lower-case
    words after "the", which the name finder took for a name) describes a job: asked
    about like an office, it is found before a name in the articles ("said harbor master
    Lena Holt")."""
    words = phrase.split()
    return (
        match is not None
        and 2 <= len(words) <= 3
        and all(w.isalpha() and w.islower() for w in words)
        and bool(names)
        and names[0].lower() == phrase.lower()
    )


def route(question: str) -> Route:
    """Read the question: who it names, and which office."""
    names = tuple(speakers_in_question(question))
    role, role_first = role_words(question, names)
    if "of" in role:  # "the mayor of Fort Nelson": the town is not who is asked about
        names = ()
    return Route(question, names, role, role_first)


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
