"""``URLComponent`` and ``UnifiedWebSearch`` (issue 4) through ``POST /api/v1/run``: as agent
tools (Chat Input → Agent ← tool → Chat Output) against the scripted model server, and as plain
nodes. Pages, search results and feeds come from the local ``web_server``; being on 127.0.0.1
they are reachable only with ``ssrf_allowed_hosts`` (``FLOWQL_SSRF_ALLOWED_HOSTS``) naming it,
except the operator-configured search endpoints themselves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.settings import Settings
from tests.cases import create_flow_rest, load_langflow, run_rest
from tests.conftest import TestUser
from tests.flowbuilder import agent_flow, chat_in, chat_out, edge, field, flow, node
from tests.model_server import ModelServer, text, tool_calls
from tests.rest_compat.helpers import create_and_run
from tests.web_server import WebServer, duckduckgo_page, rss_feed

ARTICLE = """<!doctype html>
<html lang="en"><head><title>Fox Facts</title>
<meta name="description" content="All about foxes">
<style>body { color: red }</style><script>var secret = "do not show";</script></head>
<body><h1>Foxes</h1><p>The quick brown fox jumps over the lazy dog.</p>
<ul><li>Red fox</li><li>Arctic fox</li></ul></body></html>"""


def page_html(title: str, body: str, links: tuple[str, ...] = ()) -> str:
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    return f"<html><head><title>{title}</title></head><body><p>{body}</p>{anchors}</body></html>"


def url_node(
    node_id: str = "URL-1", *, outputs: tuple[str, ...] = ("component_as_tool",), **fields: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "urls": field([], list=True),
        "max_depth": 1,
        "prevent_outside": True,
        "use_async": True,
        "format": "Text",
        "timeout": 10,
        "headers": field([{"key": "User-Agent", "value": "flowql-test"}], type="table"),
        "filter_text_html": True,
        "continue_on_failure": True,
        "check_response_status": False,
        "autoset_encoding": True,
        **fields,
    }
    return node(node_id, "URLComponent", values, list(outputs), "URL")


def search_node(
    node_id: str = "WebSearch-1", *, outputs: tuple[str, ...] = ("component_as_tool",), **fields: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "search_mode": "Web",
        "query": "",
        "hl": "",
        "gl": "",
        "ceid": "US:en",
        "topic": "",
        "location": "",
        "timeout": 10,
        "max_results": 5,
        "max_content_length": 2000,
        **fields,
    }
    return node(node_id, "UnifiedWebSearch", values, list(outputs), "Web Search")


async def run_flow(
    client: httpx.AsyncClient, user: TestUser, export: dict[str, Any], **body: Any
) -> dict[str, Any]:
    return await create_and_run(client, user, export, body)


def reply_text(body: dict[str, Any]) -> str:
    return str(body["outputs"][0]["outputs"][0]["results"]["message"]["text"])


def tool_message(model_server: ModelServer, index: int = 1) -> str:
    """The content of the last ``tool`` message the model received in request ``index``."""
    tools = [m for m in model_server.requests[index].body["messages"] if m["role"] == "tool"]
    return str(tools[-1]["content"])


@pytest.fixture
def allow_local(settings: Settings) -> None:
    """``FLOWQL_SSRF_ALLOWED_HOSTS=127.0.0.1`` for this test."""
    settings.ssrf_allowed_hosts = ["127.0.0.1"]


# --- URLComponent ---------------------------------------------------------------------


async def test_fetch_content_gives_the_page_text_to_the_model(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    allow_local: None,
) -> None:
    url = web_server.page("/fox", ARTICLE)
    model_server.add(tool_calls(("fetch_content", {"urls": [url]})), text("Foxes are quick."))
    body = await run_flow(
        client, alice, agent_flow("web tools", [url_node()]), input_value="tell me about foxes"
    )
    assert reply_text(body) == "Foxes are quick."

    [spec] = model_server.requests[0].body["tools"]
    assert spec["function"]["name"] == "fetch_content"
    assert spec["function"]["parameters"]["properties"]["urls"]["type"] == "array"
    content = tool_message(model_server)
    assert content.startswith(f"URL: {url}\nTitle: Fox Facts\n")
    assert "The quick brown fox jumps over the lazy dog." in content
    assert "Red fox\nArctic fox" in content
    assert "secret" not in content and "color: red" not in content
    [request] = web_server.requests
    assert request.headers["user-agent"] == "flowql-test"


async def test_a_loopback_page_is_refused_without_the_allow_list(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, web_server: WebServer
) -> None:
    url = web_server.page("/internal", "<p>internal secret</p>")
    model_server.add(tool_calls(("fetch_content", {"urls": [url]})), text("I could not read it."))
    body = await run_flow(client, alice, agent_flow("web tools", [url_node()]), input_value="read it")
    assert reply_text(body) == "I could not read it."
    content = tool_message(model_server)
    assert content.startswith("Error: ")
    assert "127.0.0.1 is a loopback address" in content
    assert "internal secret" not in content
    assert web_server.requests == []


async def test_an_invalid_url_is_an_error_for_the_model(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, web_server: WebServer
) -> None:
    model_server.add(tool_calls(("fetch_content", {"urls": ["ftp://example.com/file"]})), text("ok"))
    await run_flow(client, alice, agent_flow("web tools", [url_node()]), input_value="x")
    assert tool_message(model_server) == (
        "Error: invalid URL 'ftp://example.com/file': only http and https URLs can be fetched"
    )


async def test_the_nodes_own_urls_are_used_when_the_call_gives_none(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    allow_local: None,
) -> None:
    url = web_server.page("/doc", page_html("Doc", "stored url content"))
    model_server.add(tool_calls(("fetch_content", {})), text("ok"))
    await run_flow(
        client, alice, agent_flow("web tools", [url_node(urls=field([url], list=True))]), input_value="x"
    )
    assert "stored url content" in tool_message(model_server)


async def test_failures_are_reported_next_to_the_pages_that_worked(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    allow_local: None,
) -> None:
    good = web_server.page("/good", page_html("Good", "good content"))
    missing = web_server.url("/missing")
    refused = good.replace("127.0.0.1", "localhost")
    model_server.add(tool_calls(("fetch_content", {"urls": [good, missing, refused]})), text("ok"))
    await run_flow(
        client, alice, agent_flow("web tools", [url_node(check_response_status=True)]), input_value="x"
    )
    content = tool_message(model_server)
    assert "good content" in content
    assert f"URL: {missing}\nError: HTTP status 404" in content
    assert f"URL: {refused}\nError: localhost" in content


async def test_without_continue_on_failure_one_failure_fails_the_call(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    allow_local: None,
) -> None:
    good = web_server.page("/good", page_html("Good", "good content"))
    missing = web_server.url("/missing")
    model_server.add(tool_calls(("fetch_content", {"urls": [good, missing]})), text("ok"))
    tool = url_node(check_response_status=True, continue_on_failure=False)
    await run_flow(client, alice, agent_flow("web tools", [tool]), input_value="x")
    assert tool_message(model_server) == f"Error: failed to fetch {missing}: HTTP status 404"


async def test_max_depth_follows_links_on_the_same_origin_only(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    allow_local: None,
) -> None:
    outside = f"http://localhost:{web_server.port}/c"
    root = web_server.page("/", page_html("Root", "root page", ("/a", "b#section", outside, "mailto:x@y")))
    web_server.page("/a", page_html("A", "page a", ("/deeper",)))
    web_server.page("/b", page_html("B", "page b"))
    web_server.page("/deeper", page_html("Deeper", "too deep"))
    model_server.add(tool_calls(("fetch_content", {"urls": [root]})), text("ok"))
    await run_flow(client, alice, agent_flow("web tools", [url_node(max_depth=2)]), input_value="x")
    content = tool_message(model_server)
    assert [line for line in content.splitlines() if line.startswith("Title: ")] == [
        "Title: Root",
        "Title: A",
        "Title: B",
    ]
    assert sorted(web_server.paths()) == ["/", "/a", "/b"]


async def test_html_and_markdown_formats(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    allow_local: None,
) -> None:
    url = web_server.page("/fox", ARTICLE)
    model_server.add(tool_calls(("fetch_content", {"urls": [url]})), text("ok"))
    model_server.add(tool_calls(("fetch_content", {"urls": [url]})), text("ok"))
    await run_flow(client, alice, agent_flow("web tools", [url_node(format="HTML")]), input_value="x")
    assert "<h1>Foxes</h1>" in tool_message(model_server)
    await run_flow(client, alice, agent_flow("web tools", [url_node(format="Markdown")]), input_value="x")
    markdown = tool_message(model_server, 3)
    assert "# Foxes" in markdown and "- Red fox" in markdown


async def test_url_component_outputs_when_not_a_tool(
    client: httpx.AsyncClient, alice: TestUser, web_server: WebServer, allow_local: None
) -> None:
    url = web_server.page("/fox", ARTICLE)
    export = flow(
        "url outputs",
        [
            url_node("URL-1", outputs=("page_results", "raw_results"), urls=field([url], list=True)),
            chat_out(),
        ],
        [edge("URL-1", "raw_results", "ChatOutput-1", "input_value")],
    )
    body = await run_flow(client, alice, export, output_type="debug")
    by_id = {o["component_id"]: o for o in body["outputs"][0]["outputs"]}
    assert by_id["ChatOutput-1"]["results"]["message"]["text"].startswith("Foxes\nThe quick brown fox")
    [row] = by_id["URL-1"]["results"]["page_results"]
    assert row["url"] == url
    assert row["title"] == "Fox Facts"
    assert row["description"] == "All about foxes"
    assert row["content_type"] == "text/html"
    assert row["language"] == "en"
    assert "Arctic fox" in row["text"]


async def test_a_bad_format_is_a_422_naming_the_field(client: httpx.AsyncClient, alice: TestUser) -> None:
    created = await create_flow_rest(client, alice.headers, agent_flow("web tools", [url_node(format="PDF")]))
    r = await run_rest(client, alice.headers, created["id"], {"input_value": "x"})
    assert r.status_code == 422, r.text
    assert "URL-1" in r.text and "format" in r.text


# --- UnifiedWebSearch ----------------------------------------------------------------


async def test_web_search_reads_duckduckgo_results_and_fetches_their_pages(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
    allow_local: None,
) -> None:
    first = web_server.page("/r1", page_html("First", "first page body"))
    second = web_server.page("/r2", "plain second page", content_type="text/plain")
    web_server.page(
        "/html/",
        duckduckgo_page(
            [("First result", first, "first snippet"), ("Second result", second, "second snippet")],
            ad=web_server.url("/ad"),
        ),
    )
    settings.web_search_url = web_server.url("/html/")
    model_server.add(tool_calls(("perform_search", {"query": "fox <facts>"})), text("done"))
    body = await run_flow(client, alice, agent_flow("web tools", [search_node()]), input_value="search")
    assert reply_text(body) == "done"

    [spec] = model_server.requests[0].body["tools"]
    assert spec["function"]["name"] == "perform_search"
    assert spec["function"]["parameters"]["required"] == ["query"]
    rows = json.loads(tool_message(model_server))
    assert rows == [
        {"title": "First result", "link": first, "snippet": "first snippet", "content": "first page body"},
        {
            "title": "Second result",
            "link": second,
            "snippet": "second snippet",
            "content": "plain second page",
        },
    ]
    search = web_server.requests[0]
    assert (search.path, search.query["q"]) == ("/html/", "fox facts")
    assert "/ad" not in web_server.paths()


async def test_web_search_endpoint_is_reachable_but_result_links_follow_the_policy(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> None:
    """The operator's endpoint host is reachable though loopback; its result links are not."""
    link = web_server.page("/r1", page_html("Inside", "inside content"))
    web_server.page("/html/", duckduckgo_page([("Inside", link, "snippet only")], wrap_links=False))
    settings.web_search_url = web_server.url("/html/")
    model_server.add(tool_calls(("perform_search", {"query": "q", "search_mode": "Web"})), text("done"))
    await run_flow(
        client, alice, agent_flow("web tools", [search_node(max_content_length=5)]), input_value="x"
    )
    assert json.loads(tool_message(model_server)) == [
        {"title": "Inside", "link": link, "snippet": "snippet only", "content": ""}
    ]
    assert web_server.paths() == ["/html/"]


async def test_web_search_max_results_and_content_length(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
    allow_local: None,
) -> None:
    links = [web_server.page(f"/p{i}", "x" * 100, content_type="text/plain") for i in range(4)]
    web_server.page("/html/", duckduckgo_page([(f"T{i}", link, f"s{i}") for i, link in enumerate(links)]))
    settings.web_search_url = web_server.url("/html/")
    model_server.add(tool_calls(("perform_search", {"query": "q"})), text("done"))
    await run_flow(
        client,
        alice,
        agent_flow("web tools", [search_node(max_results=2, max_content_length=10)]),
        input_value="x",
    )
    rows = json.loads(tool_message(model_server))
    assert [(r["title"], r["content"]) for r in rows] == [("T0", "x" * 10), ("T1", "x" * 10)]
    assert sorted(web_server.paths()) == ["/html/", "/p0", "/p1"]


async def test_web_search_failure_is_an_error_for_the_model(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> None:
    web_server.page("/html/", "rate limited", status=503, content_type="text/plain")
    settings.web_search_url = web_server.url("/html/")
    model_server.add(
        tool_calls(("perform_search", {"query": "q"})), tool_calls(("perform_search", {"query": " "}))
    )
    model_server.add(text("done"))
    await run_flow(client, alice, agent_flow("web tools", [search_node()]), input_value="x")
    assert tool_message(model_server) == f"Error: search failed: {web_server.url('/html/')} answered HTTP 503"
    assert tool_message(model_server, 2) == "Error: search failed: empty search query"


async def test_news_search_reads_the_rss_results(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> None:
    feed = rss_feed(
        [
            (
                "AI <b>news</b> one",
                "https://news.example/1",
                "Mon, 01 Jan 2024 10:00:00 GMT",
                "<p>First story</p>",
            ),
            ("AI news two", "https://news.example/2", "Tue, 02 Jan 2024 10:00:00 GMT", "Second story"),
        ]
    )
    web_server.page("/rss/search", feed, content_type="application/rss+xml")
    settings.news_search_url = web_server.url("/rss/search")
    model_server.add(tool_calls(("perform_search", {"query": "ai", "search_mode": "News"})), text("done"))
    await run_flow(client, alice, agent_flow("web tools", [search_node()]), input_value="news")
    assert json.loads(tool_message(model_server)) == [
        {
            "title": "AI news one",
            "link": "https://news.example/1",
            "published": "Mon, 01 Jan 2024 10:00:00 GMT",
            "summary": "First story",
        },
        {
            "title": "AI news two",
            "link": "https://news.example/2",
            "published": "Tue, 02 Jan 2024 10:00:00 GMT",
            "summary": "Second story",
        },
    ]
    [request] = web_server.requests
    assert request.query == {"q": "ai", "hl": "en-US", "gl": "US", "ceid": "US:en"}


async def test_news_topic_uses_the_headlines_feed(
    client: httpx.AsyncClient, alice: TestUser, web_server: WebServer, settings: Settings
) -> None:
    feed = rss_feed([("Tech", "https://news.example/t", "", "tech story")])
    web_server.page("/rss/headlines/section/topic/TECHNOLOGY", feed, content_type="application/rss+xml")
    settings.news_search_url = web_server.url("/rss/search")
    tool = search_node(outputs=("results",), search_mode="News", topic="technology", hl="fr", gl="FR")
    body = await run_flow(client, alice, flow("news", [tool], []), output_type="debug")
    [output] = body["outputs"][0]["outputs"]
    assert output["results"]["results"] == [
        {"title": "Tech", "link": "https://news.example/t", "published": "", "summary": "tech story"}
    ]
    [request] = web_server.requests
    assert request.query == {"hl": "fr", "gl": "FR", "ceid": "FR:fr"}


async def test_rss_mode_fetches_the_feed_under_the_policy(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> None:
    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>'
        '<entry><title>Post</title><link href="https://blog.example/post"/>'
        "<updated>2024-01-03T00:00:00Z</updated><summary>A post</summary></entry></feed>"
    )
    url = web_server.page("/feed.xml", atom, content_type="application/atom+xml")
    model_server.add(tool_calls(("perform_search", {"query": url, "search_mode": "RSS"})), text("done"))
    model_server.add(tool_calls(("perform_search", {"query": url, "search_mode": "RSS"})), text("done"))
    await run_flow(client, alice, agent_flow("web tools", [search_node()]), input_value="x")
    assert tool_message(model_server).startswith("Error: search failed: 127.0.0.1 is a loopback address")
    assert web_server.requests == []

    settings.ssrf_allowed_hosts = ["127.0.0.1"]
    await run_flow(client, alice, agent_flow("web tools", [search_node()]), input_value="x")
    assert json.loads(tool_message(model_server, 3)) == [
        {
            "title": "Post",
            "link": "https://blog.example/post",
            "published": "2024-01-03T00:00:00Z",
            "summary": "A post",
        }
    ]


async def test_web_search_fed_by_chat_input_when_not_a_tool(
    client: httpx.AsyncClient, alice: TestUser, web_server: WebServer, settings: Settings
) -> None:
    """Content Aggregator's shape: Chat Input → Web Search ``query``; output ``results``."""
    web_server.page("/html/", duckduckgo_page([("Only", "https://example.invalid/x", "the snippet")]))
    settings.web_search_url = web_server.url("/html/")
    export = flow(
        "search rows",
        [chat_in("ChatInput-1", ""), search_node("WebSearch-1", outputs=("results",))],
        [edge("ChatInput-1", "message", "WebSearch-1", "query")],
    )
    body = await run_flow(client, alice, export, input_value="rows please", output_type="debug")
    by_id = {o["component_id"]: o for o in body["outputs"][0]["outputs"]}
    [row] = by_id["WebSearch-1"]["results"]["results"]
    assert row["title"] == "Only" and row["snippet"] == "the snippet"
    assert row["link"] == "https://example.invalid/x"
    assert web_server.requests[0].query["q"] == "rows please"


async def test_a_bad_search_mode_is_a_422_naming_the_field(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    created = await create_flow_rest(
        client, alice.headers, agent_flow("web tools", [search_node(search_mode="Images")])
    )
    r = await run_rest(client, alice.headers, created["id"], {"input_value": "x"})
    assert r.status_code == 422, r.text
    assert "WebSearch-1" in r.text and "search_mode" in r.text


# --- the shared starter flow -----------------------------------------------------------


async def test_simple_agent_fetches_a_page_with_its_url_tool(
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
    allow_local: None,
) -> None:
    """Simple Agent as shipped: both web tools offered to the model; ``fetch_content`` works."""
    url = web_server.page("/fox", ARTICLE)
    settings.web_search_url = web_server.url("/html/")
    model_server.add(tool_calls(("fetch_content", {"urls": [url]})), text("Foxes!"))
    body = await run_flow(client, alice, load_langflow(shared_dir, "Simple Agent.json"), input_value="foxes?")
    assert reply_text(body) == "Foxes!"
    names = {t["function"]["name"] for t in model_server.requests[0].body["tools"]}
    assert {"fetch_content", "perform_search"} <= names
    assert "The quick brown fox" in tool_message(model_server)
    assert web_server.requests[0].headers["user-agent"] == "langflow"


# --- bad arguments and values from the model never end the run --------------------------


async def test_bad_search_queries_are_errors_for_the_model(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> None:
    """A huge query, one with a lone surrogate, or one too long to search: "Error: ..." for the
    model (which then answers), never a failed run; nothing reaches the search endpoint."""
    settings.web_search_url = web_server.url("/html/")
    model_server.add(
        tool_calls(("perform_search", {"query": "q" * 66_000})),
        tool_calls(("perform_search", {"query": "fox \ud800"})),
        tool_calls(("perform_search", {"query": "long " * 1000})),
        text("sorry"),
    )
    body = await run_flow(client, alice, agent_flow("web tools", [search_node()]), input_value="x")
    assert reply_text(body) == "sorry"
    assert tool_message(model_server, 1) == "Error: argument 'query' holds text longer than 10000 characters"
    assert tool_message(model_server, 2) == (
        "Error: argument 'query' holds text that is not valid Unicode (a lone surrogate)"
    )
    assert (
        tool_message(model_server, 3) == "Error: search failed: search query is longer than 2000 characters"
    )
    assert web_server.requests == []


async def test_a_url_the_fetcher_cannot_send_is_an_error_for_the_model(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer, web_server: WebServer
) -> None:
    """URLs httpx refuses (a lone surrogate, a bad port) are "Error: ..." texts that can be sent
    back to the model: the run goes on and ends with the model's answer."""
    model_server.add(
        tool_calls(("fetch_content", {"urls": ["http://example.com/\ud800"]})),
        tool_calls(("fetch_content", {"urls": ["http://exa:mple/"]})),
        text("done"),
    )
    body = await run_flow(client, alice, agent_flow("web tools", [url_node()]), input_value="x")
    assert reply_text(body) == "done"
    assert tool_message(model_server, 1) == (
        "Error: argument 'urls' holds text that is not valid Unicode (a lone surrogate)"
    )
    assert tool_message(model_server, 2) == "Error: invalid URL 'http://exa:mple/'"
    assert len(model_server.requests) == 3
    assert web_server.requests == []


async def test_a_malformed_link_on_a_page_is_not_followed(
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    allow_local: None,
) -> None:
    root = web_server.page("/", page_html("Root", "root page", ("http://exa:mple/", "/a")))
    web_server.page("/a", page_html("A", "page a"))
    model_server.add(tool_calls(("fetch_content", {"urls": [root]})), text("ok"))
    body = await run_flow(client, alice, agent_flow("web tools", [url_node(max_depth=2)]), input_value="x")
    assert reply_text(body) == "ok"
    content = tool_message(model_server)
    assert [line for line in content.splitlines() if line.startswith("Title: ")] == [
        "Title: Root",
        "Title: A",
    ]


async def test_a_tool_with_status_false_text_is_hidden(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    """``tools_metadata`` ``status`` is read as a boolean: the string ``"false"`` hides the tool."""
    url_tool = url_node()
    search_tool = search_node()
    for made, name, status in ((url_tool, "fetch_content", "false"), (search_tool, "perform_search", "true")):
        entry = {"name": name, "description": "d", "args": {"query": {"type": "string"}}, "status": status}
        made["data"]["node"]["template"]["tools_metadata"] = field([entry], type="tools")
    model_server.add(text("ok"))
    await run_flow(client, alice, agent_flow("web tools", [url_tool, search_tool]), input_value="x")
    assert [t["function"]["name"] for t in model_server.requests[0].body["tools"]] == ["perform_search"]
