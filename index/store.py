"""SQLite storage through aiosqlite: the source of truth. All SQL of the project lives here.

Tables: ``articles`` (one row per article per collection), ``passages`` (spans of their
article's text, by offsets, with their embeddings as float16; ids shared with the vector
index), ``passages_fts`` and ``titles_fts`` (contentless FTS5 keyword indexes, each row
tagged with its collection's token; see :mod:`index.keyword`),
``attributions`` (who said which span), ``collections`` (a generation counter bumped by
every change, which tells a vector index whether it is stale), ``meta`` and ``answers``
(answers shown by a front end, see :mod:`index.conversations`).
The schema is versioned with ``PRAGMA user_version``; ``_MIGRATIONS`` are applied in order.
"""

from __future__ import annotations

import asyncio
import copy
import errno
import functools
import hashlib
import itertools
import json
import sqlite3
import string
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import aiosqlite
import numpy as np

from index.errors import NewsbotError
from index.models import Article, ArticleInput, Passage

_MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE articles (
        pk INTEGER PRIMARY KEY,
        collection TEXT NOT NULL,
        article_id TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        url TEXT,
        source TEXT,
        author TEXT,
        published TEXT,
        content_hash TEXT NOT NULL,
        added_by TEXT,
        added_at TEXT NOT NULL,
        UNIQUE (collection, article_id)
    );
    CREATE INDEX articles_by_url ON articles (collection, url);
    CREATE INDEX articles_by_hash ON articles (collection, content_hash);
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        article_pk INTEGER NOT NULL REFERENCES articles (pk) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        paragraph INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        embedding BLOB NOT NULL
    );
    CREATE INDEX passages_by_article ON passages (article_pk, ordinal);
    CREATE VIRTUAL TABLE passages_fts USING fts5 (
        text, title, tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE TABLE attributions (
        id INTEGER PRIMARY KEY,
        article_pk INTEGER NOT NULL REFERENCES articles (pk) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        speaker TEXT NOT NULL,
        surname TEXT NOT NULL,
        kind TEXT NOT NULL
    );
    CREATE INDEX attributions_by_surname ON attributions (surname);
    CREATE INDEX attributions_by_article ON attributions (article_pk);
    CREATE TABLE collections (
        name TEXT PRIMARY KEY,
        generation INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: feed subscriptions (queries in index/feeds/store.py)
    """
    CREATE TABLE feeds (
        pk INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        interval_seconds REAL NOT NULL,
        next_poll_at REAL NOT NULL,
        last_polled_at REAL,
        last_success_at REAL,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        status TEXT NOT NULL DEFAULT 'active',
        added_at REAL NOT NULL
    );
    CREATE INDEX feeds_by_due ON feeds (status, next_poll_at);
    CREATE TABLE feed_subscriptions (
        pk INTEGER PRIMARY KEY,
        feed_pk INTEGER NOT NULL REFERENCES feeds (pk) ON DELETE CASCADE,
        collection TEXT NOT NULL,
        channel_id TEXT,
        announce INTEGER NOT NULL DEFAULT 0,
        added_by TEXT,
        added_at REAL NOT NULL,
        primed INTEGER NOT NULL DEFAULT 0,
        UNIQUE (feed_pk, collection)
    );
    CREATE TABLE feed_items (
        subscription_pk INTEGER NOT NULL REFERENCES feed_subscriptions (pk) ON DELETE CASCADE,
        item_key TEXT NOT NULL,
        article_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status TEXT NOT NULL,
        seen_at REAL NOT NULL,
        PRIMARY KEY (subscription_pk, item_key)
    );
    """,
    # 3: keyword search that scales (see index/keyword.py): contentless FTS5 tables, the
    # collection as a token inside each row, the title once per article in titles_fts, a
    # vocabulary view for document frequencies; and a passage's text is no longer copied
    # (it is its article's text between start and end: PASSAGE_TEXT).
    """
    DROP TABLE passages_fts;
    CREATE VIRTUAL TABLE passages_fts USING fts5 (
        text, collection, content = '', tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE titles_fts USING fts5 (
        title, collection, content = '', tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE passages_vocab USING fts5vocab (passages_fts, 'row');
    INSERT INTO passages_fts (rowid, text, collection)
        SELECT p.id, substr(a.text, p.start + 1, p.end - p.start),
            newsbot_collection_token(a.collection)
        FROM passages p JOIN articles a ON a.pk = p.article_pk;
    ALTER TABLE passages DROP COLUMN text;
    INSERT INTO titles_fts (rowid, title, collection)
        SELECT pk, title, newsbot_collection_token(collection) FROM articles;
    """,
    # 4: answers a front end showed, for paging and follow-ups after a restart
    """
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: buttons carry the id
        ref TEXT UNIQUE,
        asker TEXT,
        collections TEXT NOT NULL,
        record BLOB NOT NULL,
        created REAL NOT NULL
    );
    CREATE INDEX answers_by_created ON answers (created);
    """,
    # 5: articles that came without a title are stored with one derived from the text
    """
    ALTER TABLE articles ADD COLUMN title_derived INTEGER NOT NULL DEFAULT 0
    """,
    # 6: a surname's newest attributions read in index order, not sorted (person questions)
    """
    CREATE INDEX IF NOT EXISTS attributions_by_surname_article
        ON attributions (surname, article_pk, start)
    """,
    # 7: an article without id or URL is found again by its title when it is edited
    """
    CREATE INDEX IF NOT EXISTS articles_by_title ON articles (collection, title)
    """,
]

SCHEMA_VERSION = len(_MIGRATIONS)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
T = TypeVar("T")
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
PASSAGE_TEXT = "substr(a.text, p.start + 1, p.end - p.start)"
"""SQL for a passage's text (``a`` its article row): SQLite counts characters as Python
does (code points), so this is ``article.text[start:end]``."""


_FTS_COLUMNS = {"passages_fts": "text", "titles_fts": "title"}
"""The searched column of each FTS table (the other holds the collection token)."""


def _outside(collections: Sequence[str]) -> tuple[str, list[str]]:
    """An SQL expression, with its arguments, that is 1 when the library holds an article
    of a collection not in ``collections`` (non-empty): one index range probe per gap
    between the asked names in sorted order, so a few index lookups whatever the size."""
    names = sorted(set(collections))
    gaps = ["collection < ?"]
    gaps += ["(collection > ? AND collection < ?)"] * (len(names) - 1)
    gaps.append("collection > ?")
    args = [names[0]]
    for lower, upper in itertools.pairwise(names):
        args += [lower, upper]
    args.append(names[-1])
    expression = " OR ".join(f"EXISTS (SELECT 1 FROM articles WHERE {gap})" for gap in gaps)
    return f"({expression})", args


def collection_token(collection: str) -> str:
    """The token that marks a collection's rows inside the FTS tables: ``c`` and digits
    (no stemming rule applies to it, no English word looks like it)."""
    return "c" + str(int.from_bytes(hashlib.sha1(collection.encode()).digest()[:8], "big"))


def collection_filter(collections: Sequence[str]) -> str:
    """An FTS5 expression matching rows of any of ``collections``."""
    tokens = " OR ".join(f'"{collection_token(c)}"' for c in dict.fromkeys(collections))
    return f"collection : ({tokens})"


def encode_vector(vector: np.ndarray) -> bytes:
    """A vector as stored: float16 (half the bytes; cosines change by < 1e-3)."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def decode_vectors(blobs: Sequence[bytes], dimension: int) -> np.ndarray:
    """Stored vectors as float32 rows; older rows hold float32, newer float16."""
    if blobs and all(len(blob) == 2 * dimension for blob in blobs):
        joined = np.frombuffer(b"".join(blobs), dtype=np.float16)
        return joined.reshape(len(blobs), dimension).astype(np.float32)
    out = np.empty((len(blobs), dimension), dtype=np.float32)
    for row, blob in enumerate(blobs):
        kind = np.float16 if len(blob) == 2 * dimension else np.float32
        out[row] = np.frombuffer(blob, dtype=kind, count=dimension)
    return out


class StoredPassage(NamedTuple):
    """A passage row joined with what a citation needs from its article. (Rows, read by
    the hundred per question: a named tuple is built several times faster than a frozen
    dataclass.)"""

    id: int
    article_pk: int
    collection: str
    article_id: str
    title: str
    source: str | None
    url: str | None
    published: str | None
    paragraph: int
    start: int
    end: int
    text: str


class StoredAttribution(NamedTuple):
    """Who is quoted where in an article (a row of ``attributions``)."""

    article_pk: int
    start: int
    end: int
    speaker: str
    kind: str


@dataclass(frozen=True)
class ExistingArticle:
    pk: int
    article_id: str
    content_hash: str
    title: str
    passages: int
    added_by: str | None


def _passage_count_query(collection: str | None) -> tuple[str, tuple[str, ...]]:
    if collection is None:
        return "SELECT COUNT(*) FROM passages", ()
    return (
        "SELECT COUNT(*) FROM passages p JOIN articles a ON a.pk = p.article_pk "
        "WHERE a.collection = ?",
        (collection,),
    )


def _existing_article(row: aiosqlite.Row) -> ExistingArticle:
    return ExistingArticle(
        row["pk"],
        row["article_id"],
        row["content_hash"],
        row["title"],
        row["passages"],
        row["added_by"],
    )


@dataclass(frozen=True)
class NewAttribution:
    start: int
    end: int
    speaker: str
    surname: str
    kind: str


def _serialized(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Run a write method under the store's lock: one write transaction at a time on the
    shared connection (aiosqlite runs every coroutine's statements on that connection)."""

    @functools.wraps(method)
    async def locked(self: Store, *args: Any, **kwargs: Any) -> T:
        async with self._write_lock:
            return await method(self, *args, **kwargs)

    return locked


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """An open database. Create with :meth:`open`; close with :meth:`close`."""

    def __init__(self, connection: aiosqlite.Connection, path: Path):
        self._db = connection
        self.path = path
        self._write_lock = asyncio.Lock()
        """One write transaction at a time on the shared connection."""
        self.searching: Store = self
        """This store on a second, read-only connection (its own thread), for the keyword
        search of a question: its queries then run beside the question's other reads
        instead of queueing with them (WAL: it sees every committed write). Opened by
        :meth:`open`; itself until then."""

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating if needed) the database at ``path``. A path that cannot hold a
        database, or a file that is not one, is a :class:`NewsbotError` naming it; the
        connection is closed then (its thread would otherwise keep the process alive)."""
        where = "choose another data directory with --data-dir or NEWSBOT_DATA_DIR"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():  # checked first: a failed connect leaves aiosqlite's thread
                raise IsADirectoryError(errno.EISDIR, "a folder, not a file", str(path))
            connection = await aiosqlite.connect(path, timeout=30)
        except (OSError, sqlite3.Error) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise NewsbotError(f"Cannot open the database {path} ({reason}); {where}.") from error
        store: Store | None = None
        try:
            connection.row_factory = sqlite3.Row
            await connection.create_function(
                "newsbot_collection_token", 1, collection_token, deterministic=True
            )
            for pragma in (
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 30000",
                "PRAGMA cache_size = -32768",  # 32 MB of pages (default 2 MB)
            ):
                async with connection.execute(pragma):  # close each cursor: it blocks COMMIT
                    pass
            store = cls(connection, path)
            await store._migrate()
            await store._open_searching()
        except sqlite3.DatabaseError as error:
            await (store.close() if store is not None else connection.close())
            raise NewsbotError(
                f"{path} is not a newsbot database ({error}); move it away or {where}."
            ) from error
        except BaseException:
            await (store.close() if store is not None else connection.close())
            raise
        return store

    async def _open_searching(self) -> None:
        try:
            connection = await aiosqlite.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30
            )
        except (OSError, sqlite3.Error) as error:
            raise NewsbotError(
                f"Cannot open the database {self.path} a second time, read-only, for "
                f"keyword searches ({error})."
            ) from error
        try:
            connection.row_factory = sqlite3.Row
            async with connection.execute("PRAGMA cache_size = -32768"):
                pass
        except BaseException:
            await connection.close()
            raise
        view = copy.copy(self)
        view._db = connection
        view.searching = view
        self.searching = view

    async def close(self) -> None:
        searching, self.searching = self.searching, self
        try:
            if searching is not self:
                await searching._db.close()
        finally:
            await self._db.close()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise NewsbotError(
                f"{self.path} was written by a newer newsbot (schema {version}, this one "
                f"knows {SCHEMA_VERSION}); upgrade newsbot or choose another data directory "
                "with --data-dir or NEWSBOT_DATA_DIR."
            )
        for number in range(version, SCHEMA_VERSION):
            await self._db.executescript(
                f"BEGIN; {_MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;"
            )

    # -- meta -------------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        async with self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    @_serialized
    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        await self._db.commit()

    # -- writing articles -------------------------------------------------------------

    async def find_existing(
        self, collection: str, article_id: str | None, url: str | None, content_hash: str
    ) -> ExistingArticle | None:
        """The stored article this input updates: same id, else same URL, else same text."""
        conditions = [
            ("article_id = ?", article_id),
            ("url = ?", url),
            ("content_hash = ?", content_hash),
        ]
        for condition, value in conditions:
            if value is None:
                continue
            async with self._db.execute(
                "SELECT a.pk, a.article_id, a.content_hash, a.title, a.added_by, "
                "(SELECT COUNT(*) FROM passages p WHERE p.article_pk = a.pk) AS passages "
                f"FROM articles a WHERE collection = ? AND {condition}",
                (collection, value),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None:
                return _existing_article(row)
        return None

    async def same_title_articles(
        self, collection: str, title: str, added_by: str | None, limit: int = 5
    ) -> list[tuple[ExistingArticle, str]]:
        """The newest stored articles with this title added by ``added_by``, with their text."""
        async with self._db.execute(
            "SELECT a.pk, a.article_id, a.content_hash, a.title, a.added_by, a.text, "
            "(SELECT COUNT(*) FROM passages p WHERE p.article_pk = a.pk) AS passages "
            "FROM articles a WHERE collection = ? AND title = ? AND added_by IS ? "
            "ORDER BY a.pk DESC LIMIT ?",
            (collection, title, added_by, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(_existing_article(row), row["text"]) for row in rows]

    async def article_id_taken(self, collection: str, article_id: str) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM articles WHERE collection = ? AND article_id = ?",
            (collection, article_id),
        ) as cursor:
            return await cursor.fetchone() is not None

    @_serialized
    async def write_article(
        self,
        *,
        collection: str,
        article_id: str,
        article: ArticleInput,
        content_hash: str,
        passages: Sequence[Passage],
        embeddings: np.ndarray,
        attributions: Sequence[NewAttribution],
        added_by: str | None,
        replace_pk: int | None,
        expected_hash: str | None = None,
    ) -> tuple[list[int], list[int], int] | None:
        """Insert (or replace) an article with its passages in one transaction.

        Replaces the row ``replace_pk`` and any row with the same ``(collection,
        article_id)`` (looked up again inside the transaction, so concurrent writers of one
        article never collide); the original ``added_at`` is kept. With ``expected_hash``,
        nothing is written (``None`` is returned) unless the stored article still has that
        content hash: a reindex never overwrites a newer edit.
        Returns ``(new_passage_ids, removed_passage_ids, generation)`` for the vector index.
        """
        removed: list[int] = []
        try:
            await self._db.execute("BEGIN IMMEDIATE")
            async with self._db.execute(
                "SELECT pk, added_at, content_hash FROM articles "
                "WHERE pk = ? OR (collection = ? AND article_id = ?)",
                (replace_pk if replace_pk is not None else -1, collection, article_id),
            ) as cursor:
                replaced = list(await cursor.fetchall())
            if expected_hash is not None and not any(r[2] == expected_hash for r in replaced):
                await self._db.rollback()
                return None
            added_at = min((r[1] for r in replaced), default=_now())
            for row in replaced:
                removed += await self._delete_article_rows(int(row[0]))
            cursor = await self._db.execute(
                "INSERT INTO articles (collection, article_id, title, text, url, source, author, "
                "published, content_hash, added_by, added_at, title_derived) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    collection,
                    article_id,
                    article.title,
                    article.text,
                    article.url,
                    article.source,
                    article.author,
                    article.published,
                    content_hash,
                    added_by,
                    added_at,
                    int(article.title_derived),
                ),
            )
            article_pk = int(cursor.lastrowid or 0)
            new_ids: list[int] = []
            for passage, vector in zip(passages, embeddings, strict=True):
                cursor = await self._db.execute(
                    "INSERT INTO passages (article_pk, ordinal, paragraph, start, end, "
                    "embedding) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        article_pk,
                        passage.ordinal,
                        passage.paragraph,
                        passage.start,
                        passage.end,
                        encode_vector(vector),
                    ),
                )
                new_ids.append(int(cursor.lastrowid or 0))
            token = collection_token(collection)
            await self._db.executemany(
                "INSERT INTO passages_fts (rowid, text, collection) VALUES (?, ?, ?)",
                [(i, p.text, token) for i, p in zip(new_ids, passages, strict=True)],
            )
            await self._db.execute(
                "INSERT INTO titles_fts (rowid, title, collection) VALUES (?, ?, ?)",
                (article_pk, article.title, token),
            )
            await self._insert_attributions(article_pk, attributions)
            generation = await self._bump_generation(collection)
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        return new_ids, removed, generation

    async def _insert_attributions(
        self, article_pk: int, attributions: Sequence[NewAttribution]
    ) -> None:
        await self._db.executemany(
            "INSERT INTO attributions (article_pk, start, end, speaker, surname, kind) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(article_pk, a.start, a.end, a.speaker, a.surname, a.kind) for a in attributions],
        )

    async def _delete_article_rows(self, article_pk: int) -> list[int]:
        """Delete an article with its passages and FTS rows (contentless FTS5 tables are
        told the deleted values); returns the passage ids."""
        async with self._db.execute(
            "SELECT collection, title FROM articles WHERE pk = ?", (article_pk,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return []
        token = collection_token(row[0])
        async with self._db.execute(
            f"SELECT p.id, {PASSAGE_TEXT} FROM passages p JOIN articles a ON a.pk = p.article_pk "
            "WHERE p.article_pk = ?",
            (article_pk,),
        ) as cursor:
            rows = list(await cursor.fetchall())
        await self._db.executemany(
            "INSERT INTO passages_fts (passages_fts, rowid, text, collection) "
            "VALUES ('delete', ?, ?, ?)",
            [(r[0], r[1], token) for r in rows],
        )
        await self._db.execute(
            "INSERT INTO titles_fts (titles_fts, rowid, title, collection) "
            "VALUES ('delete', ?, ?, ?)",
            (article_pk, row[1], token),
        )
        await self._db.execute("DELETE FROM articles WHERE pk = ?", (article_pk,))
        return [int(r[0]) for r in rows]

    async def _bump_generation(self, collection: str) -> int:
        """Count a change to ``collection``; returns its new generation (inside the transaction)."""
        await self._db.execute(
            "INSERT INTO collections (name, generation) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET generation = generation + 1",
            (collection,),
        )
        async with self._db.execute(
            "SELECT generation FROM collections WHERE name = ?", (collection,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    @_serialized
    async def delete_article(
        self, collection: str, article_id: str
    ) -> tuple[Article, list[int], int] | None:
        """Remove an article; returns it, its passage ids and the new generation, or ``None``."""
        article = await self.get_article(collection, article_id)
        if article is None:
            return None
        try:
            await self._db.execute("BEGIN IMMEDIATE")
            async with self._db.execute(
                "SELECT pk FROM articles WHERE collection = ? AND article_id = ?",
                (collection, article_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                await self._db.rollback()
                return None
            removed = await self._delete_article_rows(int(row[0]))
            generation = await self._bump_generation(collection)
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        return article, removed, generation

    # -- reading articles -------------------------------------------------------------

    _ARTICLE_COLUMNS = (
        "a.article_id, a.collection, a.title, a.text, a.url, a.source, a.author, a.published, "
        "a.added_by, a.added_at, a.title_derived, "
        "(SELECT COUNT(*) FROM passages p WHERE p.article_pk = a.pk) AS passage_count"
    )

    @staticmethod
    def _article(row: sqlite3.Row) -> Article:
        return Article(
            id=row["article_id"],
            collection=row["collection"],
            title=row["title"],
            text=row["text"],
            url=row["url"],
            source=row["source"],
            author=row["author"],
            published=row["published"],
            added_by=row["added_by"],
            added_at=row["added_at"],
            passage_count=row["passage_count"],
            title_derived=bool(row["title_derived"]),
        )

    async def get_article(self, collection: str, article_id: str) -> Article | None:
        async with self._db.execute(
            f"SELECT {self._ARTICLE_COLUMNS} FROM articles a "
            "WHERE a.collection = ? AND a.article_id = ?",
            (collection, article_id),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else self._article(row)

    async def find_article(self, collections: Sequence[str], article_id: str) -> Article | None:
        """The article with this id in the first of ``collections`` that has one."""
        for collection in collections:
            article = await self.get_article(collection, article_id)
            if article is not None:
                return article
        return None

    async def list_articles(
        self, collections: Sequence[str], *, offset: int = 0, limit: int = 50
    ) -> list[Article]:
        marks = ",".join("?" * len(collections))
        async with self._db.execute(
            f"SELECT {self._ARTICLE_COLUMNS} FROM articles a WHERE a.collection IN ({marks}) "
            "ORDER BY a.added_at DESC, a.pk DESC LIMIT ? OFFSET ?",
            (*collections, limit, offset),
        ) as cursor:
            return [self._article(row) for row in await cursor.fetchall()]

    async def count_articles(self, collections: Sequence[str] | None = None) -> int:
        if collections is None:
            query, args = "SELECT COUNT(*) FROM articles", ()
        else:
            marks = ",".join("?" * len(collections))
            query, args = (
                f"SELECT COUNT(*) FROM articles WHERE collection IN ({marks})",
                tuple(collections),
            )
        async with self._db.execute(query, args) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def article_texts(self, after_pk: int, limit: int) -> list[tuple[int, str]]:
        """``(pk, text)`` of up to ``limit`` articles with a pk above ``after_pk``, in order."""
        async with self._db.execute(
            "SELECT pk, text FROM articles WHERE pk > ? ORDER BY pk LIMIT ?", (after_pk, limit)
        ) as cursor:
            return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]

    @_serialized
    async def replace_attributions(
        self, article_pk: int, text: str, attributions: Sequence[NewAttribution]
    ) -> bool:
        """Swap an article's attributions for ``attributions`` (found in ``text``) in one
        transaction; ``False`` (nothing written) if the article's text changed meanwhile."""
        try:
            await self._db.execute("BEGIN IMMEDIATE")  # no other process writes meanwhile
            async with self._db.execute(
                "SELECT text FROM articles WHERE pk = ?", (article_pk,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row[0] != text:
                await self._db.rollback()
                return False
            await self._db.execute("DELETE FROM attributions WHERE article_pk = ?", (article_pk,))
            await self._insert_attributions(article_pk, attributions)
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        return True

    async def article_keys(self) -> list[tuple[str, str]]:
        """``(collection, article_id)`` of every article, oldest first (for reindex)."""
        async with self._db.execute(
            "SELECT collection, article_id FROM articles ORDER BY pk"
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    async def article_by_pk(self, article_pk: int) -> Article | None:
        async with self._db.execute(
            f"SELECT {self._ARTICLE_COLUMNS} FROM articles a WHERE a.pk = ?", (article_pk,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else self._article(row)

    # -- collections and vectors ------------------------------------------------------

    async def generations(self) -> dict[str, int]:
        rows = await self._db.execute_fetchall("SELECT name, generation FROM collections")
        return {row[0]: int(row[1]) for row in rows}

    async def collection_sizes(self) -> dict[str, int]:
        rows = await self._db.execute_fetchall(
            "SELECT collection, COUNT(*) FROM articles GROUP BY collection"
        )
        return {row[0]: int(row[1]) for row in rows}

    async def count_passages(self, collection: str | None = None) -> int:
        query, args = _passage_count_query(collection)
        async with self._db.execute(query, args) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def count_passages_aside(self, collection: str | None = None) -> int:
        """:meth:`count_passages` on a connection of its own, in a worker thread: counting a
        million passages takes ~0.2 s, which on the shared connection would hold up every
        question's queries queued behind it (WAL: it sees every committed write)."""
        query, args = _passage_count_query(collection)

        def count() -> int:
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                row = connection.execute(query, args).fetchone()
            finally:
                connection.close()
            return int(row[0]) if row else 0

        return await asyncio.to_thread(count)

    async def iter_embeddings(
        self, collection: str, dimension: int, batch: int = 10_000
    ) -> AsyncIterator[tuple[np.ndarray, np.ndarray]]:
        """Stored ``(ids, vectors)`` of one collection, in batches (a scan of the passages
        in id order: the ``+`` keeps SQLite from sorting the collection's passages for every
        batch, which made a 1M rebuild read for 18 s instead of 5)."""
        last_id = -1
        while True:
            rows = await self._db.execute_fetchall(
                "SELECT p.id, p.embedding FROM passages p WHERE p.id > ? AND +p.article_pk IN "
                "(SELECT pk FROM articles WHERE collection = ?) ORDER BY p.id LIMIT ?",
                (last_id, collection, batch),
            )
            if not rows:
                return
            ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            yield ids, decode_vectors([row[1] for row in rows], dimension)
            last_id = int(ids[-1])

    async def sample_embeddings(
        self, collection: str, dimension: int, size: int, seed: int = 1234
    ) -> tuple[np.ndarray, np.ndarray]:
        """Up to ``size`` stored ``(ids, vectors)`` of one collection, drawn at random by id
        (fewer where the collection's ids are sparse among other collections'): training
        data for an approximate index, read before the rest."""
        async with self._db.execute("SELECT max(id) FROM passages") as cursor:
            top = (await cursor.fetchone())[0] or 0
        picks = np.random.default_rng(seed).choice(top, size=min(top, size), replace=False) + 1
        rows = await self._db.execute_fetchall(
            "SELECT p.id, p.embedding FROM passages p WHERE p.id IN "
            "(SELECT value FROM json_each(?)) AND +p.article_pk IN "
            "(SELECT pk FROM articles WHERE collection = ?)",
            (json.dumps(np.sort(picks).tolist()), collection),
        )
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        return ids, decode_vectors([row[1] for row in rows], dimension)

    # -- search support ---------------------------------------------------------------

    async def keyword_search(
        self,
        match: str,
        collections: Sequence[str],
        limit: int,
        *,
        passage_range: tuple[int, int] | None = None,
        filter_collections: bool = True,
        newest: int | None = None,
    ) -> list[tuple[int, float]]:
        """``(passage_id, bm25)`` for an FTS5 MATCH expression over the passage texts of
        ``collections`` (optionally only ids in ``passage_range``); lower bm25 is better.

        The collection filter is part of the FTS5 query (a token in each row), so a
        question in a small collection never scores the passages of the others. When the
        collections hold most of the passages, that filter costs more than it saves: with
        ``filter_collections=False`` it is left out and the caller filters the hits
        (:meth:`in_collections`).

        With ``newest``, only the ``newest`` most recently added matching passages are
        scored (see :meth:`_newest_bound`): scoring costs time per match, so a common
        term (a frequent surname) is bounded instead of scored over the whole library.
        """
        if not collections:
            return []
        expression = f"{collection_filter(collections)} AND text : ({match})"
        if not filter_collections:
            expression = f"text : ({match})"
        return await self._bm25("passages_fts", expression, limit, newest, passage_range)

    async def keyword_search_ranges(
        self, match: str, ranges: Sequence[tuple[int, int]], per_range: int
    ) -> list[tuple[int, float]]:
        """The best ``per_range`` ``(passage_id, bm25)`` for ``match`` within each range of
        passage ids (of any collection: ranges are chosen articles), in one query."""
        if not ranges:
            return []
        part = (
            "SELECT * FROM (SELECT rowid, bm25(passages_fts, 1.0, 0.0) AS score "
            "FROM passages_fts WHERE passages_fts MATCH ? AND rowid BETWEEN ? AND ? "
            "ORDER BY score LIMIT ?)"
        )
        args = [v for low, high in ranges for v in (f"text : ({match})", low, high, per_range)]
        return await self._fts(" UNION ALL ".join([part] * len(ranges)), args)

    async def _bm25(
        self,
        table: str,
        expression: str,
        limit: int,
        newest: int | None,
        rowid_range: tuple[int, int] | None = None,
    ) -> list[tuple[int, float]]:
        """The best ``limit`` ``(rowid, bm25)`` of ``table`` for ``expression`` (only rowids
        in ``rowid_range``; with ``newest``, among the newest matches only)."""
        where, args = f"{table} MATCH ?", [expression]
        if rowid_range is not None:
            where += " AND rowid BETWEEN ? AND ?"
            args += list(rowid_range)
        if newest is not None:
            lowest = await self._newest_bound(table, expression, newest)
            if lowest is not None:
                where += " AND rowid >= ?"
                args.append(lowest)
        return await self._fts(
            f"SELECT rowid, bm25({table}, 1.0, 0.0) AS score FROM {table} "
            f"WHERE {where} ORDER BY score LIMIT ?",
            (*args, limit),
        )

    async def _newest_bound(self, table: str, expression: str, newest: int) -> int | None:
        """The rowid of the ``newest``-th highest-rowid row of ``table`` matching
        ``expression`` (``None`` if fewer match). Walking a doclist without scoring is
        several times cheaper than scoring it, so this costs little next to what it saves."""
        if newest < 1:
            return None
        found = await self._fts(
            f"SELECT rowid, 0.0 FROM {table} WHERE {table} MATCH ? "
            "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (expression, newest - 1),
        )
        return found[0][0] if found else None

    async def title_search(
        self,
        match: str,
        collections: Sequence[str],
        limit: int,
        *,
        newest: int | None = None,
        filter_collections: bool = True,
    ) -> list[tuple[int, float]]:
        """``(article_pk, bm25)`` of the articles whose title matches ``match`` (with
        ``newest``, among the ``newest`` most recently added matching titles only; with
        ``filter_collections=False`` of any collection: the caller filters, see
        :meth:`articles_in_collections`)."""
        if not collections:
            return []
        expression = f"{collection_filter(collections)} AND title : ({match})"
        if not filter_collections:
            expression = f"title : ({match})"
        return await self._bm25("titles_fts", expression, limit, newest)

    async def matches_exist(
        self, probes: Sequence[tuple[str, str]], collections: Sequence[str]
    ) -> list[bool]:
        """For each ``(table, match)`` probe (``passages_fts`` or ``titles_fts``), whether
        a row of ``collections`` matches ``match`` (as :meth:`keyword_search` or
        :meth:`title_search` would find one), without scoring every match; each stops at
        the first.

        One statement asks every probe without the collection filter, and whether the
        library holds other collections with it (the same snapshot): when nothing
        matches (the slow case, every candidate row is visited) the unfiltered walk is
        several times cheaper, and no unfiltered match means no filtered one. Only when
        the library holds other collections too does a second statement ask the probes
        that matched, filtered."""
        if not probes or not collections:
            return [False] * len(probes)
        row = await self._exists_row(probes, None, _outside(collections))
        if row is None:  # a probe FTS5 cannot parse: each on its own (that one is False)
            return [await self._exists_alone(probe, collections) for probe in probes]
        found = [bool(value) for value in row[: len(probes)]]
        if not row[-1]:  # the asked collections are the whole library
            return found
        asked = [probe for probe, hit in zip(probes, found, strict=True) if hit]
        filtered = iter(await self._exists_row(asked, collections) or [0] * len(asked))
        return [hit and bool(next(filtered)) for hit in found]

    async def _exists_alone(self, probe: tuple[str, str], collections: Sequence[str]) -> bool:
        row = await self._exists_row([probe], collections)
        return bool(row and row[0])

    async def _exists_row(
        self,
        probes: Sequence[tuple[str, str]],
        collections: Sequence[str] | None,
        extra: tuple[str, list[str]] | None = None,
    ) -> tuple[object, ...] | None:
        """One row: per probe 1 if a row of its table (of ``collections``, if given)
        matches, else 0; then the ``extra`` column (an expression and its arguments).
        ``None`` if FTS5 cannot parse a probe."""
        if not probes:
            return ()
        columns: list[str] = []
        args: list[object] = []
        for table, match in probes:
            expression = f"{_FTS_COLUMNS[table]} : ({match})"
            if collections is not None:
                expression = f"{collection_filter(collections)} AND {expression}"
            columns.append(f"EXISTS (SELECT 1 FROM {table} WHERE {table} MATCH ?)")
            args.append(expression)
        if extra is not None:
            columns.append(extra[0])
            args += extra[1]
        query = "SELECT " + ", ".join(columns)
        try:
            rows = await self._db.execute_fetchall(query, args)
        except sqlite3.OperationalError as error:
            if "fts5" in str(error).lower() or "syntax" in str(error).lower():
                return None
            raise
        return tuple(rows[0])

    async def _fts(self, query: str, args: Sequence[object]) -> list[tuple[int, float]]:
        try:
            rows = await self._db.execute_fetchall(query, args)
        except sqlite3.OperationalError as error:
            if "fts5" in str(error).lower() or "syntax" in str(error).lower():
                return []  # a question FTS5 cannot parse: dense retrieval still answers
            raise
        return [(int(row[0]), float(row[1])) for row in rows]

    async def document_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many passages hold each (stemmed) term, from the FTS vocabulary (one query
        for all the terms)."""
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return {}
        rows = await self._db.execute_fetchall(
            f"SELECT term, doc FROM passages_vocab WHERE term IN ({','.join('?' * len(wanted))})",
            wanted,
        )
        found = {str(row[0]): int(row[1]) for row in rows}
        return {term: found.get(term, 0) for term in wanted}

    async def passage_spans(self, article_pks: Sequence[int]) -> dict[int, tuple[int, int]]:
        """``article_pk -> (first, last passage id)`` (an article's ids are consecutive)."""
        if not article_pks:
            return {}
        marks = ",".join("?" * len(article_pks))
        rows = await self._db.execute_fetchall(
            "SELECT article_pk, MIN(id), MAX(id) FROM passages "
            f"WHERE article_pk IN ({marks}) GROUP BY article_pk",
            list(article_pks),
        )
        return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}

    async def holds_only(self, collections: Sequence[str]) -> bool:
        """Whether every article of the library belongs to one of ``collections`` (true
        of an empty library): then no result needs a collection filter. A few index
        lookups (see :func:`_outside`)."""
        if not collections:
            return not await self._db.execute_fetchall("SELECT 1 FROM articles LIMIT 1")
        expression, args = _outside(collections)
        rows = await self._db.execute_fetchall(f"SELECT {expression}", args)
        return not rows[0][0]

    async def in_collections(self, ids: Sequence[int], collections: Sequence[str]) -> set[int]:
        """Which of the passages ``ids`` belong to one of ``collections``."""
        if not ids or not collections:
            return set()
        marks = ",".join("?" * len(ids))
        names = ",".join("?" * len(collections))
        rows = await self._db.execute_fetchall(
            # CROSS JOIN: look the few passages up first, never scan a collection's articles
            f"SELECT p.id FROM passages p CROSS JOIN articles a ON a.pk = p.article_pk "
            f"WHERE p.id IN ({marks}) AND a.collection IN ({names})",
            (*ids, *collections),
        )
        return {int(r[0]) for r in rows}

    async def articles_in_collections(
        self, article_pks: Sequence[int], collections: Sequence[str]
    ) -> set[int]:
        """Which of the articles ``article_pks`` belong to one of ``collections``."""
        if not article_pks or not collections:
            return set()
        marks = ",".join("?" * len(article_pks))
        names = ",".join("?" * len(collections))
        rows = await self._db.execute_fetchall(
            # "+collection": look the few articles up by key, never scan a collection's index
            f"SELECT pk FROM articles WHERE pk IN ({marks}) AND +collection IN ({names})",
            (*article_pks, *collections),
        )
        return {int(r[0]) for r in rows}

    async def passage_articles(self, ids: Sequence[int]) -> dict[int, int]:
        """``passage_id -> article_pk``."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self._db.execute_fetchall(
            f"SELECT id, article_pk FROM passages WHERE id IN ({marks})", list(ids)
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def passages(self, ids: Iterable[int]) -> dict[int, StoredPassage]:
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self._db.execute_fetchall(
            "SELECT p.id, p.article_pk, a.collection, a.article_id, a.title, a.source, a.url, "
            f"a.published, p.paragraph, p.start, p.end, {PASSAGE_TEXT} FROM passages p "
            f"JOIN articles a ON a.pk = p.article_pk WHERE p.id IN ({marks})",
            ids,
        )
        return {row[0]: StoredPassage(*row) for row in rows}

    async def passage_embeddings(self, ids: Sequence[int], dimension: int) -> dict[int, np.ndarray]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self._db.execute_fetchall(
            f"SELECT id, embedding FROM passages WHERE id IN ({marks})", list(ids)
        )
        vectors = decode_vectors([row[1] for row in rows], dimension)
        return {row[0]: vector for row, vector in zip(rows, vectors, strict=True)}

    async def articles_by_pk(self, article_pks: Sequence[int]) -> dict[int, Article]:
        """Several articles by primary key in one query (missing ones are left out)."""
        if not article_pks:
            return {}
        marks = ",".join("?" * len(article_pks))
        rows = await self._db.execute_fetchall(
            f"SELECT a.pk AS pk, {self._ARTICLE_COLUMNS} FROM articles a WHERE a.pk IN ({marks})",
            list(article_pks),
        )
        return {int(row["pk"]): self._article(row) for row in rows}

    async def passages_of_articles(
        self, article_pks: Sequence[int], articles: Mapping[int, Article] | None = None
    ) -> dict[int, list[StoredPassage]]:
        """Every passage of several articles, in article order, in one query (the person
        path reads a bounded number of articles this way). With ``articles`` (the same
        articles, already read, by primary key) their passages' texts are cut from them
        instead of being read again."""
        if not article_pks:
            return {}
        marks = ",".join("?" * len(article_pks))
        found: dict[int, list[StoredPassage]] = {}
        if articles is not None and all(pk in articles for pk in article_pks):
            rows = await self._db.execute_fetchall(
                "SELECT id, article_pk, paragraph, start, end FROM passages "
                f"WHERE article_pk IN ({marks}) ORDER BY article_pk, ordinal",
                list(article_pks),
            )
            for passage_id, pk, paragraph, start, end in rows:
                a = articles[pk]
                cited = (a.collection, a.id, a.title, a.source, a.url, a.published)
                found.setdefault(pk, []).append(
                    StoredPassage(passage_id, pk, *cited, paragraph, start, end, a.text[start:end])
                )
            return found
        rows = await self._db.execute_fetchall(
            "SELECT p.id, p.article_pk, a.collection, a.article_id, a.title, a.source, a.url, "
            f"a.published, p.paragraph, p.start, p.end, {PASSAGE_TEXT} FROM passages p "
            f"JOIN articles a ON a.pk = p.article_pk WHERE p.article_pk IN ({marks}) "
            "ORDER BY p.article_pk, p.ordinal",
            list(article_pks),
        )
        for row in rows:
            found.setdefault(row[1], []).append(StoredPassage(*row))
        return found

    async def lead_passages(self, collections: Sequence[str], limit: int) -> list[StoredPassage]:
        """The first passage of each of the ``limit`` articles added last to
        ``collections``, newest first (what "the latest news" starts from)."""
        marks = ",".join("?" * len(collections))
        rows = await self._db.execute_fetchall(
            "SELECT p.id, p.article_pk, a.collection, a.article_id, a.title, a.source, a.url, "
            f"a.published, p.paragraph, p.start, p.end, {PASSAGE_TEXT} FROM articles a "
            "JOIN passages p ON p.article_pk = a.pk AND p.ordinal = 0 "
            f"WHERE a.collection IN ({marks}) ORDER BY a.added_at DESC, a.pk DESC LIMIT ?",
            (*collections, limit),
        )
        return [StoredPassage(*row) for row in rows]

    async def article_passages(self, article_pk: int) -> list[StoredPassage]:
        rows = await self._db.execute_fetchall(
            "SELECT p.id, p.article_pk, a.collection, a.article_id, a.title, a.source, a.url, "
            f"a.published, p.paragraph, p.start, p.end, {PASSAGE_TEXT} FROM passages p "
            "JOIN articles a ON a.pk = p.article_pk WHERE p.article_pk = ? ORDER BY p.ordinal",
            (article_pk,),
        )
        return [StoredPassage(*row) for row in rows]

    async def attributions_by_surname(
        self, surnames: Sequence[str], collections: Sequence[str], limit: int = -1
    ) -> list[StoredAttribution]:
        """Attributions to these surname keys, by article then offset; with ``limit``, only
        the newest articles' ones (a common surname is capped, not read in full)."""
        if not surnames:
            return []
        marks = ",".join("?" * len(collections))
        newest: list[StoredAttribution] = []
        for surname in dict.fromkeys(surnames):
            # one surname at a time: its rows come in index order (no sort of all of them)
            rows = await self._db.execute_fetchall(
                "SELECT t.article_pk, t.start, t.end, t.speaker, t.kind FROM attributions t "
                "JOIN articles a ON a.pk = t.article_pk WHERE t.surname = ? "
                f"AND a.collection IN ({marks}) ORDER BY t.article_pk DESC, t.start DESC LIMIT ?",
                (surname, *collections, limit),
            )
            newest += [StoredAttribution(*row) for row in rows]
        newest.sort(key=lambda a: (a.article_pk, a.start), reverse=True)
        return list(reversed(newest if limit < 0 else newest[:limit]))

    async def surnames_starting(
        self, prefix: str, collections: Sequence[str], limit: int = 5
    ) -> list[str]:
        """Distinct speaker surname keys that start with ``prefix`` (a typed-short name)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        marks = ",".join("?" * len(collections))
        # Keys are stored lower-cased, so LIKE's matches (ASCII case ignored) all lie in
        # [low, high): the surname index is searched for that range, each distinct surname
        # is then checked once for an article of the collections (not every attribution).
        low = prefix.translate(_ASCII_LOWER)
        bounds, args = "", [escaped + "%"]
        if low and ord(low[-1]) < 0xD7FF:  # (the next code point is no surrogate)
            bounds = "surname >= ? AND surname < ? AND "
            args = [low, low[:-1] + chr(ord(low[-1]) + 1), *args]
        rows = await self._db.execute_fetchall(
            "SELECT s.surname FROM (SELECT DISTINCT surname FROM attributions "
            f"WHERE {bounds}surname LIKE ? ESCAPE '\\') s "
            "WHERE EXISTS (SELECT 1 FROM attributions t CROSS JOIN articles a "
            "ON a.pk = t.article_pk WHERE t.surname = s.surname "
            f"AND a.collection IN ({marks})) LIMIT ?",
            (*args, *collections, limit),
        )
        return [str(row[0]) for row in rows]

    async def attributions_of_passages(self, passage_ids: Sequence[int]) -> list[StoredAttribution]:
        """:meth:`attributions_in` the articles holding ``passage_ids``, in one query (no
        need to read the passages first)."""
        if not passage_ids:
            return []
        marks = ",".join("?" * len(passage_ids))
        rows = await self._db.execute_fetchall(
            "SELECT article_pk, start, end, speaker, kind FROM attributions WHERE article_pk IN "
            f"(SELECT article_pk FROM passages WHERE id IN ({marks})) "
            "ORDER BY article_pk, start",
            list(passage_ids),
        )
        return [StoredAttribution(*row) for row in rows]

    async def attributions_in(self, article_pks: Sequence[int]) -> list[StoredAttribution]:
        if not article_pks:
            return []
        marks = ",".join("?" * len(article_pks))
        rows = await self._db.execute_fetchall(
            "SELECT article_pk, start, end, speaker, kind FROM attributions "
            f"WHERE article_pk IN ({marks}) ORDER BY article_pk, start",
            list(article_pks),
        )
        return [StoredAttribution(*row) for row in rows]

    # -- answers shown (index.conversations) -------------------------------------------

    @_serialized
    async def add_answer(
        self, collections: str, record: bytes, asker: str | None, created: float, keep: int
    ) -> int:
        """Store one shown answer; forget all but the newest ``keep``. Returns its id."""
        try:
            async with self._db.execute(
                "INSERT INTO answers (collections, record, asker, created) VALUES (?, ?, ?, ?)",
                (collections, record, asker, created),
            ) as cursor:
                answer_id = int(cursor.lastrowid or 0)
            await self._db.execute("DELETE FROM answers WHERE id <= ?", (answer_id - max(keep, 1),))
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        return answer_id

    @_serialized
    async def update_answer(
        self, answer_id: int, *, ref: str | None = None, record: bytes | None = None
    ) -> None:
        """Set an answer's front-end reference (e.g. its message id) and/or its record."""
        try:
            if ref is not None:
                await self._db.execute("UPDATE answers SET ref = ? WHERE id = ?", (ref, answer_id))
            if record is not None:
                await self._db.execute(
                    "UPDATE answers SET record = ? WHERE id = ?", (record, answer_id)
                )
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise

    async def get_answer(
        self, *, answer_id: int | None = None, ref: str | None = None
    ) -> tuple[int, str, str | None, bytes, float] | None:
        """``(id, collections, asker, record, created)`` of a stored answer, by id or ref."""
        column, value = ("id", answer_id) if answer_id is not None else ("ref", ref)
        async with self._db.execute(
            f"SELECT id, collections, asker, record, created FROM answers WHERE {column} = ?",
            (value,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return int(row[0]), str(row[1]), row[2], bytes(row[3]), float(row[4])

    @_serialized
    async def prune_answers(self, before: float) -> int:
        """Forget answers stored before ``before`` (a Unix time); returns how many."""
        try:
            async with self._db.execute(
                "DELETE FROM answers WHERE created < ?", (before,)
            ) as cursor:
                count = cursor.rowcount
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise
        return max(count, 0)

    async def database_bytes(self) -> int:
        return sum(
            p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file()
        )
