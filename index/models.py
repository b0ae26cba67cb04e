"""Typed records passed between the library and its front ends."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

GLOBAL_COLLECTION = "global"


@dataclass(frozen=True)
class ArticleInput:
    """An article as given to ingest, before it is stored."""

    title: str
    text: str
    id: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: str | None = None
    origin: str = "<input>"
    """Where it came from (file name, URL), used in error messages."""
    title_derived: bool = False
    """The title was made from the text (the article came without one), see
    :mod:`index.titles`."""


@dataclass(frozen=True)
class Article:
    """A stored article."""

    id: str
    collection: str
    title: str
    text: str
    url: str | None
    source: str | None
    author: str | None
    published: str | None
    added_by: str | None
    added_at: str
    passage_count: int
    title_derived: bool = False
    """The article came without a title; ``title`` is its first sentence, cut."""


@dataclass(frozen=True)
class Passage:
    """A span of an article: whole sentences inside one paragraph (in an article of very
    many short paragraphs, across several; ``paragraph`` is the one it starts in)."""

    ordinal: int
    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Quote:
    """A verbatim span of an article with its citation."""

    article_id: str
    collection: str
    title: str
    source: str | None
    url: str | None
    published: str | None
    paragraph: int
    start: int
    end: int
    text: str
    speaker: str | None
    score: float
    also_in: tuple[Citation, ...] = ()
    """Other articles holding the same text (syndicated copies)."""

    def to_json(self) -> dict[str, object]:
        """The ``newsbot ask --json`` form of this quote (the documented keys only)."""
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published": self.published,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "speaker": self.speaker,
            "score": round(float(self.score), 4),
        }


@dataclass(frozen=True)
class Citation:
    """Where a piece of text can be found."""

    article_id: str
    title: str
    source: str | None
    url: str | None
    published: str | None
    paragraph: int


@dataclass(frozen=True)
class Answer:
    """The answer to one question: ranked quotes, or an honest "not found"."""

    question: str
    answered: bool
    quotes: tuple[Quote, ...]
    message: str | None = None
    """Shown when ``answered`` is false."""
    note: str | None = None
    """A remark shown with the answer either way (e.g. undated articles left out of a
    time-limited question)."""

    def to_json(self) -> dict[str, object]:
        """The ``newsbot ask --json`` line for this answer (``note`` only when there is one)."""
        line: dict[str, object] = {
            "question": self.question,
            "answered": self.answered,
            "quotes": [q.to_json() for q in self.quotes],
        }
        if self.note:
            line["note"] = self.note
        return line


@dataclass(frozen=True)
class IngestedArticle:
    """One article that went in."""

    article_id: str
    title: str
    passages: int
    status: str
    """``added``, ``updated`` or ``unchanged``."""


@dataclass(frozen=True)
class IngestFailure:
    """One input that was refused, and why."""

    origin: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest did: articles that went in and inputs that were refused."""

    ingested: list[IngestedArticle] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        self.ingested.extend(other.ingested)
        self.failures.extend(other.failures)


@dataclass(frozen=True)
class Stats:
    """Counts for ``newsbot stats`` and ``/stats``."""

    articles: int
    passages: int
    collections: dict[str, int]
    model: str
    dimension: int
    vectors: int
    database_bytes: int

    def to_json(self) -> dict[str, object]:
        return asdict(self)
