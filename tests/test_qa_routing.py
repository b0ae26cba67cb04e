"""The question router: who and which office a question names, and what it expects."""

from __future__ import annotations

import pytest

from index.library import Library
from index.models import ArticleInput
from index.qa.features import (
    AMOUNT,
    DATE,
    NUMBER,
    PERSON,
    PLACE,
    answer_type,
    has_type,
    named_entities,
)
from index.qa.routing import route


@pytest.mark.parametrize(
    "question",
    [
        "Why is Kim going to Russia?",
        "When will construction of the Elm Street bike lanes begin?",
        "How big is the Fort Nelson fire?",
        "Who did Obama meet with?",
        "Where did Trump hold the rally?",
    ],
)
def test_questions_naming_people_or_places_that_do_not_ask_what_they_said(question: str) -> None:
    routed = route(question)
    assert routed.names == ()
    assert routed.role == ()
    assert named_entities(question)  # the names become ranking features instead


def test_speech_questions_name_their_speaker() -> None:
    assert route("What did Obama say about Iran?").names == ("Obama",)
    assert route("What did Russian President Vladimir Putin say?").names == ("Vladimir Putin",)
    assert route("What did Obama say?").role == ()


@pytest.mark.parametrize(
    ("question", "role", "first"),
    [
        ("What did the French president say?", ("french", "president"), True),
        ("What did the finance minister say?", ("finance", "minister"), True),
        ("What did the Libyan leader say?", ("libyan", "leader"), True),
        ("What did the Foreign Ministry say?", ("foreign", "ministry"), False),
    ],
)
def test_role_questions(question: str, role: tuple[str, ...], first: bool) -> None:
    routed = route(question)
    assert routed.role == role
    assert routed.role_first is first


def test_named_entities() -> None:
    assert named_entities("Why is Kim going to Russia?") == ["Kim", "Russia"]
    assert named_entities("When is Black History Month?") == ["Black History Month"]
    assert named_entities("Which NFL team won Super Bowl 50?") == ["NFL", "Super Bowl 50"]
    assert named_entities("How much did the Department of Energy spend?") == [
        "Department of Energy"
    ]
    assert named_entities("What is the weather like?") == []


def test_answer_types() -> None:
    assert answer_type("How many people died?") == NUMBER
    assert answer_type("How much did it cost?") == AMOUNT
    assert answer_type("When will construction begin?") == DATE
    assert answer_type("In what year was it built?") == DATE
    assert answer_type("Who did Obama meet with?") == PERSON
    assert answer_type("Where did Trump hold the rally?") == PLACE
    assert answer_type("Why is Kim going to Russia?") is None
    assert has_type("It will cost $2.4 million.", AMOUNT)
    assert not has_type("It will be expensive.", AMOUNT)
    assert has_type("Work starts in March.", DATE)
    assert has_type("He met Angela Merkel.", PERSON)


ROLE_ARTICLE = ArticleInput(
    id="paris-talks",
    title="Talks on the trade deal continue in Paris",
    text=(
        "French President Emmanuel Macron said on Monday that the trade talks would go on "
        "until a deal was reached.\n\n"
        "German Chancellor Olaf Scholz said he was less hopeful about the timetable.\n\n"
        '"We will not give up on this agreement," Macron told reporters after the meeting.\n\n'
        "The talks resume on Friday in Brussels."
    ),
)


async def test_a_role_question_quotes_the_office_holder_with_the_speaker_label(
    library: Library,
) -> None:
    await library.ingest([ROLE_ARTICLE], collection="global")
    answer = await library.ask("What did the French president say?", collections=["global"])
    assert answer.answered
    assert {q.speaker for q in answer.quotes} == {"Emmanuel Macron"}
    assert any("We will not give up" in q.text for q in answer.quotes)
    other = await library.ask("What did the German chancellor say?", collections=["global"])
    assert other.quotes[0].speaker == "Olaf Scholz"
