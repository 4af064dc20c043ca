"""Save-time structural validation (design.md "Parsing")."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from flowql.engine import validate_flow_data
from flowql.engine.graph import parse_flow
from flowql.errors import InvalidInput
from tests.shared_files import load_json, require_shared
from tests.unit._engine_helpers import chat_in, chat_out, edge, load_case


def _flow_files() -> list[Path]:
    langflow = sorted(require_shared("flows", "langflow").glob("*.json"))
    cases = sorted(
        p
        for p in require_shared("flows", "cases").glob("*.json")
        if not p.name.endswith((".requests.json", ".expected.json"))
    )
    assert len(langflow) >= 19 and len(cases) >= 6
    return langflow + cases


def test_every_shared_flow_passes() -> None:
    import json

    for path in _flow_files():
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        validate_flow_data(data)
        graph = parse_flow(data)
        assert all(v.type not in (None, "note") for v in graph.vertices.values()), path.name


def test_none_and_empty_are_allowed() -> None:
    validate_flow_data(None)
    validate_flow_data({})
    validate_flow_data({"nodes": [], "edges": []})


def _echo() -> dict[str, Any]:
    return {"nodes": [chat_in("A"), chat_out("B")], "edges": [edge("A", "message", "B", "input_value")]}


def _problem(data: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        validate_flow_data(data)
    return info.value


def test_hand_written_flow_passes() -> None:
    validate_flow_data(_echo())


@pytest.mark.parametrize("bad", [[], "x", 3])
def test_data_not_an_object(bad: object) -> None:
    assert _problem(bad).fields[0].path == "data"


def test_nodes_not_a_list() -> None:
    err = _problem({"nodes": {"a": 1}, "edges": []})
    assert "nodes" in err.message and err.fields[0].path == "data.nodes"


def test_edges_not_a_list() -> None:
    assert _problem({"nodes": [], "edges": "x"}).fields[0].path == "data.edges"


def test_duplicate_node_id_names_the_node() -> None:
    data = _echo()
    data["nodes"].append(chat_in("A"))
    err = _problem(data)
    assert "'A'" in err.message and "Node 2" in err.message and err.fields[0].path == "data.nodes[2]"


def test_node_without_id() -> None:
    data = _echo()
    del data["nodes"][1]["id"]
    err = _problem(data)
    assert "Node 1" in err.message


def test_edge_to_missing_node_names_the_edge() -> None:
    data = _echo()
    data["edges"].append(edge("A", "message", "Ghost", "input_value"))
    err = _problem(data)
    assert "Edge 1" in err.message and "Ghost" in err.message and err.fields[0].path == "data.edges[1]"
    assert "e-A-Ghost-input_value" in err.message


def test_unparseable_string_handle_names_the_edge() -> None:
    data = _echo()
    bad = edge("A", "message", "B", "input_value", strings_only=True)
    bad["targetHandle"] = "{œfieldNameœ: oops"
    data["edges"].append(bad)
    err = _problem(data)
    assert "Edge 1" in err.message and "targetHandle" in err.message


def test_missing_handle_is_rejected() -> None:
    data = _echo()
    del data["edges"][0]["data"]
    del data["edges"][0]["sourceHandle"]
    err = _problem(data)
    assert "Edge 0" in err.message and "sourceHandle" in err.message


def test_string_only_handles_parse_and_loop_feedback_handles_are_accepted() -> None:
    data = _echo()
    data["edges"] = [edge("A", "message", "B", "input_value", strings_only=True)]
    feedback = edge("B", "message", "A", "unused")
    feedback["data"]["targetHandle"] = {
        "dataType": "Loop",
        "id": "A",
        "name": "item",
        "output_types": ["Data"],
    }
    feedback["targetHandle"] = "{œdataTypeœ: œLoopœ, œidœ: œAœ, œnameœ: œitemœ, œoutput_typesœ: [œDataœ]}"
    data["edges"].append(feedback)
    validate_flow_data(data)
    graph = parse_flow(data)
    assert graph.edges[0].source_output == "message" and graph.edges[0].target_field == "input_value"
    assert graph.edges[1].target_field is None and graph.edges[1].target_output == "item"


def test_note_nodes_are_ignored() -> None:
    flow = load_json("flows", "langflow", "Basic Prompting.json")
    graph = parse_flow(flow["data"])
    assert "undefined-Ua7t1" not in graph.vertices and "note-Px1sq" not in graph.vertices
    assert "ChatInput-b6UCc" in graph.vertices


def test_parse_never_mutates_input() -> None:
    flow = load_case("two-vars")
    before = copy.deepcopy(flow)
    graph = parse_flow(flow["data"])
    graph.vertices["Prompt-v2"].template["greeting"]["value"] = "changed"
    assert flow == before
