"""``POST /api/v1/responses``: OpenAI's Responses API on a flow — the response object, the
stream of OpenAI event types, previous_response_id, tools, OpenAI's errors; and the streamed
model reply through every streaming surface (responses, v2 workflows, /run?stream=true)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from flowql.services import AppServices
from tests.cases import create_flow_rest, load_case, load_langflow, messages_rest, same_structure
from tests.conftest import TestUser
from tests.model_server import ModelServer, stream
from tests.rest_compat.build_capture import body_events
from tests.rest_compat.surfaces_support import run_traces, sse_events

URL = "/api/v1/responses"
MODEL_ID = "LanguageModelComponent-FLeYF"


def _peer_response(shared_dir: Path) -> dict[str, Any]:
    text = (shared_dir / "peer" / "responses_response.txt").read_text()
    body: dict[str, Any] = json.loads(next(line for line in text.splitlines() if line.startswith("{")))
    return body


async def _prompt_flow(shared_dir: Path, client: httpx.AsyncClient, user: TestUser) -> str:
    flow = await create_flow_rest(client, user.headers, load_case(shared_dir, "prompt").flow)
    return str(flow["id"])


async def test_prompt_case_response_object(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    r = await client.post(URL, json={"model": flow_id, "input": "hello"}, headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert same_structure(body, _peer_response(shared_dir)) == []
    assert body["output"][0]["content"][0]["text"] == "You said: hello"
    assert (body["object"], body["status"], body["model"], body["usage"]) == (
        "response",
        "completed",
        flow_id,
        None,
    )
    stored = await messages_rest(client, alice.headers, flow_id=flow_id, session_id=body["id"])
    assert [m["text"] for m in stored] == ["hello", "You said: hello"]


async def test_previous_response_id_continues_the_session(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    first = (await client.post(URL, json={"model": flow_id, "input": "one"}, headers=alice.headers)).json()
    second = await client.post(
        URL,
        json={"model": flow_id, "input": "two", "previous_response_id": first["id"]},
        headers=alice.headers,
    )
    assert second.status_code == 200, second.text
    assert second.json()["previous_response_id"] == first["id"]
    third = await client.post(
        URL,
        json={"model": flow_id, "input": "three", "previous_response_id": second.json()["id"]},
        headers=alice.headers,
    )
    assert third.json()["output"][0]["content"][0]["text"] == "You said: three"
    stored = await messages_rest(client, alice.headers, flow_id=flow_id, session_id=first["id"])
    assert [m["text"] for m in stored if m["sender"] == "User"] == ["one", "two", "three"]
    # bob cannot continue alice's response, even on his own flow
    own = await _prompt_flow(shared_dir, client, bob)
    r = await client.post(
        URL, json={"model": own, "input": "x", "previous_response_id": first["id"]}, headers=bob.headers
    )
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "invalid_request_error"


async def test_stream_carries_openai_events_with_one_terminal_event(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    r = await client.post(
        URL, json={"model": flow_id, "input": "hello", "stream": True}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [(name, json.loads(data)) for name, data in sse_events(r.text)]
    names = [name for name, _ in events]
    assert names[0] == "response.created"
    assert names[-1] == "response.completed"
    assert sum(n in {"response.completed", "response.failed"} for n in names) == 1
    assert all(data["type"] == name for name, data in events)
    assert [d["sequence_number"] for _, d in events] == list(range(1, len(events) + 1))
    deltas = [d["delta"] for n, d in events if n == "response.output_text.delta"]
    assert "".join(deltas) == "You said: hello"
    completed = events[-1][1]["response"]
    assert completed["output"][0]["content"][0]["text"] == "You said: hello"
    assert completed["status"] == "completed"


async def test_tools_and_bad_bodies_are_openai_400s(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    before = await run_traces(services)
    for body, param in (
        ({"model": flow_id, "input": "x", "tools": [{"type": "web_search"}]}, "tools"),
        ({"model": flow_id}, "input"),
        ({"model": flow_id, "input": 3}, "input"),
    ):
        r = await client.post(URL, json=body, headers=alice.headers)
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert (error["type"], error["param"]) == ("invalid_request_error", param)
        assert set(r.json()) == {"error"} and set(error) == {"message", "type", "param", "code"}
    assert await run_traces(services) == before


async def test_another_users_flow_is_openai_404_and_nothing_runs(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser, services: AppServices
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    before = await run_traces(services)
    for stream_it in (False, True):
        r = await client.post(
            URL, json={"model": flow_id, "input": "hello", "stream": stream_it}, headers=bob.headers
        )
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "model_not_found"
        assert r.json()["error"]["type"] == "invalid_request_error"
    assert await run_traces(services) == before
    anonymous = await client.post(URL, json={"model": flow_id, "input": "hello"})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "invalid_api_key"


async def test_streamed_model_reply_joins_to_the_plain_text_on_every_stream(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, model_server: ModelServer
) -> None:
    chunks = ("Hel", "lo, ", "wor", "ld!")
    model_server.fallback = None
    for _ in range(6):
        model_server.add(stream(*chunks))
    flow = await create_flow_rest(client, alice.headers, load_langflow(shared_dir, "Basic Prompting.json"))
    tweaks = {MODEL_ID: {"stream": True}}
    await client.patch(
        f"/api/v1/flows/{flow['id']}", json={"data": _with_stream(flow["data"])}, headers=alice.headers
    )

    plain = await client.post(
        f"/api/v1/run/{flow['id']}", json={"input_value": "hi", "tweaks": tweaks}, headers=alice.headers
    )
    assert plain.status_code == 200, plain.text
    text = plain.json()["outputs"][0]["outputs"][0]["results"]["message"]["text"]
    assert text == "Hello, world!"

    run = await client.post(
        f"/api/v1/run/{flow['id']}",
        params={"stream": "true"},
        json={"input_value": "hi", "tweaks": tweaks},
        headers=alice.headers,
    )
    events = body_events(run.text)
    assert "".join(e["data"]["chunk"] for e in events if e["event"] == "token") == text
    assert [e["event"] for e in events].count("end") == 1 and events[-1]["event"] == "end"

    workflow = await client.post(
        "/api/v2/workflows",
        json={"flow_id": flow["id"], "input_value": "hi", "tweaks": tweaks, "mode": "stream"},
        headers=alice.headers,
    )
    wf = [(n, json.loads(d)) for n, d in sse_events(workflow.text)]
    assert "".join(d["raw_event"]["chunk"] for n, d in wf if n == "token") == text
    assert [n for n, _ in wf].count("end") == 1 and wf[-1][0] == "end"

    response = await client.post(
        URL, json={"model": flow["id"], "input": "hi", "stream": True}, headers=alice.headers
    )
    rs = [(n, json.loads(d)) for n, d in sse_events(response.text)]
    assert [d["delta"] for n, d in rs if n == "response.output_text.delta"] == list(chunks)
    terminal = [n for n, _ in rs if n in {"response.completed", "response.failed"}]
    assert terminal == ["response.completed"] and rs[-1][0] == "response.completed"
    completed = rs[-1][1]["response"]
    assert completed["output"][0]["content"][0]["text"] == text
    assert completed["usage"]["input_tokens"] == 7 and completed["usage"]["output_tokens"] == 5
    assert completed["usage"]["total_tokens"] == 12


def _with_stream(data: dict[str, Any]) -> dict[str, Any]:
    """The flow's data with the model's ``stream`` on (``/responses`` takes no tweaks)."""
    for node in data["nodes"]:
        if node["id"] == MODEL_ID:
            node["data"]["node"]["template"]["stream"]["value"] = True
    return data
