"""``GET /api/v1/monitor/messages``: shape, filters, ownership."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from tests.cases import create_flow_rest, load_case, messages_rest, run_rest, same_structure
from tests.conftest import TestUser

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6} UTC$")


async def test_messages_shaped_like_peer(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    case = load_case(shared_dir, "echo")
    flow = await create_flow_rest(client, alice.headers, case.flow)
    r = await run_rest(client, alice.headers, flow["id"], {"input_value": "hello"})
    assert r.status_code == 200
    run_id = r.json()["outputs"][0]["outputs"][0]["results"]["message"]["run_id"]

    messages = await messages_rest(client, alice.headers, flow_id=flow["id"])
    peer = json.loads((shared_dir / "peer" / "monitor_messages_response.json").read_text())
    assert len(messages) == 2
    user, machine = messages
    # peer[0] is a Chat Input message, peer[1] a Chat Output one; files is always a list here
    assert same_structure(user, {**peer[0], "files": []}) == []
    assert same_structure(machine, {**peer[1], "files": []}) == []
    assert (user["sender"], user["sender_name"], user["text"]) == ("User", "User", "hello")
    assert (machine["sender"], machine["sender_name"], machine["text"]) == ("Machine", "AI", "hello")
    chat_input = next(n["id"] for n in case.flow["data"]["nodes"] if n["data"]["type"] == "ChatInput")
    assert user["properties"]["source"] == {"id": None, "display_name": None, "source": None}
    assert machine["properties"]["source"] == {
        "id": chat_input,
        "display_name": "Chat Input",
        "source": "Chat Input",
    }
    for m in messages:
        assert m["flow_id"] == flow["id"]
        assert m["session_id"] == flow["id"]
        assert m["files"] == []
        assert m["session_metadata"] == {"graph_run_id": run_id}
        assert TIMESTAMP.match(m["timestamp"]), m["timestamp"]
    assert user["timestamp"] <= machine["timestamp"]


async def test_filters(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    export = load_case(shared_dir, "echo").flow
    one = await create_flow_rest(client, alice.headers, export)
    two = await create_flow_rest(client, alice.headers, export)
    await run_rest(client, alice.headers, one["id"], {"input_value": "1a", "session_id": "s"})
    await run_rest(client, alice.headers, one["id"], {"input_value": "1b", "session_id": "t"})
    await run_rest(client, alice.headers, two["id"], {"input_value": "2a", "session_id": "s"})

    def texts(messages: list[dict[str, str]]) -> list[str]:
        return [m["text"] for m in messages if m["sender"] == "User"]

    assert texts(await messages_rest(client, alice.headers)) == ["1a", "1b", "2a"]
    assert texts(await messages_rest(client, alice.headers, flow_id=one["id"])) == ["1a", "1b"]
    assert texts(await messages_rest(client, alice.headers, session_id="s")) == ["1a", "2a"]
    assert texts(await messages_rest(client, alice.headers, flow_id=two["id"], session_id="s")) == ["2a"]
    assert texts(await messages_rest(client, alice.headers, flow_id="", session_id="t")) == ["1b"]
    assert await messages_rest(client, alice.headers, session_id="none") == []


async def test_other_users_messages_are_invisible(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "echo").flow)
    await run_rest(client, alice.headers, flow["id"], {"input_value": "secret", "session_id": "default"})
    assert await messages_rest(client, bob.headers) == []
    assert await messages_rest(client, bob.headers, flow_id=flow["id"], session_id="default") == []
    assert len(await messages_rest(client, alice.headers, session_id="default")) == 2


async def test_malformed_flow_id_is_422(client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await client.get("/api/v1/monitor/messages", params={"flow_id": "nope"}, headers=alice.headers)
    assert r.status_code == 422
    assert "flow_id" in r.json()["detail"]


async def test_needs_credentials(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/monitor/messages")
    assert r.status_code == 401
