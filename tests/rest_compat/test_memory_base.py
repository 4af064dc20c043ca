"""The ``MemoryBase`` tool (``retrieve_memory``) in the shared ``Memory Chatbot`` flow through
``POST /api/v1/run``, against the local scripted model server: the agent recalls what the owner
said in another session of this flow when ``filter_by_session`` is off, and only the current
session's memories when it is on; other users' and other flows' messages are never returned; a
``memory_base`` FlowQL does not have is a 422 before anything runs.

Assertions look at the ``tool`` message the model received (the Agent may also send the
session's history, which is not the tool's business)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from flowql.engine.components.memory import NO_MATCH_TEXT
from tests.cases import create_flow_rest, load_langflow, messages_rest, run_rest
from tests.conftest import TestUser
from tests.model_server import ModelServer, text, tool_calls

MEMORY_ID = "MemoryBase-xePih"
AGENT_ID = "Agent-AlLub"
FACT = "My favourite colour is teal"
QUESTION = "What is my favourite colour?"


async def _memory_chatbot(shared_dir: Path, client: httpx.AsyncClient, user: TestUser) -> str:
    created = await create_flow_rest(client, user.headers, load_langflow(shared_dir, "Memory Chatbot.json"))
    flow_id: str = created["id"]
    return flow_id


async def _tell(
    client: httpx.AsyncClient, model_server: ModelServer, user: TestUser, flow_id: str, session: str
) -> None:
    """Run 1: the user states the fact; the model just answers."""
    model_server.add(text("Noted!"))
    r = await run_rest(client, user.headers, flow_id, {"input_value": FACT, "session_id": session})
    assert r.status_code == 200, r.text
    assert r.json()["session_id"] == session


async def _recall(
    client: httpx.AsyncClient,
    model_server: ModelServer,
    user: TestUser,
    flow_id: str,
    session: str,
    *,
    filter_by_session: bool | None = None,
) -> str:
    """A run whose model calls ``retrieve_memory("favourite colour")``; returns the tool's text
    as the model received it."""
    model_server.add(
        tool_calls(("retrieve_memory", {"search_query": "favourite colour"})),
        text("Here is what I remember."),
    )
    body: dict[str, Any] = {"input_value": QUESTION, "session_id": session}
    if filter_by_session is not None:
        body["tweaks"] = {MEMORY_ID: {"filter_by_session": filter_by_session}}
    r = await run_rest(client, user.headers, flow_id, body)
    assert r.status_code == 200, r.text
    assert r.json()["outputs"][0]["outputs"][0]["results"]["message"]["text"] == "Here is what I remember."
    first, last = model_server.requests[-2:]
    [memory_tool] = [t for t in first.body["tools"] if t["function"]["name"] == "retrieve_memory"]
    assert memory_tool["function"]["parameters"]["properties"]["search_query"]["type"] == "string"
    tool_messages = [m for m in last.body["messages"] if m["role"] == "tool"]
    assert len(tool_messages) == 1, tool_messages
    content: str = tool_messages[0]["content"]
    return content


async def test_recall_across_sessions_only_when_the_session_filter_is_off(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    flow_id = await _memory_chatbot(shared_dir, client, alice)
    await _tell(client, model_server, alice, flow_id, "s1")

    recalled = await _recall(client, model_server, alice, flow_id, "s2", filter_by_session=False)
    assert "teal" in recalled
    rows = json.loads(recalled)
    assert rows[0]["text"] == FACT
    assert rows[0]["session_id"] == "s1"
    assert rows[0]["sender"] == "User"
    assert set(rows[0]) == {"text", "sender", "sender_name", "session_id", "timestamp"}
    # the question this run just asked is not a memory
    assert QUESTION not in [row["text"] for row in rows]

    scoped = await _recall(client, model_server, alice, flow_id, "s3")
    assert "teal" not in scoped
    assert scoped == NO_MATCH_TEXT

    # back in s1 with the filter on: the fact is there (and run 2's question in s2 is not)
    in_s1 = json.loads(await _recall(client, model_server, alice, flow_id, "s1"))
    assert [row["text"] for row in in_s1] == [FACT]


async def test_other_users_and_other_flows_are_never_recalled(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser, model_server: ModelServer
) -> None:
    alices_flow = await _memory_chatbot(shared_dir, client, alice)
    await _tell(client, model_server, alice, alices_flow, "s1")

    bobs_flow = await _memory_chatbot(shared_dir, client, bob)
    assert await _recall(client, model_server, bob, bobs_flow, "s1") == NO_MATCH_TEXT
    # across sessions bob finds only his own earlier question, never alice's fact
    bobs = await _recall(client, model_server, bob, bobs_flow, "s1", filter_by_session=False)
    assert "teal" not in bobs
    assert [row["text"] for row in json.loads(bobs)] == [QUESTION]

    alices_other_flow = await _memory_chatbot(shared_dir, client, alice)
    assert await _recall(client, model_server, alice, alices_other_flow, "s1") == NO_MATCH_TEXT
    other = await _recall(client, model_server, alice, alices_other_flow, "s9", filter_by_session=False)
    assert "teal" not in other
    assert [row["text"] for row in json.loads(other)] == [QUESTION]

    # the memory is still there for its owner on its flow
    assert "teal" in await _recall(client, model_server, alice, alices_flow, "s1")


async def test_unknown_memory_base_is_422_before_anything_runs(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    flow_id = await _memory_chatbot(shared_dir, client, alice)
    body = {"input_value": "hi", "session_id": "s1", "tweaks": {MEMORY_ID: {"memory_base": "other"}}}
    r = await run_rest(client, alice.headers, flow_id, body)
    assert r.status_code == 422, r.text
    detail = json.dumps(r.json())
    assert f"{MEMORY_ID}" in detail
    assert "other" in detail
    assert model_server.requests == []
    assert await messages_rest(client, alice.headers, flow_id=flow_id) == []

    # null (as the flow ships) and "" mean this flow's own messages
    model_server.add(text("ok"))
    r = await run_rest(client, alice.headers, flow_id, {**body, "tweaks": {MEMORY_ID: {"memory_base": ""}}})
    assert r.status_code == 200, r.text


async def test_a_public_build_recalls_only_its_own_session(
    shared_dir: Path, client: httpx.AsyncClient, app: FastAPI, alice: TestUser, model_server: ModelServer
) -> None:
    """A PUBLIC flow runs as its owner, yet an anonymous visitor's ``retrieve_memory`` (with
    ``filter_by_session`` off in the flow) sees only the visitor's own session."""
    export = load_langflow(shared_dir, "Memory Chatbot.json")
    for node in export["data"]["nodes"]:
        if node["id"] == MEMORY_ID:
            node["data"]["node"]["template"]["filter_by_session"]["value"] = False
    created = await create_flow_rest(client, alice.headers, {**export, "access_type": "PUBLIC"})
    await _tell(client, model_server, alice, created["id"], "owner-private")

    async def public_build(words: str) -> None:
        body = {"inputs": {"input_value": words, "type": "chat"}}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as anon:
            r = await anon.post(
                f"/api/v1/build_public_tmp/{created['id']}/flow",
                params={"event_delivery": "direct"},
                json=body,
                headers={"cookie": "client_id=visitor-1"},
            )
        assert r.status_code == 200, r.text

    model_server.add(text("Noted!"))
    await public_build("My favourite animal is a walrus")
    model_server.add(
        tool_calls(("retrieve_memory", {"search_query": "favourite colour animal"})), text("Recalled.")
    )
    await public_build(QUESTION)
    [recalled] = [m["content"] for m in model_server.requests[-1].body["messages"] if m["role"] == "tool"]
    assert "walrus" in recalled
    assert "teal" not in recalled
