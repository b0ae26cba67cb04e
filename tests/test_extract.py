"""Tests for index.extract: article text and metadata from hand-written HTML pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import BadArticle
from index.extract import extract_html

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def _read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_article_metadata_from_meta_tags() -> None:
    article = extract_html(_read("article.html"), origin="article.html")

    assert article.title == "Harbour council approves new ferry route"
    assert article.source == "The Coastal Ledger"
    assert article.author == "Marta Okonkwo"
    assert article.published == "2024-03-14"
    assert article.origin == "article.html"
    # No fetch URL given: the page's canonical URL is the article URL.
    assert article.url == "https://ledger.example.com/news/2024/ferry-route"


def test_article_text_is_paragraphs_separated_by_blank_lines() -> None:
    article = extract_html(_read("article.html"), origin="article.html")
    paragraphs = article.text.split("\n\n")

    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("The harbour council voted on Tuesday evening")
    # Source line breaks inside a <p> are joined with single spaces.
    assert "linking the old fish market" in paragraphs[0]
    assert paragraphs[1] == (
        '"This is the most important transport decision the town has made in a generation," '
        "said council chair Ines Valdez after the vote, which passed by seven votes to two."
    )
    assert paragraphs[-1].endswith("the council said in a statement.")
    assert all(p == p.strip() and "\n" not in p for p in paragraphs)


def test_article_text_leaves_out_boilerplate() -> None:
    text = extract_html(_read("article.html"), origin="article.html").text

    for boilerplate in ("Subscribe", "Home", "Reader1234", "SeaDog", "All rights reserved"):
        assert boilerplate not in text
    # The headline is the title, not the first paragraph; the byline is metadata.
    assert not text.startswith("Harbour council")
    assert "By Marta Okonkwo" not in text


def test_json_ld_metadata() -> None:
    article = extract_html(_read("jsonld_article.html"), origin="jsonld.html")

    assert article.title == "Library extends opening hours for exam season"
    assert article.source == "Valley Evening Post"
    assert article.author == "Tomasz Wren"
    assert article.published == "2023-11-02"
    assert article.text.split("\n\n") == [
        "The central library will stay open until ten at night from Monday, giving students "
        "a quiet place to revise during the exam season, the county announced.",
        "Librarian Oskar Lind said the extra hours would be staffed by volunteers and would "
        "cost the county nothing beyond heating and lighting the building.",
        "The late opening will continue until the last exam paper in June.",
    ]
    assert "Front page" not in article.text


def test_bytes_input_is_accepted() -> None:
    article = extract_html((FIXTURES / "article.html").read_bytes(), origin="article.html")
    assert article.source == "The Coastal Ledger"
    assert article.text.count("\n\n") == 4


def test_canonical_url_on_the_same_site_wins_over_the_fetched_url() -> None:
    article = extract_html(
        _read("article.html"),
        url="https://www.ledger.example.com/news/2024/ferry-route?utm_source=feed",
        origin="x",
    )
    assert article.url == "https://ledger.example.com/news/2024/ferry-route"


def test_canonical_url_on_another_site_is_ignored() -> None:
    # A page must not pass itself off as another outlet's article.
    fetched = "https://copycat.example.net/stolen/ferry"
    article = extract_html(_read("article.html"), url=fetched, origin=fetched)
    assert article.url == fetched


def test_navigation_only_page_is_a_bad_article() -> None:
    with pytest.raises(BadArticle, match=r"^nav_only\.html: no article text found"):
        extract_html(_read("nav_only.html"), origin="nav_only.html")


@pytest.mark.parametrize("html", ["", "   \n ", b""])
def test_empty_input_is_a_bad_article(html: str | bytes) -> None:
    with pytest.raises(BadArticle, match=r"^empty\.html: the page is empty"):
        extract_html(html, origin="empty.html")
