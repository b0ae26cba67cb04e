"""What could answer a question, read from the store, the vector indexes and keyword search.

Nothing here decides the order or whether to answer: :mod:`index.qa.ranking` and
:mod:`index.qa.abstention` do. The store and the indexes are passed in (in a
:class:`~index.qa.scope.Scope`), so any backend with the same small interface works.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index import answer as answering
from index.attribution import name_matches, names_subject
from index.keyword import keyword_search
from index.models import Article
from index.qa import features
from index.qa.roles import (
    entity_forms,
    is_voice,
    office_holders,
    office_words,
    role_pattern,
    role_query,
)
from index.qa.scope import Scope
from index.search import (
    CANDIDATES,
    Candidate,
    SearchPrefetch,
    content_words,
    drop_task,
    hybrid_search,
    pair_coverage,
    word_coverage,
)
from index.store import Store, StoredAttribution, StoredPassage
from index.timeframe import TimeFilter

MAX_PERSON_ARTICLES = 80
"""At most this many articles are read for one person question (attributed ones first)."""
MAX_SURNAME_ATTRIBUTIONS = 2000
"""At most this many attributions of a surname are read (the newest articles'): a common
surname ("Smith") in a million passages is capped, not scanned in full."""


@dataclass
class PersonCandidates:
    """A person's statements (and passages naming them), with their articles' titles and
    texts."""

    statements: list[answering.ScoredStatement]
    titles: dict[int, str]
    texts: dict[int, str]


async def person_statements(
    scope: Scope, names: Sequence[str], topic: Sequence[str], *, mentions: bool = True
) -> PersonCandidates | None:
    """What a named person said: their attributed statements, else passages naming them
    (``mentions=False``: only the attributed statements, read without keyword search).

    A bounded number of queries whatever the corpus size: the attributions of the surname
    (capped at :data:`MAX_SURNAME_ATTRIBUTIONS`), two keyword searches, then the articles,
    their passages, vectors and attributions, each for all (at most
    :data:`MAX_PERSON_ARTICLES`) articles at once.
    """
    store, collections, article_ids = scope.store, scope.collections, scope.article_ids
    keys = sorted({answering.speaker_key(n) for n in names} - {""})
    if not keys:
        return None
    attributed = answering.matching_attributions(
        await store.attributions_by_surname(keys, collections, MAX_SURNAME_ATTRIBUTIONS), names
    )
    if not attributed and not mentions:
        return None
    if not attributed:  # "the Foreign Ministry": its named spokesman's words, then mentions
        office = office_words(names)
        found = await role_statements(scope, office, spokespeople=True) if office else None
        if found is not None:
            return found
    article_pks = list(dict.fromkeys(a.article_pk for a in attributed))
    if mentions and len(article_pks) < MAX_PERSON_ARTICLES:  # else no article to add
        hits = await keyword_search(store, [], collections, 100, required=keys)
        if topic:  # passages naming the person in articles about the topic (title or text)
            hits = await keyword_search(store, topic, collections, 100, required=keys) + hits
        mentioning = await store.passages(passage_id for passage_id, _ in hits)
        asked = set(collections)  # (as general_candidates keeps them: a second guard)
        article_pks = list(
            dict.fromkeys(
                article_pks
                + [
                    p.article_pk
                    for p in mentioning.values()
                    if p.collection in asked and answering.mentions_name(p.text, names)
                ]
            )
        )
    article_pks = article_pks[:MAX_PERSON_ARTICLES]
    stored = await store.articles_by_pk(article_pks)
    articles = {
        pk: stored[pk]
        for pk in article_pks
        if pk in stored and (article_ids is None or stored[pk].id in article_ids)
    }
    return await statements_in_articles(
        scope, scope.in_window(articles), attributed, names, mentions=mentions
    )


async def role_statements(
    scope: Scope, role: Sequence[str], *, spokespeople: bool = False
) -> PersonCandidates | None:
    """What the holder of an office said ("the French president", "the Foreign
    Ministry"): in articles naming the office, the speakers who hold it
    (:func:`~index.qa.roles.office_holders`; with ``spokespeople``, only those speaking
    for it), anywhere in the article; "the Foreign Ministry spokesman" finds the
    ministry's own statements too."""
    store, article_ids = scope.store, scope.article_ids
    words = [w.replace('"', "") for w in role if w]
    if not words:
        return None
    hits = await store.keyword_search(role_query(words), scope.collections, 100)
    mentioning = await store.passages(passage_id for passage_id, _ in hits)
    article_pks = list(dict.fromkeys(p.article_pk for p in mentioning.values()))
    stored = await store.articles_by_pk(article_pks[:MAX_PERSON_ARTICLES])
    articles = scope.in_window(
        {pk: a for pk, a in stored.items() if article_ids is None or a.id in article_ids}
    )
    office = role_pattern(words)
    organisation = role_pattern(words[:-1]) if len(words) > 1 and is_voice(words[-1]) else None
    attributions = await store.attributions_in(list(articles))
    speakers: dict[int, list[str]] = {}
    for attribution in attributions:
        speakers.setdefault(attribution.article_pk, []).append(attribution.speaker)
    bound: dict[int, set[str]] = {}
    for pk, names in speakers.items():
        held = office_holders(articles[pk].text, office, names, spokespeople=spokespeople)
        if organisation is not None:
            held |= {name for name in names if organisation.search(name)}
        if held:
            bound[pk] = held
    if not bound:
        return None
    keys = {pk: {answering.speaker_key(s) for s in speakers} for pk, speakers in bound.items()}
    attributed = [
        a for a in attributions if answering.speaker_key(a.speaker) in keys.get(a.article_pk, set())
    ]
    names = sorted({s for speakers in bound.values() for s in speakers})
    return await statements_in_articles(
        scope,
        {pk: articles[pk] for pk in articles if pk in bound},
        attributed,
        names,
        mentions=False,
    )


async def statements_in_articles(
    scope: Scope,
    articles: dict[int, Article],
    attributed: Sequence[StoredAttribution],
    names: Sequence[str],
    *,
    mentions: bool = True,
) -> PersonCandidates | None:
    """The statements of ``attributed`` in ``articles``, then (with ``mentions``) other
    passages naming ``names``."""
    if any(len(name.split()) > 1 for name in names):
        # "Robert Gordon", "Armed Services Committee": articles holding the whole name
        # beat ones that only share its last word (Jay Carney for Dave Carney).
        full = {pk: a for pk, a in articles.items() if answering.names_in_full(a.text, names)}
        articles = full or articles
    store, query_vector = scope.store, scope.query_vector
    by_article: dict[int, list[StoredAttribution]] = {}
    for attribution in await store.attributions_in(list(articles)):
        by_article.setdefault(attribution.article_pk, []).append(attribution)
    own: dict[int, list[StoredAttribution]] = {}
    for attribution in attributed:
        own.setdefault(attribution.article_pk, []).append(attribution)
    passages_of = await store.passages_of_articles(list(articles), articles)
    titles = {pk: article.title for pk, article in articles.items()}
    texts = {pk: article.text for pk, article in articles.items()}
    joined = {pk: answering.join_split_quotes(own.get(pk, []), texts) for pk in articles}
    # each of the person's statements with the passage holding it
    held = {
        pk: [
            (a, answering.overlapping_passage(passages_of.get(pk, []), a.start, a.end))
            for a in joined[pk]
        ]
        for pk in articles
    }
    # vectors only of the passages that can become statements: those holding the
    # person's statements and (with ``mentions``) those naming them, bylines left out;
    # not every passage of every article
    naming = {
        p.id
        for pk in articles
        for p in (passages_of.get(pk, []) if mentions else ())
        if answering.mentions_name(p.text, names) and not answering.is_byline(p.text)
    }
    holding = {p.id for pairs in held.values() for _, p in pairs if p is not None}
    needed = sorted(holding | naming)
    vectors = await store.passage_embeddings(needed, scope.dimension)
    statements: list[answering.ScoredStatement] = []
    for article_pk, article in articles.items():
        passages = passages_of.get(article_pk, [])
        mine = joined[article_pk]
        taken: list[tuple[int, int]] = []
        for attribution, passage in held[article_pk]:
            if passage is not None and passage.id in vectors:
                taken.append((attribution.start, attribution.end))
                statements.append(
                    answering.ScoredStatement(
                        article_pk,
                        attribution.start,
                        attribution.end,
                        attribution.speaker,
                        attribution.kind,
                        passage,
                        answering.cosine(query_vector, vectors[passage.id]),
                        acts=answering.mentions_name(
                            article.text[attribution.start : attribution.end], names
                        ),
                    )
                )
        others = [
            (a.start, a.end)
            for a in by_article.get(article_pk, [])
            if not any(name_matches(n, a.speaker) for n in names)
        ]
        for p in passages if mentions else ():
            if (
                p.id not in vectors
                or answering.overlaps_any(p.start, p.end, taken)
                or p.id not in naming
            ):
                continue
            someone_else = answering.overlaps_any(p.start, p.end, others)
            if someone_else and mine:
                continue  # the person's own statements are known: no one else's words
            statements.append(
                answering.ScoredStatement(
                    article_pk,
                    p.start,
                    p.end,
                    None,
                    "mention",
                    p,
                    answering.cosine(query_vector, vectors[p.id]),
                    acts=any(names_subject(answering.blank_out(p, others), name) for name in names),
                )
            )
    if not statements:
        return None
    return PersonCandidates(statements, titles, texts)


@dataclass
class GeneralCandidates:
    """Passages found by hybrid search, with the features ranking and abstention use."""

    candidates: list[Candidate]
    passages: dict[int, StoredPassage]
    attributions: list[StoredAttribution]
    """Every attribution of the articles of ``passages`` (who said what in them)."""


def general_limit(published_window: TimeFilter | None) -> int:
    """How many hybrid-search candidates a question gathers (more with a time frame:
    those published outside it are left out afterwards)."""
    return CANDIDATES if published_window is None else 4 * CANDIDATES


def prefetch_search(
    store: Store, question: str, collections: Sequence[str], published_window: TimeFilter | None
) -> SearchPrefetch:
    """Start the keyword half of :func:`general_candidates`'s search now (before the
    question is embedded; the dense half with :meth:`SearchPrefetch.start_dense`); pass
    it in the :class:`Scope`."""
    return SearchPrefetch(store, question, collections, general_limit(published_window))


async def general_candidates(scope: Scope, question: str) -> GeneralCandidates:
    """Hybrid-search candidates of the asked collections (and articles) with dense cosine,
    word and pair coverage filled in, with their articles' attributions; with a time
    frame, more are gathered, then those published outside it are left out."""
    store, published_window = scope.store, scope.published_window
    candidates = await hybrid_search(
        store,
        scope.indexes,
        question,
        scope.query_vector,
        scope.collections,
        limit=general_limit(published_window),
        prefetched=scope.search,
    )
    ids = [c.passage_id for c in candidates]
    keyword_only = [c.passage_id for c in candidates if c.dense_rank is None]
    # three reads queued at once: the passages first; their articles' attributions and
    # the stored vectors of keyword-only candidates (no cosine yet) while coverage is
    # computed
    reads = _Reads(
        store.passages(ids),
        store.passage_embeddings(keyword_only, scope.dimension),
        store.attributions_of_passages(ids),
    )
    try:
        passages = await reads.passages
        candidates = _kept(candidates, passages, scope)
        _fill_coverage(candidates, passages, question)
        vectors = await reads.vectors
        for candidate in candidates:
            if candidate.passage_id in vectors:
                candidate.dense = answering.cosine(
                    scope.query_vector, vectors[candidate.passage_id]
                )
        return GeneralCandidates(candidates, passages, await reads.attributions)
    finally:
        reads.cancel()


class _Reads:
    """Store reads started together (each queued at once, in this order)."""

    def __init__(
        self,
        passages: Awaitable[dict[int, StoredPassage]],
        vectors: Awaitable[dict[int, np.ndarray]],
        attributions: Awaitable[list[StoredAttribution]],
    ) -> None:
        self.passages = asyncio.ensure_future(passages)
        self.vectors = asyncio.ensure_future(vectors)
        self.attributions = asyncio.ensure_future(attributions)

    def cancel(self) -> None:
        """Cancel what is still running; a failure nothing awaited is marked seen."""
        for task in (self.passages, self.vectors, self.attributions):
            drop_task(task)


def _kept(
    candidates: list[Candidate], passages: Mapping[int, StoredPassage], scope: Scope
) -> list[Candidate]:
    """The candidates whose passage was read, of the asked articles, collections and time
    frame."""
    if scope.article_ids is not None:
        allowed = set(scope.article_ids)
        candidates = [
            c
            for c in candidates
            if c.passage_id in passages and passages[c.passage_id].article_id in allowed
        ]
    # (the searches filter by collection already; this keeps a passage of another server
    # out even if an article of its moved in between a search and its collection check)
    asked = set(scope.collections)
    candidates = [
        c
        for c in candidates
        if c.passage_id in passages and passages[c.passage_id].collection in asked
    ]
    if scope.published_window is not None:
        candidates = scope.published_window.keep(
            candidates,
            lambda c: passages[c.passage_id].article_id,
            lambda c: passages[c.passage_id].published,
        )
    return candidates


def _fill_coverage(
    candidates: Sequence[Candidate], passages: Mapping[int, StoredPassage], question: str
) -> None:
    """Each candidate's word and word-pair coverage of the question."""
    words = content_words(question)
    for candidate in candidates:
        candidate.coverage = word_coverage(words, passages[candidate.passage_id].text)
        candidate.phrases = pair_coverage(question, passages[candidate.passage_id].text)


async def article_texts(store: Store, article_pks: Sequence[int]) -> dict[int, str]:
    """The text of each article (empty if it was removed meanwhile)."""
    found = await store.articles_by_pk(list(article_pks))  # one query, not one each
    return {pk: found[pk].text if pk in found else "" for pk in article_pks}


MAX_ENTITY_LOOKUPS = 4
"""At most this many of the question's names are looked up in the collection."""


async def known_shares(
    store: Store, entities: Sequence[str], words: Sequence[str], collections: Sequence[str]
) -> tuple[float, float]:
    """``(entities_known, words_known)``: the share of ``entities`` (the question's names,
    at most :data:`MAX_ENTITY_LOOKUPS`) that occur in any passage or title of
    ``collections``, and the share of ``words`` (its topic words,
    ``QuestionFacts.topic``) that occur in any passage; 1.0 for none. A question about
    something no article mentions is not answered from them ("How many grandchildren does
    Pence have?" however often Pence is named). A nationality counts as found where its
    country is, and the other way round ("the French president" / "France's president").
    One statement for every name and word (two when the library holds other collections
    too)."""
    entities = list(entities)[:MAX_ENTITY_LOOKUPS]
    words = [w for w in [w.replace('"', "") for w in words][:MAX_ENTITY_LOOKUPS] if w]
    probes: list[tuple[str, str]] = []
    entity_probes: list[list[int]] = []  # per entity: the probe numbers of its forms
    for entity in entities:
        numbers = []
        for form in entity_forms(entity):
            query = _all_words(form)
            if not query:  # nothing to look for: mentioned
                numbers = []
                break
            numbers.append(len(probes))
            probes += [("passages_fts", query), ("titles_fts", query)]
        entity_probes.append(numbers)
    word_start = len(probes)
    probes += [("passages_fts", f'"{word}"') for word in words]
    found = await store.matches_exist(probes, collections) if probes else []
    entities_found = sum(
        not numbers or any(found[n] or found[n + 1] for n in numbers) for numbers in entity_probes
    )
    words_found = sum(found[word_start:])
    return (
        entities_found / len(entities) if entities else 1.0,
        words_found / len(words) if words else 1.0,
    )


def _all_words(entity: str) -> str:
    """An FTS5 query for a text holding every word of ``entity`` (empty if it has none)."""
    words = [w.replace('"', "") for w in features.entity_words(entity)]
    return " AND ".join(f'"{w}"' for w in words if w)
