"""``GET /api/v1/flows/public_flow/{id}`` (no credentials, PUBLIC flows only),
``GET /api/v1/flows/basic_examples/`` and ``GET /api/v1/starter-projects/`` (FlowQL's own small
flows without ``code``, plus ``FLOWQL_STARTER_PROJECTS_DIR``)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from flowql.resolvers.starter_projects import builtin_starters
from flowql.settings import Settings
from tests import flowbuilder as fb
from tests.cases import create_flow_rest
from tests.conftest import TestUser
from tests.rest_compat.helpers import peer_body

BUILTIN_NAMES = ["Basic Prompting", "Echo Chat", "Prompt Template"]


def has_key(value: Any, key: str) -> bool:
    """Whether ``key`` is a dict key anywhere inside ``value``."""
    if isinstance(value, dict):
        return key in value or any(has_key(v, key) for v in value.values())
    if isinstance(value, list):
        return any(has_key(v, key) for v in value)
    return False


async def test_public_flow_without_credentials(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    node = fb.node(
        "OpenAIModel-1", "OpenAIModel", {"api_key": fb.field("sk-x", password=True)}, ["text_output"]
    )
    public = await create_flow_rest(
        client, alice.headers, fb.flow("shared", [node], [], access_type="PUBLIC")
    )
    private = await create_flow_rest(client, alice.headers, fb.echo_flow("mine"))

    r = await client.get(f"/api/v1/flows/public_flow/{public['id']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == set(peer_body(shared_dir, "flows_create.json")) | {"public_access"}
    assert body["id"] == public["id"]
    assert body["access_type"] == "PUBLIC"
    assert body["public_access"] == {"can_read": True, "can_execute": True}
    assert body["data"]["nodes"][0]["data"]["node"]["template"]["api_key"]["value"] is None

    capture = json.loads((shared_dir / "peer" / "resources" / "flows_public_private.json").read_text())
    for flow_id in (private["id"], str(uuid.uuid4())):
        r = await client.get(f"/api/v1/flows/public_flow/{flow_id}")
        assert r.status_code == capture["status"] == 404
        assert r.json() == capture["body"]
    # credentials do not open a PRIVATE flow here either
    r = await client.get(f"/api/v1/flows/public_flow/{private['id']}", headers=alice.headers)
    assert r.status_code == 404


def test_builtin_starters_have_no_code_and_parse() -> None:
    starters = builtin_starters()
    assert [s.name for s in starters] == BUILTIN_NAMES
    for starter in starters:
        assert not has_key(starter.data, "code"), starter.name
        assert starter.user_id is None
        assert starter.name_key == starter.name.lower().replace(" ", "_")
    assert len({s.id for s in starters}) == len(starters)


async def test_starter_projects_shape(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await client.get("/api/v1/starter-projects/", headers=alice.headers)
    assert r.status_code == 200
    body = r.json()
    assert [s["name"] for s in body] == BUILTIN_NAMES
    expected_keys = set(peer_body(shared_dir, "starter_projects.json")[0])
    assert all(set(s) == expected_keys for s in body)
    assert set(body[0]["data"]) == {"nodes", "edges", "viewport"}
    assert (await client.get("/api/v1/starter-projects/")).status_code == 401


async def test_basic_examples_shape(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await client.get("/api/v1/flows/basic_examples/", headers=alice.headers)
    assert r.status_code == 200
    body = r.json()
    capture = peer_body(shared_dir, "flows_basic_examples.json")
    assert all(set(f) == set(capture[0]) for f in body)
    assert [f["name"] for f in body] == BUILTIN_NAMES
    assert all(f["user_id"] is None for f in body)
    again = (await client.get("/api/v1/flows/basic_examples/", headers=alice.headers)).json()
    assert [f["id"] for f in again] == [f["id"] for f in body]  # stable ids
    # examples are not the user's flows
    assert (await client.get("/api/v1/flows/", headers=alice.headers)).json() == []


async def test_starter_flows_run(client: httpx.AsyncClient, alice: TestUser) -> None:
    starters = (await client.get("/api/v1/starter-projects/", headers=alice.headers)).json()
    by_name = {s["name"]: s for s in starters}
    expected = {
        "Echo Chat": "hello there",
        "Prompt Template": "Reply to the message below in one friendly sentence.\n\nMessage: hello there",
    }
    for name, text in expected.items():
        flow = await create_flow_rest(client, alice.headers, {"name": name, "data": by_name[name]["data"]})
        r = await client.post(
            f"/api/v1/run/{flow['id']}", json={"input_value": "hello there"}, headers=alice.headers
        )
        assert r.status_code == 200, r.text
        assert r.json()["outputs"][0]["outputs"][0]["results"]["message"]["text"] == text


async def test_operator_directory_adds_starters(
    tmp_path: Path, settings: Settings, client: httpx.AsyncClient, alice: TestUser
) -> None:
    folder = tmp_path / "starters"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(fb.echo_flow("Operator Echo")), encoding="utf-8")
    (folder / "b.json").write_text(
        json.dumps({"flows": [fb.prompt_flow("Operator Prompt"), {"name": "no data"}]}), encoding="utf-8"
    )
    (folder / "c.json").write_text("{broken", encoding="utf-8")
    (folder / "d.json").write_text(json.dumps(fb.echo_flow("Echo Chat")), encoding="utf-8")  # a built-in name
    settings.starter_projects_dir = folder
    r = await client.get("/api/v1/starter-projects/", headers=alice.headers)
    assert r.status_code == 200
    assert [s["name"] for s in r.json()] == [*BUILTIN_NAMES, "Operator Echo", "Operator Prompt"]
    examples = (await client.get("/api/v1/flows/basic_examples/", headers=alice.headers)).json()
    assert [f["name"] for f in examples] == [*BUILTIN_NAMES, "Operator Echo", "Operator Prompt"]


async def test_operator_starters_named_without_ascii_letters_are_all_listed(
    tmp_path: Path, settings: Settings, client: httpx.AsyncClient, alice: TestUser
) -> None:
    folder = tmp_path / "starters"
    folder.mkdir()
    names = ["测试 流程", "另一个流程", "!!!"]
    for index, name in enumerate(names):
        (folder / f"{index}.json").write_text(json.dumps(fb.echo_flow(name)), encoding="utf-8")
    settings.starter_projects_dir = folder
    r = await client.get("/api/v1/starter-projects/", headers=alice.headers)
    assert r.status_code == 200
    operator = r.json()[len(BUILTIN_NAMES) :]
    assert [s["name"] for s in operator] == names
    assert len({s["name_key"] for s in operator}) == len(names)
    examples = (await client.get("/api/v1/flows/basic_examples/", headers=alice.headers)).json()
    operator_examples = examples[len(BUILTIN_NAMES) :]
    assert [f["name"] for f in operator_examples] == names
    assert len({f["id"] for f in operator_examples}) == len(names)
    again = (await client.get("/api/v1/flows/basic_examples/", headers=alice.headers)).json()
    assert [f["id"] for f in again] == [f["id"] for f in examples]  # stable
