"""Tests for the pure helpers of :mod:`index.answer` that pick and order a person's passages.

All sentences, names and articles here are invented; nothing loads a model or a database.
"""

from __future__ import annotations

import pytest

from index.answer import (
    ScoredStatement,
    is_byline,
    mentions_name,
    names_in_full,
    overlaps_any,
    rank_statements,
    unrepeated,
)
from index.store import StoredPassage

# --------------------------------------------------------------------------- mentions_name


def test_multi_word_name_is_not_matched_by_another_first_name() -> None:
    assert mentions_name("Press secretary Jay Carney spoke first.", ["Dave Carney"]) is False


@pytest.mark.parametrize(
    "text",
    [
        "Strategist Dave Carney spoke first.",
        "Mr. Carney said no.",
        "Sen. Carney said no.",
        "Gov. Carney said no.",
        "Dr Carney said no.",
        "The Carney campaign said no.",
        "The report by Carney was late.",
        "Carney said no.",
    ],
)
def test_multi_word_name_matches_itself_titles_and_the_bare_surname(text: str) -> None:
    assert mentions_name(text, ["Dave Carney"]) is True


@pytest.mark.parametrize(
    "text", ["Press secretary Jay Carney spoke first.", "Strategist Dave Carney spoke first."]
)
def test_surname_alone_matches_any_first_name(text: str) -> None:
    assert mentions_name(text, ["Carney"]) is True


@pytest.mark.parametrize(
    "text",
    ["The carney ran the wheel.", "The carneys packed up.", "The Carneyville fair opened."],
)
def test_surname_must_be_a_capitalised_whole_word(text: str) -> None:
    assert mentions_name(text, ["Carney"]) is False


def test_organisation_names_follow_the_same_rule() -> None:
    assert mentions_name("The Security Council met.", ["Human Rights Council"]) is False
    assert mentions_name("The Human Rights Council met.", ["Human Rights Council"]) is True


@pytest.mark.parametrize(
    "text",
    [
        "Reporters asked KARNEY about it.",  # case ignored
        "Reporters asked Karnéy about it.",  # accents ignored
        "Reporters asked “Karney” about it.",  # non-ASCII text around an ASCII surname
    ],
)
def test_surname_is_found_whatever_its_case_accents_and_the_text_around_it(text: str) -> None:
    assert mentions_name(text, ["Karney"]) is True


def test_surname_case_is_ignored_as_the_regex_engine_ignores_it() -> None:
    # "ı" (dotless i) is an "i" with case ignored, though "ı".lower() is no "i"
    assert mentions_name("Reporters asked Karnıy about it.", ["Karniy"]) is True
    assert mentions_name("Reporters asked Karnıy about it.", ["Karney"]) is False


def test_any_of_several_names_and_no_names() -> None:
    assert mentions_name("Dave Carney left.", ["Ula Brecht", "Dave Carney"]) is True
    assert mentions_name("Dave Carney left.", []) is False
    assert mentions_name("", ["Dave Carney"]) is False


@pytest.mark.parametrize("text", ["But Carney said no.", "When Carney arrived, the vote began."])
def test_sentence_opener_before_the_surname_is_not_another_first_name(text: str) -> None:
    assert mentions_name(text, ["Dave Carney"]) is True


def test_mentions_name_ignores_accents() -> None:
    assert mentions_name("Lina Orvay García spoke.", ["Lina Orvay Garcia"]) is True


# --------------------------------------------------------------------------- names_in_full


def test_names_in_full_ignores_case_accents_and_spacing() -> None:
    assert names_in_full("Lina Orvay García spoke.", ["Lina Orvay Garcia"]) is True
    assert names_in_full("LINA ORVAY GARCIA spoke.", ["Lina Orvay Garcia"]) is True
    assert names_in_full("Lina\nOrvay  García spoke.", ["Lina Orvay Garcia"]) is True
    assert names_in_full("Conan O’Dell spoke.", ["Conan O'Dell"]) is True


def test_names_in_full_needs_every_word() -> None:
    assert names_in_full("Lina Orvay spoke.", ["Lina Orvay Garcia"]) is False
    assert names_in_full("Jay Carney spoke.", ["Dave Carney"]) is False


def test_names_in_full_matches_whole_words_only() -> None:
    assert names_in_full("Armed Services committees met.", ["Armed Services Committee"]) is False
    assert names_in_full("Armed Services Committee met.", ["armed services committee"]) is True
    assert names_in_full("Dave Carneyson spoke.", ["Dave Carney"]) is False


def test_names_in_full_any_of_several_names() -> None:
    assert names_in_full("Jay Carney spoke.", ["Dave Carney", "Jay Carney"]) is True
    assert names_in_full("Jay Carney spoke.", []) is False
    assert names_in_full("Jay Carney spoke.", ["..."]) is False


# --------------------------------------------------------------------------- rank_statements


def _passage(article_pk: int, start: int) -> StoredPassage:
    return StoredPassage(
        id=article_pk * 100 + start,
        article_pk=article_pk,
        collection="test",
        article_id=f"article-{article_pk}",
        title=f"Article {article_pk}",
        source=None,
        url=None,
        published=None,
        paragraph=0,
        start=start,
        end=start + 40,
        text="x" * 40,
    )


def _statement(
    article_pk: int, start: int, kind: str, score: float, *, acts: bool = False
) -> ScoredStatement:
    speaker = None if kind == "mention" else "Dave Carney"
    return ScoredStatement(
        article_pk=article_pk,
        start=start,
        end=start + 40,
        speaker=speaker,
        kind=kind,
        passage=_passage(article_pk, start),
        score=score,
        acts=acts,
    )


def _order(statements: list[ScoredStatement]) -> list[tuple[int, int]]:
    return [(s.article_pk, s.start) for s in statements]


def test_without_topic_attributed_article_beats_a_closer_mention() -> None:
    mention = _statement(1, 0, "mention", 0.95, acts=True)
    said = _statement(2, 0, "reported", 0.20)
    ranked = rank_statements([mention, said], {1: "Dock strike", 2: "Dock strike"}, [])
    assert _order(ranked) == [(2, 0), (1, 0)]


def test_without_topic_acting_mention_article_beats_a_bare_one() -> None:
    bare = _statement(1, 0, "mention", 0.70)
    acting = _statement(2, 0, "mention", 0.50, acts=True)
    ranked = rank_statements([bare, acting], {}, [])
    assert _order(ranked) == [(2, 0), (1, 0)]


def test_within_an_article_statements_then_acting_then_bare_mentions() -> None:
    statements = [
        _statement(1, 0, "mention", 0.90),
        _statement(1, 50, "mention", 0.10, acts=True),
        _statement(1, 100, "direct", 0.20),
        _statement(1, 200, "reported", 0.80),
        _statement(1, 300, "mention", 0.95),
    ]
    # Without a topic: attributed statements in article order, then acting, then bare mentions.
    assert _order(rank_statements(statements, {1: "Dock strike"}, [])) == [
        (1, 100),
        (1, 200),
        (1, 50),
        (1, 0),
        (1, 300),
    ]
    # With a topic: the same tiers, each by score.
    assert _order(rank_statements(statements, {1: "Dock strike"}, ["harbor"])) == [
        (1, 200),
        (1, 100),
        (1, 50),
        (1, 300),
        (1, 0),
    ]


def test_with_topic_the_article_titled_with_the_topic_ranks_first() -> None:
    statements = [
        _statement(1, 0, "reported", 0.90),
        _statement(1, 100, "direct", 0.85),
        _statement(2, 0, "reported", 0.30),
    ]
    titles = {1: "City budget vote delayed", 2: "Harbor dredging plan stalls"}
    ranked = rank_statements(statements, titles, ["harbor", "dredging"])
    assert _order(ranked) == [(2, 0), (1, 0), (1, 100)]


def test_with_topic_title_words_beat_an_attributed_article_without_them() -> None:
    statements = [_statement(1, 0, "reported", 0.90), _statement(2, 0, "mention", 0.40)]
    titles = {1: "City budget vote delayed", 2: "Harbor dredging plan stalls"}
    ranked = rank_statements(statements, titles, ["harbor", "dredging"])
    assert _order(ranked) == [(2, 0), (1, 0)]


def test_rank_statements_of_nothing() -> None:
    assert rank_statements([], {}, ["harbor"]) == []


# --------------------------------------------------------------------------- overlaps_any


def test_overlaps_any_uses_half_open_spans() -> None:
    spans = [(5, 10), (20, 30)]
    assert overlaps_any(0, 5, spans) is False
    assert overlaps_any(10, 20, spans) is False
    assert overlaps_any(0, 6, spans) is True
    assert overlaps_any(9, 12, spans) is True
    assert overlaps_any(25, 26, spans) is True
    assert overlaps_any(0, 40, spans) is True
    assert overlaps_any(0, 40, []) is False


def test_titles_middle_names_and_apostrophes_still_name_the_person() -> None:
    assert mentions_name("President Trump said no.", ["Donald Trump"])
    assert mentions_name("Secretary Clinton said no.", ["Hillary Clinton"])
    assert mentions_name("Hillary Rodham Clinton said no.", ["Hillary Clinton"])
    assert mentions_name("Rep. Tip O’Neil said no.", ["Tip O'Neil"])
    assert not mentions_name("Jay Carney said no.", ["Dave Carney"])


ARTICLE = "One sentence here. Two sentence here. Three sentence here. Four sentence here."


def test_later_quotes_do_not_repeat_earlier_text() -> None:
    two_end = ARTICLE.index(" Three")
    one_two = (0, two_end)  # sentences 1-2 (a passage grown by its next sentence)
    assert unrepeated(ARTICLE, ARTICLE.index("Two"), ARTICLE.index(" Four"), [one_two]) == (
        ARTICLE.index("Three"),
        ARTICLE.index(" Four"),
    )
    assert unrepeated(ARTICLE, ARTICLE.index("Two"), two_end, [one_two]) is None


def test_a_later_quote_running_into_an_earlier_one_stops_before_it() -> None:
    three_four = (ARTICLE.index("Three"), len(ARTICLE))
    span = unrepeated(ARTICLE, 0, len(ARTICLE), [three_four])
    assert span is not None
    assert ARTICLE[span[0] : span[1]] == "One sentence here. Two sentence here."


def test_reporting_credits_are_bylines() -> None:
    assert is_byline("Julie Hirschfeld Davis reported from Midway Atoll.")
    assert is_byline("Ana Ruiz contributed reporting from Lagos.")
    assert not is_byline("Ana Ruiz reported that the mill would close.")
    assert not is_byline("The mill closed, Ana Ruiz reported from the scene.")


def test_without_a_topic_a_mention_holding_a_quotation_comes_first() -> None:
    from dataclasses import replace

    headline = _statement(1, 0, "mention", 0.9, acts=True)
    quoted = _statement(1, 100, "mention", 0.1, acts=True)
    quoted = replace(
        quoted, passage=quoted.passage._replace(text="“We will win the vote,” X sings.")
    )
    ranked = rank_statements([headline, quoted], {1: "Article"}, [])
    assert [s.start for s in ranked] == [100, 0]
