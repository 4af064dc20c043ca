"""Small HTTP helpers shared by the flow route tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.cases import create_flow_rest, load_case, run_rest
from tests.conftest import TestUser


def peer_body(shared_dir: Path, name: str) -> Any:
    """The ``body`` of a capture in ``shared/peer/resources``."""
    return json.loads((shared_dir / "peer" / "resources" / name).read_text())["body"]


def echo_export(shared_dir: Path) -> dict[str, Any]:
    """The ``echo`` case's flow export."""
    return load_case(shared_dir, "echo").flow


async def get_flow_rest(client: httpx.AsyncClient, user: TestUser, flow_id: str) -> httpx.Response:
    """``GET /api/v1/flows/{flow_id}``."""
    return await client.get(f"/api/v1/flows/{flow_id}", headers=user.headers)


async def list_flows_rest(client: httpx.AsyncClient, user: TestUser, **params: Any) -> list[dict[str, Any]]:
    """``GET /api/v1/flows/`` with ``params``; asserts 200."""
    r = await client.get("/api/v1/flows/", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    flows: list[dict[str, Any]] = r.json()
    return flows


def upload_files(content: bytes, name: str = "flows.json") -> dict[str, Any]:
    """The multipart ``files`` argument for ``POST /api/v1/flows/upload/``."""
    return {"file": (name, content, "application/json")}


async def create_and_run(
    client: httpx.AsyncClient, user: TestUser, export: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """Store ``export`` for ``user``, run it through ``/api/v1/run`` with ``body``; asserts 200
    and returns the response JSON."""
    created = await create_flow_rest(client, user.headers, export)
    r = await run_rest(client, user.headers, created["id"], body)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result
