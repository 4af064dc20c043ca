"""Issue 4's starter flows with agents and tools, run end to end through ``POST /api/v1/run``
against the scripted model server and a local web server standing in for the sites and the
search engine: Blog Writer, Custom Component Generator, Deep Research Agent and Price Deal
Finder. (Simple Agent: tests/rest_compat/test_agent.py; Memory Chatbot:
tests/rest_compat/test_memory_base.py; Basic Prompting: tests/rest_compat/test_language_model.py.)

Each test asserts what reached the model — prompts, system prompts, the tool list, the tool
results carrying the served pages and search results — not only the final output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.settings import Settings
from tests.cases import create_flow_rest, load_langflow, messages_rest, run_rest
from tests.conftest import TestUser
from tests.model_server import ModelServer, RecordedRequest, text, tool_calls
from tests.web_server import WebServer, duckduckgo_page


@pytest.fixture
def web(web_server: WebServer, settings: Settings) -> WebServer:
    """The local web server, reachable by the fetcher and serving the Web search mode."""
    settings.ssrf_allowed_hosts = ["127.0.0.1"]
    settings.web_search_url = web_server.url("/html/")
    return web_server


async def _run(
    shared_dir: Path, client: httpx.AsyncClient, user: TestUser, file_name: str, input_value: str
) -> tuple[str, dict[str, Any]]:
    created = await create_flow_rest(client, user.headers, load_langflow(shared_dir, file_name))
    r = await run_rest(client, user.headers, created["id"], {"input_value": input_value})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return created["id"], body


def _output_text(body: dict[str, Any]) -> str:
    [entry] = body["outputs"][0]["outputs"]
    message: dict[str, Any] = entry["results"]["message"]
    return str(message["text"])


def _messages(request: RecordedRequest, role: str) -> list[str]:
    return [str(m["content"]) for m in request.body["messages"] if m["role"] == role]


def _tool_names(request: RecordedRequest) -> set[str]:
    return {t["function"]["name"] for t in request.body.get("tools", [])}


async def test_blog_writer_fetches_the_source_url_and_writes_from_it(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, web: WebServer
) -> None:
    source = web.page(
        "/otters",
        "<html><head><title>Sea otters</title></head><body><p>Sea otters hold hands while they "
        "sleep.</p><script>var hidden = 1;</script></body></html>",
    )
    post = "# Holding hands\n\nSea otters hold hands while they sleep."
    model_server.add(tool_calls(("fetch_content", {"urls": [source]})), text(post))
    flow_id, body = await _run(shared_dir, client, alice, "Blog Writer.json", source)
    assert _output_text(body) == post

    first, second = model_server.requests
    [system] = _messages(first, "system")
    assert system.startswith("You are an expert blog writer and content strategist.")
    assert f"SOURCE URL: {source}" in system
    assert {"fetch_content", "evaluate_expression"} <= _tool_names(first)
    [page] = _messages(second, "tool")
    assert "Sea otters hold hands while they sleep." in page
    assert "var hidden" not in page
    assert [r.path for r in web.requests] == ["/otters"]
    stored = await messages_rest(client, alice.headers, flow_id=flow_id)
    assert [(m["sender"], m["text"]) for m in stored] == [("User", source), ("Machine", post)]


async def test_custom_component_generator_reads_the_docs_it_is_pointed_at(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, web: WebServer
) -> None:
    docs = web.page(
        "/guide", "<html><body><h1>Custom components</h1><p>Subclass Component.</p></body></html>"
    )
    code = "```python\nclass Reverse(Component):\n    display_name = 'Reverse'\n```"
    model_server.add(tool_calls(("fetch_content", {"urls": [docs]})), text(code))
    ask = f"Write a component that reverses text; the docs are at {docs}"
    _, body = await _run(shared_dir, client, alice, "Custom Component Generator.json", ask)
    assert _output_text(body) == code

    first, second = model_server.requests
    assert _messages(first, "system")[0].startswith("You are a Langflow custom-component generator.")
    assert _messages(first, "user") == [ask]
    assert _tool_names(first) == {"fetch_content", "retrieve_memory"}
    [page] = _messages(second, "tool")
    assert "Custom components" in page and "Subclass Component." in page


async def test_deep_research_agent_plans_searches_and_synthesises(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, web: WebServer
) -> None:
    article = web.page(
        "/qb", "<html><body><p>Quantum batteries charge faster as they grow.</p></body></html>"
    )
    web.page("/html/", duckduckgo_page([("Quantum batteries explained", article, "Superextensive charging")]))
    plan = "RESEARCH OBJECTIVES: how quantum batteries charge"
    findings = "Findings: charging power grows with battery size."
    summary = "EXECUTIVE SUMMARY: quantum batteries charge faster at scale."
    model_server.add(
        text(plan),
        tool_calls(("perform_search", {"query": "quantum battery charging", "search_mode": "Web"})),
        text(findings),
        text(summary),
    )
    _, body = await _run(shared_dir, client, alice, "Deep Research Agent.json", "quantum batteries")
    assert _output_text(body) == summary

    planner, researcher, researcher_again, synthesiser = model_server.requests
    assert _messages(planner, "user") == ["quantum batteries"]
    assert "tools" not in planner.body
    assert f"RESEARCH PLAN: {plan}" in _messages(researcher, "user")[0]
    assert _tool_names(researcher) == {"perform_search"}
    [results] = _messages(researcher_again, "tool")
    assert "Quantum batteries explained" in results and article in results
    assert "Superextensive charging" in results
    assert "Quantum batteries charge faster as they grow." in results
    [synthesis_input] = _messages(synthesiser, "user")
    assert f"RESEARCH FINDINGS: {findings}" in synthesis_input
    assert "ORIGINAL QUERY: quantum batteries" in synthesis_input
    assert web.requests[0].path == "/html/" and web.requests[0].query["q"] == "quantum battery charging"


async def test_price_deal_finder_returns_structured_rows(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, web: WebServer
) -> None:
    listing = web.page("/listing", "<html><body><p>Headphones X: $349.99, free shipping</p></body></html>")
    web.page("/html/", duckduckgo_page([("Headphones X at ShopA", listing, "Great price")]))
    rows = {"results": [{"retailer": "ShopA", "price": "$349.99", "url": listing, "notes": "free shipping"}]}
    model_server.add(
        tool_calls(("perform_search", {"query": "Headphones X price"})),
        tool_calls(("fetch_content", {"urls": [listing]})),
        tool_calls(("evaluate_expression", {"expression": "399.99-349.99"})),
        text("ShopA sells Headphones X for $349.99, saving 50 on the list price."),
        text(json.dumps(rows)),
    )
    _, body = await _run(shared_dir, client, alice, "Price Deal Finder.json", "Headphones X")
    assert json.loads(_output_text(body)) == rows

    first, *_, last_loop_call, structuring = model_server.requests
    assert {"perform_search", "fetch_content", "retrieve_memory", "evaluate_expression"} <= _tool_names(first)
    search, page, difference = _messages(last_loop_call, "tool")
    assert "Headphones X at ShopA" in search and "$349.99" in search
    assert "Headphones X: $349.99, free shipping" in page
    assert difference == "50"
    assert structuring.body["response_format"] == {"type": "json_object"}
    [instructions] = _messages(structuring, "system")
    assert instructions.startswith("You are an AI that extracts structured JSON objects")
    [ask] = _messages(structuring, "user")
    assert ask.startswith("ShopA sells Headphones X for $349.99")
    schema = json.loads(ask.split("JSON schema:\n", 1)[1])
    assert list(schema["properties"]) == ["retailer", "price", "url", "notes"]
