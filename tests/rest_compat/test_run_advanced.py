"""``POST /api/v1/run/advanced/{flow_id_or_name}``: several inputs, an outputs selection,
tweaks, sessions, streaming, and another user's flow."""

from __future__ import annotations

from pathlib import Path

import httpx

from flowql.services import AppServices
from tests import flowbuilder as fb
from tests.cases import create_flow_rest, load_case, messages_rest, output_pairs
from tests.conftest import TestUser
from tests.rest_compat.build_capture import body_events
from tests.rest_compat.surfaces_support import TWEAK, TWEAKED, run_traces


async def _prompt_flow(shared_dir: Path, client: httpx.AsyncClient, user: TestUser) -> str:
    flow = await create_flow_rest(client, user.headers, load_case(shared_dir, "prompt").flow)
    return str(flow["id"])


async def test_prompt_case_and_tweak(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    url = f"/api/v1/run/advanced/{flow_id}"
    body = {"inputs": [{"components": ["ChatInput-p1"], "input_value": "hello"}], "session_id": "adv"}
    r = await client.post(url, json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json()["session_id"] == "adv"
    assert output_pairs(r.json()) == [("ChatOutput-p3", "You said: hello")]
    tweaked = await client.post(url, json={**body, "tweaks": TWEAK}, headers=alice.headers)
    assert output_pairs(tweaked.json()) == [("ChatOutput-p3", TWEAKED)]
    plain = await client.post(
        url, json={"inputs": [{"input_value": "hello", "type": "chat"}]}, headers=alice.headers
    )
    assert output_pairs(plain.json()) == [("ChatOutput-p3", "You said: hello")]
    assert plain.json()["session_id"] == flow_id
    stored = await messages_rest(client, alice.headers, flow_id=flow_id, session_id="adv")
    assert [m["text"] for m in stored] == ["hello", "You said: hello", "hello", TWEAKED]


async def test_inputs_per_component_and_outputs_selection(client: httpx.AsyncClient, alice: TestUser) -> None:
    export = fb.flow(
        "two-lanes",
        [
            fb.text_in("TextInput-a", ""),
            fb.text_in("TextInput-b", ""),
            fb.text_out("TextOutput-a"),
            fb.text_out("TextOutput-b"),
        ],
        [
            fb.edge("TextInput-a", "text", "TextOutput-a", "input_value"),
            fb.edge("TextInput-b", "text", "TextOutput-b", "input_value"),
        ],
    )
    flow = await create_flow_rest(client, alice.headers, export)
    body = {
        "inputs": [
            {"components": ["TextInput-a"], "input_value": "first"},
            {"components": ["TextInput-b"], "input_value": "second"},
        ]
    }
    r = await client.post(f"/api/v1/run/advanced/{flow['id']}", json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    texts = {o["component_id"]: o["results"]["text"]["text"] for o in r.json()["outputs"][0]["outputs"]}
    assert texts == {"TextOutput-a": "first", "TextOutput-b": "second"}
    only_b = await client.post(
        f"/api/v1/run/advanced/{flow['id']}",
        json={**body, "outputs": ["TextOutput-b"]},
        headers=alice.headers,
    )
    assert [o["component_id"] for o in only_b.json()["outputs"][0]["outputs"]] == ["TextOutput-b"]


async def test_bad_requests_are_422_naming_the_field(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    before = await run_traces(services)
    for body, named in (
        ({"inputs": [{"components": ["Nope-1"], "input_value": "x"}]}, "Nope-1"),
        ({"outputs": ["Missing-2"]}, "Missing-2"),
        ({"inputs": [{"input_value": "x"}, {"input_value": "y"}]}, "only one input"),
        ({"tweaks": {"NoSuchNode": {"template": "x"}}}, "NoSuchNode"),
    ):
        r = await client.post(f"/api/v1/run/advanced/{flow_id}", json=body, headers=alice.headers)
        assert r.status_code == 422, (body, r.text)
        assert named in r.text
    assert await run_traces(services) == before


async def test_stream_ends_with_the_run_response(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    body = {"inputs": [{"components": ["ChatInput-p1"], "input_value": "hello"}], "stream": True}
    r = await client.post(f"/api/v1/run/advanced/{flow_id}", json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    events = body_events(r.text)
    assert [e["event"] for e in events] == ["add_message", "add_message", "end"]
    assert output_pairs(events[-1]["data"]["result"]) == [("ChatOutput-p3", "You said: hello")]


async def test_another_users_flow_is_404_and_nothing_runs(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser, services: AppServices
) -> None:
    flow_id = await _prompt_flow(shared_dir, client, alice)
    before = await run_traces(services)
    for stream in (False, True):
        body = {"inputs": [{"input_value": "hello"}], "stream": stream}
        r = await client.post(f"/api/v1/run/advanced/{flow_id}", json=body, headers=bob.headers)
        assert r.status_code == 404, r.text
        assert r.json() == {"detail": "Flow not found"}
    assert await run_traces(services) == before
