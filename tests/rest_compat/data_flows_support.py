"""What the data-flow starter tests set up: an arXiv Atom answer, a SQLite pricing database
listed in ``FLOWQL_SQL_ALLOWED_URLS``, the local search endpoints, and helpers reading runs."""

from __future__ import annotations

import html
import sqlite3
from pathlib import Path
from typing import Any

from flowql.settings import Settings
from tests.model_server import RecordedRequest
from tests.web_server import WebServer

PAPERS = [
    ("2401.00001", "Attention Is Cheap", "We show attention can be computed cheaply.", "Ada Lovelace"),
    ("2401.00002", "Loops in Graphs", "Iterating over items in dataflow graphs.", "Alan Turing"),
    ("2401.00003", "Translating Science", "Machine translation of research abstracts.", "Grace Hopper"),
]


def arxiv_feed(papers: list[tuple[str, str, str, str]]) -> str:
    """An arXiv API Atom answer with one entry per ``(id, title, summary, author)``."""
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{pid}v1</id><published>2024-01-0{i + 1}T00:00:00Z</published>"
        f"<title>{html.escape(title)}</title><summary>  {html.escape(summary)}\n</summary>"
        f"<author><name>{html.escape(author)}</name></author>"
        f'<link href="http://arxiv.org/abs/{pid}v1" rel="alternate" type="text/html"/>'
        f'<link title="pdf" href="http://arxiv.org/pdf/{pid}v1" rel="related" type="application/pdf"/>'
        f'<arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.AI"/>'
        f'<category term="cs.AI"/></entry>'
        for i, (pid, title, summary, author) in enumerate(papers)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom"><title>arXiv Query</title>'
        f"{entries}</feed>"
    )


def serve_search(web: WebServer, settings: Settings) -> None:
    """Point the web-search and arXiv endpoints at ``web`` and let the fetcher reach it."""
    settings.ssrf_allowed_hosts = ["127.0.0.1"]
    settings.web_search_url = web.url("/html/")
    settings.news_search_url = web.url("/news")
    settings.arxiv_url = web.url("/api/query")
    web.page("/api/query", arxiv_feed(PAPERS), content_type="application/atom+xml; charset=utf-8")


def pricing_db(tmp_path: Path, settings: Settings) -> str:
    """A SQLite database of plans (name, monthly_usd, seats), allowed for the SQL component; its URL."""
    path = tmp_path / "pricing.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE plans (name TEXT, monthly_usd REAL, seats INTEGER)")
        conn.executemany(
            "INSERT INTO plans VALUES (?, ?, ?)",
            [("Starter", 9.0, 1), ("Team", 49.0, 10), ("Scale", 199.0, 50)],
        )
    conn.close()
    url = f"sqlite:///{path}"
    settings.sql_allowed_urls = [url]
    return url


def node_ids(export: dict[str, Any], kind: str) -> list[str]:
    """The ids of the export's nodes of ``data.type`` ``kind``."""
    return [n["id"] for n in export["data"]["nodes"] if n.get("data", {}).get("type") == kind]


def contents(request: RecordedRequest, role: str) -> list[str]:
    """The text of the request's messages of ``role``."""
    return [str(m["content"]) for m in request.body["messages"] if m["role"] == role]


def output_texts(body: dict[str, Any]) -> dict[str, str]:
    """component id → results.message.text of a ``/run`` response."""
    return {o["component_id"]: o["results"]["message"]["text"] for o in body["outputs"][0]["outputs"]}
