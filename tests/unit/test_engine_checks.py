"""Checks that run before any vertex starts: cycles named precisely, bad prompt templates."""

from __future__ import annotations

import pytest

from flowql.engine import RunRequest, run_flow
from flowql.errors import InvalidInput
from tests.unit._engine_helpers import edge, load_case, services, text_in, text_out


async def test_cycle_message_names_only_the_vertices_on_the_cycle() -> None:
    data = {
        "nodes": [text_in("T"), text_out("A"), text_out("B"), text_out("C")],
        "edges": [
            edge("T", "text", "A", "input_value"),
            edge("A", "text", "B", "input_value"),
            edge("B", "text", "A", "input_value"),
            edge("B", "text", "C", "input_value"),
        ],
    }
    svc, _, _ = services()
    with pytest.raises(InvalidInput) as info:
        await run_flow(data, RunRequest(flow_id="f", session_id="s"), svc)
    assert "cycle through A, B and" in info.value.message


async def test_self_loop_names_only_itself() -> None:
    data = {
        "nodes": [text_in("T"), text_out("A"), text_out("B")],
        "edges": [edge("A", "text", "A", "input_value"), edge("A", "text", "B", "input_value")],
    }
    svc, _, _ = services()
    with pytest.raises(InvalidInput) as info:
        await run_flow(data, RunRequest(flow_id="f", session_id="s"), svc)
    assert "cycle through A and" in info.value.message


async def test_unbalanced_prompt_template_fails_before_anything_is_stored() -> None:
    flow = load_case("prompt")
    svc, store, log = services()
    request = RunRequest(
        flow_id="f", session_id="s", input_value="x", tweaks={"Prompt-p2": {"template": "{x"}}
    )
    with pytest.raises(InvalidInput) as info:
        await run_flow(flow["data"], request, svc)
    assert "Prompt-p2" in info.value.message
    assert info.value.fields[0].path == "nodes.Prompt-p2.template"
    assert store.messages == []
    assert "end_vertex" not in log.names and log.names[-1] == "end"


async def test_prompt_template_type_alias_runs_like_prompt() -> None:
    flow = load_case("prompt")
    for node in flow["data"]["nodes"]:
        if node["data"]["type"] == "Prompt":
            node["data"]["type"] = "Prompt Template"
    svc, _, _ = services()
    outcome = await run_flow(flow["data"], RunRequest(flow_id="f", session_id="s", input_value="alias"), svc)
    assert [o.text for o in outcome.outputs] == ["You said: alias"]


async def test_a_non_string_component_type_is_named_in_the_error() -> None:
    from flowql.errors import UnsupportedComponent
    from tests.unit._engine_helpers import node

    data = {"nodes": [node("a", "x", {}, ["text"])], "edges": []}
    data["nodes"][0]["data"]["type"] = 5
    svc, _, _ = services()
    with pytest.raises(UnsupportedComponent) as info:
        await run_flow(data, RunRequest(flow_id="f", session_id="s", output_type="debug"), svc)
    assert info.value.component_type == "5" and "'5'" in info.value.message
