"""The arXiv component (Langflow ``ArXivComponent``, ``data.type`` ``ArXivComponent``).

Searches the arXiv API (``EngineServices.data.arxiv_url``, ``FLOWQL_ARXIV_URL``; its own host
is reachable whatever it resolves to) with ``search_query=<search_type>:<search_query>``
(``search_type`` one of ``all``, ``title``, ``abstract`` → ``abs``, ``author`` → ``au``,
``cat``), ``start=0`` and ``max_results`` (1-100, default 10), through the guarded fetcher
(:mod:`flowql.engine.net`). Output ``dataframe``: one row per Atom entry: ``id``, ``title``,
``summary``, ``published``, ``authors`` (list of names), ``arxiv_url``, ``pdf_url``,
``primary_category``, ``categories``, ``comment``, ``journal_ref``. An empty query gives no
rows without a request; an unreachable endpoint or an HTTP error fails the vertex
(ComponentError ``ArXivError``).
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import feedparser  # type: ignore[import-untyped]

from flowql.engine.components.base import Component, ComponentResult, registry
from flowql.engine.components.field_checks import check_fields, int_value
from flowql.engine.components.spec import FieldSpec, OutputSpec, message_text
from flowql.engine.context import ComponentContext
from flowql.engine.graph import Vertex
from flowql.engine.net import FetchedPage, fetch, parse_url
from flowql.engine.net_guard import FetchError

SEARCH_TYPES = {"all": "all", "title": "ti", "abstract": "abs", "author": "au", "cat": "cat"}
DEFAULT_MAX_RESULTS = 10
TIMEOUT = 30.0


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


def parse_arxiv(page: FetchedPage) -> list[dict[str, Any]]:
    """The entries of an arXiv Atom answer as rows (see the module docstring)."""
    parsed = feedparser.parse(
        io.BytesIO(page.body), response_headers={"content-type": page.content_type_header}
    )
    rows: list[dict[str, Any]] = []
    for entry in parsed.get("entries") or []:
        links = entry.get("links") or []
        pdf = next(
            (
                lk.get("href")
                for lk in links
                if lk.get("title") == "pdf" or lk.get("type") == "application/pdf"
            ),
            "",
        )
        page_link = next(
            (lk.get("href") for lk in links if lk.get("rel") == "alternate"), entry.get("id", "")
        )
        primary = entry.get("arxiv_primary_category") or {}
        rows.append(
            {
                "id": str(entry.get("id") or ""),
                "title": _clean(entry.get("title")),
                "summary": _clean(entry.get("summary")),
                "published": str(dict.get(entry, "published") or ""),
                "authors": [a.get("name", "") for a in entry.get("authors") or [] if isinstance(a, dict)],
                "arxiv_url": str(page_link or ""),
                "pdf_url": str(pdf or ""),
                "primary_category": str(primary.get("term", "")) if isinstance(primary, dict) else "",
                "categories": [t.get("term", "") for t in entry.get("tags") or [] if isinstance(t, dict)],
                "comment": _clean(entry.get("arxiv_comment")),
                "journal_ref": _clean(entry.get("arxiv_journal_ref")),
            }
        )
    return rows


@registry.register("ArXivComponent")
class ArXivComponent(Component):
    """See the module docstring."""

    display_name = "arXiv"
    description = "Search and retrieve papers from arXiv.org"
    category = "search"
    icon = "arXiv"
    documentation = "https://docs.langflow.org/components-data#arxiv"
    field_specs = (
        message_text("search_query", "Search Query", "The search query for arXiv papers.", advanced=False),
        FieldSpec(
            "search_type",
            "Search Field",
            input_type="DropdownInput",
            default="all",
            options=tuple(SEARCH_TYPES),
        ),
        FieldSpec(
            "max_results", "Max Results", type="int", input_type="IntInput", default=DEFAULT_MAX_RESULTS
        ),
    )
    output_specs = (
        OutputSpec("dataframe", "DataFrame", types=("DataFrame",), method="search_papers_dataframe"),
    )

    @classmethod
    def check(cls, vertex: Vertex) -> None:
        """``max_results`` 1-100 and a known ``search_type``, else InvalidInput."""
        check_fields(vertex, {"max_results": (1, 100)}, {"search_type": tuple(SEARCH_TYPES)})

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        """See the module docstring."""
        query = " ".join(ctx.text("search_query").split())
        if not query:
            return ComponentResult({"dataframe": []})
        kind = SEARCH_TYPES.get(ctx.text("search_type", "all") or "all", "all")
        limit = min(max(int_value(ctx.field("max_results"), DEFAULT_MAX_RESULTS), 1), 100)
        endpoint = ctx.services.data.arxiv_url
        try:
            page = await fetch(
                endpoint,
                ctx.services.web,
                timeout=TIMEOUT,
                params={"search_query": f"{kind}:{query}", "start": "0", "max_results": str(limit)},
                extra_allowed_hosts=(parse_url(endpoint).host,),
            )
            if page.status >= 400:
                raise FetchError(f"the arXiv API answered HTTP {page.status}")
        except FetchError as exc:
            raise ctx.fail(str(exc), "ArXivError") from exc
        rows = await asyncio.to_thread(parse_arxiv, page)
        return ComponentResult({"dataframe": rows[:limit]})
