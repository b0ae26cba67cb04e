"""An edited article without id or URL updates the stored one instead of duplicating it."""

from __future__ import annotations

from pathlib import Path

from index.library import Library
from index.models import ArticleInput
from index.revisions import is_revision, similarity
from tests.articles import HARBOR, ORCHARD


def test_a_small_edit_is_a_revision_and_another_text_is_not() -> None:
    edited = HARBOR.text.replace("bridge", "bridges", 1) + "\n\nThe mayor agreed."
    assert is_revision(HARBOR.text, edited)
    assert not is_revision(HARBOR.text, ORCHARD.text)
    assert similarity(HARBOR.text, HARBOR.text) == 1.0
    assert similarity("", HARBOR.text) == 0.0


async def test_an_edited_text_file_replaces_its_earlier_version(
    library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "harbor.txt"
    path.write_text(f"{HARBOR.title}\n\n{HARBOR.text}\n", encoding="utf-8")
    first = await library.ingest_paths([path], collection="global")
    path.write_text(f"{HARBOR.title}\n\n{HARBOR.text}\n\nThe mayor agreed on Friday.\n")
    second = await library.ingest_paths([path], collection="global")
    assert second.ingested[0].status == "updated"
    assert second.ingested[0].article_id == first.ingested[0].article_id
    assert await library.count_articles(collections=["global"]) == 1
    answer = await library.ask("When did the mayor agree?", collections=["global"])
    assert any("Friday" in quote.text for quote in answer.quotes)


async def test_a_different_article_under_a_reused_title_is_added(library: Library) -> None:
    await library.ingest(
        [ArticleInput(title="Daily briefing", text=HARBOR.text)], collection="global"
    )
    other = await library.ingest(
        [ArticleInput(title="Daily briefing", text=ORCHARD.text)], collection="global"
    )
    assert other.ingested[0].status == "added"
    assert await library.count_articles(collections=["global"]) == 2


async def test_someone_elses_same_titled_text_is_their_own_article(library: Library) -> None:
    mine = ArticleInput(title=HARBOR.title, text=HARBOR.text)
    theirs = ArticleInput(title=HARBOR.title, text=HARBOR.text + "\n\nA late correction.")
    await library.ingest([mine], collection="guild:1", added_by="alice")
    report = await library.ingest(
        [theirs], collection="guild:1", added_by="bob", replace_others=False
    )
    assert report.ingested[0].status == "added"
    assert await library.count_articles(collections=["guild:1"]) == 2
