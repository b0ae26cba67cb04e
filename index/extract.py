"""Turn an HTML page into an :class:`ArticleInput` with trafilatura.

Only the main article text is kept (no navigation, comments or boilerplate), with one
blank line between paragraphs, plus the metadata trafilatura finds: title, outlet
(``og:site_name`` and friends), author, publication date (``YYYY-MM-DD``) and the
canonical URL.

Extraction is bounded by the page's size: a page with more than
:data:`MAX_HTML_ELEMENTS` elements is refused before trafilatura runs (its cost grows
with the element count, and such a page's text would be far over the article limit
anyway). Tags are counted in the raw markup first, so a flood of tags is refused
without even being parsed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from index.errors import BadArticle
from index.models import ArticleInput

MAX_HTML_ELEMENTS = 30_000
"""Pages with more elements are refused; news article pages have a few thousand."""

MAX_CHILDREN = 1_000
"""An element with more children has its inline formatting tags removed (text kept)."""
_INLINE_TAGS = (
    "span", "b", "strong", "i", "em", "u", "font", "small", "big", "sub", "sup", "mark",
    "abbr", "cite", "q", "s", "strike", "del", "ins", "tt", "kbd", "var", "code", "time",
    "label", "bdi", "bdo", "dfn", "samp", "data", "nobr",
)  # fmt: skip

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TAG = re.compile(r"<[A-Za-z]")
_TAG_BYTES = re.compile(rb"<[A-Za-z]")
_SPACES = re.compile(r"[^\S\n]+")

# Dates come from markup (meta tags, JSON-LD, <time>, the URL), not from guesses in
# running text: a wrong date on a citation is worse than none.
_DATE_PARAMS: dict[str, Any] = {"original_date": True, "extensive_search": False}


def extract_html(
    html: str | bytes, *, url: str | None = None, origin: str = "<html>"
) -> ArticleInput:
    """Extract the main article of an HTML page and its metadata.

    ``url`` is where the page was fetched from (used for relative links and as the
    article URL when the page names no canonical URL on the same site); ``origin`` names
    the input in error messages. Raises :class:`BadArticle` when no article text is found.
    """
    document = _run_trafilatura(html, url=url, origin=origin)
    title = _clean(getattr(document, "title", None))
    paragraphs = _paragraphs(getattr(document, "text", None) or "")
    if paragraphs and title and _same_text(paragraphs[0], title):
        paragraphs = paragraphs[1:]  # the headline repeated at the top of the body
    if not paragraphs:
        raise BadArticle(_no_text_message(origin))
    return ArticleInput(
        title=title or _fallback_title(paragraphs[0]),
        text="\n\n".join(paragraphs),
        url=_article_url(_clean(getattr(document, "url", None)), url),
        source=_clean(getattr(document, "sitename", None)),
        author=_clean(getattr(document, "author", None)),
        published=_iso_date(getattr(document, "date", None)),
        origin=origin,
    )


def _run_trafilatura(html: str | bytes, *, url: str | None, origin: str) -> Any:
    """Call trafilatura (imported lazily: it is slow to import); ``None`` becomes BadArticle."""
    import trafilatura

    if not html.strip():
        raise BadArticle(f"{origin}: the page is empty, there is no article to read in it")
    tree = _parse_bounded(html, origin)
    try:
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_formatting=False,
            include_links=False,
            with_metadata=True,
            date_extraction_params=dict(_DATE_PARAMS),
        )
    except (ValueError, TypeError) as exc:  # lxml parse failures on garbage input
        raise BadArticle(f"{origin}: this does not look like an HTML page ({exc})") from exc
    except RecursionError:
        raise BadArticle(f"{origin}: the HTML is nested too deeply to be an article") from None
    if document is None:
        raise BadArticle(_no_text_message(origin))
    return document


def _parse_bounded(html: str | bytes, origin: str) -> Any:
    """The parsed page (trafilatura's own parser), or BadArticle if it has too many elements.

    Tags are counted in the raw markup before parsing (a cheap upper bound that refuses a
    tag flood without building its tree), then elements in the tree.
    """
    from trafilatura.utils import load_html

    tags = len((_TAG_BYTES if isinstance(html, bytes) else _TAG).findall(html))
    if tags > 2 * MAX_HTML_ELEMENTS:
        raise BadArticle(_too_many_message(origin, tags))
    try:
        tree = load_html(html)
    except (ValueError, TypeError) as exc:
        raise BadArticle(f"{origin}: this does not look like an HTML page ({exc})") from exc
    if tree is None:
        raise BadArticle(_no_text_message(origin))
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_HTML_ELEMENTS:
        raise BadArticle(_too_many_message(origin, elements))
    # trafilatura's cost grows with the square of the inline children of one element
    # (29,000 <span> in one <p>: 15 s); their text is kept, their tags are not needed.
    for element in [e for e in tree.iter() if len(e) > MAX_CHILDREN]:
        etree.strip_tags(element, *_INLINE_TAGS)
        for node in element.iter():  # join the text runs strip_tags leaves side by side,
            if isinstance(node.tag, str):  # or every later .text read re-joins them all
                node.text = node.text
                if node is not element:
                    node.tail = node.tail
    return tree


def _too_many_message(origin: str, elements: int) -> str:
    return (
        f"{origin}: the page has {elements:,} HTML elements; newsbot reads pages of at most "
        f"{MAX_HTML_ELEMENTS:,} (an article page has a few thousand). Save the article's "
        "text as a .txt file and add that instead."
    )


def _no_text_message(origin: str) -> str:
    return (
        f"{origin}: no article text found in this HTML page. It may be a front page, a "
        "paywall or a page built by JavaScript; link to the article itself or paste its text."
    )


def _paragraphs(text: str) -> list[str]:
    """One paragraph per line of trafilatura's text output, whitespace collapsed."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _fallback_title(first_paragraph: str, limit: int = 80) -> str:
    """A title for a page without one: the start of its first paragraph."""
    if len(first_paragraph) <= limit:
        return first_paragraph
    return first_paragraph[:limit].rsplit(" ", 1)[0] + "…"


def _iso_date(value: object) -> str | None:
    if isinstance(value, str) and _DATE.match(value[:10]):
        return value[:10]
    return None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower().removeprefix("www.")


def _article_url(canonical: str | None, fetched: str | None) -> str | None:
    """The page's canonical URL if it is on the site it was fetched from, else the fetched URL.

    A page may not claim to be another outlet's article: that would forge citations.
    """
    if canonical is None or _host(canonical) is None:
        return fetched
    if fetched is None or _host(canonical) == _host(fetched):
        return canonical
    return fetched
