"""Issue 7's starter flows run end to end through ``POST /api/v1/run`` against the scripted
model server, a local web server (news search, web search, arXiv API), an uploaded file and a
SQLite database allowed by ``FLOWQL_SQL_ALLOWED_URLS``: Content Aggregator, Financial Report
Parser, Market Research, Research Translation Loop, SaaS Pricing, Text Sentiment Analysis.

Each test asserts what reached the model (the file's text, the parsed rows, the SQL result, the
search and arXiv results, each loop item) and the output."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from flowql.settings import Settings
from tests.cases import load_langflow
from tests.conftest import TestUser
from tests.model_server import ModelServer, text, tool_calls
from tests.pdf_maker import make_pdf
from tests.rest_compat.data_flows_support import (
    PAPERS,
    contents,
    node_ids,
    output_texts,
    pricing_db,
    serve_search,
)
from tests.rest_compat.files_support import upload_v2
from tests.rest_compat.helpers import create_and_run
from tests.web_server import WebServer, duckduckgo_page, rss_feed


async def test_financial_report_parser_reads_an_uploaded_pdf(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    report = make_pdf([["Acme Corp annual report 2025", "Revenue: 120 million"], ["Net income: 18 million"]])
    uploaded = await upload_v2(client, alice, "acme-report.pdf", report)
    export = load_langflow(shared_dir, "Financial Report Parser.json")
    [file_id] = node_ids(export, "File")
    figures = {
        "COMPANY": "Acme Corp",
        "REVENUE": "120 million",
        "GROSS_PROFIT": "n/a",
        "EBITDA": "n/a",
        "EBIT": "n/a",
        "NET_INCOME": "18 million",
        "NET_MARGIN": "15%",
    }
    model_server.add(
        text("Acme Corp: revenue 120 million, net income 18 million."), text(json.dumps(figures))
    )
    body = await create_and_run(
        client, alice, export, {"output_type": "chat", "tweaks": {file_id: {"path": [uploaded["id"]]}}}
    )

    answer, structuring = model_server.requests
    [user_text] = contents(answer, "user")
    assert "Acme Corp annual report 2025" in user_text and "Net income: 18 million" in user_text
    assert "Revenue: 120 million" in user_text
    assert "Acme Corp: revenue 120 million" in contents(structuring, "user")[0]
    [shown] = output_texts(body).values()
    assert "Acme Corp" in shown and "| Revenue | 120 million |" in shown and "18 million" in shown


async def test_text_sentiment_analysis_reads_an_uploaded_text_file(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    feedback = "User A: the new flow editor is great.\nUser B: runs fail when the file is large."
    uploaded = await upload_v2(client, alice, "feedback.txt", feedback.encode())
    export = load_langflow(shared_dir, "Text Sentiment Analysis.json")
    [file_id] = node_ids(export, "File")
    model_server.add(text("ANALYSIS-OR-SUMMARY-1"), text("ANALYSIS-OR-SUMMARY-2"), text("RECOMMENDATION"))
    body = await create_and_run(
        client, alice, export, {"output_type": "chat", "tweaks": {file_id: {"path": uploaded["path"]}}}
    )

    assert len(model_server.requests) == 3
    by_system = {contents(r, "system")[0][:40]: r for r in model_server.requests}
    nlp = next(r for s, r in by_system.items() if "NLP expert" in s)
    summary_agent = next(r for s, r in by_system.items() if "Prompt Template" in s or "Based on" in s)
    writer = next(r for s, r in by_system.items() if "text analysis assistant" in s)
    assert contents(nlp, "user") == [feedback]
    assert contents(summary_agent, "user") == [feedback]
    [prompt_text] = contents(writer, "user")
    assert prompt_text.startswith("Based on the following summary of discussions")
    first_two = {"ANALYSIS-OR-SUMMARY-1", "ANALYSIS-OR-SUMMARY-2"}
    assert any(s in prompt_text for s in first_two)
    outputs = output_texts(body)
    assert sorted(outputs.values()) == sorted(
        [*(first_two - {s for s in first_two if s in prompt_text}), "RECOMMENDATION"]
    )


async def test_content_aggregator_searches_briefs_each_item_and_saves_the_digest(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> None:
    serve_search(web_server, settings)
    web_server.page(
        "/news",
        rss_feed(
            [
                (
                    "Robots learn to fold",
                    "https://news.example/fold",
                    "Mon, 01 Jan 2024 10:00:00 GMT",
                    "A robot folds laundry.",
                ),
                (
                    "Models get smaller",
                    "https://news.example/small",
                    "Tue, 02 Jan 2024 10:00:00 GMT",
                    "Tiny models beat big ones.",
                ),
            ]
        ),
        content_type="application/rss+xml",
    )
    model_server.add(
        text("Robots can now fold laundry."),
        text("Small models win."),
        text("DIGEST: robots and small models."),
    )
    export = load_langflow(shared_dir, "Content Aggregator.json")
    body = await create_and_run(client, alice, export, {"input_value": "ai news"})

    assert web_server.requests[0].path == "/news" and web_server.requests[0].query["q"] == "ai news"
    first, second, agent = model_server.requests
    assert contents(first, "user") == ["A robot folds laundry."]
    assert contents(second, "user") == ["Tiny models beat big ones."]
    assert contents(first, "system")[0].startswith("Write one concise, neutral sentence")
    [digest_input] = contents(agent, "user")
    assert (
        "## Robots learn to fold\nRobots can now fold laundry.\n_Mon, 01 Jan 2024 10:00:00 GMT_ - https://news.example/fold"
        in digest_input
    )
    assert "## Models get smaller\nSmall models win." in digest_input
    assert list(output_texts(body).values()) == ["DIGEST: robots and small models."]
    r = await client.get("/api/v2/files", headers=alice.headers)
    saved = [f for f in r.json() if f["name"] == "news-aggregated"]
    assert len(saved) == 1 and saved[0]["path"].endswith(".json")
    r = await client.get(f"/api/v2/files/{saved[0]['id']}", headers=alice.headers)
    assert json.loads(r.content) == {"message": "DIGEST: robots and small models."}


async def test_market_research_searches_structures_and_parses(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> None:
    serve_search(web_server, settings)
    site = web_server.page(
        "/acme", "<html><body><p>Acme pricing: Starter $9, Enterprise on request.</p></body></html>"
    )
    web_server.page("/html/", duckduckgo_page([("Acme pricing", site, "Plans from $9")]))
    profile = {
        "domain": "acme.test",
        "linkedinUrl": "https://linkedin.com/company/acme",
        "cheapestPlan": "9",
        "hasFreeTrial": True,
        "hasEnterprisePlan": True,
        "hasAPI": False,
        "market": "B2B",
        "pricingTiers": ["Starter", "Enterprise"],
        "KeyFeatures": ["Dashboards"],
        "targetIndustries": ["Retail"],
    }
    model_server.add(
        tool_calls(("perform_search", {"query": "Acme pricing", "search_mode": "Web"})),
        text("Acme (acme.test) sells plans from $9 with an enterprise tier."),
        text(json.dumps({"objects": [profile]})),
    )
    export = load_langflow(shared_dir, "Market Research.json")
    body = await create_and_run(client, alice, export, {"input_value": "Acme"})

    searching, answering, structuring = model_server.requests
    assert contents(searching, "user") == ["Acme"]
    [tool_result] = contents(answering, "tool")
    assert "Acme pricing" in tool_result and "Starter $9" in tool_result
    structuring_user = contents(structuring, "user")[0]
    assert structuring_user.startswith("Acme (acme.test) sells plans from $9")
    assert '"linkedinUrl"' in structuring_user
    asked = structuring.body["response_format"]
    assert asked["type"] == "json_schema"
    assert "linkedinUrl" in asked["json_schema"]["schema"]["properties"]["objects"]["items"]["properties"]
    [shown] = output_texts(body).values()
    assert "**Domain:** acme.test" in shown and "https://linkedin.com/company/acme" in shown
    assert "['Starter', 'Enterprise']" in shown and "True" in shown


async def test_research_translation_loop_translates_each_paper(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> None:
    serve_search(web_server, settings)
    model_server.add(*(text(f"TRANSLATED {i}") for i in range(1, 4)))
    export = load_langflow(shared_dir, "Research Translation Loop.json")
    body = await create_and_run(client, alice, export, {"input_value": "attention"})

    [arxiv] = web_server.requests
    assert arxiv.path == "/api/query" and arxiv.query["search_query"] == "all:attention"
    assert arxiv.query["max_results"] == "3"
    assert [contents(r, "user") for r in model_server.requests] == [
        [f"Title: {title}\nSummary: {summary}"] for _pid, title, summary, _author in PAPERS
    ]
    [shown] = output_texts(body).values()
    assert shown == "TRANSLATED 1\nTRANSLATED 2\nTRANSLATED 3"


async def test_saas_pricing_queries_the_allowed_database(
    shared_dir: Path,
    tmp_path: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    settings: Settings,
) -> None:
    url = pricing_db(tmp_path, settings)
    export = load_langflow(shared_dir, "SaaS Pricing.json")
    [sql_id] = node_ids(export, "SQLComponent")
    model_server.add(
        tool_calls(("run_sql_query", {"query": "SELECT name, monthly_usd FROM plans ORDER BY monthly_usd"})),
        text("Team costs $49 per month."),
    )
    body = await create_and_run(
        client,
        alice,
        export,
        {"input_value": "What does the Team plan cost?", "tweaks": {sql_id: {"database_url": url}}},
    )
    first, second = model_server.requests
    assert "run_sql_query" in {t["function"]["name"] for t in first.body["tools"]}
    [rows] = contents(second, "tool")
    assert json.loads(rows) == [
        {"name": "Starter", "monthly_usd": 9.0},
        {"name": "Team", "monthly_usd": 49.0},
        {"name": "Scale", "monthly_usd": 199.0},
    ]
    assert list(output_texts(body).values()) == ["Team costs $49 per month."]
