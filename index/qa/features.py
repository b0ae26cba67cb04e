"""Features of a question and of a passage that could answer it, independent of the corpus.

Everything here is plain text processing (no store, no model), so the same numbers are
computed at run time and by the offline training script (``benchmarks/train_qa.py``):

* **named entities** of the question: capitalised words and runs of them ("Elm Street",
  "Black History Month"), not the question word that opens it;
* **rare words**: content words that are not among the common English words of the
  bundled model's WordPiece vocabulary (a fixed list, the same for every corpus);
* **answer types**: what kind of thing the question wants ("How many" → a number, "When"
  → a date, "Who" → a person, "Where" → a place, "How much" → an amount) and whether a
  text holds one.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.search import STOPWORDS, content_words, word_prefixes

NUMBER, DATE, PERSON, PLACE, AMOUNT = "number", "date", "person", "place", "amount"
ANSWER_TYPES = (NUMBER, DATE, PERSON, PLACE, AMOUNT)

_TYPE_PATTERNS = [
    (AMOUNT, re.compile(r"^\s*how\s+much\b", re.I)),
    (
        NUMBER,
        re.compile(
            r"^\s*(?:how\s+(?:many|long|old|far|big|large|tall|high|often)|"
            r"what\s+(?:percentage|percent|number|proportion))\b",
            re.I,
        ),
    ),
    (
        DATE,
        re.compile(
            r"^\s*(?:when\b|(?:what|which|in\s+what)\s+(?:year|month|day|date|"
            r"decade|century|time)\b)",
            re.I,
        ),
    ),
    (PERSON, re.compile(r"^\s*(?:who|whom|whose)\b", re.I)),
    (
        PLACE,
        re.compile(
            r"^\s*(?:where\b|(?:what|which|in\s+what)\s+(?:city|country|state|"
            r"place|town|region|continent|province|county|nation)\b)",
            re.I,
        ),
    ),
]
_QUESTION_OPENERS = frozenset(
    """
    what which who whom whose when where why how is are was were do does did can could will
    would should has have had in on at for from by of to according name list tell
    """.split()
)
_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
)
_PRESENT = {
    NUMBER: re.compile(
        r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozens?|half)\b",
        re.I,
    ),
    DATE: re.compile(
        rf"\b(?:{_MONTHS})\b|\b(?:1[0-9]|20)\d\d(?:s)?\b|\b(?:Monday|Tuesday|Wednesday|"
        r"Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|tonight|last\s+(?:week|"
        r"month|year)|next\s+(?:week|month|year)|this\s+(?:week|month|year)|century|"
        r"decade|spring|summer|autumn|fall|winter)\b"
    ),
    PERSON: re.compile(r"\b[A-Z][a-z'’-]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z'’-]+\b"),
    PLACE: re.compile(r"\b(?:in|at|from|near|to|across|outside)\s+(?:the\s+)?[A-Z][\w'’-]+"),
    AMOUNT: re.compile(
        r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:%|percent|dollars?|euros?|pounds?|yuan|yen|"
        r"rupees?|million|billion|trillion|tons?|tonnes?|kilograms?|km|miles?|acres?|"
        r"hectares?)\b",
        re.I,
    ),
}


_TIME_WORD = re.compile(_PRESENT[DATE].pattern, re.I)


def is_time_word(word: str) -> bool:
    """Whether ``word`` names a time ("2019", "monday", "may", "yesterday"): in "What did
    X say in 2019?" it says when, not what about."""
    return bool(_TIME_WORD.fullmatch(word))


def answer_type(question: str) -> str | None:
    """The kind of answer the question expects, or ``None`` (why/what/how questions)."""
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return kind
    return None


def has_type(text: str, kind: str | None) -> bool:
    """Whether ``text`` holds something of ``kind`` (always true for no kind)."""
    return kind is None or bool(_PRESENT[kind].search(text))


_CAPITALISED = re.compile(r"[A-Z][\w'’.&-]*|\d[\w-]*")
_ENTITY_GLUE = frozenset({"of", "de", "del", "la", "van", "von", "&"})
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def named_entities(question: str) -> list[str]:
    """Capitalised names in the question ("Kim", "Elm Street", "Super Bowl 50").

    A capitalised first word counts only when it is not a question word or a common
    sentence opener; a run of capitalised words (possibly joined by "of") is one name.
    """
    tokens = re.findall(r"[\w'’.&-]+", question)
    entities: list[str] = []
    run: list[str] = []
    for position, token in enumerate(tokens):
        word = _POSSESSIVE.sub("", token).strip(".'’")
        if not word:
            continue
        capitalised = bool(_CAPITALISED.fullmatch(word)) and (
            word[0].isupper() or (bool(run) and word.isdigit())
        )
        opener = position == 0 and word.lower() in _QUESTION_OPENERS | STOPWORDS
        glue = (
            bool(run)
            and word.lower() in _ENTITY_GLUE
            and position + 1 < len(tokens)
            and tokens[position + 1][:1].isupper()
        )
        if (capitalised and not opener and word != "I") or glue:
            run.append(word)
            if _POSSESSIVE.search(token):  # "Victoria's Mount Bogong": two names
                entities.append(" ".join(run))
                run = []
        else:
            if run:
                entities.append(" ".join(run))
            run = []
    if run:
        entities.append(" ".join(run))
    return [e for e in dict.fromkeys(entities) if e.lower() not in STOPWORDS]


@functools.cache
def common_words() -> frozenset[str]:
    """Whole words of the bundled model's WordPiece vocabulary (about 20,000 common words),
    or an empty set when the model package is missing (then every word counts as rare)."""
    try:
        from index.embedder import bundled_model_path

        vocabulary = (bundled_model_path() / "vocab.txt").read_text(encoding="utf-8")
    except Exception:
        return frozenset()
    return frozenset(
        word for word in vocabulary.split() if word.isalpha() and not word.startswith("##")
    )


def rare_words(question: str) -> list[str]:
    """Content words of the question outside the common vocabulary, plus the words of its
    named entities (a name is informative however common its words are)."""
    common = common_words()
    names = {w for entity in named_entities(question) for w in content_words(entity)}
    return [w for w in dict.fromkeys(content_words(question)) if w in names or w not in common]


def share_found(words: Sequence[str], text: str) -> float:
    """Share of ``words`` found in ``text`` (compared on 5-letter prefixes); 1.0 for none."""
    if not words:
        return 1.0
    present = word_prefixes(text)
    return sum(1 for w in words if w[:5] in present) / len(words)


_ALNUM = re.compile(r"\w+")


def entity_words(entity: str) -> list[str]:
    """The words of a name that must occur for a text to mention it (lower case, without
    joining words such as "of")."""
    return list(_entity_words(entity))


@functools.lru_cache(maxsize=1024)
def _entity_words(entity: str) -> tuple[str, ...]:
    return tuple(w for w in _ALNUM.findall(entity.lower()) if w not in _ENTITY_GLUE)


@functools.lru_cache(maxsize=4096)
def _words_of(text: str) -> frozenset[str]:
    """The lower-cased words of ``text`` (cached: every entity of a question, and every
    question, reads the same candidate passages)."""
    return frozenset(_ALNUM.findall(text.lower()))


def entity_found(entity: str, text: str) -> bool:
    """Whether ``text`` holds every word of ``entity`` (case ignored)."""
    words = _entity_words(entity)
    return not words or _words_of(text).issuperset(words)


RANK_FEATURES = (
    "dense",
    "coverage",
    "keyword",
    "phrases",
    "dense_rr",
    "keyword_rr",
    "rare_share",
    "entity_share",
    "type_missing",
    "names_speaker",
    "log_chars",
    "topic_share",
)
"""The features of one candidate passage, in the order the ranking model's weights use."""

QUESTION_FEATURES = (
    "best_score",
    "best_dense",
    "best_coverage",
    "best_rare_share",
    "best_entity_share",
    "entities_known",
    "has_entities",
    "type_missing",
    "said_statement",
    "said_mention",
    "said_unknown",
    "said_bare",
    "best_topic_share",
    "topic_known",
    "said_topic",
)
"""The features of a question and its best candidates, for abstention. For a question
asking what someone said: ``said_statement`` is 1 when statements attributed to that
person (or office) were found, ``said_mention`` when only passages naming them were, and
``said_unknown`` is the share of the question's named entities that no article mentions
when either was found (the statements of *a* president are no answer to "What did the
Brazilian president say?"), and ``said_bare`` is 1 when statements were found for a
question that asks nothing more than what the person said ("What did Whitfield say?"),
whose few words make every cosine low. ``best_topic_share`` is the largest share of the
question's topic words (:func:`topic_words`: not the names it gives) that one of the best
candidates holds: "What did Rubio say about maple syrup?" finds Rubio, not maple syrup.
``topic_known`` is the share of the question's topic words that occur in any article at
all (as ``entities_known`` for its names). ``said_topic``, for a question asking what
someone said whose statements were found, is the largest share of the words it asks about
them (not their name) that one of those statements (with its article's title) holds, else
1.0: "What did Sanders say about the price of milk?" finds Sanders's statements, none
about milk."""


_BARE_SAID = re.compile(r"\b(?:say|says|said|saying)\s*[?.!]*\s*$", re.I)


def asks_only_said(question: str) -> bool:
    """Whether the question ends at its speech verb ("What did Whitfield say?")."""
    return bool(_BARE_SAID.search(question))


@dataclass(frozen=True)
class QuestionFacts:
    """What the features need to know about the question (computed once)."""

    question: str
    words: tuple[str, ...]
    rare: tuple[str, ...]
    entities: tuple[str, ...]
    kind: str | None
    names: tuple[str, ...]
    topic: tuple[str, ...] = ()

    @classmethod
    def of(cls, question: str, names: Sequence[str] = ()) -> QuestionFacts:
        entities = named_entities(question)
        return cls(
            question,
            tuple(content_words(question)),
            tuple(rare_words(question)),
            tuple(entities),
            answer_type(question),
            tuple(names),
            tuple(topic_words(question, [*entities, *names])),
        )


def topic_words(question: str, names: Sequence[str]) -> list[str]:
    """The question's content words outside the names it gives: what it asks *about*
    ("price", "maple", "syrup" in "What did Marco Rubio say about the price of maple
    syrup?")."""
    name_words = {w for name in names for w in content_words(name)}
    words = (_POSSESSIVE.sub("", w) for w in content_words(question))
    return [w for w in dict.fromkeys(words) if w and w not in name_words]


def candidate_features(
    facts: QuestionFacts,
    text: str,
    *,
    dense: float,
    coverage: float,
    keyword: float,
    phrases: float,
    dense_rank: int | None,
    keyword_rank: int | None,
    speaker_named: bool,
) -> list[float]:
    """One candidate's features (see :data:`RANK_FEATURES`)."""
    entity_share = (
        sum(entity_found(e, text) for e in facts.entities) / len(facts.entities)
        if facts.entities
        else 1.0
    )
    return [
        dense,
        coverage,
        keyword,
        phrases,
        0.0 if dense_rank is None else 1.0 / (1 + dense_rank),
        0.0 if keyword_rank is None else 1.0 / (1 + keyword_rank),
        share_found(facts.rare, text),
        entity_share,
        0.0 if has_type(text, facts.kind) else 1.0,
        1.0 if speaker_named else 0.0,
        math.log1p(len(text)) / 8.0,
        share_found(facts.topic, text),
    ]


def question_features(
    facts: QuestionFacts,
    scores: Sequence[float],
    rows: Sequence[Sequence[float]],
    entities_known: float,
    said: str | None = None,
    topic_known: float = 1.0,
    said_topic: float = 1.0,
) -> list[float]:
    """The question's abstention features (see :data:`QUESTION_FEATURES`) from its ranked
    candidates' scores and feature rows (best first); ``said``: for a question asking what
    someone said, ``"statement"`` when their attributed statements were found,
    ``"mention"`` when only passages naming them were; ``topic_known``: the share of its
    topic words found in the collection; ``said_topic``: see :data:`QUESTION_FEATURES`."""
    found = float(said in ("statement", "mention"))
    said_row = [
        float(said == "statement"),
        float(said == "mention"),
        found * (1.0 - entities_known),
        float(said == "statement" and asks_only_said(facts.question)),
    ]
    if not rows:
        return [
            *[-10.0, 0.0, 0.0, 0.0, 0.0, entities_known, float(bool(facts.entities)), 1.0],
            *said_row,
            0.0,
            topic_known,
            said_topic,
        ]
    top = rows[:3]
    column = {name: i for i, name in enumerate(RANK_FEATURES)}
    return [
        scores[0],
        max(r[column["dense"]] for r in top),
        max(r[column["coverage"]] for r in top),
        max(r[column["rare_share"]] for r in top),
        max(r[column["entity_share"]] for r in top),
        entities_known,
        float(bool(facts.entities)),
        min(r[column["type_missing"]] for r in top),
        *said_row,
        max(r[column["topic_share"]] for r in top),
        topic_known,
        said_topic,
    ]
