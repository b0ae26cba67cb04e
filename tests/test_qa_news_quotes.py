"""A headline (or any lone short paragraph) matches a news question's words but rarely
holds its answer: it is quoted with the sentences that follow it (issue #8, "news answers
are often in the sentence after the one that matches the question")."""

from __future__ import annotations

from index.library import Library
from index.models import ArticleInput
from index.qa.ranking import general_span

AD = ArticleInput(
    id="spanish-ad",
    title="Mayor unveils first Spanish-language campaign ad",
    source="Harbor Times",
    published="2026-06-24",
    text=(
        "Mayor unveils first Spanish-language campaign ad.\n\n"
        "Mayor Alan Kim released his first Spanish-language campaign ad on Friday, "
        "featuring residents telling their family stories. The 60-second spot will air "
        "on Radio Onda during Sunday's football final.\n\n"
        "The campaign did not say how much it paid for the airtime."
    ),
)


def test_a_headline_is_quoted_with_the_sentences_after_it() -> None:
    text = AD.text
    start, end = general_span(text, 0, text.index("\n"), None)
    assert start == 0
    assert text[start:end].endswith("during Sunday's football final.")


def test_a_long_paragraph_is_not_grown_into_the_next() -> None:
    text = "One long sentence that goes on. " * 8 + "\n\nAnother paragraph."
    first = text.index("\n") - 1
    start, end = general_span(text, 0, first, None)
    assert "Another" not in text[start:end]


async def test_the_answer_after_a_matching_headline_is_quoted(library: Library) -> None:
    await library.ingest([AD], collection="global")
    answer = await library.ask(
        "On which station will the first Spanish-language campaign ad air?", collections=["global"]
    )
    assert answer.answered
    assert "Radio Onda" in answer.quotes[0].text
