"""The question router on hand-written news (issue #8), through ``Library.ask`` with the
real model and real SQLite: questions naming people or places without asking what they
said get the answer; role and organisation questions find the office holder's words with
the speaker label; questions about people or things no article mentions abstain."""

from __future__ import annotations

import re
import time

import pytest

from index.library import Library
from index.models import ArticleInput
from index.qa.roles import holds_office, office_holders, office_words, role_pattern
from index.qa.routing import route
from tests.newsroom import BUDGET, FIRE, KIM_TRIP, NEWSROOM, PENSIONS

RANKING = "ranking (pool model / quote growth), not the router: reported to the ranking owner"


@pytest.fixture
async def newsroom(library: Library) -> Library:
    await library.ingest(NEWSROOM, collection="global")
    return library


# --------------------------------------------------------------------------- named, not said


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When will construction of the Elm Street bike lanes begin?", "begin in June"),
        ("Who did Obama meet with?", "Tran Dai Quang"),
        ("Where did Obama arrive on Monday?", "Hanoi"),
        pytest.param(
            "Why is Kim going to Russia?",
            "seek food aid",
            marks=pytest.mark.xfail(reason=RANKING, strict=True),
        ),
        ("How big is the Fort Nelson fire?", "5,000 hectares"),
    ],
)
async def test_a_question_naming_someone_or_somewhere_gets_the_answer_first(
    newsroom: Library, question: str, expected: str
) -> None:
    answer = await newsroom.ask(question, collections=["global"])
    assert answer.answered, answer.message
    assert expected in answer.quotes[0].text, answer.quotes[0].text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Why is Kim going to Russia?", "seek food aid"),
        ("How big is the Fort Nelson fire?", "5,000 hectares"),
    ],
)
async def test_the_answer_is_among_the_first_quotes(
    newsroom: Library, question: str, expected: str
) -> None:
    """Weaker than the test above (which fails today): the answer is quoted, not only
    passages that mention the name, and no quote is labelled with a place."""
    answer = await newsroom.ask(question, collections=["global"])
    assert answer.answered
    assert any(expected in quote.text for quote in answer.quotes[:3]), expected
    assert {q.speaker for q in answer.quotes} <= {None, "Vladimir Putin", "Ron Dale"}


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("question", "speaker", "words"),
    [
        ("What did the finance minister say?", "Arun Jaitley", "trade between the two"),
        ("What did the Foreign Ministry say?", "Lu Kang", "keep the peace"),
        ("What did the Foreign Ministry spokesman say?", "Lu Kang", "keep the peace"),
        ("What did the Libyan leader say?", "Moammar Gadhafi", "die a martyr"),
        ("What did the French president say?", "Emmanuel Macron", "reform was necessary"),
        ("What did the Russian president say?", "Vladimir Putin", "friendship is growing"),
        ("What did the budget commissioner say?", "Helga Brandt", "spend money"),
        ("What did the head of the IMF say?", "Kristalina Georgieva", "biggest risk"),
        ("What did the IMF head say?", "Kristalina Georgieva", "biggest risk"),
        ("What did the minister of finance say?", "Arun Jaitley", "trade between the two"),
    ],
)
async def test_a_role_question_quotes_the_office_holder_with_the_label(
    newsroom: Library, question: str, speaker: str, words: str
) -> None:
    answer = await newsroom.ask(question, collections=["global"])
    assert answer.answered, answer.message
    assert answer.note is None
    first = answer.quotes[0]
    assert first.speaker == speaker
    assert any(words in q.text and q.speaker == speaker for q in answer.quotes), words


async def test_someone_speaking_about_an_office_does_not_hold_it(newsroom: Library) -> None:
    answer = await newsroom.ask("What did the budget commissioner say?", collections=["global"])
    assert "Tom Reyes" not in {q.speaker for q in answer.quotes}


def test_an_office_binds_to_the_name_next_to_it_only() -> None:
    commissioner = role_pattern(("budget", "commissioner"))
    assert holds_office(BUDGET.text, commissioner, "Helga Brandt")
    assert not holds_office(BUDGET.text, commissioner, "Tom Reyes")
    president = role_pattern(("french", "president"))
    assert holds_office(PENSIONS.text, president, "Emmanuel Macron")
    assert holds_office(
        "Jaitley, India's finance minister, spoke.",
        role_pattern(("finance", "minister")),
        "Arun Jaitley",
    )
    ministry = role_pattern(("foreign", "ministry"))
    assert holds_office("", ministry, "the Foreign Ministry")
    assert not holds_office(KIM_TRIP.text, role_pattern(("russian", "president")), "Kim Jong Un")


def test_office_holders_checks_each_speaker_only_where_their_name_is() -> None:
    """An article naming an office and 2,000 different people (146 KB) is read once, not
    once per speaker (11.6 s of CPU before; a generous bound on this process's CPU time,
    as in the attribution tests: speed itself is for benchmarks)."""
    names = [a + b + c for a in "BCDFG" for b in "aeiou" for c in "klmnprstvwxyz"][:300]
    names = [
        f"{first} {last}"
        for first in ("Ana", "Ben", "Cy", "Di", "Ed", "Flo", "Gus")
        for last in names
    ]
    text = (
        "\n\n".join(
            f"The finance minister met {name} today, and {name.split()[1]} said the plan was good."
            for name in names
        )
        + "\n\nFinance Minister Zed Quill said the plan was good."
    )
    started = time.process_time()
    held = office_holders(text, role_pattern(("finance", "minister")), [*names, "Zed Quill"])
    assert time.process_time() - started < 5.0
    assert held == {"Zed Quill"}


def test_an_office_of_something_is_found_either_way_round() -> None:
    imf = role_pattern(("head", "of", "imf"))
    assert imf.search("Kristalina Georgieva, the head of the IMF, warned")
    assert imf.search("IMF head Kristalina Georgieva warned")
    finance = role_pattern(("finance", "minister"))
    assert finance.search("Minister of Finance Arun Jaitley")
    assert finance.search("India's finance minister")
    assert not finance.search("the minister said finance was hard")


def test_a_nationality_also_matches_its_country() -> None:
    french = role_pattern(("french", "president"))
    assert french.search("France's President Emmanuel Macron said")
    assert french.search("Emmanuel Macron, the president of France, said")
    assert role_pattern(("president", "of", "france")).search("French President Macron said")
    assert not french.search("Russian President Vladimir Putin said")


SUMMIT = ArticleInput(
    id="lisbon-summit",
    title="Leaders meet in Lisbon on trade",
    source="Harbor Times",
    published="2026-06-28",
    text=(
        "Leaders of twelve countries met in Lisbon on Tuesday to discuss trade.\n\n"
        "“We will not accept new tariffs on our farmers,” France's president, Emmanuel "
        "Macron, told reporters after the meeting.\n\n"
        "The talks will continue in Madrid next month."
    ),
)


async def test_a_nationality_asked_about_is_known_where_its_country_is(library: Library) -> None:
    """The article says "France's president", never "French": the question is still about
    something it covers, so abstention does not drop the office holder's statement."""
    await library.ingest([SUMMIT], collection="global")
    answer = await library.ask("What did the French president say?", collections=["global"])
    assert answer.answered, answer.message
    assert answer.quotes[0].speaker == "Emmanuel Macron"
    assert "tariffs" in answer.quotes[0].text


async def test_the_president_of_a_country_is_its_national_president(newsroom: Library) -> None:
    answer = await newsroom.ask("What did the president of Russia say?", collections=["global"])
    assert answer.answered
    assert answer.quotes[0].speaker == "Vladimir Putin"


@pytest.mark.parametrize(
    ("question", "names", "role"),
    [
        ("What did the mayor of Fort Nelson say?", (), ("mayor", "of", "fort", "nelson")),
        ("What did the head of the IMF say?", (), ("head", "of", "imf")),
        ("What did the secretary of state say?", (), ("secretary", "of", "state")),
        ("What did Secretary of State John Kerry say?", ("John Kerry",), ()),
        ("What did the Bank of England say?", ("Bank of England",), ()),
    ],
)
def test_an_office_of_something_is_a_role_not_a_name(
    question: str, names: tuple[str, ...], role: tuple[str, ...]
) -> None:
    routed = route(question)
    assert (routed.names, routed.role) == (names, role)
    assert routed.role_first or not role


COMMITTEE = ArticleInput(
    id="harbor-committee",
    title="Harbor committee opens inquiry into dredging contract",
    source="Harbor Times",
    published="2026-06-02",
    text=(
        "Harbor Committee Chairman Piet Vos said on Monday that the dredging contract had "
        "cost twice the agreed price.\n\n"
        "The committee will question the contractor in July."
    ),
)


async def test_an_organisation_speaks_through_its_spokespeople_not_its_chairman(
    newsroom: Library,
) -> None:
    """ "What did the Harbor Committee say?" is not answered with its chairman's words as
    if they were the committee's (PolNeAR credits such statements to the person), while
    "the Foreign Ministry" speaks through its named spokesman."""
    await newsroom.ingest([COMMITTEE], collection="global")
    answer = await newsroom.ask("What did the Harbor Committee say?", collections=["global"])
    assert "Piet Vos" not in {q.speaker for q in answer.quotes}
    chairman = role_pattern(("harbor", "committee"))
    assert holds_office(COMMITTEE.text, chairman, "Piet Vos")
    assert not holds_office(COMMITTEE.text, chairman, "Piet Vos", spokespeople=True)
    ministry = role_pattern(("foreign", "ministry"))
    spokesman = "a Foreign Ministry spokesman, Lu Kang, said"
    assert holds_office(spokesman, ministry, "Lu Kang", spokespeople=True)
    assert holds_office(
        "Lu Kang, a Foreign Ministry spokesman, said", ministry, "Lu Kang", spokespeople=True
    )


FERRY = ArticleInput(
    id="ferry-returns",
    title="Harbor ferry returns after ten years",
    source="Tallbay Herald",
    published="2026-11-30",
    text=(
        "The ferry between Tallbay and Greenport returned on Monday after a ten-year pause, "
        "carrying 212 passengers on its first day.\n\n"
        '"It feels like the town has its heart back," said harbor master Lena Holt. She '
        "said the ferry would run four times a day until March.\n\n"
        "Tickets cost 6 dollars for adults and are free for children under twelve."
    ),
)


@pytest.mark.parametrize(
    ("question", "role"),
    [
        ("What did the harbor master say?", ("harbor", "master")),
        ("What did the city engineer say about the cracks?", ("city", "engineer")),
        ("What did the Harbor Master say?", ()),
        ("What did the report say?", ()),
    ],
)
def test_a_job_written_in_lower_case_is_asked_about_as_an_office(
    question: str, role: tuple[str, ...]
) -> None:
    routed = route(question)
    assert routed.role == role
    assert routed.role_first or not role


async def test_a_job_question_quotes_its_holder_without_a_note(newsroom: Library) -> None:
    """ "the harbor master" is Lena Holt ("said harbor master Lena Holt"): her words, under
    her name, with no note claiming that no statement of the harbor master was found."""
    await newsroom.ingest([FERRY], collection="global")
    answer = await newsroom.ask("What did the harbor master say?", collections=["global"])
    assert answer.answered, answer.message
    assert answer.note is None, answer.note
    assert answer.quotes[0].speaker == "Lena Holt"
    assert "heart back" in answer.quotes[0].text


def test_office_words_of_an_organisation_name() -> None:
    assert office_words(["Foreign Ministry"]) == ("foreign", "ministry")
    assert office_words(["Justice Department"]) == ("justice", "department")
    assert office_words(["Vladimir Putin"]) == ()
    assert office_words(["Ministry"]) == ()


# --------------------------------------------------------------------------- absent


@pytest.mark.parametrize(
    "question",
    [
        "What did Macron say?",
        "What did Merkel say?",
        "What did the German chancellor say?",
        "When is Black History Month?",
        "How many people died in the Lisbon earthquake?",
    ],
)
async def test_a_question_about_someone_or_something_no_article_mentions_abstains(
    library: Library, question: str
) -> None:
    await library.ingest([a for a in NEWSROOM if a is not PENSIONS], collection="global")
    answer = await library.ask(question, collections=["global"])
    assert not answer.answered, answer.quotes[0].text if answer.quotes else ""
    assert answer.message


async def test_the_same_person_is_answered_once_an_article_names_them(library: Library) -> None:
    await library.ingest([PENSIONS, FIRE], collection="global")
    answer = await library.ask("What did Macron say?", collections=["global"])
    assert answer.answered
    assert answer.quotes[0].speaker == "Emmanuel Macron"
    assert re.search(r"reform was necessary", answer.quotes[0].text)
