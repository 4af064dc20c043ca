"""``POST /api/v1/mcp/project/{id}/install`` and ``composer-url`` under review of issue 11:
parallel installs all land in the file (finding 2), the legacy SSE transport is refused (6),
re-installing revokes the key the previous entry held (7), two projects whose names slug alike
keep two entries (8), URLs come from the configured public URL, never the request's Host (10)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from sqlalchemy import func, select

from flowql.db.models import ApiKey
from flowql.services import AppServices
from tests.conftest import MakeUser, TestUser
from tests.rest_compat.mcp_support import create_project


def _servers(path: Path) -> dict[str, dict[str, object]]:
    servers: dict[str, dict[str, object]] = json.loads(path.read_text())["mcpServers"]
    return servers


def _key_of(entry: dict[str, object]) -> str:
    args = entry["args"]
    assert isinstance(args, list)
    key = args[args.index("x-api-key") + 1]
    assert isinstance(key, str)
    return key


async def _install_keys(services: AppServices, user: TestUser) -> int:
    async with services.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(ApiKey)
            .where(ApiKey.user_id == user.id, ApiKey.name.like("MCP Server %"))
        )
    return int(count or 0)


async def test_parallel_installs_all_land_in_the_file_with_one_key_each(
    client: httpx.AsyncClient, services: AppServices, make_user: MakeUser, tmp_path: Path
) -> None:
    services.settings.mcp_config_dir = tmp_path / "cfg"
    root = await make_user(superuser=True)
    projects = [await create_project(client, root, f"parallel {i}") for i in range(20)]
    answers = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/mcp/project/{p['id']}/install", json={"client": "cursor"}, headers=root.headers
            )
            for p in projects
        )
    )
    assert [r.status_code for r in answers] == [200] * 20
    servers = _servers(tmp_path / "cfg" / "cursor" / "mcp.json")
    assert sorted(servers) == sorted(f"lf-parallel_{i}" for i in range(20))
    assert await _install_keys(services, root) == 20
    for project in projects[:3]:  # every written key reaches its project
        key = _key_of(servers[f"lf-{project['name'].replace(' ', '_')}"])
        r = await client.get(f"/api/v1/mcp/project/{project['id']}/installed", headers={"x-api-key": key})
        assert r.json()[0] == {"name": "cursor", "installed": True, "available": True}


async def test_sse_transport_is_refused(
    client: httpx.AsyncClient, services: AppServices, make_user: MakeUser, tmp_path: Path
) -> None:
    services.settings.mcp_config_dir = tmp_path / "cfg"
    root = await make_user(superuser=True)
    project = await create_project(client, root, "sse")
    r = await client.post(
        f"/api/v1/mcp/project/{project['id']}/install",
        json={"client": "claude", "transport": "sse"},
        headers=root.headers,
    )
    assert (r.status_code, r.json()["detail"]) == (
        422,
        "transport 'sse' is not supported: FlowQL serves MCP over streamable HTTP only",
    )
    assert not (tmp_path / "cfg").exists()
    assert await _install_keys(services, root) == 0


async def test_reinstalling_revokes_the_previous_entrys_key(
    client: httpx.AsyncClient, services: AppServices, make_user: MakeUser, tmp_path: Path
) -> None:
    services.settings.mcp_config_dir = tmp_path / "cfg"
    root = await make_user(superuser=True)
    project = await create_project(client, root, "again")
    url = f"/api/v1/mcp/project/{project['id']}"
    path = tmp_path / "cfg" / "windsurf" / "mcp_config.json"
    assert (
        await client.post(f"{url}/install", json={"client": "windsurf"}, headers=root.headers)
    ).status_code == 200
    first = _key_of(_servers(path)["lf-again"])
    assert (
        await client.post(f"{url}/install", json={"client": "windsurf"}, headers=root.headers)
    ).status_code == 200
    second = _key_of(_servers(path)["lf-again"])
    assert first != second
    assert await _install_keys(services, root) == 1
    assert (await client.get(f"{url}/installed", headers={"x-api-key": first})).status_code == 401
    assert (await client.get(f"{url}/installed", headers={"x-api-key": second})).status_code == 200
    # Another client's entry keeps its own key.
    assert (
        await client.post(f"{url}/install", json={"client": "cursor"}, headers=root.headers)
    ).status_code == 200
    assert await _install_keys(services, root) == 2
    assert (await client.get(f"{url}/installed", headers={"x-api-key": second})).status_code == 200


async def test_projects_whose_names_slug_alike_keep_separate_entries(
    client: httpx.AsyncClient, services: AppServices, make_user: MakeUser, tmp_path: Path
) -> None:
    services.settings.mcp_config_dir = tmp_path / "cfg"
    root = await make_user(superuser=True)
    first = await create_project(client, root, "My Tools")
    second = await create_project(client, root, "my-tools")
    for project in (first, second, first):
        r = await client.post(
            f"/api/v1/mcp/project/{project['id']}/install", json={"client": "cursor"}, headers=root.headers
        )
        assert r.status_code == 200, r.text
    servers = _servers(tmp_path / "cfg" / "cursor" / "mcp.json")
    suffixed = f"lf-my_tools-{second['id'].replace('-', '')[:8]}"
    assert sorted(servers) == sorted(["lf-my_tools", suffixed])
    assert str(servers["lf-my_tools"]["args"]).count(first["id"]) == 1
    assert str(servers[suffixed]["args"]).count(second["id"]) == 1
    for project in (first, second):
        r = await client.get(f"/api/v1/mcp/project/{project['id']}/installed", headers=root.headers)
        assert r.json()[0]["installed"] is True


async def test_urls_use_the_public_url_setting_not_the_host_header(
    client: httpx.AsyncClient, services: AppServices, make_user: MakeUser, tmp_path: Path
) -> None:
    services.settings.mcp_config_dir = tmp_path / "cfg"
    root = await make_user(superuser=True)
    project = await create_project(client, root, "public")
    url = f"/api/v1/mcp/project/{project['id']}"
    evil = {**root.headers, "host": "attacker.example"}
    services.settings.public_url = None
    default = f"http://{services.settings.host}:{services.settings.port}"
    r = await client.get(f"{url}/composer-url", headers=evil)
    assert r.json()["streamable_http_url"] == f"{default}{url}/streamable"
    services.settings.public_url = "https://flowql.example/base/"
    r = await client.get(f"{url}/composer-url", headers=evil)
    assert r.json()["streamable_http_url"] == f"https://flowql.example/base{url}/streamable"
    assert (await client.post(f"{url}/install", json={"client": "claude"}, headers=evil)).status_code == 200
    [entry] = _servers(tmp_path / "cfg" / "claude" / "claude_desktop_config.json").values()
    args = entry["args"]
    assert isinstance(args, list)
    assert args[-1] == f"https://flowql.example/base{url}/streamable"
    assert "attacker" not in json.dumps(entry)
