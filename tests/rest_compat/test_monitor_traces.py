"""``/api/v1/monitor/traces``: list with filters, one trace as its span tree, delete one, delete
a flow's; latency and token totals; two users."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests import flowbuilder as fb
from tests.cases import create_flow_rest, load_case, load_langflow, messages_rest, run_rest, same_structure
from tests.conftest import TestUser
from tests.model_server import ModelServer, error, text, tool_calls
from tests.rest_compat.monitor_helpers import (
    echo_flow,
    run,
    run_id_of,
    trace_rest,
    traces_rest,
    transactions_rest,
)

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
SPAN_KEYS = {
    "id",
    "name",
    "type",
    "status",
    "startTime",
    "endTime",
    "latencyMs",
    "inputs",
    "outputs",
    "error",
    "modelName",
    "tokenUsage",
    "children",
}


def _capture(shared_dir: Path, name: str) -> Any:
    """The JSON body of a ``.txt`` capture (after its ``###`` request line)."""
    return json.loads((shared_dir / "peer" / name).read_text().split("\n", 1)[1])


def _without_io(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` without the free-form ``input``/``output``/``inputs``/``outputs`` objects (their
    keys are each vertex's own) or ``spans``."""
    return {
        k: v
        for k, v in value.items()
        if k not in ("input", "output", "inputs", "outputs", "spans", "children")
    }


def _all_spans(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for span in spans:
        found.append(span)
        found.extend(_all_spans(span["children"]))
    return found


async def test_a_runs_messages_transactions_and_trace_are_readable_when_it_answers(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    body = await run(client, alice, flow, "right away", "now")
    # no waiting: the run wrote its records before answering
    assert [m["text"] for m in await messages_rest(client, alice.headers, flow_id=flow)] == ["right away"] * 2
    assert (await transactions_rest(client, alice, flow_id=flow))["total"] == 2
    listed = await traces_rest(client, alice, flow_id=flow)
    assert [t["id"] for t in listed["traces"]] == [run_id_of(body)]
    trace = await trace_rest(client, alice, run_id_of(body))
    assert trace["sessionId"] == "now"
    assert trace["status"] == "ok"


async def test_traces_are_shaped_like_the_peer(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    case = load_case(shared_dir, "prompt")
    flow = await create_flow_rest(client, alice.headers, case.flow)
    r = await run_rest(client, alice.headers, flow["id"], {"input_value": "hello", "session_id": "s-stream"})
    assert r.status_code == 200, r.text

    listed = await traces_rest(client, alice, flow_id=flow["id"])
    peer_list = _capture(shared_dir, "monitor_traces_response.txt")
    assert set(listed) == set(peer_list)
    assert (listed["total"], listed["pages"]) == (1, 1)
    [summary] = listed["traces"]
    assert same_structure(_without_io(summary), _without_io(peer_list["traces"][0])) == []
    assert summary["input"] == {"input_value": "hello"}
    assert summary["output"]["message"]["text"] == "You said: hello"
    assert same_structure(summary["output"], peer_list["traces"][0]["output"]) == []
    assert summary["name"] == f"{flow['name']} - {flow['id']}"
    assert (summary["flowId"], summary["sessionId"], summary["totalTokens"]) == (flow["id"], "s-stream", 0)
    assert ISO_Z.match(summary["startTime"]), summary["startTime"]

    trace = await trace_rest(client, alice, summary["id"])
    peer = _capture(shared_dir, "monitor_trace_response.txt")
    assert same_structure(_without_io(trace), _without_io(peer)) == []
    assert [s["name"] for s in trace["spans"]] == [s["name"] for s in peer["spans"]]
    for span, theirs in zip(trace["spans"], peer["spans"], strict=True):
        assert set(span) == SPAN_KEYS == set(theirs)
        assert same_structure(_without_io(span), _without_io(theirs)) == []
        assert (span["type"], span["status"], span["children"]) == ("chain", "ok", [])
        assert ISO_Z.match(span["startTime"]) and ISO_Z.match(span["endTime"])
    assert trace["spans"][0]["inputs"]["input_value"] == "hello"
    assert ISO_Z.match(trace["endTime"])
    assert trace["endTime"] >= trace["startTime"]


async def test_a_two_vertex_run_has_two_vertex_spans_within_its_latency(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    trace = await trace_rest(client, alice, run_id_of(await run(client, alice, flow, "hi", "s")))
    assert [(s["name"], s["type"], s["status"]) for s in trace["spans"]] == [
        ("Chat Input", "chain", "ok"),
        ("Chat Output", "chain", "ok"),
    ]
    assert all(s["children"] == [] for s in trace["spans"])
    assert trace["totalLatencyMs"] >= max(s["latencyMs"] for s in trace["spans"])
    assert trace["totalTokens"] == 0
    assert all(s["tokenUsage"] is None and s["modelName"] is None for s in trace["spans"])


async def test_total_tokens_count_each_model_call_once(
    client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(
        tool_calls(("evaluate_expression", {"expression": "2+3"})),
        text("It is 5", prompt_tokens=20, completion_tokens=3),
    )
    export = fb.agent_flow("tokens", [], add_calculator_tool=True)
    flow = await create_flow_rest(client, alice.headers, export)
    r = await run_rest(client, alice.headers, flow["id"], {"input_value": "2+3?"})
    assert r.status_code == 200, r.text
    trace = await trace_rest(client, alice, run_id_of(r.json()))

    assert [s["name"] for s in trace["spans"]] == ["Chat Input", "Agent", "Chat Output"]
    agent = trace["spans"][1]
    assert [(c["type"], c["status"]) for c in agent["children"]] == [
        ("llm", "ok"),
        ("tool", "ok"),
        ("llm", "ok"),
    ]
    model_calls = [c for c in agent["children"] if c["type"] == "llm"]
    assert [c["tokenUsage"] for c in model_calls] == [
        {"promptTokens": 7, "completionTokens": 5, "totalTokens": 12},
        {"promptTokens": 20, "completionTokens": 3, "totalTokens": 23},
    ]
    # the agent's span carries the sum of its model calls; the trace counts each call once
    assert agent["tokenUsage"] == {"promptTokens": 27, "completionTokens": 8, "totalTokens": 35}
    assert trace["totalTokens"] == 35 == sum(c["tokenUsage"]["totalTokens"] for c in model_calls)
    assert trace["totalLatencyMs"] >= max(s["latencyMs"] for s in _all_spans(trace["spans"]))
    listed = await traces_rest(client, alice, flow_id=flow["id"])
    assert listed["traces"][0]["totalTokens"] == 35


async def test_a_language_model_vertex_counts_its_own_usage(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    model_server.add(text("Hi!", prompt_tokens=11, completion_tokens=4))
    flow = await create_flow_rest(client, alice.headers, load_langflow(shared_dir, "Basic Prompting.json"))
    r = await run_rest(client, alice.headers, flow["id"], {"input_value": "hello"})
    assert r.status_code == 200, r.text
    trace = await trace_rest(client, alice, run_id_of(r.json()))
    [model] = [s for s in trace["spans"] if s["type"] == "llm"]
    assert model["tokenUsage"] == {"promptTokens": 11, "completionTokens": 4, "totalTokens": 15}
    assert model["modelName"]
    assert (
        trace["totalTokens"]
        == 15
        == sum((s["tokenUsage"] or {}).get("totalTokens", 0) for s in _all_spans(trace["spans"]))
    )


async def test_filters(client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer) -> None:
    one = await echo_flow(client, alice, "First_Flow")
    two = await echo_flow(client, alice, "second 100%")
    a = run_id_of(await run(client, alice, one, "a", "sess-A"))
    b = run_id_of(await run(client, alice, one, "b", "sess-B"))
    c = run_id_of(await run(client, alice, two, "c", "sess-A"))
    model_server.add(error(400, "bad request"))
    broken = await create_flow_rest(client, alice.headers, fb.agent_flow("broken", []))
    failed = await run_rest(client, alice.headers, broken["id"], {"input_value": "x", "session_id": "sess-F"})
    assert failed.status_code == 502, failed.text

    async def ids(**params: Any) -> list[str]:
        return [t["id"] for t in (await traces_rest(client, alice, **params))["traces"]]

    everything = await ids()
    assert everything[1:] == [c, b, a]  # newest first; the failed run is the newest
    assert await ids(flow_id=one) == [b, a]
    assert await ids(session_id="sess-A") == [c, a]
    assert await ids(flow_id=one, session_id="sess-A") == [a]
    assert await ids(status="ok") == [c, b, a]
    [failed_trace] = (await traces_rest(client, alice, status="error"))["traces"]
    assert (failed_trace["flowId"], failed_trace["status"], failed_trace["sessionId"]) == (
        broken["id"],
        "error",
        "sess-F",
    )
    assert await ids(status="unset") == []
    # query: a case-insensitive substring of the name, the id or the session id; % is literal
    assert await ids(query="first_flow") == [b, a]
    assert await ids(query="SESS-b") == [b]
    assert await ids(query="100%") == [c]
    assert await ids(query="_flow") == [b, a]
    assert await ids(query="%") == [c]
    assert await ids(query="---") == []  # dashes alone name no id (they matched every trace)
    assert await ids(query=a[:13]) == [a]
    assert await ids(query=a.replace("-", "")[4:20].upper()) == [a]
    # start time bounds (inclusive); a naive time is UTC
    now = datetime.now(UTC)
    assert await ids(start_time=(now - timedelta(hours=1)).isoformat()) == everything
    assert await ids(start_time=(now + timedelta(hours=1)).isoformat()) == []
    assert await ids(end_time=(now - timedelta(hours=1)).isoformat()) == []
    naive = (now + timedelta(minutes=5)).replace(tzinfo=None).isoformat()
    assert await ids(end_time=naive) == everything


async def test_pages(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = await echo_flow(client, alice)
    made = [run_id_of(await run(client, alice, flow, str(i), "s")) for i in range(3)]
    first = await traces_rest(client, alice, size=2)
    second = await traces_rest(client, alice, size=2, page=2)
    assert (first["total"], first["pages"]) == (3, 2)
    assert [t["id"] for t in first["traces"] + second["traces"]] == made[::-1]
    assert await traces_rest(client, alice, query="nothing") == {"traces": [], "total": 0, "pages": 1}


async def test_bad_parameters_are_422(client: httpx.AsyncClient, alice: TestUser) -> None:
    for params in (
        {"status": "done"},
        {"flow_id": "x"},
        {"start_time": "yesterday"},
        {"end_time": "2026-13-01"},
        {"page": 0},
        {"page": 2**40},
        {"size": 0},
        {"size": 201},
        {"query": "x" * 256},
        {"session_id": "a\x00"},
    ):
        r = await client.get("/api/v1/monitor/traces", params=params, headers=alice.headers)
        assert r.status_code == 422, (params, r.text)
    for path in ("/api/v1/monitor/traces/nope", "/api/v1/monitor/traces?flow_id=nope"):
        assert (await client.get(path, headers=alice.headers)).status_code == 422
        assert (await client.delete(path, headers=alice.headers)).status_code == 422
    assert (await client.delete("/api/v1/monitor/traces", headers=alice.headers)).status_code == 422


async def test_other_users_traces_are_invisible_and_untouchable(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await echo_flow(client, alice)
    trace_id = run_id_of(await run(client, alice, flow, "secret", "s"))

    assert await traces_rest(client, bob) == {"traces": [], "total": 0, "pages": 1}
    assert (await traces_rest(client, bob, flow_id=flow))["traces"] == []
    assert (await traces_rest(client, bob, query=trace_id))["traces"] == []
    for method in ("GET", "DELETE"):
        r = await client.request(method, f"/api/v1/monitor/traces/{trace_id}", headers=bob.headers)
        assert r.status_code == 404, method
        assert r.json() == {"detail": "Trace not found"}
    r = await client.delete("/api/v1/monitor/traces", params={"flow_id": flow}, headers=bob.headers)
    assert r.status_code == 404
    assert r.json() == {"detail": "Flow not found"}
    assert len((await trace_rest(client, alice, trace_id))["spans"]) == 2


async def test_delete_one_and_delete_a_flows(client: httpx.AsyncClient, alice: TestUser) -> None:
    one = await echo_flow(client, alice)
    two = await echo_flow(client, alice)
    first = run_id_of(await run(client, alice, one, "1", "s"))
    second = run_id_of(await run(client, alice, one, "2", "s"))
    other = run_id_of(await run(client, alice, two, "3", "s"))

    r = await client.delete(f"/api/v1/monitor/traces/{first}", headers=alice.headers)
    assert (r.status_code, r.content) == (204, b"")
    assert (await client.get(f"/api/v1/monitor/traces/{first}", headers=alice.headers)).status_code == 404
    assert (await client.delete(f"/api/v1/monitor/traces/{first}", headers=alice.headers)).status_code == 404
    assert [t["id"] for t in (await traces_rest(client, alice))["traces"]] == [other, second]

    r = await client.delete("/api/v1/monitor/traces", params={"flow_id": one}, headers=alice.headers)
    assert (r.status_code, r.content) == (204, b"")
    assert [t["id"] for t in (await traces_rest(client, alice))["traces"]] == [other]
    missing = await client.delete(
        "/api/v1/monitor/traces", params={"flow_id": str(uuid.uuid4())}, headers=alice.headers
    )
    assert missing.status_code == 404
    # the flow's messages and transactions stay
    assert (await transactions_rest(client, alice, flow_id=one))["total"] == 4
