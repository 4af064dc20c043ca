"""Control flow on harder graphs: an If-Else branch fed by a second input is still inactivated
as a whole; a vertex fed by a loop body and by ``done`` runs once after the loop; start/stop ids
keep a loop and its body together; a cycle into a loop's own input is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from flowql.engine import RunRequest, run_flow
from flowql.engine.components import Component, ComponentContext, ComponentResult, registry
from flowql.engine.graph import parse_flow
from flowql.engine.plan import make_plan
from flowql.errors import InvalidInput
from tests.flowbuilder import prompt
from tests.unit._engine_helpers import chat_in, chat_out, edge, node, services
from tests.unit.test_components_control import ROWS, feedback, loop_flow


class Rows(Component):
    """Rows whatever ``extra`` holds (``extra`` only exists to be wired into a cycle)."""

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        return ComponentResult({"rows": [dict(r) for r in ROWS]})


class TwoOutputs(Component):
    """Declares outputs ``a`` and ``b`` but only produces ``a``."""

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        return ComponentResult({"a": "A-value"})


@pytest.fixture(autouse=True)
def custom_types() -> Iterator[None]:
    registry.register("Rows")(Rows)
    registry.register("TwoOutputs")(TwoOutputs)
    yield
    registry.unregister("Rows", "TwoOutputs")


def _ended(log_events: list[dict[str, Any]], vertex_id: str) -> list[dict[str, Any]]:
    return [e for e in log_events if e["build_data"]["id"] == vertex_id]


def _if_else_two_inputs() -> dict[str, Any]:
    """Chat Input → If-Else(contains "urgent"); true → Chat Output U; false → Prompt N's {x};
    Chat Input also feeds Prompt N's {who}; Prompt N → Chat Output N."""
    router = node(
        "If-1",
        "ConditionalRouter",
        {"input_text": "", "operator": "contains", "match_text": "urgent", "case_sensitive": False},
        ["true_result", "false_result"],
        "If-Else",
    )
    return {
        "nodes": [
            chat_in("ChatInput-1", ""),
            router,
            chat_out("ChatOutput-U"),
            prompt("Prompt-N", "Queued ({who}): {x}", {"x": "", "who": ""}),
            chat_out("ChatOutput-N"),
        ],
        "edges": [
            edge("ChatInput-1", "message", "If-1", "input_text"),
            edge("If-1", "true_result", "ChatOutput-U", "input_value"),
            edge("If-1", "false_result", "Prompt-N", "x"),
            edge("ChatInput-1", "message", "Prompt-N", "who"),
            edge("Prompt-N", "prompt", "ChatOutput-N", "input_value"),
        ],
    }


@pytest.mark.parametrize(
    ("text", "inactive", "shown"),
    [
        ("URGENT: disk full", ["Prompt-N", "ChatOutput-N"], [("ChatOutput-U", "URGENT: disk full")]),
        ("all fine", ["ChatOutput-U"], [("ChatOutput-N", "Queued (all fine): all fine")]),
    ],
)
async def test_if_else_inactivates_a_branch_that_has_a_second_input(
    text: str, inactive: list[str], shown: list[tuple[str, str]]
) -> None:
    svc, store, log = services()
    outcome = await run_flow(
        _if_else_two_inputs(), RunRequest(flow_id="f", session_id="s", input_value=text), svc
    )
    ends = log.of("end_vertex")
    [router] = _ended(ends, "If-1")
    assert router["build_data"]["inactivated_vertices"] == inactive
    assert not {e["build_data"]["id"] for e in ends} & set(inactive)
    assert [(o.component_id, o.text) for o in outcome.outputs] == shown
    assert [m.text for m in store.messages] == [text, shown[0][1]]


async def test_an_output_that_was_not_produced_never_stands_in_for_another() -> None:
    flow = {
        "nodes": [
            node("Two-1", "TwoOutputs", {}, ["a", "b"], "Two"),
            prompt("Prompt-1", "b is [{x}]", {"x": ""}),
            chat_out("ChatOutput-1"),
        ],
        "edges": [
            edge("Two-1", "b", "Prompt-1", "x"),
            edge("Prompt-1", "prompt", "ChatOutput-1", "input_value"),
        ],
    }
    svc, _store, _log = services()
    outcome = await run_flow(flow, RunRequest(flow_id="f", session_id="s"), svc)
    assert [o.text for o in outcome.outputs] == ["b is []"]


def _body_and_done_flow() -> dict[str, Any]:
    """Rows → Loop; item → Parser("{name}!") → back into the loop and into Prompt {x};
    done → Prompt {y}; Prompt → Chat Output."""
    flow = loop_flow()
    flow["nodes"][3:] = [
        prompt("Prompt-1", "last={x} all={y}", {"x": "", "y": ""}),
        chat_out("ChatOutput-1"),
    ]
    flow["edges"][3:] = [
        edge("Parser-1", "parsed_text", "Prompt-1", "x"),
        edge("Loop-1", "done", "Prompt-1", "y"),
        edge("Prompt-1", "prompt", "ChatOutput-1", "input_value"),
    ]
    return flow


def test_plan_keeps_a_done_consumer_out_of_the_body() -> None:
    plan = make_plan(parse_flow(_body_and_done_flow()), registry)
    assert plan.loops == {"Loop-1": [["Parser-1"]]}
    assert plan.layers == [["Rows-1"], ["Loop-1"], ["Prompt-1"], ["ChatOutput-1"]]


async def test_a_vertex_fed_by_the_body_and_by_done_runs_once_after_the_loop() -> None:
    svc, _store, log = services()
    outcome = await run_flow(_body_and_done_flow(), RunRequest(flow_id="f", session_id="s"), svc)
    ends = log.of("end_vertex")
    assert len(_ended(ends, "Parser-1")) == 3
    [prompt_end] = _ended(ends, "Prompt-1")
    [output] = outcome.outputs
    assert output.text is not None
    assert output.text.startswith("last=cy! all=")
    for name in ("ada!", "bob!", "cy!"):
        assert name in output.text.removeprefix("last=cy! all=")
    assert prompt_end["build_data"]["data"]["outputs"]["prompt"]["message"] == output.text
    assert [e["build_data"]["id"] for e in ends][-3:] == ["Loop-1", "Prompt-1", "ChatOutput-1"]


def test_stop_after_a_loop_keeps_the_loop_body() -> None:
    plan = make_plan(parse_flow(loop_flow()), registry, stop_component_id="ChatOutput-1")
    assert set(plan.to_run) == {"Rows-1", "Loop-1", "Parser-1", "ChatOutput-1"}
    assert plan.loops == {"Loop-1": [["Parser-1"]]}


def test_start_at_a_body_vertex_runs_the_whole_loop_and_its_done_consumer() -> None:
    plan = make_plan(parse_flow(loop_flow()), registry, start_component_id="Parser-1")
    assert set(plan.to_run) == {"Rows-1", "Loop-1", "Parser-1", "ChatOutput-1"}
    assert plan.layers == [["Rows-1"], ["Loop-1"], ["ChatOutput-1"]]
    assert plan.loops == {"Loop-1": [["Parser-1"]]}


def test_stop_at_a_body_vertex_runs_the_whole_loop_but_nothing_after_it() -> None:
    plan = make_plan(parse_flow(loop_flow()), registry, stop_component_id="Parser-1")
    assert set(plan.to_run) == {"Rows-1", "Loop-1", "Parser-1"}
    assert plan.loops == {"Loop-1": [["Parser-1"]]}


async def test_stop_after_a_loop_runs_the_body_per_item() -> None:
    svc, _store, log = services()
    request = RunRequest(flow_id="f", session_id="s", stop_component_id="ChatOutput-1")
    outcome = await run_flow(loop_flow(), request, svc)
    assert len(_ended(log.of("end_vertex"), "Parser-1")) == 3
    assert [o.text for o in outcome.outputs] == ["ada!\nbob!\ncy!"]


def test_a_cycle_into_the_loops_own_input_is_refused_naming_it() -> None:
    flow = loop_flow()
    flow["nodes"][0] = node("Rows-1", "Rows", {"extra": ""}, ["rows"], "Rows")
    flow["edges"].append(edge("Parser-1", "parsed_text", "Rows-1", "extra"))
    with pytest.raises(InvalidInput) as caught:
        make_plan(parse_flow(flow), registry)
    message = caught.value.message
    assert "cycle" in message
    for vertex_id in ("Rows-1", "Loop-1", "Parser-1"):
        assert vertex_id in message
    assert caught.value.fields[0].path == "data.edges"


def test_a_loop_body_feeding_the_loops_data_directly_is_refused() -> None:
    flow = loop_flow()
    flow["edges"].append(edge("Parser-1", "parsed_text", "Loop-1", "data"))
    with pytest.raises(InvalidInput) as caught:
        make_plan(parse_flow(flow), registry)
    assert "Loop-1" in caught.value.message
    assert "Parser-1" in caught.value.message


async def test_a_loop_that_only_shows_each_item_runs_the_output_per_item() -> None:
    flow = loop_flow()
    flow["edges"] = [
        edge("Rows-1", "rows", "Loop-1", "data"),
        edge("Loop-1", "item", "Parser-1", "input_data"),
        feedback("Parser-1", "parsed_text", "Loop-1"),
        edge("Parser-1", "parsed_text", "ChatOutput-1", "input_value"),
    ]
    svc, store, _log = services()
    await run_flow(flow, RunRequest(flow_id="f", session_id="s"), svc)
    assert [m.text for m in store.messages] == ["ada!", "bob!", "cy!"]
