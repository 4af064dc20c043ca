"""``componentTypes``: every registered component type with fields and outputs; needs a
principal."""

from __future__ import annotations

from typing import Any

from flowql.engine.components import registry
from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes


async def test_component_types_lists_the_registry(gql: Gql, alice: TestUser) -> None:
    body = await gql("ComponentTypes", headers=alice.headers)
    assert "errors" not in body, body
    types: list[dict[str, Any]] = body["data"]["componentTypes"]
    by_type = {t["type"]: t for t in types}
    assert set(by_type) == set(registry)
    assert len(types) == len(by_type)

    chat_in = by_type["ChatInput"]
    assert chat_in["displayName"] == "Chat Input"
    assert chat_in["category"] == "input_output"
    assert chat_in["description"] == "Get chat inputs from the Playground."
    fields = {f["name"]: f for f in chat_in["fields"]}
    assert fields["should_store_message"] == {
        "name": "should_store_message",
        "type": "bool",
        "required": False,
        "default": True,
        "inputTypes": [],
    }
    assert fields["sender_name"]["default"] == "User"
    assert fields["sender_name"]["inputTypes"] == ["Message"]
    assert chat_in["outputs"] == [{"name": "message", "types": ["Message"]}]

    chat_out = {f["name"]: f for f in by_type["ChatOutput"]["fields"]}
    assert chat_out["input_value"]["required"] is True
    assert chat_out["input_value"]["type"] == "other"
    assert "Message" in chat_out["input_value"]["inputTypes"]

    prompt = by_type["Prompt"]
    assert prompt["displayName"] == "Prompt Template"
    assert prompt["outputs"] == [{"name": "prompt", "types": ["Message"]}]
    assert {f["name"] for f in prompt["fields"]} >= {"template", "use_double_brackets"}


async def test_component_types_needs_a_principal(gql: Gql) -> None:
    body = await gql("ComponentTypes")
    assert body["data"] is None
    assert error_codes(body) == ["UNAUTHENTICATED"]
