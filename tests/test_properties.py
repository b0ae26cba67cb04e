"""Property-based tests (hypothesis) of everything that takes outside input.

Loaders (file bytes of every supported kind), ``Library.ingest`` metadata (any Unicode,
lone surrogates and NUL included, in every field) and ``Library.ask`` questions (any text).
Each must give a clear :class:`NewsbotError` (for ingest: a failure naming the input) or a
sane result, never another exception, and never lose a good article of the same batch.

CI runs a fixed, derandomized example budget so the suite stays deterministic and fast;
``NEWSBOT_FUZZ_EXAMPLES=2000`` (and ``NEWSBOT_FUZZ_SEED=random``) fuzzes longer by hand.
The hashing embedder stands in for the model: these test plumbing, not answer quality.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.config import Settings
from index.errors import NewsbotError
from index.library import Library
from index.loaders import SUPPORTED_SUFFIXES, Loaded, load_bytes
from index.models import ArticleInput
from tests.articles import HARBOR, ORCHARD
from tests.conftest import HashingEmbedder

BUDGET = settings(
    max_examples=int(os.environ.get("NEWSBOT_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=os.environ.get("NEWSBOT_FUZZ_SEED") != "random",
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HUGE, NEGATIVE_HUGE = "<huge>", "<negative huge>"
"""Placeholders: Python cannot even print integers of more than 4,300 digits."""

# Any code point, lone surrogates included (hypothesis leaves them out by default).
any_char = st.characters(exclude_categories=())
hostile_text = st.one_of(
    st.text(any_char, max_size=60),
    st.text(max_size=300),
    st.sampled_from(
        [
            "\u200b" * 60,
            "." * 60,
            "a\x00b",
            "\ud800",
            "x" * 3000,
            "Word " * 400,
            "e\u0301" * 30,
            " ",
            "",
        ]
    ),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(any_char, max_size=40)
    | st.sampled_from([HUGE, NEGATIVE_HUGE]),  # dumped as 5,000- and 4,400-digit literals
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
article_like = st.fixed_dictionaries(
    {},
    optional={
        "title": json_values,
        "text": json_values | st.text(min_size=40, max_size=200),
        "id": json_values,
        "url": json_values,
        "source": json_values,
        "author": json_values,
        "published": json_values,
    },
)
GOOD_LINE = json.dumps(
    {"id": "good", "title": "Good", "text": "The council approved the budget on Tuesday night."}
)


def _dump(value: object) -> bytes:
    text = json.dumps(value, ensure_ascii=True)
    text = text.replace(f'"{HUGE}"', "7" * 5000).replace(f'"{NEGATIVE_HUGE}"', "-" + "3" * 4400)
    return text.encode()


file_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(any_char, max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    json_values.map(_dump),
    article_like.map(_dump),
    st.lists(article_like, max_size=3).map(lambda items: b"\n".join(map(_dump, items))),
    st.lists(
        st.sampled_from(["<p>", "</p>", "<div>", "<b>", "Word. ", "<html>", "<!--", "&amp;"])
    ).map(lambda parts: "".join(parts).encode()),
)


def _check_loaded(loaded: Loaded, filename: str) -> None:
    for failure in loaded.failures:
        assert failure.origin.startswith(filename)
        assert failure.reason.strip()
    for article in loaded.articles:
        assert isinstance(article.title, str) and article.title.strip()
        assert isinstance(article.text, str) and article.text.strip()


@BUDGET
@given(data=file_bytes, suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES | {".pdf", ""})))
def test_loaders_never_raise_and_name_each_refused_file(data: bytes, suffix: str) -> None:
    filename = f"upload{suffix}"
    _check_loaded(load_bytes(data, filename), filename)


@BUDGET
@given(line=article_like.map(_dump) | st.binary(max_size=200))
def test_a_bad_jsonl_line_never_loses_the_good_lines(line: bytes) -> None:
    data = GOOD_LINE.encode() + b"\n" + line.replace(b"\n", b" ") + b"\n" + GOOD_LINE.encode()
    loaded = load_bytes(data, "batch.jsonl")
    _check_loaded(loaded, "batch.jsonl")
    assert [a.origin for a in loaded.articles if a.id == "good"] == [
        "batch.jsonl:1",
        "batch.jsonl:3",
    ]


def _run_with_library(tmp_path: Path, check: object) -> None:
    """Open one library on a fast embedder, run ``check(runner, library)``, close it."""
    with asyncio.Runner() as runner:
        library = runner.run(
            Library.open(
                Settings(data_dir=tmp_path / "data", seeds_dir=None), embedder=HashingEmbedder()
            )
        )
        try:
            check(runner, library)  # type: ignore[operator]
        finally:
            runner.run(library.close())


def test_ingest_metadata_any_unicode_in_every_field(tmp_path: Path) -> None:
    fields = st.fixed_dictionaries(
        {
            "title": hostile_text,
            "text": hostile_text | st.just(HARBOR.text + " Extra."),
            "id": st.none() | hostile_text,
            "url": st.none() | hostile_text,
            "source": st.none() | hostile_text,
            "author": st.none() | hostile_text,
            "published": st.none() | hostile_text,
        }
    )

    def check(runner: asyncio.Runner, library: Library) -> None:
        @BUDGET
        @given(values=fields)
        def ingest_one(values: dict[str, str | None]) -> None:
            hostile = ArticleInput(**values, origin="hostile.json")  # type: ignore[arg-type]
            report = runner.run(library.ingest([HARBOR, hostile, ORCHARD], collection="global"))
            ids = [item.article_id for item in report.ingested]
            assert "harbor-bridge" in ids and "orchard-frost" in ids  # never lost
            assert len(report.ingested) + len(report.failures) == 3
            for failure in report.failures:
                assert failure.origin == "hostile.json" and failure.reason.strip()
            for item in report.ingested:
                stored = runner.run(library.get_article(item.article_id, collections=["global"]))
                for value in dataclasses.astuple(stored):
                    if isinstance(value, str):
                        value.encode("utf-8")  # nothing that SQLite could not store
                assert "\x00" not in stored.title + stored.id

        ingest_one()
        stats = runner.run(library.stats())
        assert stats.vectors == stats.passages

    _run_with_library(tmp_path, check)


def test_ask_any_question_gives_an_answer_or_a_clear_error(tmp_path: Path) -> None:
    questions = st.one_of(
        st.text(any_char, max_size=80),
        st.text(max_size=1100),
        st.sampled_from(["What did Whitfield say?", '"', "AND OR NOT", "*", "\x00", "x" * 1001]),
    )

    def check(runner: asyncio.Runner, library: Library) -> None:
        runner.run(library.ingest([HARBOR, ORCHARD], collection="global"))
        texts = {a.id: a.text for a in runner.run(library.list_articles(collections=["global"]))}

        @BUDGET
        @given(question=questions)
        def ask_one(question: str) -> None:
            try:
                answer = runner.run(library.ask(question, collections=["global"]))
            except NewsbotError as error:
                assert str(error).strip()
                return
            assert answer.answered or answer.message
            for quote in answer.quotes:
                assert texts[quote.article_id][quote.start : quote.end] == quote.text

        ask_one()

    _run_with_library(tmp_path, check)


def test_a_hostile_file_never_costs_the_good_files_of_its_batch(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a_good.json").write_text(GOOD_LINE)
    (folder / "c_good.txt").write_text(f"Orchard news\n\n{ORCHARD.text}")

    def check(runner: asyncio.Runner, library: Library) -> None:
        @BUDGET
        @given(data=file_bytes, suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
        def ingest_batch(data: bytes, suffix: str) -> None:
            for old in folder.glob("b_hostile.*"):
                old.unlink()
            hostile = folder / f"b_hostile{suffix}"
            hostile.write_bytes(data)
            report = runner.run(library.ingest_paths([folder], collection="global"))
            titles = {item.title for item in report.ingested}
            assert {"Good", "Orchard news"} <= titles  # never lost
            for failure in report.failures:
                assert failure.origin.startswith(str(hostile)) and failure.reason.strip()

        ingest_batch()

    _run_with_library(tmp_path, check)
