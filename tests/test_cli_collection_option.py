"""``--collection`` is honoured by every command that takes it: ``stats`` and ``reindex``
cover every collection by default and only the one named when it is given (they used to
accept the option and ignore it); ``articles`` says on stderr when ``--limit`` cut the
list; ``remove`` of an unknown id names the collection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli import EXIT_OK, _reindex, _stats, build_parser
from index.config import Settings
from index.errors import NewsbotError
from index.library import Library
from tests.articles import HARBOR, ORCHARD, SYNDICATED_A
from tests.conftest import HashingEmbedder


@pytest.fixture
async def lib(tmp_path: Path) -> AsyncIterator[Library]:
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=None)
    library = await Library.open(settings, embedder=HashingEmbedder())
    await library.ingest([HARBOR], collection="global")
    await library.ingest([ORCHARD], collection="guild:1")
    yield library
    await library.close()


async def test_stats_of_all_collections_or_of_the_one_given(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv, expected in (
        (["stats", "--json"], {"global": 1, "guild:1": 1}),
        (["--collection", "guild:1", "stats", "--json"], {"guild:1": 1}),
        (["stats", "--json", "--collection", "global"], {"global": 1}),
    ):
        assert await _stats(lib, build_parser().parse_args(argv)) == EXIT_OK
        shown = json.loads(capsys.readouterr().out)
        assert shown["collections"] == expected, argv
        assert shown["articles"] == len(expected)


async def test_reindex_of_all_collections_or_of_the_one_given(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _reindex(lib, build_parser().parse_args(["reindex"])) == EXIT_OK
    assert "reindexed 2 articles" in capsys.readouterr().out
    args = build_parser().parse_args(["--collection", "guild:1", "reindex"])
    assert await _reindex(lib, args) == EXIT_OK
    assert "reindexed 1 article," in capsys.readouterr().out
    with pytest.raises(NewsbotError, match="no collection 'nope'"):
        await _reindex(lib, build_parser().parse_args(["reindex", "--collection", "nope"]))


async def test_articles_says_when_the_list_is_cut(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import _articles

    await lib.ingest([SYNDICATED_A], collection="global")
    args = build_parser().parse_args(["articles", "--limit", "1"])
    assert await _articles(lib, args) == EXIT_OK
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1
    assert captured.err == "newsbot: the newest 1 of 2 articles; see more with --limit 2\n"
    assert await _articles(lib, build_parser().parse_args(["articles", "--json"])) == EXIT_OK
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2 and captured.err == ""


async def test_remove_of_an_unknown_id_names_the_collection_and_the_command(
    lib: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import _remove

    for argv, listing in (
        (["remove", "nope"], "`newsbot articles`"),
        (["--collection", "guild:1", "remove", "nope"], "`newsbot articles --collection guild:1`"),
    ):
        with pytest.raises(NewsbotError) as caught:
            await _remove(lib, build_parser().parse_args(argv))
        message = str(caught.value)
        assert "'nope'" in message and listing in message and "/articles" not in message
    assert await lib.count_articles(collections=["global", "guild:1"]) == 2
