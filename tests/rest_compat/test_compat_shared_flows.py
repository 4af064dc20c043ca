"""Every real Langflow export in ``shared/flows/langflow`` saves, reads back unchanged and, when
run, either runs or answers 422 naming the node and type FlowQL cannot run yet (never 500).
Model calls go to the local scripted model server (``tests/model_server.py``), never the internet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.engine import registry
from flowql.engine.validate import is_note
from tests.cases import create_flow_rest, langflow_file_names, load_langflow, messages_rest, run_rest
from tests.conftest import TestUser
from tests.model_server import ModelServer, text

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


@pytest.mark.parametrize("file_name", FILES)
async def test_run_answers_or_names_unsupported_component(
    file_name: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.fallback = text("A scripted reply.")
    export = load_langflow(shared_dir, file_name)
    created = await create_flow_rest(client, alice.headers, export)
    r = await run_rest(client, alice.headers, created["id"], {"input_value": "hi"})
    unsupported = _unsupported_nodes(export)
    if not unsupported:
        assert r.status_code == 200, r.text
        return
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(node_id in detail and kind in detail for node_id, kind in unsupported), detail
    # refused before anything ran: no message stored
    assert await messages_rest(client, alice.headers, flow_id=created["id"]) == []


async def test_unsupported_arxiv_node_is_named(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    export = load_langflow(shared_dir, "Research Translation Loop.json")
    [arxiv_id] = [n["id"] for n in export["data"]["nodes"] if n["data"].get("type") == "ArXivComponent"]
    created = await create_flow_rest(client, alice.headers, export)
    r = await run_rest(client, alice.headers, created["id"], {"input_value": "hi"})
    assert r.status_code == 422
    assert arxiv_id in r.json()["detail"]
    assert "ArXivComponent" in r.json()["detail"]


async def test_hello_world_runs(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    created = await create_flow_rest(client, alice.headers, load_langflow(shared_dir, "hello-world.json"))
    r = await run_rest(client, alice.headers, created["id"], {"input_value": "hi"})
    assert r.status_code == 200
    assert r.json()["outputs"][0]["outputs"][0]["results"]["message"]["text"] == "Hello, World!"
