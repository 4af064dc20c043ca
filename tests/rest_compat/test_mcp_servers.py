"""``/api/v2/mcp/servers``: the caller's MCP server configs, added, read, listed, updated and
deleted by name; ``env`` and ``headers`` values masked in every answer; other users' configs
invisible."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from flowql.db.models import McpServer
from flowql.services import AppServices
from tests.conftest import TestUser

BASE = "/api/v2/mcp/servers"
STDIO = {"command": "uvx", "args": ["mcp-server-fetch"], "env": {"FETCH_TOKEN": "tok-123", "MODE": "fast"}}
HTTP = {"url": "https://tools.example/mcp", "headers": {"Authorization": "Bearer hdr-456"}, "timeout": 30}
MASKED_STDIO = {**STDIO, "env": {"FETCH_TOKEN": "*******", "MODE": "*******"}}
MASKED_HTTP = {**HTTP, "headers": {"Authorization": "*******"}}


async def _stored(services: AppServices, user: TestUser, name: str) -> dict[str, object] | None:
    async with services.sessions() as session:
        row = await session.scalar(
            select(McpServer).where(McpServer.user_id == user.id, McpServer.name == name)
        )
    return None if row is None else row.config


async def test_add_read_list_update_delete_with_secrets_masked(
    client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    assert (await client.get(BASE, headers=alice.headers)).json() == []
    r = await client.post(f"{BASE}/fetch", json=STDIO, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"mcpServers": {"fetch": MASKED_STDIO}}
    r = await client.post(f"{BASE}/remote", json=HTTP, headers=alice.headers)
    assert r.json() == {"mcpServers": {"fetch": MASKED_STDIO, "remote": MASKED_HTTP}}
    assert "tok-123" not in r.text and "hdr-456" not in r.text
    assert await _stored(services, alice, "remote") == HTTP

    assert (await client.get(BASE, headers=alice.headers)).json() == ["fetch", "remote"]
    r = await client.get(BASE, params={"action_count": "true"}, headers=alice.headers)
    assert r.json() == [
        {"name": "fetch", "mode": "STDIO", "toolsCount": None, "error": None},
        {"name": "remote", "mode": "Streamable_HTTP", "toolsCount": None, "error": None},
    ]
    assert (await client.get(f"{BASE}/remote", headers=alice.headers)).json() == MASKED_HTTP

    # A masked value sent back keeps the stored secret; a new value replaces it.
    update = {
        "command": "uvx",
        "args": ["mcp-server-fetch", "--fast"],
        "env": {"FETCH_TOKEN": "*******", "MODE": "slow"},
    }
    r = await client.patch(f"{BASE}/fetch", json=update, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json()["mcpServers"]["fetch"] == {**update, "env": {"FETCH_TOKEN": "*******", "MODE": "*******"}}
    assert await _stored(services, alice, "fetch") == {
        **update,
        "env": {"FETCH_TOKEN": "tok-123", "MODE": "slow"},
    }
    # A masked value for a key that has none stored cannot be kept.
    masked_new = {"command": "uvx", "env": {"NEW": "*******"}}
    assert (await client.patch(f"{BASE}/fetch", json=masked_new, headers=alice.headers)).status_code == 422

    r = await client.delete(f"{BASE}/fetch", headers=alice.headers)
    assert r.json() == {"mcpServers": {"remote": MASKED_HTTP}}
    assert await _stored(services, alice, "fetch") is None
    r = await client.get(f"{BASE}/fetch", headers=alice.headers)
    assert (r.status_code, r.json()) == (404, {"detail": "MCP server not found"})


async def test_names_conflicts_and_bad_configs(client: httpx.AsyncClient, alice: TestUser) -> None:
    assert (await client.post(f"{BASE}/fetch", json=STDIO, headers=alice.headers)).status_code == 200
    r = await client.post(f"{BASE}/fetch", json=HTTP, headers=alice.headers)
    assert (r.status_code, r.json()) == (409, {"detail": "An MCP server named 'fetch' already exists"})
    r = await client.post(f"{BASE}/other", json={"args": ["x"]}, headers=alice.headers)
    assert r.json()["detail"] == "command is required when no url is given"
    for bad in (
        {},
        {"args": ["x"]},
        {"command": 3},
        {"command": "x", "args": "y"},
        {"url": "u", "env": {"A": 1}},
    ):
        r = await client.post(f"{BASE}/other", json=bad, headers=alice.headers)
        assert r.status_code == 422, bad
    assert (await client.patch(f"{BASE}/missing", json=STDIO, headers=alice.headers)).status_code == 404
    assert (await client.delete(f"{BASE}/missing", headers=alice.headers)).status_code == 404
    assert (await client.get(BASE, headers=alice.headers)).json() == ["fetch"]


async def test_configs_are_per_user(client: httpx.AsyncClient, alice: TestUser, bob: TestUser) -> None:
    await client.post(f"{BASE}/fetch", json=STDIO, headers=alice.headers)
    assert (await client.get(BASE, headers=bob.headers)).json() == []
    assert (await client.get(f"{BASE}/fetch", headers=bob.headers)).status_code == 404
    assert (await client.patch(f"{BASE}/fetch", json=HTTP, headers=bob.headers)).status_code == 404
    assert (await client.delete(f"{BASE}/fetch", headers=bob.headers)).status_code == 404
    # Bob may use the same name for his own config.
    r = await client.post(f"{BASE}/fetch", json=HTTP, headers=bob.headers)
    assert r.json() == {"mcpServers": {"fetch": MASKED_HTTP}}
    assert (await client.get(f"{BASE}/fetch", headers=alice.headers)).json() == MASKED_STDIO


PROXY = {
    "command": "uvx",
    "args": [
        "mcp-proxy",
        "--headers",
        "x-api-key",
        "sk-SECRET0123456789",
        "--api-key=plain-secret",
        "--token",
        "tok-abc",
        "--header",
        "Authorization: Bearer hdr-xyz",
        "https://user:pa55word@tools.example/mcp?access_token=qs-token&mode=fast",
    ],
    "api_token": "extra-secret",
    "auth": {"password": "nested-pw", "user": "me", "keys": [{"client_secret": "deep-secret"}]},
    "note": "sk-LOOKSLIKEAKEY12345",
    "url": "https://admin:url-pw@host.example/mcp?api_key=url-key&x=1",
}
MASKED_PROXY = {
    "command": "uvx",
    "args": [
        "mcp-proxy",
        "--headers",
        "x-api-key",
        "*******",
        "--api-key=*******",
        "--token",
        "*******",
        "--header",
        "Authorization: *******",
        "https://user:*******@tools.example/mcp?access_token=*******&mode=fast",
    ],
    "api_token": "*******",
    "auth": {"password": "*******", "user": "me", "keys": [{"client_secret": "*******"}]},
    "note": "*******",
    "url": "https://admin:*******@host.example/mcp?api_key=*******&x=1",
}
SECRETS = (
    "SECRET0123",
    "plain-secret",
    "tok-abc",
    "hdr-xyz",
    "pa55word",
    "qs-token",
    "extra-secret",
    "nested-pw",
    "deep-secret",
    "LOOKSLIKE",
    "url-pw",
    "url-key",
)


async def test_secrets_in_args_urls_and_nested_extras_are_masked(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    r = await client.post(f"{BASE}/proxy", json=PROXY, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"mcpServers": {"proxy": MASKED_PROXY}}
    for answer in (r, await client.get(f"{BASE}/proxy", headers=alice.headers)):
        assert not [s for s in SECRETS if s in answer.text]
    assert (await client.get(f"{BASE}/proxy", headers=alice.headers)).json() == MASKED_PROXY


async def test_masked_values_sent_back_keep_every_stored_secret(
    client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    await client.post(f"{BASE}/proxy", json=PROXY, headers=alice.headers)
    shown = (await client.get(f"{BASE}/proxy", headers=alice.headers)).json()
    r = await client.patch(f"{BASE}/proxy", json={**shown, "timeout": 5}, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert await _stored(services, alice, "proxy") == {**PROXY, "timeout": 5}
    # A masked value where nothing was stored cannot be kept.
    for bad in (
        {**shown, "refresh_token": "*******"},
        {**shown, "args": ["*******"]},
        {**shown, "url": "https://other:*******@host.example/mcp"},
    ):
        r = await client.patch(f"{BASE}/proxy", json=bad, headers=alice.headers)
        assert r.status_code == 422, bad
    assert await _stored(services, alice, "proxy") == {**PROXY, "timeout": 5}


#: Configs of the second review (N3), each with what its answer shows.
MORE_SECRETS = {
    "userinfo": (
        {"url": "https://ZZUSERINFO123@example.com/mcp"},
        {"url": "https://*******@example.com/mcp"},
    ),
    "fragment": (
        {"url": "https://example.com/mcp#access_token=ZZFRAG&x=1"},
        {"url": "https://example.com/mcp#access_token=*******&x=1"},
    ),
    "jsessionid": (
        {"url": "https://example.com/mcp;jsessionid=ZZSESS?x=1"},
        {"url": "https://example.com/mcp;jsessionid=*******?x=1"},
    ),
    "amz": (
        {"url": "https://b.example/o?X-Amz-Signature=ZZSIG&X-Amz-Credential=ZZCRED&apiKey=ZZQKEY&v=2"},
        {"url": "https://b.example/o?X-Amz-Signature=*******&X-Amz-Credential=*******&apiKey=*******&v=2"},
    ),
    "args": (
        {
            "command": "docker",
            "args": [
                "run",
                "--env=GITHUB_TOKEN=ZZENVEQ",
                "-eOPENAI_API_KEY=ZZGLUED",
                "API_KEY=ZZPOSITIONAL",
                "--config",
                '{"apiKey": "ZZJSON", "port": 8080}',
                "--bearer",
                "ZZBEARER",
                "--port=8080",
                "mode=fast",
            ],
        },
        {
            "command": "docker",
            "args": [
                "run",
                "--env=GITHUB_TOKEN=*******",
                "-eOPENAI_API_KEY=*******",
                "API_KEY=*******",
                "--config",
                '{"apiKey": "*******", "port": 8080}',
                "--bearer",
                "*******",
                "--port=8080",
                "mode=fast",
            ],
        },
    ),
    "keys": (
        {
            "url": "https://e.example",
            "clientSecret": "ZZCLIENT",
            "privateKey": "ZZPRIVATE",
            "session": "ZZSESSION",
            "google": "AIzaSyZZGOOGLEKEY1234567890",
            "groq": "gsk_ZZGROQKEY1234567890abcd",
            "name": "plain",
        },
        {
            "url": "https://e.example",
            "clientSecret": "*******",
            "privateKey": "*******",
            "session": "*******",
            "google": "*******",
            "groq": "*******",
            "name": "plain",
        },
    ),
}


@pytest.mark.parametrize("case", list(MORE_SECRETS))
async def test_userinfo_fragments_path_params_assignments_json_args_and_key_shapes_are_masked(
    client: httpx.AsyncClient, services: AppServices, alice: TestUser, case: str
) -> None:
    config, shown = MORE_SECRETS[case]
    r = await client.post(f"{BASE}/{case}", json=config, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"mcpServers": {case: shown}}
    assert "ZZ" not in r.text
    r = await client.patch(f"{BASE}/{case}", json=shown, headers=alice.headers)  # sent back as shown
    assert r.status_code == 200, r.text
    assert await _stored(services, alice, case) == config


async def test_control_characters_big_configs_and_parallel_deletes(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    for name in ("evil\u202eexe", "tab%09here", "zero\u200bwidth"):
        r = await client.post(f"{BASE}/{name}", json=STDIO, headers=alice.headers)
        assert (r.status_code, r.json()["detail"]) == (
            422,
            "server_name must not contain control or format characters",
        ), name
    r = await client.post(
        f"{BASE}/big", json={**STDIO, "blob": "x" * (3 * 1024 * 1024)}, headers=alice.headers
    )
    assert (r.status_code, r.json()) == (
        413,
        {"detail": "An MCP server config must be at most 65536 characters of JSON"},
    )
    assert (await client.get(BASE, headers=alice.headers)).json() == []
    await client.post(f"{BASE}/gone", json=STDIO, headers=alice.headers)
    answers = await asyncio.gather(*(client.delete(f"{BASE}/gone", headers=alice.headers) for _ in range(10)))
    assert sorted(r.status_code for r in answers) == [200] + [404] * 9
