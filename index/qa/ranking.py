"""The order of the candidates, and the quotes made from them."""

from __future__ import annotations

from collections.abc import Sequence

from index import answer as answering
from index.models import Quote
from index.qa.candidates import PersonCandidates
from index.search import Candidate
from index.store import StoredAttribution, StoredPassage


def person_quotes(found: PersonCandidates, topic: Sequence[str], limit: int) -> list[Quote]:
    """A person's statements as quotes, best article first (see ``rank_statements``)."""
    ranked = answering.rank_statements(found.statements, found.titles, topic)
    return answering.merge_duplicates(
        [
            answering.make_quote(
                s.passage, found.texts[s.article_pk], s.start, s.end, s.speaker, s.score
            )
            for s in ranked
        ]
    )[:limit]


def choose_general(
    candidates: Sequence[Candidate], limit: int, threshold: float
) -> list[Candidate]:
    """The general candidates worth quoting, best first (empty: abstain)."""
    return answering.select_general(candidates, limit * 2, threshold)


def general_quotes(
    chosen: Sequence[Candidate],
    passages: dict[int, StoredPassage],
    texts: dict[int, str],
    attributions: Sequence[StoredAttribution],
    limit: int,
) -> list[Quote]:
    """Quotes of the chosen passages, each grown by its next sentence where that fits and
    labelled with its speaker when it holds one person's statement."""
    quotes: list[Quote | None] = []
    for candidate in chosen:
        passage = passages[candidate.passage_id]
        start, end = answering.with_context(
            texts[passage.article_pk], passage.start, passage.end, answering.CONTEXT_CHARS
        )
        speaker = answering.speaker_for_span(
            passage.article_pk, passage.start, passage.end, attributions
        )
        if speaker != answering.speaker_for_span(passage.article_pk, start, end, attributions):
            end = passage.end  # never run into someone else's words under this name
        quotes.append(
            answering.make_quote(
                passage, texts[passage.article_pk], start, end, speaker, candidate.dense
            )
        )
    return answering.merge_duplicates(
        answering.without_repeats([q for q in quotes if q is not None])
    )[:limit]
