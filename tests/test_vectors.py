"""Vector indexes by size, incremental upkeep, and what the saved files survive."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

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
        assert index.kind == ("flat" if lo + 50 <= 300 else "hnsw-sq4")
    assert TieredIndex.build(ids[:300], vectors[:300], DIMENSION, exact_max=300).exact
    assert not TieredIndex.build(ids, vectors, DIMENSION, exact_max=300).exact
    ivf = TieredIndex.build(ids, vectors, DIMENSION, exact_max=300, approximate="ivf")
    assert ivf.kind == "ivf-sq8"
    for query in unit(20, 2):  # tiny graph, wide search: only quantisation differs
        best = set(exact_top(ids, vectors, query, 10))
        for approximate in (index, ivf):
            found = [i for i, _ in approximate.search(query, 20)]  # re-scored by callers
            assert len(set(found) & best) >= 9


def test_incremental_add_and_remove_with_an_approximate_index(tmp_path: Path) -> None:
    ids, vectors = np.arange(1, 501, dtype=np.int64), unit(500, 3)
    index = TieredIndex.build(ids[:400], vectors[:400], DIMENSION, exact_max=100)
    assert index.kind == "hnsw-sq4"
    directory = IndexDirectory(tmp_path, exact_max=100)
    directory.save("global", index, Manifest("m", DIMENSION, 400, 1))
    main_files = sorted(p.name for p in tmp_path.glob("*.main"))

    index.add(ids[400:], vectors[400:])  # goes to the delta: the main file is not rewritten
    removed = [5, 17, 450]
    index.remove(removed)
    directory.save("global", index, Manifest("m", DIMENSION, 497, 2))
    assert sorted(p.name for p in tmp_path.glob("*.main")) == main_files

    loaded = directory.load("global", Manifest("m", DIMENSION, 497, 2))
    assert loaded is not None and len(loaded) == 497 and loaded.kind == "hnsw-sq4"
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
        assert approximate._indexes["global"].kind == "hnsw-sq4"
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
