"""The caller's API keys over REST (issue 5, row 66): list with secrets masked, delete own only.
Shapes as ``../shared/peer/resources/api_key_list.json``."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import event

from flowql.db.models import ApiKey
from flowql.services import AppServices
from tests.conftest import TestUser
from tests.shared_files import load_json


async def _create(client: httpx.AsyncClient, user: TestUser, name: str) -> dict[str, object]:
    r = await client.post("/api/v1/api_key/", json={"name": name}, headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


async def test_list_shows_the_callers_keys_masked_in_the_peers_shape(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    created = await _create(client, alice, "ci")
    await _create(client, bob, "bobs")
    r = await client.get("/api/v1/api_key/", headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    peer = load_json("peer", "resources", "api_key_list.json")["body"]
    assert set(body) == set(peer)
    assert set(body["api_keys"][0]) == set(peer["api_keys"][0])
    assert body["user_id"] == str(alice.id)
    names = [k["name"] for k in body["api_keys"]]
    assert "ci" in names and "bobs" not in names
    assert body["total_count"] == len(body["api_keys"])
    [listed] = [k for k in body["api_keys"] if k["id"] == created["id"]]
    secret = str(created["api_key"])
    assert secret not in r.text
    assert listed["api_key"].startswith(secret[:8]) and set(listed["api_key"][8:]) == {"*"}


async def test_another_users_key_cannot_be_deleted_and_keeps_working(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    created = await _create(client, alice, "mine")
    r = await client.delete(f"/api/v1/api_key/{created['id']}", headers=bob.headers)
    assert r.status_code == 404, r.text
    own = {"x-api-key": str(created["api_key"])}
    assert (await client.get("/api/v1/api_key/", headers=own)).status_code == 200

    r = await client.delete(f"/api/v1/api_key/{created['id']}", headers=alice.headers)
    assert (r.status_code, r.json()) == (200, {"detail": "API Key deleted"})
    assert (await client.get("/api/v1/api_key/", headers=own)).status_code == 401
    again = await client.delete(f"/api/v1/api_key/{created['id']}", headers=alice.headers)
    assert again.status_code == 404


async def test_bad_ids_and_missing_credentials(client: httpx.AsyncClient, alice: TestUser) -> None:
    assert (await client.get("/api/v1/api_key/")).status_code == 401
    assert (await client.delete(f"/api/v1/api_key/{uuid.uuid4()}")).status_code == 401
    assert (await client.delete("/api/v1/api_key/not-a-uuid", headers=alice.headers)).status_code == 422
    assert (await client.delete(f"/api/v1/api_key/{uuid.uuid4()}", headers=alice.headers)).status_code == 404


async def test_uses_are_counted_without_a_write_per_request(
    client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    """Authenticating with a key only reads; its uses are written in a batch, before listing."""
    created = await _create(client, alice, "counted")
    own = {"x-api-key": str(created["api_key"])}
    writes: list[str] = []

    def watch(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", watch)
    try:
        for _ in range(3):
            assert (await client.get("/api/v1/users/whoami", headers=own)).status_code == 200
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", watch)
    assert writes == []

    r = await client.get("/api/v1/api_key/", headers=alice.headers)
    [listed] = [k for k in r.json()["api_keys"] if k["id"] == created["id"]]
    assert listed["total_uses"] == 3
    assert listed["last_used_at"] is not None


async def test_counted_uses_are_written_when_the_server_stops(
    client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    created = await _create(client, alice, "at-stop")
    own = {"x-api-key": str(created["api_key"])}
    for _ in range(2):
        assert (await client.get("/api/v1/users/whoami", headers=own)).status_code == 200
    await services.key_usage.close()
    async with services.sessions() as session:
        key = await session.get(ApiKey, uuid.UUID(str(created["id"])))
    assert key is not None and key.total_uses == 2
