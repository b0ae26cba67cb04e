"""Ingest -> ask round trips on real components: bundled model, SQLite, FAISS."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from index.attribution import ATTRIBUTION_RULES
from index.config import Settings
from index.errors import ArticleNotFound, IndexMismatch, NewsbotError, ReindexInProgress
from index.library import Library
from index.models import ArticleInput
from tests.articles import HARBOR, ORCHARD, SYNDICATED_A, SYNDICATED_B
from tests.conftest import HashingEmbedder

SEED_ID = "bi-2023-09-05-putin-kim-jong-un"
JSON_KEYS = {
    "article_id",
    "title",
    "source",
    "url",
    "published",
    "paragraph",
    "start",
    "end",
    "text",
    "speaker",
    "score",
}


async def test_fresh_install_answers_marks_with_his_own_words(seeded_library: Library) -> None:
    answer = await seeded_library.ask("What did Marks say?", collections=["global"])
    assert answer.answered
    first = answer.quotes[0]
    assert first.article_id == SEED_ID
    assert "Additional weapons from North Korea to Russia?" in first.text
    assert "not going to strategically alter the outcome" in first.text
    assert "Marks" in (first.speaker or "")
    for quote in answer.quotes:
        assert "Hertling" not in (quote.speaker or "")
        assert "scrambling for help" not in quote.text


async def test_answer_json_contract_is_verbatim(seeded_library: Library) -> None:
    article = await seeded_library.get_article(SEED_ID, collections=["global"])
    answer = await seeded_library.ask("How many tanks did Russia lose?", collections=["global"])
    line = json.loads(json.dumps(answer.to_json()))
    assert set(line) == {"question", "answered", "quotes"}
    assert line["answered"] is True
    for quote in line["quotes"]:
        assert set(quote) == JSON_KEYS
        assert quote["text"] == article.text[quote["start"] : quote["end"]]
        assert quote["source"] == "Business Insider"
        assert quote["published"] == "2023-09-05"
    assert "two-thirds of its tanks" in line["quotes"][0]["text"]


async def test_ingest_then_ask_round_trip(library: Library) -> None:
    report = await library.ingest([HARBOR, ORCHARD], collection="global")
    assert [i.status for i in report.ingested] == ["added", "added"]
    answer = await library.ask("What did Whitfield say about the cables?", collections=["global"])
    assert answer.answered
    assert answer.quotes[0].article_id == "harbor-bridge"
    assert "patching cables" in answer.quotes[0].text
    assert answer.quotes[0].speaker == "Dana Whitfield"
    frost = await library.ask("How did the frost affect apple blossoms?", collections=["global"])
    assert frost.quotes[0].article_id == "orchard-frost"


async def test_unrelated_question_is_not_answered(library: Library) -> None:
    await library.ingest([HARBOR, ORCHARD], collection="global")
    answer = await library.ask(
        "What is the boiling point of liquid nitrogen?", collections=["global"]
    )
    assert not answer.answered
    assert answer.quotes == ()
    assert "couldn't find" in (answer.message or "")


async def test_reingest_updates_instead_of_duplicating(library: Library) -> None:
    await library.ingest([HARBOR], collection="global")
    again = await library.ingest([HARBOR], collection="global")
    assert again.ingested[0].status == "unchanged"
    edited = ArticleInput(**{**HARBOR.__dict__, "text": HARBOR.text + "\n\nThe mayor agreed."})
    updated = await library.ingest([edited], collection="global")
    assert updated.ingested[0].status == "updated"
    # Same URL without an id, and same text without id or URL: both update, never duplicate.
    by_url = ArticleInput(title=HARBOR.title, text=HARBOR.text, url=HARBOR.url)
    assert (await library.ingest([by_url], collection="global")).ingested[0].article_id == (
        "harbor-bridge"
    )
    pasted = ArticleInput(title="Pasted copy", text=ORCHARD.text)
    first = await library.ingest([pasted], collection="global")
    second = await library.ingest([pasted], collection="global")
    assert second.ingested[0].article_id == first.ingested[0].article_id
    assert second.ingested[0].status == "unchanged"
    assert await library.count_articles(collections=["global"]) == 2


async def test_removed_article_is_never_quoted(library: Library) -> None:
    await library.ingest([HARBOR, ORCHARD], collection="global")
    removed = await library.remove_article("harbor-bridge", collection="global")
    assert removed.title == HARBOR.title
    for question in ("What did Whitfield say?", "When will the Harbor Bridge close?"):
        answer = await library.ask(question, collections=["global"])
        assert all(q.article_id != "harbor-bridge" for q in answer.quotes)
    with pytest.raises(ArticleNotFound, match="harbor-bridge"):
        await library.remove_article("harbor-bridge", collection="global")


async def test_reindex_gives_the_same_answers(library: Library) -> None:
    await library.ingest([HARBOR, ORCHARD], collection="global")
    questions = ["What did Whitfield say?", "How did frost damage the orchards?"]
    before = [(await library.ask(q, collections=["global"])).to_json() for q in questions]
    report = await library.reindex()
    assert report.articles == 2
    after = [(await library.ask(q, collections=["global"])).to_json() for q in questions]
    assert after == before


async def test_second_reindex_while_one_runs_is_refused(library: Library) -> None:
    await library.ingest([HARBOR], collection="global")
    gate = __import__("asyncio").Event()

    async def slow_progress(done: int, total: int) -> None:
        await gate.wait()

    first = __import__("asyncio").create_task(library.reindex(progress=slow_progress))
    await __import__("asyncio").sleep(0.5)
    with pytest.raises(ReindexInProgress, match="already running"):
        await library.reindex()
    # Questions keep working while the first reindex is paused.
    answer = await library.ask("What did Whitfield say?", collections=["global"])
    assert answer.answered
    gate.set()
    await first


async def test_collections_do_not_leak(library: Library) -> None:
    await library.ingest([HARBOR], collection="guild:1")
    await library.ingest([ORCHARD], collection="guild:2")
    answer = await library.ask("What did Whitfield say?", collections=["guild:2", "global"])
    assert all(q.article_id != "harbor-bridge" for q in answer.quotes)
    assert await library.count_articles(collections=["guild:2"]) == 1
    with pytest.raises(ArticleNotFound):
        await library.get_article("harbor-bridge", collections=["guild:2", "global"])
    visible = await library.ask("What did Whitfield say?", collections=["guild:1"])
    assert visible.quotes[0].article_id == "harbor-bridge"


async def test_syndicated_copies_are_shown_once_citing_both(library: Library) -> None:
    await library.ingest([SYNDICATED_A, SYNDICATED_B], collection="global")
    answer = await library.ask("When will the library stay open late?", collections=["global"])
    assert answer.answered
    first = answer.quotes[0]
    cited = {first.article_id, *(c.article_id for c in first.also_in)}
    assert cited == {"wire-a", "wire-b"}
    texts = [q.text for q in answer.quotes]
    assert len(texts) == len(set(texts))


async def test_follow_up_is_limited_to_given_articles(library: Library) -> None:
    await library.ingest([HARBOR, ORCHARD], collection="global")
    answer = await library.ask(
        "What do the growers fear?", collections=["global"], article_ids=["orchard-frost"]
    )
    assert answer.quotes and all(q.article_id == "orchard-frost" for q in answer.quotes)


async def test_crash_between_database_and_index_write_loses_nothing(
    settings: Settings, embedder: object
) -> None:
    library = await Library.open(settings, embedder=embedder)
    await library.ingest([HARBOR], collection="global")
    await library.close()
    # Simulate a crash right after the database commit: the index file is never saved.
    library = await Library.open(settings, embedder=embedder)

    async def crash_before_saving() -> None:
        raise RuntimeError("killed")

    library._save_dirty = crash_before_saving  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await library.ingest([ORCHARD], collection="global")
    await library.store.close()
    reopened = await Library.open(settings, embedder=embedder)
    try:
        answer = await reopened.ask("What damaged the apple blossoms?", collections=["global"])
        assert answer.quotes[0].article_id == "orchard-frost"
        stats = await reopened.stats()
        assert stats.vectors == stats.passages
    finally:
        await reopened.close()


async def test_corrupt_index_file_is_rebuilt(settings: Settings, embedder: object) -> None:
    library = await Library.open(settings, embedder=embedder)
    await library.ingest([HARBOR], collection="global")
    await library.close()
    paths = list(settings.vectors_dir.glob("*.main")) + list(settings.vectors_dir.glob("*.state"))
    assert paths
    for path in paths:
        path.write_bytes(b"garbage")
    reopened = await Library.open(settings, embedder=embedder)
    try:
        answer = await reopened.ask("What did Whitfield say?", collections=["global"])
        assert answer.quotes[0].article_id == "harbor-bridge"
    finally:
        await reopened.close()


async def test_other_model_needs_reindex(settings: Settings, embedder: object) -> None:
    library = await Library.open(settings, embedder=embedder)
    await library.ingest([HARBOR], collection="global")
    await library.close()
    other = await Library.open(settings, embedder=HashingEmbedder())
    try:
        with pytest.raises(IndexMismatch, match="newsbot reindex"):
            await other.ask("What did Whitfield say?", collections=["global"])
        await other.reindex()
        # a person question: answered from statements whatever the (fake) model's cosines
        answer = await other.ask("What did Whitfield say?", collections=["global"])
        assert answer.quotes[0].article_id == "harbor-bridge"
        assert (await other.stats()).dimension == 64
    finally:
        await other.close()


async def test_removed_seed_is_not_added_back(seeded_settings: Settings, embedder: object) -> None:
    library = await Library.open(seeded_settings, embedder=embedder)
    await library.remove_article(SEED_ID, collection="global")
    await library.close()
    reopened = await Library.open(seeded_settings, embedder=embedder)
    try:
        assert await reopened.count_articles(collections=["global"]) == 0
    finally:
        await reopened.close()


def test_seed_file_is_the_documented_format() -> None:
    seed = json.loads(
        (Path(__file__).parent.parent / "seeds" / "putin-kim-jong-un.json").read_text()
    )
    assert {"id", "title", "text", "source", "published", "url", "author"} <= set(seed)
    assert seed["source"] == "Business Insider"


async def test_two_processes_sharing_a_data_directory_see_each_others_writes(
    settings: Settings, embedder: object
) -> None:
    first = await Library.open(settings, embedder=embedder)
    second = await Library.open(settings, embedder=embedder)
    try:
        await first.ingest([HARBOR], collection="global")
        seen = await second.ask("What did Whitfield say?", collections=["global"])
        assert seen.quotes[0].article_id == "harbor-bridge"
        await second.ingest([ORCHARD], collection="global")
        await first.remove_article("harbor-bridge", collection="global")
        frost = await first.ask("What did Ilves say about the frost?", collections=["global"])
        assert frost.quotes[0].article_id == "orchard-frost"
        gone = await second.ask("When will the Harbor Bridge close?", collections=["global"])
        assert all(q.article_id != "harbor-bridge" for q in gone.quotes)
        stats = await second.stats()
        assert stats.vectors == stats.passages
    finally:
        await first.close()
        await second.close()


async def test_concurrent_ingests_of_one_article_do_not_collide(library: Library) -> None:
    import asyncio

    first, second = await asyncio.gather(
        library.ingest([HARBOR, ORCHARD], collection="global"),
        library.ingest([HARBOR], collection="global"),
    )
    assert not first.failures and not second.failures
    assert await library.count_articles(collections=["global"]) == 2
    stats = await library.stats()
    assert stats.vectors == stats.passages


async def test_questions_during_removal_never_quote_a_removed_article(library: Library) -> None:
    import asyncio

    await library.ingest([HARBOR, ORCHARD], collection="global")

    async def ask_many() -> list:
        return [
            await library.ask("What did Whitfield say about cables?", collections=["global"])
            for _ in range(10)
        ]

    answers, _ = await asyncio.gather(
        ask_many(), library.remove_article("harbor-bridge", collection="global")
    )
    article = await library.get_article("orchard-frost", collections=["global"])
    for answer in answers:
        for quote in answer.quotes:
            assert quote.text  # never an empty or stale quote
            if quote.article_id == "orchard-frost":
                assert quote.text == article.text[quote.start : quote.end]


async def test_invalid_unicode_and_overlong_questions_are_refused(library: Library) -> None:
    broken = ArticleInput(title="Broken", text="Valid words and then \ud800 a lone surrogate here.")
    report = await library.ingest([broken, HARBOR], collection="global")
    assert [i.article_id for i in report.ingested] == ["harbor-bridge"]
    assert "not valid Unicode" in report.failures[0].reason
    with pytest.raises(NewsbotError, match="under 1,000"):
        await library.ask("why " * 400, collections=["global"])


async def test_members_cannot_replace_someone_elses_article(library: Library) -> None:
    await library.ingest([HARBOR], collection="guild:1", added_by="alice")
    forged = ArticleInput(**{**HARBOR.__dict__, "text": HARBOR.text + "\n\nForged ending."})
    refused = await library.ingest(
        [forged], collection="guild:1", added_by="bob", replace_others=False
    )
    assert not refused.ingested
    assert "added by someone else" in refused.failures[0].reason
    same = await library.ingest(
        [HARBOR], collection="guild:1", added_by="bob", replace_others=False
    )
    assert same.ingested[0].status == "unchanged"
    updated = await library.ingest([forged], collection="guild:1", added_by="admin")
    assert updated.ingested[0].status == "updated"
    article = await library.get_article("harbor-bridge", collections=["guild:1"])
    assert article.added_by == "alice"  # an update keeps who added it


async def test_reindex_of_one_collection_leaves_the_others(library: Library) -> None:
    await library.ingest([HARBOR], collection="guild:1")
    await library.ingest([ORCHARD], collection="guild:2")
    report = await library.reindex(collections=["guild:1"])
    assert report.articles == 1
    answer = await library.ask("What did Ilves say?", collections=["guild:2"])
    assert answer.quotes[0].article_id == "orchard-frost"


async def test_attributions_from_older_rules_are_rederived_on_open(
    seeded_settings: Settings, embedder: object
) -> None:
    """A data directory written by an older newsbot gets today's attributions on open."""
    library = await Library.open(seeded_settings, embedder=embedder)
    await library.close()
    # Simulate attributions stored by older rules: one wrong speaker, an old version.
    with sqlite3.connect(seeded_settings.database_path) as db:
        db.execute("UPDATE attributions SET speaker = 'Mark Hertling', surname = 'hertling'")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'attribution_rules'")
    library = await Library.open(seeded_settings, embedder=embedder)
    try:
        answer = await library.ask("What did Marks say?", collections=["global"])
        assert answer.answered
        assert answer.quotes[0].speaker == 'James "Spider" Marks'
        assert all(q.speaker != "Mark Hertling" for q in answer.quotes)
        assert await library.store.get_meta("attribution_rules") == str(ATTRIBUTION_RULES)
    finally:
        await library.close()


async def test_a_cut_short_name_is_completed_to_the_one_speaker_it_begins(
    seeded_library: Library,
) -> None:
    answer = await seeded_library.ask("What did Hertl say?", collections=["global"])
    assert answer.answered
    assert answer.quotes[0].speaker == "Mark Hertling"
    unknown = await seeded_library.ask("What did Zzyx say?", collections=["global"])
    assert not unknown.answered
