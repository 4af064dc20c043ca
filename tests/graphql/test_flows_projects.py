"""GraphQL flows and projects: ``flows`` filters with ``owner``/``project`` through per-operation
DataLoaders (statement count independent of the number of flows), ``projects``/``project`` with
their ``flows`` connection, the flow and project mutations, ``publicFlow``, ``starterProjects``
and ``basicExamples``."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from flowql.services import AppServices
from tests import flowbuilder as fb
from tests.conftest import TestUser
from tests.graphql.conftest import Gql, error_codes, post_upload


@contextmanager
def counted_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs (``before_cursor_execute``)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def create_flows(gql: Gql, user: TestUser, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``createFlows``; asserts every member is a Flow."""
    body = await gql("CreateFlows", {"inputs": inputs}, headers=user.headers)
    assert "errors" not in body, body
    made: list[dict[str, Any]] = body["data"]["createFlows"]
    assert all(m["__typename"] == "Flow" for m in made), made
    return made


async def create_project(gql: Gql, user: TestUser, **variables: Any) -> dict[str, Any]:
    """``createProject``; returns the member."""
    body = await gql("CreateProject", variables, headers=user.headers)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["createProject"]
    return result


async def test_fifty_flows_with_project_and_owner_cost_the_same_statements_as_five(
    gql: Gql, services: AppServices, alice: TestUser
) -> None:
    project = await create_project(gql, alice, name="bulk")
    query = "FlowsWithProject"

    async def statements_for(total: int, have: int) -> int:
        await create_flows(
            gql, alice, [{"name": f"f{i}", "projectId": project["id"]} for i in range(have, total)]
        )
        with counted_statements(services.engine) as statements:
            body = await gql(query, {"first": 100}, headers=alice.headers)
        edges = body["data"]["flows"]["edges"]
        assert len(edges) == total
        assert {e["node"]["project"]["name"] for e in edges} == {"bulk"}
        assert {e["node"]["owner"]["username"] for e in edges} == {"alice"}
        return len(statements)

    five = await statements_for(5, 0)
    fifty = await statements_for(50, 5)
    assert five == fifty
    assert five <= 8  # principal lookup, the page, its count, one batch each for owners and projects


async def test_projects_with_flows_batch_too(gql: Gql, services: AppServices, alice: TestUser) -> None:
    async def statements_for(projects: int) -> int:
        with counted_statements(services.engine) as statements:
            body = await gql("Projects", headers=alice.headers)
        assert len(body["data"]["projects"]) == projects
        return len(statements)

    one = await statements_for(1)
    for i in range(4):
        made = await create_project(gql, alice, name=f"p{i}")
        await create_flows(gql, alice, [{"name": f"p{i}-f{j}", "projectId": made["id"]} for j in range(3)])
    assert await statements_for(5) == one
    body = await gql("Projects", {"first": 2}, headers=alice.headers)
    projects = body["data"]["projects"]
    assert projects[0]["isDefault"] is True and projects[0]["name"] == "Starter Project"
    for p in projects[1:]:
        assert p["flows"]["totalCount"] == 3
        assert [e["node"]["name"] for e in p["flows"]["edges"]] == [f"{p['name']}-f0", f"{p['name']}-f1"]
        assert p["flows"]["pageInfo"]["hasNextPage"] is True


async def test_project_flows_page_and_filter(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    project = await create_project(gql, alice, name="mixed", description="d")
    await create_flows(
        gql,
        alice,
        [
            {"name": "Alpha", "projectId": project["id"]},
            {"name": "beta", "projectId": project["id"]},
            {"name": "alpha component", "projectId": project["id"], "isComponent": True},
        ],
    )
    seen: list[str] = []
    after = None
    while True:
        body = await gql("Project", {"id": project["id"], "first": 2, "after": after}, headers=alice.headers)
        page = body["data"]["project"]["flows"]
        assert page["totalCount"] == 3
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Alpha", "beta", "alpha component"]
    body = await gql("Project", {"id": project["id"], "search": "ALPHA"}, headers=alice.headers)
    assert [e["node"]["name"] for e in body["data"]["project"]["flows"]["edges"]] == [
        "Alpha",
        "alpha component",
    ]
    body = await gql("Project", {"id": project["id"], "isComponent": False}, headers=alice.headers)
    assert [e["node"]["name"] for e in body["data"]["project"]["flows"]["edges"]] == ["Alpha", "beta"]
    body = await gql("Project", {"id": project["id"], "first": 0}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]
    # another user's project is null, exactly like a missing one
    assert (await gql("Project", {"id": project["id"]}, headers=bob.headers))["data"] == {"project": None}
    assert (await gql("Project", {"id": str(uuid.uuid4())}, headers=alice.headers))["data"] == {
        "project": None
    }


async def test_flows_filters(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    project = await create_project(gql, alice, name="p")
    await create_flows(gql, alice, [{"name": "in project", "projectId": project["id"]}, {"name": "Loose"}])
    await create_flows(gql, alice, [{"name": "comp", "isComponent": True}])
    await create_flows(gql, bob, [{"name": "bob's loose"}])

    async def names(**variables: Any) -> list[str]:
        body = await gql("FlowsWithProject", variables, headers=alice.headers)
        assert "errors" not in body, body
        return [e["node"]["name"] for e in body["data"]["flows"]["edges"]]

    assert await names() == ["in project", "Loose", "comp"]
    assert await names(projectId=project["id"]) == ["in project"]
    assert await names(search="loose") == ["Loose"]
    assert await names(isComponent=True) == ["comp"]
    assert await names(isComponent=False) == ["in project", "Loose"]
    body = await gql("FlowsWithProject", {"search": "o"}, headers=alice.headers)
    assert body["data"]["flows"]["totalCount"] == 3
    body = await gql("FlowsWithProject", {"projectId": "nope"}, headers=alice.headers)
    assert error_codes(body) == ["INVALID_INPUT"]


async def test_flow_mutations(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    made = await create_flows(gql, alice, [{"name": "same"}, {"name": "same"}])
    assert [m["name"] for m in made] == ["same", "same (1)"]
    failed = (await gql("CreateFlows", {"inputs": [{"name": "ok"}, {"name": ""}]}, headers=alice.headers))[
        "data"
    ]
    assert [m["__typename"] for m in failed["createFlows"]] == ["ValidationError"]
    assert "flows[1]" in failed["createFlows"][0]["message"]

    flow_id = made[0]["id"]
    body = await gql(
        "UpdateFlow",
        {"id": flow_id, "patch": {"description": "d", "accessType": "PUBLIC"}},
        headers=alice.headers,
    )
    updated = body["data"]["updateFlow"]
    assert (updated["description"], updated["accessType"], updated["name"]) == ("d", "PUBLIC", "same")
    body = await gql("UpdateFlow", {"id": flow_id, "patch": {"description": None}}, headers=alice.headers)
    assert body["data"]["updateFlow"]["description"] is None
    body = await gql("UpdateFlow", {"id": flow_id, "patch": {"name": "x"}}, headers=bob.headers)
    assert body["data"]["updateFlow"]["__typename"] == "NotFoundError"

    new_id = str(uuid.uuid4())
    body = await gql("UpsertFlow", {"id": new_id, "input": {"name": "same"}}, headers=alice.headers)
    assert body["data"]["upsertFlow"]["id"] == new_id
    assert body["data"]["upsertFlow"]["name"] == "same (2)"
    body = await gql(
        "UpsertFlow",
        {"id": new_id, "input": {"name": "same (2)", "description": "v2"}},
        headers=alice.headers,
    )
    assert (body["data"]["upsertFlow"]["name"], body["data"]["upsertFlow"]["description"]) == (
        "same (2)",
        "v2",
    )
    body = await gql("UpsertFlow", {"id": new_id, "input": {"name": "stolen"}}, headers=bob.headers)
    assert body["data"]["upsertFlow"]["__typename"] == "NotFoundError"

    body = await gql("DeleteFlows", {"ids": [flow_id, new_id]}, headers=bob.headers)
    assert body["data"]["deleteFlows"] == {"deletedCount": 0}
    body = await gql("DeleteFlows", {"ids": [flow_id, new_id, str(uuid.uuid4())]}, headers=alice.headers)
    assert body["data"]["deleteFlows"] == {"deletedCount": 2}
    remaining = await gql("{ flows { edges { node { name } } } }", headers=alice.headers)
    assert [e["node"]["name"] for e in remaining["data"]["flows"]["edges"]] == ["same (1)"]


async def test_project_mutations(gql: Gql, alice: TestUser, bob: TestUser) -> None:
    flows = await create_flows(gql, alice, [{"name": "a"}, {"name": "b"}])
    bobs = await create_flows(gql, bob, [{"name": "bob's"}])
    refused = await create_project(gql, alice, name="steal", flowIds=[flows[0]["id"], bobs[0]["id"]])
    assert refused["__typename"] == "NotFoundError"
    project = await create_project(gql, alice, name="Проект 🚀", description="d", flowIds=[flows[0]["id"]])
    assert project["__typename"] == "Project"
    assert project["name"] == "Проект 🚀"
    assert (await create_project(gql, alice, name="Проект 🚀"))["name"] == "Проект 🚀 (1)"
    child = await create_project(gql, alice, name="child", parentId=project["id"])
    assert child["parent"] == {"id": project["id"]}

    body = await gql(
        "UpdateProject",
        {
            "id": project["id"],
            "patch": {"authSettings": {"auth_type": "none"}, "addFlowIds": [flows[1]["id"]]},
        },
        headers=alice.headers,
    )
    assert body["data"]["updateProject"]["authSettings"] == {"auth_type": "none"}
    listed = await gql("Project", {"id": project["id"]}, headers=alice.headers)
    assert [e["node"]["name"] for e in listed["data"]["project"]["flows"]["edges"]] == ["a", "b"]
    body = await gql(
        "UpdateProject", {"id": project["id"], "patch": {"parentId": child["id"]}}, headers=alice.headers
    )
    assert body["data"]["updateProject"]["__typename"] == "ValidationError"
    body = await gql("UpdateProject", {"id": project["id"], "patch": {"name": "x"}}, headers=bob.headers)
    assert body["data"]["updateProject"]["__typename"] == "NotFoundError"
    body = await gql(
        "UpdateProject",
        {"id": project["id"], "patch": {"addFlowIds": [bobs[0]["id"]]}},
        headers=alice.headers,
    )
    assert body["data"]["updateProject"]["__typename"] == "NotFoundError"

    assert (await gql("DeleteProject", {"id": project["id"]}, headers=bob.headers))["data"] == {
        "deleteProject": {"deletedCount": 0}
    }
    assert (await gql("DeleteProject", {"id": project["id"]}, headers=alice.headers))["data"] == {
        "deleteProject": {"deletedCount": 1}
    }
    remaining = await gql("{ flows { totalCount } }", headers=alice.headers)
    assert remaining["data"]["flows"]["totalCount"] == 0
    projects = (await gql("Projects", headers=alice.headers))["data"]["projects"]
    default = projects[0]
    assert [p["name"] for p in projects] == ["Starter Project", "Проект 🚀 (1)", "child"]
    body = await gql("DeleteProject", {"id": default["id"]}, headers=alice.headers)
    assert error_codes(body) == ["CONFLICT"]


async def test_import_project_from_zip(client: httpx.AsyncClient, gql: Gql, alice: TestUser) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("one.json", json.dumps(fb.echo_flow("one")))
        archive.writestr("two.json", json.dumps(fb.prompt_flow("two")))
    r = await post_upload(
        client,
        "ImportProject",
        buffer.getvalue(),
        headers=alice.headers,
        filename="20260101_120000_Team_flows.zip",
    )
    assert r.status_code == 200, r.text
    project = r.json()["data"]["importProject"]
    assert project["__typename"] == "Project"
    assert project["name"] == "Team"
    listed = await gql("Project", {"id": project["id"]}, headers=alice.headers)
    assert [e["node"]["name"] for e in listed["data"]["project"]["flows"]["edges"]] == ["one", "two"]
    r = await post_upload(client, "ImportProject", b"{broken", headers=alice.headers)
    assert r.json()["data"]["importProject"]["__typename"] == "ValidationError"
    # importFlow takes a zip too
    r = await post_upload(client, "ImportFlow", buffer.getvalue(), headers=alice.headers, filename="f.zip")
    assert [f["name"] for f in r.json()["data"]["importFlow"]] == ["one (1)", "two (1)"]


async def test_public_flow_without_credentials(gql: Gql, alice: TestUser) -> None:
    node = fb.node(
        "OpenAIModel-1", "OpenAIModel", {"api_key": fb.field("sk-x", password=True)}, ["text_output"]
    )
    public = await gql("CreateFlow", {"input": {**fb.flow("open", [node], []), "accessType": "PUBLIC"}})
    assert error_codes(public) == ["UNAUTHENTICATED"]  # creating still needs a principal
    made = await create_flows(
        gql, alice, [{**fb.flow("open", [node], []), "accessType": "PUBLIC"}, {"name": "closed"}]
    )
    body = await gql("PublicFlow", {"id": made[0]["id"]})
    assert "errors" not in body, body
    flow = body["data"]["publicFlow"]
    assert (flow["id"], flow["accessType"], flow["owner"], flow["project"]) == (
        made[0]["id"],
        "PUBLIC",
        None,
        None,
    )
    assert flow["data"]["nodes"][0]["data"]["node"]["template"]["api_key"]["value"] is None
    assert (await gql("PublicFlow", {"id": made[1]["id"]}))["data"] == {"publicFlow": None}
    assert (await gql("PublicFlow", {"id": str(uuid.uuid4())}))["data"] == {"publicFlow": None}
    # the owner reading it sees owner and project
    mine = (await gql("PublicFlow", {"id": made[0]["id"]}, headers=alice.headers))["data"]["publicFlow"]
    assert mine["owner"] == {"id": str(alice.id)}
    assert mine["project"] is not None


async def test_starter_projects_and_basic_examples(gql: Gql, alice: TestUser) -> None:
    body = await gql("StarterProjects", headers=alice.headers)
    assert "errors" not in body, body
    starters = body["data"]["starterProjects"]
    assert [s["name"] for s in starters] == ["Basic Prompting", "Echo Chat", "Prompt Template"]
    assert [c["type"] for c in starters[1]["components"]] == ["ChatInput", "ChatOutput"]
    assert "code" not in json.dumps(starters[0]["data"]).replace('"code_', "")
    assert [e["id"] for e in body["data"]["basicExamples"]] == [s["id"] for s in starters]


async def test_mutations_in_one_document_see_each_others_writes(gql: Gql, alice: TestUser) -> None:
    project = await create_project(gql, alice, name="before")
    document = """
    mutation Two($input: FlowInput!, $id: ID!, $patch: ProjectPatch!) {
      first: createFlow(input: $input) { ... on Flow { project { name flows { totalCount } } } }
      rename: updateProject(id: $id, patch: $patch) { ... on Project { name } }
      second: createFlow(input: $input) { ... on Flow { project { name flows { totalCount } } } }
    }
    """
    body = await gql(
        document,
        {"input": {"name": "f", "projectId": project["id"]}, "id": project["id"], "patch": {"name": "after"}},
        headers=alice.headers,
    )
    assert "errors" not in body, body
    data = body["data"]
    assert data["first"]["project"] == {"name": "before", "flows": {"totalCount": 1}}
    assert data["rename"]["name"] == "after"
    assert data["second"]["project"] == {"name": "after", "flows": {"totalCount": 2}}


async def test_update_flow_onto_a_taken_name_is_a_conflict(gql: Gql, alice: TestUser) -> None:
    _taken, other = await create_flows(gql, alice, [{"name": "taken"}, {"name": "other"}])
    body = await gql("UpdateFlow", {"id": other["id"], "patch": {"name": "taken"}}, headers=alice.headers)
    result = body["data"]["updateFlow"]
    assert result["__typename"] == "ConflictError"
    assert result["message"] == "A flow with this name already exists"


async def test_flows_of_a_foreign_or_unknown_project_is_not_found(
    gql: Gql, alice: TestUser, bob: TestUser
) -> None:
    query = "query In($p: ID) { flows(projectId: $p) { totalCount } }"
    bobs = await create_project(gql, bob, name="bobs")
    for project_id in (bobs["id"], str(uuid.uuid4())):
        body = await gql(query, {"p": project_id}, headers=alice.headers)
        assert error_codes(body) == ["NOT_FOUND"], body
    mine = await create_project(gql, alice, name="mine")
    body = await gql(query, {"p": mine["id"]}, headers=alice.headers)
    assert "errors" not in body, body
    assert body["data"]["flows"]["totalCount"] == 0
