"""``POST /api/v1/run/{flow_id_or_name}``: the shared cases, the response shape, sessions,
tweaks and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cases import (
    CASE_NAMES,
    case_names_on_disk,
    create_flow_rest,
    load_case,
    messages_rest,
    output_pairs,
    run_rest,
    same_structure,
)
from tests.conftest import TestUser


def test_case_list_matches_shared_folder(shared_dir: Path) -> None:
    assert sorted(CASE_NAMES) == case_names_on_disk(shared_dir)


@pytest.mark.parametrize("name", CASE_NAMES)
async def test_case_gives_recorded_texts(
    name: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    case = load_case(shared_dir, name)
    flow = await create_flow_rest(client, alice.headers, case.flow)
    for run in case.runs:
        r = await run_rest(client, alice.headers, flow["id"], run.body)
        assert r.status_code == run.status, (run.body, r.text)
        assert output_pairs(r.json()) == run.outputs, run.body


@pytest.mark.parametrize("name", ["prompt", "two-vars"])
async def test_case_through_wrapped_body(
    name: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    case = load_case(shared_dir, name)
    flow = await create_flow_rest(client, alice.headers, case.flow)
    for run in case.runs:
        body = {"input_request": run.body, "context": {"note": "ignored"}}
        r = await run_rest(client, alice.headers, flow["id"], body)
        assert r.status_code == 200, r.text
        assert output_pairs(r.json()) == run.outputs


def _node_id(flow: dict[str, Any], component_type: str) -> str:
    ids = [n["id"] for n in flow["data"]["nodes"] if n["data"].get("type") == component_type]
    assert len(ids) == 1, (component_type, ids)
    return str(ids[0])


async def test_prompt_run_response_matches_peer(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    case = load_case(shared_dir, "prompt")
    flow = await create_flow_rest(client, alice.headers, case.flow)
    r = await run_rest(client, alice.headers, flow["id"], case.runs[0].body)
    assert r.status_code == 200, r.text
    body = r.json()
    peer = json.loads((shared_dir / "peer" / "run_response_prompt_flow.json").read_text())
    assert same_structure(body, peer) == []

    chat_output = _node_id(case.flow, "ChatOutput")
    prompt = _node_id(case.flow, "Prompt")
    assert body["session_id"] == flow["id"]
    [result] = body["outputs"][0]["outputs"]
    assert result["component_id"] == chat_output
    assert result["component_display_name"] == "Chat Output"
    assert [m["component_id"] for m in result["messages"]] == [chat_output]
    message = result["results"]["message"]
    for shaped in (message, message["data"]):
        assert shaped["sender"] == "Machine"
        assert shaped["sender_name"] == "AI"
        assert shaped["session_id"] == flow["id"]
        assert shaped["flow_id"] == flow["id"]
        assert shaped["properties"]["source"]["id"] == prompt
        assert shaped["text"] == "You said: hello"
    assert body["outputs"][0]["inputs"] == {"input_value": "hello"}

    stored = await messages_rest(client, alice.headers, flow_id=flow["id"])
    assert [(m["sender"], m["text"]) for m in stored] == [("User", "hello"), ("Machine", "You said: hello")]
    assert stored[1]["id"] == message["data"]["id"]
    assert stored[1]["properties"]["source"]["id"] == prompt
    assert {m["session_metadata"]["graph_run_id"] for m in stored} == {message["data"]["run_id"]}


async def test_session_sent_is_used_and_echoed(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "echo").flow)
    r = await run_rest(client, alice.headers, flow["id"], {"input_value": "a", "session_id": "s-1"})
    assert r.status_code == 200
    assert r.json()["session_id"] == "s-1"
    assert r.json()["outputs"][0]["outputs"][0]["results"]["message"]["session_id"] == "s-1"
    r = await run_rest(client, alice.headers, flow["id"], {"input_value": "b"})
    assert r.json()["session_id"] == flow["id"]

    in_s1 = await messages_rest(client, alice.headers, flow_id=flow["id"], session_id="s-1")
    assert [m["text"] for m in in_s1] == ["a", "a"]
    assert {m["session_id"] for m in in_s1} == {"s-1"}
    default = await messages_rest(client, alice.headers, flow_id=flow["id"], session_id=flow["id"])
    assert [m["text"] for m in default] == ["b", "b"]


@pytest.mark.parametrize("session", ["default", "1"])
async def test_two_users_same_session_never_mix(
    session: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    export = load_case(shared_dir, "echo").flow
    flow_a = await create_flow_rest(client, alice.headers, export)
    flow_b = await create_flow_rest(client, bob.headers, export)
    for user, flow, text in ((alice, flow_a, "from alice"), (bob, flow_b, "from bob")):
        r = await run_rest(client, user.headers, flow["id"], {"input_value": text, "session_id": session})
        assert r.status_code == 200
        assert r.json()["session_id"] == session
    seen_a = await messages_rest(client, alice.headers, session_id=session)
    seen_b = await messages_rest(client, bob.headers, session_id=session)
    assert [m["text"] for m in seen_a] == ["from alice", "from alice"]
    assert [m["text"] for m in seen_b] == ["from bob", "from bob"]
    # bob filtering on alice's flow id sees nothing
    assert await messages_rest(client, bob.headers, flow_id=flow_a["id"]) == []


async def test_unknown_tweak_key_is_422_naming_it_and_stores_nothing(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "prompt").flow)
    for tweaks, name in (
        ({"NoSuchNode-1": {"template": "x"}}, "NoSuchNode-1"),
        ({"no_such_field_anywhere": "x"}, "no_such_field_anywhere"),
    ):
        r = await run_rest(client, alice.headers, flow["id"], {"input_value": "hi", "tweaks": tweaks})
        assert r.status_code == 422, r.text
        assert name in json.dumps(r.json()["detail"])
    assert await messages_rest(client, alice.headers, flow_id=flow["id"]) == []


async def test_tweak_on_edge_fed_field_has_no_effect(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    case = load_case(shared_dir, "prompt")
    flow = await create_flow_rest(client, alice.headers, case.flow)
    chat_output = _node_id(case.flow, "ChatOutput")  # its input_value is fed by the Prompt
    body = {"input_value": "hello", "tweaks": {chat_output: {"input_value": "tweaked"}}}
    r = await run_rest(client, alice.headers, flow["id"], body)
    assert r.status_code == 200, r.text
    assert output_pairs(r.json()) == [(chat_output, "You said: hello")]


async def test_run_by_endpoint_name_only_own(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    export = {**load_case(shared_dir, "echo").flow, "endpoint_name": "my-echo"}
    await create_flow_rest(client, alice.headers, export)
    r = await run_rest(client, alice.headers, "my-echo", {"input_value": "by name"})
    assert r.status_code == 200, r.text
    assert output_pairs(r.json())[0][1] == "by name"
    r = await run_rest(client, bob.headers, "my-echo", {"input_value": "x"})
    assert r.status_code == 404
    assert r.json() == {"detail": "Flow not found"}


async def test_run_missing_or_foreign_flow_is_404(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "echo").flow)
    for user, target in (
        (bob, flow["id"]),
        (alice, "00000000-0000-4000-8000-000000000000"),
        (alice, "no-such-endpoint"),
    ):
        r = await run_rest(client, user.headers, target, {"input_value": "x"})
        assert r.status_code == 404, target
        assert r.json() == {"detail": "Flow not found"}
    assert await messages_rest(client, alice.headers, flow_id=flow["id"]) == []


async def test_run_needs_credentials(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "echo").flow)
    r = await client.post(f"/api/v1/run/{flow['id']}", json={"input_value": "x"})
    assert r.status_code == 401
    r = await client.post(f"/api/v1/run/{flow['id']}", json={}, headers={"x-api-key": "sk-wrong"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"input_type": "json"}, "input_type"),
        ({"output_type": "everything"}, "output_type"),
        ({"input_request": {"input_type": "bogus"}}, "input_type"),
        ({"tweaks": ["not", "an", "object"]}, "tweaks"),
        ({"input_value": ["x"]}, "input_value"),
    ],
)
async def test_invalid_run_body_is_422(
    body: dict[str, Any], field: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, load_case(shared_dir, "echo").flow)
    r = await run_rest(client, alice.headers, flow["id"], body)
    assert r.status_code == 422
    assert field in json.dumps(r.json()["detail"])
    assert await messages_rest(client, alice.headers, flow_id=flow["id"]) == []


async def test_run_without_body_uses_stored_values(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    case = load_case(shared_dir, "hello-world")
    flow = await create_flow_rest(client, alice.headers, case.flow)
    r = await client.post(f"/api/v1/run/{flow['id']}", headers=alice.headers)
    assert r.status_code == 200, r.text
    assert [text for _, text in output_pairs(r.json())] == ["Hello, World!"]
