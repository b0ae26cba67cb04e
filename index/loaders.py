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
        text = decode_text(data, filename)
        if suffix in TEXT_SUFFIXES:
            return Loaded([parse_plain_text(text, filename)])
        if suffix == ".jsonl":
            return parse_json_lines(text, filename)
        return parse_json(text, filename)
    except BadArticle as error:
        return _failed(filename, _reason(error, filename))


def decode_text(data: bytes, origin: str) -> str:
    """Bytes -> text: UTF-8 (with or without BOM), else the detected encoding; binary refused."""
    if not data.strip():
        raise BadArticle(f"{origin}: the file is empty")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadArticle(f"{origin}: this is a binary file, not text; save the article as text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise BadArticle(
            f"{origin}: cannot tell which text encoding this file uses; save it as UTF-8"
        )
    text = str(best)
    if _control_ratio(text) > 0.05:
        raise BadArticle(f"{origin}: this is a binary file, not text; save the article as text")
    return text


def parse_plain_text(text: str, origin: str) -> ArticleInput:
    """First non-empty line is the title (a Markdown ``#`` is dropped); the rest is the text."""
    lines = text.replace("\r\n", "\n").split("\n")
    for number, line in enumerate(lines):
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
        value = json.loads(text)
    except json.JSONDecodeError as error:
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
    loaded = Loaded()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name = f"{origin}:{number}"
        try:
            item = json.loads(line)
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
    if not isinstance(text, str) or not text.strip():
        raise BadArticle(f"{origin}: missing 'text' (the article body)")
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise BadArticle(f"{origin}: missing 'title'")
    extra = {}
    for key in _JSON_FIELDS:
        value = item.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise BadArticle(f"{origin}: '{key}' must be a string")
        extra[key] = None if value is None or str(value).strip() == "" else str(value).strip()
    return ArticleInput(title=title.strip(), text=text, origin=origin, **extra)


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


def _control_ratio(text: str) -> float:
    sample = text[:20_000]
    if not sample:
        return 0.0
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return control / len(sample)
