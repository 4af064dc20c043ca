"""Control flow in the engine: Loop (body per item, done once, step limit) and If-Else
(the branch not taken is inactivated and produces nothing)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from flowql.engine import EngineServices, RunRequest, run_flow
from flowql.engine.components import Component, ComponentContext, ComponentResult, registry
from flowql.engine.components.control import LoopingComponent
from flowql.engine.graph import parse_flow
from flowql.engine.plan import make_plan
from flowql.errors import ComponentError, InvalidInput
from tests.unit._engine_helpers import chat_in, chat_out, edge, node, services

ROWS = [{"name": "ada", "n": 1}, {"name": "bob", "n": 2}, {"name": "cy", "n": 3}]


class Rows(Component):
    async def run(self, ctx: ComponentContext) -> ComponentResult:
        return ComponentResult({"rows": [dict(r) for r in ROWS]})


class Endless(LoopingComponent):
    async def iterate(self, ctx: ComponentContext) -> AsyncIterator[Any]:
        n = 0
        while True:
            n += 1
            yield {"name": f"item {n}"}

    def finish(self, ctx: ComponentContext, items: list[Any], collected: list[Any]) -> ComponentResult:
        return ComponentResult({"done": collected})


@pytest.fixture(autouse=True)
def custom_types() -> Iterator[None]:
    registry.register("Rows")(Rows)
    registry.register("Endless")(Endless)
    yield
    registry.unregister("Rows", "Endless")


def feedback(source: str, output: str, loop_id: str) -> dict[str, Any]:
    """A loop feedback edge: the target handle has ``name`` and no ``fieldName``."""
    src = {"dataType": "X", "id": source, "name": output, "output_types": ["Message"]}
    tgt = {"dataType": "LoopComponent", "id": loop_id, "name": "item", "output_types": ["Data"]}
    return {
        "id": f"fb-{source}-{loop_id}",
        "source": source,
        "target": loop_id,
        "sourceHandle": json.dumps(src).replace('"', "œ"),
        "targetHandle": json.dumps(tgt).replace('"', "œ"),
        "data": {"sourceHandle": src, "targetHandle": tgt},
    }


def loop_flow(loop_type: str = "LoopComponent") -> dict[str, Any]:
    """Rows → Loop; item → Parser("{name}!") → back into the loop; done → Chat Output."""
    return {
        "nodes": [
            node("Rows-1", "Rows", {}, ["rows"], "Rows"),
            node("Loop-1", loop_type, {"data": ""}, ["item", "done"], "Loop"),
            node(
                "Parser-1",
                "ParserComponent",
                {"input_data": "", "mode": "Parser", "pattern": "{name}!", "sep": "\n"},
                ["parsed_text"],
                "Parser",
            ),
            chat_out("ChatOutput-1"),
        ],
        "edges": [
            edge("Rows-1", "rows", "Loop-1", "data"),
            edge("Loop-1", "item", "Parser-1", "input_data"),
            feedback("Parser-1", "parsed_text", "Loop-1"),
            edge("Loop-1", "done", "ChatOutput-1", "input_value"),
        ],
    }


def _ended(log_events: list[dict[str, Any]], vertex_id: str) -> list[dict[str, Any]]:
    return [e for e in log_events if e["build_data"]["id"] == vertex_id]


async def test_loop_over_three_items_runs_its_body_three_times_and_done_once() -> None:
    svc, store, log = services()
    outcome = await run_flow(loop_flow(), RunRequest(flow_id="f", session_id="s"), svc)
    ends = log.of("end_vertex")
    parser_runs = _ended(ends, "Parser-1")
    assert [r["build_data"]["data"]["outputs"]["parsed_text"]["message"] for r in parser_runs] == [
        "ada!",
        "bob!",
        "cy!",
    ]
    assert len(_ended(ends, "Loop-1")) == 1
    assert len(_ended(ends, "ChatOutput-1")) == 1
    [output] = outcome.outputs
    assert output.text == "ada!\nbob!\ncy!"
    assert [m.text for m in store.messages] == ["ada!\nbob!\ncy!"]
    assert log.names[-1] == "end"


def test_plan_runs_the_body_inside_the_loop() -> None:
    plan = make_plan(parse_flow(loop_flow()), registry)
    assert plan.layers == [["Rows-1"], ["Loop-1"], ["ChatOutput-1"]]
    assert plan.loops == {"Loop-1": [["Parser-1"]]}
    assert set(plan.to_run) == {"Rows-1", "Loop-1", "Parser-1", "ChatOutput-1"}


async def test_runaway_loop_stops_at_the_step_limit_with_error_then_end() -> None:
    store_svc, _store, log = services()
    svc = EngineServices(messages=store_svc.messages, emit=log, max_steps=25)
    with pytest.raises(ComponentError) as caught:
        await run_flow(loop_flow("Endless"), RunRequest(flow_id="f", session_id="s"), svc)
    assert caught.value.failure.error_type == "StepLimit"
    assert log.names[-2:] == ["error", "end"]
    error = log.of("error")[0]
    assert error["error_type"] == "StepLimit"
    assert "25 steps" in error["error"]
    # the body ran until the limit: 25 steps = loop start + (body + next item) per iteration
    assert 10 <= len(_ended(log.of("end_vertex"), "Parser-1")) <= 13
    assert log.names.count("end") == 1


def if_else_flow(*, merge: bool = False) -> dict[str, Any]:
    """Chat Input → If-Else(equals "yes"); True → Prompt → Chat Output T; False → Chat Output F
    (or, with ``merge``, both branches into one Chat Output)."""
    nodes = [
        chat_in("ChatInput-1", "yes"),
        node(
            "If-1",
            "ConditionalRouter",
            {"input_text": "", "operator": "equals", "match_text": "YES", "case_sensitive": False},
            ["true_result", "false_result"],
            "If-Else",
        ),
        node("Prompt-T", "Prompt", {"template": "True branch: {x}", "x": ""}, ["prompt"], "Prompt"),
        chat_out("ChatOutput-T"),
    ]
    nodes[2]["data"]["node"]["custom_fields"] = {"template": ["x"]}
    edges = [
        edge("ChatInput-1", "message", "If-1", "input_text"),
        edge("If-1", "true_result", "Prompt-T", "x"),
        edge("Prompt-T", "prompt", "ChatOutput-T", "input_value"),
    ]
    if merge:
        edges.append(edge("If-1", "false_result", "ChatOutput-T", "input_value"))
    else:
        nodes.append(chat_out("ChatOutput-F"))
        edges.append(edge("If-1", "false_result", "ChatOutput-F", "input_value"))
    return {"nodes": nodes, "edges": edges}


@pytest.mark.parametrize(
    ("text", "ran", "inactive", "shown"),
    [
        ("Yes", "ChatOutput-T", ["ChatOutput-F"], "True branch: Yes"),
        ("nope", "ChatOutput-F", ["Prompt-T", "ChatOutput-T"], "nope"),
    ],
)
async def test_if_else_takes_the_right_branch_and_inactivates_the_other(
    text: str, ran: str, inactive: list[str], shown: str
) -> None:
    svc, store, log = services()
    outcome = await run_flow(if_else_flow(), RunRequest(flow_id="f", session_id="s", input_value=text), svc)
    ends = log.of("end_vertex")
    [router] = _ended(ends, "If-1")
    assert router["build_data"]["inactivated_vertices"] == inactive
    ended_ids = {e["build_data"]["id"] for e in ends}
    assert not ended_ids & set(inactive)
    assert [o.component_id for o in outcome.outputs] == [ran]
    assert outcome.outputs[0].text == shown
    assert [m.text for m in store.messages] == [text, shown]
    assert log.names[-1] == "end"


async def test_if_else_branches_merging_into_one_output_keep_it_active() -> None:
    svc, _store, log = services()
    outcome = await run_flow(
        if_else_flow(merge=True), RunRequest(flow_id="f", session_id="s", input_value="no"), svc
    )
    [router] = _ended(log.of("end_vertex"), "If-1")
    assert router["build_data"]["inactivated_vertices"] == ["Prompt-T"]
    assert [(o.component_id, o.text) for o in outcome.outputs] == [("ChatOutput-T", "no")]


@pytest.mark.parametrize(
    ("operator", "match", "value", "expected"),
    [
        ("contains", "ell", "Hello", "T"),
        ("starts with", "he", "Hello", "T"),
        ("ends with", "x", "Hello", "F"),
        ("not equals", "hello", "Hello", "F"),
        ("regex", "^h.l+o$", "Hello", "T"),
        ("greater than", "10", "11.5", "T"),
        ("less than", "10", "abc", "F"),
    ],
)
async def test_if_else_operators(operator: str, match: str, value: str, expected: str) -> None:
    flow = if_else_flow()
    flow["nodes"][1]["data"]["node"]["template"]["operator"]["value"] = operator
    flow["nodes"][1]["data"]["node"]["template"]["match_text"]["value"] = match
    svc, _store, _log = services()
    outcome = await run_flow(flow, RunRequest(flow_id="f", session_id="s", input_value=value), svc)
    assert [o.component_id for o in outcome.outputs] == [f"ChatOutput-{expected}"]


async def test_if_else_bad_regex_fails_before_anything_runs() -> None:
    flow = if_else_flow()
    flow["nodes"][1]["data"]["node"]["template"]["operator"]["value"] = "regex"
    flow["nodes"][1]["data"]["node"]["template"]["match_text"]["value"] = "(unclosed"
    svc, store, log = services()
    with pytest.raises(InvalidInput) as caught:
        await run_flow(flow, RunRequest(flow_id="f", session_id="s", input_value="x"), svc)
    assert "If-1" in caught.value.message
    assert store.messages == []
    assert log.names == ["error", "end"]
