"""The order of the candidates, and the quotes made from them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index import answer as answering
from index.attribution import name_matches
from index.models import Quote
from index.qa import features
from index.qa.candidates import GeneralCandidates
from index.qa.model import QAModel
from index.qa.pool import PoolCandidate
from index.search import Candidate
from index.sentences import paragraph_number
from index.store import StoredAttribution


def pool_quotes(
    chosen: Sequence[PoolCandidate],
    texts: dict[int, str],
    attributions: Sequence[StoredAttribution],
    limit: int,
) -> list[Quote]:
    """Quotes of the chosen candidates, best first, none repeating another's text
    (:func:`index.answer.unrepeated`; a candidate whose passage an earlier quote already
    shows is left out).

    A statement of the person the question asks about is quoted as found, labelled with
    its speaker. Any other candidate is grown by the sentences around it
    (:func:`quote_span`) and labelled with its speaker when it holds one person's
    statement."""
    quotes: list[Quote | None] = []
    shown: dict[int, list[tuple[int, int]]] = {}
    for candidate in chosen:
        text = texts.get(candidate.article_pk, "")
        start, end, speaker = quote_span(candidate, text, attributions)
        earlier = shown.setdefault(candidate.article_pk, [])
        span = answering.unrepeated(text, start, end, earlier)
        if span is None or not (span[0] < candidate.end and candidate.start < span[1]):
            continue  # its own passage is already shown in an earlier quote
        earlier.append(span)
        quotes.append(
            answering.make_quote(candidate.passage, text, *span, speaker, candidate.dense)
        )
    return answering.merge_duplicates(quotes)[:limit]


def quote_span(
    candidate: PoolCandidate,
    text: str,
    attributions: Sequence[StoredAttribution],
) -> tuple[int, int, str | None]:
    """The span quoted for a candidate and its speaker label: a statement of the person
    asked about as found; anything else as :func:`general_span` grows it, labelled with
    the one speaker of its statements (if any), and never grown into another speaker's
    words under that label. A quote that runs on beyond its own paragraphs loses the label:
    the next paragraph is often the reporter's, which must not read as the speaker's (the
    quote's own text still says who spoke). A quote without a label may run into anyone's."""
    if candidate.asked or not text:
        return candidate.start, candidate.end, candidate.speaker
    pk = candidate.article_pk
    attributions = [a for a in attributions if a.article_pk == pk]  # read once per grown span
    speaker = candidate.speaker or answering.speaker_for_span(
        pk, candidate.start, candidate.end, attributions
    )

    def keep(start: int, end: int) -> bool:
        return (
            speaker is None or answering.speaker_for_span(pk, start, end, attributions) == speaker
        )

    start, end = general_span(text, candidate.start, candidate.end, keep=keep)
    if speaker is not None and _beyond_own_paragraphs(text, candidate, start, end):
        speaker = None  # the quote runs on into another paragraph, often the reporter's
    return start, end, speaker


def _beyond_own_paragraphs(text: str, candidate: PoolCandidate, start: int, end: int) -> bool:
    """Whether ``[start, end)`` reaches into a paragraph that the candidate's own passage
    does not touch (paragraphs as :func:`index.sentences.paragraphs` finds them)."""
    first, last = paragraph_number(text, candidate.start), paragraph_number(text, candidate.end - 1)
    return paragraph_number(text, start) < first or paragraph_number(text, end - 1) > last


def general_span(
    text: str,
    start: int,
    end: int,
    *,
    keep: Callable[[int, int], bool] | None = None,
) -> tuple[int, int]:
    """``[start, end)`` grown by the sentences around it up to
    :data:`~index.answer.CONTEXT_CHARS` (:func:`index.answer.grown`: news answers are
    often in the sentence after the one that matches the question, across a paragraph
    break), as far as ``keep(start, end)`` allows."""
    return answering.grown(
        text, start, end, answering.CONTEXT_CHARS, keep=keep or (lambda _s, _e: True)
    )


def general_rows(
    facts: features.QuestionFacts,
    found: GeneralCandidates,
    attributions: Sequence[StoredAttribution],
) -> list[list[float]]:
    """The feature rows of the general candidates (see ``features.RANK_FEATURES``)."""
    names = [*facts.names, *facts.entities]
    named: dict[str, bool] = {}  # speaker -> whether the question names them

    def is_named(speaker: str) -> bool:
        if speaker not in named:
            named[speaker] = any(name_matches(name, speaker) for name in names)
        return named[speaker]

    speakers: dict[int, list[StoredAttribution]] = {}
    for attribution in attributions if names else ():
        speakers.setdefault(attribution.article_pk, []).append(attribution)
    rows = []
    for candidate in found.candidates:
        passage = found.passages[candidate.passage_id]
        speaker_named = any(
            a.start < passage.end and passage.start < a.end and is_named(a.speaker)
            for a in speakers.get(passage.article_pk, ())
        )
        rows.append(
            features.candidate_features(
                facts,
                passage.text,
                dense=candidate.dense,
                coverage=candidate.coverage,
                keyword=candidate.keyword,
                phrases=candidate.phrases,
                dense_rank=candidate.dense_rank,
                keyword_rank=candidate.keyword_rank,
                speaker_named=speaker_named,
            )
        )
    return rows


def rank_general(
    found: GeneralCandidates, rows: Sequence[Sequence[float]], qa_model: QAModel
) -> tuple[list[Candidate], list[list[float]], list[float]]:
    """The candidates best first by the learned ranking, with their rows and logits."""
    logits: list[float] = qa_model.rank.logits(rows).tolist()
    order = sorted(range(len(rows)), key=lambda i: (-logits[i], found.candidates[i].passage_id))
    return (
        [found.candidates[i] for i in order],
        [list(rows[i]) for i in order],
        [logits[i] for i in order],
    )
