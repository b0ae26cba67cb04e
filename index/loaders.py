"""Files -> :class:`ArticleInput` records: ``.txt``/``.md``, ``.html``, ``.json``/``.jsonl``.

Loaders never raise for one bad input: each returns the articles it could read and an
:class:`IngestFailure` naming the file (and line) and the reason for each it could not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import BadArticle
from index.models import ArticleInput, IngestFailure

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_SUFFIXES = frozenset({".json", ".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
MAX_FILE_BYTES = 20_000_000
"""Default largest file read (``NEWSBOT_MAX_FILE_BYTES``); ``.jsonl`` feeds have no file
limit, only each article's own (``NEWSBOT_MAX_ARTICLE_CHARS``)."""
_JSON_FIELDS = ("id", "url", "source", "author", "published")
MAX_JSON_INT_DIGITS = 100
"""Longer integer literals are kept as :class:`LongNumber` text, never converted: Python
refuses to convert more than 4,300 digits (and converting is quadratic below that)."""


class LongNumber(str):
    """The digits of a JSON integer too long to be a number an article needs."""


def _parse_int(digits: str) -> int | str:
    if len(digits) > MAX_JSON_INT_DIGITS:
        return LongNumber(digits)
    return int(digits)


def _json_loads(text: str) -> object:
    """``json.loads`` that survives integers of any length (see :class:`LongNumber`)."""
    return json.loads(text, parse_int=_parse_int)


@dataclass
class Loaded:
    """Articles read from some inputs, and the inputs that could not be read."""

    articles: list[ArticleInput] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)

    def extend(self, other: Loaded) -> None:
        self.articles.extend(other.articles)
        self.failures.extend(other.failures)


def load_paths(paths: Iterable[Path], *, max_file_bytes: int = MAX_FILE_BYTES) -> Loaded:
    """Read files, and the supported files inside folders (recursively, sorted).

    Inside folders, ``README*`` files are skipped: they describe the folder, not news.
    """
    loaded = Loaded()
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUPPORTED_SUFFIXES
                and not p.name.upper().startswith("README")
            )
            if not files:
                loaded.failures.append(
                    IngestFailure(str(path), "no .txt, .md, .html, .json or .jsonl files in it")
                )
            for file in files:
                loaded.extend(load_file(file, max_bytes=max_file_bytes))
        else:
            loaded.extend(load_file(path, max_bytes=max_file_bytes))
    return loaded


def unsupported_files(folder: Path) -> list[Path]:
    """Files inside ``folder`` that :func:`load_paths` skips for their type (sorted)."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() not in SUPPORTED_SUFFIXES
        and not p.name.upper().startswith("README")
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def load_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Loaded:
    """Read one file; one over ``max_bytes`` is refused, except a ``.jsonl`` feed (each of
    its articles is checked on its own)."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        return _failed(name, f"cannot read it ({error.strerror or error})")
    if size > max_bytes and path.suffix.lower() != ".jsonl":
        return _failed(
            name,
            f"the file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:g} MB "
            "(NEWSBOT_MAX_FILE_BYTES)",
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        return _failed(name, f"cannot read it ({error.strerror or error})")
    return load_bytes(data, name)


def load_bytes(data: bytes, filename: str) -> Loaded:
    """Read one file's content; ``filename`` picks the format and names it in messages."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return _failed(
            filename,
            f"unsupported file type {suffix or '(none)'!r}; use .txt, .md, .html, .json or .jsonl",
        )
    try:
        if suffix in HTML_SUFFIXES:
            from index.extract import extract_html

            return Loaded([extract_html(decode_text(data, filename), origin=filename)])
        if suffix == ".jsonl":
            return load_json_lines(data, filename)
        # In JSON a stray NUL byte spoils one string, not the file: binary files are told
        # apart by their share of control characters instead.
        text = decode_text(data, filename, allow_nul=suffix in JSON_SUFFIXES)
        if suffix in TEXT_SUFFIXES:
            return Loaded([parse_plain_text(text, filename)])
        return parse_json(text, filename)
    except BadArticle as error:
        return _failed(filename, _reason(error, filename))


def decode_text(data: bytes, origin: str, *, allow_nul: bool = False) -> str:
    """Bytes -> text: UTF-8 (with or without BOM), else the detected encoding; binary refused.

    Without ``allow_nul``, one NUL byte near the start makes the file binary; with it, the
    caller tells binary files apart (see :func:`_binary_message`).
    """
    if not data.strip():
        raise BadArticle(f"{origin}: the file is empty")
    if not allow_nul and b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadArticle(_binary_message(origin))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise BadArticle(
            f"{origin}: cannot tell which text encoding this file uses; save it as UTF-8"
        )
    text = str(best)
    if _control_ratio(text) > 0.05:
        raise BadArticle(_binary_message(origin))
    return text


PARAGRAPH_LINE_CHARS = 80
"""A first line at least this long that ends a sentence with a full stop is the article's
first paragraph, not its title (headlines rarely end with one)."""


def _is_paragraph(line: str) -> bool:
    """Whether a text file's first line reads as a paragraph rather than a headline."""
    stripped = line.strip()
    return (
        not stripped.startswith("#")
        and len(stripped) >= PARAGRAPH_LINE_CHARS
        and stripped.rstrip("\"'”’)").endswith(".")
    )


def parse_plain_text(text: str, origin: str) -> ArticleInput:
    """First non-empty line is the title (a Markdown ``#`` is dropped); the rest is the text.

    A file that starts with a paragraph instead (:func:`_is_paragraph`: a long first line
    ending with a full stop) has no title: the whole text is the article, and ingest
    derives a title from its first sentence (:mod:`index.titles`), so that no sentence is
    lost from what can be quoted."""
    lines = text.replace("\r\n", "\n").split("\n")
    for number, line in enumerate(lines):
        if _is_paragraph(line):
            return ArticleInput(title="", text="\n".join(lines[number:]).strip(), origin=origin)
        if line.strip():
            title = line.strip().lstrip("#").strip()
            body = "\n".join(lines[number + 1 :]).strip()
            break
    else:
        raise BadArticle(f"{origin}: the file is empty")
    if not body:
        raise BadArticle(
            f"{origin}: only a title line and no article text; the first line is the title, "
            "the article follows it"
        )
    return ArticleInput(title=title, text=body, origin=origin)


def parse_json(text: str, origin: str) -> Loaded:
    try:
        value = _json_loads(text)
    except json.JSONDecodeError as error:
        if _control_ratio(text) > 0.05:
            raise BadArticle(_binary_message(origin)) from None
        raise BadArticle(f"{origin}: not valid JSON ({error.msg} at line {error.lineno})") from None
    except RecursionError:
        raise BadArticle(f"{origin}: the JSON is nested too deeply to be an article") from None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise BadArticle(f"{origin}: an empty JSON list, no articles in it")
    loaded = Loaded()
    for number, item in enumerate(items, start=1):
        name = origin if len(items) == 1 else f"{origin}[{number}]"
        _add_json_item(item, name, loaded)
    return loaded


def parse_json_lines(text: str, origin: str) -> Loaded:
    """One article per line. Lines end at "\\n" only: ``str.splitlines()`` would also cut
    at U+2028 and other separators that a JSON string may hold raw."""
    loaded = _parse_lines(text.split("\n"), origin)
    if not loaded.articles and _control_ratio(text) > 0.05:
        raise BadArticle(_binary_message(origin))  # one message, not one per "line"
    return loaded


def load_json_lines(data: bytes, origin: str) -> Loaded:
    """A ``.jsonl`` file's bytes. A few lines that are not UTF-8 in a UTF-8 file are refused
    one by one (the others go in); a file mostly in another encoding is decoded whole."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        lines: list[str | None] = []
        for raw in data.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(None)
        undecodable = sum(line is None for line in lines)
        if undecodable <= sum(1 for line in lines if line is not None and line.strip()):
            return _parse_lines(lines, origin)
        text = decode_text(data, origin, allow_nul=True)
    return parse_json_lines(text, origin)


def _parse_lines(lines: list[str | None], origin: str) -> Loaded:
    loaded = Loaded()
    for number, line in enumerate(lines, start=1):
        name = f"{origin}:{number}"
        if line is None:
            loaded.failures.append(IngestFailure(name, "not UTF-8 text; save the file as UTF-8"))
            continue
        if not line.strip():
            continue
        try:
            item = _json_loads(line)
        except RecursionError:
            loaded.failures.append(IngestFailure(name, "the JSON is nested too deeply"))
            continue
        except json.JSONDecodeError as error:
            loaded.failures.append(IngestFailure(name, f"not valid JSON ({error.msg})"))
            continue
        _add_json_item(item, name, loaded)
    if not loaded.articles and not loaded.failures:
        raise BadArticle(f"{origin}: the file is empty")
    return loaded


def article_from_mapping(item: object, origin: str) -> ArticleInput:
    """A JSON object with ``text`` (required), ``title`` and the optional metadata fields."""
    if not isinstance(item, dict):
        raise BadArticle(f"{origin}: expected a JSON object with 'title' and 'text'")
    text = item.get("text")
    if not _is_text(text) or not text.strip():
        raise BadArticle(f"{origin}: missing 'text' (the article body)")
    title = item.get("title")
    if title is None:
        title = ""  # ingest derives one from the text (index.titles)
    if not _is_text(title):
        raise BadArticle(f"{origin}: 'title' must be a string")
    extra = {}
    for key in _JSON_FIELDS:
        value = item.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise BadArticle(f"{origin}: '{key}' must be a string")
        if isinstance(value, LongNumber):
            raise BadArticle(
                f"{origin}: '{key}' is a number of {len(value):,} digits; "
                f"at most {MAX_JSON_INT_DIGITS} are accepted"
            )
        extra[key] = None if value is None or str(value).strip() == "" else str(value).strip()
    return ArticleInput(title=title.strip(), text=text, origin=origin, **extra)


def _is_text(value: object) -> bool:
    """A JSON string (a long number's digits are not text)."""
    return isinstance(value, str) and not isinstance(value, LongNumber)


def _add_json_item(item: object, name: str, loaded: Loaded) -> None:
    try:
        loaded.articles.append(article_from_mapping(item, name))
    except BadArticle as error:
        loaded.failures.append(IngestFailure(name, _reason(error, name)))


def _reason(error: BadArticle, origin: str) -> str:
    message = str(error)
    prefix = f"{origin}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _failed(origin: str, reason: str) -> Loaded:
    return Loaded(failures=[IngestFailure(origin, reason)])


def _binary_message(origin: str) -> str:
    return f"{origin}: this is a binary file, not text; save the article as text"


def _control_ratio(text: str) -> float:
    sample = text[:20_000]
    if not sample:
        return 0.0
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return control / len(sample)
