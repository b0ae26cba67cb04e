"""The order of the candidates, and the quotes made from them."""

from __future__ import annotations

from collections.abc import Sequence

from index import answer as answering
from index.attribution import name_matches
from index.models import Quote
from index.qa import features
from index.qa.candidates import GeneralCandidates
from index.qa.model import QAModel
from index.qa.pool import PoolCandidate
from index.search import Candidate
from index.sentences import split_sentences
from index.store import StoredAttribution


def pool_quotes(
    chosen: Sequence[PoolCandidate],
    texts: dict[int, str],
    attributions: Sequence[StoredAttribution],
    limit: int,
    kind: str | None = None,
) -> list[Quote]:
    """Quotes of the chosen candidates, best first, none repeating another's text.

    A statement of the person the question asks about is quoted as found, labelled with
    its speaker. Any other candidate is grown by its next sentence where that fits and
    labelled with its speaker when it holds one person's statement; when the question
    expects a kind of answer (``kind``: a number, a date...) that the quote lacks, it runs
    on to the next sentence holding one, even in the next paragraph (news often answers
    in the sentence after the one that matches the question)."""
    quotes: list[Quote | None] = []
    for candidate in chosen:
        text = texts.get(candidate.article_pk, "")
        start, end = quote_span(candidate, text, kind)
        speaker = candidate.speaker
        if not candidate.asked:
            pk = candidate.article_pk
            speaker = speaker or answering.speaker_for_span(
                pk, candidate.start, candidate.end, attributions
            )
            if speaker != answering.speaker_for_span(pk, start, end, attributions):
                end = candidate.end  # never run into someone else's words under this name
        quotes.append(
            answering.make_quote(candidate.passage, text, start, end, speaker, candidate.dense)
        )
    return answering.merge_duplicates(
        answering.without_repeats([q for q in quotes if q is not None])
    )[:limit]


def quote_span(candidate: PoolCandidate, text: str, kind: str | None) -> tuple[int, int]:
    """The span quoted for a candidate: a statement of the person asked about as found,
    anything else as :func:`general_span` grows it."""
    if candidate.asked or not text:
        return candidate.start, candidate.end
    return general_span(text, candidate.start, candidate.end, kind)


def general_span(text: str, start: int, end: int, kind: str | None) -> tuple[int, int]:
    """``[start, end)`` grown by its next sentence where that fits, and on to the next
    sentence holding the expected kind of answer when it lacks one."""
    start, end = answering.with_context(text, start, end, answering.CONTEXT_CHARS)
    if kind is not None and not features.has_type(text[start:end], kind):
        end = _next_sentence_with(text, start, end, kind)
    return start, end


def _next_sentence_with(text: str, start: int, end: int, kind: str) -> int:
    """The end of the first sentence after ``end`` that holds ``kind`` (within the next
    two sentences and :data:`~index.answer.CONTEXT_CHARS`), else ``end``."""
    following = [s for s in split_sentences(text, end, min(len(text), end + 600)) if s[0] >= end]
    for sentence_start, sentence_end in following[:2]:
        if sentence_end - start > answering.CONTEXT_CHARS:
            break
        if features.has_type(text[sentence_start:sentence_end], kind):
            return sentence_end
    return end


def general_rows(
    facts: features.QuestionFacts,
    found: GeneralCandidates,
    attributions: Sequence[StoredAttribution],
) -> list[list[float]]:
    """The feature rows of the general candidates (see ``features.RANK_FEATURES``)."""
    names = [*facts.names, *facts.entities]
    speakers: dict[int, list[StoredAttribution]] = {}
    for attribution in attributions:
        speakers.setdefault(attribution.article_pk, []).append(attribution)
    rows = []
    for candidate in found.candidates:
        passage = found.passages[candidate.passage_id]
        speaker_named = bool(names) and any(
            a.start < passage.end
            and passage.start < a.end
            and any(name_matches(name, a.speaker) for name in names)
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
    logits = qa_model.rank.logits(rows)
    order = sorted(range(len(rows)), key=lambda i: (-logits[i], found.candidates[i].passage_id))
    return (
        [found.candidates[i] for i in order],
        [list(rows[i]) for i in order],
        [float(logits[i]) for i in order],
    )
