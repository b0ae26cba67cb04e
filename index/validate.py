"""Checks and bounds on an article (and a question) before it reaches the store.

Every refusal is a :class:`BadArticle` naming the input and the field, so one bad article
in a batch is reported and the others still go in. What is accepted is normalised:

- the text is kept exactly as given (quotes are verbatim, offsets index into it); the
  content hash is taken of its NFC form (see ``content_hash``), so the same article
  saved as NFC and as NFD is one article. Title, source, author and id are put in NFC;
- a title longer than :data:`MAX_TITLE_CHARS` (and a source or author longer than
  :data:`MAX_NAME_CHARS`) is cut at a word boundary and ends with "…";
- an id longer than :data:`MAX_ID_CHARS`, a URL longer than :data:`MAX_URL_CHARS` or a
  ``published`` longer than :data:`MAX_PUBLISHED_CHARS` is refused (cutting them would
  make a different id, a broken link or a wrong date);
- lone surrogates (text that is not valid Unicode) and NUL characters are refused in
  every field, and control characters in ids and URLs.
"""

from __future__ import annotations

import dataclasses
import logging
import unicodedata

from index.errors import BadArticle
from index.models import ArticleInput

log = logging.getLogger(__name__)

MIN_ARTICLE_CHARS = 40
"""Shorter texts have nothing to quote."""
MIN_ARTICLE_WORD_CHARS = 20
"""Letters or digits an article needs: 60 dots or 60 zero-width spaces are not news."""
MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 200
"""For ``source`` and ``author``."""
MAX_ID_CHARS = 200
MAX_URL_CHARS = 2000
MAX_PUBLISHED_CHARS = 100
MAX_QUESTION_CHARS = 1000

_INVALID_UNICODE = (
    "holds characters that are not valid Unicode (a lone surrogate such as {char}); "
    "re-save it as UTF-8"
)


def check_article(article: ArticleInput, max_chars: int) -> ArticleInput:
    """The article to store, normalised and bounded; :class:`BadArticle` if it cannot be."""
    origin = article.origin
    text = _check_text(article.text, origin, max_chars)
    title = _check_title(article.title, origin)
    return dataclasses.replace(
        article,
        text=text,
        title=title,
        id=_check_strict(article.id, "id", MAX_ID_CHARS, origin),
        url=_check_strict(article.url, "url", MAX_URL_CHARS, origin),
        source=_check_name(article.source, "source", origin),
        author=_check_name(article.author, "author", origin),
        published=_check_published(article.published, origin),
    )


def normalise_stored(article: ArticleInput) -> ArticleInput:
    """A stored article made as :func:`check_article` would, without refusing it.

    Used by reindex: an article stored by an older newsbot stays in, whatever the
    checks of today say about it.
    """
    title = _cut(_nfc(article.title), MAX_TITLE_CHARS) if _valid(article.title) else article.title
    return dataclasses.replace(article, title=title)


def check_question(question: str) -> str:
    """The question stripped, or :class:`BadArticle` with what to fix."""
    question = question.strip()
    if not _valid(question):
        raise BadArticle(
            "That question holds bytes that are not valid text (not UTF-8); type it again."
        )
    if "\x00" in question:
        raise BadArticle("That question holds a NUL character; type it again.")
    question = _nfc(question)
    if not question:
        raise BadArticle("Ask a question, e.g. “What did Marks say?”")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadArticle(
            f"That question is {len(question):,} characters long; please keep questions "
            f"under {MAX_QUESTION_CHARS:,}."
        )
    return question


# -- fields ---------------------------------------------------------------------------


def _check_text(text: str, origin: str, max_chars: int) -> str:
    if not text or not text.strip():
        raise BadArticle(f"{origin}: the article has no text")
    if not _valid(text):
        raise BadArticle(f"{origin}: the text {_invalid_message(text)}")
    if "\x00" in text:
        raise BadArticle(f"{origin}: the text contains binary data (NUL characters)")
    if len(text) > max_chars:
        raise BadArticle(
            f"{origin}: the article is {len(text):,} characters long; the limit is "
            f"{max_chars:,} (NEWSBOT_MAX_ARTICLE_CHARS). Split it or raise the limit."
        )
    stripped = text.strip()
    if len(stripped) < MIN_ARTICLE_CHARS:
        raise BadArticle(
            f"{origin}: the article text is only {len(stripped)} characters; "
            f"at least {MIN_ARTICLE_CHARS} are needed to quote from it"
        )
    if _word_chars(stripped, MIN_ARTICLE_WORD_CHARS) < MIN_ARTICLE_WORD_CHARS:
        raise BadArticle(
            f"{origin}: the article text has fewer than {MIN_ARTICLE_WORD_CHARS} letters or "
            "digits (only punctuation, symbols or invisible characters); there are no words "
            "to quote"
        )
    return text


def _check_title(title: str, origin: str) -> str:
    if not isinstance(title, str) or not _visible(title):
        raise BadArticle(f"{origin}: the article has no title")
    if not _valid(title):
        raise BadArticle(f"{origin}: the title {_invalid_message(title)}")
    if "\x00" in title:
        raise BadArticle(f"{origin}: the title contains a NUL character (binary data)")
    title = _nfc(title.strip())
    if len(title) > MAX_TITLE_CHARS:
        log.info("%s: title of %d characters cut to %d", origin, len(title), MAX_TITLE_CHARS)
        title = _cut(title, MAX_TITLE_CHARS)
    return title


def _check_strict(value: str | None, field: str, limit: int, origin: str) -> str | None:
    """``id`` and ``url``: refused, never altered, when too long or holding control chars."""
    if value is None:
        return None
    if len(value) > limit:
        raise BadArticle(
            f"{origin}: the '{field}' is {len(value):,} characters long; the limit is {limit:,}"
        )
    if not _valid(value):
        raise BadArticle(f"{origin}: the '{field}' {_invalid_message(value)}")
    bad = next((ch for ch in value if unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise BadArticle(
            f"{origin}: the '{field}' holds a control character (U+{ord(bad):04X}); remove it"
        )
    value = _nfc(value.strip())
    return value or None


def _check_name(value: str | None, field: str, origin: str) -> str | None:
    """``source`` and ``author``: display text, cut at a word boundary when too long."""
    if value is None:
        return None
    if not _valid(value):
        raise BadArticle(f"{origin}: the '{field}' {_invalid_message(value)}")
    if "\x00" in value:
        raise BadArticle(f"{origin}: the '{field}' contains a NUL character (binary data)")
    value = _nfc(" ".join(value.split()))
    if len(value) > MAX_NAME_CHARS:
        log.info("%s: %s of %d characters cut to %d", origin, field, len(value), MAX_NAME_CHARS)
        value = _cut(value, MAX_NAME_CHARS)
    return value or None


def _check_published(value: str | None, origin: str) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_PUBLISHED_CHARS:
        raise BadArticle(
            f"{origin}: 'published' is {len(value):,} characters long; a date such as "
            f"2024-05-01 is expected (at most {MAX_PUBLISHED_CHARS})"
        )
    if not _valid(value):
        raise BadArticle(f"{origin}: 'published' {_invalid_message(value)}")
    if "\x00" in value:
        raise BadArticle(f"{origin}: 'published' contains a NUL character (binary data)")
    return value.strip() or None


# -- helpers --------------------------------------------------------------------------


def _valid(value: str) -> bool:
    """Whether ``value`` can be encoded as UTF-8 (no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _invalid_message(value: str) -> str:
    char = next((ch for ch in value if 0xD800 <= ord(ch) <= 0xDFFF), "")
    return _INVALID_UNICODE.format(char=f"U+{ord(char):04X}" if char else "U+D800")


def _nfc(value: str) -> str:
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def _visible(value: str) -> bool:
    """Whether ``value`` has a character that is neither space nor invisible formatting."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc") for ch in value)


def _word_chars(text: str, enough: int) -> int:
    """Letters and digits in ``text``, counting no further than ``enough``."""
    count = 0
    for ch in text:
        if ch.isalnum():
            count += 1
            if count >= enough:
                break
    return count


def _cut(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` characters at a word boundary, ending with "…"."""
    if len(value) <= limit:
        return value
    head = value[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + "…"
