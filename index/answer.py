"""Building blocks of answers: a person's statements and their order, quotes, citations.

Used by :mod:`index.qa` (which decides the path, ranks general passages with a learned
model and abstains). Speaker questions ("What did Marks say about the summit?") rank the
attributions found at ingest for that person: articles by how well their title and
statements match the rest of the question. Quotes are always ``article.text[start:end]``
for whole sentences, so they are verbatim by construction.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from index.attribution import is_title, name_matches
from index.models import Answer, Citation, Quote
from index.search import STOPWORDS, content_words
from index.sentences import paragraph_number, paragraphs, split_sentences
from index.store import StoredAttribution, StoredPassage

NOT_FOUND = "I couldn't find that in the indexed articles."


@dataclass(frozen=True)
class ScoredStatement:
    """A span to quote for a person: an attributed statement, or a passage naming them."""

    article_pk: int
    start: int
    end: int
    speaker: str | None
    kind: str
    """``direct``, ``reported``, ``according_to``, or ``mention`` (no attribution found)."""
    passage: StoredPassage
    score: float
    acts: bool = False
    """Stronger evidence that this is about the person: for a mention, the person is the
    subject of a verb in it (``names_subject``); for a statement, it names the person
    rather than reaching them through a pronoun."""


def speaker_key(name: str) -> str:
    """The index key of a name: its last word, lower-cased, without accents or punctuation."""
    words = re.findall(r"[\w]+", _fold(name))
    return words[-1] if words else ""


def _fold(text: str) -> str:
    """Lower case, without accents, with straight apostrophes."""
    return _strip_accents(text.replace("’", "'")).lower()


def topic_words(question: str, names: Sequence[str]) -> list[str]:
    """Content words of the question that are not part of the names asked about."""
    name_words = {w for name in names for w in content_words(name)}
    return [w for w in content_words(question) if w not in name_words]


def matching_attributions(
    attributions: Sequence[StoredAttribution], names: Sequence[str]
) -> list[StoredAttribution]:
    return [a for a in attributions if any(name_matches(n, a.speaker) for n in names)]


def join_split_quotes(
    attributions: Sequence[StoredAttribution], text_of: dict[int, str]
) -> list[StoredAttribution]:
    """Merge back-to-back statements of one speaker into one quote (up to a length).

    A quotation interrupted by its attribution ("…," Marks told CNN. "But again, …")
    reads as one statement and stays together, and so does a paraphrase followed by the
    quotation it introduces in the next paragraph.
    """
    merged: list[StoredAttribution] = []
    for attribution in sorted(attributions, key=lambda a: (a.article_pk, a.start)):
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.article_pk == attribution.article_pk
            and previous.speaker == attribution.speaker
            and attribution.start >= previous.end
            and not text_of[attribution.article_pk][previous.end : attribution.start].strip()
            and attribution.end - previous.start <= MAX_JOINED_CHARS
        ):
            kind = "direct" if "direct" in (previous.kind, attribution.kind) else previous.kind
            merged[-1] = StoredAttribution(
                previous.article_pk, previous.start, attribution.end, previous.speaker, kind
            )
        else:
            merged.append(attribution)
    return merged


def rank_statements(
    statements: Sequence[ScoredStatement],
    titles: dict[int, str],
    topic: Sequence[str],
) -> list[ScoredStatement]:
    """Order a person's statements: best-matching article first, then within each article.

    An article ranks by how many of the question's topic words its title holds (the
    strongest sign in "What did X say about Y?"), then by the best cosine of its statements,
    and articles with attributed statements come before ones that only name the person.
    Within an article, with a topic the most relevant statements come first; without one,
    the person's own words first, in article order.
    """
    topic_stems = {_stem(w) for w in topic}
    by_article: dict[int, list[ScoredStatement]] = {}
    for statement in statements:
        by_article.setdefault(statement.article_pk, []).append(statement)

    def article_score(article_pk: int) -> tuple[bool, float]:
        title = titles.get(article_pk, "")
        overlap = len(topic_stems & _stems(title)) / len(topic_stems) if topic_stems else 0.0
        group = by_article[article_pk]
        attributed = [s for s in group if s.kind != "mention"]
        best = max(s.score for s in attributed or group)
        acting = ACTING_BONUS if any(s.acts for s in group) else 0.0
        if not topic_stems:  # "What did X say?": X's own statements first, wherever they are
            return (bool(attributed), best + acting)
        return (True, 2 * overlap + best + (ATTRIBUTED_BONUS if attributed else acting))

    ordered: list[ScoredStatement] = []
    for article_pk in sorted(by_article, key=article_score, reverse=True):
        group = by_article[article_pk]
        if topic_stems:
            group = sorted(group, key=lambda s: (s.kind == "mention", not s.acts, -s.score))
        else:
            group = sorted(
                group, key=lambda s: (s.kind == "mention", not s.acts, not _quotes(s), s.start)
            )
        ordered.extend(group)
    return ordered


MAX_JOINED_CHARS = 600
ATTRIBUTED_BONUS = 0.6
"""An article where the person's statements were found beats one that only names them."""
ACTING_BONUS = 0.3
"""An article naming the person as the subject of a verb beats one that only mentions them."""


def _quotes(statement: ScoredStatement) -> bool:
    """Whether a statement's passage holds a quotation (likely someone's own words)."""
    return bool(_QUOTATION.search(statement.passage.text))


_QUOTATION = re.compile(r"[“\"][^”\"]{12,}[”\"]|''[^']{12,}''")


def _stem(word: str) -> str:
    return word[:6]


@functools.lru_cache(maxsize=1024)
def _stems(text: str) -> frozenset[str]:
    """The stems of the content words of ``text`` (cached: an article's title is read
    again by each question about the people it quotes)."""
    return frozenset(_stem(w) for w in content_words(text))


def names_in_full(text: str, names: Sequence[str]) -> bool:
    """Whether ``text`` holds one of ``names`` word for word (case and accents ignored)."""
    folded = _fold(text)
    for name in names:
        words = re.findall(r"\w+", _fold(name))
        if words and re.search(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", folded):
            return True
    return False


def is_byline(text: str) -> bool:
    """Whether ``text`` is a reporting credit ("Julie Davis reported from Midway Atoll.")."""
    return bool(_BYLINE.search(text))


_BYLINE = re.compile(
    r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)+\s+(?:reported|contributed(?:\s+reporting)?)\s+"
    r"(?:from|to\s+this)\b"
)


def mentions_name(text: str, names: Sequence[str]) -> bool:
    """Whether ``text`` names one of ``names`` by surname, as a capitalised whole word.

    Accents and apostrophe styles are ignored ("Garcia" finds "García"). For a name of
    several words, a capitalised word right before the surname that is not part of the name
    means someone else: "Jay Carney" is not "Dave Carney", the "Security Council" is not the
    "Human Rights Council". Titles ("Sen.", "Secretary"), sentence openers ("But Carney
    said") and middle names ("Hillary Rodham Clinton") are fine.
    """
    plain = _strip_accents(text).replace("’", "'")
    # A quick test rules most texts out: an ASCII surname matched with case ignored is in
    # the lower-cased text, unless the text has a letter that the regex engine, but not
    # str.lower(), takes for an ASCII one ("ı" for "i", "ſ" for "s"; "İ" lowers to two).
    traps = not plain.isascii() and _CASE_TRAPS.search(plain)
    lowered = None if traps else plain.lower()
    for name in names:
        surname = _surname_of(name)
        if surname is None:
            continue
        key = surname.ascii_key
        if lowered is not None and key is not None and key not in lowered:
            continue
        for match in surname.pattern.finditer(plain):
            if not match.group()[0].isupper():
                continue
            before = plain[max(0, match.start() - 80) : match.start()]
            if surname.alone or _same_person_before(before, surname.own):
                return True
    return False


_CASE_TRAPS = re.compile("[İıſ]")


@dataclass(frozen=True)
class _Surname:
    """How :func:`mentions_name` looks for a name."""

    pattern: re.Pattern[str]
    """The surname as a whole word, case ignored."""
    own: frozenset[str]
    """The folded words of the name."""
    alone: bool
    """Whether the name is one word."""
    ascii_key: str | None
    """The surname in lower case when it is ASCII."""


@functools.lru_cache(maxsize=1024)
def _surname_of(name: str) -> _Surname | None:
    """How :func:`mentions_name` looks for ``name`` (``None`` without a surname)."""
    tokens = _strip_accents(name).replace("’", "'").split()
    surname = tokens[-1].strip("\"“”'.,") if tokens else ""
    if not surname:
        return None
    return _Surname(
        re.compile(rf"\b{re.escape(surname)}\b", re.IGNORECASE),
        frozenset(_fold(t).strip("\"“”'.,") for t in tokens),
        len(tokens) == 1,
        surname.lower() if surname.isascii() else None,
    )


def _same_person_before(before: str, own: frozenset[str]) -> bool:
    """Whether the words before a surname (the last 80 characters before it) leave it the
    person asked about (see above)."""
    words = re.findall(r"[\w'.-]+", before[-80:])
    if any(_fold(w).strip(".") in own for w in words[-3:]):
        return True  # "Hillary Rodham Clinton", "Dave Carney"
    if not words or not words[-1][:1].isupper():
        return True
    last = words[-1]
    return is_title(last) or _fold(last).strip(".") in STOPWORDS


def _strip_accents(text: str) -> str:
    """``text`` without combining accents, case kept (ASCII text is returned as is)."""
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


_COMBINING = re.compile(r"[\u0300-\u036f]")


def blank_out(passage: StoredPassage, spans: Sequence[tuple[int, int]]) -> str:
    """``passage.text`` with the parts inside ``spans`` (article offsets) blanked out."""
    text = passage.text
    for start, end in spans:
        lo, hi = max(start, passage.start) - passage.start, min(end, passage.end) - passage.start
        if lo < hi:
            text = text[:lo] + " " * (hi - lo) + text[hi:]
    return text


def overlaps_any(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def overlapping_passage(
    passages: Sequence[StoredPassage], start: int, end: int
) -> StoredPassage | None:
    """The passage sharing the most characters with ``[start, end)``."""
    best, best_overlap = None, 0
    for passage in passages:
        overlap = min(end, passage.end) - max(start, passage.start)
        if overlap > best_overlap:
            best, best_overlap = passage, overlap
    return best


def speaker_for_span(
    article_pk: int, start: int, end: int, attributions: Sequence[StoredAttribution]
) -> str | None:
    """The one speaker of the statements inside ``[start, end)``, if there is exactly one."""
    speakers = {
        a.speaker
        for a in attributions
        if a.article_pk == article_pk and a.start < end and start < a.end
    }
    return speakers.pop() if len(speakers) == 1 else None


def sentences_after(text: str, end: int, max_chars: int) -> list[tuple[int, int]]:
    """The whole sentences that follow ``end`` within ``max_chars`` characters, across
    paragraph breaks (each paragraph split on its own, so a headline without a full stop
    stays one sentence)."""
    limit = min(len(text), end + max_chars)
    found: list[tuple[int, int]] = []
    for p_start, p_end in paragraphs(text):
        if p_end <= end:
            continue
        if p_start >= limit:
            break
        found += [s for s in split_sentences(text, max(p_start, end), p_end) if s[1] <= limit]
    return found


def sentence_before(text: str, start: int) -> tuple[int, int] | None:
    """The sentence of the same paragraph that ends right before ``start`` (``None`` at
    the start of a paragraph)."""
    for p_start, p_end in paragraphs(text):
        if p_start <= start < p_end:
            before = [s for s in split_sentences(text, p_start, start) if s[1] <= start]
            return before[-1] if before else None
    return None


def grown(
    text: str, start: int, end: int, max_chars: int, *, keep: Callable[[int, int], bool]
) -> tuple[int, int]:
    """``[start, end)`` grown to the sentences after it, across paragraph breaks, for as
    long as the span stays within ``max_chars`` and ``keep(start, end)`` holds for it (a
    speaker label stays true): news paragraphs are one or two sentences, and the answer is
    often in the next one ("… carried away the protester." + "Kelsey Atkinson was
    identified as the protester."). A span starting mid-paragraph first takes back the
    sentence before it when that still leaves room for the next one."""
    before = sentence_before(text, start)
    after = sentences_after(text, end, max_chars)
    if before is not None and keep(before[0], end):
        room = after[0][1] if after else end
        if room - before[0] <= max_chars:
            start = before[0]
    for _sentence_start, sentence_end in after:
        if sentence_end - start > max_chars or not keep(start, sentence_end):
            break
        end = sentence_end
    return start, end


CONTEXT_CHARS = 500
"""Longest quote that :func:`grown` grows a general answer's passage to."""


def make_quote(
    passage: StoredPassage,
    article_text: str,
    start: int,
    end: int,
    speaker: str | None,
    score: float,
) -> Quote | None:
    """A quote of ``article_text[start:end]``; ``None`` if the article changed under us."""
    if not (0 <= start < end <= len(article_text)) or (
        article_text[passage.start : passage.end] != passage.text
    ):
        return None
    return Quote(
        article_id=passage.article_id,
        collection=passage.collection,
        title=passage.title,
        source=passage.source,
        url=passage.url,
        published=passage.published,
        paragraph=paragraph_number(article_text, start),  # where the quote begins
        start=start,
        end=end,
        text=article_text[start:end],
        speaker=speaker,
        score=score,
    )


def unrepeated(
    text: str, start: int, end: int, earlier: Sequence[tuple[int, int]]
) -> tuple[int, int] | None:
    """``[start, end)`` of ``text`` without the text of ``earlier`` quotes of the same
    article, or ``None`` when nothing is left: a span inside an earlier one is dropped,
    one overlapping an earlier one's end starts after it, and one running into an earlier
    one's start stops before it (quotes grown by :func:`grown` often run into the next
    chosen passage, or back into the one before). Spans are sentence-aligned, so are the
    cuts; surrounding whitespace is trimmed."""
    moved = True
    while moved and start < end:
        moved = False
        for earlier_start, earlier_end in earlier:
            if earlier_start <= start < earlier_end:
                start, moved = earlier_end, True
            elif start < earlier_start < end:
                end, moved = earlier_start, True
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def merge_duplicates(quotes: Sequence[Quote | None]) -> list[Quote]:
    """Show near-identical text (syndicated copies) once, citing every article that has it."""
    kept: list[Quote] = []
    keys: dict[str, int] = {}
    for quote in quotes:
        if quote is None:
            continue
        key = " ".join(re.findall(r"\w+", quote.text.lower()))
        if key in keys:
            first = kept[keys[key]]
            if first.article_id == quote.article_id and first.collection == quote.collection:
                continue
            citation = Citation(
                quote.article_id,
                quote.title,
                quote.source,
                quote.url,
                quote.published,
                quote.paragraph,
            )
            kept[keys[key]] = _with_citation(first, citation)
            continue
        keys[key] = len(kept)
        kept.append(quote)
    return kept


def _with_citation(quote: Quote, citation: Citation) -> Quote:
    return replace(quote, also_in=(*quote.also_in, citation))


def not_found(question: str, closest_title: str | None) -> Answer:
    message = NOT_FOUND
    if closest_title:
        message += f" The closest article is “{closest_title}”, but it does not answer this."
    return Answer(question=question, answered=False, quotes=(), message=message)


def cosine(query: np.ndarray, vector: np.ndarray) -> float:
    return float(np.dot(query.reshape(-1), vector.reshape(-1)))
