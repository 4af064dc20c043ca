"""Every real Langflow export in ``shared/flows/langflow`` saves, reads back unchanged and, when
run, either runs or answers 422 naming the node and type FlowQL cannot run (never 500); the list
of the starter projects that run. Model calls go to the local scripted model server
(``tests/model_server.py``), searches and arXiv to a local web server, files to alice's store,
SQL to a local SQLite database: never the internet."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.engine import registry
from flowql.engine.validate import is_note
from flowql.settings import Settings
from tests.cases import create_flow_rest, langflow_file_names, load_langflow, messages_rest, run_rest
from tests.conftest import TestUser
from tests.model_server import ModelServer, text
from tests.rest_compat.build_capture import body_events, start_build, stream_events
from tests.rest_compat.data_flows_support import node_ids, pricing_db, serve_search
from tests.rest_compat.files_support import upload_v2
from tests.web_server import WebServer, rss_feed

FILES = langflow_file_names()


def _unsupported_nodes(export: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (node["id"], node["data"]["type"])
        for node in export["data"]["nodes"]
        if not is_note(node) and node["data"].get("type") not in registry
    ]


@pytest.mark.parametrize("file_name", FILES)
async def test_saves_and_reads_back_unchanged(
    file_name: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    export = load_langflow(shared_dir, file_name)
    created = await create_flow_rest(client, alice.headers, export)
    r = await client.get(f"/api/v1/flows/{created['id']}", headers=alice.headers)
    assert r.status_code == 200
    assert r.json()["data"] == export["data"]
    assert r.json()["name"] == export["name"]


@pytest.mark.parametrize("file_name", FILES)
async def test_uploads_keeping_id_and_data(
    file_name: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    export = load_langflow(shared_dir, file_name)
    files = {"file": (file_name, json.dumps(export).encode(), "application/json")}
    r = await client.post("/api/v1/flows/upload/", files=files, headers=alice.headers)
    assert r.status_code == 201, r.text
    [stored] = r.json()
    assert stored["id"] == export["id"]
    r = await client.get(f"/api/v1/flows/{export['id']}", headers=alice.headers)
    assert r.json()["data"] == export["data"]


def _parser_keys(shared_dir: Path) -> list[str]:
    """Every placeholder of every Parser pattern in the shared flows."""
    keys: set[str] = set()
    for file_name in FILES:
        for node in load_langflow(shared_dir, file_name)["data"]["nodes"]:
            if not is_note(node) and node["data"].get("type") in {"parser", "ParserComponent"}:
                pattern = node["data"]["node"]["template"]["pattern"]["value"]
                keys |= {name for _, name, _, _ in string.Formatter().parse(pattern) if name}
    return sorted(keys)


_SAMPLES: dict[str, Any] = {"str": "value", "int": 1, "float": 1.5, "bool": True, "dict": {}, "list": []}


def _schema_values(shared_dir: Path) -> dict[str, Any]:
    """A value of the declared type for every field of every Structured Output schema in the
    shared flows (the reply is checked against the schema)."""
    values: dict[str, Any] = {}
    for file_name in FILES:
        for node in load_langflow(shared_dir, file_name)["data"]["nodes"]:
            if is_note(node) or node["data"].get("type") != "StructuredOutput":
                continue
            for field in node["data"]["node"]["template"]["output_schema"]["value"] or []:
                sample = _SAMPLES[str(field.get("type", "str"))]
                multiple = str(field.get("multiple")).lower() == "true"
                values[str(field["name"])] = [sample] if multiple else sample
    return values


@pytest.fixture
async def environment(
    shared_dir: Path,
    tmp_path: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
    web_server: WebServer,
    settings: Settings,
) -> dict[str, Any]:
    """What the starter flows need, all local: the search, news and arXiv endpoints, an allowed
    SQLite database, an uploaded text file of alice's, and a model answering one JSON object that
    has every key a Parser pattern of the shared flows names (and ``objects`` for Structured
    Output). Returns ``{"file_id", "database_url"}``."""
    serve_search(web_server, settings)
    web_server.page(
        "/news",
        rss_feed(
            [("Item", "https://news.example/1", "Mon, 01 Jan 2024 10:00:00 GMT", "Something happened.")]
        ),
        content_type="application/rss+xml",
    )
    keys = _parser_keys(shared_dir)
    row = {**dict.fromkeys(keys, "value"), **_schema_values(shared_dir)}
    model_server.fallback = text(json.dumps({**row, "objects": [row]}))
    uploaded = await upload_v2(client, alice, "report.txt", b"Quarterly report: revenue grew 10%.")
    return {"file_id": uploaded["id"], "database_url": pricing_db(tmp_path, settings)}


def _tweaks(export: dict[str, Any], environment: dict[str, Any]) -> dict[str, Any]:
    """Point File nodes at the uploaded file and SQL nodes at the allowed database."""
    tweaks: dict[str, Any] = {}
    for node_id in node_ids(export, "File"):
        tweaks[node_id] = {"path": [environment["file_id"]]}
    for node_id in node_ids(export, "SQLComponent"):
        tweaks[node_id] = {"database_url": environment["database_url"]}
    return tweaks


async def _try(
    client: httpx.AsyncClient, alice: TestUser, export: dict[str, Any], environment: dict[str, Any]
) -> tuple[str, httpx.Response]:
    created = await create_flow_rest(client, alice.headers, export)
    body = {"input_value": "hi", "tweaks": _tweaks(export, environment)}
    return created["id"], await run_rest(client, alice.headers, created["id"], body)


@pytest.mark.parametrize("file_name", FILES)
async def test_run_answers_or_names_unsupported_component(
    file_name: str,
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    environment: dict[str, Any],
) -> None:
    export = load_langflow(shared_dir, file_name)
    flow_id, r = await _try(client, alice, export, environment)
    unsupported = _unsupported_nodes(export)
    if not unsupported:
        assert r.status_code == 200, r.text
        return
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(node_id in detail and kind in detail for node_id, kind in unsupported), detail
    # refused before anything ran: no message stored
    assert await messages_rest(client, alice.headers, flow_id=flow_id) == []


UNSUPPORTED_SERVICES = {"AstraDB", "AssemblyAITranscriber", "Knowledge"}
EXPECTED_TO_RUN = [
    "Basic Prompting.json",
    "Blog Writer.json",
    "Content Aggregator.json",
    "Custom Component Generator.json",
    "Deep Research Agent.json",
    "Financial Report Parser.json",
    "Market Research.json",
    "Memory Chatbot.json",
    "Price Deal Finder.json",
    "Research Translation Loop.json",
    "SaaS Pricing.json",
    "Simple Agent.json",
    "Text Sentiment Analysis.json",
]


async def test_starter_projects_that_run(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, environment: dict[str, Any]
) -> None:
    """All 18 starter projects (hello-world aside): which ran; each other one answers 422
    naming its node of a service FlowQL does not ship."""
    starters = [f for f in FILES if f != "hello-world.json"]
    assert len(starters) == 18
    ran: list[str] = []
    refused: dict[str, str] = {}
    for file_name in starters:
        export = load_langflow(shared_dir, file_name)
        _flow_id, r = await _try(client, alice, export, environment)
        if r.status_code == 200:
            ran.append(file_name)
            continue
        assert r.status_code == 422, (file_name, r.text)
        refused[file_name] = str(r.json()["detail"])
    assert ran == EXPECTED_TO_RUN
    assert len(ran) >= 13
    for file_name, detail in refused.items():
        export = load_langflow(shared_dir, file_name)
        named = [(i, k) for i, k in _unsupported_nodes(export) if i in detail and k in detail]
        assert named and {k for _, k in named} <= UNSUPPORTED_SERVICES, (file_name, detail)


@pytest.mark.parametrize("kind", sorted(UNSUPPORTED_SERVICES))
async def test_unsupported_service_fails_at_plan_time_naming_node_and_type(
    kind: str,
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    model_server: ModelServer,
) -> None:
    """A flow whose first unsupported node is of a service FlowQL does not ship answers 422
    naming exactly that node and type, before anything ran: no model call, no message, no
    vertex build, on /run and on the build endpoint."""
    for file_name in FILES:
        export = load_langflow(shared_dir, file_name)
        unsupported = _unsupported_nodes(export)
        if unsupported and unsupported[0][1] == kind:
            break
    else:
        pytest.fail(f"no shared flow whose first unsupported node is a {kind}")
    node_id = unsupported[0][0]
    expected = f"Component '{kind}' of node '{node_id}' is not supported by FlowQL"
    created = await create_flow_rest(client, alice.headers, export)
    r = await run_rest(client, alice.headers, created["id"], {"input_value": "hi"})
    assert r.status_code == 422
    assert r.json()["detail"] == expected
    job = await start_build(
        client, alice.headers, created["id"], body={"inputs": {"input_value": "hi", "type": "chat"}}
    )
    events = body_events((await stream_events(client, alice.headers, job)).text)
    assert [e["event"] for e in events] == ["error", "end"]
    assert expected in json.dumps(events[0]["data"])
    assert model_server.requests == []
    assert await messages_rest(client, alice.headers, flow_id=created["id"]) == []
    builds = await client.get(
        "/api/v1/monitor/builds", params={"flow_id": created["id"]}, headers=alice.headers
    )
    assert builds.status_code == 200 and builds.json() == {"vertex_builds": {}}


async def test_hello_world_runs(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    created = await create_flow_rest(client, alice.headers, load_langflow(shared_dir, "hello-world.json"))
    r = await run_rest(client, alice.headers, created["id"], {"input_value": "hi"})
    assert r.status_code == 200
    assert r.json()["outputs"][0]["outputs"][0]["results"]["message"]["text"] == "Hello, World!"
