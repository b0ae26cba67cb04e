"""Keyword retrieval that stays fast at a million passages (SQLite FTS5, BM25).

- Only informative terms are queried: stopwords are dropped, and of the rest only the
  ``MAX_TERMS`` rarest by document frequency (read from the FTS vocabulary) are OR-ed.
  A common word adds almost nothing to BM25 but makes FTS5 score most of the corpus.
- Scoring is bounded: FTS5 computes BM25 for every matching row, about a microsecond
  each, so terms are added rarest first only while the passages they match stay within
  ``POSTINGS_BUDGET`` (a rarer term that already matches many passages fills the top of
  the ranking on its own). When even that is over budget (a surname in a fifth of the
  library, or a question made only of common words), only the ``POSTINGS_BUDGET`` most
  recently added matching passages are scored (:meth:`index.store.Store.keyword_search`
  ``newest``): the newest news first, a bounded cost whatever the library's size.
  Title searches score at most the ``TITLE_BUDGET`` newest matching titles.
- The collection filter is a token inside each FTS row (:func:`index.store.collection_filter`),
  so FTS5 never scores other collections' passages.
- Titles are indexed once per article (``titles_fts``), not copied into every passage's
  row; a passage's keyword score is its text's BM25 plus ``TITLE_WEIGHT`` times its
  article title's BM25 (the weight the single-table schema gave the title column), and the
  best passages of the best-matching titles are looked up as well.

Stems are computed by an in-memory FTS5 table with the same tokenizer, so the terms looked
up in the vocabulary are exactly the ones FTS5 stored.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Sequence

from index.store import FTS_TOKENIZER, Store

log = logging.getLogger(__name__)

MAX_TERMS = 4
"""Rarest content words kept per question."""
COMMON_SHARE = 0.05
"""A word in more than this share of the passages is left out (unless all words are)."""
FILTER_BELOW = 0.5
"""The collection filter goes into the FTS5 query when the asked collections hold less
than this share of the articles; otherwise hits are filtered afterwards."""
CACHE_SECONDS = 300.0
TITLE_WEIGHT = 0.5
TITLE_ARTICLES = 5
"""Best-matching titles whose passages are looked up even if their text scores lower."""
PER_TITLE = 5
MAX_TITLE_TERMS = 6
POSTINGS_BUDGET = 8000
"""About how many matching rows one keyword query scores at most (see the module notes)."""
TITLE_BUDGET = 2000
"""Only this many most recently added matching titles are scored for a question."""


class _Stemmer:
    """FTS5's own tokenizer (porter + unicode61) through a private in-memory table."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(f"CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = '{FTS_TOKENIZER}')")
        self._db.execute("CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')")
        self._lock = threading.Lock()
        self._cache: dict[str, str | None] = {}

    def stem(self, word: str) -> str | None:
        return self.stems([word])[word]

    def stems(self, words: Sequence[str]) -> dict[str, str | None]:
        """Each word's stem (its first token's, ``None`` if it has none); the words not
        seen before go through the tokenizer together, one row each, in three statements."""
        new = [w for w in dict.fromkeys(words) if w not in self._cache]
        if new:
            values = ", ".join("(?, ?)" for _ in new)  # one statement for all the words
            with self._lock:
                self._db.execute(
                    f"INSERT INTO t (rowid, x) VALUES {values}",
                    [value for pair in enumerate(new, 1) for value in pair],
                )
                rows = self._db.execute("SELECT doc, term FROM v ORDER BY doc, offset").fetchall()
                self._db.execute("DELETE FROM t")
            first: dict[int, str] = {}
            for doc, term in rows:
                first.setdefault(int(doc), str(term))
            if len(self._cache) > 100_000:
                self._cache.clear()
            for number, word in enumerate(new, 1):
                self._cache[word] = first.get(number)
        return {w: self._cache.get(w) for w in words}


_stemmer = _Stemmer()


def quoted(words: Sequence[str]) -> str:
    return " OR ".join(f'"{word}"' for word in words)


class _Counts:
    """Document frequencies and collection sizes, cached for ``CACHE_SECONDS`` (they only
    steer which words are queried and how, never which passages may be returned)."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, str], tuple[float, int]] = {}
        self._sizes: dict[str, tuple[float, dict[str, int]]] = {}
        self._totals: dict[str, tuple[float, int]] = {}
        self._recounting: dict[str, asyncio.Task[None]] = {}

    async def documents(self, store: Store, stems: Sequence[str]) -> dict[str, int]:
        now, key = time.monotonic(), str(store.path)
        missing = [
            s for s in stems if now - self._terms.get((key, s), (-1e9, 0))[0] > CACHE_SECONDS
        ]
        if missing:
            if len(self._terms) > 200_000:
                self._terms.clear()
            for stem, count in (await store.document_counts(missing)).items():
                self._terms[(key, stem)] = (now, count)
        return {s: self._terms[(key, s)][1] for s in stems}

    async def passages(self, store: Store) -> int:
        """Passages in the library, counted aside (own connection, worker thread); once
        known, an expired count is served while a fresh one is counted in the background,
        so no question waits for a count after the first."""
        now, key = time.monotonic(), str(store.path)
        cached = self._totals.get(key)
        if cached is None:
            cached = (now, await store.count_passages_aside())
            self._totals[key] = cached
        elif now - cached[0] > CACHE_SECONDS and key not in self._recounting:
            task = asyncio.create_task(self._recount(store, key))
            self._recounting[key] = task
            task.add_done_callback(lambda _: self._recounting.pop(key, None))
        return cached[1]

    async def wait_recounted(self) -> None:
        """Wait for passage counts running in the background, if any."""
        while self._recounting:
            await asyncio.gather(*list(self._recounting.values()), return_exceptions=True)

    async def _recount(self, store: Store, key: str) -> None:
        try:
            self._totals[key] = (time.monotonic(), await store.count_passages_aside())
        except Exception:  # a closed or moved store: counted again on the next question
            log.debug("recounting passages failed", exc_info=True)

    async def _collection_sizes(self, store: Store) -> dict[str, int]:
        now, key = time.monotonic(), str(store.path)
        cached = self._sizes.get(key)
        if cached is None or now - cached[0] > CACHE_SECONDS:
            cached = (now, await store.collection_sizes())
            self._sizes[key] = cached
        return cached[1]

    async def articles(self, store: Store) -> int:
        """Articles in the library (all collections)."""
        return sum((await self._collection_sizes(store)).values())

    async def collection_share(self, store: Store, collections: Sequence[str]) -> float:
        sizes = await self._collection_sizes(store)
        total = sum(sizes.values())
        wanted = sum(sizes.get(c, 0) for c in set(collections))
        return wanted / total if total else 1.0


_counts = _Counts()


async def wait_idle() -> None:
    """Wait for the keyword path's background work (a passage count refreshed after
    ``CACHE_SECONDS``), if any is running."""
    await _counts.wait_recounted()


async def _counted(store: Store, words: Sequence[str]) -> list[tuple[str, int]]:
    """``(word, passages holding its stem)`` of the distinct ``words`` (one word per stem,
    words no passage holds left out), rarest first."""
    stems: dict[str, str] = {}
    distinct = [w for w in dict.fromkeys(w.replace('"', "") for w in words) if w]
    for word, stem in _stemmer.stems(distinct).items():
        if stem and stem not in stems.values():
            stems[word] = stem
    counts = await _counts.documents(store, list(stems.values()))
    present = [(word, counts.get(stem, 0)) for word, stem in stems.items()]
    return sorted([pair for pair in present if pair[1] > 0], key=lambda pair: pair[1])


def _within_budget(counted: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The rarest of ``counted`` (rarest first) whose matches stay within
    ``POSTINGS_BUDGET`` together; at least the rarest one."""
    kept: list[tuple[str, int]] = []
    for word, count in counted:
        if kept and sum(c for _, c in kept) + count > POSTINGS_BUDGET:
            break
        kept.append((word, count))
    return kept


async def _informative(
    store: Store, words: Sequence[str], limit: int | None = None
) -> list[tuple[str, int]]:
    present = await _counted(store, words)
    ceiling = COMMON_SHARE * max(await _counts.passages(store), 1)
    rare = [pair for pair in present if pair[1] <= ceiling]
    return _within_budget((rare or present)[: MAX_TERMS if limit is None else limit])


async def informative_terms(
    store: Store, words: Sequence[str], limit: int | None = None
) -> list[str]:
    """The ``limit`` rarest of ``words`` (content words, stopwords already removed),
    by how many passages hold their stem; words no passage holds are dropped, and words
    in more than ``COMMON_SHARE`` of the passages too unless no other word is left; then
    only as many of the rarest as match at most ``POSTINGS_BUDGET`` passages together
    (at least one)."""
    return [word for word, _ in await _informative(store, words, limit)]


def _title_words(words: Sequence[str], counts: dict[str, int]) -> list[str]:
    """Up to ``MAX_TITLE_TERMS`` of the question's words for the title search, in question
    order; when their passages (``counts``, a stand-in for titles) exceed the budget, the
    most common are left out first (words no passage holds cost nothing and stay)."""
    chosen = [w.replace('"', "") for w in dict.fromkeys(words)][:MAX_TITLE_TERMS]
    chosen = [w for w in chosen if w]
    by_count = sorted(chosen, key=lambda w: counts.get(w, 0))
    kept = {word for word, _ in _within_budget([(w, counts.get(w, 0)) for w in by_count])}
    return [w for w in chosen if w in kept]


async def _title_search(
    store: Store, match: str, collections: Sequence[str], filter_after: bool, whole: bool
) -> list[tuple[int, float]]:
    """The best ``TITLE_ARTICLES * 4`` titles among the newest ``TITLE_BUDGET`` matching
    ones, the collection filtered inside FTS5 or after (``filter_after``; not at all when
    the asked collections are the ``whole`` library), as for passages."""
    wanted = TITLE_ARTICLES * 4
    # (a library of fewer articles cannot exceed the budget: no bound query)
    newest = TITLE_BUDGET if await _counts.articles(store) > TITLE_BUDGET else None
    if not filter_after:
        return await store.title_search(match, collections, wanted, newest=newest)
    found = await store.title_search(
        match, collections, 2 * wanted, newest=newest, filter_collections=False
    )
    return await _asked_hits(found, wanted, whole, store.articles_in_collections, collections)


async def _asked_hits(
    hits: list[tuple[int, float]],
    limit: int,
    whole: bool,
    owned: Callable[[Sequence[int], Sequence[str]], Awaitable[set[int]]],
    collections: Sequence[str],
) -> list[tuple[int, float]]:
    """The first ``limit`` of unfiltered ``hits`` that ``owned`` finds in ``collections``
    (all of them when the asked collections are the ``whole`` library)."""
    if whole:
        return hits[:limit]
    kept = await owned([i for i, _ in hits], collections)
    return [hit for hit in hits if hit[0] in kept][:limit]


async def keyword_search(
    store: Store,
    words: Sequence[str],
    collections: Sequence[str],
    limit: int,
    *,
    required: Sequence[str] = (),
) -> list[tuple[int, float]]:
    """``(passage_id, score)``, best (lowest) first: passages holding the informative
    ``words`` in their text or their article's title.

    With ``required``, only passages whose text holds one of those words count (a person's
    name); ``words`` then rank them and may also match in the title (a topic). A query
    that would score more than ``POSTINGS_BUDGET`` passages scores only the newest ones.
    """
    informative = await _informative(store, words)
    terms = [word for word, _ in informative]
    must = [w.replace('"', "") for w in dict.fromkeys(required) if w.replace('"', "")]
    if not terms and not must:
        return []
    must_matches = sum(count for _, count in await _counted(store, must))
    term_matches = sum(count for _, count in informative)
    if must and terms:
        text_match = f"({quoted(must)}) AND ({quoted(terms)})"
        matches = min(must_matches, term_matches)
    else:
        text_match = quoted(must or terms)
        matches = must_matches if must else term_matches
    newest = POSTINGS_BUDGET if matches > POSTINGS_BUDGET else None
    # the collections hold most passages: filter after matching (cheaper), and not at all
    # when they are the whole library (checked once for passages and titles)
    filter_after = await _counts.collection_share(store, collections) >= FILTER_BELOW
    whole = filter_after and await store.holds_only(collections)
    if not filter_after:
        scores = dict(await store.keyword_search(text_match, collections, limit, newest=newest))
    else:
        found = await store.keyword_search(
            text_match, collections, 2 * limit, filter_collections=False, newest=newest
        )
        scores = dict(await _asked_hits(found, limit, whole, store.in_collections, collections))
    counts = dict(await _counted(store, words))
    title_words = _title_words(words, counts)
    if title_words:  # titles are few (one row per article): every content word counts
        titles = dict(
            await _title_search(store, quoted(title_words), collections, filter_after, whole)
        )
        spans = await store.passage_spans(list(titles)[:TITLE_ARTICLES])
        title_only = quoted(must or terms or title_words)
        # passages of well-titled articles, scored on text (the titles' collections are
        # the asked ones, so their passages are too)
        for passage_id, score in await store.keyword_search_ranges(
            title_only, list(spans.values()), PER_TITLE
        ):
            scores.setdefault(passage_id, score)
        if titles:
            owners = await store.passage_articles(list(scores))
            for passage_id, article_pk in owners.items():
                scores[passage_id] += TITLE_WEIGHT * titles.get(article_pk, 0.0)
    return sorted(scores.items(), key=lambda hit: hit[1])[:limit]
