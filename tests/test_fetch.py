"""Tests for index.fetch against a real aiohttp server on 127.0.0.1.

Every test runs with a guard on the event loop's ``sock_connect`` that records each
connection attempt and blocks any that is not to a loopback address, so a broken SSRF
check fails a test instead of sending traffic anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from index.errors import BadArticle, FetchError, UrlRefused
from index.fetch import (
    MAX_REDIRECTS,
    USER_AGENT,
    AddressRefused,
    GuardedResolver,
    IPAddress,
    allow_any,
    check_url,
    decode_body,
    fetch_article,
    make_session,
    public_only,
)
from tests.loopback_guard import guard_loopback

FIXTURES = Path(__file__).parent / "fixtures" / "html"
ARTICLE_HTML = (FIXTURES / "article.html").read_bytes()
NAV_HTML = (FIXTURES / "nav_only.html").read_bytes()
LOCALHOST = ipaddress.ip_address("127.0.0.1")

CP1252_PAGE = """<!DOCTYPE html>
<html><head><title>Caf\u00e9 owners protest new terrace rules</title></head>
<body><article>
<h1>Caf\u00e9 owners protest new terrace rules</h1>
<p>Owners of the caf\u00e9s on the Place d\u2019Armes said on Friday that the new terrace
rules would cost each of them about \u20ac4,000 a year in lost trade.</p>
<p>\u201cWe are not na\u00efve, we know the square must stay open to everyone,\u201d said
Ren\u00e9e Lef\u00e8vre, who has run the corner caf\u00e9 for nineteen years \u2014 and
who says she will fight the rules in court.</p>
<p>The town hall said the rules were drawn up after complaints from residents about noise
and blocked pavements, and that it would review them after the summer season.</p>
</article></body></html>
""".encode("cp1252")


LATIN_TEXT = (
    "Le caf\u00e9 de la gare ferme ses portes apr\u00e8s quarante ans. Les habitu\u00e9s "
    "regrettent d\u00e9j\u00e0 les croissants et le th\u00e9 servis par la patronne."
)

CYRILLIC_TEXT = (
    "\u041f\u0440\u0430\u0432\u0438\u0442\u0435\u043b\u044c\u0441\u0442\u0432\u043e "
    "\u043e\u0431\u044a\u044f\u0432\u0438\u043b\u043e \u043e \u043d\u043e\u0432\u044b\u0445 "
    "\u043c\u0435\u0440\u0430\u0445 \u043f\u043e\u0434\u0434\u0435\u0440\u0436\u043a\u0438."
)


# --------------------------------------------------------------------------- fixtures


@pytest_asyncio.fixture(autouse=True)
async def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket connects to during the test; non-loopback ones are blocked."""
    return guard_loopback(monkeypatch)


class Site:
    """The local test server: its base URL and what it saw."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.user_agents: list[str] = []
        self.release = asyncio.Event()

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _routes(site: Site) -> web.RouteTableDef:
    routes = web.RouteTableDef()

    @routes.get("/article")
    async def article(request: web.Request) -> web.Response:
        site.user_agents.append(request.headers.get("User-Agent", ""))
        return web.Response(body=ARTICLE_HTML, content_type="text/html", charset="utf-8")

    @routes.get("/nav")
    async def nav(request: web.Request) -> web.Response:
        return web.Response(body=NAV_HTML, content_type="text/html")

    @routes.get("/cp1252")
    async def cp1252(request: web.Request) -> web.Response:
        return web.Response(body=CP1252_PAGE, headers={"Content-Type": "text/html"})

    @routes.get("/latin1.txt")
    async def latin1(request: web.Request) -> web.Response:
        body = "Fjord ferry delayed\n\nThe ferry to \u00c5lesund left two hours late.\n"
        return web.Response(
            body=body.encode("latin-1"),
            headers={"Content-Type": "text/plain; charset=ISO-8859-1"},
        )

    @routes.get("/plain.txt")
    async def plain(request: web.Request) -> web.Response:
        return web.Response(
            text="\n\nBridge reopens\nThe bridge reopened on Monday.\n\nTraffic was light.\n",
            content_type="text/plain",
        )

    @routes.get("/missing")
    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, text="not here")

    @routes.get("/broken")
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="oops")

    @routes.get("/report.pdf")
    async def pdf(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.7\n" + b"0" * 100, content_type="application/pdf")

    @routes.get("/photo")
    async def photo(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")

    @routes.get("/big")
    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"<p>" + b"x" * 50_000 + b"</p>", content_type="text/html")

    @routes.get("/big-stream")
    async def big_stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()  # no Content-Length: only counting can stop it
        await response.prepare(request)
        for _ in range(20):
            await response.write(b"<p>" + b"y" * 4_000 + b"</p>")
        await response.write_eof()
        return response

    @routes.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(site.release.wait(), timeout=5)
        return web.Response(body=ARTICLE_HTML, content_type="text/html")

    @routes.get("/redirect")
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/hop")

    @routes.get("/hop")
    async def hop(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(site.url("/article"))

    @routes.get("/redirect-private")
    async def redirect_private(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://10.0.0.1/admin")

    @routes.get("/redirect-loop")
    async def redirect_loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/redirect-loop")

    @routes.get("/redirect-ftp")
    async def redirect_ftp(request: web.Request) -> web.Response:
        raise web.HTTPFound("ftp://files.example.com/article.txt")

    return routes


@pytest_asyncio.fixture
async def site() -> AsyncIterator[Site]:
    app = web.Application()
    runner = web.AppRunner(app, shutdown_timeout=1)
    site = Site("")
    app.add_routes(_routes(site))
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = runner.addresses[0][1]
    site.base = f"http://127.0.0.1:{port}"
    yield site
    site.release.set()
    await runner.cleanup()


def only_localhost(address: IPAddress) -> str | None:
    """A policy standing in for "the public internet": 127.0.0.1 only."""
    if address == LOCALHOST:
        return None
    return public_only(address) or "an address outside the test allow-list"


class FakeDNS(AbstractResolver):
    """Answers from a fixed table, as a DNS server controlled by an attacker could."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls.append(host)
        if host not in self.table:
            raise OSError(f"no such host {host}")
        return [
            ResolveResult(
                hostname=host,
                host=ip,
                port=port,
                family=socket.AF_INET6 if ":" in ip else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for ip in self.table[host]
        ]

    async def close(self) -> None:
        pass


# --------------------------------------------------------------------------- happy path


async def test_fetches_and_extracts_a_local_article(site: Site) -> None:
    article = await fetch_article(site.url("/article"), allow_private=True)

    assert article.title == "Harbour council approves new ferry route"
    assert article.source == "The Coastal Ledger"
    assert article.author == "Marta Okonkwo"
    assert article.published == "2024-03-14"
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("The harbour council voted on Tuesday evening")
    assert "Reader1234" not in article.text
    # The canonical URL is on another host than the one fetched, so it is not trusted.
    assert article.url == site.url("/article")
    assert article.origin == site.url("/article")
    assert site.user_agents == [USER_AGENT]


async def test_follows_redirects_and_reports_the_final_url(
    site: Site, connections: list[str]
) -> None:
    article = await fetch_article(site.url("/redirect"), allow_private=True)

    assert article.title == "Harbour council approves new ferry route"
    assert article.url == site.url("/article")
    assert article.origin == site.url("/redirect")
    assert set(connections) == {"127.0.0.1"}


async def test_plain_text_page_first_line_is_the_title(site: Site) -> None:
    article = await fetch_article(site.url("/plain.txt"), allow_private=True)

    assert article.title == "Bridge reopens"
    assert article.text == "The bridge reopened on Monday.\n\nTraffic was light."
    assert article.url == site.url("/plain.txt")


async def test_windows_1252_page_without_charset_is_decoded(site: Site) -> None:
    article = await fetch_article(site.url("/cp1252"), allow_private=True)

    assert article.title == "Café owners protest new terrace rules"
    assert "about €4,000 a year" in article.text
    assert "“We are not naïve, we know the square must stay open to everyone,”" in article.text
    assert "Renée Lefèvre" in article.text
    assert "\ufffd" not in article.text


async def test_charset_from_the_header_is_used(site: Site) -> None:
    article = await fetch_article(site.url("/latin1.txt"), allow_private=True)

    assert article.title == "Fjord ferry delayed"
    assert article.text == "The ferry to Ålesund left two hours late."


async def test_works_with_a_session_from_make_session(site: Site) -> None:
    async with make_session(policy=allow_any) as session:
        first = await fetch_article(site.url("/article"), allow_private=True, session=session)
        second = await fetch_article(site.url("/plain.txt"), allow_private=True, session=session)
        assert not session.closed  # a caller's session is left open
    assert first.source == "The Coastal Ledger"
    assert second.title == "Bridge reopens"


# --------------------------------------------------------------------------- SSRF


async def test_loopback_page_refused_without_allow_private(
    site: Site, connections: list[str]
) -> None:
    with pytest.raises(UrlRefused, match="loopback") as caught:
        await fetch_article(site.url("/article"))

    assert str(caught.value).startswith(f"Refused {site.url('/article')}: it points to")
    assert "Only public web pages can be added" in str(caught.value)
    assert connections == []
    assert site.user_agents == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.1.2.3/", "private network"),
        ("http://192.168.1.1/router", "private network"),
        ("http://172.16.5.4/", "private network"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::1]/", "loopback"),
        ("http://localhost/", "loopback"),
        ("http://LOCALHOST./", "loopback"),
        ("http://api.localhost:8080/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://100.64.1.1/", "carrier-grade NAT"),
        ("http://224.0.0.251/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://[::ffff:10.0.0.1]/", "private network"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd00::1]/", "private network"),
        ("http://[64:ff9b::a00:1]/", "private network"),
    ],
)
async def test_non_public_addresses_refused_before_connecting(
    url: str, reason: str, connections: list[str]
) -> None:
    with pytest.raises(UrlRefused, match=reason) as caught:
        await fetch_article(url, timeout=2)

    assert str(caught.value).startswith(f"Refused {url}")
    assert connections == []


async def test_literal_private_address_refused_with_a_caller_session(
    connections: list[str],
) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(UrlRefused, match="private network"):
            await fetch_article("http://10.1.2.3/", session=session, timeout=2)
    assert connections == []


async def test_redirect_to_a_private_address_is_refused(site: Site, connections: list[str]) -> None:
    with pytest.raises(UrlRefused) as caught:
        await fetch_article(site.url("/redirect-private"), policy=only_localhost, timeout=5)

    message = str(caught.value)
    assert message.startswith("Refused http://10.0.0.1/admin")
    assert f"redirected from {site.url('/redirect-private')}" in message
    assert "private network address" in message
    assert connections == ["127.0.0.1"]  # the first hop only


async def test_same_policy_allows_a_local_redirect(site: Site, connections: list[str]) -> None:
    # The policy above is not simply refusing everything.
    article = await fetch_article(site.url("/redirect"), policy=only_localhost, timeout=5)
    assert article.url == site.url("/article")
    assert set(connections) == {"127.0.0.1"}


async def test_redirect_to_another_scheme_is_refused(site: Site) -> None:
    with pytest.raises(UrlRefused, match=r"ftp: links cannot be added"):
        await fetch_article(site.url("/redirect-ftp"), allow_private=True)


async def test_redirect_loop_stops_after_max_hops(site: Site, connections: list[str]) -> None:
    with pytest.raises(FetchError, match=f"redirects more than {MAX_REDIRECTS} times"):
        await fetch_article(site.url("/redirect-loop"), allow_private=True)
    assert len(connections) <= MAX_REDIRECTS + 1


async def test_resolver_refuses_a_name_that_resolves_to_loopback() -> None:
    with pytest.raises(AddressRefused, match="loopback") as caught:
        await GuardedResolver(public_only).resolve("localhost", 80)
    assert caught.value.host == "localhost"
    assert ipaddress.ip_address(caught.value.address).is_loopback


async def test_resolver_passes_allowed_addresses_through() -> None:
    results = await GuardedResolver(allow_any).resolve("localhost", 80)
    assert results
    assert all(ipaddress.ip_address(r["host"]).is_loopback for r in results)


async def test_resolver_drops_refused_addresses_and_keeps_public_ones() -> None:
    dns = FakeDNS({"news.example": ["10.0.0.7", "93.184.216.34", "::ffff:192.168.0.1"]})
    results = await GuardedResolver(public_only, dns).resolve("news.example", 443)
    assert [r["host"] for r in results] == ["93.184.216.34"]


@pytest.mark.parametrize(
    "answers",
    [["10.0.0.7"], ["::ffff:127.0.0.1"], ["169.254.169.254", "fe80::1"], ["100.100.100.200"]],
)
async def test_resolver_refuses_when_no_address_is_public(answers: list[str]) -> None:
    dns = FakeDNS({"rebind.example": answers})
    with pytest.raises(AddressRefused, match=r"^Refused rebind\.example \("):
        await GuardedResolver(public_only, dns).resolve("rebind.example", 80)


async def test_connector_checks_addresses_at_connection_time(
    site: Site, connections: list[str]
) -> None:
    # A host name whose DNS answer is loopback (think DNS rebinding) is stopped by the
    # session's connector itself, with no connection made.
    port = site.base.rsplit(":", 1)[1]
    dns = FakeDNS({"rebind.example": ["127.0.0.1"]})
    async with make_session(policy=public_only, resolver=dns) as session:
        with pytest.raises(AddressRefused):
            await session.get(f"http://rebind.example:{port}/article")
    assert dns.calls == ["rebind.example"]
    assert connections == []

    # The same fake DNS with a permissive policy reaches the server: the guard is the
    # only thing that stopped the request above.
    async with (
        make_session(policy=allow_any, resolver=FakeDNS(dns.table)) as session,
        session.get(f"http://rebind.example:{port}/article") as response,
    ):
        assert response.status == 200
    assert connections == ["127.0.0.1"]


async def test_fetch_through_a_guarded_session_refuses_a_name_resolving_to_loopback(
    site: Site, connections: list[str]
) -> None:
    url = f"http://news.example:{site.base.rsplit(':', 1)[1]}/article"
    dns = FakeDNS({"news.example": ["127.0.0.1"]})
    async with make_session(policy=public_only, resolver=dns) as session:
        with pytest.raises(UrlRefused) as caught:
            await fetch_article(url, session=session)
    assert str(caught.value) == (
        f"Refused {url}: it points to a loopback address (this machine, 127.0.0.1). "
        "Only public web pages can be added."
    )
    assert connections == []
    assert site.user_agents == []


async def test_fetch_through_a_guarded_session_follows_names_it_allows(site: Site) -> None:
    url = f"http://news.example:{site.base.rsplit(':', 1)[1]}/article"
    dns = FakeDNS({"news.example": ["127.0.0.1"]})
    async with make_session(policy=only_localhost, resolver=dns) as session:
        article = await fetch_article(url, session=session)
    assert article.url == url
    assert article.source == "The Coastal Ledger"


async def test_unguarded_caller_session_gets_a_dns_check_before_each_request(
    site: Site, connections: list[str]
) -> None:
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
    except OSError:
        pytest.skip("this machine's host name does not resolve")
    if not all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos):
        pytest.skip("this machine's host name does not resolve to loopback only")
    url = f"http://{name}:{site.base.rsplit(':', 1)[1]}/article"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(UrlRefused, match="loopback"):
            await fetch_article(url, session=session)
        article = await fetch_article(url, session=session, allow_private=True)
    assert article.source == "The Coastal Ledger"
    assert set(connections) == {"127.0.0.1"}
    assert len(site.user_agents) == 1


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert public_only(ipaddress.ip_address(address)) is None


# --------------------------------------------------------------------------- bad URLs


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "file: links cannot be added"),
        ("ftp://ftp.example.com/news.txt", "ftp: links cannot be added"),
        ("javascript:alert(1)", "javascript: links cannot be added"),
        ("news.example.com/article", "links without http:// or https:// cannot be added"),
        ("http://user:secret@news.example.com/", "user name or password"),
    ],
)
async def test_bad_schemes_and_credentials_refused(
    url: str, message: str, connections: list[str]
) -> None:
    with pytest.raises(UrlRefused, match=message):
        await fetch_article(url)
    assert connections == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty address"),
        ("http://", "no host name"),
        ("http://news.example.com:99999/", r"not a valid web address \(Port out of range"),
        ("http://[not-an-ip/", "not a valid web address"),
    ],
)
def test_malformed_urls_are_fetch_errors(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message) as caught:
        check_url(url)
    assert not isinstance(caught.value, UrlRefused)


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(("path", "status"), [("/missing", "404"), ("/broken", "500")])
async def test_http_error_status_is_a_fetch_error(site: Site, path: str, status: str) -> None:
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        await fetch_article(site.url(path), allow_private=True)
    assert not isinstance(caught.value, UrlRefused)


@pytest.mark.parametrize(("path", "what"), [("/report.pdf", "a PDF document"), ("/photo", "image")])
async def test_non_html_content_type_is_refused(site: Site, path: str, what: str) -> None:
    with pytest.raises(FetchError, match=what) as caught:
        await fetch_article(site.url(path), allow_private=True)
    assert "Only HTML pages and plain text can be added" in str(caught.value)


@pytest.mark.parametrize("path", ["/big", "/big-stream"])
async def test_page_over_max_bytes_is_refused(site: Site, path: str) -> None:
    with pytest.raises(FetchError, match=r"larger than 20 kB"):
        await fetch_article(site.url(path), allow_private=True, max_bytes=20_000)


async def test_same_page_within_the_default_limit_is_not_refused_for_size(site: Site) -> None:
    # The same page fits the default limit, so it is the limit that refused it above.
    with pytest.raises(BadArticle) as caught:
        await fetch_article(site.url("/big"), allow_private=True)
    assert "larger than" not in str(caught.value)


async def test_slow_server_times_out(site: Site) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"did not answer within 0\.5 seconds"):
        await fetch_article(site.url("/slow"), allow_private=True, timeout=0.5)
    assert time.monotonic() - started < 3


async def test_connection_refused_is_a_readable_fetch_error() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=r"could not connect to 127\.0\.0\.1"):
        await fetch_article(f"http://127.0.0.1:{port}/", allow_private=True, timeout=5)


async def test_navigation_page_is_a_bad_article_not_a_fetch_error(site: Site) -> None:
    url = site.url("/nav")
    with pytest.raises(BadArticle, match="no article text found") as caught:
        await fetch_article(url, allow_private=True)
    assert not isinstance(caught.value, FetchError)
    assert str(caught.value).startswith(url)


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("body", "charset", "expected"),
    [
        ("naïve café".encode(), None, "naïve café"),
        ("naïve café".encode("cp1252"), "windows-1252", "naïve café"),
        (LATIN_TEXT.encode("latin-1"), "no-such-charset", LATIN_TEXT),
        (LATIN_TEXT.encode("latin-1"), None, LATIN_TEXT),
        (CYRILLIC_TEXT.encode("cp1251"), None, CYRILLIC_TEXT),
        ("\ufeffBOM first".encode(), None, "BOM first"),
        (
            b'<meta charset="iso-8859-1"><p>caf\xe9</p>',
            None,
            '<meta charset="iso-8859-1"><p>café</p>',
        ),
    ],
)
def test_decode_body(body: bytes, charset: str | None, expected: str) -> None:
    assert decode_body(body, charset) == expected
