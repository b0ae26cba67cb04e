"""One root error for the library; every message says what went wrong and how to fix it."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class; ``str(error)`` is a message ready to show to a user."""


class BadArticle(NewsbotError):
    """An article (file, URL or pasted text) that cannot be ingested."""


class ArticleNotFound(NewsbotError):
    """No article with that id in the collections the caller may see."""


class ReindexInProgress(NewsbotError):
    """A reindex was asked for while one is already running."""


class FetchError(BadArticle):
    """A URL could not be fetched or is not an article page."""


class UrlRefused(FetchError):
    """A URL points somewhere the bot must not fetch (private network, bad scheme)."""


class IndexMismatch(NewsbotError):
    """The stored embeddings were made by another model than the configured one."""
