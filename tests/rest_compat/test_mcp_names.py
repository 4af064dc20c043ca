"""Tool names of a project's MCP server (review of issue 11, findings 1 and 5): an enabled flow's
explicit ``action_name`` is its tool name; only generated names (slugs, or a name an older enabled
flow already holds) get ``_2``, ``_3``, ... among enabled flows, never longer than 128 characters;
the MCP PATCH refuses only changes that create a new clash, also when PATCHes race."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import mcp_types as types
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from flowql.db.models import Flow
from flowql.resolvers import mcp_projects
from tests.conftest import TestUser
from tests.live_server import HANG_GUARD
from tests.rest_compat.mcp_support import add_flow, create_project, mcp_session, reply_flow


def _text(result: types.CallToolResult) -> str:
    [block] = result.content
    assert isinstance(block, types.TextContent)
    return block.text


async def _names(
    client: httpx.AsyncClient, user: TestUser, project_id: str, everything: bool = False
) -> list[str]:
    params = {"mcp_enabled": "false"} if everything else {}
    r = await client.get(f"/api/v1/mcp/project/{project_id}", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    return [t["action_name"] for t in r.json()["tools"]]


async def test_explicit_name_wins_over_an_older_disabled_flows_slug(
    app: FastAPI, client: httpx.AsyncClient, alice: TestUser
) -> None:
    project = await create_project(client, alice, "names")
    old = await add_flow(client, alice, project["id"], reply_flow("Ask", "old"), mcp_enabled=False)
    await add_flow(
        client, alice, project["id"], reply_flow("Answerer", "new"), mcp_enabled=True, action_name="ask"
    )
    assert await _names(client, alice, project["id"]) == ["ask"]
    async with mcp_session(app, project["id"], alice.headers) as session:
        assert [t.name for t in (await session.list_tools()).tools] == ["ask"]
        assert _text(await session.call_tool("ask", {"input_value": "q"})) == "new: q"
    # Enabling the older flow "Ask" gives *it* the suffix: "ask" keeps calling the explicit one.
    r = await client.patch(
        f"/api/v1/mcp/project/{project['id']}",
        json={"settings": [{"id": old["id"], "mcp_enabled": True}]},
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    assert await _names(client, alice, project["id"]) == ["ask_2", "ask"]
    async with mcp_session(app, project["id"], alice.headers) as session:
        assert _text(await session.call_tool("ask", {"input_value": "q"})) == "new: q"
        assert _text(await session.call_tool("ask_2", {"input_value": "q"})) == "old: q"


async def test_suffixes_are_counted_among_enabled_flows_and_stay_within_128_characters(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    project = await create_project(client, alice, "long")
    long_name = "n" * 128
    await add_flow(client, alice, project["id"], reply_flow("Report", "0"), mcp_enabled=False)
    await add_flow(client, alice, project["id"], reply_flow("report!", "1"), mcp_enabled=True)
    # The flows API accepts a duplicate explicit name (as Langflow does): the oldest keeps it.
    await add_flow(
        client, alice, project["id"], reply_flow("a", "2"), mcp_enabled=True, action_name=long_name
    )
    await add_flow(
        client, alice, project["id"], reply_flow("b", "3"), mcp_enabled=True, action_name=long_name
    )
    names = await _names(client, alice, project["id"])
    assert names == ["report", long_name, "n" * 126 + "_2"]
    assert max(len(n) for n in names) == 128


class _CountingLock:
    """The owner's naming lock, counting the callers waiting for it."""

    waiting = 0
    changed = asyncio.Event()

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock

    async def __aenter__(self) -> None:
        _CountingLock.waiting += 1
        _CountingLock.changed.set()
        try:
            await self._lock.acquire()
        finally:
            _CountingLock.waiting -= 1

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()


async def test_parallel_patches_store_one_enabled_flow_per_action_name(
    client: httpx.AsyncClient, alice: TestUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each PATCH, once checked, waits before its commit until every other PATCH has been
    checked too or waits for the naming lock: without the lock all five would pass the check
    before any commit (and five flows would hold ``dup``), with it the later ones see the
    first's name."""
    project = await create_project(client, alice, "race")
    flows = [await add_flow(client, alice, project["id"], reply_flow(f"f{i}", str(i))) for i in range(5)]
    url = f"/api/v1/mcp/project/{project['id']}"
    checked: set[asyncio.Task[object] | None] = set()
    monkeypatch.setattr(_CountingLock, "changed", asyncio.Event())
    clashes, commit, lock = mcp_projects._clashes, AsyncSession.commit, mcp_projects.naming_lock

    def noting_clashes(flows: list[Flow]) -> set[tuple[str, frozenset[uuid.UUID]]]:
        checked.add(asyncio.current_task())
        _CountingLock.changed.set()
        return clashes(flows)

    async def interleaved_commit(self: AsyncSession) -> None:
        if asyncio.current_task() in checked:
            while len(checked) + _CountingLock.waiting < len(flows):
                _CountingLock.changed.clear()
                await _CountingLock.changed.wait()
        await commit(self)

    monkeypatch.setattr(mcp_projects, "_clashes", noting_clashes)
    monkeypatch.setattr(mcp_projects, "naming_lock", lambda user_id: _CountingLock(lock(user_id)))
    monkeypatch.setattr(AsyncSession, "commit", interleaved_commit)
    async with asyncio.timeout(HANG_GUARD):
        answers = await asyncio.gather(
            *(
                client.patch(
                    url,
                    json={"settings": [{"id": f["id"], "mcp_enabled": True, "action_name": "dup"}]},
                    headers=alice.headers,
                )
                for f in flows
            )
        )
    assert len(checked) == len(flows)
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409, 409]
    assert await _names(client, alice, project["id"]) == ["dup"]


async def test_an_existing_clash_does_not_block_unrelated_changes(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    project = await create_project(client, alice, "clash")
    first = await add_flow(
        client, alice, project["id"], reply_flow("one", "1"), mcp_enabled=True, action_name="dup"
    )
    await add_flow(client, alice, project["id"], reply_flow("two", "2"), mcp_enabled=True, action_name="dup")
    third = await add_flow(client, alice, project["id"], reply_flow("three", "3"))
    assert await _names(client, alice, project["id"]) == ["dup", "dup_2"]
    url = f"/api/v1/mcp/project/{project['id']}"
    unrelated = {
        "settings": [{"id": first["id"], "mcp_enabled": True, "action_description": "the first"}],
        "auth_settings": {"auth_type": "apikey"},
    }
    r = await client.patch(url, json=unrelated, headers=alice.headers)
    assert r.status_code == 200, r.text
    new_clash = {"settings": [{"id": third["id"], "mcp_enabled": True, "action_name": "dup"}]}
    r = await client.patch(url, json=new_clash, headers=alice.headers)
    assert (r.status_code, r.json()) == (
        409,
        {"detail": "Action name 'dup' is used by two enabled flows of this project"},
    )
    assert await _names(client, alice, project["id"]) == ["dup", "dup_2"]
