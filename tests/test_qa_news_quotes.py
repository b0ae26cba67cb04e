"""A headline (or any lone short paragraph) matches a news question's words but rarely
holds its answer: it is quoted with the sentences that follow it (issue #8, "news answers
are often in the sentence after the one that matches the question")."""

from __future__ import annotations

from index.answer import CONTEXT_CHARS
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
PROTEST = ArticleInput(
    id="rally-protest",
    title="Protester removed from Dayton rally",
    source="Harbor Times",
    published="2026-06-25",
    text=(
        "A protester climbed onto the stage at the Dayton rally on Saturday and was carried "
        "away by security officers.\n\n"
        "Police later named him as Kelsey Atkinson, a 24-year-old student from Springfield.\n\n"
        "The rally resumed after a short pause, and the crowd of about 3,000 stayed to the end."
    ),
)
BRIDGE = ArticleInput(
    id="harbor-bridge",
    title="Harbor bridge to reopen after repairs",
    source="Harbor Times",
    published="2026-06-26",
    text=(
        "The Harbor bridge will reopen to traffic in May, Transport Secretary Ann Marsh "
        "said on Monday.\n\n"
        "“We were promised the same thing last year, and nothing happened,” said Tom Bell, "
        "who runs the ferry across the harbor.\n\n"
        "The repairs have cost the city more than $40 million so far."
    ),
)
DETOUR = ArticleInput(
    id="harbor-detour",
    title="Buses detoured while the Harbor bridge is closed",
    source="Harbor Times",
    published="2026-06-27",
    text=(
        "“While the Harbor bridge is closed, every bus will be detoured via Harbor Road,” "
        "said Dana Okafor, the city's transport director.\n\n"
        "The bridge carries about 40,000 cars a day and was built in 1962.\n\n"
        "Repairs are expected to last until the spring."
    ),
)


def test_a_headline_is_quoted_with_the_sentences_after_it() -> None:
    text = AD.text
    start, end = general_span(text, 0, text.index("\n"))
    assert start == 0
    assert "during Sunday's football final." in text[start:end]


def test_a_quote_runs_on_into_the_next_paragraph() -> None:
    text = PROTEST.text
    first = text.index("\n")
    start, end = general_span(text, 0, first)
    assert text[start:end].startswith("A protester climbed")
    assert "Kelsey Atkinson" in text[start:end]


def test_a_quote_never_grows_past_the_longest_quote() -> None:
    text = "One long sentence that goes on. " * 8 + "\n\n" + "Another sentence here. " * 12
    first = text.index("\n") - 1
    start, end = general_span(text, 0, first)
    assert end - start <= CONTEXT_CHARS
    assert text[start:end].count("Another") == 10  # whole sentences, as many as fit


def test_a_passage_starting_mid_paragraph_takes_the_sentence_before() -> None:
    text = "The council met on Tuesday. It voted to close the pool. The vote was 5 to 2."
    middle = text.index("It voted")
    start, end = general_span(text, middle, text.index(" The vote"))
    assert (start, end) == (0, len(text))


def test_growth_stops_where_keep_says_so() -> None:
    text = PROTEST.text
    stop = text.index("Kelsey")
    start, end = general_span(text, 0, text.index("\n"), keep=lambda _s, e: e <= stop)
    assert "Kelsey" not in text[start:end]


async def test_the_answer_after_a_matching_headline_is_quoted(library: Library) -> None:
    await library.ingest([AD], collection="global")
    answer = await library.ask(
        "On which station will the first Spanish-language campaign ad air?", collections=["global"]
    )
    assert answer.answered
    assert "Radio Onda" in answer.quotes[0].text


async def test_the_answer_in_the_next_paragraph_is_quoted(library: Library) -> None:
    await library.ingest([PROTEST], collection="global")
    answer = await library.ask(
        "Who was the protester carried away from the stage at the Dayton rally?",
        collections=["global"],
    )
    assert answer.answered
    assert answer.quotes[0].text.startswith("A protester climbed onto the stage")
    assert "Kelsey Atkinson" in answer.quotes[0].text


async def test_a_labelled_quote_never_runs_into_another_speakers_words(
    library: Library,
) -> None:
    await library.ingest([BRIDGE], collection="global")
    attributions = await library.store.attributions_in([1])
    assert {a.speaker for a in attributions} == {"Ann Marsh", "Tom Bell"}
    answer = await library.ask("When will the Harbor bridge reopen?", collections=["global"])
    assert answer.answered
    marsh = next(q for q in answer.quotes if "reopen to traffic in May" in q.text)
    assert marsh.speaker == "Ann Marsh"
    assert "promised" not in marsh.text


async def test_no_label_stands_over_the_next_paragraph(library: Library) -> None:
    """The paragraph after a statement is the reporter's: under the speaker's label it
    would read as theirs, so a quote running on into it is shown without the label."""
    await library.ingest([DETOUR], collection="global")
    answer = await library.ask(
        "Where will buses go while the Harbor bridge is closed?", collections=["global"]
    )
    assert answer.answered
    okafor = next(q for q in answer.quotes if "Harbor Road" in q.text)
    assert "40,000 cars" in okafor.text  # the answer's next paragraph is quoted too
    assert okafor.speaker is None
