"""Time in questions: "this week", "yesterday", "in May", "since Monday", "latest"...

:func:`parse_timeframe` finds one time expression in a question, relative to ``now``, and
returns the question without it plus a :class:`TimeFrame`: a window of publication dates
(``[start, end)`` in UTC) and/or a wish for the newest articles first ("latest",
"recent"). Retrieval then runs on the rest of the question ("What did Hertling say?"), and
:class:`TimeFilter` keeps only candidates published in the window. Undated articles are
never dropped silently: they are counted, and the answer says how many were not
considered. Everything here is pure (``now`` is passed in), so it is easy to test and to
move to another answering module.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TypeVar

from index.models import Answer

T = TypeVar("T")

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "few": 3, "couple of": 2, "several": 5}  # fmt: skip

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(WEEKDAYS)
_COUNT = r"\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True))


@dataclass(frozen=True)
class Window:
    """Publication times ``start <= t < end`` (UTC); either bound may be open."""

    start: datetime | None
    end: datetime | None

    def __contains__(self, when: datetime) -> bool:
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)

    def describe(self) -> str:
        """``4 May 2026 – 10 May 2026``, ``since 4 May 2026``..."""
        if self.start and self.end:
            last = self.end - timedelta(seconds=1)
            if self.start.date() == last.date():
                return _day(self.start)
            return f"{_day(self.start)} – {_day(last)}"
        if self.start:
            return f"since {_day(self.start)}"
        return f"before {_day(self.end)}" if self.end else "any time"


def _day(when: datetime) -> str:
    return f"{when.day} {calendar.month_abbr[when.month]} {when.year}"


@dataclass(frozen=True)
class TimeFrame:
    """The time asked about: a window, and/or newest first."""

    question: str
    """The question without the time expression."""
    expression: str
    """The expression as written ("this week")."""
    window: Window | None
    newest_first: bool = False


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _month_window(year: int, month: int) -> Window:
    end = date(year + (month == 12), month % 12 + 1, 1)
    return Window(_midnight(date(year, month, 1)), _midnight(end))


def _year_window(year: int) -> Window:
    return Window(_midnight(date(year, 1, 1)), _midnight(date(year + 1, 1, 1)))


def _last_month_named(month: int, today: date) -> int:
    """The year of the latest ``month`` that has begun (this May, else last year's)."""
    return today.year if month <= today.month else today.year - 1


def _count(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else _NUMBERS.get(text, 1)


# Each rule: a pattern (with optional leading preposition), a function of (match, now) ->
# (window, newest_first) and whether it needs a question about news. Tried in order; the
# first match wins.
Rule = tuple[re.Pattern[str], Callable[[re.Match[str], datetime], tuple[Window | None, bool]], bool]
"""``(pattern, resolve, needs_news)``: with ``needs_news`` the expression counts only in a
question about statements or coverage ("What did Marks *say* in May?"); otherwise "in
2015" or "today" usually dates the event asked about ("Who won in 2015?"), not the
article, and filtering by publication date would wrongly hide the answer."""

_NEWS = re.compile(
    r"\b(?:say|says|said|saying|tell|tells|told|announc\w*|report\w*|claim\w*|comment\w*|"
    r"statements?|stated?|wr(?:ite|ites|ote|itten)|tweet\w*|posted|news|articles?|stor(?:y|ies)|"
    r"headlines?|publish\w*|cover(?:ed|age)|warn\w*|argu\w*|respond\w*|react\w*|happen\w*)\b",
    re.IGNORECASE,
)


def _rules() -> list[Rule]:
    def today(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        day = now.date()
        return Window(_midnight(day), _midnight(day + timedelta(days=1))), False

    def yesterday(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        day = now.date() - timedelta(days=1)
        return Window(_midnight(day), _midnight(day + timedelta(days=1))), False

    def week(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        monday = now.date() - timedelta(days=now.weekday())
        if m.group("which").lower() == "last":
            monday -= timedelta(days=7)
        return Window(_midnight(monday), _midnight(monday + timedelta(days=7))), False

    def month(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        year, number = now.year, now.month
        if m.group("which").lower() == "last":
            year, number = (year - 1, 12) if number == 1 else (year, number - 1)
        return _month_window(year, number), False

    def year(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        offset = 1 if m.group("which").lower() == "last" else 0
        return _year_window(now.year - offset), False

    def past(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        count = _count(m.group("count") or "1")
        unit = m.group("unit").lower().rstrip("s")
        days = {"hour": count / 24, "day": count, "week": 7 * count, "month": 30 * count,
                "year": 365 * count}[unit]  # fmt: skip
        return Window(now - timedelta(days=days), None), False

    def named_month(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        number = MONTHS[m.group("month").lower()]
        year_text = m.group("year")
        year = int(year_text) if year_text else _last_month_named(number, now.date())
        window = _month_window(year, number)
        if m.group("prep").lower() == "since":
            return Window(window.start, None), False
        return window, False

    def a_day(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        number = MONTHS[m.group("month").lower()]
        day_number = int(m.group("day"))
        year = int(m.group("year")) if m.group("year") else now.year
        try:
            day = date(year, number, day_number)
        except ValueError:
            return None, False
        if not m.group("year") and day > now.date():
            day = date(year - 1, number, min(day_number, 28 if number == 2 else day_number))
        if m.group("prep").lower() == "since":
            return Window(_midnight(day), None), False
        return Window(_midnight(day), _midnight(day + timedelta(days=1))), False

    def weekday(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        back = (now.weekday() - WEEKDAYS[m.group("weekday").lower()]) % 7
        if m.group("last") and back == 0:
            back = 7
        day = now.date() - timedelta(days=back)
        if m.group("prep") and m.group("prep").lower() == "since":
            return Window(_midnight(day), None), False
        return Window(_midnight(day), _midnight(day + timedelta(days=1))), False

    def a_year(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        window = _year_window(int(m.group("year")))
        if m.group("prep").lower() == "since":
            return Window(window.start, None), False
        return window, False

    def latest(m: re.Match[str], now: datetime) -> tuple[Window | None, bool]:
        return None, True

    flags = re.IGNORECASE
    always, news = False, True
    prep = r"\b(?:(?:during|in|over|from)\s+)?"
    return [
        (re.compile(r"\b(?:(?:from|for)\s+)?today(?:'s)?\b", flags), today, news),
        (re.compile(r"\b(?:(?:from|for|on)\s+)?yesterday(?:'s)?\b", flags), yesterday, always),
        (re.compile(prep + r"(?P<which>this|last)\s+week\b(?!\s+of\b)", flags),
         week, always),
        (re.compile(prep + r"(?P<which>last)\s+month\b(?!\s+of\b)", flags),
         month, always),
        (re.compile(prep + r"(?P<which>this)\s+month\b(?!\s+of\b)", flags),
         month, news),
        (re.compile(prep + r"(?P<which>this|last)\s+year\b(?!\s+of\b)", flags),
         year, news),
        (re.compile(r"\b(?:(?:in|during|over|within)\s+)?(?:the\s+)?(?:last|past)\s+"
                    rf"(?:(?P<count>{_COUNT})\s+)?(?P<unit>hours?|days?|weeks?|months?)\b(?!\s+of\b)",
                    flags), past, always),
        (re.compile(rf"\b(?P<prep>since)\s+(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})"
                    r"(?:st|nd|rd|th)?(?:,?\s+(?P<year>(?:19|20)\d\d))?\b", flags), a_day, always),
        (re.compile(rf"\b(?P<prep>on|from)\s+(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})"
                    r"(?:st|nd|rd|th)?(?:,?\s+(?P<year>(?:19|20)\d\d))?\b", flags), a_day, news),
        (re.compile(rf"\b(?P<prep>in|during|since|from)\s+(?P<month>{_MONTH})\b\.?"
                    r"(?:\s+(?P<year>(?:19|20)\d\d))?\b", flags), named_month, news),
        (re.compile(rf"\b(?P<prep>since)\s+(?P<last>last\s+)?(?P<weekday>{_WEEKDAY})\b", flags),
         weekday, always),
        (re.compile(rf"\b(?:(?P<prep>on|from)\s+|(?P<last>last\s+))(?P<weekday>{_WEEKDAY})\b",
                    flags), weekday, news),
        (re.compile(r"\b(?P<prep>in|during|since|from)\s+(?P<year>(?:19|20)\d\d)\b", flags),
         a_year, news),
        (re.compile(r"^(?:what(?:'s|\s+is|\s+are)\s+)?(?:the\s+)?(?P<core>latest|newest|most\s+recent)"
                    r"(?=\s+(?:on|about|from|in|regarding|news|articles?|stories|reports?|"
                    r"updates?|word|developments?)\b|\s*\??$)", flags), latest, always),
        (re.compile(r"\b(?:the\s+)?(?:latest|newest|most\s+recent)(?=\s+(?:news|articles?|stories|"
                    r"reports?|updates?|developments?|statements?|comments?|remarks?)\b)", flags),
         latest, always),
        (re.compile(r"\b(?:recently|lately|these\s+days)\b", flags), latest, news),
    ]  # fmt: skip


_RULES = _rules()


def parse_timeframe(question: str, now: datetime) -> TimeFrame | None:
    """The first time expression in ``question``, relative to ``now`` (UTC), or ``None``."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    about_news = _NEWS.search(question) is not None
    for pattern, resolve, needs_news in _RULES:
        if needs_news and not about_news:
            continue
        match = pattern.search(question)
        if match is None or _in_a_name(question, match):
            continue
        window, newest = resolve(match, now)
        if window is None and not newest:
            continue
        group = "core" if "core" in pattern.groupindex else 0
        start, end = match.span(group)
        rest = question[:start] + " " + question[end:]
        rest = re.sub(r"\s+([?.!,;:])", r"\1", " ".join(rest.split())).strip(" ,;:")
        rest = re.sub(r"^(?:on|about|in|for)\s+", "", rest, flags=re.IGNORECASE)
        rest = re.sub(r"\s+the(?=[?.!]?$)", "", rest, flags=re.IGNORECASE)
        if len(re.findall(r"\w+", rest)) < 1:
            return None  # nothing left to search for
        return TimeFrame(rest, match.group(group).strip(), window, newest)
    return None


def _in_a_name(question: str, match: re.Match[str]) -> bool:
    """Whether a capitalised expression is part of a title or name ("Things to Know Today",
    "Monday Morning Email", "TODAY/Rock"): a capitalised word (not the question's first)
    or a character other than a space or punctuation touches it."""
    words = match.group().split()
    if not words or not words[-1][:1].isupper():
        return False
    following = question[match.end() : match.end() + 1]
    if following and not following.isspace() and following not in "?.,!;:'’)\"":
        return True
    before = question[: match.start()].split()
    after = question[match.end() :].split()
    return bool(
        (len(before) > 1 and before[-1][:1].isupper()) or (after and after[0][:1].isupper())
    )


_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%d.%m.%Y")


def published_at(value: str | None) -> datetime | None:
    """A stored ``published`` value as an aware UTC datetime (date-only = midnight UTC)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            for pattern in _FORMATS:
                try:
                    parsed = datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def within_window(
    items: Sequence[T], published: Callable[[T], str | None], window: Window
) -> tuple[list[T], list[T]]:
    """``(inside, undated)``: the items published in ``window``, and those without a
    (readable) date. Items dated outside the window are in neither."""
    inside: list[T] = []
    undated: list[T] = []
    for item in items:
        when = published_at(published(item))
        if when is None:
            undated.append(item)
        elif when in window:
            inside.append(item)
    return inside, undated


def newest_first(items: Sequence[T], published: Callable[[T], str | None]) -> list[T]:
    """Stable sort: dated items newest first, then undated ones in their order."""
    oldest = datetime.min.replace(tzinfo=UTC)
    dated = [(published_at(published(item)), n, item) for n, item in enumerate(items)]
    dated.sort(key=lambda row: (row[0] is None, -(row[0] or oldest).timestamp(), row[1]))
    return [item for _, _, item in dated]


@dataclass
class TimeFilter:
    """One question's time frame, applied where candidates are collected.

    ``keep(items, article_id, published)`` filters candidates to the window and counts the
    undated articles it had to leave out; :meth:`finish` then puts the asked question back,
    orders quotes newest first and adds the note about undated articles.
    """

    frame: TimeFrame
    undated: set[str] = field(default_factory=set)
    unapplied: bool = False
    """Set when no candidate had a date at all: the window could not be applied."""

    def keep(
        self,
        items: Sequence[T],
        article_id: Callable[[T], str],
        published: Callable[[T], str | None],
    ) -> list[T]:
        if self.frame.window is None:
            return list(items)
        inside, undated = within_window(items, published, self.frame.window)
        if items and len(undated) == len(items):
            # Nothing here is dated (an archive without dates): a window would hide every
            # answer, so it is not applied, and the answer says so.
            self.unapplied = True
            return list(items)
        self.undated.update(article_id(item) for item in undated)
        return inside

    def finish(self, answer: Answer, question: str, limit: int) -> Answer:
        """The answer to show: the asked question, at most ``limit`` quotes newest first,
        and a note when undated articles were left out."""
        quotes = newest_first(answer.quotes, lambda q: q.published)[:limit]
        note = None
        if self.unapplied and not self.undated:
            note = (
                f"The matching articles have no publication dates, so “{self.frame.expression}” "
                "could not be applied."
            )
        elif self.undated:
            count = len(self.undated)
            note = (
                f"{count} undated article{'s' if count != 1 else ''} "
                f"{'were' if count != 1 else 'was'} not considered for “{self.frame.expression}”."
            )
        message = answer.message
        if not answer.answered and self.frame.window is not None and not self.unapplied:
            message = (
                "I couldn't find that in the articles published "
                f"{self.frame.expression} ({self.frame.window.describe()})."
            )
        return replace(answer, question=question, quotes=tuple(quotes), message=message, note=note)
