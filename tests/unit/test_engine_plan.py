"""Planning: partial runs (start/stop ids vs the peer captures), cycles, unsupported components."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flowql.engine import RunRequest, run_flow
from flowql.errors import InvalidInput, UnsupportedComponent
from tests.shared_files import load_json, require_shared
from tests.unit._engine_helpers import edge, load_case, node, services, text_in, text_out


def _captured_events(name: str) -> list[dict[str, Any]]:
    text = require_shared("peer", name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"event"')]


@pytest.mark.parametrize(
    ("capture", "params"),
    [
        ("build_events_stop_component.txt", {"stop_component_id": "Prompt-bL"}),
        ("build_events_start_component.txt", {"start_component_id": "Prompt-bR"}),
        ("build_events_branches.txt", {}),
    ],
)
async def test_partial_runs_match_peer(capture: str, params: dict[str, Any]) -> None:
    peer = _captured_events(capture)
    flow = load_case("branches")
    svc, store, log = services()
    request = RunRequest(flow_id=flow["id"], session_id="s", input_value="x", output_type="any", **params)
    outcome = await run_flow(flow["data"], request, svc)

    (peer_sorted,) = [e["data"] for e in peer if e["event"] == "vertices_sorted"]
    (ours,) = log.of("vertices_sorted")
    assert set(ours["ids"]) == set(peer_sorted["ids"])
    assert set(ours["to_run"]) == set(peer_sorted["to_run"])
    peer_ran = {e["data"]["build_data"]["id"] for e in peer if e["event"] == "end_vertex"}
    assert {d["build_data"]["id"] for d in log.of("end_vertex")} == peer_ran
    assert sorted(log.names) == sorted(e["event"] for e in peer)
    assert log.names[:2] == ["vertices_sorted", "build_start"] and log.names[-1] == "end"
    ran_outputs = {v for v in peer_ran if v.startswith("ChatOutput")}
    assert {o.component_id for o in outcome.outputs} == ran_outputs
    assert len(store.messages) == 1 + len(ran_outputs)


async def test_stop_component_runs_ancestors_only() -> None:
    flow = load_case("branches")
    svc, _, _ = services()
    request = RunRequest(
        flow_id="f", session_id="s", input_value="x", output_type="debug", stop_component_id="Prompt-bL"
    )
    outcome = await run_flow(flow["data"], request, svc)
    assert [o.component_id for o in outcome.outputs] == ["ChatInput-b1", "Prompt-bL"]
    assert [o.text for o in outcome.outputs] == ["x", "left:x"]


@pytest.mark.parametrize("field", ["start_component_id", "stop_component_id", "output_component"])
async def test_unknown_component_ids_are_rejected(field: str) -> None:
    flow = load_case("branches")
    svc, store, log = services()
    with pytest.raises(InvalidInput) as info:
        ids: dict[str, Any] = {field: "Nope-1"}
        await run_flow(flow["data"], RunRequest(flow_id="f", session_id="s", **ids), svc)
    assert "Nope-1" in info.value.message and info.value.fields[0].path == field
    assert store.messages == [] and log.names == ["error", "end"]


async def test_cycle_is_rejected_before_running() -> None:
    data = {
        "nodes": [text_in("T"), text_out("A"), text_out("B")],
        "edges": [
            edge("T", "text", "A", "input_value"),
            edge("A", "text", "B", "input_value"),
            edge("B", "text", "A", "input_value"),
        ],
    }
    svc, _, log = services()
    with pytest.raises(InvalidInput) as info:
        await run_flow(data, RunRequest(flow_id="f", session_id="s"), svc)
    assert "cycle" in info.value.message and "A" in info.value.message
    assert "end_vertex" not in log.names


async def test_unsupported_component_names_node_and_type_before_anything_runs() -> None:
    flow = load_json("flows", "langflow", "Knowledge Retrieval.json")
    svc, store, log = services()
    with pytest.raises(UnsupportedComponent) as info:
        await run_flow(flow["data"], RunRequest(flow_id=flow["id"], session_id="s", input_value="hi"), svc)
    assert info.value.node_id == "Knowledge-Y8gm2"
    assert info.value.component_type == "Knowledge"
    assert "Knowledge-Y8gm2" in info.value.message
    assert store.messages == []
    assert "end_vertex" not in log.names and log.names[-1] == "end"


async def test_unsupported_component_outside_partial_run_is_fine() -> None:
    data = {
        "nodes": [text_in("T", "ok"), text_out("O"), node("X", "Mystery", {"input_value": ""}, ["out"])],
        "edges": [edge("T", "text", "O", "input_value"), edge("O", "text", "X", "input_value")],
    }
    svc, _, _ = services()
    request = RunRequest(flow_id="f", session_id="s", output_type="text", stop_component_id="O")
    outcome = await run_flow(data, request, svc)
    assert [o.text for o in outcome.outputs] == ["ok"]
    with pytest.raises(UnsupportedComponent) as info:
        await run_flow(data, RunRequest(flow_id="f", session_id="s"), svc)
    assert (info.value.node_id, info.value.component_type) == ("X", "Mystery")
