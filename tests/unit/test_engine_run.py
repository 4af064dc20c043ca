"""Running: registry extension, events, secrets, text I/O, failures, concurrency, cancellation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from flowql.engine import RunRequest, run_flow
from flowql.engine.components import Component, ComponentContext, ComponentRegistry, ComponentResult, registry
from flowql.engine.components import io as builtin_io
from flowql.engine.components import prompt as builtin_prompt
from flowql.errors import ComponentError
from tests.shared_files import require_shared
from tests.unit._engine_helpers import chat_in, chat_out, edge, load_case, node, services, text_in, text_out

HANG_GUARD = 10.0  # seconds; only guards against hangs, never asserts timing


class Uppercase(Component):
    display_name = "Uppercase"

    async def run(self, ctx: ComponentContext) -> ComponentResult:
        return ComponentResult({"text": ctx.text("input_value").upper()})


class Boom(Component):
    async def run(self, ctx: ComponentContext) -> ComponentResult:
        raise RuntimeError("kaboom")


class DataMaker(Component):
    async def run(self, ctx: ComponentContext) -> ComponentResult:
        return ComponentResult({"data": {"text": "from data", "other": 1}})


@pytest.fixture
def custom_types() -> Iterator[None]:
    registry.register("Uppercase")(Uppercase)
    registry.register("Boom")(Boom)
    registry.register("DataMaker")(DataMaker)
    yield
    registry.unregister("Uppercase", "Boom", "DataMaker")


def _upper_flow() -> dict[str, Any]:
    return {
        "nodes": [
            text_in("T", "hello"),
            node("U", "Uppercase", {"input_value": ""}, ["text"]),
            text_out("O"),
        ],
        "edges": [edge("T", "text", "U", "input_value"), edge("U", "text", "O", "input_value")],
    }


async def test_registry_is_extensible(custom_types: None) -> None:
    svc, store, _ = services()
    request = RunRequest(
        flow_id="f", session_id="s", input_type="text", output_type="text", input_value="abc"
    )
    outcome = await run_flow(_upper_flow(), request, svc)
    assert [(o.component_id, o.text) for o in outcome.outputs] == [("O", "ABC")]
    assert store.messages == []  # Text Input / Text Output store nothing
    assert "Uppercase" in registry


async def test_private_registry_can_be_passed() -> None:
    private = ComponentRegistry()
    private.register("Uppercase")(Uppercase)
    private.register("TextInput")(builtin_io.TextInput)
    private.register("TextOutput")(builtin_io.TextOutput)
    svc, _, _ = services()
    request = RunRequest(flow_id="f", session_id="s", output_type="text")
    outcome = await run_flow(_upper_flow(), request, svc, components=private)
    assert [o.text for o in outcome.outputs] == ["HELLO"]
    assert "Uppercase" not in registry
    assert builtin_prompt.Prompt.display_name == "Prompt Template"


async def test_text_io_passes_text_without_storing_and_string_handles_work() -> None:
    data = {
        "nodes": [text_in("T", "stored"), text_out("O")],
        "edges": [edge("T", "text", "O", "input_value", strings_only=True)],
    }
    svc, store, log = services()
    outcome = await run_flow(data, RunRequest(flow_id="f", session_id="s", output_type="any"), svc)
    assert [o.text for o in outcome.outputs] == ["stored"]
    assert outcome.outputs[0].message is None and not outcome.outputs[0].stored_message
    assert store.messages == [] and "add_message" not in log.names


async def test_echo_events_match_peer_order_and_keys() -> None:
    text = require_shared("peer", "build_events_streaming.txt").read_text(encoding="utf-8")
    peer = [json.loads(line) for line in text.splitlines() if line.startswith('{"event"')]
    flow = load_case("echo")
    svc, _, log = services()
    await run_flow(flow["data"], RunRequest(flow_id=flow["id"], session_id="s", input_value="hello"), svc)
    assert log.names == [e["event"] for e in peer]
    for ours, theirs in zip(log.events, peer, strict=True):
        assert set(ours.data) == set(theirs["data"]), ours.event
        if ours.event == "end_vertex":
            assert set(ours.data["build_data"]) == set(theirs["data"]["build_data"])
            assert set(ours.data["build_data"]["data"]) == set(theirs["data"]["build_data"]["data"])
            assert ours.data["output_meta"] == {
                **theirs["data"]["output_meta"],
                "component_id": ours.data["output_meta"]["component_id"],
            }
    # A vertex's add_message comes before its end_vertex.
    names = log.names
    assert names.index("add_message") < names.index("end_vertex")
    json.dumps([e.data for e in log.events])


async def test_concurrent_layer() -> None:
    """Two vertices of one layer run at once: each waits for the other to have started."""
    started: dict[str, asyncio.Event] = {"A": asyncio.Event(), "B": asyncio.Event()}

    class Rendezvous(Component):
        async def run(self, ctx: ComponentContext) -> ComponentResult:
            me = ctx.vertex.id
            other = "B" if me == "A" else "A"
            started[me].set()
            await started[other].wait()
            return ComponentResult({"text": me})

    private = ComponentRegistry()
    private.register("Rendezvous")(Rendezvous)
    data = {
        "nodes": [node("A", "Rendezvous", {}, ["text"]), node("B", "Rendezvous", {}, ["text"])],
        "edges": [],
    }
    svc, _, log = services()
    request = RunRequest(flow_id="f", session_id="s", output_type="debug")
    outcome = await asyncio.wait_for(run_flow(data, request, svc, components=private), HANG_GUARD)
    assert [o.text for o in outcome.outputs] == ["A", "B"]
    assert set(log.of("vertices_sorted")[0]["ids"]) == {"A", "B"}


async def test_component_failure_is_a_component_error(custom_types: None) -> None:
    data = {
        "nodes": [chat_in("C"), node("X", "Boom", {"input_value": ""}, ["text"], "Exploder"), chat_out("O")],
        "edges": [edge("C", "message", "X", "input_value"), edge("X", "text", "O", "input_value")],
    }
    svc, store, log = services()
    with pytest.raises(ComponentError) as info:
        await run_flow(data, RunRequest(flow_id="f", session_id="s", input_value="x"), svc)
    assert info.value.failure.component_id == "X" and info.value.failure.display_name == "Exploder"
    assert "Exploder" in info.value.message and "kaboom" in info.value.message
    assert log.names[-2:] == ["error", "end"] and log.names.count("end") == 1
    assert log.of("error")[0]["component_id"] == "X"
    assert [m.sender for m in store.messages] == ["User"]


async def test_chat_output_renders_data_through_template(custom_types: None) -> None:
    data = {
        "nodes": [node("D", "DataMaker", {}, ["data"]), chat_out("O")],
        "edges": [edge("D", "data", "O", "input_value")],
    }
    svc, _, _ = services()
    outcome = await run_flow(data, RunRequest(flow_id="f", session_id="s"), svc)
    assert [o.text for o in outcome.outputs] == ["from data"]
    msg = outcome.outputs[0].message
    assert msg is not None and msg.properties["source"] == {
        "id": "D",
        "display_name": "DataMaker",
        "source": "DataMaker",
    }


def _secret_flow() -> dict[str, Any]:
    secret = {"value": "MY_SECRET", "type": "str", "show": True, "load_from_db": True}
    return {
        "nodes": [
            node("T", "TextInput", {"input_value": secret}, ["text"], "Secret Text"),
            text_out("O"),
            node("U", "TextInput", {"input_value": {**secret, "value": "UNUSED_VAR"}}, ["text"]),
        ],
        "edges": [edge("T", "text", "O", "input_value")],
    }


async def test_load_from_db_fields_resolve_from_variables() -> None:
    svc, _, _ = services({"MY_SECRET": "s3cret", "UNUSED_VAR": "u"})
    request = RunRequest(flow_id="f", session_id="s", output_type="text")
    outcome = await run_flow(_secret_flow(), request, svc)
    assert [o.text for o in outcome.outputs] == ["s3cret"]


async def test_unresolved_variable_names_component_and_variable() -> None:
    svc, _, _ = services({"UNUSED_VAR": "u"})
    with pytest.raises(ComponentError) as info:
        await run_flow(_secret_flow(), RunRequest(flow_id="f", session_id="s", output_type="text"), svc)
    assert "MY_SECRET" in info.value.message and "Secret Text" in info.value.message
    assert info.value.failure.component_id == "T"
    # Only vertices that run resolve their variables.
    svc, _, _ = services({"MY_SECRET": "s3cret"})
    request = RunRequest(flow_id="f", session_id="s", output_type="text", stop_component_id="O")
    assert [o.text for o in (await run_flow(_secret_flow(), request, svc)).outputs] == ["s3cret"]
    # A tweaked value is a literal, not a variable name.
    svc, _, _ = services()
    tweaks = {"T": {"input_value": "literal"}}
    request = RunRequest(
        flow_id="f", session_id="s", output_type="text", stop_component_id="O", tweaks=tweaks
    )
    assert [o.text for o in (await run_flow(_secret_flow(), request, svc)).outputs] == ["literal"]


async def test_cancellation_reaches_running_components() -> None:
    entered = asyncio.Event()
    cancelled = asyncio.Event()

    class Sleeper(Component):
        async def run(self, ctx: ComponentContext) -> ComponentResult:
            entered.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise
            return ComponentResult({})

    private = ComponentRegistry()
    private.register("Sleeper")(Sleeper)
    data = {"nodes": [node("S", "Sleeper", {}, ["text"])], "edges": []}
    svc, _, log = services()
    task = asyncio.create_task(
        run_flow(data, RunRequest(flow_id="f", session_id="s"), svc, components=private)
    )
    await asyncio.wait_for(entered.wait(), HANG_GUARD)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, HANG_GUARD)
    assert cancelled.is_set()
    assert log.names[-2:] == ["error", "end"] and log.of("error")[0]["code"] == "CANCELLED"


async def test_several_edges_into_one_field_arrive_as_a_list() -> None:
    data = {
        "nodes": [text_in("A", "one"), text_in("B", "two"), chat_out("O")],
        "edges": [edge("A", "text", "O", "input_value"), edge("B", "text", "O", "input_value")],
    }
    svc, _, _ = services()
    outcome = await run_flow(data, RunRequest(flow_id="f", session_id="s"), svc)
    assert [o.text for o in outcome.outputs] == ["one\ntwo"]


async def test_failing_vertex_cancels_its_running_sibling() -> None:
    entered = asyncio.Event()
    cancelled = asyncio.Event()

    class Sleeper(Component):
        async def run(self, ctx: ComponentContext) -> ComponentResult:
            entered.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise
            return ComponentResult({})

    class LateBoom(Component):
        async def run(self, ctx: ComponentContext) -> ComponentResult:
            await entered.wait()
            raise RuntimeError("late kaboom")

    private = ComponentRegistry()
    private.register("Sleeper")(Sleeper)
    private.register("LateBoom")(LateBoom)
    data = {"nodes": [node("S", "Sleeper", {}, ["text"]), node("L", "LateBoom", {}, ["text"])], "edges": []}
    svc, _, log = services()
    with pytest.raises(ComponentError) as info:
        await asyncio.wait_for(
            run_flow(data, RunRequest(flow_id="f", session_id="s"), svc, components=private), HANG_GUARD
        )
    assert info.value.failure.component_id == "L" and "late kaboom" in info.value.message
    assert cancelled.is_set()
    assert log.names[-2:] == ["error", "end"]


async def test_step_limit() -> None:
    data = {"nodes": [text_in("T"), text_out("O")], "edges": [edge("T", "text", "O", "input_value")]}
    store_svc, _, _ = services()
    store_svc.max_steps = 1
    with pytest.raises(ComponentError) as info:
        await run_flow(data, RunRequest(flow_id="f", session_id="s", output_type="text"), store_svc)
    assert info.value.failure.error_type == "StepLimit"
