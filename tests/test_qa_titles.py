"""Articles without a title: accepted, titled from their first sentence, marked as such."""

from __future__ import annotations

import json

from index.library import Library
from index.loaders import load_bytes
from index.models import ArticleInput
from index.titles import MAX_TITLE_CHARS, derive_title, with_title

TEXT = (
    "Construction of the Elm Street bike lanes will begin in March, the city council "
    "announced on Tuesday after a long debate about parking.\n\n"
    "The lanes will cost $2.4 million and run for three miles between the river and the "
    "university campus, said council member Ana Ortiz."
)


def test_derived_title_is_the_first_sentence_cut_at_a_word() -> None:
    title = derive_title(TEXT)
    assert len(title) <= MAX_TITLE_CHARS
    assert title.endswith("…")
    assert TEXT.startswith(title[:-1])
    assert TEXT[len(title) - 1] == " "  # the cut falls between words
    assert derive_title("Short news. More text here.") == "Short news."


def test_an_article_with_a_title_keeps_it() -> None:
    article = ArticleInput(title="Bike lanes", text=TEXT)
    assert with_title(article) is article
    untitled = with_title(ArticleInput(title="  ", text=TEXT))
    assert untitled.title_derived and untitled.title == derive_title(TEXT)


def test_json_with_a_null_title_loads() -> None:
    data = json.dumps({"id": "cnn-1", "title": None, "text": TEXT}).encode()
    loaded = load_bytes(data, "news.jsonl")
    assert not loaded.failures
    assert loaded.articles[0].title == ""


async def test_titleless_article_is_stored_answered_and_marked(library: Library) -> None:
    data = json.dumps({"id": "cnn-1", "title": None, "text": TEXT}).encode()
    report = await library.ingest_file(data, "news.jsonl", collection="global")
    assert not report.failures
    assert report.ingested[0].title == derive_title(TEXT)
    stored = await library.get_article("cnn-1", collections=["global"])
    assert stored.title_derived
    assert stored.title == derive_title(TEXT)
    again = await library.ingest_file(data, "news.jsonl", collection="global")
    assert again.ingested[0].status == "unchanged"
    answer = await library.ask(
        "When will construction of the Elm Street bike lanes begin?", collections=["global"]
    )
    assert answer.answered
    assert "in March" in answer.quotes[0].text
    assert answer.quotes[0].title == derive_title(TEXT)
