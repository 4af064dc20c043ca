"""``GET /api/v1/all``: Langflow's catalog shape (checked against the peer's excerpt), exactly the
registered types, credentials required."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowql.engine.components import Component, ComponentContext, ComponentResult, registry
from tests.conftest import TestUser

EXCERPT_TYPES = ("ChatInput", "ChatOutput", "TextInput", "TextOutput")
# Keys of a template field that clients read; each present in the excerpt must be in ours too.
FIELD_KEYS = {
    "_input_type",
    "advanced",
    "display_name",
    "info",
    "input_types",
    "list",
    "name",
    "required",
    "show",
    "type",
    "value",
    "options",
    "multiline",
}
# Field values FlowQL must report exactly as Langflow does.
FIELD_VALUES = ("_input_type", "type", "required", "display_name", "advanced", "list", "options")


@pytest.fixture
def excerpt(shared_dir: Path) -> dict[str, Any]:
    """The ``input_output`` category of the peer's ``/api/v1/all`` excerpt."""
    body = json.loads((shared_dir / "peer/resources/all_components_excerpt.json").read_text())["body"]
    category: dict[str, Any] = body["input_output"]
    return category


async def get_all(client: httpx.AsyncClient, user: TestUser) -> dict[str, Any]:
    response = await client.get("/api/v1/all", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_unauthenticated_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/all")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


async def test_lists_exactly_the_registered_types(client: httpx.AsyncClient, alice: TestUser) -> None:
    body = await get_all(client, alice)
    listed = {name for components in body.values() for name in components}
    assert listed == set(registry)
    assert {"ChatInput", "ChatOutput", "TextInput", "TextOutput", "Prompt", "Prompt Template"} <= listed
    assert set(body["input_output"]) >= set(EXCERPT_TYPES)
    assert body["models_and_agents"]["Prompt"]["display_name"] == "Prompt Template"


@pytest.mark.parametrize("type_name", EXCERPT_TYPES)
async def test_component_shape_matches_langflow(
    client: httpx.AsyncClient, alice: TestUser, excerpt: dict[str, Any], type_name: str
) -> None:
    ours = (await get_all(client, alice))["input_output"][type_name]
    theirs = excerpt[type_name]
    assert set(theirs) - {"replacement"} <= set(ours), "top-level keys missing"
    for key in ("display_name", "description", "documentation", "icon", "legacy", "base_classes"):
        assert ours[key] == theirs[key], key
    assert set(ours["template"]) == set(theirs["template"])
    assert ours["template"]["_type"] == "Component"
    for name, field in theirs["template"].items():
        if name in ("_type", "code"):
            continue
        mine = ours["template"][name]
        assert set(field) & FIELD_KEYS <= set(mine), f"{type_name}.{name} keys"
        for key in FIELD_VALUES:
            if key in field:
                assert mine[key] == field[key], f"{type_name}.{name}.{key}"
        assert mine["value"] == field["value"], f"{type_name}.{name}.value"
        # The excerpt cut long lists to 3 items plus "<n more>".
        listed = [t for t in field.get("input_types", []) if not t.startswith("<")]
        assert mine["input_types"][: len(listed)] == listed, f"{type_name}.{name}.input_types"
    assert ours["field_order"][:3] == theirs["field_order"][:3]
    assert len(ours["outputs"]) == len(theirs["outputs"])
    for mine, out in zip(ours["outputs"], theirs["outputs"], strict=True):
        assert set(mine) == set(out)
        for key in ("name", "display_name", "types", "selected", "method"):
            assert mine[key] == out[key], f"{type_name} output {key}"


@pytest.fixture
def bare_component() -> Iterator[str]:
    """A component registered without any catalog metadata, for one test."""

    @registry.register("BareTestThing")
    class Bare(Component):
        async def run(self, ctx: ComponentContext) -> ComponentResult:
            return ComponentResult({})

    yield "BareTestThing"
    registry.unregister("BareTestThing")


async def test_a_component_registered_later_is_listed(
    client: httpx.AsyncClient, alice: TestUser, bare_component: str
) -> None:
    body = await get_all(client, alice)
    entry = body["custom_component"][bare_component]
    assert entry["display_name"] == bare_component
    assert entry["template"] == {"_type": "Component", "code": entry["template"]["code"]}
    assert entry["outputs"] == []
    listed = {name for components in body.values() for name in components}
    assert listed == set(registry)


async def test_model_components_describe_their_fields_and_outputs(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    # Langflow files the model components and the Agent under lfx.components.models_and_agents.
    models = (await client.get("/api/v1/all", headers=alice.headers)).json()["models_and_agents"]
    assert "Agent" in models
    language_model = models["LanguageModelComponent"]
    assert {"model", "api_key", "input_value", "system_message", "stream", "temperature"} <= set(
        language_model["template"]
    )
    assert [o["name"] for o in language_model["outputs"]] == ["text_output", "model_output"]
    assert "openai_api_base" in models["OpenAIModel"]["template"]
