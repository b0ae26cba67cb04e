"""Hostile input (issue 12): each item found by fault injection, as a regression test.

Every bad input gets a clear :class:`NewsbotError` message naming it, and the good
articles of the same batch still go in. Plumbing tests use the fast hashing embedder;
the tokenizer tests use the real model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from index.chunking import chunk_article, passage_budget
from index.config import Settings
from index.errors import BadArticle
from index.extract import MAX_HTML_ELEMENTS, extract_html
from index.library import Library
from index.loaders import load_bytes
from index.models import ArticleInput
from index.validate import MAX_ID_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS
from tests.articles import HARBOR, ORCHARD
from tests.cli_run import newsbot_env, run_newsbot
from tests.conftest import HashingEmbedder

GOOD_TEXT = (
    "The council approved the new budget on Tuesday after a long debate. "
    "Spending on parks will rise by a tenth, the mayor said."
)


@pytest.fixture
async def fast_library(settings: Settings) -> AsyncIterator[Library]:
    lib = await Library.open(settings, embedder=HashingEmbedder())
    yield lib
    await lib.close()


def _good(number: int) -> dict[str, str]:
    return {"id": f"good-{number}", "title": f"Good article {number}", "text": GOOD_TEXT}


# -- item 1: JSON integers longer than Python converts --------------------------------


async def test_item1_json_integer_of_5000_digits_is_refused_by_name_good_files_go_in(
    fast_library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    huge = "9" * 5000
    (folder / "a_good.json").write_text(json.dumps(_good(1)))
    (folder / "b_bad_id.json").write_text(f'{{"id": {huge}, "title": "T", "text": "{GOOD_TEXT}"}}')
    (folder / "c_unused_field.json").write_text(
        f'{{"title": "Unused number", "text": "{GOOD_TEXT} Again.", "views": -{huge}}}'
    )
    (folder / "d_lines.jsonl").write_text(
        json.dumps(_good(2)) + f'\n{{"id": {huge}, "title": "T", "text": "x"}}\n'
    )
    report = await fast_library.ingest_paths([folder], collection="global")

    assert sorted(item.article_id for item in report.ingested if "good" in item.article_id) == [
        "good-1",
        "good-2",
    ]
    assert any(item.title == "Unused number" for item in report.ingested)
    failures = {f.origin: f.reason for f in report.failures}
    assert failures == {
        str(folder / "b_bad_id.json"): "'id' is a number of 5,000 digits; at most 100 are accepted",
        f"{folder / 'd_lines.jsonl'}:2": "'id' is a number of 5,000 digits; "
        "at most 100 are accepted",
    }


async def test_item1_huge_json_integer_through_the_upload_path(fast_library: Library) -> None:
    data = (json.dumps(_good(3)) + "\n" + '{"title": 1' + "0" * 10_000 + "}\n").encode()
    report = await fast_library.ingest_file(data, "upload.jsonl", collection="global")
    assert [item.article_id for item in report.ingested] == ["good-3"]
    assert [(f.origin, f.reason) for f in report.failures] == [
        ("upload.jsonl:2", "missing 'text' (the article body)")
    ]


# -- item 2: lone surrogates (and NUL) in metadata --------------------------------------


@pytest.mark.parametrize("field", ["id", "url", "source", "author", "published", "title"])
async def test_item2_lone_surrogate_in_metadata_is_refused_rest_of_batch_kept(
    fast_library: Library, field: str
) -> None:
    bad = dataclasses.replace(HARBOR, **{field: "caf\udce9"}, origin="bad.json")
    report = await fast_library.ingest([bad, ORCHARD], collection="global")
    assert [item.article_id for item in report.ingested] == ["orchard-frost"]
    [failure] = report.failures
    assert failure.origin == "bad.json"
    assert "not valid Unicode" in failure.reason and "U+DCE9" in failure.reason


async def test_item2_lone_surrogate_from_a_json_escape(fast_library: Library) -> None:
    data = (
        json.dumps({"id": "x", "title": "T", "author": "\ud800", "text": GOOD_TEXT})
        + "\n"
        + json.dumps(_good(4))
    ).encode()
    report = await fast_library.ingest_file(data, "escapes.jsonl", collection="global")
    assert [item.article_id for item in report.ingested] == ["good-4"]
    assert report.failures[0].origin == "escapes.jsonl:1"
    assert "'author'" in report.failures[0].reason


@pytest.mark.parametrize("field", ["id", "title"])
async def test_item9_nul_in_title_or_id_is_refused(fast_library: Library, field: str) -> None:
    bad = dataclasses.replace(HARBOR, **{field: "bad\x00value"}, origin="nul.json")
    report = await fast_library.ingest([bad, ORCHARD], collection="global")
    assert [item.article_id for item in report.ingested] == ["orchard-frost"]
    assert report.failures[0].origin == "nul.json"
    assert "NUL" in report.failures[0].reason or "U+0000" in report.failures[0].reason


# -- metadata bounds (item 7's "bound titles and other metadata") ------------------------


async def test_item9_one_megabyte_id_and_long_url_are_refused(fast_library: Library) -> None:
    long_id = dataclasses.replace(HARBOR, id="x" * 1_000_000, origin="long-id.json")
    long_url = dataclasses.replace(
        ORCHARD, url="https://example.org/" + "a" * MAX_URL_CHARS, origin="long-url.json"
    )
    report = await fast_library.ingest([long_id, long_url], collection="global")
    assert not report.ingested
    reasons = {f.origin: f.reason for f in report.failures}
    assert reasons["long-id.json"] == (
        f"the 'id' is 1,000,000 characters long; the limit is {MAX_ID_CHARS}"
    )
    assert reasons["long-url.json"].startswith("the 'url' is 2,020 characters long")


async def test_long_title_is_cut_at_a_word_boundary(fast_library: Library) -> None:
    title = "Budget " * 20_000  # 140,000 characters
    report = await fast_library.ingest(
        [dataclasses.replace(HARBOR, title=title, author="Ann " * 100)], collection="global"
    )
    [item] = report.ingested
    assert len(item.title) <= MAX_TITLE_CHARS
    assert item.title.endswith("Budget…")
    stored = await fast_library.get_article("harbor-bridge", collections=["global"])
    assert stored.title == item.title
    assert stored.author is not None and len(stored.author) <= 200


# -- item 3: questions that are not text, or too long -------------------------------------


async def test_item3_invalid_utf8_question_is_a_clear_error(library: Library) -> None:
    await library.ingest([HARBOR], collection="global")
    with pytest.raises(BadArticle, match="not valid text"):
        await library.ask("What did Whitfield say \udcff?", collections=["global"])
    answer = await library.ask("What did Whitfield say?", collections=["global"])
    assert answer.answered  # the library still answers after the refused question


@pytest.mark.parametrize(
    "question",
    ["\x01\x02\x7f?", "🙂" * 300, "ﷺ" * 200, "\u202eWhat did Whitfield say?", "a\u0300" * 600],
)
async def test_item3_odd_questions_reach_the_real_tokenizer_safely(
    library: Library, question: str
) -> None:
    await library.ingest([HARBOR], collection="global")
    answer = await library.ask(question, collections=["global"])
    for quote in answer.quotes:
        assert HARBOR.text[quote.start : quote.end] == quote.text


# -- item 4: HTML extraction bounded by the page's size ------------------------------------


def test_item4_200000_paragraph_page_is_refused_before_extraction() -> None:
    html = "<p>Word.</p>" * 200_000  # 2.4 MB; used to take 88 s and 820 MB in trafilatura
    with pytest.raises(BadArticle) as refused:
        extract_html(html, url="https://example.org/flood", origin="flood.html")
    assert str(refused.value).startswith(
        f"flood.html: the page has 200,000 HTML elements; newsbot reads pages of at most "
        f"{MAX_HTML_ELEMENTS:,}"
    )


def test_item4_element_count_is_checked_after_parsing_too() -> None:
    # Few start tags in the markup but many elements once parsed is not possible to
    # fake; what is checked here is that a page just over the limit, in the count the
    # parser makes, is refused with the same message (upload path, .html bytes).
    html = "<html><body>" + "<span>a</span>" * (MAX_HTML_ELEMENTS + 1) + "</body></html>"
    loaded = load_bytes(html.encode(), "page.html")
    assert not loaded.articles
    [failure] = loaded.failures
    assert failure.origin == "page.html"
    assert f"HTML elements; newsbot reads pages of at most {MAX_HTML_ELEMENTS:,}" in (
        failure.reason
    )


def test_item4_thousands_of_inline_tags_in_one_paragraph_keep_their_text() -> None:
    # 29,000 <span> in one <p> cost 15 s of CPU in trafilatura (quadratic); their tags are
    # now dropped before extraction and the text runs joined (benchmarks/hostile.py times it).
    html = (
        "<html><body><article><p>"
        + "".join(f"<span>Word {n}.</span> " for n in range(29_000))
        + "</p></article></body></html>"
    )
    article = extract_html(html, origin="spans.html")
    assert article.text.startswith("Word 0. Word 1. Word 2.")
    assert article.text.endswith("Word 28999.")


# -- item 9: articles with no words; NFC/NFD copies; one-line paragraphs --------------------


@pytest.mark.parametrize(
    "text", ["\u200b" * 60, "." * 60, "\u200b\u200c\u2060" * 30 + "!?" * 20, "— " * 40]
)
async def test_item9_text_without_words_is_refused(fast_library: Library, text: str) -> None:
    report = await fast_library.ingest(
        [ArticleInput(title="Nothing", text=text, origin="empty.txt"), ORCHARD],
        collection="global",
    )
    assert [item.article_id for item in report.ingested] == ["orchard-frost"]
    assert report.failures[0].origin == "empty.txt"
    assert "letters or digits" in report.failures[0].reason or "only" in report.failures[0].reason


async def test_item9_nfc_and_nfd_copies_are_one_article(fast_library: Library) -> None:
    text = (
        "Le café de la gare a rouvert ses portes à Besançon après deux ans de travaux. "
        "« Nous avons gardé le comptoir d'origine », a déclaré Hélène Müller, la gérante."
    )
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    first = await fast_library.ingest(
        [ArticleInput(title="Café rouvert", text=nfd)], collection="global"
    )
    second = await fast_library.ingest(
        [ArticleInput(title=unicodedata.normalize("NFD", "Café rouvert"), text=text)],
        collection="global",
    )
    assert first.ingested[0].status == "added"
    assert second.ingested[0].status == "unchanged"
    assert second.ingested[0].article_id == first.ingested[0].article_id
    assert await fast_library.count_articles(collections=["global"]) == 1
    stored = await fast_library.get_article(first.ingested[0].article_id, collections=["global"])
    assert stored.text == nfd  # kept as first given: quotes stay verbatim, offsets match
    answer = await fast_library.ask("Who is Hélène Müller?", collections=["global"])
    for quote in answer.quotes:
        assert stored.text[quote.start : quote.end] == quote.text


async def test_item9_article_hashed_before_nfc_still_reindexes(
    fast_library: Library, settings: Settings
) -> None:
    nfd = unicodedata.normalize("NFD", "Le café rouvre. " * 10)
    [item] = (
        await fast_library.ingest([ArticleInput(title="Café", text=nfd)], collection="global")
    ).ingested
    legacy = hashlib.sha256(" ".join(nfd.split()).encode()).hexdigest()  # the old hash
    with sqlite3.connect(settings.database_path) as db:
        db.execute("UPDATE articles SET content_hash = ?", (legacy,))
    report = await fast_library.reindex()
    assert report.passages == item.passages > 0  # re-embedded, not skipped as "edited"
    again = await fast_library.ingest([ArticleInput(title="Café", text=nfd)], collection="global")
    assert again.ingested[0].status == "unchanged"  # the reindex stored the new hash


def test_item9_one_line_paragraphs_do_not_cost_one_passage_each() -> None:
    text = "\n".join(["Word."] * 50_000)  # 300,000 characters, 50,000 paragraphs
    passages = chunk_article(text)
    assert len(passages) <= passage_budget(text) < 50_000
    assert len(passages) < 1_200  # about 45 words a passage, like prose
    for passage in passages:
        assert text[passage.start : passage.end] == passage.text
    # each passage is cited by the paragraph it starts in
    assert [p.paragraph for p in passages[:3]] == [1, 46, 91]
    assert passages[-1].paragraph <= 50_000


def test_item9_ordinary_article_keeps_one_paragraph_per_passage() -> None:
    passages = chunk_article(HARBOR.text)
    assert [p.paragraph for p in passages] == [1, 2, 3, 4]
    assert all("\n" not in p.text for p in passages)


# -- found by the property tests ------------------------------------------------------------


def test_jsonl_line_with_a_raw_line_separator_is_one_article() -> None:
    # json.dumps(..., ensure_ascii=False) leaves U+2028 raw; it is not a JSON Lines break.
    line = json.dumps({"title": "T", "text": "First part.\u2028Second part."}, ensure_ascii=False)
    loaded = load_bytes((line + "\n" + json.dumps(_good(5))).encode(), "sep.jsonl")
    assert [a.origin for a in loaded.articles] == ["sep.jsonl:1", "sep.jsonl:2"]
    assert not loaded.failures


def test_jsonl_line_of_invalid_utf8_or_nul_is_refused_alone() -> None:
    good = json.dumps(_good(6)).encode()
    data = good + b"\n\x00\x00\x00\x80\xff\n" + good.replace(b"good-6", b"good-7")
    loaded = load_bytes(data, "mixed.jsonl")
    assert [a.id for a in loaded.articles] == ["good-6", "good-7"]
    assert [(f.origin, f.reason) for f in loaded.failures] == [
        ("mixed.jsonl:2", "not UTF-8 text; save the file as UTF-8")
    ]


# -- item 3 through the command line (a subprocess, the real model) -----------------------


def _newsbot_bytes(data_dir: Path, *args: bytes | str, stdin: bytes = b"") -> tuple[int, str, str]:
    result = run_newsbot(*args, env=newsbot_env(data_dir), stdin=stdin, text=False)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def test_item3_cli_questions_not_utf8_or_too_long_do_not_end_the_batch(tmp_path: Path) -> None:
    stdin = (
        b"What did Marks say?\n"
        b"What did Marks say about caf\xe9 \xff\xfe?\n"
        + b"x" * 1001
        + b"\nWho won the 1998 Tour de France?\n"
    )
    code, out, err = _newsbot_bytes(tmp_path / "data", "ask", "--json", stdin=stdin)
    assert "Traceback" not in err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 4  # one line per question, the refused ones included
    assert lines[0]["answered"] and "error" not in lines[0]
    assert "not valid text" in lines[1]["error"] and not lines[1]["quotes"]
    assert "1,001 characters long" in lines[2]["error"]
    assert lines[3]["question"] == "Who won the 1998 Tour de France?" and not lines[3]["answered"]
    assert code == 3  # some questions could not be asked

    code, out, err = _newsbot_bytes(tmp_path / "data", "ask", b"What did Marks say \xff?")
    assert code == 1 and not out
    assert err.startswith("newsbot: That question holds bytes that are not valid text")
    assert "Traceback" not in err
