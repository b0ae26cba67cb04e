"""Pure functions turning library records into Discord embeds and messages, within limits.

Nothing here talks to Discord or the library, so every function is unit-testable. Quote
text is never reworded: it is only escaped (so Markdown and mentions show literally) and,
when too long, cut at a sentence or word boundary with "…".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import discord

from index.models import Answer, Article, IngestReport, Quote, Stats
from index.sentences import paragraph_breaks

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000

QUOTES_PER_PAGE = 3
QUOTE_CHARS = 1200
"""Longest quote shown in an answer, before escaping."""
ELLIPSIS = "…"

ANSWER_COLOUR = discord.Colour.blurple()
NOT_FOUND_COLOUR = discord.Colour.light_grey()

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")


def trim(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a sentence or word boundary.

    The words that are kept are unchanged; "…" marks the cut. Only a single word longer
    than ``limit`` (e.g. a URL) is cut inside the word.
    """
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    best = -1
    for match in _SENTENCE_END.finditer(text, 0, limit - 1):
        if match.end() <= limit - 2:
            best = match.end()
    if best >= limit * 0.4:
        return text[:best] + " " + ELLIPSIS
    head = text[:limit]
    space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    if space > 0 and head[:space].rstrip():
        return head[:space].rstrip() + ELLIPSIS
    return text[: limit - 1] + ELLIPSIS


def escape(text: str) -> str:
    """Show ``text`` literally: no Markdown formatting, no mention rendering or pings."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


ID_CHARS = 200
"""Longest article id shown (the longest /remove accepts)."""


def code(text: str, limit: int = ID_CHARS) -> str:
    """``text`` (an id) in backticks, verbatim so it can be copied into ``/remove``.

    Markdown is not interpreted inside a code span, so nothing is escaped; only backticks
    (which would end the span) are dropped, and an id over ``limit`` characters is cut.
    """
    shown = text.replace("`", "") or "?"
    if len(shown) > limit:
        shown = shown[: limit - 1] + ELLIPSIS
    return f"`{shown}`"


def fit(text: str, limit: int) -> str:
    """``text`` trimmed then escaped, the escaped result at most ``limit`` characters."""
    budget = limit
    while True:
        shown = escape(trim(text, budget))
        if len(shown) <= limit or budget <= 1:
            return shown[:limit]
        budget -= max(1, len(shown) - limit)


def _safe_url(url: str | None) -> str | None:
    if not url or len(url) > 512 or not re.match(r"https?://", url, re.IGNORECASE):
        return None
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace(">", "%3E")


def _link_text(text: str, limit: int) -> str:
    return fit(text, limit).replace("[", "\\[").replace("]", "\\]")


def cite(title: str, url: str | None, *, limit: int = 100) -> str:
    """The article named and, when it has a usable URL, linked."""
    safe = _safe_url(url)
    if safe is None:
        return f"*{fit(title, limit)}*"
    return f"[{_link_text(title, limit)}]({safe})"


def discord_date(published: str) -> str:
    """A date as a Discord timestamp (``<t:…:D>``, shown in each reader's language).

    A bare date is taken at noon UTC, so it shows as the same day everywhere from UTC-11
    to UTC+11; text that is not an ISO date is shown as it is (cut to 10 characters).
    """
    try:
        moment = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
    except ValueError:
        return fit(published[:10], 10)
    if len(published.strip()) <= 10:
        moment = moment.replace(hour=12)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"<t:{int(moment.timestamp())}:D>"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 passage``, ``2 passages``."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


_CLI_HINTS = (
    (re.compile(r" ?\(NEWSBOT_[A-Z_]+\)"), ""),
    (re.compile(r",? or set NEWSBOT_[A-Z_]+ back"), ""),
    (re.compile(r" or raise the limit"), ""),
    (re.compile(r"Run `newsbot reindex`[^.]*"), "Ask the bot's operator to reindex everything"),
    (re.compile(r"(/\w+(?: \w+)?) or `newsbot [\w -]+`"), r"\1"),
    (re.compile(r"only from the command line: `newsbot remove ID`"), "only by the bot's operator"),
)


def for_discord(text: str) -> str:
    """A library message without hints that only make sense on the command line
    (``newsbot …`` commands, ``NEWSBOT_*`` settings), which Discord users cannot act on."""
    for pattern, replacement in _CLI_HINTS:
        text = pattern.sub(replacement, text)
    return text


def paragraphs_of(quote: Quote) -> str:
    """``¶8``, or ``¶8–9`` for a quote running over two paragraphs."""
    last = quote.paragraph + paragraph_breaks(quote.text)
    return f"¶{quote.paragraph}" if last == quote.paragraph else f"¶{quote.paragraph}–{last}"


def _details(source: str | None, published: str | None, paragraph: str | None) -> str:
    parts = [fit(source, 60)] if source else []
    if published:
        parts.append(discord_date(published))
    if paragraph is not None:
        parts.append(paragraph)
    return " · ".join(parts)


def citation_line(number: int, quote: Quote) -> str:
    """``**[n]** [Title](url) · Outlet · date · ¶p`` (+ syndicated copies)."""
    line = f"**[{number}]** {cite(quote.title, quote.url)}"
    details = _details(quote.source, quote.published, paragraphs_of(quote))
    if details:
        line += f" · {details}"
    if quote.also_in:
        copies = ", ".join(cite(c.title, c.url, limit=60) for c in quote.also_in[:3])
        more = f" and {len(quote.also_in) - 3} more" if len(quote.also_in) > 3 else ""
        line += f"\n-# also in {copies}{more}"
    return line


def _quote_block(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.split("\n"))


def quote_block(text: str, limit: int) -> str:
    """``text`` trimmed, escaped and block-quoted, at most ``limit`` characters in all.

    The "> " added to every line counts: a quote made of many short lines is cut shorter,
    never the speaker and citation that follow it.
    """
    budget = limit
    while True:
        block = _quote_block(fit(text, budget))
        if len(block) <= limit or budget <= 1:
            return block
        budget -= max(1, len(block) - limit)


def page_count(answer: Answer, per_page: int = QUOTES_PER_PAGE) -> int:
    """How many pages of quotes an answer has (at least one)."""
    return max(1, -(-len(answer.quotes) // per_page))


def answer_embed(
    answer: Answer, page: int = 0, *, per_page: int = QUOTES_PER_PAGE
) -> discord.Embed:
    """One page of an answer: verbatim quotes, speakers, numbered citations."""
    title = fit(answer.question, TITLE_LIMIT)
    if not answer.answered or not answer.quotes:
        message = answer.message or "I couldn't find that in the indexed articles."
        if answer.note:
            message += f"\n\n{answer.note}"
        return discord.Embed(
            title=title, description=fit(message, DESCRIPTION_LIMIT), colour=NOT_FOUND_COLOUR
        )
    pages = page_count(answer, per_page)
    page = min(max(page, 0), pages - 1)
    first = page * per_page
    shown = answer.quotes[first : first + per_page]
    heads: list[tuple[str, str]] = []
    cited: dict[tuple[str, str], int] = {}
    for number, quote in enumerate(shown, start=first + 1):
        speaker = f"\n> — **{fit(quote.speaker, 100)}**" if quote.speaker else ""
        key = (quote.collection, quote.article_id)
        if key in cited:  # the article is named once per page
            heads.append(
                (f"**[{number}]** {paragraphs_of(quote)} · same article as [{cited[key]}]", speaker)
            )
            continue
        cited[key] = number
        heads.append((citation_line(number, quote), speaker))
    fixed = sum(len(c) + len(s) + 4 for c, s in heads) + 2 * (len(shown) - 1)
    budget = min(QUOTE_CHARS, (DESCRIPTION_LIMIT - fixed) // len(shown))
    blocks = []
    for quote, (citation, speaker) in zip(shown, heads, strict=True):
        body = quote_block(quote.text, max(budget, 20))
        blocks.append(f"{body}{speaker}\n{citation}")
    description = "\n\n".join(blocks)
    if len(description) > DESCRIPTION_LIMIT:  # pathological citations; never break limits
        description = trim(description, DESCRIPTION_LIMIT)
    embed = discord.Embed(title=title, description=description, colour=ANSWER_COLOUR)
    footer = "Verbatim quotes. Reply to this message to ask a follow-up about these articles."
    if pages > 1:
        footer = f"Page {page + 1} of {pages} · {footer}"
    if answer.note:  # e.g. undated articles left out of a time-limited question
        footer = f"{trim(answer.note, 500)} · {footer}"
    embed.set_footer(text=footer)
    return embed


def cited_articles(quotes: Sequence[Quote]) -> list[tuple[list[int], Quote]]:
    """Each cited article once, in order, with the numbers of the quotes citing it."""
    seen: dict[str, tuple[list[int], Quote]] = {}
    for number, quote in enumerate(quotes, start=1):
        key = f"{quote.collection}/{quote.article_id}"
        if key in seen:
            seen[key][0].append(number)
        else:
            seen[key] = ([number], quote)
    return list(seen.values())


def join_lines(lines: Sequence[str], limit: int) -> str:
    """Lines joined by newlines; those that do not fit become "… and N more"."""
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        need = len(line) + (1 if out else 0)
        if used + need + (0 if last else 30) > limit:
            out.append(f"… and {len(lines) - index} more")
            break
        out.append(line)
        used += need
    return "\n".join(out)[:limit]


def sources_embed(answer: Answer) -> discord.Embed:
    """The articles an answer cites: title (linked), outlet, date, id."""
    lines = []
    for numbers, quote in cited_articles(answer.quotes):
        refs = ", ".join(f"[{n}]" for n in numbers)
        details = _details(quote.source, quote.published, None)
        line = f"**{refs}** {cite(quote.title, quote.url, limit=150)}"
        if details:
            line += f" · {details}"
        line += f" · id {code(quote.article_id)}"
        lines.append(line)
    return discord.Embed(
        title=fit(f"Sources for: {answer.question}", TITLE_LIMIT),
        description=join_lines(lines, DESCRIPTION_LIMIT) or "No sources.",
        colour=ANSWER_COLOUR,
    )


def added_by(article: Article) -> str:
    """Who added an article: a user mention (rendered, never pinged) or where it came from."""
    if article.added_by and article.added_by.isdigit():
        return f"<@{article.added_by}>"
    return "seed/command line"


def articles_embed(
    articles: Sequence[Article],
    *,
    page: int,
    pages: int,
    total: int,
    collection_names: dict[str, str] | None = None,
) -> discord.Embed:
    """One page of ``/articles``: id, title, outlet, date, who added it."""
    names = collection_names or {}
    lines = []
    for article in articles:
        details = _details(article.source, article.published, None)
        line = f"{code(article.id)} {cite(article.title, article.url, limit=90)}"
        if details:
            line += f" · {details}"
        line += f"\n-# added by {added_by(article)}"
        if article.collection in names:
            line += f" · {names[article.collection]}"
        lines.append(line)
    embed = discord.Embed(
        title=f"Articles ({total})",
        description=join_lines(lines, DESCRIPTION_LIMIT)
        or "No articles yet. Add some with /ingest.",
        colour=ANSWER_COLOUR,
    )
    embed.set_footer(text=f"Page {page + 1} of {max(pages, 1)}")
    return embed


def stats_embed(stats: Stats, collection_names: dict[str, str]) -> discord.Embed:
    """``/stats``: counts per collection, passages, model."""
    embed = discord.Embed(title="newsbot stats", colour=ANSWER_COLOUR)
    embed.add_field(name="Articles", value=str(stats.articles))
    embed.add_field(name="Passages", value=str(stats.passages))
    embed.add_field(name="Vectors", value=str(stats.vectors))
    counts = {name: 0 for name in collection_names} | dict(stats.collections)
    per = [  # a new server sees "this server: 0", not nothing
        f"{collection_names.get(name, fit(name, 60))}: {count}"
        for name, count in sorted(counts.items())
    ]
    embed.add_field(
        name="Collections", value=join_lines(per, FIELD_VALUE_LIMIT) or "none", inline=False
    )
    embed.add_field(
        name="Model",
        value=fit(f"{stats.model} ({stats.dimension} dimensions)", FIELD_VALUE_LIMIT),
        inline=False,
    )
    embed.set_footer(text=f"Database: {stats.database_bytes / 1_000_000:.1f} MB")
    return embed


_STATUS = {"added": "Added", "updated": "Updated", "unchanged": "Already indexed (unchanged)"}


def ingest_message(report: IngestReport) -> str:
    """What an ingest added (title, id, passages) and exactly what it refused, ≤ 2000 chars."""
    lines = []
    for item in report.ingested:
        verb = _STATUS.get(item.status, item.status.capitalize())
        lines.append(
            f"{verb} **{fit(item.title, 150)}** (id {code(item.article_id)}, "
            f"{plural(item.passages, 'passage')})"
        )
    for failure in report.failures:
        reason = for_discord(failure.reason)
        lines.append(f"Not added: {fit(failure.origin, 100)}: {fit(reason, 400)}")
    if not lines:
        lines.append("Nothing was added: no articles found in the input.")
    return join_lines(lines, CONTENT_LIMIT)


def progress_message(action: str, done: int, total: int) -> str:
    """``Indexing… 3/10`` with a small bar."""
    width = 20
    filled = width * done // total if total else 0
    return f"{action}… {done}/{total} `{'█' * filled}{'░' * (width - filled)}`"


def embed_problems(embed: discord.Embed) -> list[str]:
    """Every Discord embed limit ``embed`` breaks (empty when it is valid)."""
    problems = []
    if embed.title and len(embed.title) > TITLE_LIMIT:
        problems.append(f"title {len(embed.title)} > {TITLE_LIMIT}")
    if embed.description and len(embed.description) > DESCRIPTION_LIMIT:
        problems.append(f"description {len(embed.description)} > {DESCRIPTION_LIMIT}")
    if len(embed.fields) > 25:
        problems.append("more than 25 fields")
    for field in embed.fields:
        if len(field.name or "") > FIELD_NAME_LIMIT:
            problems.append(f"field name {len(field.name or '')} > {FIELD_NAME_LIMIT}")
        if len(field.value or "") > FIELD_VALUE_LIMIT:
            problems.append(f"field value {len(field.value or '')} > {FIELD_VALUE_LIMIT}")
    if embed.footer.text and len(embed.footer.text) > FOOTER_LIMIT:
        problems.append(f"footer {len(embed.footer.text)} > {FOOTER_LIMIT}")
    if len(embed) > EMBED_TOTAL_LIMIT:
        problems.append(f"total {len(embed)} > {EMBED_TOTAL_LIMIT}")
    return problems
