"""The monitor API over GraphQL: ``messages``, ``sessions``, ``transactions`` and ``traces``
keyset connections, ``trace``, ``vertexBuilds``, the message/session/trace mutations, and
``Flow.messages`` / ``Flow.sessions`` / ``Message.flow`` / ``Trace.spans`` through DataLoaders;
two users throughout."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from flowql.services import AppServices
from tests import flowbuilder as fb
from tests.cases import create_flow_rest, messages_rest, run_rest
from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes
from tests.model_server import ModelServer, text, tool_calls
from tests.rest_compat.build_capture import body_events, start_build, stream_events
from tests.rest_compat.monitor_helpers import echo_flow, run, run_id_of


async def _data(
    gql: Gql, user: TestUser, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = await gql(query, variables or {}, headers=user.headers)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


@contextmanager
def _statements(services: AppServices) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", record)


async def test_messages_connection_pages_filters_and_owner(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    one = await echo_flow(client, alice, "one")
    two = await echo_flow(client, alice, "two")
    for i in range(3):
        await run(client, alice, one, f"m{i}", "s")
    await run(client, alice, two, "other", "t")

    seen: list[str] = []
    after = None
    while True:
        page = (await _data(gql, alice, "Messages", {"flowId": one, "first": 2, "after": after}))["messages"]
        seen += [n["text"] for n in _nodes(page)]
        assert len(page["edges"]) <= 2
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["m0", "m0", "m1", "m1", "m2", "m2"]

    users = _nodes((await _data(gql, alice, "Messages", {"sender": "User"}))["messages"])
    assert [(m["text"], m["sessionId"], m["flow"]["name"]) for m in users] == [
        ("m0", "s", "one"),
        ("m1", "s", "one"),
        ("m2", "s", "one"),
        ("other", "t", "two"),
    ]
    assert all(m["files"] == [] and m["edited"] is False for m in users)
    ai = _nodes((await _data(gql, alice, "Messages", {"senderName": "AI", "sessionId": "t"}))["messages"])
    assert [(m["sender"], m["text"]) for m in ai] == [("Machine", "other")]

    assert (await _data(gql, bob, "Messages", {"flowId": one}))["messages"]["edges"] == []
    assert (await _data(gql, bob, "Messages"))["messages"]["edges"] == []

    for variables in ({"first": 0}, {"first": 101}, {"after": "garbage"}, {"flowId": "nope"}):
        body = await gql("Messages", variables, headers=alice.headers)
        assert error_codes(body) == ["INVALID_INPUT"], (variables, body)


async def test_a_cursor_of_another_connection_is_refused(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "x", "s")
    cursor = (await _data(gql, alice, "Transactions", {"flowId": flow, "first": 1}))["transactions"][
        "pageInfo"
    ]["endCursor"]
    body = await gql("Messages", {"after": cursor}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]
    body = await gql("Traces", {"after": cursor}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_sessions_and_flow_fields_are_batched(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser, services: AppServices
) -> None:
    flows = [await echo_flow(client, alice, f"f{i}") for i in range(3)]
    for i, flow in enumerate(flows):
        for session in ("a", "b")[: i + 1]:
            await run(client, alice, flow, f"{i}{session}", session)
    await run(client, alice, flows[0], "again", "a")

    sessions = (await _data(gql, alice, "Sessions", {"flowId": flows[1]}))["sessions"]
    assert [(s["id"], s["messageCount"], s["flow"]["id"]) for s in _nodes(sessions)] == [
        ("a", 2, flows[1]),
        ("b", 2, flows[1]),
    ]
    assert all(s["lastMessageAt"] for s in _nodes(sessions))
    first = (await _data(gql, alice, "Sessions", {"flowId": flows[2], "first": 1}))["sessions"]
    assert [s["id"] for s in _nodes(first)] == ["a"] and first["pageInfo"]["hasNextPage"] is True
    rest = await _data(gql, alice, "Sessions", {"flowId": flows[2], "after": first["pageInfo"]["endCursor"]})
    assert [s["id"] for s in _nodes(rest["sessions"])] == ["b"]
    assert (await _data(gql, bob, "Sessions", {"flowId": flows[1]}))["sessions"]["edges"] == []

    with _statements(services) as statements:
        data = await _data(gql, alice, "FlowConversations", {"sessionId": "a"})
    by_flow = {n["name"]: n for n in _nodes(data["flows"])}
    assert {name: [s["id"] for s in _nodes(n["sessions"])] for name, n in by_flow.items()} == {
        "f0": ["a"],
        "f1": ["a", "b"],
        "f2": ["a", "b"],
    }
    assert [m["text"] for m in _nodes(by_flow["f0"]["messages"])] == ["0a", "0a", "again", "again"]
    assert [m["text"] for m in _nodes(by_flow["f2"]["messages"])] == ["2a", "2a"]
    assert {m["flow"]["name"] for n in by_flow.values() for m in _nodes(n["messages"])} == {"f0", "f1", "f2"}
    # one statement for every flow's messages, one for every flow's sessions, one for Message.flow
    on_messages = [s for s in statements if "FROM message" in s]
    assert len(on_messages) == 2, on_messages
    assert len([s for s in statements if "FROM flow" in s and "flow.id IN" in s]) == 1


async def test_message_flow_of_a_run_result(gql: Gql, client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = await echo_flow(client, alice, "ran")
    body = await _data(
        gql,
        alice,
        'mutation($id: ID!) { runFlow(flowId: $id, input: {inputValue: "hi"}) '
        "{ ... on RunResult { outputs { message { text flow { id name } } } } } }",
        {"id": flow},
    )
    assert body["runFlow"]["outputs"][0]["message"] == {"text": "hi", "flow": {"id": flow, "name": "ran"}}


async def test_update_message(gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "before", "s")
    message = (await messages_rest(client, alice.headers, sender="User"))[0]

    stolen = await _data(gql, bob, "UpdateMessage", {"id": message["id"], "text": "bob"})
    assert stolen == {"updateMessage": None}
    missing = await _data(gql, alice, "UpdateMessage", {"id": str(uuid.uuid4()), "text": "x"})
    assert missing == {"updateMessage": None}
    updated = (await _data(gql, alice, "UpdateMessage", {"id": message["id"], "text": "after"}))[
        "updateMessage"
    ]
    assert (updated["id"], updated["text"], updated["edited"], updated["flow"]["id"]) == (
        message["id"],
        "after",
        True,
        flow,
    )
    assert [m["text"] for m in await messages_rest(client, alice.headers, sender="User")] == ["after"]
    bad = await gql("UpdateMessage", {"id": message["id"], "text": "a\x00b"}, headers=alice.headers)
    assert error_codes(bad) == ["INVALID_INPUT"]


async def test_delete_messages_removes_only_the_callers(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    a_flow = await echo_flow(client, alice)
    b_flow = await echo_flow(client, bob)
    await run(client, alice, a_flow, "a", "s")
    await run(client, bob, b_flow, "b", "s")
    a_ids = [m["id"] for m in await messages_rest(client, alice.headers)]
    b_ids = [m["id"] for m in await messages_rest(client, bob.headers)]

    result = await _data(gql, bob, "DeleteMessages", {"ids": [*a_ids, b_ids[0]]})
    assert result == {"deleteMessages": {"deletedCount": 1}}
    assert [m["id"] for m in await messages_rest(client, alice.headers)] == a_ids
    assert [m["id"] for m in await messages_rest(client, bob.headers)] == b_ids[1:]
    body = await gql("DeleteMessages", {"ids": ["nope"]}, headers=bob.headers)
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_rename_and_delete_session(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    one = await echo_flow(client, alice)
    two = await echo_flow(client, alice)
    bobs = await echo_flow(client, bob)
    await run(client, alice, one, "a1", "s")
    await run(client, alice, two, "a2", "s")
    await run(client, bob, bobs, "b", "s")

    assert await _data(
        gql, bob, "RenameSession", {"oldSessionId": "s", "newSessionId": "x", "flowId": one}
    ) == {"renameSession": {"deletedCount": 0}}
    moved = await _data(
        gql, alice, "RenameSession", {"oldSessionId": "s", "newSessionId": "t", "flowId": one}
    )
    assert moved == {"renameSession": {"deletedCount": 2}}
    sessions_of = {m["flow_id"]: m["session_id"] for m in await messages_rest(client, alice.headers)}
    assert sessions_of == {one: "t", two: "s"}
    assert {m["session_id"] for m in await messages_rest(client, bob.headers)} == {"s"}

    assert await _data(gql, bob, "DeleteSession", {"sessionId": "t"}) == {
        "deleteSession": {"deletedCount": 0}
    }
    assert await _data(gql, alice, "DeleteSession", {"sessionId": "s"}) == {
        "deleteSession": {"deletedCount": 2}
    }
    assert [m["session_id"] for m in await messages_rest(client, alice.headers)] == ["t", "t"]
    assert len(await messages_rest(client, bob.headers)) == 2


async def test_transactions_connection(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    await run(client, alice, flow, "first", "s")
    await run(client, alice, flow, "second", "s")

    page = (await _data(gql, alice, "Transactions", {"flowId": flow, "first": 3}))["transactions"]
    assert page["totalCount"] == 4
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await _data(gql, alice, "Transactions", {"flowId": flow, "after": page["pageInfo"]["endCursor"]})
    nodes = _nodes(page) + _nodes(rest["transactions"])
    assert [n["vertexId"] for n in nodes] == ["ChatOutput-a", "ChatInput-a"] * 2  # newest first
    assert [n["inputs"].get("input_value") for n in nodes if n["vertexId"] == "ChatInput-a"] == [
        "second",
        "first",
    ]
    assert all(n["status"] == "success" and n["targetId"] is None for n in nodes)
    assert nodes[-1]["outputs"] == {"message": {"message": "first", "type": "text"}}
    empty = (await _data(gql, bob, "Transactions", {"flowId": flow}))["transactions"]
    assert (empty["totalCount"], empty["edges"]) == (0, [])


async def test_traces_connection_and_trace(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser, model_server: ModelServer
) -> None:
    echo = await echo_flow(client, alice, "echo-flow")
    plain = run_id_of(await run(client, alice, echo, "hi", "s-echo"))
    model_server.add(
        tool_calls(("evaluate_expression", {"expression": "1+1"})),
        text("2", prompt_tokens=10, completion_tokens=1),
    )
    agent = await create_flow_rest(
        client, alice.headers, fb.agent_flow("agent-flow", [], add_calculator_tool=True)
    )
    r = await run_rest(client, alice.headers, agent["id"], {"input_value": "1+1?", "session_id": "s-agent"})
    assert r.status_code == 200, r.text
    agent_run = run_id_of(r.json())

    listed = (await _data(gql, alice, "Traces"))["traces"]
    assert listed["totalCount"] == 2
    assert [n["id"] for n in _nodes(listed)] == [agent_run, plain]
    assert [n["flow"]["id"] for n in _nodes(listed)] == [agent["id"], echo]
    assert [n["id"] for n in _nodes((await _data(gql, alice, "Traces", {"query": "ECHO-F"}))["traces"])] == [
        plain
    ]
    assert [
        n["id"] for n in _nodes((await _data(gql, alice, "Traces", {"sessionId": "s-agent"}))["traces"])
    ] == [agent_run]
    assert (await _data(gql, alice, "Traces", {"status": "ERROR"}))["traces"]["edges"] == []
    paged = (await _data(gql, alice, "Traces", {"first": 1}))["traces"]
    after = await _data(gql, alice, "Traces", {"first": 1, "after": paged["pageInfo"]["endCursor"]})
    assert [n["id"] for n in _nodes(paged) + _nodes(after["traces"])] == [agent_run, plain]
    future = await _data(gql, alice, "Traces", {"startTime": "2999-01-01T00:00:00Z"})
    assert future["traces"]["edges"] == []

    trace = (await _data(gql, alice, "Trace", {"id": agent_run}))["trace"]
    assert (trace["status"], trace["sessionId"], trace["flow"]["name"]) == ("OK", "s-agent", "agent-flow")
    assert [s["name"] for s in trace["spans"]] == ["Chat Input", "Agent", "Chat Output"]
    children = trace["spans"][1]["children"]
    assert [(c["type"], c["status"]) for c in children] == [("llm", "OK"), ("tool", "OK"), ("llm", "OK")]
    leaves = [c["tokenUsage"]["totalTokens"] for c in children if c["tokenUsage"]]
    assert leaves == [12, 11]
    assert trace["totalTokens"] == sum(leaves) == trace["spans"][1]["tokenUsage"]["totalTokens"]
    assert trace["totalLatencyMs"] >= max(s["latencyMs"] for s in trace["spans"] + children)
    echo_trace = (await _data(gql, alice, "Trace", {"id": plain}))["trace"]
    assert len(echo_trace["spans"]) == 2 and echo_trace["totalTokens"] == 0

    assert await _data(gql, bob, "Trace", {"id": agent_run}) == {"trace": None}
    assert (await _data(gql, bob, "Traces", {"flowId": echo}))["traces"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }


async def test_trace_spans_are_batched(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    flow = await echo_flow(client, alice)
    for i in range(4):
        await run(client, alice, flow, str(i), "s")
    query = "{ traces { edges { node { id spans { name } flow { id } } } } }"
    with _statements(services) as statements:
        data = await _data(gql, alice, query)
    assert [[s["name"] for s in n["spans"]] for n in _nodes(data["traces"])] == [
        ["Chat Input", "Chat Output"]
    ] * 4
    # every trace's spans in one statement (and every total in one more), not one per trace
    assert len([s for s in statements if "FROM span" in s and "span.inputs" in s]) == 1
    assert len([s for s in statements if "FROM span" in s]) == 2
    assert len([s for s in statements if "FROM flow" in s]) == 1


async def test_delete_traces(gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser) -> None:
    one = await echo_flow(client, alice)
    two = await echo_flow(client, alice)
    a = run_id_of(await run(client, alice, one, "1", "s"))
    b = run_id_of(await run(client, alice, one, "2", "s"))
    c = run_id_of(await run(client, alice, two, "3", "s"))

    assert await _data(gql, bob, "DeleteTraces", {"ids": [a, b, c]}) == {"deleteTraces": {"deletedCount": 0}}
    assert await _data(gql, bob, "DeleteTraces", {"flowId": one}) == {"deleteTraces": {"deletedCount": 0}}
    assert await _data(gql, alice, "DeleteTraces", {"ids": [a]}) == {"deleteTraces": {"deletedCount": 1}}
    assert await _data(gql, alice, "DeleteTraces", {"flowId": two, "ids": [b]}) == {
        "deleteTraces": {"deletedCount": 0}
    }
    assert await _data(gql, alice, "DeleteTraces", {"flowId": one}) == {"deleteTraces": {"deletedCount": 1}}
    remaining = (await _data(gql, alice, "Traces"))["traces"]
    assert [n["id"] for n in _nodes(remaining)] == [c]
    body = await gql("DeleteTraces", {}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_vertex_builds(gql: Gql, client: httpx.AsyncClient, alice: TestUser, bob: TestUser) -> None:
    flow = await echo_flow(client, alice)
    job_id = await start_build(client, alice.headers, flow, delivery="streaming")
    assert body_events((await stream_events(client, alice.headers, job_id)).text)[-1]["event"] == "end"

    builds = (await _data(gql, alice, "VertexBuilds", {"flowId": flow}))["vertexBuilds"]
    assert [(b["vertexId"], b["jobId"], b["valid"]) for b in builds] == [
        ("ChatInput-a", job_id, True),
        ("ChatOutput-a", job_id, True),
    ]
    assert all(b["id"] and b["timestamp"] and isinstance(b["params"], str) for b in builds)
    assert (await _data(gql, bob, "VertexBuilds", {"flowId": flow}))["vertexBuilds"] == []


async def test_an_anonymous_public_flow_read_shows_no_messages(
    gql: Gql, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, {**fb.echo_flow("public"), "access_type": "PUBLIC"})
    await run(client, alice, flow["id"], "private words", "s")
    query = (
        "query($id: ID!) { publicFlow(id: $id) "
        "{ name messages { edges { cursor } } sessions { edges { cursor } } } }"
    )
    body = await gql(query, {"id": flow["id"]})
    assert body == {
        "data": {"publicFlow": {"name": "public", "messages": {"edges": []}, "sessions": {"edges": []}}}
    }
