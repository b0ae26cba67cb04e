"""Bounded keyword scoring at scale: terms within a postings budget, only the newest
matches scored when a query is over it, and person questions that skip mention searches
their attributed articles already make useless (real SQLite FTS5)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from index import keyword
from index.config import Settings
from index.keyword import informative_terms, keyword_search
from index.library import Library
from index.models import ArticleInput
from index.qa import candidates
from index.store import Store
from tests.conftest import HashingEmbedder


def _article(number: int, text: str, title: str | None = None) -> ArticleInput:
    return ArticleInput(id=f"a{number}", title=title or f"Report {number}", text=text)


async def _library(settings: Settings, articles: list[ArticleInput]) -> Library:
    library = await Library.open(settings, embedder=HashingEmbedder())
    for article in articles:  # one at a time: ids grow with the order of adding
        report = await library.ingest([article], collection="global")
        assert report.ingested, report.failures
    return library


async def test_newest_scores_only_the_most_recently_added_matches(settings: Settings) -> None:
    texts = [f"The ferry schedule changed again in week {i} of the season." for i in range(12)]
    library = await _library(settings, [_article(i, t) for i, t in enumerate(texts)])
    store = library.store
    try:
        everything = await store.keyword_search('"ferry"', ["global"], 50)
        newest = await store.keyword_search('"ferry"', ["global"], 50, newest=5)
        assert len(everything) == 12
        assert sorted(pid for pid, _ in newest) == sorted(pid for pid, _ in everything)[-5:]
        # fewer matches than the bound: nothing is cut
        assert len(await store.keyword_search('"ferry"', ["global"], 50, newest=100)) == 12
        titles = await store.title_search('"report"', ["global"], 50, newest=3)
        assert len(titles) == 3
        assert (
            sorted(pk for pk, _ in titles)
            == sorted(pk for pk, _ in await store.title_search('"report"', ["global"], 50))[-3:]
        )
    finally:
        await library.close()


async def test_terms_are_kept_rarest_first_within_the_budget(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        f"Harbor crews met early on the morning of day {i} to plan the works." for i in range(6)
    ]
    texts += [
        "Harbor crews found a corroded cable under the old bridge deck.",
        "A quokka crossed the harbor cable while the crews watched it go.",
    ]
    library = await _library(settings, [_article(i, t) for i, t in enumerate(texts)])
    try:
        words = ["harbor", "cable", "quokka"]  # in 8, 2 and 1 passages
        monkeypatch.setattr(keyword, "COMMON_SHARE", 1.0)
        assert await informative_terms(library.store, words) == ["quokka", "cable", "harbor"]
        monkeypatch.setattr(keyword, "POSTINGS_BUDGET", 3)
        assert await informative_terms(library.store, words) == ["quokka", "cable"]
        monkeypatch.setattr(keyword, "POSTINGS_BUDGET", 0)
        assert await informative_terms(library.store, words) == ["quokka"]  # at least one
    finally:
        await library.close()


async def test_a_common_required_name_scores_only_its_newest_passages(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"Senator Okafor spoke about the budget in town {i}." for i in range(10)]
    library = await _library(settings, [_article(i, t) for i, t in enumerate(texts)])
    store = library.store
    try:
        everything = await keyword_search(store, [], ["global"], 50, required=["okafor"])
        assert len(everything) == 10
        monkeypatch.setattr(keyword, "POSTINGS_BUDGET", 4)
        bounded = await keyword_search(store, [], ["global"], 50, required=["okafor"])
        newest = sorted(pid for pid, _ in everything)[-4:]
        assert sorted(pid for pid, _ in bounded) == newest
    finally:
        await library.close()


async def test_person_questions_skip_mention_searches_when_attributions_suffice(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = [
        _article(
            i,
            f'"The harbor needs new cables before winter {i}," said Dana Whitfield, the city\'s '
            "chief engineer.\n\nFerries will run every fifteen minutes during the closure.",
            title=f"Harbor works, part {i}",
        )
        for i in range(3)
    ]
    library = await _library(settings, articles)
    calls: list[Sequence[str]] = []
    searched = candidates.keyword_search

    async def counted(
        store: Store, words: Sequence[str], *args: Any, **kwargs: Any
    ) -> list[tuple[int, float]]:
        calls.append(words)  # the person path's own searches (not the general one)
        return await searched(store, words, *args, **kwargs)

    monkeypatch.setattr(candidates, "keyword_search", counted)
    try:
        question = "What did Whitfield say about the cables?"
        wide = await library.ask(question, collections=["global"])
        assert wide.answered and calls  # fewer attributed articles than the cap: searched
        monkeypatch.setattr(candidates, "MAX_PERSON_ARTICLES", 3)
        calls.clear()
        capped = await library.ask(question, collections=["global"])
        assert capped.answered and not calls  # three attributed articles fill the cap
        assert [q.text for q in capped.quotes] == [q.text for q in wide.quotes]
    finally:
        await library.close()


async def test_title_search_filters_collections_after_matching_when_they_hold_most(
    settings: Settings,
) -> None:
    library = await Library.open(settings, embedder=HashingEmbedder())
    text = "Crews replaced the corroded cables of the harbor bridge in spring, month {}."
    try:
        for number in range(4):
            report = await library.ingest(
                [_article(number, text.format(number), title=f"Harbor cables, part {number}")],
                collection="big",
            )
            assert report.ingested
        await library.ingest(
            [_article(9, text.format(9), title="Harbor cables elsewhere")], collection="small"
        )
        store = library.store
        hits = await keyword.keyword_search(store, ["harbor", "cables"], ["big"], 50)
        owners = await store.passages(pid for pid, _ in hits)
        assert hits and {p.collection for p in owners.values()} == {"big"}
        unfiltered = await store.title_search('"harbor"', ["big"], 50, filter_collections=False)
        assert len(unfiltered) == 5  # every collection's titles: the caller filters
        kept = await store.articles_in_collections([pk for pk, _ in unfiltered], ["big"])
        assert len(kept) == 4
        small = await keyword.keyword_search(store, ["harbor", "cables"], ["small"], 50)
        assert {p.collection for p in (await store.passages(i for i, _ in small)).values()} == {
            "small"
        }
        probes = [("titles_fts", '"elsewhere"'), ("passages_fts", '"quokka"')]
        assert (await store.matches_exist(probes, ["small"]))[0]
        assert await store.matches_exist(probes, ["big"]) == [False, False]
    finally:
        await library.close()


async def test_article_texts_reads_several_articles_at_once(settings: Settings) -> None:
    texts = [
        f"The ferry timetable for the coming week number {i} was published today." for i in (0, 1)
    ]
    library = await _library(settings, [_article(i, t) for i, t in enumerate(texts)])
    try:
        pks = sorted((await library.store.articles_by_pk(list(range(1, 10)))).keys())
        found = await candidates.article_texts(library.store, [pks[1], 999, pks[0]])
        assert found == {pks[1]: texts[1], 999: "", pks[0]: texts[0]}  # a removed one: ""
    finally:
        await library.close()


async def test_passages_of_articles_cut_from_articles_already_read(settings: Settings) -> None:
    texts = [
        "The ferry timetable changed.\n\nCrews will repaint the harbor bridge in May this year.",
        "Orchards lost blossoms to frost.\n\nGrowers expect a smaller apple harvest this autumn.",
    ]
    library = await _library(settings, [_article(i, t) for i, t in enumerate(texts)])
    store = library.store
    try:
        articles = await store.articles_by_pk(list(range(1, 10)))
        pks = sorted(articles)
        joined = await store.passages_of_articles(pks)
        assert await store.passages_of_articles(pks, articles) == joined
        assert all(len(joined[pk]) > 1 for pk in pks)
        partial = {pks[0]: articles[pks[0]]}  # not every article given: read as before
        assert await store.passages_of_articles(pks, partial) == joined
    finally:
        await library.close()


def test_words_are_stemmed_together_as_fts5_stems_each() -> None:
    words = ["running", "o'brien", "ferries", "état", "x-ray", "-", "Running", "naïve"]
    together = keyword._Stemmer().stems(words)
    alone = {word: keyword._Stemmer().stems([word])[word] for word in words}
    assert together == alone
    assert together["running"] == together["Running"] == "run"
    assert together["o'brien"] == "o" and together["-"] is None and together["état"] == "etat"


async def test_ranges_are_searched_in_one_query_as_one_by_one(settings: Settings) -> None:
    texts = [
        f"The harbor ferry ran late on day {i}.\n\nCrews said the harbor bridge cables "
        f"were replaced in week {i} of the repairs."
        for i in range(4)
    ]
    library = await _library(settings, [_article(i, t) for i, t in enumerate(texts)])
    store = library.store
    try:
        spans = list((await store.passage_spans([1, 2, 3, 4])).values())
        assert len(spans) == 4 and all(low < high for low, high in spans)
        one_by_one = []
        for span in spans[1:3]:
            one_by_one += await store.keyword_search(
                '"harbor" OR "cables"', ["global"], 1, passage_range=span
            )
        together = await store.keyword_search_ranges('"harbor" OR "cables"', spans[1:3], 1)
        assert together == one_by_one and len(together) == 2
        assert await store.keyword_search_ranges('"harbor"', [], 5) == []
    finally:
        await library.close()


async def test_titles_are_bounded_only_in_a_library_larger_than_the_budget(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"The harbor ferry timetable changed again in week {i} of the year." for i in range(4)]
    library = await _library(settings, [_article(i, t) for i, t in enumerate(texts)])
    bounds: list[int | None] = []
    searched = Store.title_search

    async def recorded(self: Store, *args: Any, newest: int | None = None, **kwargs: Any) -> Any:
        bounds.append(newest)
        return await searched(self, *args, newest=newest, **kwargs)

    monkeypatch.setattr(Store, "title_search", recorded)
    try:
        hits = await keyword_search(library.store, ["report", "harbor"], ["global"], 10)
        assert hits and bounds == [None]  # 4 articles: nothing to bound
        monkeypatch.setattr(keyword, "TITLE_BUDGET", 2)
        bounded = await keyword_search(library.store, ["report", "harbor"], ["global"], 10)
        assert bounds == [None, 2] and bounded
    finally:
        await library.close()


async def test_attributions_by_surname_keep_to_the_collections(settings: Settings) -> None:
    def said(number: int) -> ArticleInput:
        return _article(
            number,
            f'"The harbor needs new cables before winter {number}," said Dana Whitfield, '
            "the city's chief engineer.",
        )

    library = await Library.open(settings, embedder=HashingEmbedder())
    store = library.store
    try:
        for number, collection in enumerate(["one", "two", "one", "two", "one"]):
            report = await library.ingest([said(number)], collection=collection)
            assert report.ingested
        everything = await store.attributions_by_surname(["whitfield"], ["one", "two"], 100)
        assert len(everything) == 5
        one = await store.attributions_by_surname(["whitfield"], ["one"], 100)
        owners = await store.articles_by_pk([a.article_pk for a in one])
        assert len(one) == 3 and {a.collection for a in owners.values()} == {"one"}
        newest = await store.attributions_by_surname(["whitfield"], ["one"], 2)
        assert newest == one[-2:]  # the newest two, oldest first
        assert await store.attributions_by_surname(["whitfield"], ["one"]) == one  # no limit
        assert await store.attributions_by_surname(["whitfield"], ["three"], 100) == []
    finally:
        await library.close()


async def test_the_library_size_is_counted_aside_and_refreshed_in_the_background(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting every passage (0.2 s at 1M) never runs on the shared connection, and once
    the count is known an expired one is served while a fresh one is counted."""
    texts = [f"Snow closed the mountain pass for day {i} of the storm." for i in range(3)]
    library = await _library(settings, [_article(i, t) for i, t in enumerate(texts)])
    store = library.store
    try:
        assert await store.count_passages_aside() == await store.count_passages() == 3
        assert await store.count_passages_aside("global") == 3
        counts = keyword._Counts()
        assert await counts.passages(store) == 3
        await library.ingest(
            [_article(9, "Ferries ran late all week in the harbor.")], collection="global"
        )
        monkeypatch.setattr(keyword, "CACHE_SECONDS", 0.0)
        assert await counts.passages(store) == 3  # the expired count, served at once
        for _ in range(100):  # the background recount lands
            if await counts.passages(store) == 4:
                break
            await asyncio.sleep(0.01)
        assert await counts.passages(store) == 4
    finally:
        await library.close()


async def test_existence_probes_answer_together_per_collection(settings: Settings) -> None:
    library = await Library.open(settings, embedder=HashingEmbedder())
    store = library.store
    try:
        first = _article(0, "Harbor cranes stood idle all week while the dock workers met.")
        assert (await library.ingest([first], collection="a")).ingested
        probes = [
            ("passages_fts", '"harbor"'),
            ("passages_fts", '"orchard"'),
            ("titles_fts", '"report"'),
            ("passages_fts", '"harbor" AND'),  # FTS5 cannot parse it: not found, others are
        ]
        # the library holds only "a": one unfiltered statement decides
        assert await store.matches_exist(probes, ["a"]) == [True, False, True, False]
        assert await store.matches_exist(probes, ["b"]) == [False] * 4
        assert await store.holds_only(["a"]) and not await store.holds_only(["b"])
        second = _article(1, "Orchard growers sold cider at the autumn market on Saturday.")
        assert (await library.ingest([second], collection="b")).ingested
        # two collections: what matches elsewhere is not found here
        assert not await store.holds_only(["a"])
        assert await store.matches_exist(probes, ["a"]) == [True, False, True, False]
        assert await store.matches_exist(probes, ["b"]) == [False, True, True, False]
        assert await store.matches_exist(probes, ["a", "b"]) == [True, True, True, False]
        assert await store.matches_exist(probes, []) == [False] * 4
        assert await store.holds_only(["b", "a"]) and not await store.holds_only(["b"])
        # a collection sorting between the asked ones is found as well
        third = _article(2, "Quokka keepers counted the island's animals on Monday morning.")
        assert (await library.ingest([third], collection="ab")).ingested
        assert not await store.holds_only(["a", "b"])
        quokka = [("passages_fts", '"quokka"')]
        assert await store.matches_exist(quokka, ["a", "b"]) == [False]
        assert await store.matches_exist(quokka, ["a", "ab", "b"]) == [True]
        assert await store.holds_only(["a", "ab", "b"])
    finally:
        await library.close()
