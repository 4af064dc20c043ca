"""Tweaks (design.md "Tweaks"): keys, precedence, edge-fed fields, Prompt template re-derivation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from flowql.engine import RunRequest, run_flow
from flowql.errors import InvalidInput
from tests.unit._engine_helpers import load_case, services


async def _run(case: str, tweaks: dict[str, Any], **kw: Any) -> list[str | None]:
    flow = load_case(case)
    svc, _, _ = services()
    request = RunRequest(flow_id=flow["id"], session_id="s", tweaks=tweaks, **kw)
    outcome = await run_flow(flow["data"], request, svc)
    return [o.text for o in outcome.outputs]


async def test_unknown_tweak_key_is_rejected_naming_it() -> None:
    with pytest.raises(InvalidInput) as info:
        await _run("prompt", {"NoSuchThing": {"x": 1}}, input_value="a")
    assert "NoSuchThing" in info.value.message
    assert info.value.fields[0].path == "tweaks.NoSuchThing"


async def test_unknown_inner_field_is_rejected_naming_it() -> None:
    with pytest.raises(InvalidInput) as info:
        await _run("two-vars", {"Prompt-v2": {"nope": "x"}}, input_value="Ada")
    assert "nope" in info.value.message and info.value.fields[0].path == "tweaks.Prompt-v2.nope"
    with pytest.raises(InvalidInput):
        await _run("two-vars", {"Greeter": {"nope": "x"}}, input_value="Ada")


@pytest.mark.parametrize("tweaks", [{"code": "x"}, {"Prompt-v2": {"code": "x"}}, {"Greeter": {"code": "x"}}])
async def test_code_is_never_tweaked(tweaks: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        await _run("two-vars", tweaks, input_value="Ada")
    assert "code" in info.value.message


async def test_component_tweak_must_be_an_object() -> None:
    with pytest.raises(InvalidInput) as info:
        await _run("two-vars", {"Prompt-v2": "x"}, input_value="Ada")
    assert "Prompt-v2" in info.value.message


async def test_tweak_on_edge_fed_field_has_no_effect() -> None:
    tweaks = {"ChatOutput-p3": {"input_value": "ignored"}, "Prompt-p2": {"input_value": "ignored too"}}
    assert await _run("prompt", tweaks, input_value="hello") == ["You said: hello"]


async def test_display_name_and_component_id_tweaks() -> None:
    assert await _run("two-vars", {"Greeter": {"greeting": "Hello"}}, input_value="Ada") == ["Hello, Ada!"]
    assert await _run("two-vars", {"Prompt-v2": {"greeting": "Hey"}}, input_value="Ada") == ["Hey, Ada!"]
    # Component id beats display name, display name beats a bare field tweak.
    both = {"Greeter": {"greeting": "A"}, "Prompt-v2": {"greeting": "B"}, "greeting": "C"}
    assert await _run("two-vars", both, input_value="Ada") == ["B, Ada!"]
    assert await _run("two-vars", {"Greeter": {"greeting": "A"}, "greeting": "C"}, input_value="Ada") == [
        "A, Ada!"
    ]
    assert await _run("two-vars", {"greeting": "C"}, input_value="Ada") == ["C, Ada!"]


async def test_request_input_value_beats_component_tweak() -> None:
    tweaks = {"TextInput-t1": {"input_value": "from tweak"}, "input_value": "bare"}
    assert await _run("tweak", tweaks, input_type="text", input_value="from request") == ["from request"]
    assert await _run("tweak", tweaks, input_type="text") == ["from tweak"]
    assert await _run("tweak", {"input_value": "bare"}, input_type="text") == ["bare"]


async def test_prompt_template_tweak_introduces_new_variable() -> None:
    tweaks = {"Prompt-v2": {"template": "{greeting} {input_value}, {mood}", "mood": "welcome"}}
    assert await _run("two-vars", tweaks, input_value="Ada") == ["Hi Ada, welcome"]
    by_name = {"Greeter": {"template": "<{input_value}|{extra}>", "extra": "!"}}
    assert await _run("two-vars", by_name, input_value="Ada") == ["<Ada|!>"]
    with pytest.raises(InvalidInput) as info:
        await _run("two-vars", {"Prompt-v2": {"mood": "welcome"}}, input_value="Ada")
    assert "mood" in info.value.message


async def test_double_brackets_and_escaped_braces() -> None:
    tweaks = {"Prompt-v2": {"template": "{{greeting}} {{ input_value }} {x}", "use_double_brackets": True}}
    assert await _run("two-vars", tweaks, input_value="Ada") == ["Hi Ada {x}"]
    literal = {"Prompt-v2": {"template": "{{literal}} {greeting}"}}
    assert await _run("two-vars", literal, input_value="Ada") == ["{literal} Hi"]


async def test_hidden_fields_can_be_tweaked() -> None:
    flow = load_case("echo")
    data = copy.deepcopy(flow["data"])
    for n in data["nodes"]:
        n["data"]["node"]["template"]["sender_name"]["show"] = False
    svc, store, _ = services()
    tweaks = {"ChatOutput-e2": {"sender_name": "Bot"}}
    request = RunRequest(flow_id="f", session_id="s", input_value="x", tweaks=tweaks)
    outcome = await run_flow(data, request, svc)
    assert outcome.outputs[0].message is not None and outcome.outputs[0].message.sender_name == "Bot"
    assert [m.sender_name for m in store.messages] == ["User", "Bot"]
