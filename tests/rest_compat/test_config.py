"""``GET /api/v1/config`` (issue 5, row 8): the full configuration with credentials, exactly the
public keys without (invalid credentials count as none), with FlowQL's own values."""

from __future__ import annotations

import json
from typing import Any

import httpx

from flowql.services import AppServices
from tests.conftest import TestUser
from tests.shared_files import require_shared


def peer_txt_json(name: str) -> Any:
    """The JSON body of a ``shared/peer/<name>`` capture (after its ``###`` request lines)."""
    text = require_shared("peer", name).read_text(encoding="utf-8")
    return json.loads("\n".join(line for line in text.splitlines() if not line.startswith("###")))


async def test_public_subset_without_credentials(client: httpx.AsyncClient, services: AppServices) -> None:
    peer = peer_txt_json("config_public_response.txt")
    r = await client.get("/api/v1/config")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == set(peer)
    assert set(body["feature_flags"]) == set(peer["feature_flags"])
    assert body["type"] == "public"
    assert body["max_file_size_upload"] == services.settings.max_file_size_upload == 100
    assert body["allow_custom_components"] is False  # FlowQL never runs component code


async def test_invalid_credentials_get_the_public_subset(client: httpx.AsyncClient) -> None:
    for headers in ({"x-api-key": "sk-wrong"}, {"Authorization": "Bearer not-a-token"}):
        r = await client.get("/api/v1/config", headers=headers)
        assert (r.status_code, r.json()["type"]) == (200, "public")
        assert "webhook_auth_enable" not in r.json()


async def test_full_config_with_credentials(
    client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    peer = peer_txt_json("config_response.txt")
    services.settings.max_file_size_upload = 7
    services.settings.webhook_auth = False
    r = await client.get("/api/v1/config", headers=alice.headers)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == set(peer)
    assert set(body["feature_flags"]) == set(peer["feature_flags"])
    assert body["type"] == "full"
    assert body["max_file_size_upload"] == 7
    assert body["webhook_auth_enable"] is False
    assert body["default_folder_name"] == "Starter Project"
    assert body["event_delivery"] == "streaming"


async def test_access_cookie_gets_the_full_config(client: httpx.AsyncClient, alice: TestUser) -> None:
    login = await client.post("/api/v1/login", data={"username": "alice", "password": alice.password})
    assert login.status_code == 200  # the client now carries the access_token_lf cookie
    assert (await client.get("/api/v1/config")).json()["type"] == "full"
