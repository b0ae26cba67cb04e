"""Vector indexes by size, incremental upkeep, and what the saved files survive."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index import vectors
from index.config import Settings
from index.library import Library
from index.vectors import IndexDirectory, Manifest, TieredIndex
from tests.articles import HARBOR, ORCHARD, SYNDICATED_A
from tests.conftest import HashingEmbedder

DIMENSION = 32


def unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, DIMENSION), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def exact_top(ids: np.ndarray, vectors: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-(vectors @ query), kind="stable")[:k]
    return [int(ids[i]) for i in order]


def test_index_becomes_approximate_above_the_threshold_and_keeps_its_answers() -> None:
    ids, vectors = np.arange(1, 401, dtype=np.int64), unit(400, 1)
    index = TieredIndex(DIMENSION, exact_max=300)
    for lo in range(0, 400, 50):
        index.add(ids[lo : lo + 50], vectors[lo : lo + 50])
        index.merge()
        assert index.kind == ("flat" if lo + 50 <= 300 else "ivf-sq8")
        assert len(index) == lo + 50
    assert TieredIndex.build(ids[:300], vectors[:300], DIMENSION, exact_max=300).exact
    built = TieredIndex.build(ids, vectors, DIMENSION, exact_max=300)
    assert built.kind == "ivf-sq8"
    for query in unit(20, 2):  # few vectors: every list probed, only quantisation differs
        best = set(exact_top(ids, vectors, query, 10))
        for approximate in (index, built):
            found = [i for i, _ in approximate.search(query, 20)]  # re-scored by callers
            assert len(set(found) & best) >= 9


def test_incremental_add_and_remove_with_an_approximate_index(tmp_path: Path) -> None:
    ids, vectors = np.arange(1, 501, dtype=np.int64), unit(500, 3)
    index = TieredIndex.build(ids[:400], vectors[:400], DIMENSION, exact_max=100)
    assert index.kind == "ivf-sq8"
    directory = IndexDirectory(tmp_path, exact_max=100)
    directory.save("global", index, Manifest("m", DIMENSION, 400, 1))
    main_files = sorted(p.name for p in tmp_path.glob("*.main"))

    index.add(ids[400:], vectors[400:])  # goes to the delta: the main file is not rewritten
    removed = [5, 17, 450]
    index.remove(removed)
    directory.save("global", index, Manifest("m", DIMENSION, 497, 2))
    assert sorted(p.name for p in tmp_path.glob("*.main")) == main_files

    loaded = directory.load("global", Manifest("m", DIMENSION, 497, 2))
    assert loaded is not None and len(loaded) == 497 and loaded.kind == "ivf-sq8"
    for position in (4, 16, 449, 120, 480):  # a stored vector finds itself, unless removed
        top = [i for i, _ in loaded.search(vectors[position], 5)]
        if position + 1 in removed:
            assert position + 1 not in top
        else:
            assert top[0] == position + 1
    assert directory.load("global", Manifest("m", DIMENSION, 497, 3)) is None  # stale


def test_flipped_bytes_in_the_index_data_are_detected(tmp_path: Path) -> None:
    index = TieredIndex.build(np.arange(1, 201, dtype=np.int64), unit(200, 4), DIMENSION)
    directory = IndexDirectory(tmp_path)
    manifest = Manifest("m", DIMENSION, 200, 7)
    directory.save("global", index, manifest)
    (main,) = tmp_path.glob("*.main")
    data = bytearray(main.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    main.write_bytes(bytes(data))  # header intact, vector data flipped
    assert directory.load("global", manifest) is None


async def test_library_rebuilds_an_index_whose_data_was_flipped(
    settings: Settings, embedder: object
) -> None:
    library = await Library.open(settings, embedder=embedder)
    await library.ingest([HARBOR, ORCHARD], collection="global")
    await library.close()
    (main,) = settings.vectors_dir.glob("*.main")
    data = bytearray(main.read_bytes())
    data[-200:-136] = bytes(64)  # vector values of the last passages
    main.write_bytes(bytes(data))
    reopened = await Library.open(settings, embedder=embedder)
    try:
        answer = await reopened.ask("What damaged the apple blossoms?", collections=["global"])
        assert answer.quotes[0].article_id == "orchard-frost"
        index = reopened._indexes["global"]
        assert index.main_file is None or index.main_file != main.name  # rebuilt
    finally:
        await reopened.close()


async def test_answers_are_the_same_across_the_switch(settings: Settings, embedder: object) -> None:
    questions = [
        "What damaged the apple blossoms?",
        "When will the Harbor Bridge close?",
        "What did Whitfield say about the cables?",
        "How often will extra ferries run?",
    ]
    articles = [HARBOR, ORCHARD, SYNDICATED_A]
    exact = await Library.open(settings, embedder=embedder)
    try:
        await exact.ingest(articles, collection="global")
        before = [await exact.ask(q, collections=["global"]) for q in questions]
        assert exact._indexes["global"].kind == "flat"
        passages = (await exact.stats()).passages
    finally:
        await exact.close()
    lowered = replace(settings, exact_index_max=passages - 2)
    for path in settings.vectors_dir.iterdir():
        path.unlink()  # rebuilt by size on open
    approximate = await Library.open(lowered, embedder=embedder)
    try:
        after = [await approximate.ask(q, collections=["global"]) for q in questions]
        assert approximate._indexes["global"].kind == "ivf-sq8"
    finally:
        await approximate.close()
    for first, second in zip(before, after, strict=True):
        assert [(q.article_id, q.start, q.end) for q in first.quotes] == [
            (q.article_id, q.start, q.end) for q in second.quotes
        ]


async def test_a_damaged_index_folder_is_reported_not_raised(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.data_dir.mkdir(parents=True)
    settings.vectors_dir.write_text("not a folder")
    library = await Library.open(settings, embedder=HashingEmbedder())
    with caplog.at_level(logging.WARNING):
        await library.ingest([HARBOR], collection="global")
        answer = await library.ask("Harbor Bridge cables", collections=["global"])
        await library.close()
    assert answer.quotes[0].article_id == "harbor-bridge"
    assert "could not save the vector index" in caplog.text


async def test_an_index_path_that_is_a_folder_is_rebuilt(settings: Settings) -> None:
    library = await Library.open(settings, embedder=HashingEmbedder())
    await library.ingest([HARBOR], collection="global")
    await library.close()
    for path in [*settings.vectors_dir.glob("*.state"), *settings.vectors_dir.glob("*.main")]:
        path.unlink()
        path.mkdir()
        (path / "inside").write_text("x")
    reopened = await Library.open(settings, embedder=HashingEmbedder())
    try:
        await reopened.ingest([ORCHARD], collection="global")
        answer = await reopened.ask("apple orchards frost", collections=["global"])
        assert answer.quotes[0].article_id == "orchard-frost"
    finally:
        await reopened.close()  # no traceback


WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from pathlib import Path
    from index.vectors import IndexDirectory, Manifest, TieredIndex

    folder, seed = Path(sys.argv[1]), int(sys.argv[2])
    directory = IndexDirectory(folder)
    rng = np.random.default_rng(seed)
    mismatches = 0
    for round in range(60):
        count = int(rng.integers(5, 40))
        generation = seed * 1000 + round
        ids = np.arange(generation * 100, generation * 100 + count, dtype=np.int64)
        vectors = rng.standard_normal((count, 8)).astype(np.float32)
        index = TieredIndex.build(ids, vectors, 8)
        directory.save("shared", index, Manifest("m", 8, count, generation))
        # Whatever the other writer saved last must load as a matching pair, or not at all.
        for other in range(2):
            state = directory.state_path("shared")
            import json, struct
            raw = state.read_bytes()
            length = struct.unpack_from("<I", raw, 6)[0]
            head = json.loads(raw[14 : 14 + length])
            expected = Manifest("m", 8, head["count"], head["generation"])
            loaded = directory.load("shared", expected)
            if loaded is not None:
                found = loaded.search(np.ones(8, dtype=np.float32), 1)[0][0]
                if found // 100 != head["generation"]:
                    mismatches += 1
    print(mismatches)
    """
)


def test_two_processes_saving_at_once_never_crash_or_mismatch(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parent.parent
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writers = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / "vectors"), str(seed)],
            cwd=repo,
            env={"PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "0"
    assert not list((tmp_path / "vectors").glob("*.tmp"))


def test_a_merge_runs_in_the_background_while_searches_adds_and_removals_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vectors, "DELTA_MIN", 50)
    ids, vectors_ = np.arange(1, 701, dtype=np.int64), unit(700, 5)
    index = TieredIndex.build(ids[:400], vectors_[:400], DIMENSION, exact_max=100)
    merged = threading.Event()
    index.on_merged = merged.set
    release, copying = threading.Event(), threading.Event()
    real_copy = vectors._copy

    def slow_copy(main: object, path: object) -> object:
        copying.set()
        assert release.wait(10)
        return real_copy(main, path)

    monkeypatch.setattr(vectors, "_copy", slow_copy)
    index.add(ids[400:460], vectors_[400:460])  # 60 >= DELTA_MIN: a merge starts
    assert copying.wait(10)
    # While the merge runs: searches see main + delta, changes are accepted at once.
    assert index.search(vectors_[420], 1)[0][0] == 421
    index.add(ids[460:470], vectors_[460:470])
    index.remove([3, 430, 465])  # one in the old main, one in the merging delta, one new
    for removed in (3, 430, 465):
        assert removed not in [i for i, _ in index.search(vectors_[removed - 1], 10)]
    assert len(index) == 467
    release.set()
    index.wait_merged()
    assert merged.is_set() and index._delta.ntotal == 9  # 460..469 minus 465
    assert len(index) == 467
    for position in (2, 429, 464, 10, 419, 461):
        top = [i for i, _ in index.search(vectors_[position], 5)]
        if position + 1 in (3, 430, 465):
            assert position + 1 not in top
        else:
            assert top[0] == position + 1
    index.add(ids[430:431], vectors_[430:431])  # a removed id comes back
    assert index.search(vectors_[430], 1)[0][0] == 431 and len(index) == 468


def test_a_replaced_main_file_is_kept_for_a_while_after_it_stopped_being_named(
    tmp_path: Path,
) -> None:
    """The grace period of an old main file counts from when a newer state replaced it,
    not from when it was written (a file in use for days is old the moment it is
    replaced; another process may be reading or checking it)."""
    directory = IndexDirectory(tmp_path, exact_max=100)
    ids, vectors_ = np.arange(1, 301, dtype=np.int64), unit(300, 8)
    first = TieredIndex.build(ids[:200], vectors_[:200], DIMENSION, exact_max=100)
    directory.save("global", first, Manifest("m", DIMENSION, 200, 1))
    (old,) = tmp_path.glob("*.main")
    written_long_ago = time.time() - 10 * vectors.STALE_MAIN_SECONDS
    os.utime(old, (written_long_ago, written_long_ago))
    second = TieredIndex.build(ids, vectors_, DIMENSION, exact_max=100)
    directory.save("global", second, Manifest("m", DIMENSION, 300, 2))
    assert old.exists() and len(list(tmp_path.glob("*.main"))) == 2
    os.utime(old, (written_long_ago, written_long_ago))  # the grace period is over
    directory.save("global", second, Manifest("m", DIMENSION, 300, 2))
    assert not old.exists() and len(list(tmp_path.glob("*.main"))) == 1


def test_saving_one_collection_never_deletes_anothers_main_file(tmp_path: Path) -> None:
    directory = IndexDirectory(tmp_path)
    other = f"a-{vectors.collection_file_stem('a').split('-')[-1]}"  # its stem starts with a's
    assert vectors.collection_file_stem(other).startswith(vectors.collection_file_stem("a"))
    ids, vectors_ = np.arange(1, 11, dtype=np.int64), unit(10, 9)
    directory.save(other, TieredIndex.build(ids, vectors_, DIMENSION), Manifest("m", 32, 10, 1))
    (theirs,) = tmp_path.glob("*.main")
    long_ago = time.time() - 10 * vectors.STALE_MAIN_SECONDS
    os.utime(theirs, (long_ago, long_ago))
    directory.save(
        "a", TieredIndex.build(ids[:5], vectors_[:5], DIMENSION), Manifest("m", 32, 5, 1)
    )
    assert theirs.exists()
    assert directory.load(other, Manifest("m", DIMENSION, 10, 1)) is not None


def _flip_codes(path: Path) -> None:
    """Flip bytes in the vector codes of a saved IVF main (not its header or ids)."""
    import faiss

    main = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
    head, _ = vectors._ivf_layout(main, path.stat().st_size)
    del main
    with path.open("r+b") as handle:  # in place, as a failing disk would
        handle.seek(head + 4)  # inside the codes of the first list
        data = handle.read(16)
        handle.seek(head + 4)
        handle.write(bytes(b ^ 0xFF for b in data))


def test_a_mapped_index_is_checked_in_the_background(tmp_path: Path) -> None:
    ids, vectors_ = np.arange(1, 301, dtype=np.int64), unit(300, 6)
    index = TieredIndex.build(ids, vectors_, DIMENSION, exact_max=100)
    directory = IndexDirectory(tmp_path, exact_max=100)
    manifest = Manifest("m", DIMENSION, 300, 1)
    directory.save("global", index, manifest)
    loaded = directory.load("global", manifest)
    assert loaded is not None and loaded._main_path is not None  # memory-mapped
    loaded.verifying.join()
    assert not loaded.damaged
    del loaded
    (main,) = tmp_path.glob("*.main")
    _flip_codes(main)
    loaded = directory.load("global", manifest)  # the header and ids are intact: usable
    assert loaded is not None and loaded.search(vectors_[7], 1)
    loaded.verifying.join()
    assert loaded.damaged
    del loaded
    with main.open("r+b") as handle:  # the header (never truncate a mapped file)
        handle.seek(40)
        handle.write(bytes(b ^ 0xFF for b in main.read_bytes()[40:48]))
    assert directory.load("global", manifest) is None  # refused at once


def test_a_damaged_mapped_index_is_not_merged_into_a_new_main(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge copies the mapped main: from a damaged file the copy would be saved under a
    fresh checksum and its damage never found again. The delta waits for the rebuild."""
    monkeypatch.setattr(vectors, "DELTA_MIN", 5)
    ids, vectors_ = np.arange(1, 321, dtype=np.int64), unit(320, 7)
    directory = IndexDirectory(tmp_path, exact_max=100)
    manifest = Manifest("m", DIMENSION, 300, 1)
    built = TieredIndex.build(ids[:300], vectors_[:300], DIMENSION, exact_max=100)
    directory.save("global", built, manifest)
    (main,) = tmp_path.glob("*.main")
    _flip_codes(main)
    loaded = directory.load("global", manifest)
    assert loaded is not None and loaded._main_path is not None
    merged = threading.Event()
    loaded.on_merged = merged.set
    loaded.add(ids[300:], vectors_[300:])  # 20 >= DELTA_MIN: a merge would start
    loaded.wait_merged()
    assert loaded.damaged and not merged.is_set()
    assert loaded._main_path == main and loaded._delta.ntotal == 20 and len(loaded) == 320
    assert loaded.search(vectors_[310], 1)[0][0] == 311


async def saved_approximate_index(settings: Settings, embedder: object) -> Settings:
    """Three articles in a library whose exact-index threshold is lowered to 3 passages,
    their approximate index saved to disk; the lowered settings."""
    lowered = replace(settings, exact_index_max=3)
    library = await Library.open(lowered, embedder=embedder)
    await library.ingest([HARBOR, ORCHARD, SYNDICATED_A], collection="global")
    await library.close()
    for path in settings.vectors_dir.iterdir():
        path.unlink()  # rebuilt by size (approximate) on open, saved on close
    library = await Library.open(lowered, embedder=embedder)
    await library.stats()
    assert library._indexes["global"].kind == "ivf-sq8"
    await library.close()
    return lowered


async def test_library_rebuilds_an_approximate_index_found_damaged_after_start(
    settings: Settings, embedder: object, caplog: pytest.LogCaptureFixture
) -> None:
    lowered = await saved_approximate_index(settings, embedder)
    (main,) = settings.vectors_dir.glob("*.main")
    _flip_codes(main)
    reopened = await Library.open(lowered, embedder=embedder)
    try:
        question = "What damaged the apple blossoms?"
        first = await reopened.ask(question, collections=["global"])
        damaged = reopened._indexes["global"]
        assert damaged.kind == "ivf-sq8" and damaged._main_path is not None
        with caplog.at_level(logging.WARNING):
            damaged.verifying.join()
        assert damaged.damaged and "is damaged" in caplog.text
        second = await reopened.ask(question, collections=["global"])
        rebuilt = reopened._indexes["global"]
        assert rebuilt is not damaged and not rebuilt.damaged and rebuilt.kind == "ivf-sq8"
        assert first.quotes[0].article_id == second.quotes[0].article_id == "orchard-frost"
    finally:
        await reopened.close()
    again = await Library.open(lowered, embedder=embedder)
    try:
        await again.ask("When will the Harbor Bridge close?", collections=["global"])
        index = again._indexes["global"]  # the rebuilt index, saved and mapped
        assert index._main_path is not None
        index.verifying.join()
        assert not index.damaged
    finally:
        await again.close()


async def test_closing_finishes_a_background_merge_and_saves_it(
    settings: Settings, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "DELTA_MIN", 1)
    build_ivf = vectors.build_ivf

    def slow_build_ivf(*args: object, **kwargs: object) -> object:
        time.sleep(0.5)  # the merge is still running when close() is called
        return build_ivf(*args, **kwargs)

    monkeypatch.setattr(vectors, "build_ivf", slow_build_ivf)
    lowered = replace(settings, exact_index_max=3)
    library = await Library.open(lowered, embedder=embedder)
    await library.ingest([HARBOR, ORCHARD, SYNDICATED_A], collection="global")
    assert library._indexes["global"]._merging is not None
    await library.close()  # the merge (flat -> IVF) is finished and saved
    reopened = await Library.open(lowered, embedder=embedder)
    try:
        answer = await reopened.ask("What damaged the apple blossoms?", collections=["global"])
        index = reopened._indexes["global"]
        assert index.kind == "ivf-sq8" and index._delta.ntotal == 0 and index._merging is None
        assert answer.quotes[0].article_id == "orchard-frost"
    finally:
        await reopened.close()


async def test_an_index_whose_size_differs_from_the_database_is_rebuilt_after_loading(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    library = await Library.open(settings, embedder=HashingEmbedder())
    await library.ingest([HARBOR, ORCHARD], collection="global")
    await library.close()
    with sqlite3.connect(settings.database_path) as db:  # behind the library's back
        db.execute("DELETE FROM passages WHERE id = (SELECT max(id) FROM passages)")
    reopened = await Library.open(settings, embedder=HashingEmbedder())
    reopened._index_sync.count_check_delay = 0
    try:
        with caplog.at_level(logging.WARNING):
            await reopened.ask("apple orchards frost", collections=["global"])
            loaded = reopened._indexes["global"]  # same generation: loaded, not yet counted
            for _ in range(100):
                if loaded.damaged:
                    break
                await asyncio.sleep(0.01)
        assert loaded.damaged and "rebuilding it" in caplog.text
        await reopened.ask("apple orchards frost", collections=["global"])
        rebuilt = reopened._indexes["global"]
        assert rebuilt is not loaded and len(rebuilt) == (await reopened.stats()).passages
    finally:
        await reopened.close()


def test_a_failed_merge_keeps_the_index_usable_and_marks_it_for_rebuild(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(vectors, "DELTA_MIN", 50)
    ids, vectors_ = np.arange(1, 501, dtype=np.int64), unit(500, 8)
    index = TieredIndex.build(ids[:400], vectors_[:400], DIMENSION, exact_max=100)

    def broken_copy(main: object, path: object) -> object:
        raise RuntimeError("the main file vanished")

    monkeypatch.setattr(vectors, "_copy", broken_copy)
    with caplog.at_level(logging.ERROR):
        index.add(ids[400:], vectors_[400:])
        index.wait_merged()
    assert index.damaged and "merging the vector index delta failed" in caplog.text
    assert len(index) == 500 and index.search(vectors_[450], 1)[0][0] == 451
