"""Fetch a news article from a URL, safely, and turn it into an :class:`ArticleInput`.

Safety rules, all enforced here rather than left to callers:

* only ``http`` and ``https`` URLs without credentials;
* no requests to loopback, private, link-local, CGNAT, multicast, reserved or otherwise
  non-public addresses (SSRF), unless the caller allows private addresses. Host names are
  checked at connection time by :class:`GuardedResolver`, so a DNS answer that changes
  between a check and the connection (DNS rebinding) cannot slip through; IP literals,
  which aiohttp never passes to a resolver, are checked on every redirect hop, and
  redirects are followed by hand (at most :data:`MAX_REDIRECTS`);
* bounded time (one deadline for the whole fetch) and size (the body is read in chunks and
  refused past ``max_bytes``), and only HTML or plain-text pages.

The test seam is the :data:`AddressPolicy`: a function that says why an IP address is
refused (or ``None`` to allow it). :func:`public_only` is the default,
:func:`allow_any` is what ``allow_private=True`` means.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from index.errors import BadArticle, FetchError, UrlRefused
from index.extract import extract_html
from index.models import ArticleInput

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot)"
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8"
_CHUNK = 64 * 1024
_CHAOS_MARGIN = 0.05
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], "str | None"]
"""Says why an address must not be contacted (e.g. "a private network address"), or None."""

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


# --------------------------------------------------------------------------- policies


def public_only(address: IPAddress) -> str | None:
    """The default policy: only globally routable unicast addresses are allowed."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return public_only(embedded)
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address (this machine)"),
        (address.is_link_local, "a link-local address"),
        (address.version == 4 and address in _CGNAT, "a carrier-grade NAT (shared) address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private network address"),
        (not address.is_global, "a non-public address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def allow_any(address: IPAddress) -> str | None:
    """Allow every address (``allow_private=True``: tests, trusted intranet setups)."""
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address."""
    if address.version != 6:
        return None
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _parse_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class AddressRefused(UrlRefused):
    """A host that is, or resolves only to, addresses the policy refuses."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        self.host = host
        self.address = address
        self.reason = reason
        shown = host if host == address else f"{host} ({address})"
        super().__init__(_refused_message(shown, reason, address))


def _refused_message(target: str, reason: str, address: str) -> str:
    if address in target:
        where = reason
    elif reason.endswith(")"):  # "a loopback address (this machine, 127.0.0.1)"
        where = f"{reason[:-1]}, {address})"
    else:
        where = f"{reason} ({address})"
    return f"Refused {target}: it points to {where}. Only public web pages can be added."


# --------------------------------------------------------------------------- resolver


class GuardedResolver(AbstractResolver):
    """A resolver that drops the addresses a policy refuses, and fails when none is left.

    Used by the ``TCPConnector`` of the sessions made here, so the check happens on the
    very addresses aiohttp connects to, for every connection and every redirect.
    """

    def __init__(
        self, policy: AddressPolicy = public_only, inner: AbstractResolver | None = None
    ) -> None:
        self._policy = policy
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = ThreadedResolver()
        results = await self._inner.resolve(host, port, family)
        allowed: list[ResolveResult] = []
        refusal: tuple[str, str] | None = None
        for result in results:
            reason = self._refusal(result["host"])
            if reason is None:
                allowed.append(result)
            elif refusal is None:
                refusal = (result["host"], reason)
        if not allowed:
            if refusal is None:
                raise OSError(f"no address found for {host}")
            raise AddressRefused(host, *refusal)
        return allowed

    def _refusal(self, resolved: str) -> str | None:
        address = _parse_ip(resolved.split("%", 1)[0])
        if address is None:
            return "an address that could not be checked"
        return self._policy(address)

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


def make_session(
    *,
    policy: AddressPolicy = public_only,
    timeout: float = 20.0,
    resolver: AbstractResolver | None = None,
) -> aiohttp.ClientSession:
    """A session whose connections are checked against ``policy`` at connect time.

    ``resolver`` is the name lookup to wrap (default: the system's, in a thread). Pass
    the session to :func:`fetch_article` to reuse connections across fetches; a session
    made any other way gets only a best-effort check before each request (see there).
    """
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy, resolver), limit=10)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=timeout),
        headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT},
        trust_env=False,  # an environment proxy would connect for us, unchecked
    )


# --------------------------------------------------------------------------- URL checks


def check_url(url: str | URL, policy: AddressPolicy = public_only, *, shown: str = "") -> URL:
    """Validate one hop's URL: scheme, credentials, host, and IP-literal hosts.

    Host names are left to :class:`GuardedResolver` except ``localhost`` names (RFC 6761),
    which are treated as 127.0.0.1 so they are refused without a lookup.
    """
    text = str(url)
    shown = shown or text
    parsed = _parse_url(text, shown)
    if parsed.scheme not in ("http", "https"):
        what = f"{parsed.scheme}: links" if parsed.scheme else "links without http:// or https://"
        raise UrlRefused(
            f"Refused {shown}: {what} cannot be added. "
            "Give a web page address starting with http:// or https://."
        )
    if parsed.user is not None or parsed.password is not None:
        raise UrlRefused(
            f"Refused {shown}: links with a user name or password in them cannot be added. "
            "Remove the part before '@' in the address."
        )
    host = (parsed.raw_host or "").rstrip(".").lower()
    if not host:
        raise FetchError(f"Cannot fetch {shown}: the address has no host name. Check the link.")
    _check_port(parsed, shown)
    _check_host(host, policy, shown)
    return parsed


def _parse_url(text: str, shown: str) -> URL:
    if not text.strip():
        raise FetchError("Cannot fetch an empty address: give the link of a web page.")
    try:
        return URL(text.strip())
    except (ValueError, TypeError) as exc:
        raise FetchError(
            f"Cannot fetch {shown}: that is not a valid web address ({exc}). Check the link."
        ) from exc


def _check_port(parsed: URL, shown: str) -> None:
    try:
        port = parsed.port
    except ValueError as exc:
        raise FetchError(f"Cannot fetch {shown}: the port number is not valid.") from exc
    if port is not None and not 0 < port < 65536:
        raise FetchError(f"Cannot fetch {shown}: the port number {port} is not valid.")


def _check_host(host: str, policy: AddressPolicy, shown: str) -> None:
    if host == "localhost" or host.endswith(".localhost"):
        literal: IPAddress | None = ipaddress.IPv4Address("127.0.0.1")
    else:
        literal = _parse_ip(host.split("%", 1)[0])
    if literal is None:
        return
    reason = policy(literal)
    if reason is not None:
        raise UrlRefused(_refused_message(shown, reason, str(literal)))


async def _preflight_resolve(url: URL, policy: AddressPolicy, shown: str) -> None:
    """For sessions not made by :func:`make_session`: resolve and check before requesting.

    Best effort only: the session resolves again when it connects, so DNS rebinding is not
    covered. Sessions from :func:`make_session` check at connect time instead.
    """
    host = (url.raw_host or "").rstrip(".").lower()
    if _parse_ip(host) is not None or host == "localhost" or host.endswith(".localhost"):
        return  # already checked by check_url
    try:
        await GuardedResolver(policy).resolve(host, url.port or 0, socket.AF_UNSPEC)
    except AddressRefused as exc:
        raise UrlRefused(_refused_message(shown, exc.reason, exc.address)) from exc
    except OSError as exc:
        raise FetchError(_dns_message(shown, host)) from exc


# --------------------------------------------------------------------------- fetching


async def fetch_article(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = 20.0,
    max_bytes: int = 5_000_000,
    session: aiohttp.ClientSession | None = None,
    policy: AddressPolicy | None = None,
) -> ArticleInput:
    """Download ``url`` and extract its article.

    ``policy`` overrides ``allow_private`` (``public_only`` unless ``allow_private``).
    Without ``session`` a fresh guarded session is used and closed. A session from
    :func:`make_session` checks host names at connect time against its own policy;
    for any other session each hop gets a best-effort DNS check before the request (not
    safe against DNS rebinding). Scheme, credentials and IP literals are always checked
    against ``policy`` on every hop.

    Raises :class:`UrlRefused` for URLs that must not be fetched, :class:`FetchError` when
    the download fails, and :class:`BadArticle` when the page holds no article.
    """
    chosen = policy or (allow_any if allow_private else public_only)
    start = check_url(url, chosen)
    try:
        async with asyncio.timeout(timeout):
            if session is None:
                async with make_session(policy=chosen, timeout=timeout) as own:
                    page = await _download(own, start, chosen, max_bytes, url, preflight=False)
            else:
                preflight = not _is_guarded(session)
                page = await _download(session, start, chosen, max_bytes, url, preflight=preflight)
    except TimeoutError as exc:
        raise FetchError(
            f"Could not fetch {url}: the site did not answer within {timeout:g} seconds. "
            "Try again later."
        ) from exc
    # Extraction is CPU-bound (up to a second on big pages): keep it off the event loop.
    return await asyncio.to_thread(_to_article, page, origin=url)


def _is_guarded(session: aiohttp.ClientSession) -> bool:
    """Whether the session checks addresses at connect time (made by :func:`make_session`)."""
    connector = session.connector
    return isinstance(getattr(connector, "_resolver", None), GuardedResolver)


class _Page:
    """A downloaded body with what is needed to decode and extract it."""

    def __init__(self, url: URL, media_type: str, charset: str | None, body: bytes) -> None:
        self.url = url
        self.media_type = media_type
        self.charset = charset
        self.body = body


async def _download(
    session: aiohttp.ClientSession,
    start: URL,
    policy: AddressPolicy,
    max_bytes: int,
    origin: str,
    *,
    preflight: bool,
) -> _Page:
    """Follow up to MAX_REDIRECTS redirects by hand, checking every hop, then read the body."""
    current = start
    for hop in range(MAX_REDIRECTS + 1):
        shown = str(current) if hop == 0 else f"{current} (redirected from {origin})"
        if hop:
            check_url(current, policy, shown=shown)
        if preflight:
            await _preflight_resolve(current, policy, shown)
        page_or_next = await _request(session, current, max_bytes, shown)
        if isinstance(page_or_next, _Page):
            return page_or_next
        current = page_or_next
    raise FetchError(
        f"Could not fetch {origin}: it redirects more than {MAX_REDIRECTS} times. "
        "Open it in a browser and share the address of the page you end up on."
    )


async def _request(
    session: aiohttp.ClientSession, url: URL, max_bytes: int, shown: str
) -> _Page | URL:
    """One GET: the page, or the URL it redirects to."""
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT}
    try:
        async with session.get(url, allow_redirects=False, headers=headers) as resp:
            if resp.status in REDIRECT_STATUSES:
                return _redirect_target(resp, url, shown)
            _check_status(resp, shown)
            media_type = _check_content_type(resp, shown)
            body = await _read_bounded(resp, max_bytes, shown)
            return _Page(url, media_type, resp.charset, body)
    except AddressRefused as exc:
        raise UrlRefused(_refused_message(shown, exc.reason, exc.address)) from exc
    except aiohttp.ClientError as exc:
        raise FetchError(_client_error_message(exc, url, shown)) from exc


def _redirect_target(resp: aiohttp.ClientResponse, url: URL, shown: str) -> URL:
    location = resp.headers.get("Location", "").strip()
    if not location:
        raise FetchError(
            f"Could not fetch {shown}: the site answered HTTP {resp.status} (a redirect) "
            "without saying where to."
        )
    try:
        return url.join(URL(location))
    except (ValueError, TypeError) as exc:
        raise FetchError(
            f"Could not fetch {shown}: it redirects to an invalid address ({location!r})."
        ) from exc


_STATUS_HINTS = {
    401: "the site requires a login; paste the article text instead",
    403: "the site refused access (paywall or bot blocking?); paste the article text instead",
    404: "the page was not found; check the link",
    410: "the page has been removed",
    429: "the site is rate-limiting requests; try again later",
}


def _check_status(resp: aiohttp.ClientResponse, shown: str) -> None:
    if 200 <= resp.status < 300 and resp.status != 204:
        return
    reason = f" {resp.reason}" if resp.reason else ""
    if resp.status in _STATUS_HINTS:
        hint = _STATUS_HINTS[resp.status]
    elif resp.status >= 500:
        hint = "the site has a server problem; try again later"
    else:
        hint = "there is no page to read there"
    raise FetchError(
        f"Could not fetch {shown}: the site answered HTTP {resp.status}{reason} ({hint})."
    )


FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
"""Media types of feeds: a link to one is pointed to ``feeds add``, not ingested."""


def _check_content_type(resp: aiohttp.ClientResponse, shown: str) -> str:
    if "Content-Type" not in resp.headers:
        return ""  # decided by sniffing the body
    media_type = resp.content_type.lower()
    if media_type in HTML_TYPES or media_type in TEXT_TYPES:
        return media_type
    if media_type == "application/pdf":
        what = "a PDF document, not a web page"
    elif media_type.startswith(("image/", "video/", "audio/")):
        what = f"{media_type.split('/')[0]} file ({media_type}), not a web page"
        what = f"an {what}" if what[0] in "aeiou" else f"a {what}"
    else:
        what = f"a file of type {media_type}, not a web page"
    advice = "paste the article text instead"
    if media_type in FEED_TYPES or media_type.endswith(("+xml", "/xml")):
        advice = "if it is an RSS or Atom feed, follow it with /feed add or `newsbot feeds add`"
    raise FetchError(
        f"Could not use {shown}: it is {what}. Only HTML pages and plain text can be added; "
        f"{advice}."
    )


async def _read_bounded(resp: aiohttp.ClientResponse, max_bytes: int, shown: str) -> bytes:
    too_big = FetchError(
        f"Could not use {shown}: the page is larger than {_size(max_bytes)}, "
        "too big for a news article."
    )
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    total = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    if n >= 1_000:
        return f"{n / 1_000:g} kB"
    return f"{n} bytes"


def _dns_message(shown: str, host: str) -> str:
    return f"Could not fetch {shown}: the host name {host} could not be found. Check the link."


def _client_error_message(exc: aiohttp.ClientError, url: URL, shown: str) -> str:
    host = url.raw_host or str(url)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return _dns_message(shown, host)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return f"Could not fetch {shown}: the site's HTTPS certificate is not valid."
    if isinstance(exc, aiohttp.ClientConnectorError):
        why = exc.strerror or exc.os_error.__class__.__name__
        return f"Could not fetch {shown}: could not connect to {host} ({why}). Try again later."
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return f"Could not fetch {shown}: the connection was cut off while reading the page."
    if isinstance(exc, aiohttp.InvalidURL):
        return f"Cannot fetch {shown}: that is not a valid web address. Check the link."
    return f"Could not fetch {shown}: {exc.__class__.__name__}: {exc}"


# --------------------------------------------------------------------------- decoding


def decode_body(body: bytes, charset: str | None) -> str:
    """Bytes to text: the header's charset, else a ``<meta charset>``, else detection."""
    for candidate in (charset, _meta_charset(body)):
        if candidate:
            try:
                return body.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return _detect(body)


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _detect(body: bytes) -> str:
    """UTF-8 if valid, else charset-normalizer's guess, leaning to windows-1252.

    On short texts charset-normalizer cannot tell the single-byte Latin code pages apart
    (French in latin-1 may come out as cp1257), so when windows-1252 reads the bytes about
    as cleanly as the best guess, it wins, as it does in browsers for undeclared pages.
    Cyrillic, Greek etc. are unaffected: windows-1252 is never a clean reading of those.
    """
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(body)
    best = matches.best()
    if best is None:
        return body.decode("cp1252", errors="replace")
    if any(
        "cp1252" in m.could_be_from_charset and m.chaos <= best.chaos + _CHAOS_MARGIN
        for m in matches
    ):
        try:
            return body.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def _to_article(page: _Page, *, origin: str) -> ArticleInput:
    text = decode_body(page.body, page.charset)
    media_type = page.media_type or _sniff(text)
    if media_type in TEXT_TYPES:
        return plain_text_article(text, url=str(page.url), origin=origin)
    return extract_html(text, url=str(page.url), origin=origin)


def _sniff(text: str) -> str:
    return "text/html" if text.lstrip().startswith("<") else "text/plain"


def plain_text_article(text: str, *, url: str | None, origin: str) -> ArticleInput:
    """A plain-text page: the first non-empty line is the title, the rest the text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise BadArticle(f"{origin}: the page is empty, there is no article to read in it.")
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
    if not body:
        raise BadArticle(
            f"{origin}: the text has only one line; expected a title line followed by the "
            "article text."
        )
    return ArticleInput(title=title, text=body, url=url, origin=origin)


# --------------------------------------------------------------------------- feeds

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


@dataclass(frozen=True)
class FeedResponse:
    """A feed download: ``status`` is 200 with a ``body``, or 304 (not modified, no body)."""

    url: str
    """The address the feed was read from, after redirects (base for relative links)."""
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    content_type: str | None


async def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool = False,
    timeout: float = 20.0,
    max_bytes: int = 5_000_000,
    session: aiohttp.ClientSession | None = None,
    policy: AddressPolicy | None = None,
) -> FeedResponse:
    """A conditional GET of a feed, under the same safety rules as :func:`fetch_article`.

    ``etag`` and ``last_modified`` (from the previous download) are sent as
    ``If-None-Match`` / ``If-Modified-Since``; a 304 answer comes back as ``status=304``.
    Any content type is read (feeds are served as XML, RSS, Atom or even HTML); the
    parser decides whether it is a feed.
    """
    chosen = policy or (allow_any if allow_private else public_only)
    current = check_url(url, chosen)
    headers = {"User-Agent": USER_AGENT, "Accept": FEED_ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(timeout):
            own = make_session(policy=chosen, timeout=timeout) if session is None else None
            active = own or session
            assert active is not None
            try:
                for hop in range(MAX_REDIRECTS + 1):
                    shown = str(current) if hop == 0 else f"{current} (redirected from {url})"
                    if hop:
                        check_url(current, chosen, shown=shown)
                    if own is None and not _is_guarded(active):
                        await _preflight_resolve(current, chosen, shown)
                    result = await _feed_request(active, current, headers, max_bytes, shown)
                    if isinstance(result, FeedResponse):
                        return result
                    current = result
            finally:
                if own is not None:
                    await own.close()
    except TimeoutError as exc:
        raise FetchError(
            f"Could not fetch {url}: the site did not answer within {timeout:g} seconds. "
            "Try again later."
        ) from exc
    raise FetchError(f"Could not fetch {url}: it redirects more than {MAX_REDIRECTS} times.")


async def _feed_request(
    session: aiohttp.ClientSession,
    url: URL,
    headers: dict[str, str],
    max_bytes: int,
    shown: str,
) -> FeedResponse | URL:
    """One conditional GET: the response, or the URL it redirects to."""
    try:
        async with session.get(url, allow_redirects=False, headers=headers) as resp:
            if resp.status in REDIRECT_STATUSES:
                return _redirect_target(resp, url, shown)
            etag = resp.headers.get("ETag")
            modified = resp.headers.get("Last-Modified")
            if resp.status == 304:
                return FeedResponse(str(url), 304, b"", etag, modified, None)
            _check_status(resp, shown)
            body = await _read_bounded(resp, max_bytes, shown)
            content_type = resp.headers.get("Content-Type")
            return FeedResponse(str(url), resp.status, body, etag, modified, content_type)
    except AddressRefused as exc:
        raise UrlRefused(_refused_message(shown, exc.reason, exc.address)) from exc
    except aiohttp.ClientError as exc:
        raise FetchError(_client_error_message(exc, url, shown)) from exc


__all__ = [
    "MAX_REDIRECTS",
    "USER_AGENT",
    "AddressPolicy",
    "AddressRefused",
    "FeedResponse",
    "GuardedResolver",
    "allow_any",
    "check_url",
    "decode_body",
    "fetch_article",
    "fetch_feed",
    "make_session",
    "plain_text_article",
    "public_only",
]
