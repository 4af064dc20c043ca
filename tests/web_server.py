"""A local web server for the URL and web-search components, serving scripted pages.

``web_server.page("/a", "<html>...</html>")`` serves a page (any content type, status or extra
headers) and returns its URL; ``web_server.redirect("/r", target)`` answers a redirect;
``web_server.hang("/h")`` never answers (until the test ends). Every request is recorded in
``web_server.requests`` (path, query, lower-cased headers). Unknown paths answer 404. The
server is a real uvicorn on a free ``127.0.0.1`` port (:func:`tests.live_server.serve`), so
runs reach it over TCP like any site — and, being loopback, only when
``FLOWQL_SSRF_ALLOWED_HOSTS`` lets them::

    async def test_x(web_server, settings, ...):
        url = web_server.page("/doc", "<title>Doc</title><p>Hello</p>")
        settings.ssrf_allowed_hosts = ["127.0.0.1"]

:func:`duckduckgo_page` and :func:`rss_feed` build the bodies a DuckDuckGo HTML search and a
Google News RSS search answer.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from tests.live_server import serve


@dataclass
class Page:
    """One scripted answer."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class WebRequest:
    """What reached the server: ``path``, ``query`` (first value per name), ``headers``."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


class WebServer:
    """The scripted site; ``base_url`` is ``http://127.0.0.1:<port>`` once served."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[WebRequest] = []
        self.base_url = ""
        self.hanging: set[str] = set()
        self.release = asyncio.Event()
        self.app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        self.app.api_route("/{path:path}", methods=["GET", "HEAD", "POST"])(self._answer)

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"{self.base_url}{path}"

    def page(
        self,
        path: str,
        body: str | bytes,
        *,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve ``body`` at ``path``; returns the page's URL."""
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(data, content_type, status, dict(headers or {}))
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Answer ``path`` with a redirect to ``location``; returns the path's URL."""
        return self.page(path, b"", content_type="text/plain", status=status, headers={"location": location})

    def hang(self, path: str) -> str:
        """Never answer ``path`` (until the test ends); returns its URL."""
        self.hanging.add(path)
        return self.url(path)

    def paths(self) -> list[str]:
        """The requested paths, in order."""
        return [r.path for r in self.requests]

    async def _answer(self, request: Request, path: str) -> Response:
        full = "/" + path
        self.requests.append(
            WebRequest(full, dict(request.query_params), {k.lower(): v for k, v in request.headers.items()})
        )
        if full in self.hanging:
            await self.release.wait()
        page = self.pages.get(full)
        if page is None:
            return Response(b"not found", status_code=404, media_type="text/plain")
        # The type goes in as a header, as scripted (as media_type, Starlette adds a charset).
        headers = {"content-type": page.content_type, **page.headers}
        return Response(page.body, status_code=page.status, headers=headers)


def duckduckgo_page(results: list[tuple[str, str, str]], *, wrap_links: bool = True, ad: str = "") -> str:
    """A DuckDuckGo HTML results page: one ``div.result`` per ``(title, link, snippet)``, links
    wrapped in DuckDuckGo's ``//duckduckgo.com/l/?uddg=`` redirect when ``wrap_links``; ``ad``
    adds a sponsored block linking there first."""
    blocks = []
    if ad:
        blocks.append(
            '<div class="result results_links result--ad"><a class="result__a" '
            f'href="{html.escape(ad)}">Sponsored</a><a class="result__snippet">Buy now</a></div>'
        )
    for title, link, snippet in results:
        href = f"//duckduckgo.com/l/?uddg={quote(link, safe='')}&rut=abc" if wrap_links else link
        blocks.append(
            '<div class="result results_links results_links_deep web-result">'
            '<div class="links_main links_deep result__body">'
            f'<h2 class="result__title"><a rel="nofollow" class="result__a" href="{html.escape(href)}">'
            f"{html.escape(title)}</a></h2>"
            f'<a class="result__snippet" href="{html.escape(href)}">{html.escape(snippet)}</a>'
            "</div></div>"
        )
    return f"<html><head><title>DuckDuckGo</title></head><body>{''.join(blocks)}</body></html>"


def rss_feed(items: list[tuple[str, str, str, str]], title: str = "Feed") -> str:
    """An RSS 2.0 feed with one ``<item>`` per ``(title, link, pubDate, description)``."""
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link>"
        f"<pubDate>{html.escape(date)}</pubDate><description>{html.escape(desc)}</description></item>"
        for t, link, date, desc in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>http://example.invalid/</link>"
        f"<description>test</description>{entries}</channel></rss>"
    )


@pytest.fixture
async def web_server() -> AsyncIterator[WebServer]:
    """A served :class:`WebServer` with no pages yet."""
    server = WebServer()
    async with serve(server.app) as running:
        server.base_url = running.base_url
        try:
            yield server
        finally:
            server.release.set()
