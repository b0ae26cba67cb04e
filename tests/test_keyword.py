"""Keyword retrieval: collection filter inside FTS, titles once per article, rare terms,
and the migration of a schema-1 database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from index.chunking import chunk_article
from index.config import Settings
from index.keyword import informative_terms, keyword_search
from index.library import Library
from index.models import ArticleInput
from index.store import _MIGRATIONS, SCHEMA_VERSION, Store
from tests.articles import HARBOR, ORCHARD
from tests.conftest import HashingEmbedder


async def _vocabulary(store: Store, table: str, term: str) -> int:
    async with store._db.execute(
        f"SELECT COALESCE(SUM(doc), 0) FROM {table} WHERE term = ?", (term,)
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0])


async def test_a_long_title_is_stored_once_not_per_passage(settings: Settings) -> None:
    title = "Quokkaline " + " ".join(f"zebword{i}" for i in range(2000))  # ~20 KB
    text = "\n\n".join(
        f"Paragraph {i} tells how the harbor ferries ran late on a windy morning in spring."
        for i in range(40)
    )
    library = await Library.open(settings, embedder=HashingEmbedder())
    try:
        report = await library.ingest(
            [ArticleInput(title=title, text=text, id="long")], collection="global"
        )
        assert report.ingested[0].passages > 10
        await library.store._db.execute(
            "CREATE VIRTUAL TABLE temp.titles_vocab USING fts5vocab (main, titles_fts, 'row')"
        )
        assert await _vocabulary(library.store, "passages_vocab", "quokkalin") == 0
        assert await _vocabulary(library.store, "temp.titles_vocab", "quokkalin") == 1
        hits = await keyword_search(library.store, ["quokkaline", "ferries"], ["global"], 10)
        assert hits  # the title still makes its article's passages findable
    finally:
        await library.close()


async def test_keyword_search_never_returns_other_collections(settings: Settings) -> None:
    library = await Library.open(settings, embedder=HashingEmbedder())
    try:
        await library.ingest([HARBOR], collection="guild-1")
        await library.ingest([ORCHARD], collection="guild-2")
        words = ["harbor", "bridge", "frost", "orchards"]
        first = await keyword_search(library.store, words, ["guild-1"], 50)
        second = await keyword_search(library.store, words, ["guild-2"], 50)
        both = await keyword_search(library.store, words, ["guild-1", "guild-2"], 50)
        owners = await library.store.passages(pid for pid, _ in both)
        assert first and second
        assert {owners[p].collection for p, _ in first} == {"guild-1"}
        assert {owners[p].collection for p, _ in second} == {"guild-2"}
        assert len(both) == len(first) + len(second)
        # Removing an article takes its FTS rows away (contentless tables are told).
        await library.remove_article("harbor-bridge", collection="guild-1")
        assert await keyword_search(library.store, words, ["guild-1"], 50) == []
    finally:
        await library.close()


async def test_only_the_rarest_words_are_queried(settings: Settings) -> None:
    library = await Library.open(settings, embedder=HashingEmbedder())
    try:
        await library.ingest([HARBOR, ORCHARD], collection="global")
        words = ["said", "ferries", "unknownword", "cables", "bridge", "city", "harbor"]
        terms = await informative_terms(library.store, words, limit=2)
        assert len(terms) == 2 and "unknownword" not in terms and "said" not in terms
    finally:
        await library.close()


async def test_a_schema_1_database_is_migrated(tmp_path: Path) -> None:
    """A data directory written before the keyword changes opens, its FTS rows rebuilt
    and its float32 vectors still read."""
    settings = Settings(data_dir=tmp_path / "data", seeds_dir=None)
    settings.data_dir.mkdir(parents=True)
    embedder = HashingEmbedder()
    db = sqlite3.connect(settings.database_path)
    db.executescript(f"BEGIN; {_MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    db.execute(
        "INSERT INTO articles (pk, collection, article_id, title, text, content_hash, "
        "added_at) VALUES (1, 'global', 'harbor-bridge', ?, ?, 'h', '2026-01-01')",
        (HARBOR.title, HARBOR.text),
    )
    passages = chunk_article(HARBOR.text)
    vectors = embedder.encode([p.text for p in passages]).astype(np.float32)
    for passage, vector in zip(passages, vectors, strict=True):
        cursor = db.execute(
            "INSERT INTO passages (article_pk, ordinal, paragraph, start, end, text, embedding)"
            " VALUES (1, ?, ?, ?, ?, ?, ?)",
            (
                passage.ordinal,
                passage.paragraph,
                passage.start,
                passage.end,
                passage.text,
                vector.tobytes(),
            ),
        )
        db.execute(
            "INSERT INTO passages_fts (rowid, text, title) VALUES (?, ?, ?)",
            (cursor.lastrowid, passage.text, HARBOR.title),
        )
    db.execute("INSERT INTO collections (name, generation) VALUES ('global', 1)")
    db.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [("model", embedder.name), ("dimension", str(embedder.dimension)), ("seeded", "1")],
    )
    db.commit()
    db.close()
    library = await Library.open(settings, embedder=embedder)
    try:
        async with library.store._db.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == SCHEMA_VERSION
        async with library.store._db.execute("PRAGMA table_info(passages)") as cursor:
            assert "text" not in {row[1] for row in await cursor.fetchall()}  # stored once
        hits = await keyword_search(library.store, ["ferries"], ["global"], 5)
        assert hits
        answer = await library.ask("extra ferries rush hour", collections=["global"])
        assert answer.quotes[0].article_id == "harbor-bridge"
        stats = await library.stats()
        assert stats.vectors == stats.passages == len(passages)
    finally:
        await library.close()
