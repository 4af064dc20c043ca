"""The guarded fetcher (``flowql.engine.net``): which addresses it refuses, that the check runs
for every connection including each redirect hop and pins the checked address, the scheme,
redirect, timeout and body limits — and the settings that feed it (``web_access``).

Only loopback addresses are ever connected to (the local ``web_server``); every other refused
address is checked against a recording backend that fails the test if it is asked to connect."""

from __future__ import annotations

import asyncio
import gzip
import re
import socket
import zlib
from collections.abc import Iterable
from typing import Any

import httpcore
import pytest

from flowql.engine.components.url import origin_of
from flowql.engine.html import html_links, parse_html
from flowql.engine.net import MAX_BODY_BYTES, MAX_REDIRECTS, fetch, normalize_url, parse_url
from flowql.engine.net_guard import AddressRefused, FetchError, GuardedBackend, normalize_host, refusal_reason
from flowql.engine.types import WebAccess
from flowql.resolvers.web_access import web_access
from flowql.settings import Settings
from tests.web_server import WebServer

LOCAL = WebAccess(allowed_hosts=frozenset({"127.0.0.1"}))
NOBODY = WebAccess()


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fe80::1%2", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback (embedded in IPv6)"),
        ("::ffff:10.0.0.1", "private (embedded in IPv6)"),
        ("::ffff:169.254.169.254", "link-local (embedded in IPv6)"),
        ("2002:7f00:1::", "loopback (embedded in IPv6)"),
        ("64:ff9b::a00:1", "private (embedded in IPv6)"),
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:93.184.216.34", "reserved"),  # mapped public: refused all the same (::/8)
    ],
)
def test_refusal_reason(address: str, reason: str | None) -> None:
    assert refusal_reason(address) == reason


def test_refusal_reason_rejects_text_that_is_not_an_address() -> None:
    with pytest.raises(ValueError):
        refusal_reason("example.com")


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """An inner backend that records what it is asked to connect to and never touches the
    network (it answers with an empty mock stream)."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        return httpcore.AsyncMockStream([])

    async def sleep(self, seconds: float) -> None:
        return None


def fake_dns(table: dict[str, list[str]]) -> Any:
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "192.168.0.10",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
    ],
)
async def test_backend_refuses_ip_literals_without_connecting(host: str) -> None:
    inner = RecordingBackend()
    backend = GuardedBackend((), inner=inner)
    with pytest.raises(AddressRefused) as caught:
        await backend.connect_tcp(host, 80)
    assert "may not be fetched" in str(caught.value)
    assert inner.connects == []


async def test_backend_checks_every_resolved_address_and_pins_the_checked_one() -> None:
    dns = fake_dns(
        {
            "intranet.test": ["10.1.2.3"],
            "mixed.test": ["93.184.216.34", "10.0.0.7"],
            "mapped.test": ["::ffff:127.0.0.1"],
            "public.test": ["93.184.216.34", "2606:4700:4700::1111"],
        }
    )
    inner = RecordingBackend()
    backend = GuardedBackend((), inner=inner, resolver=dns)
    for host, address in (
        ("intranet.test", "10.1.2.3"),
        ("mixed.test", "10.0.0.7"),
        ("mapped.test", "::ffff"),
    ):
        with pytest.raises(AddressRefused) as caught:
            await backend.connect_tcp(host, 443)
        assert host in str(caught.value) and address in str(caught.value)
    assert inner.connects == []

    await backend.connect_tcp("public.test", 443)
    # The connection goes to the address that was checked, never to the name again.
    assert inner.connects == [("93.184.216.34", 443)]


async def test_backend_connects_an_allowed_host_by_name() -> None:
    dns = fake_dns({})
    inner = RecordingBackend()
    backend = GuardedBackend(["Intranet.Test", "[::1]"], inner=inner, resolver=dns)
    await backend.connect_tcp("intranet.test", 8080)
    await backend.connect_tcp("::1", 8080)
    assert inner.connects == [("intranet.test", 8080), ("::1", 8080)]
    assert dns.calls == []


async def test_backend_reports_an_unresolvable_host_as_a_connect_error() -> None:
    backend = GuardedBackend((), inner=RecordingBackend(), resolver=fake_dns({}))
    with pytest.raises(httpcore.ConnectError, match=re.escape("cannot resolve host nowhere.test")):
        await backend.connect_tcp("nowhere.test", 80)


async def test_backend_refuses_unix_sockets() -> None:
    with pytest.raises(AddressRefused):
        await GuardedBackend(()).connect_unix_socket("/run/docker.sock")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/page",
        "http://localhost:{port}/page",
        "http://[::1]:{port}/page",
        "http://[::ffff:127.0.0.1]:{port}/page",
        "http://0x7f000001:{port}/page",
        "http://2130706433:{port}/page",
    ],
)
async def test_loopback_is_refused_unless_allowed(web_server: WebServer, url: str) -> None:
    web_server.page("/page", "<p>secret</p>")
    with pytest.raises(FetchError) as caught:
        await fetch(url.format(port=web_server.port), NOBODY, timeout=5)
    assert "may not be fetched" in str(caught.value)
    assert web_server.requests == []


async def test_an_allowed_host_is_fetched(web_server: WebServer) -> None:
    url = web_server.page("/page", "<p>héllo</p>", headers={"x-extra": "1"})
    page = await fetch(url, LOCAL, timeout=5, headers={"X-Test": "yes"})
    assert page.url == url
    assert page.status == 200
    assert page.content_type == "text/html"
    assert page.text == "<p>héllo</p>"
    assert page.truncated is False
    [request] = web_server.requests
    assert request.headers["user-agent"] == "FlowQL"
    assert request.headers["x-test"] == "yes"


async def test_extra_allowed_hosts_apply_to_that_call_only(web_server: WebServer) -> None:
    url = web_server.page("/search", "results", content_type="text/plain")
    page = await fetch(url, NOBODY, timeout=5, params={"q": "a b"}, extra_allowed_hosts=["127.0.0.1"])
    assert page.text == "results"
    assert web_server.requests[0].query == {"q": "a b"}
    with pytest.raises(AddressRefused):
        await fetch(url, NOBODY, timeout=5)


async def test_a_redirect_to_a_refused_address_is_refused_at_the_hop(web_server: WebServer) -> None:
    target = f"http://localhost:{web_server.port}/target"
    web_server.page("/target", "<p>internal</p>")
    start = web_server.redirect("/go", target)
    with pytest.raises(AddressRefused) as caught:
        await fetch(start, LOCAL, timeout=5)
    assert "localhost" in str(caught.value)
    assert web_server.paths() == ["/go"]  # the target was never requested


async def test_redirects_within_the_policy_are_followed(web_server: WebServer) -> None:
    final = web_server.page("/final", "done", content_type="text/plain")
    hops = [web_server.redirect(f"/hop{i}", web_server.url(f"/hop{i + 1}")) for i in range(MAX_REDIRECTS - 1)]
    web_server.redirect(f"/hop{MAX_REDIRECTS - 1}", "/final", status=301)
    page = await fetch(hops[0], LOCAL, timeout=5)
    assert (page.url, page.text) == (final, "done")
    assert len(web_server.requests) == MAX_REDIRECTS + 1


async def test_too_many_redirects(web_server: WebServer) -> None:
    for i in range(MAX_REDIRECTS + 1):
        web_server.redirect(f"/r{i}", f"/r{i + 1}")
    web_server.page(f"/r{MAX_REDIRECTS + 1}", "never")
    with pytest.raises(FetchError, match=f"more than {MAX_REDIRECTS} redirects"):
        await fetch(web_server.url("/r0"), LOCAL, timeout=5)
    assert len(web_server.requests) == MAX_REDIRECTS + 1


async def test_a_redirect_is_returned_as_is_when_not_following(web_server: WebServer) -> None:
    web_server.page("/there", "x")
    start = web_server.redirect("/here", "/there", status=307)
    page = await fetch(start, LOCAL, timeout=5, follow_redirects=False)
    assert page.status == 307
    assert web_server.paths() == ["/here"]


async def test_a_redirect_to_another_scheme_is_refused(web_server: WebServer) -> None:
    start = web_server.redirect("/ftp", "ftp://127.0.0.1/file")
    with pytest.raises(FetchError, match="only http and https"):
        await fetch(start, LOCAL, timeout=5)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http:///nohost",
        "http://exa:mple/",
        "http://[::1/",
    ],
)
async def test_only_http_urls_with_a_host_are_fetched(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(url, LOCAL, timeout=5)
    message = str(caught.value)
    assert message.startswith("invalid URL")
    assert "Traceback" not in message


def test_normalize_url() -> None:
    assert normalize_url("  example.com/a?b=1 ") == "https://example.com/a?b=1"
    assert normalize_url("http://example.com") == "http://example.com"
    for bad in ("", "   ", "file:///etc/passwd", "ftp://example.com"):
        with pytest.raises(FetchError):
            normalize_url(bad)


async def test_the_body_is_capped(web_server: WebServer) -> None:
    small = web_server.page("/small", b"a" * 10_000, content_type="text/plain")
    page = await fetch(small, LOCAL, timeout=5, max_bytes=1000)
    assert (len(page.body), page.text, page.truncated) == (1000, "a" * 1000, True)

    big = web_server.page("/big", b"b" * (MAX_BODY_BYTES + 500_000), content_type="text/plain")
    page = await fetch(big, LOCAL, timeout=10)
    assert len(page.body) == MAX_BODY_BYTES
    assert page.truncated is True


async def test_a_server_that_never_answers_times_out(web_server: WebServer) -> None:
    web_server.hang("/slow")
    with pytest.raises(FetchError, match=re.escape("timed out after 0.5 s")):
        await fetch(web_server.url("/slow"), LOCAL, timeout=0.5)


async def test_an_unreachable_host_is_a_fetch_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=re.escape("could not connect to 127.0.0.1")):
        await fetch(f"http://127.0.0.1:{port}/", LOCAL, timeout=5)


async def test_concurrent_fetches_do_not_share_allowances(web_server: WebServer) -> None:
    url = web_server.page("/p", "ok", content_type="text/plain")
    allowed, refused = await asyncio.gather(
        fetch(url, LOCAL, timeout=5), fetch(url, NOBODY, timeout=5), return_exceptions=True
    )
    assert not isinstance(allowed, BaseException) and allowed.text == "ok"
    assert isinstance(refused, AddressRefused)


def test_normalize_host() -> None:
    assert normalize_host(" [::1] ") == "::1"
    assert normalize_host("Example.COM.") == "example.com"


def test_web_access_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWQL_SSRF_ALLOWED_HOSTS", " Intranet.Example , [::1],,127.0.0.1")
    monkeypatch.setenv("FLOWQL_WEB_SEARCH_URL", "http://search.internal/html/")
    monkeypatch.setenv("FLOWQL_NEWS_SEARCH_URL", "http://news.internal/rss/search")
    web = web_access(Settings())
    assert web.allowed_hosts == frozenset({"intranet.example", "::1", "127.0.0.1"})
    assert web.web_search_url == "http://search.internal/html/"
    assert web.news_search_url == "http://news.internal/rss/search"

    monkeypatch.setenv("FLOWQL_SSRF_ALLOWED_HOSTS", '["a.example", "B.example"]')
    assert web_access(Settings()).allowed_hosts == frozenset({"a.example", "b.example"})


def test_web_access_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FLOWQL_SSRF_ALLOWED_HOSTS", "FLOWQL_WEB_SEARCH_URL", "FLOWQL_NEWS_SEARCH_URL"):
        monkeypatch.delenv(name, raising=False)
    web = web_access(Settings())
    assert web.allowed_hosts == frozenset()
    assert web.web_search_url == "https://html.duckduckgo.com/html/"
    assert web.news_search_url == "https://news.google.com/rss/search"


async def test_compressed_bodies_are_decoded_and_capped_while_decoding(web_server: WebServer) -> None:
    plain = b"<p>compressed page</p>"
    gz = web_server.page("/gz", gzip.compress(plain), headers={"content-encoding": "gzip"})
    deflated = web_server.page("/deflate", zlib.compress(plain), headers={"content-encoding": "deflate"})
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    bare = web_server.page(
        "/bare-deflate", raw.compress(plain) + raw.flush(), headers={"content-encoding": "deflate"}
    )
    for url in (gz, deflated, bare):
        page = await fetch(url, LOCAL, timeout=5)
        assert (page.text, page.truncated) == ("<p>compressed page</p>", False)

    # 64 MB of zeros compress to ~64 kB: never expanded past the cap.
    bomb = web_server.page(
        "/bomb",
        gzip.compress(b"\0" * (64 * 1024 * 1024)),
        content_type="text/plain",
        headers={"content-encoding": "gzip"},
    )
    page = await fetch(bomb, LOCAL, timeout=10, max_bytes=4096)
    assert (len(page.body), page.truncated) == (4096, True)
    assert web_server.requests[-1].headers["accept-encoding"] == "gzip, deflate"


async def test_unsupported_or_corrupt_encodings_are_fetch_errors(web_server: WebServer) -> None:
    brotli = web_server.page("/br", b"\x0b\x02\x80hi\x03", headers={"content-encoding": "br"})
    with pytest.raises(FetchError, match="unsupported content encoding 'br'"):
        await fetch(brotli, LOCAL, timeout=5)
    corrupt = web_server.page("/corrupt", b"not gzip at all", headers={"content-encoding": "gzip"})
    with pytest.raises(FetchError, match="corrupt gzip body"):
        await fetch(corrupt, LOCAL, timeout=5)


async def test_the_charset_comes_from_the_header_or_the_page(web_server: WebServer) -> None:
    latin = "<html><head><meta charset='iso-8859-1'></head><body>café</body></html>".encode("latin-1")
    page = await fetch(web_server.page("/meta", latin, content_type="text/html"), LOCAL, timeout=5)
    assert "café" in page.text
    header = await fetch(
        web_server.page("/hdr", "naïve".encode("cp1252"), content_type="text/plain; charset=cp1252"),
        LOCAL,
        timeout=5,
    )
    assert header.text == "naïve"
    default = await fetch(
        web_server.page("/utf8", "ünïcode".encode(), content_type="text/plain"), LOCAL, timeout=5
    )
    assert default.text == "ünïcode"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("0.0.0.0", "0.0.0.0 is an unspecified address, which may not be fetched"),
        ("::", ":: is an unspecified address, which may not be fetched"),
        ("127.0.0.1", "127.0.0.1 is a loopback address, which may not be fetched"),
        ("10.0.0.1", "10.0.0.1 is a private address, which may not be fetched"),
        ("169.254.1.1", "169.254.1.1 is a link-local address, which may not be fetched"),
        ("224.0.0.1", "224.0.0.1 is a multicast address, which may not be fetched"),
        ("240.0.0.1", "240.0.0.1 is a reserved address, which may not be fetched"),
        ("100.64.0.1", "100.64.0.1 is a non-public address, which may not be fetched"),
    ],
)
async def test_refusal_messages_use_the_right_article(host: str, expected: str) -> None:
    backend = GuardedBackend((), inner=RecordingBackend())
    with pytest.raises(AddressRefused) as caught:
        await backend.connect_tcp(host, 80)
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("url", "params", "reason"),
    [
        ("http://example.com/\ud800", None, "it is not valid Unicode text"),
        ("http://ex\ud800ample.com/", None, None),
        ("http://example.com/" + "a" * 70_000, None, "it is too long"),
        ("http://example.com/search", {"q": "q" * 66_000}, "it is too long"),
        ("http://example.com/search", {"q": "fox \ud800"}, "it is not valid Unicode text"),
    ],
)
async def test_urls_httpx_refuses_are_fetch_errors(
    url: str, params: dict[str, str] | None, reason: str | None
) -> None:
    """Anything httpx will not send is a FetchError whose message is storable text."""
    inner = RecordingBackend()
    with pytest.raises(FetchError) as caught:
        await fetch(url, NOBODY, timeout=5, params=params, backend=GuardedBackend((), inner=inner))
    message = str(caught.value)
    assert message.startswith("invalid URL '")
    if reason is not None:
        assert message.endswith(f": {reason}")
    message.encode("utf-8")
    assert len(message) < 300
    assert inner.connects == []


async def test_a_header_httpx_cannot_send_is_a_fetch_error(web_server: WebServer) -> None:
    url = web_server.page("/page", "ok", content_type="text/plain")
    with pytest.raises(FetchError, match="a URL or header could not be sent"):
        await fetch(url, LOCAL, timeout=5, headers={"X-Name": "Zoë \ud800"})
    assert web_server.requests == []


def test_html_links_skips_links_urllib_cannot_read() -> None:
    soup = parse_html('<a href="http://[::1/">bad</a><a href="/ok">ok</a>')
    assert html_links(soup, "http://example.com/page") == ["http://example.com/ok"]


@pytest.mark.parametrize("url", ["http://xn--/", "http://xn--ls8h.la/"])
def test_a_host_with_bad_punycode_is_a_fetch_error(url: str) -> None:
    with pytest.raises(FetchError, match="invalid URL"):
        parse_url(url)


def test_a_crawled_link_with_bad_punycode_is_not_followed() -> None:
    assert origin_of("http://xn--/") is None
    assert origin_of("https://Example.com:8443/a") == ("https", "example.com", 8443)
