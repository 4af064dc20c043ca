"""``/api/v1/projects``: list, create (moving flows in), read (all flows or a page), patch,
delete (with everything the project's flows left behind, in one transaction), download and
upload; the ``/api/v1/folders`` alias."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from sqlalchemy import func, select

from flowql.db.models import (
    File,
    Job,
    JobEvent,
    Message,
    Project,
    Span,
    Trace,
    Transaction,
    VertexBuild,
)
from flowql.filestore import store_for
from flowql.services import AppServices
from tests import flowbuilder as fb
from tests.cases import create_flow_rest
from tests.conftest import TestUser
from tests.rest_compat.build_capture import body_events, start_build, stream_events
from tests.rest_compat.helpers import get_flow_rest, list_flows_rest, peer_body, upload_files

PROJECT_NAME = "Cap Проект 测试"


async def create_project(client: httpx.AsyncClient, user: TestUser, **body: Any) -> dict[str, Any]:
    """``POST /api/v1/projects/``; asserts 201."""
    r = await client.post("/api/v1/projects/", json=body, headers=user.headers)
    assert r.status_code == 201, r.text
    project: dict[str, Any] = r.json()
    return project


async def read_project(client: httpx.AsyncClient, user: TestUser, project_id: str, **params: Any) -> Any:
    """``GET /api/v1/projects/{id}``; asserts 200."""
    r = await client.get(f"/api/v1/projects/{project_id}", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_list_has_the_default_project(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    r = await client.get("/api/v1/projects/", headers=alice.headers)
    assert r.status_code == 200
    [default] = r.json()
    capture = (shared_dir / "peer" / "projects_list_response.txt").read_text().splitlines()[-1]
    expected = json.loads(capture)[0]
    assert set(default) == set(expected)
    assert {k: default[k] for k in ("name", "description", "parent_id", "auth_settings", "is_owner")} == {
        k: expected[k] for k in ("name", "description", "parent_id", "auth_settings", "is_owner")
    }
    assert default["owner_username"] == "alice"
    made = await create_project(client, alice, name="second")
    await create_project(client, bob, name="bobs")
    ids = [p["id"] for p in (await client.get("/api/v1/projects/", headers=alice.headers)).json()]
    assert ids == [default["id"], made["id"]]


async def test_create_moves_flows_and_reads_them_back(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    flow = await create_flow_rest(client, alice.headers, fb.echo_flow("cap-prompt"))
    comp = await create_flow_rest(client, alice.headers, {"name": "comp", "is_component": True, "data": {}})
    stays = await create_flow_rest(client, alice.headers, {"name": "stays"})
    project = await create_project(
        client,
        alice,
        name=PROJECT_NAME,
        description="d",
        flows_list=[flow["id"]],
        components_list=[comp["id"]],
    )
    assert set(project) == set(peer_body(shared_dir, "projects_create.json"))
    assert project["name"] == PROJECT_NAME
    assert project["description"] == "d"

    full = await read_project(client, alice, project["id"])
    assert set(full) == set(peer_body(shared_dir, "projects_read.json"))
    assert [f["id"] for f in full["flows"]] == [flow["id"], comp["id"]]
    assert set(full["flows"][0]) == set(peer_body(shared_dir, "projects_read.json")["flows"][0])
    assert all(f["folder_id"] == project["id"] for f in full["flows"])
    assert (await get_flow_rest(client, alice, stays["id"])).json()["folder_id"] == stays["folder_id"]

    # the same name again gets Langflow's suffix
    assert (await create_project(client, alice, name=PROJECT_NAME))["name"] == f"{PROJECT_NAME} (1)"


async def test_read_paginated(shared_dir: Path, client: httpx.AsyncClient, alice: TestUser) -> None:
    project = await create_project(client, alice, name="paged")
    made = [
        await create_flow_rest(
            client,
            alice.headers,
            {"name": name, "folder_id": project["id"], "is_component": name.startswith("comp")},
        )
        for name in ("alpha", "Beta flow", "comp-one")
    ]
    page = await read_project(client, alice, project["id"], page=1, size=2)
    assert set(page) == set(peer_body(shared_dir, "projects_read_paged.json"))
    assert set(page["folder"]) == set(peer_body(shared_dir, "projects_read_paged.json")["folder"])
    assert {k: v for k, v in page["flows"].items() if k != "items"} == {
        "total": 3,
        "page": 1,
        "size": 2,
        "pages": 2,
    }
    page2 = await read_project(client, alice, project["id"], page=2, size=2)
    seen = {f["id"] for f in page["flows"]["items"]} | {f["id"] for f in page2["flows"]["items"]}
    assert seen == {f["id"] for f in made}
    only_components = await read_project(client, alice, project["id"], page=1, size=10, is_component="true")
    assert [f["name"] for f in only_components["flows"]["items"]] == ["comp-one"]
    only_flows = await read_project(client, alice, project["id"], page=1, size=10, is_flow="true")
    assert sorted(f["name"] for f in only_flows["flows"]["items"]) == ["Beta flow", "alpha"]
    searched = await read_project(client, alice, project["id"], page=1, size=10, search="BETA")
    assert [f["name"] for f in searched["flows"]["items"]] == ["Beta flow"]
    r = await client.get(
        f"/api/v1/projects/{project['id']}", params={"page": 0, "size": 2}, headers=alice.headers
    )
    assert r.status_code == 422


async def test_patch_fields_and_membership(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    a = await create_flow_rest(client, alice.headers, {"name": "a"})
    b = await create_flow_rest(client, alice.headers, {"name": "b"})
    default_id = a["folder_id"]
    project = await create_project(client, alice, name="p", description="d", flows_list=[a["id"]])
    r = await client.patch(
        f"/api/v1/projects/{project['id']}", json={"description": "e"}, headers=alice.headers
    )
    assert r.status_code == 200, r.text
    assert set(r.json()) == set(peer_body(shared_dir, "projects_patch.json"))
    assert r.json()["description"] == "e"
    assert r.json()["name"] == "p"
    # a patch without flow lists leaves the membership alone
    assert [f["id"] for f in (await read_project(client, alice, project["id"]))["flows"]] == [a["id"]]

    r = await client.patch(
        f"/api/v1/projects/{project['id']}",
        json={
            "name": "renamed",
            "flows": [b["id"]],
            "components": [],
            "auth_settings": {"auth_type": "none"},
        },
        headers=alice.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "renamed"
    assert r.json()["auth_settings"] == {"auth_type": "none"}
    assert [f["id"] for f in (await read_project(client, alice, project["id"]))["flows"]] == [b["id"]]
    assert (await get_flow_rest(client, alice, a["id"])).json()["folder_id"] == default_id

    child = await create_project(client, alice, name="child", parent_id=project["id"])
    assert child["parent_id"] == project["id"]
    r = await client.patch(
        f"/api/v1/projects/{project['id']}", json={"parent_id": child["id"]}, headers=alice.headers
    )
    assert r.status_code == 422  # a cycle
    r = await client.patch(f"/api/v1/projects/{child['id']}", json={"parent_id": None}, headers=alice.headers)
    assert r.json()["parent_id"] is None
    r = await client.patch(f"/api/v1/projects/{project['id']}", json={"name": ""}, headers=alice.headers)
    assert r.status_code == 422


async def _count(services: AppServices, model: Any, *where: Any) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _run_and_build(client: httpx.AsyncClient, user: TestUser, flow_id: str) -> None:
    r = await client.post(f"/api/v1/run/{flow_id}", json={"input_value": "hi"}, headers=user.headers)
    assert r.status_code == 200, r.text
    job_id = await start_build(client, user.headers, flow_id, delivery="streaming")
    assert body_events((await stream_events(client, user.headers, job_id)).text)[-1]["event"] == "end"


async def test_delete_removes_flows_and_what_they_left_nothing_else(
    shared_dir: Path, services: AppServices, client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    project = await create_project(client, alice, name="doomed")
    doomed = await create_flow_rest(
        client, alice.headers, {**fb.echo_flow("doomed"), "folder_id": project["id"]}
    )
    kept = await create_flow_rest(client, alice.headers, fb.echo_flow("kept"))
    bobs = await create_flow_rest(client, bob.headers, fb.echo_flow("bobs"))
    for user, flow in ((alice, doomed), (alice, kept), (bob, bobs)):
        await _run_and_build(client, user, flow["id"])
    store = store_for(services.settings)
    async with services.sessions() as session:
        key = f"{alice.id}/{uuid.uuid4().hex}.txt"
        session.add(File(user_id=alice.id, flow_id=uuid.UUID(doomed["id"]), name="f.txt", path=key, size=2))
        await session.commit()
    blob = store.path_of(key)  # type: ignore[attr-defined]
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(b"hi")

    tables = (Message, VertexBuild, Transaction, Trace, Job)
    before = {}
    for flow in (doomed, kept, bobs):
        fid = uuid.UUID(flow["id"])
        before[flow["id"]] = [await _count(services, t, t.flow_id == fid) for t in tables]
        assert all(n > 0 for n in before[flow["id"]]), (flow["name"], before[flow["id"]])
    spans_before = await _count(services, Span)
    events_before = await _count(services, JobEvent)

    r = await client.delete(f"/api/v1/projects/{project['id']}", headers=alice.headers)
    capture = json.loads((shared_dir / "peer" / "resources" / "project_delete.json").read_text())
    assert r.status_code == capture["status"] == 204
    assert r.content == b""

    gone = json.loads((shared_dir / "peer" / "resources" / "flow_after_project_delete.json").read_text())
    r = await get_flow_rest(client, alice, doomed["id"])
    assert (r.status_code, r.json()) == (gone["status"], gone["body"])
    fid = uuid.UUID(doomed["id"])
    assert [await _count(services, t, t.flow_id == fid) for t in tables] == [0] * len(tables)
    assert await _count(services, File, File.flow_id == fid) == 0
    assert not blob.exists()
    for flow in (kept, bobs):
        other = uuid.UUID(flow["id"])
        assert [await _count(services, t, t.flow_id == other) for t in tables] == before[flow["id"]]
    assert 0 < await _count(services, Span) < spans_before
    assert 0 < await _count(services, JobEvent) < events_before
    assert await _count(services, Project, Project.id == uuid.UUID(project["id"])) == 0
    assert [f["id"] for f in await list_flows_rest(client, alice)] == [kept["id"]]
    assert (
        await client.delete(f"/api/v1/projects/{project['id']}", headers=alice.headers)
    ).status_code == 404


async def test_default_project_cannot_be_deleted(client: httpx.AsyncClient, alice: TestUser) -> None:
    [default] = (await client.get("/api/v1/projects/", headers=alice.headers)).json()
    r = await client.delete(f"/api/v1/projects/{default['id']}", headers=alice.headers)
    assert r.status_code == 409
    assert len((await client.get("/api/v1/projects/", headers=alice.headers)).json()) == 1


async def test_delete_moves_subprojects_to_top(client: httpx.AsyncClient, alice: TestUser) -> None:
    parent = await create_project(client, alice, name="parent")
    child = await create_project(client, alice, name="child", parent_id=parent["id"])
    assert (await client.delete(f"/api/v1/projects/{parent['id']}", headers=alice.headers)).status_code == 204
    assert (await read_project(client, alice, child["id"]))["parent_id"] is None


async def test_download_and_upload_round_trip(
    shared_dir: Path, client: httpx.AsyncClient, alice: TestUser
) -> None:
    project = await create_project(client, alice, name=PROJECT_NAME)
    names = ["Привет", "流程", "🚀 rocket"]
    made = [
        await create_flow_rest(client, alice.headers, {**fb.echo_flow(name), "folder_id": project["id"]})
        for name in names
    ]
    r = await client.get(f"/api/v1/projects/download/{project['id']}", headers=alice.headers)
    assert r.status_code == 200
    capture = json.loads((shared_dir / "peer" / "resources" / "projects_download.json").read_text())
    assert r.headers["content-type"] == capture["headers"]["content-type"]
    disposition = r.headers["content-disposition"]
    fallback, encoded = disposition.split("; filename*=UTF-8''")
    assert fallback.startswith('attachment; filename="')
    fallback.encode("ascii")
    filename = unquote(encoded)
    assert filename.endswith(f"_{PROJECT_NAME}_flows.zip")
    # the peer's header has the same two parts, with the same percent-encoding of the name
    assert (
        capture["headers"]["content-disposition"]
        .split("filename*=UTF-8''")[1]
        .endswith(encoded.split("_", 2)[2])
    )
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        entries = {n: json.loads(archive.read(n)) for n in archive.namelist()}
    assert set(entries) == {f"{n}.json" for n in names}
    assert {e["id"] for e in entries.values()} == {f["id"] for f in made}

    r = await client.post(
        "/api/v1/projects/upload/", files=upload_files(r.content, filename), headers=alice.headers
    )
    assert r.status_code == 201, r.text
    uploaded = r.json()
    assert sorted(f["name"] for f in uploaded) == sorted(f"{n} (1)" for n in names)
    new_project = uploaded[0]["folder_id"]
    assert all(f["folder_id"] == new_project for f in uploaded)
    listed = (await client.get("/api/v1/projects/", headers=alice.headers)).json()
    assert [p["name"] for p in listed] == ["Starter Project", PROJECT_NAME, f"{PROJECT_NAME} (1)"]


async def test_upload_langflow_project_json_and_raw_body(client: httpx.AsyncClient, alice: TestUser) -> None:
    payload = {
        "folder_name": "From Langflow",
        "folder_description": "exported",
        "flows": [fb.echo_flow("one"), fb.prompt_flow("two")],
    }
    r = await client.post(
        "/api/v1/projects/upload/", files=upload_files(json.dumps(payload).encode()), headers=alice.headers
    )
    assert r.status_code == 201, r.text
    assert [f["name"] for f in r.json()] == ["one", "two"]
    project_id = r.json()[0]["folder_id"]
    project = await read_project(client, alice, project_id)
    assert (project["name"], project["description"]) == ("From Langflow", "exported")

    # the Python SDK sends the zip as the raw body (no multipart, no file name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("solo.json", json.dumps(fb.echo_flow("solo")))
    r = await client.post(
        "/api/v1/projects/upload/",
        content=buffer.getvalue(),
        headers={**alice.headers, "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 201, r.text
    assert (await read_project(client, alice, r.json()[0]["folder_id"]))["name"] == "Imported project"

    for bad in (b"", b"{not json", b"[1]"):
        r = await client.post(
            "/api/v1/projects/upload/",
            content=bad,
            headers={**alice.headers, "Content-Type": "application/octet-stream"},
        )
        assert r.status_code == 422, bad
    assert len((await client.get("/api/v1/projects/", headers=alice.headers)).json()) == 3


async def test_upload_is_all_or_none(client: httpx.AsyncClient, alice: TestUser) -> None:
    await create_flow_rest(client, alice.headers, {"name": "holder", "endpoint_name": "taken"})
    payload = {"folder_name": "nope", "flows": [{"name": "ok"}, {"name": "clash", "endpoint_name": "taken"}]}
    r = await client.post(
        "/api/v1/projects/upload/", files=upload_files(json.dumps(payload).encode()), headers=alice.headers
    )
    assert r.status_code == 409
    assert [p["name"] for p in (await client.get("/api/v1/projects/", headers=alice.headers)).json()] == [
        "Starter Project"
    ]
    assert [f["name"] for f in await list_flows_rest(client, alice)] == ["holder"]


async def test_folders_alias_redirects_keeping_the_query(shared_dir: Path, client: httpx.AsyncClient) -> None:
    capture = json.loads((shared_dir / "peer" / "resources" / "folders_alias.json").read_text())
    r = await client.get("/api/v1/folders/")
    assert r.status_code == capture["status"] == 307
    assert r.headers["location"] == capture["headers"]["location"] == "/api/v1/projects/"
    some = str(uuid.uuid4())
    for method, path, target in (
        ("GET", f"/api/v1/folders/{some}?page=2&size=5", f"/api/v1/projects/{some}?page=2&size=5"),
        ("PATCH", f"/api/v1/folders/{some}", f"/api/v1/projects/{some}"),
        ("DELETE", f"/api/v1/folders/{some}", f"/api/v1/projects/{some}"),
        ("POST", "/api/v1/folders/upload/", "/api/v1/projects/upload/"),
        ("GET", f"/api/v1/folders/download/{some}", f"/api/v1/projects/download/{some}"),
    ):
        r = await client.request(method, path)
        assert r.status_code == 307, path
        assert r.headers["location"] == target


async def test_folders_alias_followed_reaches_projects(client: httpx.AsyncClient, alice: TestUser) -> None:
    r = await client.post(
        "/api/v1/folders/", json={"name": "via alias"}, headers=alice.headers, follow_redirects=True
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "via alias"


async def test_folders_alias_refuses_dot_segments(client: httpx.AsyncClient) -> None:
    for path in (
        "/api/v1/folders/%2e%2e/flows/",
        "/api/v1/folders/%2E/",
        "/api/v1/folders/a/%2e%2e/%2e%2e/users/",
    ):
        r = await client.get(path)
        assert r.status_code == 404, (path, r.status_code, r.headers.get("location"))
        assert "location" not in r.headers


async def test_auth_settings_secrets_are_masked_and_a_masked_value_keeps_the_secret(
    client: httpx.AsyncClient, services: AppServices, alice: TestUser
) -> None:
    secret = {"auth_type": "apikey", "api_key": "sk-project-secret-123"}
    created = await create_project(client, alice, name="secretive", auth_settings=secret)
    assert created["auth_settings"] == {"auth_type": "apikey", "api_key": "*******"}
    listed = (await client.get("/api/v1/projects/", headers=alice.headers)).json()
    read = await read_project(client, alice, created["id"])
    for body in (listed, read):
        assert "sk-project-secret-123" not in json.dumps(body)

    patch = {"auth_settings": {"auth_type": "apikey", "api_key": "*******"}, "description": "d"}
    r = await client.patch(f"/api/v1/projects/{created['id']}", json=patch, headers=alice.headers)
    assert r.status_code == 200, r.text
    async with services.sessions() as session:
        stored = await session.get(Project, uuid.UUID(created["id"]))
    assert stored is not None and stored.auth_settings == secret

    bad = {"auth_settings": {"auth_type": "apikey", "not_a_setting": "x"}}
    r = await client.patch(f"/api/v1/projects/{created['id']}", json=bad, headers=alice.headers)
    assert r.status_code == 422, r.text

    gql = {"query": f'{{ project(id: "{created["id"]}") {{ authSettings }} }}'}
    r = await client.post("/graphql", json=gql, headers=alice.headers)
    assert r.json()["data"]["project"]["authSettings"] == {"auth_type": "apikey", "api_key": "*******"}
