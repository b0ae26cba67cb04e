"""A question about what someone said, answered only by passages naming them, says so."""

from __future__ import annotations

from index.library import Library
from tests.test_qa_news_quotes import DETOUR


async def test_passages_naming_someone_who_is_not_quoted_carry_a_note(
    seeded_library: Library,
) -> None:
    answer = await seeded_library.ask("What did Putin say about Ukraine?", collections=["global"])
    assert answer.answered
    assert answer.note is not None and "No statement by Putin" in answer.note
    assert all(quote.speaker != "Putin" for quote in answer.quotes)


async def test_a_quoted_person_gets_no_such_note(seeded_library: Library) -> None:
    answer = await seeded_library.ask("What did Marks say?", collections=["global"])
    assert answer.answered and answer.note is None
    assert answer.quotes[0].speaker and "Marks" in answer.quotes[0].speaker


async def test_no_note_claims_mentions_of_someone_no_article_names(library: Library) -> None:
    """Asked about an office nobody in the articles holds, the answer abstains or says that
    no statement was found, never that the quoted passages mention that office."""
    await library.ingest([DETOUR], collection="global")
    answer = await library.ask(
        "What did the harbor master say about the detour?", collections=["global"]
    )
    assert all(quote.speaker != "harbor master" for quote in answer.quotes)
    if answer.answered:
        assert answer.note is not None and "No statement by" in answer.note
        assert "mention" not in answer.note
