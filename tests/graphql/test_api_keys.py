"""GraphQL ``apiKeys``, ``createApiKey``, ``deleteApiKey`` (issue 5): the same rules as REST —
secrets shown once, listings masked, only the owner deletes."""

from __future__ import annotations

import httpx

from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes


async def test_create_list_and_delete_own_keys(gql: Gql, client: httpx.AsyncClient, alice: TestUser) -> None:
    created = (await gql("CreateApiKey", {"name": "gql"}, headers=alice.headers))["data"]["createApiKey"]
    secret = created["secret"]
    assert secret.startswith("sk-") and created["apiKey"]["prefix"] == secret[:8]
    listed = await gql("ApiKeys", headers=alice.headers)
    assert secret not in str(listed)
    assert created["apiKey"]["id"] in [k["id"] for k in listed["data"]["apiKeys"]]

    deleted = await gql("DeleteApiKey", {"id": created["apiKey"]["id"]}, headers=alice.headers)
    assert deleted["data"]["deleteApiKey"] is True
    assert (await client.get("/api/v1/api_key/", headers={"x-api-key": secret})).status_code == 401


async def test_another_users_key_is_not_deleted(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    created = (await gql("CreateApiKey", {"name": "a"}, headers=alice.headers))["data"]["createApiKey"]
    body = await gql("DeleteApiKey", {"id": created["apiKey"]["id"]}, headers=bob.headers)
    assert body["data"]["deleteApiKey"] is False
    assert (await client.get("/api/v1/api_key/", headers={"x-api-key": created["secret"]})).status_code == 200
    bobs = await gql("ApiKeys", headers=bob.headers)
    assert created["apiKey"]["id"] not in [k["id"] for k in bobs["data"]["apiKeys"]]


async def test_unauthenticated_and_malformed_ids(gql: Gql, alice: TestUser) -> None:
    assert error_codes(await gql("ApiKeys")) == ["UNAUTHENTICATED"]
    assert error_codes(await gql("DeleteApiKey", {"id": "not-a-uuid"}, headers=alice.headers)) == [
        "INVALID_INPUT"
    ]
