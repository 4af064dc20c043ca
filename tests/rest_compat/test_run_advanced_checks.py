"""``/api/v1/run/advanced`` (and ``/run``) after the issue-10 review: component and output names
that are not text are a 422 (never a 500), ``outputs`` may name any vertex as in Langflow, a
flow FlowQL cannot run is a 422 on the streamed form too, and the prompt case's tweak gives the
same text through ``/run``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from flowql.services import AppServices
from tests.cases import create_flow_rest, load_case, output_pairs
from tests.conftest import TestUser
from tests.rest_compat.surfaces_support import TWEAK, TWEAKED, run_traces, unsupported_flow


async def _prompt(shared_dir: Path, client: httpx.AsyncClient, user: TestUser) -> str:
    return str((await create_flow_rest(client, user.headers, load_case(shared_dir, "prompt").flow))["id"])


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ('{"inputs":[{"components":["\\ud800"],"input_value":"x"}]}', "inputs.0.components"),
        ('{"inputs":[{"components":["a\\u0000b"],"input_value":"x"}]}', "inputs.0.components"),
        ('{"outputs":["\\ud800"]}', "outputs"),
        ('{"outputs":["a\\u0000b"],"stream":true}', "outputs"),
    ],
)
async def test_names_that_are_not_text_are_422_and_nothing_runs(
    body: str,
    path: str,
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    services: AppServices,
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    before = await run_traces(services)
    headers = {**alice.headers, "content-type": "application/json"}
    r = await client.post(f"/api/v1/run/advanced/{flow_id}", content=body.encode(), headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(f"Invalid run request: {path} must ")
    assert await run_traces(services) == before


async def test_outputs_may_name_any_vertex_by_id_or_display_name(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    url = f"/api/v1/run/advanced/{flow_id}"
    inputs = [{"components": ["ChatInput-p1"], "input_value": "hello"}]
    for wanted in ("Prompt-p2", "Prompt Template"):
        r = await client.post(url, json={"inputs": inputs, "outputs": [wanted]}, headers=alice.headers)
        assert r.status_code == 200, r.text
        outputs = r.json()["outputs"][0]["outputs"]
        assert [o["component_id"] for o in outputs] == ["Prompt-p2"]
        assert outputs[0]["results"]["prompt"]["text"] == "You said: hello"
    both = await client.post(
        url, json={"inputs": inputs, "outputs": ["Prompt-p2", "ChatOutput-p3"]}, headers=alice.headers
    )
    assert [o["component_id"] for o in both.json()["outputs"][0]["outputs"]] == ["Prompt-p2", "ChatOutput-p3"]
    plain = await client.post(url, json={"inputs": inputs}, headers=alice.headers)
    assert output_pairs(plain.json()) == [("ChatOutput-p3", "You said: hello")]


async def test_an_unsupported_component_is_422_plain_and_streamed(
    client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    flow_id = str((await create_flow_rest(client, alice.headers, unsupported_flow()))["id"])
    before = await run_traces(services)
    for stream in (False, True):
        body = {"inputs": [{"input_value": "hi"}], "stream": stream}
        r = await client.post(f"/api/v1/run/advanced/{flow_id}", json=body, headers=alice.headers)
        assert r.status_code == 422, r.text
        assert "Mystery-1" in r.json()["detail"]
    assert await run_traces(services) == before


async def test_prompt_case_and_its_tweak_through_run(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    plain = await client.post(f"/api/v1/run/{flow_id}", json={"input_value": "hello"}, headers=alice.headers)
    assert output_pairs(plain.json()) == [("ChatOutput-p3", "You said: hello")]
    tweaked = await client.post(
        f"/api/v1/run/{flow_id}", json={"input_value": "hello", "tweaks": TWEAK}, headers=alice.headers
    )
    assert tweaked.status_code == 200, tweaked.text
    assert output_pairs(tweaked.json()) == [("ChatOutput-p3", TWEAKED)]
