"""Each kind of bad input is refused with a message naming the file and the reason."""

from __future__ import annotations

import json
from pathlib import Path

from index.config import Settings
from index.library import Library
from index.loaders import load_bytes, load_paths


def _reasons(data: bytes, name: str) -> list[str]:
    loaded = load_bytes(data, name)
    assert not loaded.articles
    return [f"{f.origin}: {f.reason}" for f in loaded.failures]


def test_plain_text_first_line_is_title() -> None:
    loaded = load_bytes(b"# A headline\n\nFirst paragraph.\n\nSecond one.", "story.md")
    article = loaded.articles[0]
    assert article.title == "A headline"
    assert article.text == "First paragraph.\n\nSecond one."
    assert article.origin == "story.md"


def test_plain_text_starting_with_a_paragraph_has_no_title_and_keeps_it() -> None:
    first = (
        "The city council approved a new pier on Tuesday after a two-year debate, with five "
        "votes in favour and four against."
    )
    data = f"\n{first}\nCouncillor Ben Ortiz said the pier would bring ferries back.\n"
    article = load_bytes(data.encode(), "pier.txt").articles[0]
    assert article.title == ""  # derived from the first sentence at ingest
    assert article.text.startswith(first)
    assert article.text.endswith("bring ferries back.")
    quoted = load_bytes(f'"{first[:-1]}," she said.\nMore text here.'.encode(), "q.txt")
    assert quoted.articles[0].title == ""
    headline = "Finance minister defends budget cuts as unions plan strike"
    kept = load_bytes(f"{headline}\n\n{first}".encode(), "budget.txt").articles[0]
    assert (kept.title, kept.text) == (headline, first)
    short = load_bytes(b"Council backs pier.\nThe council voted on Tuesday.", "s.txt")
    assert short.articles[0].title == "Council backs pier."


async def test_a_text_file_without_a_title_is_quoted_from_its_first_sentence(
    library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "pier.txt"
    path.write_text(
        "The city council approved a new pier on Tuesday after a two-year debate, with five "
        "votes in favour and four against.\n\nCouncillor Ben Ortiz welcomed the vote.\n"
    )
    report = await library.ingest_paths([path], collection="global")
    assert report.ingested[0].title.startswith("The city council approved a new pier")
    (article,) = await library.list_articles(collections=["global"])
    assert article.title_derived and "five votes in favour" in article.text


def test_empty_binary_and_undecodable_files_are_refused() -> None:
    assert _reasons(b"   \n", "empty.txt") == ["empty.txt: the file is empty"]
    assert "binary file" in _reasons(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" * 20, "img.txt")[0]
    assert "only a title line" in _reasons(b"Just a title\n", "title.txt")[0]
    assert "unsupported file type '.pdf'" in _reasons(b"%PDF-1.4", "paper.pdf")[0]


def test_legacy_encoding_is_decoded() -> None:
    text = (
        "Caf\u00e9 owners say the r\u00e9gime\u2019s new tax is unfair.\n\n"
        "\u201cWe will close,\u201d said one."
    )
    loaded = load_bytes(("Headline\n" + text).encode("cp1252"), "old.txt")
    assert loaded.articles[0].text == text


def test_json_and_jsonl_report_bad_items_and_keep_good_ones() -> None:
    good = {"title": "T", "text": "Body of the article.", "id": "a1", "source": "Outlet"}
    lines = "\n".join([json.dumps(good), "{not json", json.dumps({"title": "No text"})])
    loaded = load_bytes(lines.encode(), "feed.jsonl")
    assert [a.id for a in loaded.articles] == ["a1"]
    reasons = {f.origin: f.reason for f in loaded.failures}
    assert reasons["feed.jsonl:2"].startswith("not valid JSON")
    assert reasons["feed.jsonl:3"] == "missing 'text' (the article body)"
    broken = load_bytes(b'{"title": "x", "text": ', "one.json")
    assert broken.failures[0].reason.startswith("not valid JSON")


def test_folder_skips_readme_and_reports_missing_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# About this folder\n\nNot news.")
    (tmp_path / "a.txt").write_text("Title A\n\nSome text about a council vote on parking.")
    loaded = load_paths([tmp_path, tmp_path / "missing.txt"])
    assert [a.title for a in loaded.articles] == ["Title A"]
    assert loaded.failures[0].origin.endswith("missing.txt")
    assert "cannot read it" in loaded.failures[0].reason


async def test_batch_with_bad_files_still_ingests_the_rest(
    settings: Settings, embedder: object, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Council approves bike lanes\n\nThe council voted 7-2 to add bike lanes on Main Street."
    )
    (folder / "empty.txt").write_text("")
    (folder / "binary.md").write_bytes(bytes(range(256)) * 10)
    (folder / "short.json").write_text(json.dumps({"title": "Tiny", "text": "Too short."}))
    huge = {"title": "Huge", "text": "word " * 100_000}
    (folder / "huge.json").write_text(json.dumps(huge))
    library = await Library.open(settings, embedder=embedder)
    try:
        report = await library.ingest_paths([folder], collection="global")
    finally:
        await library.close()
    assert [i.title for i in report.ingested] == ["Council approves bike lanes"]
    reasons = {Path(f.origin).name: f.reason for f in report.failures}
    assert reasons["empty.txt"] == "the file is empty"
    assert "binary" in reasons["binary.md"]
    assert "only 10 characters" in reasons["short.json"]
    assert "the limit is 300,000" in reasons["huge.json"]
