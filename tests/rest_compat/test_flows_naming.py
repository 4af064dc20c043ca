"""The naming policy under concurrency and at the length limit, renames onto a taken name, and
writes into a project deleted meanwhile (flows and projects)."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from flowql.db.models import Project
from flowql.errors import Conflict, NotFound
from flowql.resolvers import flow_db, flows, projects
from flowql.services import AppServices
from tests.cases import create_flow_rest
from tests.conftest import TestUser

PARALLEL = 10


async def test_parallel_creates_get_distinct_names(client: httpx.AsyncClient, alice: TestUser) -> None:
    async def post(path: str, body: Any) -> Any:
        r = await client.post(path, json=body, headers=alice.headers)
        assert r.status_code == 201, r.text
        return r.json()

    single = await asyncio.gather(*(post("/api/v1/flows/", {"name": "same"}) for _ in range(PARALLEL)))
    assert len({f["name"] for f in single}) == PARALLEL
    batches = await asyncio.gather(
        *(post("/api/v1/flows/batch/", {"flows": [{"name": "batch"}]}) for _ in range(PARALLEL))
    )
    assert len({b[0]["name"] for b in batches}) == PARALLEL
    made = await asyncio.gather(*(post("/api/v1/projects/", {"name": "proj"}) for _ in range(PARALLEL)))
    assert len({p["name"] for p in made}) == PARALLEL


async def test_parallel_upserts_of_a_fresh_id_create_once(client: httpx.AsyncClient, alice: TestUser) -> None:
    flow_id = str(uuid.uuid4())
    answers = await asyncio.gather(
        *(
            client.put(f"/api/v1/flows/{flow_id}", json={"name": "up"}, headers=alice.headers)
            for _ in range(PARALLEL)
        )
    )
    assert sorted(r.status_code for r in answers) == [200] * (PARALLEL - 1) + [201], [r.text for r in answers]
    assert {r.json()["id"] for r in answers} == {flow_id}


def test_a_taken_id_is_not_reported_as_an_endpoint_name_clash() -> None:
    taken_id = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: flow.id"))
    error = flow_db.integrity_error(taken_id)
    assert isinstance(error, Conflict)
    assert "endpoint_name" not in error.message
    endpoint = IntegrityError(
        "INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: flow.user_id, flow.endpoint_name")
    )
    assert "endpoint_name" in flow_db.integrity_error(endpoint).message
    foreign = IntegrityError("INSERT", {}, sqlite3.IntegrityError("FOREIGN KEY constraint failed"))
    assert isinstance(flow_db.integrity_error(foreign), NotFound)


async def test_names_at_the_length_limit_get_distinct_suffixes(
    client: httpx.AsyncClient, alice: TestUser
) -> None:
    long = "L" * 255
    names = [(await create_flow_rest(client, alice.headers, {"name": long}))["name"] for _ in range(4)]
    assert len(set(names)) == 4
    assert names[0] == long
    assert [n[-4:] for n in names[1:]] == [" (1)", " (2)", " (3)"]
    assert all(len(n) == 255 for n in names)
    made = []
    for _ in range(3):
        r = await client.post("/api/v1/projects/", json={"name": long}, headers=alice.headers)
        assert r.status_code == 201, r.text
        made.append(r.json()["name"])
    assert len(set(made)) == 3


def test_next_free_name_counts_cut_bases() -> None:
    long = "x" * 255
    taken = {long, "x" * 251 + " (1)", "x" * 251 + " (2)"}
    assert flow_db.next_free_name(long, taken) == "x" * 251 + " (3)"
    assert flow_db.next_free_name("a", {"a", "a (1)", "a (1) (1)"}) == "a (2)"


async def test_renaming_onto_a_taken_name_is_409(
    client: httpx.AsyncClient, alice: TestUser, bob: TestUser
) -> None:
    await create_flow_rest(client, alice.headers, {"name": "taken"})
    other = await create_flow_rest(client, alice.headers, {"name": "other"})
    r = await client.patch(f"/api/v1/flows/{other['id']}", json={"name": "taken"}, headers=alice.headers)
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == "A flow with this name already exists"
    r = await client.patch(f"/api/v1/flows/{other['id']}", json={"name": "other"}, headers=alice.headers)
    assert r.status_code == 200  # its own name is fine
    bobs = await create_flow_rest(client, bob.headers, {"name": "x"})
    r = await client.patch(f"/api/v1/flows/{bobs['id']}", json={"name": "taken"}, headers=bob.headers)
    assert r.status_code == 200  # another user's names do not count

    ids = []
    for name in ("p1", "p2"):
        r = await client.post("/api/v1/projects/", json={"name": name}, headers=alice.headers)
        ids.append(r.json()["id"])
    r = await client.patch(f"/api/v1/projects/{ids[1]}", json={"name": "p1"}, headers=alice.headers)
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == "A project with this name already exists"
    listed = (await client.get("/api/v1/projects/", headers=alice.headers)).json()
    assert sorted(p["name"] for p in listed if p["id"] in ids) == ["p1", "p2"]


async def _delete_project(services: AppServices, project_id: uuid.UUID) -> None:
    async with services.sessions() as session:
        await session.execute(delete(Project).where(Project.id == project_id))
        await session.commit()


async def test_creating_into_a_project_deleted_meanwhile_is_404(
    monkeypatch: pytest.MonkeyPatch, services: AppServices, client: httpx.AsyncClient, alice: TestUser
) -> None:
    r = await client.post("/api/v1/projects/", json={"name": "doomed"}, headers=alice.headers)
    doomed = r.json()["id"]
    check_parent, resolve_folder = projects._check_parent, flow_db.resolve_folder

    async def parent_then_delete(session: Any, user_id: uuid.UUID, parent_id: Any, project_id: Any) -> None:
        await check_parent(session, user_id, parent_id, project_id)
        if parent_id is not None:
            await _delete_project(services, parent_id)

    monkeypatch.setattr(projects, "_check_parent", parent_then_delete)
    r = await client.post(
        "/api/v1/projects/", json={"name": "child", "parent_id": doomed}, headers=alice.headers
    )
    assert r.status_code == 404, r.text
    assert r.json()["detail"] == "Project not found"

    r = await client.post("/api/v1/projects/", json={"name": "doomed2"}, headers=alice.headers)
    doomed2 = r.json()["id"]

    async def folder_then_delete(session: Any, user_id: uuid.UUID, folder_id: Any) -> uuid.UUID:
        found = await resolve_folder(session, user_id, folder_id)
        if folder_id is not None:
            await _delete_project(services, folder_id)
        return found

    monkeypatch.setattr(flows, "resolve_folder", folder_then_delete)
    r = await client.post("/api/v1/flows/", json={"name": "f", "folder_id": doomed2}, headers=alice.headers)
    assert r.status_code == 404, r.text
    assert r.json()["detail"] == "Project not found"
