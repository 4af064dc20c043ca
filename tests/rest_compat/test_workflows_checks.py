"""``/api/v2/workflows`` after the issue-10 review: strings that are not text in any field are a
422 (never a 500), a flow FlowQL cannot run is a 422 before a job is stored, unknown keys of
the 1.13 form are a 422 while ``output_ids`` and ``globals`` are honoured, and the answer has
Langflow's ``WorkflowExecutionResponse`` shape (``has_errors``, ``output.reason`` /
``source``, echoed inputs, a canonical job id from ``/stop``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from flowql.errors import FieldProblem, InvalidInput
from flowql.rest_compat.errors import install_error_handlers, printable
from flowql.services import AppServices
from tests import flowbuilder as fb
from tests.cases import create_flow_rest, load_case
from tests.conftest import TestUser
from tests.rest_compat.surfaces_support import run_traces, unsupported_flow

URL = "/api/v2/workflows"


async def _flow(client: httpx.AsyncClient, user: TestUser, flow: dict[str, Any]) -> str:
    return str((await create_flow_rest(client, user.headers, flow))["id"])


async def _prompt(shared_dir: Path, client: httpx.AsyncClient, user: TestUser) -> str:
    return await _flow(client, user, load_case(shared_dir, "prompt").flow)


def _raw(user: TestUser) -> dict[str, str]:
    return {**user.headers, "content-type": "application/json"}


def test_printable_escapes_lone_surrogates_only() -> None:
    assert printable({"detail": ["a\ud800b", {"k\udfff": "ok é"}]}) == {
        "detail": ["a\\ud800b", {"k\\udfff": "ok é"}]
    }
    assert printable({"n": 1, "none": None}) == {"n": 1, "none": None}


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ('{"flow_id":"%s","inputs":{"\\ud800":1}}', "inputs"),
        ('{"flow_id":"%s","inputs":{"a\\u0000.b":1}}', "inputs"),
        ('{"flow_id":"%s","input_value":"x","stream_protocol":"\\ud800"}', "stream_protocol"),
        ('{"flow_id":"%s","input_value":"x","output_ids":["\\ud800"]}', "output_ids"),
        ('{"flow_id":"%s","input_value":"x","globals":{"K":"\\ud800"}}', "globals.K"),
    ],
)
async def test_strings_that_are_not_text_are_422_and_nothing_is_stored(
    template: str,
    path: str,
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    services: AppServices,
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    before = await run_traces(services)
    r = await client.post(URL, content=(template % flow_id).encode(), headers=_raw(alice))
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(f"Invalid workflow request: {path} ")
    assert await run_traces(services) == before


async def test_an_error_echoing_a_surrogate_renders_as_a_422() -> None:
    # the root of the review's 500s: an error message that echoes a client's lone surrogate
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/echo")
    async def echo() -> None:
        raise InvalidInput("'\ud800' is not a component", [FieldProblem("outputs", "'\ud800'")])

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/echo")
    assert r.status_code == 422
    assert r.json() == {"detail": "'\\ud800' is not a component"}


@pytest.mark.parametrize(
    "form",
    [
        {"input_value": "hi"},
        {"input_value": "hi", "mode": "background"},
        {"input_value": "hi", "mode": "stream"},
        {"inputs": {"ChatInput-u.input_value": "hi"}},
        {"inputs": {"ChatInput-u.input_value": "hi"}, "background": True},
        {"inputs": {"ChatInput-u.input_value": "hi"}, "stream": True},
    ],
)
async def test_an_unsupported_component_is_422_before_a_job_is_stored(
    form: dict[str, Any], client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    flow_id = await _flow(client, alice, unsupported_flow())
    before = await run_traces(services)
    r = await client.post(URL, json={"flow_id": flow_id, **form}, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert "Mystery-1" in r.json()["detail"]
    assert "MysteryComponent" in r.json()["detail"]
    assert await run_traces(services) == before


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"tweak": {"Prompt-p2": {"template": "X {input_value}"}}}, "tweak"),
        ({"nonsense": 1}, "nonsense"),
        ({"inputs_": {}}, "inputs_"),
    ],
)
async def test_unknown_keys_are_422_as_langflows_additional_properties_false(
    extra: dict[str, Any],
    key: str,
    shared_dir: Path,
    client: httpx.AsyncClient,
    alice: TestUser,
    services: AppServices,
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    before = await run_traces(services)
    r = await client.post(
        URL, json={"flow_id": flow_id, "input_value": "hello", **extra}, headers=alice.headers
    )
    assert r.status_code == 422, r.text
    assert [(e["loc"], e["type"]) for e in r.json()["detail"]] == [(["body", key], "extra_forbidden")]
    assert await run_traces(services) == before


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"data": {"nodes": [], "edges": []}}, "data"),
        ({"files": ["a.txt"]}, "files"),
        ({"start_component_id": "Prompt-p2"}, "start_component_id"),
        ({"stop_component_id": "Prompt-p2"}, "stop_component_id"),
        ({"idempotency_key": "k1"}, "idempotency_key"),
        ({"expose_graph_state": False}, "expose_graph_state"),
    ],
)
async def test_spec_fields_flowql_cannot_honour_are_422_not_supported(
    extra: dict[str, Any], key: str, shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    r = await client.post(
        URL, json={"flow_id": flow_id, "input_value": "hello", **extra}, headers=alice.headers
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(f"Invalid workflow request: {key} ")
    assert "not supported" in r.json()["detail"]
    nulls = {"data": None, "files": None, "idempotency_key": None, "expose_graph_state": True}
    ok = await client.post(
        URL, json={"flow_id": flow_id, "input_value": "hello", **nulls}, headers=alice.headers
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["output"]["text"] == "You said: hello"


async def test_sync_answer_has_langflows_execution_shape(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    r = await client.post(URL, json={"flow_id": flow_id, "input_value": "hello"}, headers=alice.headers)
    body = r.json()
    assert (body["status"], body["errors"], body["has_errors"]) == ("completed", [], False)
    assert body["output"] == {"reason": "single", "text": "You said: hello", "source": "ChatOutput-p3"}
    assert body["inputs"] == {"input_value": "hello"}
    status = await client.get(URL, params={"job_id": body["job_id"]}, headers=alice.headers)
    assert status.json()["output"] == body["output"]
    assert status.json()["has_errors"] is False


async def test_seed_form_echoes_its_inputs(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    inputs = {"ChatInput-p1.input_value": "hello", "ChatInput-p1.session_id": "seed-s"}
    r = await client.post(URL, json={"flow_id": flow_id, "inputs": inputs}, headers=alice.headers)
    body = r.json()
    assert body["inputs"] == inputs
    assert body["session_id"] == "seed-s"
    assert body["output"]["text"] == "You said: hello"


async def test_multiple_outputs_leave_text_null_and_output_ids_pick_one(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, services: AppServices
) -> None:
    flow_id = await _flow(client, alice, load_case(shared_dir, "branches").flow)
    r = await client.post(URL, json={"flow_id": flow_id, "input_value": "x"}, headers=alice.headers)
    body = r.json()
    assert body["output"] == {"reason": "multiple", "text": None, "source": None}
    assert {k: v["content"] for k, v in body["outputs"].items()} == {
        "ChatOutput-bA": "left:x",
        "ChatOutput-bB": "right:x",
    }
    picked = await client.post(
        URL,
        json={"flow_id": flow_id, "input_value": "x", "output_ids": ["ChatOutput-bB"]},
        headers=alice.headers,
    )
    assert picked.json()["output"] == {"reason": "single", "text": "right:x", "source": "ChatOutput-bB"}
    assert set(picked.json()["outputs"]) == {"ChatOutput-bA", "ChatOutput-bB"}  # the full map stays
    before = await run_traces(services)
    for wrong in (["Nope"], ["Prompt-bL"]):
        bad = await client.post(
            URL, json={"flow_id": flow_id, "input_value": "x", "output_ids": wrong}, headers=alice.headers
        )
        assert bad.status_code == 422, bad.text
        assert (
            bad.json()["detail"]
            == f"Invalid workflow request: output_ids '{wrong[0]}' is not an output of this flow"
        )
    assert await run_traces(services) == before


def _global_flow() -> dict[str, Any]:
    value = fb.field("MY_WORKFLOW_GLOBAL", load_from_db=True)
    return fb.flow(
        "globals",
        [
            fb.node("TextInput-g", "TextInput", {"input_value": value}, ["text"], "Text Input"),
            fb.text_out("TextOutput-g"),
        ],
        [fb.edge("TextInput-g", "text", "TextOutput-g", "input_value")],
    )


async def test_globals_reach_load_from_db_fields_and_win_over_headers(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _flow(client, alice, _global_flow())
    headers = {**alice.headers, "X-LANGFLOW-GLOBAL-VAR-MY_WORKFLOW_GLOBAL": "from header"}
    by_header = await client.post(URL, json={"flow_id": flow_id, "input_value": ""}, headers=headers)
    assert by_header.json()["output"]["text"] == "from header", by_header.text
    body = {"flow_id": flow_id, "input_value": "", "globals": {"MY_WORKFLOW_GLOBAL": "from body"}}
    by_body = await client.post(URL, json=body, headers=headers)
    assert by_body.json()["output"]["text"] == "from body", by_body.text
    long_name = await client.post(URL, json={**body, "globals": {"N" * 257: "v"}}, headers=alice.headers)
    assert long_name.status_code == 422


async def test_stop_answers_the_canonical_job_id(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow_id = await _prompt(shared_dir, client, alice)
    r = await client.post(URL, json={"flow_id": flow_id, "input_value": "hello"}, headers=alice.headers)
    job_id = r.json()["job_id"]
    for spelled in (job_id.upper(), f"urn:uuid:{job_id}", "{" + job_id + "}"):
        stop = await client.post(f"{URL}/stop", json={"job_id": spelled}, headers=alice.headers)
        assert stop.status_code == 200, stop.text
        assert stop.json() == {"job_id": job_id, "message": "Job has already finished"}


async def test_a_failed_run_reports_reason_failed_and_has_errors(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    from tests.rest_compat.surfaces_support import BOOM, boom_flow, registered_boom

    with registered_boom():
        flow_id = await _flow(client, alice, boom_flow())
        r = await client.post(URL, json={"flow_id": flow_id, "input_value": "x"}, headers=alice.headers)
    body = r.json()
    assert (body["status"], body["has_errors"]) == ("failed", True), body
    assert body["output"] == {"reason": "failed", "text": None, "source": None}
    assert BOOM in json.dumps(body["errors"])
