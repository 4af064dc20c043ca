"""Langflow's ``UnifiedWebSearch`` ("Web Search"): search the web, news, or an RSS feed.

Tool ``perform_search(query, search_mode)`` in tool mode; otherwise the output ``results``
(Langflow's name; a list of row dicts, Langflow's DataFrame). ``search_mode``:

- ``"Web"``: GET ``WebAccess.web_search_url`` (``FLOWQL_WEB_SEARCH_URL``, DuckDuckGo's HTML
  endpoint by default) with ``q`` (the query, ``<>"'`` removed) and ``kl=us-en``, and read a
  DuckDuckGo HTML results page: each ``a.result__a`` is a result (its title and link; a
  DuckDuckGo ``/l/?uddg=...`` redirect link is unwrapped to its target), the ``.result__snippet``
  of the same ``.result`` block its snippet; ad blocks (``.result--ad``) are skipped. The first
  ``max_results`` results' pages are then fetched (concurrently, ``timeout`` seconds each) and
  their text kept as ``content`` (cut at ``max_content_length``); a page that cannot be fetched
  leaves ``content`` empty. Rows: ``{"title", "link", "snippet", "content"}``.
- ``"News"``: GET ``WebAccess.news_search_url`` (``FLOWQL_NEWS_SEARCH_URL``, Google News RSS
  search by default) with ``q``, ``hl`` (default ``en-US``), ``gl`` (default ``US``) and
  ``ceid`` (the field; derived from ``gl``/``hl`` as Langflow does when either is set); with
  ``topic`` or ``location`` the endpoint's sibling ``headlines/section/topic/<TOPIC>`` or
  ``headlines/section/geo/<location>`` feed instead. Rows: ``{"title", "link", "published",
  "summary"}`` (HTML removed from title and summary).
- ``"RSS"``: the query is a feed URL (RSS or Atom), fetched like any page. Rows as for News.

The search endpoints are the operator's: their own host is reachable even when it is private.
Every other URL — result pages, feed URLs, redirects — goes through the guarded fetcher's
normal policy (:mod:`flowql.engine.net`). ``max_results`` (0: all) bounds the rows,
``max_content_length`` (0: no limit) each ``content`` / ``summary``.

The model reads the rows as a JSON list (or :data:`NO_RESULTS_TEXT`); an empty query or one
longer than :data:`MAX_QUERY_LENGTH`, a query or URL that cannot be sent, an unreachable
endpoint, an HTTP error status or an unreadable feed is an ``"Error: ..."`` for it. Not in tool
mode those failures fail the run (Langflow returns an "Error" row instead).
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import feedparser  # type: ignore[import-untyped]

from flowql.engine.components.base import ComponentResult, registry
from flowql.engine.components.field_checks import check_fields, int_value
from flowql.engine.components.spec import FieldSpec, OutputSpec, message_text
from flowql.engine.components.tool_mode import ToolModeComponent
from flowql.engine.components.url import extract_page
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.html import is_textual, parse_html
from flowql.engine.net import FetchedPage, fetch, normalize_url, parse_url
from flowql.engine.net_guard import FetchError
from flowql.engine.tools import ToolError
from flowql.engine.types import WebAccess

MODES = ("Web", "News", "RSS")
DEFAULT_TIMEOUT = 5
MAX_TIMEOUT = 120
DEFAULT_MAX_RESULTS = 5
DEFAULT_MAX_CONTENT = 2000
#: Result pages fetched at most per search, whatever ``max_results`` says.
MAX_FETCHED_PAGES = 10
#: Rows returned at most per search, whatever ``max_results`` says.
MAX_ROWS = 100
#: Characters of the whole tool answer at most.
MAX_TOOL_CHARS = 40000
#: Characters of a search query at most (a longer one is an error, never sent).
MAX_QUERY_LENGTH = 2000
#: The tool's answer when the search found nothing.
NO_RESULTS_TEXT = "No results found."
RESULTS_OUTPUT = "results"

_UNSAFE_QUERY = re.compile(r"[<>\"']")


def _truncate(text: str, limit: int) -> str:
    return text if limit <= 0 or len(text) <= limit else text[:limit]


def _strip_html(text: str) -> str:
    if "<" not in text:
        return " ".join(text.split())
    return " ".join(parse_html(text).get_text(" ").split())


def _checked_query(query: str) -> str:
    """``query`` when it can be sent; FetchError when it is empty or longer than
    :data:`MAX_QUERY_LENGTH`."""
    if not query:
        raise FetchError("empty search query")
    if len(query) > MAX_QUERY_LENGTH:
        raise FetchError(f"search query is longer than {MAX_QUERY_LENGTH} characters")
    return query


def _endpoint_host(url: str) -> str:
    return parse_url(url).host


def _unwrap_link(href: str, base_url: str) -> str:
    """A result link made absolute; DuckDuckGo's ``/l/?uddg=<target>`` unwrapped."""
    absolute = urljoin(base_url, href.strip())
    parts = urlsplit(absolute)
    target = parse_qs(parts.query).get("uddg")
    if target and target[0].strip():
        return target[0].strip()
    return absolute


def parse_duckduckgo(html: str, base_url: str) -> list[dict[str, str]]:
    """The results of a DuckDuckGo HTML page: ``{"title", "link", "snippet"}`` per
    ``a.result__a`` outside ad blocks, links unwrapped and absolute (``base_url``: the page's
    URL), duplicates dropped."""
    soup = parse_html(html)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for anchor in soup.select("a.result__a"):
        block = anchor.find_parent(class_="result")
        if block is not None and "result--ad" in (block.get("class") or []):
            continue
        href = anchor.get("href")
        if not isinstance(href, str) or not href.strip():
            continue
        link = _unwrap_link(href, base_url)
        if link in seen:
            continue
        seen.add(link)
        snippet_tag = block.select_one(".result__snippet") if block is not None else None
        rows.append(
            {
                "title": " ".join(anchor.get_text(" ").split()),
                "link": link,
                "snippet": " ".join(snippet_tag.get_text(" ").split()) if snippet_tag else "",
            }
        )
    return rows


def parse_feed(page: FetchedPage, max_length: int) -> list[dict[str, str]]:
    """The items of an RSS or Atom feed: ``{"title", "link", "published", "summary"}`` with
    HTML removed from title and summary (the summary cut at ``max_length``; 0: whole).
    Raises FetchError when the body is not a feed."""
    parsed = feedparser.parse(
        io.BytesIO(page.body),
        response_headers={"content-type": page.content_type_header, "content-location": page.url},
    )
    entries = parsed.get("entries") or []
    if not entries and parsed.get("bozo") and not parsed.get("feed"):
        raise FetchError(f"{page.url} is not an RSS or Atom feed")
    rows: list[dict[str, str]] = []
    for entry in entries:
        summary = entry.get("summary") or entry.get("description") or ""
        rows.append(
            {
                "title": _strip_html(str(entry.get("title") or "")),
                "link": str(entry.get("link") or ""),
                # dict.get: feedparser's own get() warns when it maps "published" to "updated"
                "published": str(dict.get(entry, "published") or dict.get(entry, "updated") or ""),
                "summary": _truncate(_strip_html(str(summary)), max_length),
            }
        )
    return rows


def news_url(web: WebAccess, *, topic: str, location: str) -> str:
    """The News feed URL before its query: the search endpoint, or for a ``topic`` /
    ``location`` its sibling ``headlines/section/topic/<TOPIC>`` / ``headlines/section/geo/<x>``
    (when the endpoint's path ends in ``/search``)."""
    base = web.news_search_url
    if (topic or location) and urlsplit(base).path.rstrip("/").endswith("/search"):
        root = base.split("?", 1)[0].rstrip("/")[: -len("/search")]
        if topic:
            return f"{root}/headlines/section/topic/{quote(topic.upper(), safe='')}"
        return f"{root}/headlines/section/geo/{quote(location, safe='')}"
    return base


@registry.register("UnifiedWebSearch")
class UnifiedWebSearch(ToolModeComponent):
    """Langflow's "Web Search" (``lfx`` ``WebSearchComponent``, ``data.type``
    ``UnifiedWebSearch``): tool ``perform_search(query, search_mode)``; output ``results``
    when not in tool mode. See the module docstring."""

    display_name = "Web Search"
    description = "Search the web, news, or RSS feeds."
    category = "data_source"
    icon = "search"
    documentation = "https://docs.langflow.org/web-search"
    field_specs = (
        FieldSpec(
            "search_mode",
            "Search Mode",
            type="tab",
            input_type="TabInput",
            info="Choose search mode: Web (DuckDuckGo), News (Google News), or RSS (Feed Reader)",
            default="Web",
            options=MODES,
        ),
        FieldSpec(
            "query",
            "Search Query",
            info="Search keywords for news articles.",
            required=True,
            input_types=("Message",),
        ),
        message_text("hl", "Language (hl)", "Language code, e.g. en-US, fr, de. Default: en-US."),
        message_text("gl", "Country (gl)", "Country code, e.g. US, FR, DE. Default: US."),
        message_text("ceid", "Country:Language (ceid)", "e.g. US:en, FR:fr. Default: US:en.", "US:en"),
        message_text(
            "topic",
            "Topic",
            "One of: WORLD, NATION, BUSINESS, TECHNOLOGY, ENTERTAINMENT, SCIENCE, SPORTS, HEALTH.",
        ),
        message_text(
            "location",
            "Location (Geo)",
            "City, state, or country for location-based news. Leave blank for keyword search.",
        ),
        FieldSpec(
            "timeout",
            "Timeout",
            type="int",
            input_type="IntInput",
            info="Timeout for the request in seconds.",
            default=DEFAULT_TIMEOUT,
            advanced=True,
        ),
        FieldSpec(
            "max_results",
            "Max Results",
            type="int",
            input_type="IntInput",
            info="Maximum number of results to return. Set to 0 to return every result.",
            default=DEFAULT_MAX_RESULTS,
            advanced=True,
        ),
        FieldSpec(
            "max_content_length",
            "Max Content Length",
            type="int",
            input_type="IntInput",
            info="Maximum number of characters kept from each scraped page or feed field. 0 keeps all.",
            default=DEFAULT_MAX_CONTENT,
            advanced=True,
        ),
    )
    output_specs = (OutputSpec(RESULTS_OUTPUT, "Results", types=("Table",), method="perform_search"),)
    tool_name = "perform_search"
    tool_description = "Search the web, news, or RSS feeds."
    tool_args = {
        "query": {"description": "Search keywords for news articles.", "title": "Query", "type": "string"},
        "search_mode": {
            "default": "Web",
            "description": "Choose search mode: Web (DuckDuckGo), News (Google News), or RSS (Feed Reader)",
            "enum": list(MODES),
            "title": "Search Mode",
            "type": "string",
        },
    }

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """``tools_metadata`` well formed (tool mode); literal ``search_mode`` one of
        Web/News/RSS, ``timeout`` 1-120 s, ``max_results`` and ``max_content_length`` >= 0;
        else InvalidInput naming ``<vertex id>.<field>``."""
        super().check(vertex)
        check_fields(
            vertex,
            {
                "timeout": (1, MAX_TIMEOUT),
                "max_results": (0, 10**6),
                "max_content_length": (0, 10**9),
            },
            {"search_mode": MODES},
        )

    async def search(self, ctx: ComponentContext) -> list[dict[str, str]]:
        """The rows of the node's search (see the module docstring). Raises FetchError for a
        failure the caller should report (empty query, endpoint unreachable or erroring,
        unreadable feed)."""
        mode = ctx.text("search_mode").strip() or "Web"
        if mode not in MODES:
            raise FetchError(f"search_mode must be one of {', '.join(MODES)}")
        timeout = float(min(max(int_value(ctx.field("timeout"), DEFAULT_TIMEOUT), 1), MAX_TIMEOUT))
        max_results = max(int_value(ctx.field("max_results"), DEFAULT_MAX_RESULTS), 0)
        limit = min(max_results, MAX_ROWS) if max_results else MAX_ROWS
        max_length = max(int_value(ctx.field("max_content_length"), DEFAULT_MAX_CONTENT), 0)
        if mode == "News":
            rows = await self._news(ctx, timeout, max_length)
        elif mode == "RSS":
            rows = await self._rss(ctx, timeout, max_length)
        else:
            rows = await self._web(ctx, timeout, limit, max_length)
        return rows[:limit]

    async def _get(self, ctx: ComponentContext, url: str, seconds: float, **kwargs: Any) -> FetchedPage:
        page = await fetch(url, ctx.services.web, timeout=seconds, **kwargs)
        if page.status >= 400:
            raise FetchError(f"{page.url.split('?', 1)[0]} answered HTTP {page.status}")
        return page

    async def _web(
        self, ctx: ComponentContext, seconds: float, limit: int, max_length: int
    ) -> list[dict[str, str]]:
        query = _checked_query(_UNSAFE_QUERY.sub("", ctx.text("query")).strip())
        endpoint = ctx.services.web.web_search_url
        page = await self._get(
            ctx,
            endpoint,
            seconds,
            params={"q": query, "kl": "us-en"},
            extra_allowed_hosts=(_endpoint_host(endpoint),),
        )
        results = (await asyncio.to_thread(parse_duckduckgo, page.text, page.url))[:limit]
        fetched = await asyncio.gather(
            *(self._content(ctx, r["link"], seconds) for r in results[:MAX_FETCHED_PAGES])
        )
        rows: list[dict[str, str]] = []
        for i, result in enumerate(results):
            content = fetched[i] if i < len(fetched) else ""
            rows.append({**result, "content": _truncate(content, max_length)})
        return rows

    async def _content(self, ctx: ComponentContext, link: str, seconds: float) -> str:
        """A result page's text; ``""`` when it cannot be fetched or is not text."""
        try:
            page = await fetch(normalize_url(link), ctx.services.web, timeout=seconds)
        except FetchError:
            return ""
        if page.status >= 400 or not is_textual(page.content_type):
            return ""
        return (await asyncio.to_thread(extract_page, page, "Text", want_links=False)).text

    async def _news(self, ctx: ComponentContext, seconds: float, max_length: int) -> list[dict[str, str]]:
        query = ctx.text("query").strip()
        topic, location = ctx.text("topic").strip(), ctx.text("location").strip()
        if not (query or topic or location):
            raise FetchError("empty search query")
        if query:
            _checked_query(query)
        hl_field, gl_field = ctx.text("hl").strip(), ctx.text("gl").strip()
        hl, gl = hl_field or "en-US", gl_field or "US"
        ceid = ctx.text("ceid").strip()
        if hl_field or gl_field or not ceid:
            ceid = f"{gl}:{hl.split('-')[0]}"
        web = ctx.services.web
        params = {"hl": hl, "gl": gl, "ceid": ceid}
        if not (topic or location):
            params = {"q": query, **params}
        page = await self._get(
            ctx,
            news_url(web, topic=topic, location=location),
            seconds,
            params=params,
            extra_allowed_hosts=(_endpoint_host(web.news_search_url),),
        )
        return await asyncio.to_thread(parse_feed, page, max_length)

    async def _rss(self, ctx: ComponentContext, seconds: float, max_length: int) -> list[dict[str, str]]:
        feed = ctx.text("query").strip()
        if not feed:
            raise FetchError("no RSS feed URL given")
        page = await self._get(ctx, normalize_url(feed), seconds)
        return await asyncio.to_thread(parse_feed, page, max_length)

    async def call_tool(self, ctx: ComponentContext) -> str:
        """``perform_search``: the rows as a JSON list (:data:`NO_RESULTS_TEXT` when none);
        ToolError for a failure."""
        try:
            rows = await self.search(ctx)
        except FetchError as exc:
            raise ToolError(f"search failed: {exc}") from exc
        if not rows:
            return NO_RESULTS_TEXT
        text = json.dumps(rows, ensure_ascii=False, indent=1)
        return text if len(text) <= MAX_TOOL_CHARS else text[:MAX_TOOL_CHARS] + "\n[... truncated]"

    async def run_outputs(self, ctx: ComponentContext) -> ComponentResult:
        """Not in tool mode: ``{"results": [row, ...]}``; a failure fails the run."""
        return ComponentResult({RESULTS_OUTPUT: await self.search(ctx)})
