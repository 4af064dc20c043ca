"""Langflow's ``URLComponent`` ("URL"): fetch web pages, optionally following their links.

Every request goes through the guarded fetcher (:func:`flowql.engine.net.fetch`: no private,
loopback or link-local address unless ``FLOWQL_SSRF_ALLOWED_HOSTS`` names the host, checked
on every redirect hop).

Fields (Langflow's names):

- ``urls``: one URL or a list (also a Message's text, URLs separated by spaces or lines);
  in tool mode the ``fetch_content`` tool's ``urls`` argument (an array of strings; empty →
  the node's own ``urls``). A URL without ``scheme://`` gets ``https://``; another scheme than http/https or
  no host is an error naming the URL.
- ``max_depth`` (1-5): 1 fetches only the given pages; ``n`` also follows the links of each
  fetched HTML page, ``n - 1`` clicks deep, on the root URL's origin only while
  ``prevent_outside`` is on. At most :data:`MAX_PAGES` pages per call.
- ``format``: ``"Text"`` (the page's visible text), ``"Markdown"`` (headings, lists, links and
  code kept as Markdown) or ``"HTML"`` (the raw page).
- ``headers``: Langflow's TableInput rows ``[{"key", "value"}]`` (a ``{name: value}`` object is
  accepted too); ``User-Agent`` defaults to FlowQL's.
- ``timeout`` (seconds per URL), ``follow_redirects``.
- ``filter_text_html``: keep only textual responses (HTML, XML, JSON, plain text); a style
  sheet, script, image or other binary response counts as a failure.
- ``check_response_status``: an HTTP status of 400 or more counts as a failure (off: the error
  page's content is returned like any page).
- ``continue_on_failure``: a failing URL is reported next to the others instead of failing the
  whole call; the call fails only when no page was fetched. Off: the first failure fails it.
- ``prevent_outside``; ``use_async`` and ``autoset_encoding`` are accepted and have no effect
  (pages are always fetched concurrently; the charset comes from the response).

In tool mode the model reads, per page, ``URL: ...``, ``Title: ...`` and the content (each
page cut at :data:`MAX_PAGE_CHARS` characters, the whole answer at :data:`MAX_TOOL_CHARS`),
failures as ``URL: ...`` / ``Error: ...``; when nothing could be fetched the tool answers
``"Error: ..."``. Not in tool mode the outputs are Langflow's ``page_results`` (a list of rows
``{"text", "url", "title", "description", "content_type", "language"}``) and ``raw_results``
(a Message: the pages' texts joined by blank lines); a failure fails the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from flowql.engine.components.base import ComponentResult, registry
from flowql.engine.components.field_checks import check_fields, int_value
from flowql.engine.components.spec import FieldSpec, OutputSpec, bool_field
from flowql.engine.components.tool_mode import ToolModeComponent
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.html import (
    html_language,
    html_links,
    html_markdown,
    html_meta,
    html_text,
    html_title,
    is_html,
    is_textual,
    parse_html,
)
from flowql.engine.net import FetchedPage, fetch, normalize_url
from flowql.engine.net_guard import FetchError
from flowql.engine.tools import ToolError
from flowql.engine.types import ChatMessage
from flowql.engine.values import to_text

FORMATS = ("Text", "HTML", "Markdown")
DEFAULT_TIMEOUT = 30
MAX_TIMEOUT = 300
MAX_DEPTH = 5
#: Pages fetched at most per call, all roots and depths together.
MAX_PAGES = 20
#: Given URLs accepted at most per call.
MAX_URLS = 20
#: Characters of one page the model reads at most.
MAX_PAGE_CHARS = 8000
#: Characters of the whole tool answer at most.
MAX_TOOL_CHARS = 40000
#: Pages fetched at the same time.
CONCURRENCY = 4
PAGE_RESULTS = "page_results"
RAW_RESULTS = "raw_results"


# --- fetching --------------------------------------------------------------------------


@dataclass(frozen=True)
class PageResult:
    """One fetched page: ``url`` (final), ``title``, ``text`` (in the asked format),
    ``description``, ``content_type``, ``language`` and the page's outgoing ``links``."""

    url: str
    title: str
    text: str
    description: str
    content_type: str
    language: str
    links: tuple[str, ...] = ()

    def row(self) -> dict[str, Any]:
        """Langflow's ``page_results`` row."""
        return {
            "text": self.text,
            "url": self.url,
            "title": self.title,
            "description": self.description,
            "content_type": self.content_type,
            "language": self.language,
        }


@dataclass(frozen=True)
class Failure:
    """A URL that gave no page, with the reason."""

    url: str
    message: str


def extract_page(page: FetchedPage, fmt: str, *, want_links: bool) -> PageResult:
    """``page`` as a :class:`PageResult` in format ``fmt`` (see the module docstring); a
    non-HTML page's text is kept as it is."""
    if not is_html(page.content_type) and not (page.content_type == "" and page.text.lstrip()[:1] == "<"):
        return PageResult(page.url, "", page.text, "", page.content_type, "")
    soup = parse_html(page.text)
    title, description, language = html_title(soup), html_meta(soup, "description"), html_language(soup)
    links = tuple(html_links(soup, page.url)) if want_links else ()
    if fmt == "HTML":
        text = page.text
    elif fmt == "Markdown":
        text = html_markdown(soup)
    else:
        text = html_text(soup)
    return PageResult(page.url, title, text, description, page.content_type or "text/html", language, links)


@dataclass(frozen=True)
class CrawlOptions:
    """The fields steering one call (see the module docstring)."""

    max_depth: int = 1
    prevent_outside: bool = True
    fmt: str = "Text"
    headers: Mapping[str, str] | None = None
    timeout: float = DEFAULT_TIMEOUT
    follow_redirects: bool = True
    filter_text_html: bool = True
    check_response_status: bool = False
    continue_on_failure: bool = True


def origin_of(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of ``url``; ``None`` when httpx refuses it (a page's malformed
    link, which is then not followed)."""
    try:
        parsed = httpx.URL(url)
        return parsed.scheme, parsed.host.lower(), parsed.port  # .host may raise (bad punycode)
    except (httpx.InvalidURL, TypeError, ValueError):  # UnicodeError is a ValueError
        return None


async def _fetch_one(ctx: ComponentContext, url: str, options: CrawlOptions, want_links: bool) -> PageResult:
    page = await fetch(
        url,
        ctx.services.web,
        timeout=options.timeout,
        headers=options.headers,
        follow_redirects=options.follow_redirects,
    )
    if options.check_response_status and page.status >= 400:
        raise FetchError(f"HTTP status {page.status}")
    if options.filter_text_html and not is_textual(page.content_type):
        raise FetchError(f"content type {page.content_type} is not text")
    return await asyncio.to_thread(extract_page, page, options.fmt, want_links=want_links)


async def crawl(
    ctx: ComponentContext, urls: list[str], options: CrawlOptions
) -> tuple[list[PageResult], list[Failure]]:
    """Fetch ``urls`` and, up to ``options.max_depth``, the pages they link to (breadth first,
    each URL once, at most :data:`MAX_PAGES` fetches). Returns the pages and the failures.
    Raises FetchError (naming the URL) on the first failure when
    ``options.continue_on_failure`` is off."""
    seen = set(urls)
    level = [(url, origin_of(url)) for url in urls]
    pages: list[PageResult] = []
    failures: list[Failure] = []
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(url: str, want_links: bool) -> PageResult:
        async with gate:
            return await _fetch_one(ctx, url, options, want_links)

    for depth in range(1, options.max_depth + 1):
        level = level[: MAX_PAGES - len(pages) - len(failures)]
        if not level:
            break
        want_links = depth < options.max_depth
        results = await asyncio.gather(*(one(url, want_links) for url, _ in level), return_exceptions=True)
        next_level: list[tuple[str, tuple[str, str, int | None] | None]] = []
        for (url, origin), result in zip(level, results, strict=True):
            if isinstance(result, FetchError):
                if not options.continue_on_failure:
                    raise FetchError(f"failed to fetch {url}: {result}") from result
                failures.append(Failure(url, str(result)))
                continue
            if isinstance(result, BaseException):
                raise result
            pages.append(result)
            for link in result.links:
                target = origin_of(link)
                if link in seen or target is None or (options.prevent_outside and target != origin):
                    continue
                seen.add(link)
                next_level.append((link, origin))
        level = next_level
    return pages, failures


# --- field values ----------------------------------------------------------------------


def url_list(value: Any) -> list[str]:
    """The URLs in a ``urls`` value: a list (items' texts), or a text / Message; each text
    split on whitespace (a URL has none), so one per line works too."""
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    return [part for item in items for part in to_text(item).split()]


def header_dict(value: Any) -> dict[str, str]:
    """Request headers from a ``headers`` value: TableInput rows ``[{"key", "value"}]`` (rows
    without a key or with a null value skipped) or a ``{name: value}`` object."""
    if isinstance(value, Mapping):
        return {str(k): to_text(v) for k, v in value.items() if v is not None and str(k).strip()}
    headers: dict[str, str] = {}
    if isinstance(value, list):
        for row in value:
            if isinstance(row, Mapping):
                key, val = row.get("key"), row.get("value")
                if isinstance(key, str) and key.strip() and val is not None:
                    headers[key.strip()] = to_text(val)
    return headers


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "\n[... truncated]"


def format_pages(pages: list[PageResult], failures: list[Failure]) -> str:
    """The tool's answer: per page ``URL:``, ``Title:`` and its content (cut at
    :data:`MAX_PAGE_CHARS`), per failure ``URL:`` and ``Error:``; the whole at
    :data:`MAX_TOOL_CHARS`."""
    blocks = [f"URL: {p.url}\nTitle: {p.title}\n\n{_truncate(p.text, MAX_PAGE_CHARS)}" for p in pages]
    blocks += [f"URL: {f.url}\nError: {f.message}" for f in failures]
    return _truncate("\n\n---\n\n".join(blocks), MAX_TOOL_CHARS)


@registry.register("URLComponent")
class URLComponent(ToolModeComponent):
    """Langflow's "URL" (``lfx`` ``URLComponent``): tool ``fetch_content(urls)``; outputs
    ``page_results`` and ``raw_results`` when not in tool mode. See the module docstring."""

    display_name = "URL"
    description = "Fetch content from one or more web pages, following links recursively."
    category = "data_source"
    icon = "layout-template"
    documentation = "https://docs.langflow.org/url"
    field_specs = (
        FieldSpec(
            "urls",
            "URLs",
            info="Enter one or more URLs to crawl recursively, by clicking the '+' button.",
            list=True,
            input_types=("Message",),
        ),
        FieldSpec(
            "max_depth",
            "Depth",
            type="slider",
            input_type="SliderInput",
            info="How many 'clicks' away from the initial page the crawler goes (1: only the initial page).",
            default=1,
        ),
        bool_field(
            "prevent_outside",
            "Prevent Outside",
            "If enabled, only crawls URLs within the same domain as the root URL.",
            default=True,
        ),
        bool_field(
            "use_async", "Use Async", "Accepted; pages are always fetched concurrently.", default=True
        ),
        bool_field(
            "follow_redirects", "Follow Redirects", "If enabled, follows HTTP redirects.", default=True
        ),
        FieldSpec(
            "format",
            "Output Format",
            input_type="DropdownInput",
            info="'Text' extracts the text, 'Markdown' converts to Markdown, 'HTML' keeps the raw HTML.",
            default="Text",
            advanced=True,
            options=FORMATS,
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
            "headers",
            "Headers",
            type="table",
            input_type="TableInput",
            info="The headers to send with the request",
            default=[{"key": "User-Agent", "value": "FlowQL"}],
            input_types=("DataFrame", "Table"),
            advanced=True,
            list=True,
        ),
        bool_field(
            "filter_text_html",
            "Filter Text/HTML",
            "If enabled, only textual responses (HTML, XML, JSON, text) are kept.",
            default=True,
        ),
        bool_field(
            "continue_on_failure",
            "Continue on Failure",
            "If enabled, continues crawling even if some requests fail.",
            default=True,
        ),
        bool_field(
            "check_response_status",
            "Check Response Status",
            "If enabled, an HTTP error status counts as a failure.",
            default=False,
        ),
        bool_field("autoset_encoding", "Autoset Encoding", "Accepted; the response's charset is used.", True),
    )
    output_specs = (
        OutputSpec(PAGE_RESULTS, "Extracted Pages", types=("Table",), method="fetch_content"),
        OutputSpec(RAW_RESULTS, "Raw Content", types=("Message",), method="fetch_content_as_message"),
    )
    tool_name = "fetch_content"
    tool_description = "Fetch content from one or more web pages, following links recursively."
    tool_args = {
        "urls": {
            "default": "",
            "description": "Enter one or more URLs to crawl recursively, by clicking the '+' button.",
            "items": {"type": "string"},
            "title": "Urls",
            "type": "array",
        }
    }

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """``tools_metadata`` well formed (tool mode); literal ``max_depth`` (1-5), ``timeout``
        (1-300 s) and ``format`` (Text/HTML/Markdown) valid; else InvalidInput naming
        ``<vertex id>.<field>``."""
        super().check(vertex)
        check_fields(
            vertex,
            {"max_depth": (1, MAX_DEPTH), "timeout": (1, MAX_TIMEOUT)},
            {"format": FORMATS},
        )

    def options(self, ctx: ComponentContext) -> CrawlOptions:
        """The call's :class:`CrawlOptions` from the fields (out-of-range numbers clamped)."""
        fmt = ctx.text("format") or "Text"
        return CrawlOptions(
            max_depth=min(max(int_value(ctx.field("max_depth"), 1), 1), MAX_DEPTH),
            prevent_outside=ctx.flag("prevent_outside", True),
            fmt=fmt if fmt in FORMATS else "Text",
            headers=header_dict(ctx.field("headers")),
            timeout=float(min(max(int_value(ctx.field("timeout"), DEFAULT_TIMEOUT), 1), MAX_TIMEOUT)),
            follow_redirects=ctx.flag("follow_redirects", True),
            filter_text_html=ctx.flag("filter_text_html", True),
            check_response_status=ctx.flag("check_response_status", False),
            continue_on_failure=ctx.flag("continue_on_failure", True),
        )

    def urls(self, ctx: ComponentContext) -> list[str]:
        """The call's URLs, normalised (see the module docstring); the node's stored ``urls``
        when the call gives none. Raises FetchError naming a bad URL or when there is none."""
        given = url_list(ctx.field("urls"))
        if not given:
            given = url_list((ctx.vertex.template.get("urls") or {}).get("value"))
        if not given:
            raise FetchError("no URL given: pass one or more http(s) URLs in 'urls'")
        if len(given) > MAX_URLS:
            raise FetchError(f"too many URLs: at most {MAX_URLS} per call")
        urls: list[str] = []
        for url in given:
            normalized = normalize_url(url)
            if normalized not in urls:
                urls.append(normalized)
        return urls

    async def fetch_pages(self, ctx: ComponentContext) -> tuple[list[PageResult], list[Failure]]:
        """Crawl the call's URLs; FetchError when nothing could be fetched (the failures
        listed) or, without ``continue_on_failure``, on the first failure."""
        pages, failures = await crawl(ctx, self.urls(ctx), self.options(ctx))
        if not pages:
            reasons = "; ".join(f"{f.url}: {f.message}" for f in failures)
            raise FetchError(
                f"no page could be fetched ({reasons})" if reasons else "no page could be fetched"
            )
        return pages, failures

    async def call_tool(self, ctx: ComponentContext) -> str:
        """``fetch_content``: the pages as text (:func:`format_pages`); ToolError for a bad URL
        or when nothing could be fetched."""
        try:
            pages, failures = await self.fetch_pages(ctx)
        except FetchError as exc:
            raise ToolError(str(exc)) from exc
        return format_pages(pages, failures)

    async def run_outputs(self, ctx: ComponentContext) -> ComponentResult:
        """Not in tool mode: ``page_results`` (rows) and ``raw_results`` (a Message of the
        texts). A failure fails the run."""
        pages, _ = await self.fetch_pages(ctx)
        rows = [page.row() for page in pages]
        raw: ChatMessage = ctx.new_message("\n\n".join(page.text for page in pages), "", "")
        return ComponentResult({PAGE_RESULTS: rows, RAW_RESULTS: raw})
