"""The assistant routes (``/api/v1/agentic/execute/{flow_name}``, ``/assist``,
``/assist/stream``): flow files run from FLOWQL_AGENTIC_FLOWS_DIR's index only, the stream's
chunks and its single end, and the answers when nothing is configured."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest

from flowql.context import Context
from flowql.errors import NotFound
from flowql.resolvers import agentic
from flowql.services import AppServices
from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.conftest import TestUser
from tests.model_server import ModelServer, error, stream, text
from tests.rest_compat.agentic_support import model_flow, sse_events, write_flow

BODY = {"flow_id": "flow-being-edited", "input_value": "hello"}


@pytest.fixture
def flows_dir(settings: Settings, tmp_path: Path) -> Path:
    """A configured flows directory holding ``echo.json`` and ``assistant.json`` (a model flow,
    the configured assistant)."""
    directory = tmp_path / "agentic"
    write_flow(directory, "echo", fb.echo_flow("echo"))
    write_flow(directory, "assistant", model_flow())
    settings.agentic_flows_dir = directory
    settings.assistant_flow = "assistant"
    return directory


async def test_execute_runs_the_named_flow_file(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path
) -> None:
    r = await client.post("/api/v1/agentic/execute/echo", json=BODY, headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] == "hello"
    assert body["type"] == "message"
    assert body["component"] == "Chat Output"
    assert body["component_id"] == "ChatOutput-a"
    assert body["success"] is True
    assert len(body["session_id"]) == 36  # a fresh session per request, as Langflow


async def test_execute_keeps_a_given_session(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path
) -> None:
    r = await client.post(
        "/api/v1/agentic/execute/echo", json={**BODY, "session_id": "mine"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["session_id"] == "mine"


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fx",
        "..%2Foutside%2Fsecret",
        "..",
        "...",
        "%2E%2E",
        "sub%2Finner",
        "..%5C..%5Cx",
        "sub%5Cinner",
        "echo.json",
        "linked",
        "notes",
        "x%00",
    ],
)
async def test_names_outside_the_index_are_404_and_nothing_outside_is_read(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path, tmp_path: Path, name: str
) -> None:
    # Runnable flow files outside the directory, below it and linked into it: none is reachable.
    outside = write_flow(tmp_path / "outside", "secret", fb.echo_flow("outside"))
    write_flow(tmp_path, "x", fb.echo_flow("x"))
    write_flow(flows_dir / "sub", "inner", fb.echo_flow("inner"))
    os.symlink(outside, flows_dir / "linked.json")
    (flows_dir / "notes.txt").write_text("{}")
    r = await client.post(f"/api/v1/agentic/execute/{name}", json=BODY, headers=alice.headers)
    assert r.status_code in (404, 422), r.text
    assert "outside" not in r.text and str(tmp_path) not in r.text
    if r.status_code == 404 and r.json().get("detail") not in (None, "Not Found"):
        assert r.json()["detail"].startswith("Flow '")


async def test_a_broken_flow_file_is_422_naming_the_flow_not_the_path(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path
) -> None:
    (flows_dir / "broken.json").write_text("{not json")
    r = await client.post("/api/v1/agentic/execute/broken", json=BODY, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert "broken" in r.json()["detail"]
    assert str(flows_dir) not in r.text


async def test_not_configured_is_404_naming_the_setting(
    client: httpx.AsyncClient, alice: TestUser, settings: Settings
) -> None:
    assert settings.agentic_flows_dir is None
    settings.assistant_flow = "assistant"
    for path in ("/api/v1/agentic/execute/echo", "/api/v1/agentic/assist", "/api/v1/agentic/assist/stream"):
        r = await client.post(path, json=BODY, headers=alice.headers)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["detail"] == (
            "The assistant is not configured on this server (FLOWQL_AGENTIC_FLOWS_DIR)"
        ), path


async def test_assist_without_an_assistant_flow_is_404(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path, settings: Settings
) -> None:
    settings.assistant_flow = None
    r = await client.post("/api/v1/agentic/assist", json=BODY, headers=alice.headers)
    assert r.status_code == 404
    assert "FLOWQL_ASSISTANT_FLOW" in r.json()["detail"]


async def test_bad_bodies_are_422(client: httpx.AsyncClient, alice: TestUser, flows_dir: Path) -> None:
    for body in ({}, {"flow_id": "f", "max_retries": 99}, {"flow_id": "f", "session_id": "x" * 300}):
        r = await client.post("/api/v1/agentic/assist", json=body, headers=alice.headers)
        assert r.status_code == 422, (body, r.text)


async def test_the_routes_need_credentials(client: httpx.AsyncClient, flows_dir: Path) -> None:
    for path in ("/api/v1/agentic/execute/echo", "/api/v1/agentic/assist", "/api/v1/agentic/assist/stream"):
        r = await client.post(path, json=BODY)
        assert r.status_code == 401
        assert r.json() == {"detail": "Not authenticated"}


async def test_assist_answers_with_the_model_reply(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path, model_server: ModelServer
) -> None:
    model_server.add(stream("Hi ", "there"))
    body = {**BODY, "model_name": "assistant-model", "provider": "OpenAI", "session_id": "s-1"}
    r = await client.post("/api/v1/agentic/assist", json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "result": "Hi there",
        "type": "message",
        "component": "Chat Output",
        "component_id": "ChatOutput-1",
        "success": True,
        "session_id": "s-1",
    }
    sent = model_server.requests[0].body
    assert sent["model"] == "assistant-model"
    assert sent["messages"][-1]["content"] == "hello"


async def test_assist_stream_yields_each_chunk_then_ends_once(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path, model_server: ModelServer
) -> None:
    model_server.add(stream("Hel", "lo, ", "world"))
    r = await client.post("/api/v1/agentic/assist/stream", json=BODY, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    kinds = [e["event"] for e in events]
    assert kinds == ["progress", "token", "token", "token", "progress", "complete"]
    assert [e["chunk"] for e in events if e["event"] == "token"] == ["Hel", "lo, ", "world"]
    assert [e["step"] for e in events if e["event"] == "progress"] == ["generating", "generation_complete"]
    assert events[0]["max_attempts"] == 3
    final = events[-1]["data"]
    assert final["result"] == "Hello, world"
    assert final["component_id"] == "ChatOutput-1"


async def test_assist_stream_ends_once_with_an_error_when_the_model_fails(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path, model_server: ModelServer
) -> None:
    model_server.add(error(429, "slow down"))
    r = await client.post("/api/v1/agentic/assist/stream", json=BODY, headers=alice.headers)
    assert r.status_code == 200, r.text
    events = sse_events(r.text)
    assert [e["event"] for e in events] == ["progress", "error"]
    assert "slow down" in events[-1]["message"]


async def test_execute_reports_a_model_failure_as_502(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path, model_server: ModelServer
) -> None:
    model_server.add(error(500, "provider broke"))
    r = await client.post("/api/v1/agentic/execute/assistant", json=BODY, headers=alice.headers)
    assert r.status_code == 502, r.text
    assert r.json()["detail"]["component_id"] == "LanguageModelComponent-1"


async def test_request_fields_reach_the_flow_as_variables(
    client: httpx.AsyncClient, alice: TestUser, flows_dir: Path, model_server: ModelServer
) -> None:
    """``load_from_db`` fields resolve FLOW_ID / COMPONENT_ID / FIELD_NAME from the request."""
    template = "Flow {flow} component {component} field {field}: {input_value}"
    made = fb.prompt("Prompt-1", template, {"flow": "", "component": "", "field": "", "input_value": ""})
    tpl = made["data"]["node"]["template"]
    for name, var in (("flow", "FLOW_ID"), ("component", "COMPONENT_ID"), ("field", "FIELD_NAME")):
        tpl[name] = fb.field(var, load_from_db=True)
    flow = fb.flow(
        "vars",
        [fb.chat_in("ChatInput-1", ""), made, fb.chat_out("ChatOutput-1")],
        [
            fb.edge("ChatInput-1", "message", "Prompt-1", "input_value"),
            fb.edge("Prompt-1", "prompt", "ChatOutput-1", "input_value"),
        ],
    )
    write_flow(flows_dir, "vars", flow)
    model_server.add(text("unused"))
    body = {**BODY, "component_id": "Agent-9", "field_name": "system_prompt"}
    r = await client.post("/api/v1/agentic/execute/vars", json=body, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json()["result"] == "Flow flow-being-edited component Agent-9 field system_prompt: hello"


#: Paths opened or scanned while :data:`_AUDIT` is recording (a process audit hook).
_AUDIT: list[tuple[str, str]] | None = None


def _audit_hook(event: str, args: tuple[object, ...]) -> None:
    if _AUDIT is not None and event in ("open", "os.scandir", "os.listdir") and args:
        path = os.fsdecode(args[0]) if isinstance(args[0], str | bytes) else str(args[0])
        if not path.startswith((sys.prefix, sys.base_prefix)):  # the interpreter's own modules
            _AUDIT.append((event, path))


sys.addaudithook(_audit_hook)


@pytest.mark.parametrize(
    "name",
    [
        "../outside/secret",
        "../x",
        "..",
        ".",
        "",
        "sub/inner",
        "sub\\inner",
        "..\\..\\x",
        "/etc/passwd",
        "echo.json",
        "linked",
        "notes",
        "x\x00",
        "echo/../echo",
    ],
)
def test_the_resolver_looks_names_up_in_the_index_and_opens_nothing_else(
    settings: Settings, services: AppServices, flows_dir: Path, tmp_path: Path, name: str
) -> None:
    global _AUDIT
    outside = write_flow(tmp_path / "outside", "secret", fb.echo_flow("outside"))
    write_flow(tmp_path, "x", fb.echo_flow("x"))
    write_flow(flows_dir / "sub", "inner", fb.echo_flow("inner"))
    os.symlink(outside, flows_dir / "linked.json")
    (flows_dir / "notes.txt").write_text("{}")
    ctx = Context(settings=settings, sessions=services.sessions)
    _AUDIT = []
    try:
        with pytest.raises(NotFound) as refused:
            agentic.load_indexed_flow(ctx, name)
        seen = list(_AUDIT)
        _AUDIT = []
        assert agentic.load_indexed_flow(ctx, "echo")["nodes"]  # the hook sees a real lookup
        control = list(_AUDIT)
    finally:
        _AUDIT = None
    assert refused.value.message.startswith("Flow '")
    assert seen == [("os.scandir", str(flows_dir))]  # the folder scanned, no file opened
    assert control == [("os.scandir", str(flows_dir)), ("open", str(flows_dir / "echo.json"))]
